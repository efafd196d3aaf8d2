package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
	"github.com/telenet/contactcenter/workflow"
)

// extSeq numbers the external ids of the messages these tests deliver.
var extSeq atomic.Int64

// say delivers a contact's text message with a fresh external id.
func (f *wfFixture) say(t *testing.T, contact, text string) contactcenter.Received {
	t.Helper()
	return f.write(t, contact, fmt.Sprintf("x%d", extSeq.Add(1)), text)
}

// reply stores agent's reply in conversation id.
func (f *wfFixture) reply(t *testing.T, id conversation.ID, agent conversation.AgentID, text string) {
	t.Helper()
	_, err := f.eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: id, Agent: agent, Text: text})
	require.NoError(t, err)
}

func (f *wfFixture) assign(t *testing.T, id conversation.ID, agent conversation.AgentID) {
	t.Helper()
	_, err := f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: id, To: agent, By: conversation.Host()})
	require.NoError(t, err)
}

func (f *wfFixture) tag(t *testing.T, tk ticket.ID, tag string) {
	t.Helper()
	_, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tk, Tag: tag, By: conversation.Host()})
	require.NoError(t, err)
}

func (f *wfFixture) untag(t *testing.T, tk ticket.ID, tag string) {
	t.Helper()
	_, err := f.eng.UntagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tk, Tag: tag, By: conversation.Host()})
	require.NoError(t, err)
}

func (f *wfFixture) setField(t *testing.T, k ticket.ContactID, key, value string) {
	t.Helper()
	_, err := f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: k, Key: key, Value: value, By: conversation.Host()})
	require.NoError(t, err)
}

func (f *wfFixture) presence(t *testing.T, agent conversation.AgentID, p conversation.Presence) {
	t.Helper()
	_, err := f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: agent, Presence: p, By: conversation.Host()})
	require.NoError(t, err)
}

func (f *wfFixture) closeConv(t *testing.T, id conversation.ID) {
	t.Helper()
	_, err := f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: id, By: conversation.Host()})
	require.NoError(t, err)
}

func (f *wfFixture) ticket(t *testing.T, id ticket.ID) ticket.Ticket {
	t.Helper()
	tk, err := f.eng.Ticket(bg, ws, id)
	require.NoError(t, err)
	return tk
}

// notified returns the published workflow.notified events named name.
func (f *wfFixture) notified(t *testing.T, name string) []conversation.Event {
	t.Helper()
	require.NoError(t, f.eng.PublishPending(bg))
	var out []conversation.Event
	for _, ev := range f.book.unique() {
		if ev.Type == contactcenter.EventWorkflowNotified && ev.Detail == name {
			out = append(out, ev)
		}
	}
	return out
}

// notifyWorkflow is workflow name on trigger (JSON), whose one step
// notifies name with data {"k": name}.
func notifyWorkflow(name, trigger string) string {
	return fmt.Sprintf(`{"name": %q, "trigger": %s, "steps": [{"do": "notify", "name": %q, "data": {"k": %q}}]}`, name, trigger, name, name)
}

// expectRuns checks that workflow name has run n times in all, each run
// done and notifying, with as many workflow.notified events published.
func (f *wfFixture) expectRuns(t *testing.T, name string, n int) []contactcenter.WorkflowRun {
	t.Helper()
	runs := f.runs(t, "", name)
	require.Len(t, runs, n, "runs of %s", name)
	for _, r := range runs {
		assert.Equal(t, contactcenter.RunDone, r.State)
		assert.Equal(t, []string{"notify:done"}, outcomes(r))
	}
	evs := f.notified(t, name)
	require.Len(t, evs, n, "workflow.notified events of %s", name)
	for _, ev := range evs {
		assert.Equal(t, map[string]string{"k": name}, ev.Data)
		assert.Equal(t, conversation.CauseWorkflow, ev.Cause.Kind)
		assert.Equal(t, name, ev.Cause.Name)
	}
	return runs
}

