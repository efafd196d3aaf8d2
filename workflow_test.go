package contactcenter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/hours"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/workflow"
)

// wfFixture is an engine with workflows (R16): channel "tg" with manual
// assignment, agents ana and bruno, teams billing and sales, templates
// "again" and "thanks", snippet "hi", service hours "office" (Monday to
// Friday 9:00–17:00 UTC) and the host step "crm".
type wfFixture struct {
	eng   *contactcenter.Engine
	store store.Store
	tr    *channel.MemoryTransport
	clock *clock
	book  *eventLog
	calls *hostCalls
	// runsBefore is, for the tests of conditions, the runs there were
	// before the event under test.
	runsBefore int
}

// hostCalls records the calls of the host step "crm", and fails the
// first fail of them.
type hostCalls struct {
	mu    sync.Mutex
	calls []contactcenter.WorkflowCall
	fail  int
}

func (h *hostCalls) step(_ context.Context, c contactcenter.WorkflowCall) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, c)
	if h.fail > 0 {
		h.fail--
		return errors.New("the CRM is down")
	}
	return nil
}

func (h *hostCalls) seen() []contactcenter.WorkflowCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]contactcenter.WorkflowCall(nil), h.calls...)
}

type wfOption func(*contactcenter.Config, *channel.Settings)

func newWFFixture(t *testing.T, s store.Store, opts ...wfOption) *wfFixture {
	t.Helper()
	f := &wfFixture{store: s, tr: channel.NewMemoryTransport(fullCaps), clock: &clock{now: t0}, book: &eventLog{}, calls: &hostCalls{}}
	cfg := contactcenter.Config{
		Store: s, Now: f.clock.Now, NewID: contactcenter.SequentialIDs("id"), Publish: f.book.publish,
		RetryBackoff:  func(int) time.Duration { return time.Millisecond },
		WorkflowSteps: map[string]contactcenter.WorkflowStep{"crm": f.calls.step},
		Logger:        testLogger(t),
	}
	var set channel.Settings
	for _, o := range opts {
		o(&cfg, &set)
	}
	var err error
	f.eng, err = contactcenter.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.eng.Close() })
	for name, text := range map[string]string{"again": "We are closed; we answer from 9:00.", "thanks": "Thanks {{contact.first_name}}!"} {
		tm, err := template.New(name, template.Variant{Language: "en", Text: text})
		require.NoError(t, err)
		require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: tm, By: conversation.Host()}))
	}
	hi, err := template.New("hi", template.Variant{Language: "en", Text: "Hi {{contact.first_name}}"})
	require.NoError(t, err)
	require.NoError(t, f.eng.PutSnippet(bg, contactcenter.SnippetChange{Workspace: ws, Snippet: template.Snippet{Shortcut: "hi", Template: hi}, By: conversation.Host()}))
	week := hours.Week{}
	for d := time.Monday; d <= time.Friday; d++ {
		week[d] = []hours.Interval{{Start: hours.At(9, 0), End: hours.At(17, 0)}}
	}
	require.NoError(t, f.eng.PutServiceHours(bg, contactcenter.ServiceHoursChange{Workspace: ws, Service: "office", Hours: hours.Schedule{Zone: "UTC", Weekly: week}, By: conversation.Host()}))
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: set}, Transport: f.tr, By: conversation.Host()}))
	for _, a := range []conversation.Agent{
		{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online, Teams: []conversation.TeamID{"billing"}},
		{ID: "bruno", Workspace: ws, Name: "Bruno", Presence: conversation.Online},
	} {
		_, err := f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: a, By: conversation.Host()})
		require.NoError(t, err)
	}
	for _, team := range []conversation.TeamID{"billing", "sales"} {
		require.NoError(t, f.eng.PutTeam(bg, contactcenter.TeamChange{Team: conversation.Team{ID: team, Workspace: ws, Name: string(team)}, By: conversation.Host()}))
	}
	return f
}

// publish publishes definition d, given as JSON.
func (f *wfFixture) publish(t *testing.T, js string) contactcenter.WorkflowInfo {
	t.Helper()
	d, err := workflow.Decode([]byte(js))
	require.NoError(t, err)
	info, err := f.eng.PublishWorkflow(bg, contactcenter.WorkflowPublishing{Workspace: ws, Definition: d, By: conversation.Host()})
	require.NoError(t, err)
	return info
}

