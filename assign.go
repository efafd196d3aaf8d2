package contactcenter

import (
	"context"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// setPresence stores agent a with presence p and its event (R17), in tx.
func (e *Engine) setPresence(ctx context.Context, tx store.Tx, a conversation.Agent, p conversation.Presence) (conversation.Agent, error) {
	old := a.Presence
	a.Presence = p
	if err := a.Validate(); err != nil {
		return a, err
	}
	ev, changed := conversation.PresenceChanged(&a, old, false, e.now())
	if !changed {
		return a, nil
	}
	a.Version++
	if err := tx.PutAgent(ctx, a); err != nil {
		return a, err
	}
	if p == conversation.Offline {
		// An agent who said they left sends no more heartbeats.
		if err := tx.DeleteTimer(ctx, conversation.TimerHeartbeat, a.Workspace, string(a.ID)); err != nil {
			return a, err
		}
	}
	return a, tx.AppendEvent(ctx, ev)
}

// disconnect applies R3 to an agent who went offline: each of their open
// conversations on a channel that says so returns to the queue, flagged
// abandoned, and goes to another eligible agent if there is one.
func (e *Engine) disconnect(ctx context.Context, ws ticket.WorkspaceID, agent conversation.AgentID) error {
	err := e.update(ctx, "reassign abandoned", func(tx store.Tx) error {
		held, err := tx.AssignedTo(ctx, ws, agent)
		if err != nil {
			return err
		}
		now := e.now()
		for i := range held {
			b, err := e.channel(ws, held[i].Channel)
			if err != nil || !b.cfg.Settings.ReassignAbandoned {
				continue
			}
			ch, err := conversation.Abandon(&held[i], now)
			if err != nil {
				return err
			}
			if err := e.commit(ctx, tx, &ch); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	e.assignWaiting(ctx, ws)
	return nil
}

// assignWaiting applies R11's automatic assignment to the workspace's
// queue, served by priority then longest waiting: each waiting conversation
// whose channel assigns automatically (or that was abandoned on a channel
// that reassigns, R3) goes to an eligible agent chosen by the channel's
// strategy, one assignment per transaction, until no one more can be
// assigned. Failures are logged: the conversations wait, and the next
// occasion (a new conversation, an agent coming online or freeing room)
// tries again.
func (e *Engine) assignWaiting(ctx context.Context, ws ticket.WorkspaceID) {
	if !e.assigns(ws) {
		return
	}
	for range 1000 {
		assigned := false
		err := e.update(ctx, "assign", func(tx store.Tx) error {
			assigned = false
			queue, err := tx.Queue(ctx, ws, 200)
			if err != nil || len(queue) == 0 {
				return err
			}
			agents, err := tx.Agents(ctx, ws)
			if err != nil {
				return err
			}
			loads, err := tx.Workload(ctx, ws)
			if err != nil {
				return err
			}
			now := e.now()
			for i := range queue {
				c := &queue[i]
				strategy, team := e.assignment(c)
				if strategy == nil {
					continue
				}
				ch, agent, ok, err := conversation.AutoAssign(c, strategy, conversation.Eligible(c, team, agents, loads), now)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				if err := tx.PutAgent(ctx, agent); err != nil {
					return err
				}
				assigned = true
				return e.commit(ctx, tx, &ch)
			}
			return nil
		})
		if err != nil {
			e.log.WarnContext(ctx, "automatic assignment failed; the conversations wait", "workspace", ws, "err", err)
			return
		}
		if !assigned {
			return
		}
	}
}

// assignment returns the strategy and team that assign conversation c, or
// a nil strategy when c waits for a person to take it.
func (e *Engine) assignment(c *conversation.Conversation) (conversation.Strategy, conversation.TeamID) {
	b, err := e.channel(c.Workspace, c.Channel)
	if err != nil {
		return nil, ""
	}
	set := b.cfg.Settings
	team := c.Team
	if team == "" {
		team = conversation.TeamID(set.Assignment.Team)
	}
	switch {
	case set.Assignment.Strategy != "":
		return e.strategies[set.Assignment.Strategy], team
	case c.Abandoned && set.ReassignAbandoned:
		return conversation.LeastBusy, team // R3 needs someone even without a policy
	}
	return nil, ""
}

// assigns reports whether any channel of workspace ws assigns
// automatically or reassigns abandoned conversations.
func (e *Engine) assigns(ws ticket.WorkspaceID) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for k, b := range e.channels {
		if k.ws == ws && (b.cfg.Settings.Assignment.Strategy != "" || b.cfg.Settings.ReassignAbandoned) {
			return true
		}
	}
	return false
}
