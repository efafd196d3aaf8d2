package template

import (
	"fmt"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// Variant is a template's text in one language.
type Variant struct {
	// Language is a BCP 47 tag: "es", "pt-BR".
	Language string
	Text     string
}

// Template is a named message with a variant per language. It is
// immutable and safe for concurrent use.
type Template struct {
	name     string
	langs    []string
	texts    []*Text
	matcher  language.Matcher
	mu       sync.RWMutex
	variants map[string]int // contact language → variant, as matched
}

// MaxTextLen bounds a variant's text, in bytes.
const MaxTextLen = 4096

// New checks and returns the template name with its variants. The first
// variant is the default: Render uses it when no variant matches the
// contact's language. A malformed tag or an unknown variable is an *Error
// naming the variant; an empty name, no variant, a language that is not a
// BCP 47 tag or a language given twice wrap ErrInvalid.
func New(name string, variants ...Variant) (*Template, error) {
	if strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("%w: template without a name", ErrInvalid)
	}
	if len(variants) == 0 {
		return nil, fmt.Errorf("%w: template %q has no variant", ErrInvalid, name)
	}
	t := &Template{name: name, variants: make(map[string]int)}
	tags := make([]language.Tag, 0, len(variants))
	for _, v := range variants {
		tag, err := language.Parse(v.Language)
		if err != nil {
			return nil, fmt.Errorf("%w: template %q: language %q: %v", ErrInvalid, name, v.Language, err)
		}
		for i, seen := range tags {
			if seen == tag {
				return nil, fmt.Errorf("%w: template %q: language %q given twice (as %q)", ErrInvalid, name, v.Language, t.langs[i])
			}
		}
		if len(v.Text) > MaxTextLen {
			return nil, fmt.Errorf("%w: template %q (%s): text of %d bytes, at most %d", ErrInvalid, name, v.Language, len(v.Text), MaxTextLen)
		}
		txt, err := Parse(v.Text)
		if err != nil {
			e := err.(*Error)
			e.Template, e.Language = name, v.Language
			return nil, e
		}
		tags = append(tags, tag)
		t.langs = append(t.langs, v.Language)
		t.texts = append(t.texts, txt)
	}
	t.matcher = language.NewMatcher(tags)
	return t, nil
}

// Name returns the template's name.
func (t *Template) Name() string { return t.name }

// Variants returns the template's variants, the default first.
func (t *Template) Variants() []Variant {
	out := make([]Variant, len(t.texts))
	for i, txt := range t.texts {
		out[i] = Variant{Language: t.langs[i], Text: txt.String()}
	}
	return out
}

// Variant returns the index of the variant for a contact whose language is
// lang: the best match by x/text language matching, or 0, the default,
// when none matches or lang is not a language tag.
func (t *Template) Variant(lang string) int {
	t.mu.RLock()
	i, ok := t.variants[lang]
	t.mu.RUnlock()
	if ok {
		return i
	}
	i = 0
	if tag, err := language.Parse(lang); err == nil && lang != "" {
		if _, idx, conf := t.matcher.Match(tag); conf != language.No {
			i = idx
		}
	}
	t.mu.Lock()
	if len(t.variants) < maxRemembered {
		t.variants[lang] = i
	}
	t.mu.Unlock()
	return i
}

// maxRemembered bounds the languages a template remembers its match for.
const maxRemembered = 256

// Render returns the template's text for a contact whose language is lang,
// with the values of vars. Values are inserted as they are, never read as
// template code (R15).
func (t *Template) Render(lang string, vars Vars) string {
	txt := t.texts[t.Variant(lang)]
	var b strings.Builder
	b.Grow(len(txt.src) + 32)
	txt.Render(&b, vars)
	return b.String()
}
