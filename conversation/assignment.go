package conversation

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/telenet/contactcenter/channel"
)

// Candidate is an agent automatic assignment may choose (R11).
type Candidate struct {
	Agent Agent
	// Load is how many open conversations the agent holds.
	Load int
}

// Strategy chooses the agent of a waiting conversation among candidates,
// all of them eligible: online, in the team, below capacity (R11). Hosts
// register their own (skills, the last agent the contact talked to) in the
// engine's Config.
type Strategy interface {
	// Choose returns the index of the chosen candidate, or -1 for none.
	Choose(c *Conversation, candidates []Candidate) int
}

// StrategyFunc adapts a function to Strategy.
type StrategyFunc func(c *Conversation, candidates []Candidate) int

// Choose calls f.
func (f StrategyFunc) Choose(c *Conversation, candidates []Candidate) int { return f(c, candidates) }

// Strategies shipped with the library, by the names channel settings use.
var (
	// RoundRobin gives the conversation to the agent who was given one
	// longest ago.
	RoundRobin Strategy = StrategyFunc(roundRobin)
	// LeastBusy gives it to the agent holding the fewest open
	// conversations, then as RoundRobin.
	LeastBusy Strategy = StrategyFunc(leastBusy)
)

func byLastAssigned(a, b Candidate) int {
	if c := a.Agent.LastAssigned.Compare(b.Agent.LastAssigned); c != 0 {
		return c
	}
	return cmp.Compare(a.Agent.ID, b.Agent.ID)
}

func roundRobin(_ *Conversation, cs []Candidate) int {
	return best(cs, byLastAssigned)
}

func leastBusy(_ *Conversation, cs []Candidate) int {
	return best(cs, func(a, b Candidate) int {
		if c := cmp.Compare(a.Load, b.Load); c != 0 {
			return c
		}
		return byLastAssigned(a, b)
	})
}

// best returns the index of the least candidate by cmp, -1 if none.
func best(cs []Candidate, cmp func(a, b Candidate) int) int {
	if len(cs) == 0 {
		return -1
	}
	i := 0
	for j := range cs {
		if cmp(cs[j], cs[i]) < 0 {
			i = j
		}
	}
	return i
}

