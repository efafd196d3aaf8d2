package contactcenter

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// assignReaction is the name of R11's automatic assignment as a reaction.
const assignReaction = "assign"

// assignPage is how many waiting conversations one step of the
// assignment reaction reads, and assignPerStep how many it may assign.
const (
	assignPage    = 200
	assignPerStep = 50
)

// assignReactor returns R11's automatic assignment as a reaction: events
// that may let a waiting conversation go to an agent (a conversation
// waiting, a bot letting go of one, an agent online or with room again)
// start a job per workspace,
// which assigns the queue.
func (e *Engine) assignReactor() *reactor {
	return &reactor{
		name: assignReaction,
		kind: conversation.TimerKind(reactionPrefix + assignReaction),
		key: func(ev *conversation.Event) (string, bool) {
			switch ev.Type {
			case conversation.EventConversationOpened:
				if ev.Bot != "" {
					return "", false // held by a bot, out of the queue (R2)
				}
			case conversation.EventConversationUnassigned,
				conversation.EventConversationAbandoned, conversation.EventConversationTransferred,
				conversation.EventConversationClosed, conversation.EventBotHandedOff, conversation.EventBotTurnedOff:
			case conversation.EventPresenceChanged:
				if ev.Presence != conversation.Online {
					return "", false
				}
			default:
				return "", false
			}
			if !e.assigns(ev.Workspace) {
				return "", false
			}
			// A job per conversation or agent, so that openings in one
			// workspace do not queue behind one job's row.
			if ev.Conversation != "" {
				return string(ev.Conversation), true
			}
			return "agent:" + string(ev.Agent), true
		},
		step: e.assignStep,
	}
}

// tryAssign starts the assignment reaction for workspace ws in tx, for a
// change that gives agents room without an event that says so (an agent's
// capacity raised).
func (s *step) tryAssign(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID) error {
	if err := s.e.haveConfig(ctx, tx, ws); err != nil {
		return err
	}
	if !s.e.assigns(ws) {
		return nil
	}
	return s.startAssign(ctx, tx, ws)
}

// startAssign starts the assignment reaction for workspace ws in tx.
func (s *step) startAssign(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID) error {
	s.identify()
	ev := conversation.Event{Workspace: ws, Cause: s.cause}
	return s.start(ctx, tx, s.e.assign, ws, "workspace", &ev)
}

// assignStep is one step of automatic assignment (R11) in the job's
// workspace: it loads the agents and their loads and, when one has room,
// reads a page of the queue's assignable groups (assignable) after where
// the job's run has come (the head, at first), and stores what
// conversation.AssignQueue decides. The groups leave out what no agent can
// take (a channel that does not assign, a team without room), so that no
// number of those hides the rest of the queue, and a page costs what it
// reads. more asks for another step, which continues after what this one
// considered, when it assigned as many as it may or read a full page:
// what it left, a later step of the run reads.
func (e *Engine) assignStep(ctx context.Context, tx store.Tx, s *step, j *job) (more bool, err error) {
	ws := j.ws
	cfg, err := s.config(ctx, tx, ws)
	if err != nil {
		return false, err
	}
	agents, err := tx.Agents(ctx, ws)
	if err != nil {
		return false, err
	}
	loads, err := store.Workload(ctx, tx, ws)
	if err != nil || !conversation.AnyRoom(agents, loads) {
		return false, err
	}
	groups := e.assignable(cfg, ws, agents, loads)
	if len(groups) == 0 {
		return false, nil
	}
	page, err := store.ReadQueuePage(ctx, tx, ws, store.QueuePage{Groups: groups, After: j.after, Limit: assignPage})
	if err != nil || len(page) == 0 {
		return false, err
	}
	changes, err := conversation.AssignQueue(page, agents, loads, e.policyIn(cfg), assignPerStep, s.now())
	if err != nil {
		return false, err
	}
	for i := range changes {
		if err := s.add(ctx, tx, &changes[i]); err != nil {
			return false, err
		}
	}
	last := len(page) - 1
	if len(changes) == assignPerStep {
		// AssignQueue stopped at its last assignment: what follows it in
		// the page is yet to be considered.
		id := changes[len(changes)-1].Conversation.ID
		last = slices.IndexFunc(page, func(c conversation.Conversation) bool { return c.ID == id })
	} else if len(page) < assignPage {
		return false, nil
	}
	j.next = store.QueuePositionOf(&page[last])
	return true, nil
}

