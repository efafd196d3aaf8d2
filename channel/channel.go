package channel

import (
	"fmt"

	"github.com/telenet/contactcenter/ticket"
)

// ID identifies a channel within its workspace.
type ID string

// Kind names a channel technology: "telegram", "memory".
type Kind string

// Channel kinds shipped with the library.
const (
	KindTelegram Kind = "telegram"
	KindMemory   Kind = "memory"
)

// Channel is one configured entry point of a workspace (R1): a kind, the
// messaging account it sends and receives with, and its settings.
type Channel struct {
	ID        ID
	Workspace ticket.WorkspaceID
	Kind      Kind
	// Account names the messaging account the channel uses (one of several
	// Telegram bots). The account must be known to the transport.
	Account string
	// Settings are the channel's options (R2–R8).
	Settings Settings
}

// Settings are the options of a channel.
type Settings struct {
	// Commands lets contacts move between their open tickets (R6).
	Commands Commands
	// AgentsMayEdit lets agents edit the text of messages they sent (R8).
	AgentsMayEdit bool
}

// Validate reports the first rule c breaks, as an error wrapping ErrInvalid.
func (c Channel) Validate() error {
	switch {
	case c.ID == "":
		return fmt.Errorf("%w: empty channel id", ErrInvalid)
	case c.Workspace == "":
		return fmt.Errorf("%w: channel %q: empty workspace", ErrInvalid, c.ID)
	case c.Kind == "":
		return fmt.Errorf("%w: channel %q: empty kind", ErrInvalid, c.ID)
	case c.Account == "":
		return fmt.Errorf("%w: channel %q: no account (R1)", ErrInvalid, c.ID)
	}
	if err := c.Settings.Commands.Validate(); err != nil {
		return fmt.Errorf("channel %q: %w", c.ID, err)
	}
	return nil
}
