package channel

import (
	"fmt"
	"time"

	"github.com/telenet/contactcenter/internal/coded"
)

// Errors of the channel contract. Test for them with errors.Is.
var (
	// ErrNotFound is returned for a channel id that is not configured in the
	// workspace.
	ErrNotFound error = coded.New("not_found", "channel not found")
	// ErrInvalid is returned for a channel configuration that breaks a rule
	// (R1, R19): an empty id or kind, a missing or unknown account.
	ErrInvalid error = coded.New("invalid", "invalid channel configuration")
	// ErrUnsupported is returned when a channel cannot do what was asked:
	// edit on a channel without edits, a file on a text-only channel.
	ErrUnsupported error = coded.New("invalid", "not supported by the channel")
	// ErrTooLarge is returned for content above a channel's limits.
	ErrTooLarge error = coded.New("invalid", "content exceeds the channel's limits")
	// ErrRefused is a definite refusal by the channel: the message will never
	// be accepted (the user blocked the bot, the chat does not exist). It is
	// not retried.
	ErrRefused error = coded.New("forbidden", "refused by the channel")
	// ErrBlocked is the refusal of a recipient who blocked the account
	// (Telegram's 403). It matches ErrRefused; the contact is flagged
	// unreachable until they write again.
	ErrBlocked error = &blockedError{}
	// ErrNoTransport is returned for a configured channel that the engine
	// has no transport for (its kind and account): the engine that has one
	// serves it.
	ErrNoTransport error = coded.New("unavailable", "no transport for the channel")
	// ErrUnavailable is a temporary failure: the channel could not be reached
	// or answered with an error that may pass. The message is retried.
	ErrUnavailable error = coded.New("unavailable", "channel unavailable")
)

type blockedError struct{}

func (*blockedError) Error() string { return "the recipient blocked the account" }

// Code returns "forbidden".
func (*blockedError) Code() string { return "forbidden" }

// Unwrap returns ErrRefused: a block is a definite refusal.
func (*blockedError) Unwrap() error { return ErrRefused }

// RetryAfterError is a temporary failure for which the channel named the
// time to wait (Telegram's 429 retry_after). It matches ErrUnavailable.
type RetryAfterError struct {
	// After is how long the channel asked to wait before any further sends
	// on the same account.
	After time.Duration
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("channel rate limit: retry after %s", e.After)
}

// Unwrap returns ErrUnavailable, so errors.Is(err, ErrUnavailable) holds.
func (e *RetryAfterError) Unwrap() error { return ErrUnavailable }
