package conversation

import (
	"fmt"
	"slices"
	"time"

	"github.com/telenet/contactcenter/ticket"
)

// AgentID identifies an agent within their workspace.
type AgentID string

// TeamID identifies a team within its workspace.
type TeamID string

// Presence is an agent's availability.
type Presence uint8

// Presences. The zero value is Offline.
const (
	Offline Presence = iota
	Online
	Away
)

// String returns "offline", "online" or "away".
func (p Presence) String() string {
	switch p {
	case Offline:
		return "offline"
	case Online:
		return "online"
	case Away:
		return "away"
	}
	return fmt.Sprintf("Presence(%d)", uint8(p))
}

// Role is what an agent may do beyond answering.
type Role uint8

// Roles. The zero value is RoleAgent.
const (
	// RoleAgent answers conversations and manages their own.
	RoleAgent Role = iota
	// RoleSupervisor may also assign, transfer and close other agents'
	// conversations.
	RoleSupervisor
)

// Agent is a person who answers.
type Agent struct {
	ID        AgentID
	Workspace ticket.WorkspaceID
	Name      string
	Role      Role
	Presence  Presence
	// Teams are the teams the agent belongs to.
	Teams []TeamID
	// Capacity is the largest number of open conversations assigned to the
	// agent by automatic assignment; 0 means no limit.
	Capacity int
	// LastAssigned is when automatic assignment last gave the agent a
	// conversation; round robin serves the agent waiting longest.
	LastAssigned time.Time
	// Version counts stored changes, as Conversation.Version does.
	Version int64
}

// Validate reports the first rule a breaks.
func (a Agent) Validate() error {
	switch {
	case a.ID == "":
		return fmt.Errorf("%w: empty agent id", ErrInvalid)
	case a.Workspace == "":
		return fmt.Errorf("%w: agent %q: empty workspace", ErrInvalid, a.ID)
	case a.Role > RoleSupervisor:
		return fmt.Errorf("%w: agent %q: unknown role %d", ErrInvalid, a.ID, a.Role)
	case a.Presence > Away:
		return fmt.Errorf("%w: agent %q: unknown presence %d", ErrInvalid, a.ID, a.Presence)
	case a.Capacity < 0:
		return fmt.Errorf("%w: agent %q: negative capacity", ErrInvalid, a.ID)
	}
	return nil
}

// PresenceChanged returns the event that storing agent a publishes when
// its presence was old (R17); ok is false when the presence did not change.
// A new agent (isNew) publishes one unless it starts offline.
func PresenceChanged(a *Agent, old Presence, isNew bool, now time.Time) (e Event, ok bool) {
	if (isNew && a.Presence == Offline) || (!isNew && a.Presence == old) {
		return Event{}, false
	}
	return Event{Type: EventPresenceChanged, Workspace: a.Workspace, At: now, Agent: a.ID, Presence: a.Presence}, true
}

// PutAgent is the decision to store agent a, by actor by
// (MayAdminister), over old, the agent stored with a's id (nil when there
// is none): a is written with its version one above old's, and with an
// agent.presence_changed event when its presence changes
// (PresenceChanged). An agent that breaks a rule (Validate) is ErrInvalid.
func PutAgent(a Agent, old *Agent, by Actor, now time.Time) (Change, error) {
	var ch Change
	if err := a.Validate(); err != nil {
		return ch, err
	}
	if err := by.MayAdminister(a.Workspace, "put agents"); err != nil {
		return ch, err
	}
	var was Presence
	a.Version = 1
	if old != nil {
		was, a.Version = old.Presence, old.Version+1
	}
	ch.Agents = append(ch.Agents, a)
	if ev, ok := PresenceChanged(&a, was, old == nil, now); ok {
		ch.Emit(ev)
	}
	return ch, nil
}

// InTeam reports whether a belongs to team t.
func (a Agent) InTeam(t TeamID) bool { return slices.Contains(a.Teams, t) }

// Team is a group of agents with a queue of its own.
type Team struct {
	ID        TeamID
	Workspace ticket.WorkspaceID
	Name      string
}

// Validate reports the first rule t breaks.
func (t Team) Validate() error {
	switch {
	case t.ID == "":
		return fmt.Errorf("%w: empty team id", ErrInvalid)
	case t.Workspace == "":
		return fmt.Errorf("%w: team %q: empty workspace", ErrInvalid, t.ID)
	}
	return nil
}
