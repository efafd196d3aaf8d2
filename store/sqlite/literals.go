package sqlite

import (
	"sync"
)

// Zero arguments as literals.
//
// A write of the engine binds many arguments that are empty: an event's
// row has 27 columns, of which a message's event fills about ten; a
// message's has 20, most of them zero for an inbound one. Each bound
// argument costs database/sql's conversion and the driver's binding (a
// copy of every string into SQLite's memory, freed after the step). A
// write whose zero arguments are written into its text as literals ('',
// 0) instead binds only the others: the same statement for SQLite (a
// column is given the same value, a comparison compares the same
// values), and a different text, which the Store prepares and keeps like
// any other. A statement has a few dozen forms at most (an event's row
// has one per set of fields its types fill), bounded below; the writer's
// statement cache (maxWriterStmts) keeps those in use and lets the rare
// ones go.

// maxLiteralQueries bounds the statements whose literal forms are kept,
// and maxLiteralForms the forms kept of each: past them, a write runs as
// given.
const (
	maxLiteralQueries = 512
	maxLiteralForms   = 64
)

// zeroLiterals keeps the literal forms of writes.
type zeroLiterals struct {
	mu      sync.RWMutex
	queries map[string]*literalForms
}

// literalForms is what is known of one statement: where its
// placeholders are, and its forms so far.
type literalForms struct {
	marks []int // the offsets of its placeholders; nil when it is kept as given

	mu    sync.RWMutex
	forms map[literalShape]string
}

// literalShape says which arguments a form writes as literals: strs has
// bit i set for the empty string at i, ints for an integer 0 or false.
type literalShape struct{ strs, ints uint64 }

var writeLiterals = &zeroLiterals{queries: make(map[string]*literalForms)}

// rewrite returns query with its zero arguments written as literals, and
// the arguments left to bind; or query and args as given, when no
// argument is zero, or query cannot be rewritten (a numbered or named
// parameter, a count of placeholders other than len(args), more than 64
// of them), or the bounds are reached. It reuses args' array: the caller
// gives args up.
func (z *zeroLiterals) rewrite(query string, args []any) (string, []any) {
	if len(args) == 0 || len(args) > 64 {
		return query, args
	}
	var shape literalShape
	for i, a := range args {
		switch v := a.(type) {
		case string:
			if v == "" {
				shape.strs |= 1 << i
			}
		case int64:
			if v == 0 {
				shape.ints |= 1 << i
			}
		case bool:
			if !v {
				shape.ints |= 1 << i
			}
		}
	}
	if shape == (literalShape{}) {
		return query, args
	}
	f := z.forms(query, len(args))
	if f == nil {
		return query, args
	}
	text, ok := f.form(query, shape)
	if !ok {
		return query, args
	}
	kept := args[:0]
	for i, a := range args {
		if (shape.strs|shape.ints)&(1<<i) == 0 {
			kept = append(kept, a)
		}
	}
	return text, kept
}

// forms returns what is known of query, learning it the first time; nil
// when it is kept as given.
func (z *zeroLiterals) forms(query string, n int) *literalForms {
	z.mu.RLock()
	f, ok := z.queries[query]
	z.mu.RUnlock()
	if ok {
		if len(f.marks) != n {
			return nil
		}
		return f
	}
	marks := placeholders(query)
	z.mu.Lock()
	defer z.mu.Unlock()
	if f, ok := z.queries[query]; ok {
		if len(f.marks) != n {
			return nil
		}
		return f
	}
	if len(z.queries) >= maxLiteralQueries {
		return nil
	}
	f = &literalForms{marks: marks, forms: make(map[literalShape]string)}
	z.queries[query] = f
	if len(marks) != n {
		return nil
	}
	return f
}

// form returns the text of query in shape, writing it the first time.
func (f *literalForms) form(query string, shape literalShape) (string, bool) {
	f.mu.RLock()
	text, ok := f.forms[shape]
	f.mu.RUnlock()
	if ok {
		return text, true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if text, ok := f.forms[shape]; ok {
		return text, true
	}
	if len(f.forms) >= maxLiteralForms {
		return "", false
	}
	b := make([]byte, 0, len(query)+len(f.marks))
	last := 0
	for i, at := range f.marks {
		b = append(b, query[last:at]...)
		switch {
		case shape.strs&(1<<i) != 0:
			b = append(b, "''"...)
		case shape.ints&(1<<i) != 0:
			b = append(b, '0')
		default:
			b = append(b, '?')
		}
		last = at + 1
	}
	b = append(b, query[last:]...)
	text = string(b)
	f.forms[shape] = text
	return text, true
}

// placeholders returns the offsets of query's anonymous placeholders
// (?), outside its string literals, quoted names and comments; nil if it
// has a numbered or named parameter, or none.
func placeholders(query string) []int {
	var marks []int
	for i := 0; i < len(query); i++ {
		switch c := query[i]; c {
		case '\'', '"', '`':
			end := i + 1
			for end < len(query) {
				if query[end] == c {
					if end+1 < len(query) && query[end+1] == c {
						end += 2 // a doubled quote
						continue
					}
					break
				}
				end++
			}
			i = end
		case '[':
			for i < len(query) && query[i] != ']' {
				i++
			}
		case '-':
			if i+1 < len(query) && query[i+1] == '-' {
				for i < len(query) && query[i] != '\n' {
					i++
				}
			}
		case '/':
			if i+1 < len(query) && query[i+1] == '*' {
				i += 2
				for i+1 < len(query) && !(query[i] == '*' && query[i+1] == '/') {
					i++
				}
				i++
			}
		case '?':
			if i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9' {
				return nil
			}
			marks = append(marks, i)
		case ':', '@', '$':
			if i+1 < len(query) && isNameByte(query[i+1]) {
				return nil
			}
		}
	}
	return marks
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
