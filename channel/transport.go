package channel

import (
	"context"
	"time"
)

// Capabilities is what a transport declares it can carry. The engine checks
// outbound content against them before it stores a message, so that content
// a channel cannot carry is refused at once with a clear error (R13, R19).
type Capabilities struct {
	// Text: plain text messages.
	Text bool
	// Voice: voice notes played inline. Without it a voice note is sent as a
	// file (R13).
	Voice bool
	// Files: documents and other attachments.
	Files bool
	// Edit: sent text can be edited afterwards (R8).
	Edit bool
	// MaxTextLen is the longest text in characters; 0 means no limit.
	MaxTextLen int
	// MaxFileSize is the largest attachment in bytes; 0 means no limit.
	MaxFileSize int64
	// Limits are the send rates of the transport's account; the engine
	// spaces its sends to stay within them.
	Limits Limits
}

// Outgoing is one message for a transport to send.
type Outgoing struct {
	// Key identifies the message for its whole life (the message id). A
	// transport may use it to drop a repeated send of the same message.
	Key string
	// To is the recipient's external id on the channel (a chat id).
	To string
	// Text is the text, or the caption of File.
	Text string
	// File is the attachment, if any.
	File *File
}

// File is an attachment of an outgoing message.
type File struct {
	Name string
	MIME string
	Size int64
	// Ref locates the content for the transport: a host URL, a file id the
	// channel already knows, or a path the host's transport understands.
	Ref string
	// Voice marks a voice note, sent as a voice message where the channel
	// supports it (R13).
	Voice bool
	// Duration is the length of a voice note or audio file.
	Duration time.Duration
}

// Receipt is the channel's answer to an accepted send.
type Receipt struct {
	// Ref is the channel's own reference to the sent message, kept so that
	// the message can be edited later (R8).
	Ref string
}

// Edit replaces the text of a message sent earlier.
type Edit struct {
	// To is the recipient's external id, as in Outgoing.
	To string
	// Ref is the Receipt.Ref of the message to edit.
	Ref  string
	Text string
}

// AccountChecker is implemented by transports that can tell whether an
// account is usable (a Telegram bot token that getMe accepts). The engine
// checks a channel's account with it when the channel is configured, so a
// wrong account is reported then rather than at the first message (R1).
type AccountChecker interface {
	// CheckAccount returns nil if the transport can send and receive with
	// account, and an error wrapping ErrInvalid otherwise.
	CheckAccount(ctx context.Context, account string) error
}

// Transport sends messages over one channel account.
//
// Send and Edit return nil when the channel accepted; an error wrapping
// ErrRefused when it definitely refused (the message is then marked failed
// and not retried); any other error, such as ErrUnavailable or a
// *RetryAfterError, when the attempt may succeed later. Implementations must
// be safe for concurrent use.
type Transport interface {
	Capabilities() Capabilities
	Send(ctx context.Context, m Outgoing) (Receipt, error)
	// Edit returns an error wrapping ErrUnsupported when the channel cannot
	// edit.
	Edit(ctx context.Context, e Edit) error
}
