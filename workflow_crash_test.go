package contactcenter_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/internal/pgtest"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/workflow"
)

// workflowCrashEnv makes the test binary the child of
// TestWorkflowWaitSurvivesKill: the DSN of its database.
const workflowCrashEnv = "CONTACTCENTER_WORKFLOW_CRASH_CHILD"

// waitThenSales is "wait 10 minutes, then assign to team sales".
const waitThenSales = `{"name": "later", "trigger": {"on": "conversation.opened"},
  "steps": [{"do": "wait", "for": "10m"}, {"do": "assign", "team": "sales"}]}`

// workflowEngine returns an engine on st with channel "tg" and team sales.
func workflowEngine(st store.Store, cfg contactcenter.Config) (*contactcenter.Engine, error) {
	cfg.Store = st
	eng, err := contactcenter.New(cfg)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"},
		Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}); err != nil {
		return nil, err
	}
	return eng, nil
}

// workflowCrashChild is the process TestWorkflowWaitSurvivesKill kills:
// it publishes waitThenSales, a contact writes, and once the run waits it
// says so on stdout and waits to be killed.
func workflowCrashChild(dsn string) {
	ctx := context.Background()
	fail := func(what string, err error) {
		fmt.Println(what+":", err)
		os.Exit(2)
	}
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		fail("open", err)
	}
	eng, err := workflowEngine(st, contactcenter.Config{Publish: func(context.Context, conversation.Event) error { return nil }})
	if err != nil {
		fail("engine", err)
	}
	if err := eng.PutTeam(ctx, contactcenter.TeamChange{Team: conversation.Team{ID: "sales", Workspace: ws, Name: "Sales"}, By: conversation.Host()}); err != nil {
		fail("team", err)
	}
	d, err := workflow.Decode([]byte(waitThenSales))
	if err != nil {
		fail("decode", err)
	}
	if _, err := eng.PublishWorkflow(ctx, contactcenter.WorkflowPublishing{Workspace: ws, Definition: d, By: conversation.Host()}); err != nil {
		fail("publish", err)
	}
	r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hello"})
	if err != nil {
		fail("receive", err)
	}
	runs, _, err := eng.WorkflowRuns(ctx, ws, store.RunFilter{Conversation: r.Conversation.ID})
	if err != nil || len(runs) != 1 || runs[0].State != contactcenter.RunWaiting {
		fail("runs", fmt.Errorf("%v: %+v", err, runs))
	}
	fmt.Println("waiting", r.Conversation.ID)
	select {}
}

// R16, R18: "wait 10 minutes, then assign to team sales" survives a kill
// -9 during the wait, and fires once across two engines on PostgreSQL
// that both fire their timers when it falls due.
func TestWorkflowWaitSurvivesKill(t *testing.T) {
	if dsn := os.Getenv(workflowCrashEnv); dsn != "" {
		workflowCrashChild(dsn)
		return
	}
	dsn := pgtest.FreshSchema(t, "wfcrash_")
	lines := killChild(t, "TestWorkflowWaitSurvivesKill", workflowCrashEnv, dsn, func(lines []string) bool {
		return strings.HasPrefix(lines[len(lines)-1], "waiting ")
	})
	id := conversation.ID(strings.TrimPrefix(lines[len(lines)-1], "waiting "))

	later := func() time.Time { return time.Now().Add(11 * time.Minute) }
	book := &eventLog{}
	var engines []*contactcenter.Engine
	for range 2 {
		st, err := postgres.Open(bg, dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		eng, err := workflowEngine(st, contactcenter.Config{Now: later, Publish: book.publish, Logger: testLogger(t)})
		require.NoError(t, err)
		t.Cleanup(func() { _ = eng.Close() })
		engines = append(engines, eng)
	}
	var wg sync.WaitGroup
	for _, eng := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				_, err := eng.FireTimers(bg)
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	for _, eng := range engines {
		require.NoError(t, eng.PublishPending(bg))
	}

	c, err := engines[0].Conversation(bg, ws, id)
	require.NoError(t, err)
	assert.Equal(t, conversation.TeamID("sales"), c.Team)
	runs, _, err := engines[1].WorkflowRuns(bg, ws, store.RunFilter{Conversation: id})
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, contactcenter.RunDone, runs[0].State)
	assert.Equal(t, []string{"wait:waiting", "wait:resumed", "assign:done"}, outcomes(runs[0]))
	var transfers int
	for _, ev := range book.unique() {
		if ev.Type == conversation.EventConversationTransferred && ev.Conversation == id {
			assert.Equal(t, conversation.CauseWorkflow, ev.Cause.Kind)
			transfers++
		}
	}
	assert.Equal(t, 1, transfers, "the step's effect happens once")
	for _, eng := range engines {
		n, err := eng.FireTimers(bg)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing is left to do")
	}
}
