package conversation

import (
	"fmt"
	"time"

	"github.com/telenet/contactcenter/ticket"
)

// TimerKind names what a timer is for. The engine dispatches a timer that
// falls due to the handler registered for its kind; stores keep kinds as
// opaque names. The values are stable and meant to be stored.
type TimerKind string

// The timer kinds of the rules.
const (
	// TimerTimeout closes a conversation that had no message between
	// contact and agent for its channel's timeout (R7); Key is the
	// conversation id.
	TimerTimeout TimerKind = "conversation.timeout"
	// TimerHeartbeat marks an agent disconnected when their heartbeats
	// stop for the grace period (R3); Key is the agent id.
	TimerHeartbeat TimerKind = "agent.heartbeat"
)

// MaxTimerPayload is the largest payload a timer carries, in bytes.
const MaxTimerPayload = 64 << 10

// Timer is time-driven work: one per kind and key in a workspace, due at
// Due, with an opaque Payload for its handler (what a workflow's "wait 10
// minutes, then step 4 of run X" needs to remember).
type Timer struct {
	Kind      TimerKind
	Workspace ticket.WorkspaceID
	Key       string
	Due       time.Time
	Payload   []byte
}

// Validate checks that the timer names its kind, workspace and key, has a
// due time and a payload within MaxTimerPayload.
func (t *Timer) Validate() error {
	switch {
	case t.Kind == "" || t.Workspace == "" || t.Key == "":
		return fmt.Errorf("%w: a timer needs a kind, a workspace and a key", ErrInvalid)
	case t.Due.IsZero():
		return fmt.Errorf("%w: timer %s %q without due time", ErrInvalid, t.Kind, t.Key)
	case len(t.Payload) > MaxTimerPayload:
		return fmt.Errorf("%w: timer %s %q: payload of %d bytes exceeds %d", ErrInvalid, t.Kind, t.Key, len(t.Payload), MaxTimerPayload)
	}
	return nil
}

// TimerChange is a timer a Change sets (or moves), or clears when Clear
// is set; a cleared timer needs only Kind, Workspace and Key.
type TimerChange struct {
	Timer
	Clear bool
}

// TimeoutTimer applies R7 to conversation c, whose channel closes idle
// conversations after timeout (0: never): while c is open its timeout timer
// is due at its last activity plus timeout; once it is closed there is
// none. Only messages between contact and agent move LastActivity, so
// automatic messages do not move the timer. ok is false when nothing is to
// change: c is open on a channel without timeout (a timer left from an
// earlier setting finds, when it falls due, that c does not time out, and
// is cleared then).
func TimeoutTimer(c *Conversation, timeout time.Duration) (tc TimerChange, ok bool) {
	t := Timer{Kind: TimerTimeout, Workspace: c.Workspace, Key: string(c.ID)}
	switch {
	case c.State != Open:
		return TimerChange{Timer: t, Clear: true}, true
	case timeout <= 0:
		return TimerChange{}, false
	}
	t.Due = c.LastActivity.Add(timeout)
	return TimerChange{Timer: t}, true
}
