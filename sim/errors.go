package sim

import (
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error about a configuration, a forecast
// or an argument the simulator or a formula cannot take; errors.As with
// *InputError gives the field, and with *ForecastError the line.
var ErrInvalid = errors.New("sim: invalid input")

// ErrUnstable is returned by the formulas for a load that has no steady
// state: at least as many Erlangs as agents, without abandonment.
var ErrUnstable = errors.New("sim: unstable queue")

// ErrNoStaffing is returned by the staffing search when no number of
// agents up to its bound meets the target.
var ErrNoStaffing = errors.New("sim: no staffing meets the target")

// InputError is a field of a configuration or an argument that is out of
// range or unknown. It wraps ErrInvalid.
type InputError struct {
	// Field names the configuration field or flag ("rate", "agents").
	Field string
	// Reason says what is wrong, for people.
	Reason string
}

func (e *InputError) Error() string { return "sim: " + e.Field + ": " + e.Reason }

// Unwrap returns ErrInvalid.
func (e *InputError) Unwrap() error { return ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ForecastError is a line of a forecast CSV that cannot be read. It wraps
// ErrInvalid.
type ForecastError struct {
	// Line is the 1-based line number in the file; 0 for the file as a
	// whole (an empty file).
	Line int
	// Reason says what is wrong, for people.
	Reason string
}

func (e *ForecastError) Error() string {
	if e.Line == 0 {
		return "sim: forecast: " + e.Reason
	}
	return fmt.Sprintf("sim: forecast line %d: %s", e.Line, e.Reason)
}

// Unwrap returns ErrInvalid.
func (e *ForecastError) Unwrap() error { return ErrInvalid }
