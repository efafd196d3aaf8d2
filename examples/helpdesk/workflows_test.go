package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/workflow"
)

// syncBuffer is a buffer the desk's logger writes to from its goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// workflowsEnv is the environment of configure in these tests.
func workflowsEnv(k string) string {
	return map[string]string{"TELEGRAM_TOKEN": token, "STAFF_CHAT_ID": "-1"}[k]
}

// The built-in billing workflow (R16): a customer's message that mentions
// "factura" goes to team billing, which the desk created, at high
// priority; a message without the word stays where it was.
func TestHelpDeskBillingWorkflow(t *testing.T) {
	w := newWorld(t)
	desk := w.start(t)
	ctx := context.Background()

	err := desk.d.store.View(ctx, func(tx store.Tx) error { _, err := tx.Team(ctx, workspace, billingTeam); return err })
	require.NoError(t, err, "the desk creates team billing for its workflow")

	w.lucia.Send(token, "Hola, la FACTURA de marzo tiene un error")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	// The staff group may see the copy before the run has taken its steps:
	// the message's events are published while the run goes on.
	id := conversationOf(t, desk, 1)
	var runs []contactcenter.WorkflowRun
	w.wait(t, "the run done", func() bool {
		runs, _, err = desk.d.eng.WorkflowRuns(ctx, workspace, store.RunFilter{Conversation: id})
		require.NoError(t, err)
		return len(runs) == 1 && runs[0].State == contactcenter.RunDone
	})
	assert.Equal(t, billingWorkflow, runs[0].Workflow)
	c, err := desk.d.eng.Conversation(ctx, workspace, id)
	require.NoError(t, err)
	assert.Equal(t, conversation.TeamID(billingTeam), c.Team)
	tk, err := desk.d.eng.Ticket(ctx, workspace, c.Ticket)
	require.NoError(t, err)
	assert.Equal(t, "high", tk.Priority.String())

	w.marta.Send(token, "Olá, meu pedido atrasou")
	w.wait(t, "Marta's copy", func() bool { return countText(w.inStaff(), "Olá, meu pedido atrasou") == 1 })
	m, err := desk.d.eng.Conversation(ctx, workspace, conversationOf(t, desk, 2))
	require.NoError(t, err)
	assert.Equal(t, conversation.TeamID(""), m.Team)
	mt, err := desk.d.eng.Ticket(ctx, workspace, m.Ticket)
	require.NoError(t, err)
	assert.Equal(t, "normal", mt.Priority.String())
}