// write delivers a contact's text message.
func (f *wfFixture) write(t *testing.T, contact, ext, text string) contactcenter.Received {
	t.Helper()
	r, err := f.eng.Receive(bg, contactcenter.Inbound{
		Workspace: ws, Channel: "tg", ExternalID: ext,
		From: contactcenter.Sender{ExternalID: contact, Name: "Contact " + contact, Language: "en"},
		Text: text,
	})
	require.NoError(t, err)
	return r
}

// runs returns the runs of a conversation ("" any), newest first.
func (f *wfFixture) runs(t *testing.T, conv conversation.ID, workflowName string) []contactcenter.WorkflowRun {
	t.Helper()
	var out []contactcenter.WorkflowRun
	flt := store.RunFilter{Conversation: conv, Workflow: workflowName, Limit: store.MaxRunPage}
	for {
		page, next, err := f.eng.WorkflowRuns(bg, ws, flt)
		require.NoError(t, err)
		out = append(out, page...)
		if next == "" {
			return out
		}
		flt.After = next
	}
}

// fire advances the clock by d and fires the timers due.
func (f *wfFixture) fire(t *testing.T, d time.Duration) {
	t.Helper()
	f.clock.Advance(d)
	_, err := f.eng.FireTimers(bg)
	require.NoError(t, err)
	require.NoError(t, f.eng.PublishPending(bg))
}

// outcomes returns the steps of run r as "do:outcome".
func outcomes(r contactcenter.WorkflowRun) []string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, string(s.Do)+":"+string(s.Outcome))
	}
	return out
}

const billingWorkflow = `{
  "name": "billing",
  "trigger": {"on": "message.received"},
  "if": {"field": "message.text", "op": "contains", "value": "factura"},
  "steps": [
    {"do": "assign", "team": "billing"},
    {"do": "set_priority", "priority": "high"}
  ]
}`

// A message that mentions "factura" goes to team billing at high
// priority, in the transaction after the message's; the run and its
// steps are in the history of the conversation and of the workflow (R16).
func TestWorkflowRoutesAMessage(t *testing.T) {
	eachBotStore(t, func(t *testing.T, s store.Store) {
		f := newWFFixture(t, s)
		info := f.publish(t, billingWorkflow)
		assert.Equal(t, 1, info.Version)
		assert.True(t, info.Enabled)

		r := f.write(t, "c1", "u1", "Hola, mi FÁCTURA de marzo está mal")
		c := f.conversation(t, r.Conversation.ID)
		assert.Equal(t, conversation.TeamID("billing"), c.Team)
		tk, err := f.eng.Ticket(bg, ws, c.Ticket)
		require.NoError(t, err)
		assert.Equal(t, "high", tk.Priority.String())

		runs := f.runs(t, r.Conversation.ID, "")
		require.Len(t, runs, 1)
		run := runs[0]
		assert.Equal(t, contactcenter.RunDone, run.State)
		assert.Equal(t, "billing", run.Workflow)
		assert.Equal(t, 1, run.Version)
		assert.Equal(t, []string{"assign:done", "set_priority:done"}, outcomes(run))
		require.Len(t, run.Conditions, 1)
		assert.True(t, run.Conditions[0].Held)
		assert.Empty(t, run.Conditions[0].Got, "the history keeps no contact's data")
		assert.Equal(t, conversation.EventMessageReceived, run.Trigger.Type)

		// The events of the run carry it as their cause.
		require.NoError(t, f.eng.PublishPending(bg))
		var byRun int
		for _, ev := range f.book.unique() {
			if ev.Cause.Kind == conversation.CauseWorkflow {
				assert.Equal(t, "billing", ev.Cause.Name)
				assert.Equal(t, run.ID, ev.Cause.ID)
				assert.Equal(t, conversation.ActorWorkflow, ev.Actor.Kind)
				byRun++
			}
		}
		assert.Equal(t, 2, byRun, "conversation.transferred and ticket.priority_changed")

		// A message without the word starts no run.
		r2 := f.write(t, "c2", "u2", "hello")
		assert.Empty(t, f.runs(t, r2.Conversation.ID, ""))
		assert.Equal(t, conversation.TeamID(""), f.conversation(t, r2.Conversation.ID).Team)
		assert.Len(t, f.runs(t, "", "billing"), 1)
	})
}