// Each trigger kind starts a run on its event, through the engine, and
// not on an event of another kind (R16).
func TestWorkflowTriggers(t *testing.T) {
	const w = "w"
	cases := []struct {
		name    string
		trigger string
		opts    []wfOption
		act     func(t *testing.T, f *wfFixture)
	}{
		{"conversation.opened", `{"on": "conversation.opened"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, r.Conversation.ID, runs[0].Conversation)
			assert.Equal(t, conversation.EventConversationOpened, runs[0].Trigger.Type)
			f.say(t, "c1", "again") // not: a message in the open conversation
			f.expectRuns(t, w, 1)
		}},
		{"message.received from contact", `{"on": "message.received"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.expectRuns(t, w, 1)
			f.reply(t, r.Conversation.ID, "ana", "hi") // not: an agent's message
			f.expectRuns(t, w, 1)
			f.say(t, "c1", "more")
			f.expectRuns(t, w, 2)
		}},
		{"message.received from agent", `{"on": "message.received", "from": "agent"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello") // not: a contact's message
			f.expectRuns(t, w, 0)
			f.reply(t, r.Conversation.ID, "ana", "hi")
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, r.Conversation.ID, runs[0].Conversation)
		}},
		{"message.received from any", `{"on": "message.received", "from": "any"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.expectRuns(t, w, 1)
			f.reply(t, r.Conversation.ID, "ana", "hi")
			f.expectRuns(t, w, 2)
			f.assign(t, r.Conversation.ID, "bruno") // not: an assignment
			f.expectRuns(t, w, 2)
		}},
		{"conversation.closed", `{"on": "conversation.closed"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.assign(t, r.Conversation.ID, "ana") // not: an assignment
			f.expectRuns(t, w, 0)
			f.closeConv(t, r.Conversation.ID)
			f.expectRuns(t, w, 1)
		}},
		{"ticket.opened", `{"on": "ticket.opened"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, r.Conversation.Ticket, runs[0].Ticket)
			f.say(t, "c1", "again") // not: a message on the open ticket
			f.expectRuns(t, w, 1)
		}},
		{"ticket.closed", `{"on": "ticket.closed"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.tag(t, r.Conversation.Ticket, "vip") // not: a tag
			f.expectRuns(t, w, 0)
			_, err := f.eng.CloseTicket(bg, contactcenter.TicketClosing{Workspace: ws, Ticket: r.Conversation.Ticket, By: conversation.Host()})
			require.NoError(t, err)
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, conversation.EventTicketClosed, runs[0].Trigger.Type)
		}},
		{"agent.presence_changed", `{"on": "agent.presence_changed"}`, nil, func(t *testing.T, f *wfFixture) {
			f.say(t, "c1", "hello") // not: a message
			f.expectRuns(t, w, 0)
			f.presence(t, "bruno", conversation.Away)
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, conversation.EventPresenceChanged, runs[0].Trigger.Type)
			assert.Empty(t, runs[0].Conversation, "a presence concerns no conversation")
		}},
		{"agent.presence_changed to offline", `{"on": "agent.presence_changed", "presence": "offline"}`, nil, func(t *testing.T, f *wfFixture) {
			f.presence(t, "bruno", conversation.Away) // not: another presence
			f.expectRuns(t, w, 0)
			f.presence(t, "bruno", conversation.Offline)
			f.expectRuns(t, w, 1)
		}},
		{"out_of_hours", `{"on": "out_of_hours", "service": "office"}`, nil, func(t *testing.T, f *wfFixture) {
			f.say(t, "c1", "hello") // not: Monday 9:00 is in hours
			f.expectRuns(t, w, 0)
			f.clock.Advance(11 * time.Hour) // Monday 20:00
			r := f.say(t, "c1", "still there?")
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, r.Conversation.ID, runs[0].Conversation)
			f.clock.Advance(4*24*time.Hour + 16*time.Hour) // Saturday 12:00
			f.say(t, "c2", "weekend")
			runs = f.expectRuns(t, w, 2)
			assert.Equal(t, time.Saturday, runs[0].StartedAt.Weekday())
			f.clock.Advance(46 * time.Hour) // Monday 10:00
			f.say(t, "c3", "morning")
			f.expectRuns(t, w, 2)
		}},
		{"tag.added", `{"on": "tag.added"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello") // not: a message
			f.expectRuns(t, w, 0)
			f.tag(t, r.Conversation.Ticket, "a")
			f.tag(t, r.Conversation.Ticket, "b")
			f.expectRuns(t, w, 2)
			f.untag(t, r.Conversation.Ticket, "a") // not: a removal
			f.expectRuns(t, w, 2)
		}},
		{"tag.added vip", `{"on": "tag.added", "tag": "vip"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.tag(t, r.Conversation.Ticket, "other") // not: another tag
			f.expectRuns(t, w, 0)
			f.tag(t, r.Conversation.Ticket, "vip")
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, "vip", runs[0].Trigger.Detail)
		}},
		{"tag.removed", `{"on": "tag.removed"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.tag(t, r.Conversation.Ticket, "a") // not: an addition
			f.expectRuns(t, w, 0)
			f.untag(t, r.Conversation.Ticket, "a")
			f.expectRuns(t, w, 1)
		}},
		{"tag.removed vip", `{"on": "tag.removed", "tag": "vip"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.tag(t, r.Conversation.Ticket, "a")
			f.tag(t, r.Conversation.Ticket, "vip")
			f.untag(t, r.Conversation.Ticket, "a") // not: another tag
			f.expectRuns(t, w, 0)
			f.untag(t, r.Conversation.Ticket, "vip")
			f.expectRuns(t, w, 1)
		}},
		{"field.changed plan", `{"on": "field.changed", "field": "plan"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.setField(t, r.Contact.ID, "city", "Gent") // not: another field
			f.expectRuns(t, w, 0)
			f.setField(t, r.Contact.ID, "plan", "gold")
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, r.Conversation.ID, runs[0].Conversation, "the run is about the contact's open conversation")
			_, err := f.eng.UnsetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: r.Contact.ID, Key: "plan", By: conversation.Host()})
			require.NoError(t, err)
			f.expectRuns(t, w, 2)
		}},
		{"conversation.assigned", `{"on": "conversation.assigned"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			_, err := f.eng.TransferToTeam(bg, contactcenter.Transfer{Workspace: ws, Conversation: r.Conversation.ID, Team: "sales", By: conversation.Host()})
			require.NoError(t, err) // not: a transfer to a team's queue
			f.expectRuns(t, w, 0)
			f.assign(t, r.Conversation.ID, "ana")
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, conversation.EventConversationAssigned, runs[0].Trigger.Type)
		}},
		{"conversation.unassigned", `{"on": "conversation.unassigned"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.assign(t, r.Conversation.ID, "ana") // not: an assignment
			f.expectRuns(t, w, 0)
			_, err := f.eng.Unassign(bg, contactcenter.Unassignment{Workspace: ws, Conversation: r.Conversation.ID, By: conversation.Host()})
			require.NoError(t, err)
			f.expectRuns(t, w, 1)
		}},
		{"no_reply.contact", `{"on": "no_reply.contact", "after": "10m"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.reply(t, r.Conversation.ID, "ana", "what is your number?")
			f.fire(t, 9*time.Minute)
			f.expectRuns(t, w, 0)
			f.fire(t, time.Minute)
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, r.Conversation.ID, runs[0].Conversation)
			assert.Equal(t, conversation.EventType(workflow.OnNoContactReply), runs[0].Trigger.Type)
			// Not: the contact answers before the time.
			r2 := f.say(t, "c2", "hello")
			f.reply(t, r2.Conversation.ID, "bruno", "what is your number?")
			f.fire(t, 5*time.Minute)
			f.say(t, "c2", "42")
			f.fire(t, time.Hour)
			f.expectRuns(t, w, 1)
			// Once per agent's message without an answer: not again at
			// later FireTimers; a new agent's message runs a new clock.
			f.fire(t, time.Hour)
			f.expectRuns(t, w, 1)
			f.reply(t, r.Conversation.ID, "ana", "still there?")
			f.fire(t, 10*time.Minute)
			f.expectRuns(t, w, 2)
		}},
		{"a new version with another time-based trigger", `{"on": "queue.waiting", "after": "10m"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.fire(t, 10*time.Minute)
			f.expectRuns(t, w, 1)
			f.publish(t, notifyWorkflow(w, `{"on": "no_reply.agent", "after": "10m"}`))
			f.say(t, "c1", "anyone?")
			f.fire(t, 9*time.Minute)
			f.expectRuns(t, w, 1)
			f.fire(t, time.Minute)
			runs := f.expectRuns(t, w, 2)
			assert.Equal(t, conversation.EventType(workflow.OnNoAgentReply), runs[0].Trigger.Type)
			assert.Equal(t, 2, runs[0].Version)
			assert.Equal(t, r.Conversation.ID, runs[0].Conversation)
		}},
		{"out_of_hours of the channel", `{"on": "out_of_hours"}`, []wfOption{func(_ *contactcenter.Config, s *channel.Settings) {
			s.OutOfHours = channel.OutOfHours{Template: "again", Service: "office"}
		}}, func(t *testing.T, f *wfFixture) {
			f.say(t, "c1", "hello") // not: in hours
			f.expectRuns(t, w, 0)
			f.clock.Advance(11 * time.Hour)
			f.say(t, "c1", "hello?")
			f.expectRuns(t, w, 1)
		}},
		{"no_reply.agent", `{"on": "no_reply.agent", "after": "10m"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.fire(t, 5*time.Minute)
			f.say(t, "c1", "anyone?") // the clock runs from the first unanswered message
			f.fire(t, 5*time.Minute)
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, r.Conversation.ID, runs[0].Conversation)
			f.fire(t, time.Hour)
			f.expectRuns(t, w, 1)
			// Nor on another message while still unanswered.
			f.say(t, "c1", "hello??")
			f.fire(t, 10*time.Minute)
			f.fire(t, time.Hour)
			f.expectRuns(t, w, 1)
			// An agent's reply ends the state; the next message starts it again.
			f.reply(t, r.Conversation.ID, "ana", "sorry")
			f.say(t, "c1", "thanks, one more thing")
			f.fire(t, 10*time.Minute)
			f.expectRuns(t, w, 2)
			// Not: an agent answers before the time.
			r2 := f.say(t, "c2", "hello")
			f.fire(t, 5*time.Minute)
			f.reply(t, r2.Conversation.ID, "bruno", "here")
			f.fire(t, time.Hour)
			f.expectRuns(t, w, 2)
		}},
		{"queue.waiting", `{"on": "queue.waiting", "after": "10m"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.fire(t, 9*time.Minute)
			f.expectRuns(t, w, 0)
			f.fire(t, time.Minute)
			runs := f.expectRuns(t, w, 1)
			assert.Equal(t, r.Conversation.ID, runs[0].Conversation)
			f.fire(t, time.Hour) // once, not at every FireTimers
			f.fire(t, time.Hour)
			f.expectRuns(t, w, 1)
			// Nor after writes during the same wait.
			f.say(t, "c1", "still waiting")
			f.tag(t, r.Conversation.Ticket, "x")
			f.fire(t, time.Minute)
			f.fire(t, time.Hour)
			f.expectRuns(t, w, 1)
			// A new wait (assigned, then back in the queue) fires again.
			f.assign(t, r.Conversation.ID, "ana")
			_, err := f.eng.Unassign(bg, contactcenter.Unassignment{Workspace: ws, Conversation: r.Conversation.ID, By: conversation.Host()})
			require.NoError(t, err)
			f.fire(t, 9*time.Minute)
			f.expectRuns(t, w, 1)
			f.fire(t, time.Minute)
			f.expectRuns(t, w, 2)
			// Not: assigned before the time.
			r2 := f.say(t, "c2", "hello")
			f.fire(t, 5*time.Minute)
			f.assign(t, r2.Conversation.ID, "ana")
			f.fire(t, time.Hour)
			f.expectRuns(t, w, 2)
			assert.Empty(t, f.runs(t, r2.Conversation.ID, w))
		}},
	}
	names := map[string]bool{}
	for _, tc := range cases {
		names[tc.name] = true
	}
	for name := range triggersOnEveryStore {
		require.True(t, names[name], "no trigger case %q", name)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := func(t *testing.T, s store.Store) {
				f := newWFFixture(t, s, tc.opts...)
				f.publish(t, notifyWorkflow(w, tc.trigger))
				tc.act(t, f)
			}
			if !triggersOnEveryStore[tc.name] {
				run(t, memory.New())
				return
			}
			eachBotStore(t, run)
		})
	}
}