// Starting again with the same workflows publishes no new version; a
// changed -workflows file publishes one. Without an out-of-hours message
// the desk does not publish out-of-hours-again, and logs why.
func TestHelpDeskWorkflowVersions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))

	cfg, err := configure([]string{"-messages", writeFile(t, messagesJSON)}, workflowsEnv, io.Discard)
	require.NoError(t, err)
	for range 2 {
		desk := w.startWith(t, Config{Messages: cfg.Messages, Logger: logger})
		infos, err := desk.d.eng.Workflows(ctx, workspace)
		require.NoError(t, err)
		require.Len(t, infos, 2)
		for _, info := range infos {
			assert.Equal(t, 1, info.Version, info.Name)
			assert.True(t, info.Enabled, info.Name)
		}
		oh, err := desk.d.eng.Workflow(ctx, workspace, outOfHoursWorkflow)
		require.NoError(t, err)
		require.Len(t, oh.Definition.Steps, 1)
		assert.Equal(t, "out_of_hours", oh.Definition.Steps[0].Template)
		desk.stop()
	}
	assert.Equal(t, 2, strings.Count(logs.String(), "workflow published"))
	assert.Equal(t, 2, strings.Count(logs.String(), "workflow unchanged"))

	// A desk without an out-of-hours message.
	other := newWorld(t)
	desk := other.startWith(t, Config{Logger: logger})
	_, err = desk.d.eng.Workflow(ctx, workspace, outOfHoursWorkflow)
	assert.Equal(t, contactcenter.CodeNotFound, contactcenter.ErrorCode(err))
	assert.Contains(t, logs.String(), "no out-of-hours message: the workflow out-of-hours-again is not published")
	desk.stop()

	// A file: the same file twice keeps version 1, a change makes version 2.
	file := writeFile(t, `[
  {"name": "billing", "trigger": {"on": "message.received"},
   "if": {"field": "message.text", "op": "contains", "value": "factura"},
   "steps": [{"do": "assign", "team": "billing"}, {"do": "set_priority", "priority": "high"}]},
  {"name": "vip", "trigger": {"on": "message.received"},
   "if": {"field": "message.text", "op": "contains", "value": "urgente"},
   "steps": [{"do": "assign", "team": "priority"}, {"do": "set_priority", "priority": "urgent"}]}
]`)
	third := newWorld(t)
	for range 2 {
		cfg, err := configure([]string{"-workflows", file}, workflowsEnv, io.Discard)
		require.NoError(t, err)
		desk := third.startWith(t, Config{Workflows: cfg.Workflows})
		for _, name := range []string{"billing", "vip"} {
			info, err := desk.d.eng.Workflow(ctx, workspace, name)
			require.NoError(t, err)
			assert.Equal(t, 1, info.Version, name)
		}
		desk.stop()
	}
	changed := writeFile(t, `[{"name": "vip", "trigger": {"on": "message.received"},
   "if": {"field": "message.text", "op": "contains", "value": "urgent"},
   "steps": [{"do": "set_priority", "priority": "urgent"}]}]`)
	cfg, err = configure([]string{"-workflows", changed}, workflowsEnv, io.Discard)
	require.NoError(t, err)
	desk = third.startWith(t, Config{Workflows: cfg.Workflows})
	info, err := desk.d.eng.Workflow(ctx, workspace, "vip")
	require.NoError(t, err)
	assert.Equal(t, 2, info.Version)
	assert.Equal(t, "urgent", info.Definition.If.Value)
	err = desk.d.store.View(ctx, func(tx store.Tx) error { _, err := tx.Team(ctx, workspace, "priority"); return err })
	assert.NoError(t, err, "the team a workflow of the file assigns to was created")
}

// An invalid -workflows file stops the desk at start, with the workflow,
// the problem and its line:column in the file.
func TestConfigureWorkflowsInvalid(t *testing.T) {
	for name, tc := range map[string]struct{ text, contains string }{
		"bad priority": {`[
  {"name": "billing", "trigger": {"on": "message.received"},
   "steps": [
     {"do": "assign", "team": "billing"},
     {"do": "set_priority", "priority": "higher"}
   ]}
]`, `workflow 1 ("billing"): 5:29: steps[1].priority: priority is "low", "normal", "high" or "urgent", not "higher"`},
		"second workflow": {`[
  {"name": "a", "trigger": {"on": "message.received"}, "steps": [{"do": "tag", "tag": "x"}]},
  {"name": "b", "trigger": {"on": "message.recieved"}, "steps": [{"do": "tag", "tag": "x"}]}
]`, `workflow 2 ("b"): 3:29: trigger.on: unknown trigger "message.recieved"`},
		"unknown field": {`[{"name": "a", "trigger": {"on": "message.received"},
  "steps": [{"do": "tag", "tga": "x"}]}]`, `2:27: steps[0].tga`},
		"not json":     {"[\n  {\"name\": \"a\",,}\n]", "2:16: invalid character ','"},
		"not an array": {`{"name": "a"}`, "1:1: the file is a JSON array of workflows"},
		"twice": {`[{"name": "a", "trigger": {"on": "message.received"}, "steps": [{"do": "tag", "tag": "x"}]},
 {"name": "a", "trigger": {"on": "message.received"}, "steps": [{"do": "tag", "tag": "y"}]}]`, `2:2: workflow "a" is defined twice`},
	} {
		_, err := configure([]string{"-workflows", writeFile(t, tc.text)}, workflowsEnv, io.Discard)
		require.Error(t, err, name)
		assert.ErrorContains(t, err, "-workflows", name)
		assert.ErrorContains(t, err, tc.contains, name)
	}
	_, err := configure([]string{"-workflows", writeFile(t, "[]x")}, workflowsEnv, io.Discard)
	assert.ErrorContains(t, err, "1:3: text after the array")
	_, err = configure([]string{"-workflows", writeFile(t, "[{\"name\": \"a\"")}, workflowsEnv, io.Discard)
	assert.ErrorContains(t, err, "1:14: the JSON ends too soon")
}

