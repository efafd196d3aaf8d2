package webhook

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/internal/coded"
)

// Errors of the webhook protocol. Test for them with errors.Is; the message
// of a returned error says what was wrong. A body that is not the schema's
// JSON (malformed, an unknown action type, a field of the wrong type)
// wraps chatbot.ErrInvalid instead, and a bot that answers with a status
// other than 2xx gives a *StatusError.
var (
	// ErrSignature is returned for a message whose timestamp or signature
	// header is missing or malformed, or whose signature is not the HMAC
	// of its timestamp and body under the shared secret (see Sign).
	ErrSignature error = coded.New("forbidden", "missing or wrong signature")
	// ErrStale is returned for a correctly signed message whose timestamp
	// is further from now than the tolerance (DefaultTolerance): a replay,
	// or clocks that disagree.
	ErrStale error = coded.New("forbidden", "timestamp outside the tolerance")
	// ErrTooLarge is returned for a body longer than the limit:
	// Bot.MaxResponseBytes for a reply, MaxTurnBytes for a turn.
	ErrTooLarge error = coded.New("invalid", "body larger than the limit")
)

// StatusError is the error of a turn the bot answered with an HTTP status
// other than 2xx. A redirect is such a status too: the default client does
// not follow it.
type StatusError struct {
	// StatusCode is the HTTP status the bot answered.
	StatusCode int
	// Body is the start of the response body (at most 512 bytes, made
	// valid UTF-8), for the log.
	Body string
}

// Error says which status the bot answered, and the start of the body.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("webhook: bot answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if b := strings.TrimSpace(e.Body); b != "" {
		s += ": " + b
	}
	return s
}

// invalid returns an error wrapping chatbot.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("webhook: %w: "+format, append([]any{chatbot.ErrInvalid}, args...)...)
}
