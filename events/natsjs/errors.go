package natsjs

import (
	"errors"
	"fmt"
)

// The kinds of failure, to test for with errors.Is (R19). A *PublishError
// or a *ConfigError wraps one of them.
var (
	// ErrInvalidConfig: a Config or StreamConfig that cannot work (no
	// JetStream, a subject prefix that is no subject, a negative
	// duration). Nothing was changed.
	ErrInvalidConfig = errors.New("invalid configuration")
	// ErrClosed: the NATS connection is closed or draining; a publish
	// cannot succeed until the host connects again with a new JetStream
	// and Publisher.
	ErrClosed = errors.New("the NATS connection is closed")
	// ErrNoStream: no JetStream stream takes the event's subject (the
	// server answered "no responders", or that the stream does not
	// exist). EnsureStream creates it.
	ErrNoStream = errors.New("no JetStream stream takes the subject")
	// ErrAckTimeout: JetStream did not acknowledge a message within
	// Config.AckTimeout. The message may have been stored; publishing it
	// again is absorbed by the stream's duplicate window.
	ErrAckTimeout = errors.New("no acknowledgement from JetStream in time")
	// ErrInvalidSubject: a subject or token that Subject and EscapeToken
	// do not give.
	ErrInvalidSubject = errors.New("invalid subject")
	// ErrInvalidPayload: a message whose data is not an event as Encode
	// writes it.
	ErrInvalidPayload = errors.New("invalid event payload")
)

// ConfigError says which setting of a Config or StreamConfig is wrong. It
// wraps ErrInvalidConfig.
type ConfigError struct {
	// Field is the setting ("Prefix", "AckTimeout", "JetStream"…).
	Field string
	// Problem says what is wrong with it.
	Problem string
}

// Error returns "natsjs: invalid configuration: <Field>: <Problem>".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("natsjs: %v: %s: %s", ErrInvalidConfig, e.Field, e.Problem)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// PublishError is the failure to publish one event: the first event of a
// batch that JetStream did not acknowledge. It wraps the kind of failure
// (ErrClosed, ErrNoStream, ErrAckTimeout), when it is one of them, and the
// error of the NATS client or server, so both errors.Is(err, ErrNoStream)
// and errors.Is(err, jetstream.ErrNoStreamResponse) hold.
type PublishError struct {
	// Seq is the event's store sequence (conversation.Event.Seq).
	Seq uint64
	// Subject is the subject it was published to.
	Subject string
	// Kind is ErrClosed, ErrNoStream, ErrAckTimeout or nil.
	Kind error
	// Err is what the client or the server answered; nil when Kind says
	// all (an acknowledgement that did not come).
	Err error
}

// Error says which event failed, why, and what to do when that is known.
func (e *PublishError) Error() string {
	msg := fmt.Sprintf("natsjs: publishing event %d to %s", e.Seq, e.Subject)
	switch e.Kind {
	case ErrClosed:
		msg += ": " + ErrClosed.Error() + " (connect again and make a new Publisher)"
	case ErrNoStream:
		msg += ": " + ErrNoStream.Error() + " (create it with EnsureStream, with the Publisher's prefix)"
	case nil:
	default:
		msg += ": " + e.Kind.Error()
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns Kind and Err, those that are set.
func (e *PublishError) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
