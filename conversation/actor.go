package conversation

import (
	"fmt"

	"github.com/telenet/contactcenter/ticket"
)

// ActorKind says what kind of actor makes a change. The values are stable
// and meant to be stored; the zero ActorKind is no actor at all, which every
// command refuses.
type ActorKind uint8

// Actor kinds.
const (
	// ActorHost: the host application itself (an administrator's call, the
	// host's own automation). It may do anything within the workspace.
	ActorHost ActorKind = iota + 1
	// ActorAgent: a human agent, bound by their role (R11).
	ActorAgent
	// ActorContact: the contact, through a channel (their messages and
	// commands, R6, R9).
	ActorContact
	// ActorBot: a chatbot answering before a human (R2).
	ActorBot
	// ActorWorkflow: a workflow run (R16).
	ActorWorkflow
	// ActorSystem: the engine's own rules: timeouts (R7), automatic
	// assignment (R11), reassignment of abandoned conversations (R3),
	// delivery (R18).
	ActorSystem
)

var actorKindNames = [...]string{ActorHost: "host", ActorAgent: "agent", ActorContact: "contact", ActorBot: "bot", ActorWorkflow: "workflow", ActorSystem: "system"}

// String returns the stable name of k: "host", "agent", "contact", "bot",
// "workflow" or "system".
func (k ActorKind) String() string {
	if int(k) < len(actorKindNames) && actorKindNames[k] != "" {
		return actorKindNames[k]
	}
	return fmt.Sprintf("ActorKind(%d)", uint8(k))
}

