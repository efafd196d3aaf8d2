package dialogflow

import (
	"fmt"

	"github.com/telenet/contactcenter/internal/coded"
)

// Errors of the Dialogflow adapters. Test for them with errors.Is.
var (
	// ErrBadResponse is returned by a client's Turn for an answer that is
	// not a detectIntent response: not JSON, no queryResult, or a body
	// larger than MaxResponseBytes. It comes with chatbot.ErrInvalid
	// (errors.Is sees both), so the engine counts a failed turn.
	ErrBadResponse error = coded.New("invalid", "malformed Dialogflow response")
	// ErrConfig is returned by a client's Turn when the client cannot
	// make a request: no project, agent or token source, or a turn
	// without the conversation's ids.
	ErrConfig error = coded.New("invalid", "Dialogflow client not configured")
	// ErrParam is wrapped by a *ParamError: a parameter or payload key of
	// the table (see the package comment) whose value makes no action.
	ErrParam error = coded.New("invalid", "Dialogflow parameter makes no action")
)

// MaxResponseBytes bounds the body of a detectIntent answer the clients
// read; a larger one is ErrBadResponse.
const MaxResponseBytes = 1 << 20

// APIError is a non-2xx answer of the Dialogflow API (errors.As). Google's
// APIs answer errors as {"error":{"code":403,"message":"...",
// "status":"PERMISSION_DENIED"}}; Message and Status are taken from it
// when the body has that shape and are empty otherwise.
type APIError struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Status is Google's canonical error code ("PERMISSION_DENIED",
	// "NOT_FOUND", "RESOURCE_EXHAUSTED"), if the body said.
	Status string
	// Message is Google's error message, if the body said.
	Message string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("dialogflow: HTTP %d", e.StatusCode)
	if e.Status != "" {
		s += " " + e.Status
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Temporary reports whether the same request may succeed later: a 429 or
// a 5xx answer.
func (e *APIError) Temporary() bool {
	return e.StatusCode == 429 || e.StatusCode >= 500
}

// ParamError says which parameter or payload key made no action and why.
// Err wraps ErrParam.
type ParamError struct {
	// Name is the parameter's name as the agent sent it.
	Name string
	Err  error
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("dialogflow: %q: %v", e.Name, e.Err)
}

// Unwrap returns the reason.
func (e *ParamError) Unwrap() error { return e.Err }

func paramError(name, format string, args ...any) error {
	return &ParamError{Name: name, Err: fmt.Errorf("%w: "+format, append([]any{ErrParam}, args...)...)}
}
