package hours

import (
	"fmt"

	"github.com/telenet/contactcenter/internal/coded"
)

// ErrInvalid is the error of a malformed schedule or value: an unknown time
// zone, a time of day out of range, an interval of zero length, overlapping
// intervals, a date that does not exist or is listed twice. The errors of
// Validate, New and the parse functions wrap it (test with errors.Is); their
// message names the field and the reason.
var ErrInvalid error = coded.New("invalid", "invalid business hours")

// ErrNotFound is the error of business hours asked for by a name that has
// none, such as a service's.
var ErrNotFound error = coded.New("not_found", "business hours not found")

// invalidf returns an error wrapping ErrInvalid with the formatted detail.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
