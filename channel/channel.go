package channel

import (
	"fmt"
	"time"

	"github.com/telenet/contactcenter/hours"
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
	// MessageTimeout closes an open conversation with no message between
	// contact and agent for this long (R7); 0 is off. Whole minutes.
	MessageTimeout time.Duration
	// ReassignAbandoned reassigns the open conversations of an agent who
	// disconnects to another eligible agent, or returns them to the queue
	// flagged abandoned (R3).
	ReassignAbandoned bool
	// Assignment assigns waiting conversations automatically (R11).
	Assignment Assignment
	// Welcome names the template sent when a contact's message opens a
	// new conversation, once per conversation (R5); "" for none.
	Welcome string
	// OutOfHours sends a template to a contact who writes while the
	// channel is closed (R4).
	OutOfHours OutOfHours
	// Bot is the chatbot that holds new conversations and answers first,
	// with its failure policy (R2); the zero Bot is none.
	Bot Bot
}

// OutOfHours is a channel's out-of-hours message (R4): when a contact
// writes outside Hours, the template is sent, once per conversation per
// closed period.
type OutOfHours struct {
	// Template names the template; "" turns the message off.
	Template string
	// Hours are the channel's own business hours; required with a
	// template unless Service names a service's.
	Hours hours.Schedule
	// Service names the service whose business hours apply (R4: the
	// channel's or its service's), as the engine holds them
	// (Engine.PutServiceHours): channels of one service share its hours,
	// and a change of them applies to all at once. A service is any name
	// the host chooses; a team's hours are the service named by the
	// team's id. Set Hours or Service, not both.
	Service string
}

// Assignment is a channel's automatic assignment (R11).
type Assignment struct {
	// Strategy names how an agent is chosen: "" for none (manual only),
	// "round_robin", "least_busy", or a strategy the host registered.
	Strategy string
	// Team limits the choice to a team's agents; "" means every agent of
	// the workspace. A conversation transferred to a team goes to that
	// team's agents.
	Team string
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
	if err := c.Settings.Bot.Validate(); err != nil {
		return fmt.Errorf("channel %q: %w", c.ID, err)
	}
	if t := c.Settings.MessageTimeout; t < 0 || t%time.Minute != 0 {
		return fmt.Errorf("%w: channel %q: message timeout %s is not a whole number of minutes (R7)", ErrInvalid, c.ID, t)
	}
	if o := c.Settings.OutOfHours; o.Template != "" {
		switch {
		case o.Service != "" && o.Hours.Zone != "":
			return fmt.Errorf("%w: channel %q: business hours (R4): both its own and service %q's; set one", ErrInvalid, c.ID, o.Service)
		case o.Service != "":
		default:
			if _, err := hours.New(o.Hours); err != nil {
				return fmt.Errorf("%w: channel %q: business hours (R4): %w", ErrInvalid, c.ID, err)
			}
		}
	}
	return nil
}