// assignable returns the groups of workspace ws's queue (store.QueueGroup)
// whose conversations automatic assignment may give to one of agents with
// loads (R11, R3): on a channel of ws this engine serves, whose policy
// (PolicyFor) has a strategy, for a team (the conversation's, or else the
// channel's) with an eligible agent. A conversation's team that no agent
// with room is in has no eligible agent: the teams are those of the agents
// with room, and none.
func (e *Engine) assignable(cfg *wsConfig, ws ticket.WorkspaceID, agents []conversation.Agent, loads map[conversation.AgentID]int) []store.QueueGroup {
	teams := []conversation.TeamID{""}
	for _, a := range agents {
		if a.Presence == conversation.Online && (a.Capacity <= 0 || loads[a.ID] < a.Capacity) {
			teams = append(teams, a.Teams...)
		}
	}
	slices.Sort(teams)
	teams = slices.Compact(teams)
	var out []store.QueueGroup
	for id, b := range cfg.channels {
		for _, team := range teams {
			for _, abandoned := range []bool{false, true} {
				c := conversation.Conversation{Workspace: ws, Channel: id, Team: team, Abandoned: abandoned}
				p := conversation.PolicyFor(&c, b.cfg.Settings, e.strategies)
				if p.Strategy != nil && len(conversation.Eligible(&c, p.Team, agents, loads)) > 0 {
					out = append(out, store.GroupOf(&c))
				}
			}
		}
	}
	return out
}

// policyIn returns how a conversation is assigned automatically (R11,
// R3), by the settings of its channel in cfg; a channel this engine does
// not serve assigns nothing here.
func (e *Engine) policyIn(cfg *wsConfig) func(c *conversation.Conversation) conversation.Policy {
	return func(c *conversation.Conversation) conversation.Policy {
		b, err := cfg.channel(c.Channel)
		if err != nil {
			return conversation.Policy{}
		}
		return conversation.PolicyFor(c, b.cfg.Settings, e.strategies)
	}
}

// assigns reports whether any channel of workspace ws assigns
// automatically or reassigns abandoned conversations.
func (e *Engine) assigns(ws ticket.WorkspaceID) bool {
	c := e.cached(ws)
	if c == nil {
		return false
	}
	for _, b := range c.channels {
		if b.cfg.Settings.Assignment.Strategy != "" || b.cfg.Settings.ReassignAbandoned {
			return true
		}
	}
	return false
}

// presence returns the change that sets agent a's presence to p (R17),
// with, for an agent who goes offline, the end of their heartbeat timer
// and R3's reassignment of the conversations they held (held). It is
// empty when the presence does not change.
func (e *Engine) presence(a conversation.Agent, p conversation.Presence, held []conversation.Conversation, reassigns func(*conversation.Conversation) bool, now time.Time) ([]conversation.Change, conversation.Agent, error) {
	old := a.Presence
	a.Presence = p
	if err := a.Validate(); err != nil {
		return nil, a, err
	}
	ev, changed := conversation.PresenceChanged(&a, old, false, now)
	if !changed {
		return nil, a, nil
	}
	a.Version++
	var ch conversation.Change
	ch.Agents = []conversation.Agent{a}
	ch.Emit(ev)
	if p != conversation.Offline {
		return []conversation.Change{ch}, a, nil
	}
	// An agent who left sends no more heartbeats.
	ch.ClearTimer(conversation.TimerHeartbeat, a.Workspace, string(a.ID))
	abandoned, err := conversation.Disconnect(held, reassigns, now)
	if err != nil {
		return nil, a, err
	}
	return append([]conversation.Change{ch}, abandoned...), a, nil
}

// reassigns reports whether conversation conv's channel in c reassigns
// the conversations of agents who disconnect (R3).
func (c *wsConfig) reassigns(conv *conversation.Conversation) bool {
	b, err := c.channel(conv.Channel)
	return err == nil && b.cfg.Settings.ReassignAbandoned
}

// setPresence stores agent a with presence p in step s: the agent, its
// event and, for an agent who goes offline, R3's reassignment.
func (s *step) setPresence(ctx context.Context, tx store.Tx, a conversation.Agent, p conversation.Presence) (conversation.Agent, error) {
	var held []conversation.Conversation
	if p == conversation.Offline && a.Presence != conversation.Offline {
		var err error
		if held, err = tx.AssignedTo(ctx, a.Workspace, a.ID); err != nil {
			return a, err
		}
	}
	cfg, err := s.config(ctx, tx, a.Workspace)
	if err != nil {
		return a, err
	}
	changes, out, err := s.e.presence(a, p, held, cfg.reassigns, s.now())
	if err != nil {
		return a, err
	}
	for i := range changes {
		if err := s.add(ctx, tx, &changes[i]); err != nil {
			return a, err
		}
	}
	return out, nil
}

// heartbeatLost disconnects an agent whose heartbeats stopped for the
// grace period (R3), unless a heartbeat came since the timer was claimed.
func (e *Engine) heartbeatLost(ctx context.Context, cause conversation.Cause, t store.ClaimedTimer) error {
	_, err := e.runAs(ctx, "heartbeat lost", conversation.System(), cause, func(tx store.Tx, s *step) error {
		deleted, err := tx.DeleteTimerAt(ctx, t.Kind, t.Workspace, t.Key, t.Lease)
		if err != nil || !deleted {
			return err // !deleted: a heartbeat came since
		}
		a, err := tx.Agent(ctx, t.Workspace, conversation.AgentID(t.Key))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if a.Presence == conversation.Offline {
			return nil
		}
		_, err = s.setPresence(ctx, tx, a, conversation.Offline)
		return err
	})
	return err
}
