package faq

import (
	"fmt"

	"github.com/telenet/contactcenter/internal/coded"
)

// ErrInvalid is returned for an FAQ file or Set that cannot make a bot: a
// syntax error, an entry without questions, an unknown language, a
// threshold out of range. The error is a *FileError that says where.
var ErrInvalid error = coded.New("invalid", "invalid FAQ")

// FileError says where an FAQ file or Set is wrong. Err wraps ErrInvalid.
type FileError struct {
	// Line is the line of the file (from 1) where JSON decoding failed;
	// 0 when the file decoded and a value is wrong.
	Line int
	// Entry is the entry's position in Entries (from 1); 0 when the error
	// is not an entry's.
	Entry int
	// Field is the JSON name of the field concerned, if any.
	Field string
	Err   error
}

func (e *FileError) Error() string {
	s := "faq"
	if e.Line > 0 {
		s += fmt.Sprintf(": line %d", e.Line)
	}
	if e.Entry > 0 {
		s += fmt.Sprintf(": entry %d", e.Entry)
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the reason.
func (e *FileError) Unwrap() error { return e.Err }

func fieldError(entry int, field, format string, args ...any) *FileError {
	return &FileError{Entry: entry, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)}
}