// triggersOnEveryStore and conditionsOnEveryStore are the cases of
// TestWorkflowTriggers and TestWorkflowConditions that run on memory,
// SQLite and PostgreSQL, the others in memory: the main ones, and those
// that read what only the SQL stores keep apart (timers, presence,
// contacts' fields, tickets' tags).
var (
	triggersOnEveryStore = map[string]bool{
		"message.received from agent": true, "conversation.closed": true, "ticket.closed": true,
		"agent.presence_changed": true, "out_of_hours": true, "tag.added vip": true, "field.changed plan": true,
		"conversation.assigned": true, "no_reply.contact": true, "no_reply.agent": true,
	}
	conditionsOnEveryStore = map[string]bool{
		"contact.field": true, "ticket.priority": true, "ticket.tags": true, "conversation.waiting": true,
		"conversation.first": true, "hours.office out of hours": true, "previous of field.changed": true,
		"all, any and not nested": true,
	}
)

// Each condition field, held and not held, decides whether a run starts;
// the run's history keeps each comparison's result without the value
// compared (R16).
func TestWorkflowConditions(t *testing.T) {
	msg := func(text string) func(t *testing.T, f *wfFixture) {
		return func(t *testing.T, f *wfFixture) { f.say(t, "c1", text) }
	}
	tagged := func(prep func(t *testing.T, f *wfFixture, r contactcenter.Received)) func(t *testing.T, f *wfFixture) {
		return func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello there")
			prep(t, f, r)
			f.tag(t, r.Conversation.Ticket, "go")
		}
	}
	onTag := `{"on": "tag.added", "tag": "go"}`
	onMsg := `{"on": "message.received"}`
	type half struct {
		cond string
		want bool
	}
	type condCase struct {
		name    string
		trigger string
		opts    []wfOption
		act     func(t *testing.T, f *wfFixture)
		conds   []half
	}
	cases := []condCase{
		{"contact.name", onMsg, nil, msg("hello"), []half{
			{`{"field": "contact.name", "op": "eq", "value": "Contact c1"}`, true},
			{`{"field": "contact.name", "op": "eq", "value": "Someone"}`, false}}},
		{"contact.language", onMsg, nil, msg("hello"), []half{
			{`{"field": "contact.language", "op": "in", "values": ["fr", "en"]}`, true},
			{`{"field": "contact.language", "op": "eq", "value": "nl"}`, false}}},
		{"contact.channel", onMsg, nil, msg("hello"), []half{
			{`{"field": "contact.channel", "op": "eq", "value": "tg"}`, true},
			{`{"field": "contact.channel", "op": "ne", "value": "tg"}`, false}}},
		{"contact.field", onTag, nil, tagged(func(t *testing.T, f *wfFixture, r contactcenter.Received) {
			f.setField(t, r.Contact.ID, "plan", "gold")
		}), []half{
			{`{"field": "contact.field.plan", "op": "eq", "value": "gold"}`, true},
			{`{"field": "contact.field.plan", "op": "missing"}`, false}}},
		{"ticket.priority", onTag, nil, tagged(func(t *testing.T, f *wfFixture, r contactcenter.Received) {
			_, err := f.eng.SetPriority(bg, contactcenter.Prioritizing{Workspace: ws, Ticket: r.Conversation.Ticket, Priority: ticket.PriorityHigh, By: conversation.Host()})
			require.NoError(t, err)
		}), []half{
			{`{"field": "ticket.priority", "op": "gte", "value": "high"}`, true},
			{`{"field": "ticket.priority", "op": "gt", "value": "high"}`, false}}},
		{"ticket.tags", onTag, nil, tagged(func(t *testing.T, f *wfFixture, r contactcenter.Received) {
			f.tag(t, r.Conversation.Ticket, "vip")
		}), []half{
			{`{"field": "ticket.tags", "op": "contains", "value": "vip"}`, true},
			{`{"field": "ticket.tags", "op": "contains", "value": "spam"}`, false}}},
		{"ticket.subject", onTag, nil, tagged(func(*testing.T, *wfFixture, contactcenter.Received) {}), []half{
			{`{"field": "ticket.subject", "op": "contains", "value": "HELLO"}`, true},
			{`{"field": "ticket.subject", "op": "contains", "value": "refund"}`, false}}},
		{"conversation.state", `{"on": "conversation.closed"}`, nil, func(t *testing.T, f *wfFixture) {
			f.closeConv(t, f.say(t, "c1", "hello").Conversation.ID)
		}, []half{
			{`{"field": "conversation.state", "op": "eq", "value": "closed"}`, true},
			{`{"field": "conversation.state", "op": "eq", "value": "open"}`, false}}},
		{"conversation.assignee", onTag, nil, tagged(func(t *testing.T, f *wfFixture, r contactcenter.Received) {
			f.assign(t, r.Conversation.ID, "ana")
		}), []half{
			{`{"field": "conversation.assignee", "op": "eq", "value": "ana"}`, true},
			{`{"field": "conversation.assignee", "op": "eq", "value": "bruno"}`, false}}},
		{"conversation.team", onTag, nil, tagged(func(t *testing.T, f *wfFixture, r contactcenter.Received) {
			_, err := f.eng.TransferToTeam(bg, contactcenter.Transfer{Workspace: ws, Conversation: r.Conversation.ID, Team: "billing", By: conversation.Host()})
			require.NoError(t, err)
		}), []half{
			{`{"field": "conversation.team", "op": "eq", "value": "billing"}`, true},
			{`{"field": "conversation.team", "op": "eq", "value": "sales"}`, false}}},
		{"conversation.waiting", onTag, nil, tagged(func(t *testing.T, f *wfFixture, _ contactcenter.Received) {
			f.clock.Advance(6 * time.Minute)
		}), []half{
			{`{"field": "conversation.waiting", "op": "gte", "value": "5m"}`, true},
			{`{"field": "conversation.waiting", "op": "lt", "value": "5m"}`, false}}},
		{"conversation.first", onMsg, nil, msg("hello"), []half{
			{`{"field": "conversation.first", "op": "eq", "value": "true"}`, true},
			{`{"field": "conversation.first", "op": "ne", "value": "true"}`, false}}},
		{"conversation.first on a second conversation", `{"on": "conversation.opened"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.closeConv(t, r.Conversation.ID)
			f.runsBefore = len(f.runs(t, "", "w"))
			f.say(t, "c1", "back again")
		}, []half{
			{`{"field": "conversation.first", "op": "ne", "value": "true"}`, true},
			{`{"field": "conversation.first", "op": "eq", "value": "true"}`, false}}},
		{"conversation.bot", onMsg, nil, msg("hello"), []half{
			{`{"field": "conversation.bot", "op": "missing"}`, true},
			{`{"field": "conversation.bot", "op": "exists"}`, false}}},
		{"message.text contains", onMsg, nil, msg("Mi FÁCTURA está mal"), []half{
			{`{"field": "message.text", "op": "contains", "value": "factura"}`, true},
			{`{"field": "message.text", "op": "contains", "value": "invoice"}`, false}}},
		{"message.text matches", onMsg, nil, msg("order 12345 is late"), []half{
			{`{"field": "message.text", "op": "matches", "value": "order \\d{5}"}`, true},
			{`{"field": "message.text", "op": "matches", "value": "^\\d+$"}`, false}}},
		{"hours of the channel", onMsg, []wfOption{func(_ *contactcenter.Config, s *channel.Settings) {
			s.OutOfHours = channel.OutOfHours{Template: "again", Service: "office"}
		}}, msg("hello"), []half{
			{`{"field": "hours", "op": "eq", "value": "open"}`, true},
			{`{"field": "hours", "op": "eq", "value": "closed"}`, false}}},
		{"hours.office out of hours", onMsg, nil, func(t *testing.T, f *wfFixture) {
			f.clock.Advance(11 * time.Hour)
			f.say(t, "c1", "hello")
		}, []half{
			{`{"field": "hours.office", "op": "eq", "value": "closed"}`, true},
			{`{"field": "hours.office", "op": "eq", "value": "open"}`, false}}},
		{"previous of field.changed", `{"on": "field.changed", "field": "plan"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.setField(t, r.Contact.ID, "plan", "silver")
			f.runsBefore = len(f.runs(t, "", "w"))
			f.setField(t, r.Contact.ID, "plan", "gold")
		}, []half{
			{`{"field": "previous", "op": "eq", "value": "silver"}`, true},
			{`{"field": "previous", "op": "eq", "value": "gold"}`, false}}},
		{"previous of assigned", `{"on": "conversation.assigned"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.assign(t, r.Conversation.ID, "ana")
			f.runsBefore = len(f.runs(t, "", "w"))
			f.assign(t, r.Conversation.ID, "bruno")
		}, []half{
			{`{"field": "previous", "op": "eq", "value": "ana"}`, true},
			{`{"field": "previous", "op": "eq", "value": "bruno"}`, false}}},
		{"previous of unassigned", `{"on": "conversation.unassigned"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.assign(t, r.Conversation.ID, "ana")
			_, err := f.eng.Unassign(bg, contactcenter.Unassignment{Workspace: ws, Conversation: r.Conversation.ID, By: conversation.Host()})
			require.NoError(t, err)
		}, []half{
			{`{"field": "previous", "op": "eq", "value": "ana"}`, true},
			{`{"field": "previous", "op": "missing"}`, false}}},
		{"previous of a field a workflow set", `{"on": "field.changed", "field": "plan"}`, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "upgrade", "trigger": {"on": "tag.added", "tag": "gold"}, "steps": [{"do": "set_field", "field": "plan", "value": "gold"}]}`)
			r := f.say(t, "c1", "hello")
			f.setField(t, r.Contact.ID, "plan", "silver")
			f.runsBefore = len(f.runs(t, "", "w"))
			f.tag(t, r.Conversation.Ticket, "gold")
		}, []half{
			{`{"field": "previous", "op": "eq", "value": "silver"}`, true},
			{`{"field": "previous", "op": "eq", "value": "gold"}`, false}}},
		{"message.text of an agent's message", `{"on": "message.received", "from": "agent"}`, nil, func(t *testing.T, f *wfFixture) {
			r := f.say(t, "c1", "hello")
			f.reply(t, r.Conversation.ID, "ana", "Your REFUND is on its way")
		}, []half{
			{`{"field": "message.text", "op": "contains", "value": "refund"}`, true},
			{`{"field": "message.text", "op": "contains", "value": "hello"}`, false}}},
		{"all, any and not nested", onMsg, nil, msg("my factura"), []half{
			{`{"all": [{"field": "contact.language", "op": "eq", "value": "en"}, {"any": [{"field": "message.text", "op": "contains", "value": "nothing"}, {"not": {"field": "contact.name", "op": "eq", "value": "Someone"}}]}]}`, true},
			{`{"all": [{"field": "contact.language", "op": "eq", "value": "en"}, {"not": {"any": [{"field": "message.text", "op": "contains", "value": "factura"}, {"field": "contact.name", "op": "eq", "value": "Someone"}]}}]}`, false}}},
	}
	condition := func(t *testing.T, s store.Store, tc condCase, h half) {
		f := newWFFixture(t, s, tc.opts...)
		f.publish(t, fmt.Sprintf(`{"name": "w", "trigger": %s, "if": %s, "steps": [{"do": "notify", "name": "w"}]}`, tc.trigger, h.cond))
		tc.act(t, f)
		runs := f.runs(t, "", "w")
		if !h.want {
			assert.Len(t, runs, f.runsBefore, "no run starts")
			assert.Len(t, f.notified(t, "w"), f.runsBefore)
			return
		}
		require.Len(t, runs, f.runsBefore+1, "a run starts")
		run := runs[0]
		assert.Equal(t, contactcenter.RunDone, run.State)
		require.NotEmpty(t, run.Conditions)
		for _, c := range run.Conditions {
			assert.Empty(t, c.Got, "the history keeps no value compared")
			assert.Empty(t, c.Err)
		}
		if !strings.Contains(h.cond, `"all"`) {
			require.Len(t, run.Conditions, 1)
			assert.True(t, run.Conditions[0].Held)
			assert.Equal(t, "if", run.Conditions[0].Path)
		}
		assert.Len(t, f.notified(t, "w"), f.runsBefore+1)
	}
	names := map[string]bool{}
	for _, tc := range cases {
		names[tc.name] = true
	}
	for name := range conditionsOnEveryStore {
		require.True(t, names[name], "no condition case %q", name)
	}
	for _, tc := range cases {
		for _, h := range tc.conds {
			t.Run(fmt.Sprintf("%s/%t", tc.name, h.want), func(t *testing.T) {
				if conditionsOnEveryStore[tc.name] {
					eachBotStore(t, func(t *testing.T, s store.Store) { condition(t, s, tc, h) })
					return
				}
				condition(t, memory.New(), tc, h)
			})
		}
	}
}

// runOf returns the one run of workflow name, which must have ended.
func (f *wfFixture) onlyRun(t *testing.T, name string) contactcenter.WorkflowRun {
	t.Helper()
	runs := f.runs(t, "", name)
	require.Len(t, runs, 1, "runs of %s", name)
	return runs[0]
}

// byWorkflow returns the events of type typ that a run of workflow name
// caused.
func (f *wfFixture) byWorkflow(t *testing.T, typ conversation.EventType, name string) []conversation.Event {
	t.Helper()
	require.NoError(t, f.eng.PublishPending(bg))
	var out []conversation.Event
	for _, ev := range f.book.unique() {
		if ev.Type == typ && ev.Cause.Kind == conversation.CauseWorkflow && ev.Cause.Name == name {
			out = append(out, ev)
		}
	}
	return out
}

// withBot gives channel "tg" bot "helper", which hands a conversation off
// to the agents when the contact writes "agent" and answers "Hello"
// otherwise.
func withBot(bot *scriptBot) wfOption {
	return func(cfg *contactcenter.Config, set *channel.Settings) {
		cfg.Bots = map[string]chatbot.Bot{"helper": bot}
		set.Bot = channel.Bot{Name: "helper"}
	}
}

// Every step kind, through the engine, with its effect on the state, its
// outcome in the run's history and its events; the main ones on every
// store (R16).
func TestWorkflowSteps(t *testing.T) {
	cases := []struct {
		name string
		all  bool // on every store, not only in memory
		opts []wfOption
		run  func(t *testing.T, f *wfFixture)
	}{
		{"assign agent", true, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "assign", "agent": "ana"}]}`)
			r := f.say(t, "c1", "hello")
			assert.Equal(t, conversation.AgentID("ana"), f.conversation(t, r.Conversation.ID).Assignee)
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"assign:done"}, outcomes(run))
			assert.Equal(t, "agent ana", run.Steps[0].Detail)
			evs := f.byWorkflow(t, conversation.EventConversationAssigned, "w")
			require.Len(t, evs, 1)
			assert.Equal(t, conversation.ActorWorkflow, evs[0].Actor.Kind)
			assert.Equal(t, run.ID, evs[0].Cause.ID)
		}},
		{"billing routing: assign team", true, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, billingWorkflow)
			r := f.say(t, "c1", "la factura")
			c := f.conversation(t, r.Conversation.ID)
			assert.Equal(t, conversation.TeamID("billing"), c.Team)
			assert.True(t, c.Waiting(), "it waits in the team's queue")
			assert.Equal(t, ticket.PriorityHigh, f.ticket(t, c.Ticket).Priority)
			run := f.onlyRun(t, "billing")
			assert.Equal(t, []string{"assign:done", "set_priority:done"}, outcomes(run))
			assert.Equal(t, "team billing", run.Steps[0].Detail)
			assert.Len(t, f.byWorkflow(t, conversation.EventConversationTransferred, "billing"), 1)
		}},
		{"assign by strategy", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "assign", "team": "billing", "strategy": "least_busy"}]}`)
			r := f.say(t, "c1", "hello")
			assert.Equal(t, conversation.AgentID("ana"), f.conversation(t, r.Conversation.ID).Assignee, "ana is billing's only agent")
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"assign:done"}, outcomes(run))
			assert.Equal(t, "agent ana by least_busy", run.Steps[0].Detail)

			// No agent of the team has room: it waits in the team's queue.
			f.presence(t, "ana", conversation.Offline)
			r2 := f.say(t, "c2", "hello")
			c := f.conversation(t, r2.Conversation.ID)
			assert.Equal(t, conversation.AgentID(""), c.Assignee)
			assert.Equal(t, conversation.TeamID("billing"), c.Team)
			runs := f.runs(t, r2.Conversation.ID, "w")
			require.Len(t, runs, 1)
			assert.Equal(t, []string{"assign:done"}, outcomes(runs[0]))
			assert.Contains(t, runs[0].Steps[0].Detail, "waits for team billing")
		}},
		{"unassign", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "tag.added", "tag": "drop"}, "steps": [{"do": "unassign"}]}`)
			r := f.say(t, "c1", "hello")
			f.assign(t, r.Conversation.ID, "ana")
			f.tag(t, r.Conversation.Ticket, "drop")
			c := f.conversation(t, r.Conversation.ID)
			assert.Equal(t, conversation.AgentID(""), c.Assignee)
			assert.True(t, c.Waiting())
			assert.Equal(t, []string{"unassign:done"}, outcomes(f.onlyRun(t, "w")))
			evs := f.byWorkflow(t, conversation.EventConversationUnassigned, "w")
			require.Len(t, evs, 1)
			assert.Equal(t, conversation.AgentID("ana"), evs[0].Previous)
		}},
		{"send template", true, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "send", "template": "thanks"}]}`)
			r := f.say(t, "c1", "hello")
			assertAutomatic(t, f, r, "Thanks Contact!")
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"send:done"}, outcomes(run))
			assert.Equal(t, "template thanks", run.Steps[0].Detail)
		}},
		{"send snippet", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "send", "snippet": "hi"}]}`)
			r := f.say(t, "c1", "hello")
			assertAutomatic(t, f, r, "Hi Contact")
			assert.Equal(t, "snippet hi", f.onlyRun(t, "w").Steps[0].Detail)
		}},
		{"tag", true, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "message.received"}, "steps": [{"do": "tag", "tag": "seen"}]}`)
			r := f.say(t, "c1", "hello")
			assert.Equal(t, []string{"seen"}, f.ticket(t, r.Conversation.Ticket).Tags)
			assert.Equal(t, []string{"tag:done"}, outcomes(f.onlyRun(t, "w")))
			evs := f.byWorkflow(t, conversation.EventTicketTagged, "w")
			require.Len(t, evs, 1)
			assert.Equal(t, "seen", evs[0].Detail)

			// The tag is there already: unchanged, and no event.
			f.say(t, "c1", "again")
			runs := f.runs(t, "", "w")
			require.Len(t, runs, 2)
			assert.Equal(t, []string{"tag:unchanged"}, outcomes(runs[0]))
			assert.Len(t, f.byWorkflow(t, conversation.EventTicketTagged, "w"), 1)
			assert.Equal(t, []string{"seen"}, f.ticket(t, r.Conversation.Ticket).Tags)
		}},
		{"untag", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "tag.added", "tag": "done"}, "steps": [{"do": "untag", "tag": "todo"}]}`)
			r := f.say(t, "c1", "hello")
			f.tag(t, r.Conversation.Ticket, "todo")
			f.tag(t, r.Conversation.Ticket, "done")
			assert.Equal(t, []string{"done"}, f.ticket(t, r.Conversation.Ticket).Tags)
			assert.Equal(t, []string{"untag:done"}, outcomes(f.onlyRun(t, "w")))
			assert.Len(t, f.byWorkflow(t, conversation.EventTicketUntagged, "w"), 1)
		}},
		{"set_field and unset_field", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "tag.added", "tag": "gold"}, "steps": [{"do": "set_field", "field": "plan", "value": "gold"}, {"do": "unset_field", "field": "trial"}]}`)
			r := f.say(t, "c1", "hello")
			f.setField(t, r.Contact.ID, "trial", "yes")
			f.tag(t, r.Conversation.Ticket, "gold")
			k, err := f.eng.Contact(bg, ws, r.Contact.ID)
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"plan": "gold"}, k.Fields)
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"set_field:done", "unset_field:done"}, outcomes(run))
			assert.Len(t, f.byWorkflow(t, conversation.EventContactFieldSet, "w"), 1)
			assert.Len(t, f.byWorkflow(t, conversation.EventContactFieldUnset, "w"), 1)
		}},
		{"set_priority", true, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "message.received"}, "steps": [{"do": "set_priority", "priority": "urgent"}]}`)
			r := f.say(t, "c1", "hello")
			assert.Equal(t, ticket.PriorityUrgent, f.ticket(t, r.Conversation.Ticket).Priority)
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"set_priority:done"}, outcomes(run))
			assert.Equal(t, "urgent", run.Steps[0].Detail)
			assert.Len(t, f.byWorkflow(t, conversation.EventTicketPriority, "w"), 1)
		}},
		{"close with note", true, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "message.received"}, "if": {"field": "message.text", "op": "contains", "value": "stop"}, "steps": [{"do": "close", "note": "the contact asked to stop"}]}`)
			r := f.say(t, "c1", "STOP")
			c := f.conversation(t, r.Conversation.ID)
			assert.Equal(t, conversation.Closed, c.State)
			assert.Equal(t, contactcenter.ReasonWorkflow, c.CloseReason)
			assert.Equal(t, "the contact asked to stop", c.ClosingNote.Summary)
			assert.Equal(t, []string{"close:done"}, outcomes(f.onlyRun(t, "w")))
			evs := f.byWorkflow(t, conversation.EventConversationClosed, "w")
			require.Len(t, evs, 1)
			assert.Equal(t, conversation.ActorWorkflow, evs[0].Actor.Kind)
		}},
		{"wait then assign", true, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "wait", "for": "10m"}, {"do": "assign", "team": "sales"}]}`)
			r := f.say(t, "c1", "hello")
			run := f.onlyRun(t, "w")
			assert.Equal(t, contactcenter.RunWaiting, run.State)
			require.NotNil(t, run.Wait)
			assert.Equal(t, t0.Add(10*time.Minute), run.Wait.Until)
			f.fire(t, 10*time.Minute-time.Second)
			assert.Equal(t, conversation.TeamID(""), f.conversation(t, r.Conversation.ID).Team)
			f.fire(t, time.Second)
			assert.Equal(t, conversation.TeamID("sales"), f.conversation(t, r.Conversation.ID).Team)
			run = f.onlyRun(t, "w")
			assert.Equal(t, contactcenter.RunDone, run.State)
			assert.Equal(t, []string{"wait:waiting", "wait:resumed", "assign:done"}, outcomes(run))
		}},
		{"wait until an event", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [
				{"do": "wait", "until": "message.received", "timeout": "30m", "on_timeout": "late"},
				{"do": "tag", "tag": "answered"},
				{"id": "late", "do": "tag", "tag": "late"}]}`)
			// The event comes: the run resumes at the next step.
			r := f.say(t, "c1", "hello")
			assert.Equal(t, contactcenter.RunWaiting, f.onlyRun(t, "w").State)
			f.fire(t, 5*time.Minute)
			f.say(t, "c1", "are you there?")
			run := f.onlyRun(t, "w")
			assert.Equal(t, contactcenter.RunDone, run.State)
			assert.Equal(t, []string{"wait:waiting", "wait:resumed", "tag:done", "tag:done"}, outcomes(run))
			assert.Equal(t, "event message.received", run.Steps[1].Detail)
			assert.Equal(t, []string{"answered", "late"}, f.ticket(t, r.Conversation.Ticket).Tags)

			// It does not: timed out, on at on_timeout.
			r2 := f.say(t, "c2", "hello")
			f.fire(t, 29*time.Minute)
			runs := f.runs(t, r2.Conversation.ID, "w")
			require.Len(t, runs, 1)
			assert.Equal(t, contactcenter.RunWaiting, runs[0].State)
			f.fire(t, time.Minute)
			run, err := f.eng.WorkflowRun(bg, ws, runs[0].ID)
			require.NoError(t, err)
			assert.Equal(t, contactcenter.RunDone, run.State)
			assert.Equal(t, []string{"wait:waiting", "wait:timed_out", "tag:done"}, outcomes(run))
			assert.Equal(t, "late", run.Steps[2].ID)
			assert.Equal(t, []string{"late"}, f.ticket(t, r2.Conversation.Ticket).Tags)
		}},
		{"wait kept on close", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "keep_on_close": true, "trigger": {"on": "conversation.opened"}, "steps": [{"do": "wait", "for": "1h"}, {"do": "tag", "tag": "x"}, {"do": "assign", "team": "billing"}]}`)
			r := f.say(t, "c1", "hello")
			f.closeConv(t, r.Conversation.ID)
			assert.Equal(t, contactcenter.RunWaiting, f.onlyRun(t, "w").State, "the close keeps the wait")
			f.fire(t, time.Hour)
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"wait:waiting", "wait:resumed", "tag:done", "assign:skipped"}, outcomes(run))
			assert.Equal(t, []string{"x"}, f.ticket(t, r.Conversation.Ticket).Tags)
		}},
		{"wait until an event, disabled or replaced meanwhile", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "wait", "until": "tag.added", "timeout": "1h"}, {"do": "tag", "tag": "x"}]}`)
			r := f.say(t, "c1", "hello")
			_, err := f.eng.SetWorkflowEnabled(bg, contactcenter.WorkflowSwitch{Workspace: ws, Name: "w", Enabled: false, By: conversation.Host()})
			require.NoError(t, err)
			f.tag(t, r.Conversation.Ticket, "y")
			assert.Equal(t, []string{"wait:waiting", "wait:resumed", "tag:done"}, outcomes(f.onlyRun(t, "w")))

			_, err = f.eng.SetWorkflowEnabled(bg, contactcenter.WorkflowSwitch{Workspace: ws, Name: "w", Enabled: true, By: conversation.Host()})
			require.NoError(t, err)
			r2 := f.say(t, "c2", "hello")
			f.publish(t, `{"name": "w", "trigger": {"on": "ticket.closed"}, "steps": [{"do": "tag", "tag": "z"}]}`)
			f.tag(t, r2.Conversation.Ticket, "y")
			runs := f.runs(t, r2.Conversation.ID, "w")
			require.Len(t, runs, 1)
			assert.Equal(t, 1, runs[0].Version)
			assert.Equal(t, []string{"wait:waiting", "wait:resumed", "tag:done"}, outcomes(runs[0]))
		}},
		{"branch", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "message.received"}, "steps": [
				{"do": "branch", "if": {"field": "message.text", "op": "contains", "value": "urgent"}, "then": "hot", "else": "cold"},
				{"id": "hot", "do": "set_priority", "priority": "urgent"},
				{"do": "jump", "to": "end", "max": 1},
				{"id": "cold", "do": "set_priority", "priority": "low"},
				{"id": "end", "do": "tag", "tag": "sorted"}]}`)
			hot := f.say(t, "c1", "URGENT please")
			assert.Equal(t, ticket.PriorityUrgent, f.ticket(t, hot.Conversation.Ticket).Priority)
			runs := f.runs(t, hot.Conversation.ID, "w")
			require.Len(t, runs, 1)
			assert.Equal(t, []string{"branch:passed", "set_priority:done", "jump:passed", "tag:done"}, outcomes(runs[0]))
			br := runs[0].Steps[0]
			assert.Contains(t, br.Detail, "taken: true")
			assert.Contains(t, br.Detail, "(hot)")
			require.Len(t, br.Trace, 1)
			assert.True(t, br.Trace[0].Held)
			assert.Empty(t, br.Trace[0].Got)

			cold := f.say(t, "c2", "whenever")
			assert.Equal(t, ticket.PriorityLow, f.ticket(t, cold.Conversation.Ticket).Priority)
			runs = f.runs(t, cold.Conversation.ID, "w")
			require.Len(t, runs, 1)
			assert.Equal(t, []string{"branch:passed", "set_priority:done", "tag:done"}, outcomes(runs[0]))
			assert.Contains(t, runs[0].Steps[0].Detail, "taken: false")
			assert.Equal(t, "cold", runs[0].Steps[1].ID)
			require.Len(t, runs[0].Steps[0].Trace, 1)
			assert.False(t, runs[0].Steps[0].Trace[0].Held)
			assert.Equal(t, []string{"sorted"}, f.ticket(t, cold.Conversation.Ticket).Tags)
		}},
		{"jump bounded by max", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [
				{"id": "loop", "do": "notify", "name": "tick"},
				{"do": "jump", "to": "loop", "max": 3},
				{"do": "tag", "tag": "done"}]}`)
			r := f.say(t, "c1", "hello")
			run := f.onlyRun(t, "w")
			assert.Equal(t, contactcenter.RunDone, run.State)
			var ticks, taken, passedOn int
			for _, st := range run.Steps {
				switch {
				case st.Do == workflow.Notify && st.Outcome == contactcenter.StepDone:
					ticks++
				case st.Do == workflow.Jump && strings.Contains(st.Detail, "taken: true"):
					taken++
				case st.Do == workflow.Jump && strings.Contains(st.Detail, "taken: false"):
					passedOn++
				}
			}
			assert.Equal(t, 4, ticks, "the first pass and three jumps")
			assert.Equal(t, 3, taken)
			assert.Equal(t, 1, passedOn)
			assert.Equal(t, "tag:done", outcomes(run)[len(run.Steps)-1])
			assert.Len(t, f.notified(t, "tick"), 4)
			assert.Equal(t, []string{"done"}, f.ticket(t, r.Conversation.Ticket).Tags)
		}},
		{"hand_to_bot", false, []wfOption{withBot(&scriptBot{reply: scripted(map[string]chatbot.Reply{
			"agent": {Actions: []chatbot.Action{chatbot.HandOff{}}},
		})})}, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "tag.added", "tag": "bot"}, "steps": [{"do": "hand_to_bot"}, {"do": "hand_to_bot"}]}`)
			r := f.say(t, "c1", "agent")
			require.Eventually(t, func() bool { return !f.conversation(t, r.Conversation.ID).Held() }, 10*time.Second, 2*time.Millisecond, "the bot hands off")
			f.tag(t, r.Conversation.Ticket, "bot")
			c := f.conversation(t, r.Conversation.ID)
			assert.True(t, c.Held())
			assert.Equal(t, "helper", c.Bot)
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"hand_to_bot:done", "hand_to_bot:unchanged"}, outcomes(run))
			assert.Equal(t, "bot helper", run.Steps[0].Detail)
		}},
		{"notify", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "notify", "name": "crm.lead", "data": {"source": "telegram", "score": "7"}}]}`)
			r := f.say(t, "c1", "hello")
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"notify:done"}, outcomes(run))
			evs := f.notified(t, "crm.lead")
			require.Len(t, evs, 1)
			ev := evs[0]
			assert.Equal(t, contactcenter.EventWorkflowNotified, ev.Type)
			assert.Equal(t, map[string]string{"source": "telegram", "score": "7"}, ev.Data)
			assert.Equal(t, r.Conversation.ID, ev.Conversation)
			assert.Equal(t, r.Conversation.Ticket, ev.Ticket)
			assert.Equal(t, r.Contact.ID, ev.Contact)
			assert.Equal(t, conversation.Cause{Kind: conversation.CauseWorkflow, Name: "w", ID: run.ID, Root: run.Cause.Root, Depth: 1}, ev.Cause)
		}},
		{"call", true, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "call", "name": "crm", "data": {"op": "sync"}}, {"do": "tag", "tag": "synced"}]}`)
			r := f.say(t, "c1", "hello")
			run := f.waitRun(t, "w", r.Conversation.ID)
			assert.Equal(t, []string{"call:done", "tag:done"}, outcomes(run))
			calls := f.calls.seen()
			require.Len(t, calls, 1)
			c := calls[0]
			assert.Equal(t, run.ID+":0:0", c.Key)
			assert.Equal(t, "crm", c.Name)
			assert.Equal(t, map[string]string{"op": "sync"}, c.Data)
			assert.Equal(t, r.Conversation.ID, c.Conversation)
			assert.Equal(t, r.Conversation.Ticket, c.Ticket)
			assert.Equal(t, r.Contact.ID, c.Contact)
			assert.Equal(t, 1, c.Attempt)
			assert.Equal(t, 1, c.Version)
			assert.Equal(t, []string{"synced"}, f.ticket(t, r.Conversation.Ticket).Tags)
		}},
		{"wait then call", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "wait", "for": "10m"}, {"do": "call", "name": "crm"}, {"do": "tag", "tag": "synced"}]}`)
			r := f.say(t, "c1", "hello")
			assert.Empty(t, f.calls.seen())
			f.fire(t, 10*time.Minute)
			run := f.waitRun(t, "w", r.Conversation.ID)
			assert.Equal(t, []string{"wait:waiting", "wait:resumed", "call:done", "tag:done"}, outcomes(run))
			require.Len(t, f.calls.seen(), 1)
			assert.Equal(t, run.ID+":1:2", f.calls.seen()[0].Key)
		}},
		{"call retried", false, nil, func(t *testing.T, f *wfFixture) {
			f.calls.fail = 2
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "call", "name": "crm"}, {"do": "tag", "tag": "synced"}]}`)
			r := f.say(t, "c1", "hello")
			f.waitAttempts(t, "w", 1)
			f.fire(t, time.Second)
			f.waitAttempts(t, "w", 2)
			f.fire(t, time.Second)
			run := f.waitRun(t, "w", r.Conversation.ID)
			assert.Equal(t, []string{"call:done", "tag:done"}, outcomes(run))
			calls := f.calls.seen()
			require.Len(t, calls, 3)
			for i, c := range calls {
				assert.Equal(t, run.ID+":0:0", c.Key, "one key for every attempt")
				assert.Equal(t, i+1, c.Attempt)
			}
		}},
		{"call failed", false, nil, func(t *testing.T, f *wfFixture) {
			f.calls.fail = 5
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "call", "name": "crm"}, {"do": "tag", "tag": "after"}]}`)
			r := f.say(t, "c1", "hello")
			for n := 1; n < 5; n++ {
				f.waitAttempts(t, "w", n)
				f.fire(t, time.Minute)
			}
			run := f.waitRun(t, "w", r.Conversation.ID)
			assert.Equal(t, []string{"call:failed", "tag:done"}, outcomes(run))
			assert.Contains(t, run.Steps[0].Detail, "5 attempts")
			assert.Len(t, f.calls.seen(), 5)
			assert.Equal(t, []string{"after"}, f.ticket(t, r.Conversation.Ticket).Tags, "the run goes on")
		}},
		{"unchanged", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "tag.added", "tag": "vip"}, "steps": [{"do": "tag", "tag": "vip"}, {"do": "set_priority", "priority": "normal"}]}`)
			r := f.say(t, "c1", "hello")
			f.tag(t, r.Conversation.Ticket, "vip")
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"tag:unchanged", "set_priority:unchanged"}, outcomes(run))
			require.NoError(t, f.eng.PublishPending(bg))
			for _, ev := range f.book.unique() {
				assert.NotEqual(t, conversation.CauseWorkflow, ev.Cause.Kind, "no event of %s", ev.Type)
			}
		}},
		{"refused", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "hand_to_bot"}, {"do": "tag", "tag": "after"}]}`)
			r := f.say(t, "c1", "hello")
			run := f.onlyRun(t, "w")
			assert.Equal(t, contactcenter.RunDone, run.State)
			assert.Equal(t, []string{"hand_to_bot:refused", "tag:done"}, outcomes(run))
			assert.Contains(t, run.Steps[0].Detail, "no bot")
			assert.Equal(t, "", f.conversation(t, r.Conversation.ID).Bot)
			assert.Equal(t, []string{"after"}, f.ticket(t, r.Conversation.Ticket).Tags)
		}},
		{"refused: the template renders blank", false, nil, func(t *testing.T, f *wfFixture) {
			tm, err := template.New("name", template.Variant{Language: "en", Text: "{{contact.first_name}}"})
			require.NoError(t, err)
			require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: tm, By: conversation.Host()}))
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "send", "template": "name"}, {"do": "tag", "tag": "after"}]}`)
			r, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "nameless",
				From: contactcenter.Sender{ExternalID: "c9", Language: "en"}, Text: "hello"})
			require.NoError(t, err)
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"send:refused", "tag:done"}, outcomes(run))
			assert.Contains(t, run.Steps[0].Detail, "blank")
			msgs, err := f.eng.Messages(bg, ws, r.Conversation.ID)
			require.NoError(t, err)
			assert.Len(t, msgs, 1, "nothing was sent")
			assert.Equal(t, []string{"after"}, f.ticket(t, r.Conversation.Ticket).Tags)
		}},
		{"a snippet a workflow sends is not deleted", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "send", "snippet": "hi"}]}`)
			err := f.eng.DeleteSnippet(bg, contactcenter.SnippetDeletion{Workspace: ws, Shortcut: "hi", By: conversation.Host()})
			assert.True(t, errors.Is(err, contactcenter.ErrConflict), "%v", err)
			r := f.say(t, "c1", "hello")
			assertAutomatic(t, f, r, "Hi Contact")
		}},
		{"skipped on a closed conversation", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "conversation.closed"}, "steps": [{"do": "assign", "team": "billing"}, {"do": "send", "template": "thanks"}, {"do": "tag", "tag": "closed"}]}`)
			r := f.say(t, "c1", "hello")
			f.closeConv(t, r.Conversation.ID)
			run := f.onlyRun(t, "w")
			assert.Equal(t, contactcenter.RunDone, run.State)
			assert.Equal(t, []string{"assign:skipped", "send:skipped", "tag:done"}, outcomes(run))
			assert.Equal(t, "the conversation is closed", run.Steps[0].Detail)
			assert.Equal(t, conversation.TeamID(""), f.conversation(t, r.Conversation.ID).Team)
		}},
		{"skipped without a conversation", false, nil, func(t *testing.T, f *wfFixture) {
			f.publish(t, `{"name": "w", "trigger": {"on": "agent.presence_changed"}, "steps": [{"do": "tag", "tag": "x"}, {"do": "notify", "name": "away"}]}`)
			f.presence(t, "bruno", conversation.Away)
			run := f.onlyRun(t, "w")
			assert.Equal(t, []string{"tag:skipped", "notify:done"}, outcomes(run))
			assert.Len(t, f.notified(t, "away"), 1)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.all {
				tc.run(t, newWFFixture(t, memory.New(), tc.opts...))
				return
			}
			eachBotStore(t, func(t *testing.T, s store.Store) {
				tc.run(t, newWFFixture(t, s, tc.opts...))
			})
		})
	}
}