func (f *wfFixture) conversation(t *testing.T, id conversation.ID) conversation.Conversation {
	t.Helper()
	c, err := f.eng.Conversation(bg, ws, id)
	require.NoError(t, err)
	return c
}

// A workflow whose step would trigger it again (tag added → tag) runs
// once: its own run's event is recorded as a skip (R16).
func TestWorkflowDoesNotTriggerItself(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newWFFixture(t, s)
		f.publish(t, `{"name": "echo", "trigger": {"on": "tag.added"}, "steps": [{"do": "tag", "tag": "seen"}]}`)
		r := f.write(t, "c1", "u1", "hello")
		_, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: r.Conversation.Ticket, Tag: "vip", By: conversation.Host()})
		require.NoError(t, err)
		runs := f.runs(t, r.Conversation.ID, "echo")
		require.Len(t, runs, 2)
		assert.Equal(t, contactcenter.RunSkipped, runs[0].State)
		assert.Contains(t, runs[0].Reason, "of a run of this workflow")
		assert.Equal(t, contactcenter.RunDone, runs[1].State)
		assert.Equal(t, []string{"tag:done"}, outcomes(runs[1]))
		tk, err := f.eng.Ticket(bg, ws, r.Conversation.Ticket)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"vip", "seen"}, tk.Tags)
	})
}

// Two workflows that trigger each other stop at MaxWorkflowDepth, with
// the run that would have gone deeper recorded as skipped (R16).
func TestWorkflowsThatTriggerEachOtherStop(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newWFFixture(t, s)
		f.publish(t, `{"name": "ping", "trigger": {"on": "tag.added", "tag": "ping"}, "steps": [{"do": "untag", "tag": "pong"}, {"do": "tag", "tag": "pong"}]}`)
		f.publish(t, `{"name": "pong", "trigger": {"on": "tag.added", "tag": "pong"}, "steps": [{"do": "untag", "tag": "ping"}, {"do": "tag", "tag": "ping"}]}`)
		r := f.write(t, "c1", "u1", "hello")
		_, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: r.Conversation.Ticket, Tag: "ping", By: conversation.Host()})
		require.NoError(t, err)
		runs := f.runs(t, r.Conversation.ID, "")
		var done, skipped int
		for _, run := range runs {
			switch run.State {
			case contactcenter.RunDone:
				done++
			case contactcenter.RunSkipped:
				skipped++
				assert.Contains(t, run.Reason, "deep")
			default:
				t.Errorf("run %s is %s", run.ID, run.State)
			}
		}
		assert.Equal(t, contactcenter.MaxWorkflowDepth, done)
		assert.Equal(t, 1, skipped)
		assert.Equal(t, contactcenter.RunSkipped, runs[0].State, "the newest run is the skip")
	})
}

// "Wait 10 minutes, then assign to team sales": the wait is a timer; a
// close during the wait cancels it (R16).
func TestWorkflowWaitThenAssign(t *testing.T) {
	eachBotStore(t, func(t *testing.T, s store.Store) {
		f := newWFFixture(t, s)
		f.publish(t, `{"name": "later", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "wait", "for": "10m"}, {"do": "assign", "team": "sales"}]}`)
		r := f.write(t, "c1", "u1", "hello")
		runs := f.runs(t, r.Conversation.ID, "")
		require.Len(t, runs, 1)
		assert.Equal(t, contactcenter.RunWaiting, runs[0].State)
		f.fire(t, 9*time.Minute)
		assert.Equal(t, conversation.TeamID(""), f.conversation(t, r.Conversation.ID).Team)
		f.fire(t, time.Minute)
		assert.Equal(t, conversation.TeamID("sales"), f.conversation(t, r.Conversation.ID).Team)
		run, err := f.eng.WorkflowRun(bg, ws, runs[0].ID)
		require.NoError(t, err)
		assert.Equal(t, contactcenter.RunDone, run.State)
		assert.Equal(t, []string{"wait:waiting", "wait:resumed", "assign:done"}, outcomes(run))

		// A close during the wait cancels it.
		r2 := f.write(t, "c2", "u2", "hello")
		_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: r2.Conversation.ID, By: conversation.Host()})
		require.NoError(t, err)
		runs = f.runs(t, r2.Conversation.ID, "")
		require.Len(t, runs, 1)
		assert.Equal(t, contactcenter.RunCancelled, runs[0].State)
		f.fire(t, time.Hour)
		assert.Equal(t, conversation.TeamID(""), f.conversation(t, r2.Conversation.ID).Team)
		run, err = f.eng.WorkflowRun(bg, ws, runs[0].ID)
		require.NoError(t, err)
		assert.Equal(t, []string{"wait:waiting", "wait:cancelled"}, outcomes(run))
	})
}