// ParseActorKind returns the kind named s (ActorKind.String); the empty
// string is the zero kind.
func ParseActorKind(s string) (ActorKind, error) {
	if s == "" {
		return 0, nil
	}
	for k, name := range actorKindNames {
		if name != "" && name == s {
			return ActorKind(k), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown actor kind %q", ErrInvalid, s)
}

// Actor is who makes a change: its kind and, for every kind but the host
// and the system, its id (the agent's, the contact's, the bot's name, the
// workflow run's). Workspace and Role are an agent's, filled from the
// stored agent (By); rules check them, events keep only Kind and ID.
type Actor struct {
	Kind ActorKind
	ID   string
	// Workspace and Role are an agent actor's.
	Workspace ticket.WorkspaceID
	Role      Role
}

// Host returns the host as an actor.
func Host() Actor { return Actor{Kind: ActorHost} }

// System returns the engine's own rules as an actor.
func System() Actor { return Actor{Kind: ActorSystem} }

// AsAgent returns the actor for the agent with id: what a host passes to
// act as an agent; the engine loads the agent to know their workspace and
// role.
func AsAgent(id AgentID) Actor { return Actor{Kind: ActorAgent, ID: string(id)} }

// AsContact returns the actor for a contact.
func AsContact(id ticket.ContactID) Actor { return Actor{Kind: ActorContact, ID: string(id)} }

// AsBot returns the actor for the bot named name.
func AsBot(name string) Actor { return Actor{Kind: ActorBot, ID: name} }

// AsWorkflow returns the actor for the workflow run id.
func AsWorkflow(id string) Actor { return Actor{Kind: ActorWorkflow, ID: id} }

// By returns the Actor for agent a, with their workspace and role.
func By(a Agent) Actor {
	return Actor{Kind: ActorAgent, ID: string(a.ID), Workspace: a.Workspace, Role: a.Role}
}

// Agent returns the agent's id when the actor is an agent, else "".
func (a Actor) Agent() AgentID {
	if a.Kind == ActorAgent {
		return AgentID(a.ID)
	}
	return ""
}

// IsAgent reports whether the actor is a human agent, bound by their role.
func (a Actor) IsAgent() bool { return a.Kind == ActorAgent }

// Validate checks that the actor names a kind, and an id where the kind
// needs one.
func (a Actor) Validate() error {
	switch a.Kind {
	case ActorHost, ActorSystem:
		return nil
	case ActorAgent, ActorContact, ActorBot, ActorWorkflow:
		if a.ID == "" {
			return fmt.Errorf("%w: a %s actor without id", ErrInvalid, a.Kind)
		}
		return nil
	case 0:
		return fmt.Errorf("%w: no actor: say who acts (conversation.Host(), AsAgent…)", ErrInvalid)
	}
	return fmt.Errorf("%w: unknown actor kind %d", ErrInvalid, uint8(a.Kind))
}

// MayAdminister reports whether actor a may set up workspace ws, doing
// what: put its agents and teams, change its configuration (channels,
// templates, snippets, hours). The host, the engine's rules, the
// automations (bot, workflow) and a supervisor of the workspace may; an
// agent who is not a supervisor may not (they would raise their own role
// or capacity), nor an agent of another workspace, nor a contact. The
// error wraps ErrForbidden, or ErrInvalid for an actor that is not valid
// (Validate).
func (a Actor) MayAdminister(ws ticket.WorkspaceID, what string) error {
	if err := a.Validate(); err != nil {
		return err
	}
	switch {
	case a.Kind == ActorContact:
		return fmt.Errorf("contact %q may not %s: %w", a.ID, what, ErrForbidden)
	case a.Kind != ActorAgent:
		return nil
	case a.Workspace != ws:
		return fmt.Errorf("agent %q of another workspace may not %s: %w", a.ID, what, ErrForbidden)
	case a.Role != RoleSupervisor:
		return fmt.Errorf("agent %q is no supervisor and may not %s: %w", a.ID, what, ErrForbidden)
	}
	return nil
}

// String returns "host", "system" or kind:id.
func (a Actor) String() string {
	if a.ID == "" {
		return a.Kind.String()
	}
	return a.Kind.String() + ":" + a.ID
}

// CauseKind says what produced an event: a command, a reaction to earlier
// events or a timer. The values are stable and meant to be stored.
type CauseKind uint8

// Cause kinds.
const (
	// CauseCommand: a call of the host or a channel (Receive, Reply,
	// Assign…).
	CauseCommand CauseKind = iota + 1
	// CauseReaction: a reaction to committed events (automatic assignment,
	// and the automations built on reactions).
	CauseReaction
	// CauseTimer: a timer that fell due (R7's timeout, a heartbeat's
	// grace, a host's own timer).
	CauseTimer
	// CauseWorkflow: a run of a workflow (R16): Name is the workflow's
	// name and ID the run's.
	CauseWorkflow
)

var causeKindNames = [...]string{CauseCommand: "command", CauseReaction: "reaction", CauseTimer: "timer", CauseWorkflow: "workflow"}

// String returns "command", "reaction", "timer" or "workflow".
func (k CauseKind) String() string {
	if int(k) < len(causeKindNames) && causeKindNames[k] != "" {
		return causeKindNames[k]
	}
	return fmt.Sprintf("CauseKind(%d)", uint8(k))
}

// ParseCauseKind returns the kind named s (CauseKind.String); the empty
// string is the zero kind.
func ParseCauseKind(s string) (CauseKind, error) {
	if s == "" {
		return 0, nil
	}
	for k, name := range causeKindNames {
		if name != "" && name == s {
			return CauseKind(k), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown cause kind %q", ErrInvalid, s)
}

// Cause is what produced an event: the command, reaction or timer whose
// transaction stored it. A reaction's cause names the chain it belongs to
// (Root) and how deep in it it is (Depth), so an automation tells its own
// doing from others' and a chain of reactions is bounded (R16).
type Cause struct {
	Kind CauseKind
	// Name is the command's operation ("receive", "assign"), the
	// reaction's name or the timer's kind.
	Name string
	// ID is unique to one run of the command, reaction or timer: the
	// events one transaction stored share it.
	ID string
	// Root is the ID of the command or timer that began the chain; a
	// command's or timer's own ID.
	Root string
	// Depth is 0 for a command or a timer and, for a reaction, one more
	// than the depth of the event it reacted to.
	Depth int
}

// Then returns the cause of reaction name, run with id, to an event caused
// by c: one level deeper in c's chain.
func (c Cause) Then(name, id string) Cause {
	root := c.Root
	if root == "" {
		root = c.ID
	}
	return Cause{Kind: CauseReaction, Name: name, ID: id, Root: root, Depth: c.Depth + 1}
}