// assertAutomatic checks that conversation r's last message is an
// automatic one with text, stored and sent through the transport.
func assertAutomatic(t *testing.T, f *wfFixture, r contactcenter.Received, text string) {
	t.Helper()
	msgs, err := f.eng.Messages(bg, ws, r.Conversation.ID)
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	m := msgs[1]
	assert.Equal(t, text, m.Text)
	assert.Equal(t, conversation.ToContact, m.Direction)
	assert.Equal(t, conversation.AuthorSystem, m.Author.Kind)
	require.Eventually(t, func() bool {
		for _, o := range f.tr.Sent() {
			if o.Text == text && o.To == "c1" && o.Key == string(m.ID) {
				return true
			}
		}
		return false
	}, 10*time.Second, 2*time.Millisecond, "sent through the channel")
}

// waitRun waits until the run of workflow name on conversation id ended,
// and returns it.
func (f *wfFixture) waitRun(t *testing.T, name string, id conversation.ID) contactcenter.WorkflowRun {
	t.Helper()
	var run contactcenter.WorkflowRun
	require.Eventually(t, func() bool {
		runs := f.runs(t, id, name)
		if len(runs) != 1 || !runs[0].Ended() {
			return false
		}
		run = runs[0]
		return true
	}, 10*time.Second, 2*time.Millisecond)
	assert.Equal(t, contactcenter.RunDone, run.State)
	return run
}