// A new version takes new runs while the runs that wait finish on the
// version they started on (R16).
func TestWorkflowVersionChangeWhileRunsWait(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newWFFixture(t, s)
		const waiting = 100
		f.publish(t, `{"name": "route", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "wait", "for": "10m"}, {"do": "assign", "team": "billing"}]}`)
		var old []conversation.ID
		for i := range waiting {
			r := f.write(t, "old"+strconv.Itoa(i), "o"+strconv.Itoa(i), "hello")
			old = append(old, r.Conversation.ID)
		}
		info := f.publish(t, `{"name": "route", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "wait", "for": "10m"}, {"do": "assign", "team": "sales"}]}`)
		assert.Equal(t, 2, info.Version)
		fresh := f.write(t, "new", "n1", "hello")
		f.fire(t, 10*time.Minute)
		for _, id := range old {
			assert.Equal(t, conversation.TeamID("billing"), f.conversation(t, id).Team, "an old run finishes on version 1")
		}
		assert.Equal(t, conversation.TeamID("sales"), f.conversation(t, fresh.Conversation.ID).Team, "a new run starts on version 2")
		var v1, v2 int
		for _, run := range f.runs(t, "", "route") {
			assert.Equal(t, contactcenter.RunDone, run.State)
			switch run.Version {
			case 1:
				v1++
			case 2:
				v2++
			}
		}
		assert.Equal(t, waiting, v1)
		assert.Equal(t, 1, v2)
		d, err := f.eng.WorkflowVersion(bg, ws, "route", 1)
		require.NoError(t, err)
		assert.Equal(t, "billing", d.Steps[1].Team, "a published version stays as it was")
	})
}

// A dry run of five workflows against an event returns each one's trace
// and steps, and changes no row of the store (R16).
func TestWorkflowDryRunChangesNothing(t *testing.T) {
	eachBotStore(t, func(t *testing.T, s store.Store) {
		f := newWFFixture(t, s)
		r := f.write(t, "c1", "u1", "my factura please")
		f.publish(t, billingWorkflow)
		f.publish(t, `{"name": "vip", "trigger": {"on": "message.received"}, "if": {"field": "ticket.tags", "op": "contains", "value": "vip"}, "steps": [{"do": "assign", "agent": "ana"}]}`)
		f.publish(t, `{"name": "closed", "trigger": {"on": "conversation.closed"}, "steps": [{"do": "send", "template": "thanks"}]}`)
		f.publish(t, `{"name": "greet", "trigger": {"on": "message.received"}, "if": {"all": [{"field": "conversation.first", "op": "eq", "value": "true"}, {"field": "contact.language", "op": "eq", "value": "en"}]}, "steps": [{"do": "send", "snippet": "hi"}, {"do": "wait", "for": "5m"}, {"do": "tag", "tag": "greeted"}]}`)
		f.publish(t, `{"name": "branchy", "trigger": {"on": "message.received"}, "steps": [{"do": "branch", "if": {"field": "message.text", "op": "matches", "value": "(?i)please"}, "then": "polite"}, {"do": "tag", "tag": "rude"}, {"id": "polite", "do": "tag", "tag": "polite"}]}`)
		require.NoError(t, f.eng.PublishPending(bg))

		ev := f.receivedEvent(t, r)
		before := dumpState(t, f, r.Conversation.ID)
		res, err := f.eng.DryRun(bg, contactcenter.DryRun{Workspace: ws, Event: ev})
		require.NoError(t, err)
		assert.Equal(t, before, dumpState(t, f, r.Conversation.ID), "a dry run changes no row")

		got := map[string]contactcenter.DryRunWorkflow{}
		for _, w := range res.Workflows {
			got[w.Name] = w
		}
		require.Len(t, got, 5)
		assert.True(t, got["billing"].Started)
		require.Len(t, got["billing"].Conditions, 1)
		assert.True(t, got["billing"].Conditions[0].Held)
		assert.NotEmpty(t, got["billing"].Conditions[0].Got, "a dry run shows the values it compared")
		assert.Len(t, got["billing"].Steps, 2)
		assert.False(t, got["vip"].Started)
		assert.Equal(t, "the conditions do not hold", got["vip"].Skip)
		assert.False(t, got["closed"].Triggered)
		assert.True(t, got["greet"].Started)
		require.Len(t, got["greet"].Steps, 3)
		assert.True(t, got["greet"].Steps[2].AfterWait)
		assert.True(t, got["branchy"].Started)
		var tagged []string
		for _, st := range got["branchy"].Steps {
			if st.Do == workflow.Tag {
				tagged = append(tagged, st.What)
			}
		}
		assert.Equal(t, []string{"tag the ticket polite"}, tagged)
	})
}

