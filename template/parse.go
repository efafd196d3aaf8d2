package template

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Text is one parsed template text: literal text and tags in order.
type Text struct {
	src   string
	parts []part
}

// part is literal text, or a tag when terms is set.
type part struct {
	lit   string
	terms []term
}

// term is a variable name, or a quoted fallback when literal is set.
type term struct {
	name    string
	literal bool
}

// Parse parses and checks src. A malformed tag or an unknown variable is an
// *Error with its position.
func Parse(src string) (*Text, error) {
	t := &Text{src: src}
	rest, off := src, 0
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.parts = append(t.parts, part{lit: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, part{lit: rest[:i]})
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			return nil, errAt(src, off+i, ErrSyntax, "{{ is not closed by }}")
		}
		terms, err := parseTag(src, off+i+2, rest[i+2:i+2+j])
		if err != nil {
			return nil, err
		}
		t.parts = append(t.parts, part{terms: terms})
		n := i + 2 + j + 2
		rest, off = rest[n:], off+n
	}
	return t, nil
}

// parseTag parses the inside of a tag, which starts at offset off of src.
func parseTag(src string, off int, tag string) ([]term, error) {
	var terms []term
	pos := 0
	for {
		for pos < len(tag) && tag[pos] == ' ' {
			pos++
		}
		if pos == len(tag) {
			if len(terms) == 0 {
				return nil, errAt(src, off+pos, ErrSyntax, "empty tag")
			}
			return nil, errAt(src, off+pos, ErrSyntax, "a variable or a quoted fallback must follow |")
		}
		if len(terms) > 0 && terms[len(terms)-1].literal {
			return nil, errAt(src, off+pos, ErrSyntax, "nothing may follow a quoted fallback")
		}
		start := pos
		var tm term
		if tag[pos] == '"' {
			s, n, ok := unquote(tag[pos:])
			if !ok {
				return nil, errAt(src, off+pos, ErrSyntax, "quoted fallback is not closed by \"")
			}
			tm, pos = term{name: s, literal: true}, pos+n
		} else {
			for pos < len(tag) && isNameByte(tag[pos]) {
				pos++
			}
			if pos == start {
				r, _ := utf8.DecodeRuneInString(tag[pos:])
				return nil, errAt(src, off+pos, ErrSyntax, fmt.Sprintf("unexpected %q: a tag holds variables and a quoted fallback, separated by |", r))
			}
			tm = term{name: tag[start:pos]}
			if !Known(tm.name) {
				return nil, errAt(src, off+start, ErrUnknownVariable, fmt.Sprintf("unknown variable %q", tm.name))
			}
		}
		terms = append(terms, tm)
		for pos < len(tag) && tag[pos] == ' ' {
			pos++
		}
		if pos == len(tag) {
			return terms, nil
		}
		if tag[pos] != '|' {
			r, _ := utf8.DecodeRuneInString(tag[pos:])
			return nil, errAt(src, off+pos, ErrSyntax, fmt.Sprintf("unexpected %q: separate alternatives with |", r))
		}
		pos++
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

// unquote reads a double-quoted string at the start of s, with \" and \\
// as escapes, and returns it and the bytes it took.
func unquote(s string) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, true
		case '\\':
			if i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
				i++
				b.WriteByte(s[i])
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// String returns the source text.
func (t *Text) String() string { return t.src }

// Render writes t with the values of vars to b.
func (t *Text) Render(b *strings.Builder, vars Vars) {
	for _, p := range t.parts {
		if p.terms == nil {
			b.WriteString(p.lit)
			continue
		}
		for _, tm := range p.terms {
			if tm.literal {
				b.WriteString(tm.name)
				break
			}
			if v, ok := vars.Value(tm.name); ok && v != "" {
				b.WriteString(v)
				break
			}
		}
	}
}

// Variables returns the variables t uses, in order of appearance, each once.
func (t *Text) Variables() []string {
	var out []string
	for _, p := range t.parts {
		for _, tm := range p.terms {
			if !tm.literal && !slices.Contains(out, tm.name) {
				out = append(out, tm.name)
			}
		}
	}
	return out
}