// waitAttempts waits until the one run of workflow name counts n failed
// attempts of its step.
func (f *wfFixture) waitAttempts(t *testing.T, name string, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		runs := f.runs(t, "", name)
		return len(runs) == 1 && runs[0].Attempts == n && len(f.calls.seen()) == n
	}, 10*time.Second, 2*time.Millisecond, "attempt %d", n)
}

// Disabling a workflow stops new runs while a waiting run finishes;
// enabling it again starts runs again. Workflows, Workflow and
// WorkflowVersion return what was published (R16).
func TestWorkflowEnabledAndPublished(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newWFFixture(t, s)
		js := `{"name": "later", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "wait", "for": "10m"}, {"do": "tag", "tag": "later"}]}`
		info := f.publish(t, js)
		want, err := workflow.Decode([]byte(js))
		require.NoError(t, err)
		assert.Equal(t, want, info.Definition)

		waiting := f.say(t, "c1", "hello")
		require.Len(t, f.runs(t, waiting.Conversation.ID, "later"), 1)

		off, err := f.eng.SetWorkflowEnabled(bg, contactcenter.WorkflowSwitch{Workspace: ws, Name: "later", Enabled: false, By: conversation.Host()})
		require.NoError(t, err)
		assert.False(t, off.Enabled)
		assert.Equal(t, 1, off.Version)
		got, err := f.eng.Workflow(bg, ws, "later")
		require.NoError(t, err)
		assert.False(t, got.Enabled)

		r2 := f.say(t, "c2", "hello")
		assert.Empty(t, f.runs(t, r2.Conversation.ID, ""), "no new run while disabled")
		f.fire(t, 10*time.Minute)
		runs := f.runs(t, waiting.Conversation.ID, "later")
		require.Len(t, runs, 1)
		assert.Equal(t, contactcenter.RunDone, runs[0].State, "a waiting run still finishes")
		assert.Equal(t, []string{"later"}, f.ticket(t, waiting.Conversation.Ticket).Tags)

		on, err := f.eng.SetWorkflowEnabled(bg, contactcenter.WorkflowSwitch{Workspace: ws, Name: "later", Enabled: true, By: conversation.Host()})
		require.NoError(t, err)
		assert.True(t, on.Enabled)
		r3 := f.say(t, "c3", "hello")
		assert.Len(t, f.runs(t, r3.Conversation.ID, "later"), 1, "runs again")

		// What was published.
		info2 := f.publish(t, billingWorkflow)
		wfs, err := f.eng.Workflows(bg, ws)
		require.NoError(t, err)
		byName := map[string]contactcenter.WorkflowInfo{}
		for _, w := range wfs {
			byName[w.Name] = w
		}
		require.Len(t, byName, 2)
		assert.Equal(t, want, byName["later"].Definition)
		assert.True(t, byName["later"].Enabled)
		assert.Equal(t, info2.Definition, byName["billing"].Definition)
		one, err := f.eng.Workflow(bg, ws, "billing")
		require.NoError(t, err)
		assert.Equal(t, info2, one)
		v1, err := f.eng.WorkflowVersion(bg, ws, "later", 1)
		require.NoError(t, err)
		assert.Equal(t, want, v1)

		_, err = f.eng.Workflow(bg, ws, "nobody")
		assert.True(t, errors.Is(err, contactcenter.ErrNotFound), "%v", err)
		_, err = f.eng.WorkflowVersion(bg, ws, "later", 2)
		assert.True(t, errors.Is(err, contactcenter.ErrNotFound), "%v", err)
		_, err = f.eng.WorkflowVersion(bg, ws, "nobody", 1)
		assert.True(t, errors.Is(err, contactcenter.ErrNotFound), "%v", err)
		_, err = f.eng.SetWorkflowEnabled(bg, contactcenter.WorkflowSwitch{Workspace: ws, Name: "nobody", Enabled: true, By: conversation.Host()})
		assert.True(t, errors.Is(err, contactcenter.ErrNotFound), "%v", err)
	})
}

