package template

import (
	"fmt"
	"strings"

	"github.com/telenet/contactcenter/internal/coded"
)

// Errors of the template contract. Test for them with errors.Is. Every
// error about a template's text or settings wraps ErrInvalid too.
var (
	// ErrInvalid: a template, a variant or a snippet cannot be saved.
	ErrInvalid error = coded.New("invalid", "invalid template")
	// ErrSyntax: a tag is malformed.
	ErrSyntax error = coded.New("invalid", "template syntax error")
	// ErrUnknownVariable: a tag names a variable that does not exist.
	ErrUnknownVariable error = coded.New("invalid", "unknown template variable")
	// ErrNotFound: no template of that name.
	ErrNotFound error = coded.New("not_found", "template not found")
)

// Error is a mistake in a template's text, with where it is.
type Error struct {
	// Template and Language say which template and variant, when known.
	Template, Language string
	// Offset is the byte offset in the text; Line and Column (in
	// characters) count from 1.
	Offset, Line, Column int
	// Msg says what is wrong.
	Msg string
	// Err is ErrSyntax or ErrUnknownVariable.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("template")
	if e.Template != "" {
		fmt.Fprintf(&b, " %q", e.Template)
	}
	if e.Language != "" {
		fmt.Fprintf(&b, " (%s)", e.Language)
	}
	fmt.Fprintf(&b, ": %d:%d: %s", e.Line, e.Column, e.Msg)
	return b.String()
}

// Unwrap returns Err and ErrInvalid.
func (e *Error) Unwrap() []error { return []error{e.Err, ErrInvalid} }

// errAt returns an *Error at byte offset off of src.
func errAt(src string, off int, kind error, msg string) *Error {
	line, col := 1, 1
	for _, r := range src[:off] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &Error{Offset: off, Line: line, Column: col, Msg: msg, Err: kind}
}