// receivedEvent is the message.received event of conversation r's first
// message, as of now, for a dry run.
func (f *wfFixture) receivedEvent(t *testing.T, r contactcenter.Received) conversation.Event {
	t.Helper()
	msgs, err := f.eng.Messages(bg, ws, r.Conversation.ID)
	require.NoError(t, err)
	return conversation.Event{Type: conversation.EventMessageReceived, Workspace: ws, Conversation: r.Conversation.ID,
		Ticket: r.Conversation.Ticket, Message: msgs[0].ID, At: f.clock.Now()}
}

// dumpState returns what a test compares before and after a call that
// must change nothing: the conversation, its ticket, contact and
// messages, the runs, the workflows and the events still to publish.
func dumpState(t *testing.T, f *wfFixture, id conversation.ID) string {
	t.Helper()
	c := f.conversation(t, id)
	tk, err := f.eng.Ticket(bg, ws, c.Ticket)
	require.NoError(t, err)
	k, err := f.eng.Contact(bg, ws, c.Contact)
	require.NoError(t, err)
	msgs, err := f.eng.Messages(bg, ws, id)
	require.NoError(t, err)
	wfs, err := f.eng.Workflows(bg, ws)
	require.NoError(t, err)
	var timers []string
	require.NoError(t, f.store.View(bg, func(tx store.Tx) error {
		for _, run := range f.runs(t, "", "") {
			tm, err := tx.Timer(bg, "workflow.run", ws, run.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			timers = append(timers, run.ID+"@"+tm.Due.String())
		}
		return nil
	}))
	var pending int
	_, err = f.store.DrainEvents(bg, 1000, func(_ context.Context, evs []conversation.Event) (int, error) {
		pending = len(evs)
		return 0, nil
	})
	require.NoError(t, err)
	b, err := json.Marshal(map[string]any{"c": c, "t": tk, "k": k, "m": msgs, "runs": f.runs(t, "", ""), "wf": wfs, "pending": pending, "timers": timers})
	require.NoError(t, err)
	return string(b)
}

// Invalid definitions are refused with a typed error that gives each
// problem's position; nothing is stored.
func TestWorkflowInvalidDefinitionRefused(t *testing.T) {
	f := newWFFixture(t, memory.New())
	d := workflow.Definition{Name: "bad", Trigger: workflow.Trigger{On: "message.received"}, Steps: []workflow.Step{
		{Do: workflow.Assign, Team: "nobody"},
		{Do: workflow.Send, Template: "missing"},
	}}
	_, err := f.eng.PublishWorkflow(bg, contactcenter.WorkflowPublishing{Workspace: ws, Definition: d, By: conversation.Host()})
	require.Error(t, err)
	assert.True(t, errors.Is(err, contactcenter.ErrInvalid))
	assert.True(t, errors.Is(err, workflow.ErrInvalid))
	var we *workflow.Error
	require.True(t, errors.As(err, &we))
	var paths []string
	for _, p := range we.Problems {
		paths = append(paths, p.Path)
	}
	assert.Equal(t, []string{"steps[0].team", "steps[1].template"}, paths)
	wfs, err := f.eng.Workflows(bg, ws)
	require.NoError(t, err)
	assert.Empty(t, wfs)

	// A contact may not publish.
	_, err = f.eng.PublishWorkflow(bg, contactcenter.WorkflowPublishing{Workspace: ws, Definition: d, By: conversation.AsContact("k1")})
	assert.True(t, errors.Is(err, contactcenter.ErrForbidden))
}

// A host's step acts with the run's cause: a tag it adds through the
// engine does not start its workflow again (R16), and a step a jump comes
// back to gets a new idempotency key each time.
func TestWorkflowHostStepActsAsTheRun(t *testing.T) {
	var f *wfFixture
	var keys []string
	f = newWFFixture(t, memory.New(), func(cfg *contactcenter.Config, _ *channel.Settings) {
		cfg.WorkflowSteps["tagger"] = func(ctx context.Context, c contactcenter.WorkflowCall) error {
			keys = append(keys, c.Key)
			cause, ok := contactcenter.CauseOf(ctx)
			if !ok || cause.ID != c.Run {
				return errors.New("the host step's context does not carry its run")
			}
			_, err := f.eng.TagTicket(ctx, contactcenter.Tagging{Workspace: ws, Ticket: c.Ticket, Tag: "synced-" + strconv.Itoa(len(keys)), By: conversation.Host()})
			return err
		}
	})
	f.publish(t, `{"name": "sync", "trigger": {"on": "tag.added"}, "steps": [{"id": "call", "do": "call", "name": "tagger"}, {"do": "jump", "to": "call", "max": 1}]}`)
	r := f.write(t, "c1", "u1", "hello")
	_, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: r.Conversation.Ticket, Tag: "vip", By: conversation.Host()})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		runs := f.runs(t, r.Conversation.ID, "sync")
		return len(runs) > 0 && runs[len(runs)-1].State == contactcenter.RunDone
	}, 10*time.Second, 5*time.Millisecond)
	var done, skipped int
	for _, run := range f.runs(t, r.Conversation.ID, "sync") {
		switch run.State {
		case contactcenter.RunDone:
			done++
		case contactcenter.RunSkipped:
			skipped++
		}
	}
	assert.Equal(t, 1, done, "the host's tags start no run of the workflow")
	assert.Equal(t, 2, skipped, "each is recorded as a skip")
	require.Len(t, keys, 2)
	assert.NotEqual(t, keys[0], keys[1], "the second visit of the step has its own key")
}