// A -workflows file that names what the workspace lacks (a template: the
// desk has no out-of-hours message) passes configure and stops Open, with
// the problem at its line:column; nothing of it is published.
func TestOpenWorkflowsUnknownTemplate(t *testing.T) {
	w := newWorld(t)
	file := writeFile(t, `[
  {"name": "again", "trigger": {"on": "queue.waiting", "after": "10m"},
   "steps": [{"do": "send", "template": "out_of_hours"}]}
]`)
	cfg, err := configure([]string{"-workflows", file}, workflowsEnv, io.Discard)
	require.NoError(t, err)
	_, err = Open(context.Background(), Config{Token: token, StaffChat: staff, DB: w.db, APIURL: w.srv.URL(), Workflows: cfg.Workflows})
	require.Error(t, err)
	assert.ErrorContains(t, err, `workflow 1 ("again"): 3:29: steps[0].template: unknown template "out_of_hours"`)
	var we *workflow.Error
	assert.False(t, errors.As(err, &we), "the problems are in the message, at their place in the file")

	// The desk opens once the file is right.
	cfg, err = configure([]string{"-workflows", writeFile(t, `[{"name": "again", "trigger": {"on": "queue.waiting", "after": "10m"}, "steps": [{"do": "tag", "tag": "waited"}]}]`)}, workflowsEnv, io.Discard)
	require.NoError(t, err)
	desk := w.startWith(t, Config{Workflows: cfg.Workflows})
	infos, err := desk.d.eng.Workflows(context.Background(), workspace)
	require.NoError(t, err)
	require.Len(t, infos, 1)
	assert.Equal(t, "again", infos[0].Name)
}

// The built-in out-of-hours-again workflow (R16, R4): a conversation that
// has waited 10 minutes while the business hours are closed gets the
// out-of-hours message again.
func TestHelpDeskOutOfHoursAgain(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC) // Monday 21:00 in Madrid: closed
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	cfg, err := configure([]string{"-messages", writeFile(t, messagesJSON)}, workflowsEnv, io.Discard)
	require.NoError(t, err)
	desk := w.startWith(t, Config{Now: clock, Messages: cfg.Messages})

	w.lucia.Send(token, "Hola, ¿hay alguien?")
	w.wait(t, "the welcome and the out-of-hours message", func() bool {
		advance(100 * time.Millisecond)
		return len(w.toCustomer(w.lucia)) == 2
	})
	advance(10 * time.Minute)
	w.wait(t, "the out-of-hours message again", func() bool { return len(w.toCustomer(w.lucia)) == 3 })
	assert.Equal(t, "Ahora estamos cerrados; respondemos desde las 9:00.", texts(w.toCustomer(w.lucia))[2])
	var runs []contactcenter.WorkflowRun
	w.wait(t, "the run done", func() bool {
		runs, _, err = desk.d.eng.WorkflowRuns(context.Background(), workspace, store.RunFilter{Workflow: outOfHoursWorkflow})
		return err == nil && len(runs) == 1 && runs[0].State == contactcenter.RunDone
	})
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, []contactcenter.StepOutcome{contactcenter.StepDone}, []contactcenter.StepOutcome{runs[0].Steps[0].Outcome})
}