// Eligible returns the candidates automatic assignment may give
// conversation c to (R11): online, in team (if any), below capacity. Loads
// maps agents to the open conversations they hold.
func Eligible(c *Conversation, team TeamID, agents []Agent, loads map[AgentID]int) []Candidate {
	var out []Candidate
	for _, a := range agents {
		load := loads[a.ID]
		switch {
		case a.Workspace != c.Workspace, a.Presence != Online:
		case team != "" && !a.InTeam(team):
		case a.Capacity > 0 && load >= a.Capacity:
		default:
			out = append(out, Candidate{Agent: a, Load: load})
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int { return cmp.Compare(a.Agent.ID, b.Agent.ID) })
	return out
}

// AutoAssign applies R11's automatic assignment to the waiting conversation
// c: strategy chooses among the candidates, which must be eligible. The
// chosen agent's LastAssigned moves to now and is returned with the change
// (the engine stores it too, so that two assignments to one agent at once
// collide rather than exceed the capacity). ok is false when no one is
// chosen.
func AutoAssign(c *Conversation, s Strategy, candidates []Candidate, now time.Time) (ch Change, agent Agent, ok bool, err error) {
	if !c.Waiting() {
		return ch, agent, false, fmt.Errorf("%w: conversation %q is not waiting", ErrInvalid, c.ID)
	}
	i := s.Choose(c, candidates)
	if i < 0 {
		return ch, agent, false, nil
	}
	if i >= len(candidates) {
		return ch, agent, false, fmt.Errorf("%w: the strategy chose candidate %d of %d", ErrInvalid, i, len(candidates))
	}
	agent = candidates[i].Agent
	ch, err = Assign(c, System(), &agent, now)
	if err != nil {
		return Change{}, Agent{}, false, err
	}
	agent.LastAssigned = now
	agent.Version++
	return ch, agent, true, nil
}

// Abandon applies R3 to conversation c, whose assignee disconnected: it
// returns to the queue from now, flagged abandoned, for another agent.
func Abandon(c *Conversation, now time.Time) (Change, error) {
	var ch Change
	if c.State != Open {
		return ch, fmt.Errorf("conversation %q: %w", c.ID, ErrClosed)
	}
	if c.Assignee == "" {
		return ch, nil
	}
	cv := *c
	cv.Assignee = ""
	cv.WaitingSince = now
	cv.Abandoned = true
	cv.Version++
	ch.setConversation(cv, Update)
	ch.emit(EventConversationAbandoned, &cv, now, Event{Previous: c.Assignee, Team: cv.Team})
	return ch, nil
}

// TimeOut applies R7 to conversation c, whose channel closes conversations
// after timeout without a message between contact and agent: if that long
// has passed since c.LastActivity, c closes with ReasonTimeout; its ticket
// stays open. ok is false when the conversation is closed already or not
// idle long enough (a message came since the timer was set).
func TimeOut(c *Conversation, timeout time.Duration, now time.Time) (ch Change, ok bool) {
	if c.State != Open || timeout <= 0 || now.Before(c.LastActivity.Add(timeout)) {
		return ch, false
	}
	cv := closed(c, System(), ReasonTimeout, ClosingNote{}, now)
	ch.setConversation(cv, Update)
	ch.emit(EventConversationClosed, &cv, now, Event{Previous: c.Assignee, Reason: ReasonTimeout})
	return ch, true
}

// Policy is how one waiting conversation is assigned automatically: the
// strategy that chooses and the team whose agents are eligible. A nil
// Strategy means the conversation waits for a person to take it.
type Policy struct {
	Strategy Strategy
	Team     TeamID
}

// PolicyFor applies R11 and R3 to conversation c on a channel with
// settings set: the channel's strategy (looked up by name in strategies)
// assigns it, within c's team or else the channel's; a conversation
// abandoned on a channel that reassigns (R3) goes to the least busy
// eligible agent even without a strategy; otherwise it waits.
func PolicyFor(c *Conversation, set channel.Settings, strategies map[string]Strategy) Policy {
	team := c.Team
	if team == "" {
		team = TeamID(set.Assignment.Team)
	}
	switch {
	case set.Assignment.Strategy != "":
		return Policy{Strategy: strategies[set.Assignment.Strategy], Team: team}
	case c.Abandoned && set.ReassignAbandoned:
		return Policy{Strategy: LeastBusy, Team: team}
	}
	return Policy{}
}

// AssignQueue applies R11's automatic assignment to queue, waiting
// conversations in the order they are served: each in turn goes to the
// eligible agent its policy's strategy chooses, counting the assignments
// made before it, until max are made or the queue ends. It returns a
// Change per assignment, each storing the conversation and the chosen
// agent (whose LastAssigned moves to now and whose Version grows once per
// assignment, so that two assignments to one agent at once collide rather
// than exceed the capacity).
func AssignQueue(queue []Conversation, agents []Agent, loads map[AgentID]int, policy func(*Conversation) Policy, max int, now time.Time) ([]Change, error) {
	var out []Change
	agents = slices.Clone(agents)
	loads = maps.Clone(loads)
	if loads == nil {
		loads = map[AgentID]int{}
	}
	for i := range queue {
		if len(out) >= max {
			break
		}
		c := &queue[i]
		p := policy(c)
		if p.Strategy == nil || !c.Waiting() {
			continue
		}
		ch, agent, ok, err := AutoAssign(c, p.Strategy, Eligible(c, p.Team, agents, loads), now)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		ch.Agents = append(ch.Agents, agent)
		out = append(out, ch)
		loads[agent.ID]++
		for j := range agents {
			if agents[j].ID == agent.ID {
				agents[j] = agent
			}
		}
	}
	return out, nil
}

// Disconnect applies R3 to an agent who went offline: each of the open
// conversations they held (held) on a channel that reassigns abandoned
// conversations (reassigns reports it) returns to the queue from now,
// flagged abandoned, for another agent. It returns a Change per
// conversation.
func Disconnect(held []Conversation, reassigns func(*Conversation) bool, now time.Time) ([]Change, error) {
	var out []Change
	for i := range held {
		if !reassigns(&held[i]) {
			continue
		}
		ch, err := Abandon(&held[i], now)
		if err != nil {
			return nil, err
		}
		if !ch.Empty() {
			out = append(out, ch)
		}
	}
	return out, nil
}

// AnyRoom reports whether any of agents is online and below their capacity
// (loads: their open conversations): whether automatic assignment can
// assign anything at all (R11).
func AnyRoom(agents []Agent, loads map[AgentID]int) bool {
	for _, a := range agents {
		if a.Presence == Online && (a.Capacity <= 0 || loads[a.ID] < a.Capacity) {
			return true
		}
	}
	return false
}