// A wait for a change of the contact's fields, an event about the contact
// alone, ends when the field of the conversation's contact changes.
func TestWorkflowWaitForAFieldChange(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newWFFixture(t, s)
		f.publish(t, `{"name": "ask", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "wait", "until": "field.changed", "timeout": "1h"}, {"do": "tag", "tag": "answered"}]}`)
		r := f.write(t, "c1", "u1", "hello")
		require.Equal(t, contactcenter.RunWaiting, f.runs(t, r.Conversation.ID, "ask")[0].State)
		_, err := f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: r.Contact.ID, Key: "plan", Value: "gold", By: conversation.Host()})
		require.NoError(t, err)
		run := f.runs(t, r.Conversation.ID, "ask")[0]
		assert.Equal(t, contactcenter.RunDone, run.State)
		assert.Equal(t, []string{"wait:waiting", "wait:resumed", "tag:done"}, outcomes(run))
	})
}

// A dry run tries drafts as PublishWorkflow checks them (an invalid one
// fails with its problems), at the time it is given, says which events a
// workflow would skip for their cause, matches a time-based trigger's
// event, and describes each step; it changes nothing (R16).
func TestWorkflowDryRunDraftsAndSkips(t *testing.T) {
	f := newWFFixture(t, memory.New())
	r := f.write(t, "c1", "u1", "my factura please")
	f.publish(t, `{"name": "waited", "trigger": {"on": "queue.waiting", "after": "10m"}, "steps": [{"do": "notify", "name": "waited"}]}`)
	require.NoError(t, f.eng.PublishPending(bg))
	ev := f.receivedEvent(t, r)
	before := dumpState(t, f, r.Conversation.ID)

	// Drafts: every step kind described, version 0.
	draft := workflow.Definition{Name: "draft", Trigger: workflow.Trigger{On: workflow.OnMessageReceived}, Steps: []workflow.Step{
		{Do: workflow.Assign, Team: "billing", Strategy: "least_busy"},
		{Do: workflow.Assign, Agent: "ana"},
		{Do: workflow.Assign, Team: "sales"},
		{Do: workflow.Unassign},
		{Do: workflow.Send, Template: "thanks"},
		{Do: workflow.Send, Snippet: "hi"},
		{Do: workflow.Tag, Tag: "a"},
		{Do: workflow.Untag, Tag: "a"},
		{Do: workflow.SetField, Field: "plan", Value: "gold"},
		{Do: workflow.UnsetField, Field: "plan"},
		{Do: workflow.SetPriority, Priority: "high"},
		{Do: workflow.Notify, Name: "seen"},
		{Do: workflow.Call, Name: "crm"},
		{Do: workflow.Wait, Until: workflow.OnMessageReceived, Timeout: workflow.Duration(time.Hour)},
		{Do: workflow.Wait, For: workflow.Duration(5 * time.Minute)},
		{Do: workflow.Close},
	}}
	res, err := f.eng.DryRun(bg, contactcenter.DryRun{Workspace: ws, Event: ev, Definitions: []workflow.Definition{draft}})
	require.NoError(t, err)
	require.Len(t, res.Workflows, 1)
	w := res.Workflows[0]
	assert.Equal(t, "draft", w.Name)
	assert.Zero(t, w.Version)
	assert.True(t, w.Started)
	var what []string
	for _, st := range w.Steps {
		what = append(what, st.What)
	}
	assert.Equal(t, []string{
		"assign to an agent of team billing by least_busy", "assign to agent ana", "move to the queue of team sales",
		"return to the queue", "send template thanks", "send snippet hi", "tag the ticket a", "untag the ticket a",
		`set the contact's field plan to "gold"`, "unset the contact's field plan", "set the ticket's priority to high",
		"notify the host: seen", "call the host's step crm", "wait until message.received, at most 1h0m0s", "wait 5m0s",
		"close the conversation",
	}, what)
	assert.False(t, w.Steps[13].AfterWait)
	assert.True(t, w.Steps[14].AfterWait, "the steps after a wait say so")

	// An invalid draft: CodeInvalid, with its problems.
	bad := workflow.Definition{Name: "bad", Trigger: workflow.Trigger{On: workflow.OnMessageReceived}, Steps: []workflow.Step{{Do: workflow.Assign, Team: "nobody"}}}
	_, err = f.eng.DryRun(bg, contactcenter.DryRun{Workspace: ws, Event: ev, Definitions: []workflow.Definition{draft, bad}})
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err))
	var werr *workflow.Error
	require.ErrorAs(t, err, &werr)
	assert.Equal(t, workflow.ProblemUnknownTeam, werr.Problems[0].Kind)

	// The time of the test: waiting 10 minutes holds only at a later Now.
	waiting := workflow.Definition{Name: "long", Trigger: workflow.Trigger{On: workflow.OnMessageReceived},
		If: &workflow.Condition{Field: "conversation.waiting", Op: workflow.Gte, Value: "10m"}, Steps: []workflow.Step{{Do: workflow.Tag, Tag: "late"}}}
	res, err = f.eng.DryRun(bg, contactcenter.DryRun{Workspace: ws, Event: ev, Definitions: []workflow.Definition{waiting}})
	require.NoError(t, err)
	assert.False(t, res.Workflows[0].Started, "now it has waited less")
	res, err = f.eng.DryRun(bg, contactcenter.DryRun{Workspace: ws, Event: ev, Definitions: []workflow.Definition{waiting}, Now: f.clock.Now().Add(11 * time.Minute)})
	require.NoError(t, err)
	assert.True(t, res.Workflows[0].Started, "in 11 minutes it has waited 10")
	assert.Equal(t, "11m0s", res.Workflows[0].Conditions[0].Got)

	// Skips by cause.
	own := ev
	own.Cause = conversation.Cause{Kind: conversation.CauseWorkflow, Name: "draft", ID: "run1", Depth: 1}
	res, err = f.eng.DryRun(bg, contactcenter.DryRun{Workspace: ws, Event: own, Definitions: []workflow.Definition{draft}})
	require.NoError(t, err)
	assert.False(t, res.Workflows[0].Started)
	assert.Equal(t, "the event is of a run of this workflow (R16)", res.Workflows[0].Skip)
	deep := ev
	deep.Cause = conversation.Cause{Kind: conversation.CauseWorkflow, Name: "other", ID: "run2", Depth: contactcenter.MaxWorkflowDepth}
	res, err = f.eng.DryRun(bg, contactcenter.DryRun{Workspace: ws, Event: deep, Definitions: []workflow.Definition{draft}})
	require.NoError(t, err)
	assert.Contains(t, res.Workflows[0].Skip, "deep")

	// A time-based trigger matches the event of its kind, and only that.
	res, err = f.eng.DryRun(bg, contactcenter.DryRun{Workspace: ws, Event: ev})
	require.NoError(t, err)
	require.Len(t, res.Workflows, 1)
	assert.False(t, res.Workflows[0].Triggered)
	timed := conversation.Event{Type: conversation.EventType(workflow.OnWaiting), Workspace: ws, Conversation: r.Conversation.ID, At: f.clock.Now()}
	res, err = f.eng.DryRun(bg, contactcenter.DryRun{Workspace: ws, Event: timed})
	require.NoError(t, err)
	assert.Equal(t, "waited", res.Workflows[0].Name)
	assert.Equal(t, 1, res.Workflows[0].Version)
	assert.True(t, res.Workflows[0].Started)

	assert.Equal(t, before, dumpState(t, f, r.Conversation.ID), "dry runs change no row")
}