// The clock of queue.waiting fires once for a wait on every store, with
// a clock that reads nanoseconds the stores may not keep (R16).
func TestWorkflowWaitingClockOnEveryStore(t *testing.T) {
	eachBotStore(t, func(t *testing.T, s store.Store) {
		f := newWFFixture(t, s)
		f.publish(t, notifyWorkflow("w", `{"on": "queue.waiting", "after": "10m"}`))
		f.clock.Advance(1234567 * time.Nanosecond)
		r := f.say(t, "c1", "hello")
		f.fire(t, 10*time.Minute)
		f.expectRuns(t, "w", 1)
		f.say(t, "c1", "again")
		f.tag(t, r.Conversation.Ticket, "x")
		f.fire(t, time.Hour)
		f.expectRuns(t, "w", 1)
		f.closeConv(t, r.Conversation.ID)
		var timers int
		require.NoError(t, f.store.View(bg, func(tx store.Tx) error {
			_, err := tx.Timer(bg, "workflow.clock", ws, string(r.Conversation.ID)+"/w")
			if !errors.Is(err, store.ErrNotFound) {
				timers++
			}
			return nil
		}))
		assert.Zero(t, timers, "a close stops the clock that fired")
	})
}

// A conversation that /new closes (R6) loses its clocks, the one that
// fired too; the conversation it opens starts its own (R16).
func TestWorkflowClockOfAConversationMovedFrom(t *testing.T) {
	f := newWFFixture(t, memory.New(), func(_ *contactcenter.Config, s *channel.Settings) {
		s.Commands = channel.Commands{Enabled: true}
	})
	f.publish(t, notifyWorkflow("w", `{"on": "queue.waiting", "after": "10m"}`))
	old := f.say(t, "c1", "hello")
	f.fire(t, 10*time.Minute)
	f.expectRuns(t, "w", 1)
	moved := f.say(t, "c1", "/new another problem")
	require.NotEqual(t, old.Conversation.ID, moved.Conversation.ID)
	assert.Equal(t, conversation.Closed, f.conversation(t, old.Conversation.ID).State)
	clock := func(id conversation.ID) error {
		return f.store.View(bg, func(tx store.Tx) error {
			_, err := tx.Timer(bg, "workflow.clock", ws, string(id)+"/w")
			return err
		})
	}
	assert.True(t, errors.Is(clock(old.Conversation.ID), store.ErrNotFound), "the closed conversation's clock is gone")
	require.NoError(t, clock(moved.Conversation.ID))
	f.fire(t, 10*time.Minute)
	runs := f.expectRuns(t, "w", 2)
	assert.Equal(t, moved.Conversation.ID, runs[0].Conversation)
}

// claimHook is a store that runs hook once, right after a claim of
// timers returned some.
type claimHook struct {
	store.Store
	hook func()
}

func (s *claimHook) ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.ClaimedTimer, error) {
	ts, err := s.Store.ClaimTimers(ctx, now, lease, limit)
	if len(ts) > 0 && s.hook != nil {
		h := s.hook
		s.hook = nil
		h()
	}
	return ts, err
}

// A clock claimed when it fell due, and stopped before it was acted on
// (an agent replied meanwhile), starts no run (R16).
func TestWorkflowClockStoppedAfterItsClaim(t *testing.T) {
	hs := &claimHook{Store: memory.New()}
	f := newWFFixture(t, hs)
	f.publish(t, notifyWorkflow("w", `{"on": "no_reply.agent", "after": "10m"}`))
	r := f.say(t, "c1", "hello")
	hs.hook = func() { f.reply(t, r.Conversation.ID, "ana", "here I am") }
	f.fire(t, 10*time.Minute)
	assert.Nil(t, hs.hook, "the hook ran")
	f.expectRuns(t, "w", 0)
	f.fire(t, time.Hour)
	f.expectRuns(t, "w", 0)
}
