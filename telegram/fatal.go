package telegram

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/telenet/contactcenter/channel"
)

// The causes of a FatalError that an operator fixes in different ways;
// test for them with errors.Is.
var (
	// ErrWebhookActive: the bot has a webhook set, and Telegram answers
	// getUpdates only once it is deleted (DeleteWebhook).
	ErrWebhookActive = errors.New("the bot has a webhook set")
	// ErrOtherPoller: another process receives the same bot's updates
	// with getUpdates; Telegram serves one at a time.
	ErrOtherPoller = errors.New("another process polls the same bot")
	// ErrTokenRefused: Telegram does not know the token (401, or 404 for
	// one it cannot read).
	ErrTokenRefused = errors.New("telegram refuses the token")
)

// FatalError is an answer of the Bot API that asking again cannot change:
// the token refused, a webhook set while polling, another process polling
// the same bot, or another refusal (a 4xx other than 429). Poll returns
// it instead of trying again. It wraps channel.ErrInvalid and, when it is
// one of them, ErrWebhookActive, ErrOtherPoller or ErrTokenRefused.
type FatalError struct {
	// Method is the Bot API method that was refused ("getUpdates").
	Method string
	// Code is Telegram's error_code (an HTTP status: 401, 403, 404, 409…).
	Code int
	// Description is Telegram's description of the error.
	Description string
	// Cause is ErrWebhookActive, ErrOtherPoller, ErrTokenRefused or nil.
	Cause error
}

// Error says what Telegram answered and what to do about it.
func (e *FatalError) Error() string {
	var todo string
	switch e.Cause {
	case ErrWebhookActive:
		todo = "the bot has a webhook set, and Telegram gives no updates by getUpdates while it is: delete the webhook (deleteWebhook) to poll, or receive the updates at the webhook"
	case ErrOtherPoller:
		todo = "another process polls the same bot (Telegram ended this request for a newer one): stop the other process; one bot token serves one poller"
	case ErrTokenRefused:
		todo = "Telegram refuses the token: check it (BotFather gives it; /revoke makes a new one)"
	default:
		todo = "Telegram refuses the request, and asking again does not change it"
	}
	return fmt.Sprintf("telegram: %s: %d %s: %s", e.Method, e.Code, e.Description, todo)
}

// Unwrap returns channel.ErrInvalid and the cause, if any.
func (e *FatalError) Unwrap() []error {
	if e.Cause == nil {
		return []error{channel.ErrInvalid}
	}
	return []error{e.Cause, channel.ErrInvalid}
}

// fatalAnswer returns the FatalError of an error answer to method, or nil
// when the answer may change by asking again: 429, a 5xx, or no code.
func fatalAnswer(method string, code int, description string) error {
	e := &FatalError{Method: method, Code: code, Description: description}
	switch {
	case code == http.StatusUnauthorized || code == http.StatusNotFound:
		e.Cause = ErrTokenRefused
	case code == http.StatusConflict && strings.Contains(description, "webhook"):
		e.Cause = ErrWebhookActive
	case code == http.StatusConflict && strings.Contains(description, "other getUpdates"):
		e.Cause = ErrOtherPoller
	case code < 400 || code > 499 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout:
		return nil
	}
	return e
}