// Two engines on one store: a version published, a workflow disabled or
// enabled through one takes effect on the other's next event, although the
// other read the workspace's configuration a moment before (R16).
func TestWorkflowVersionsAcrossEngines(t *testing.T) {
	eachBotStore(t, func(t *testing.T, s store.Store) {
		f := newWFFixture(t, s)
		other, err := contactcenter.New(contactcenter.Config{Store: s, Now: f.clock.Now, NewID: contactcenter.SequentialIDs("b"),
			Transports: map[channel.Kind]channel.Transport{channel.KindTelegram: f.tr}})
		require.NoError(t, err)
		t.Cleanup(func() { _ = other.Close() })
		n := 0
		say := func() contactcenter.Received {
			n++
			r, err := other.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprintf("o%d", n),
				From: contactcenter.Sender{ExternalID: fmt.Sprintf("k%d", n), Name: "K", Language: "en"}, Text: "hello"})
			require.NoError(t, err)
			return r
		}
		tags := func(r contactcenter.Received) []string {
			tk, err := f.eng.Ticket(bg, ws, r.Conversation.Ticket)
			require.NoError(t, err)
			return tk.Tags
		}
		version := func(r contactcenter.Received) []int {
			var out []int
			for _, run := range f.runs(t, r.Conversation.ID, "w") {
				out = append(out, run.Version)
			}
			return out
		}
		assert.Empty(t, version(say()), "no workflow yet; the other engine holds the configuration")

		f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "tag", "tag": "v1"}]}`)
		r := say()
		assert.Equal(t, []int{1}, version(r))
		assert.Equal(t, []string{"v1"}, tags(r))

		f.publish(t, `{"name": "w", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "tag", "tag": "v2"}]}`)
		r = say()
		assert.Equal(t, []int{2}, version(r))
		assert.Equal(t, []string{"v2"}, tags(r))

		_, err = f.eng.SetWorkflowEnabled(bg, contactcenter.WorkflowSwitch{Workspace: ws, Name: "w", Enabled: false, By: conversation.Host()})
		require.NoError(t, err)
		r = say()
		assert.Empty(t, version(r), "disabled through the first engine")
		assert.Empty(t, tags(r))

		_, err = f.eng.SetWorkflowEnabled(bg, contactcenter.WorkflowSwitch{Workspace: ws, Name: "w", Enabled: true, By: conversation.Host()})
		require.NoError(t, err)
		r = say()
		assert.Equal(t, []int{2}, version(r))
		assert.Equal(t, []string{"v2"}, tags(r))
	})
}
