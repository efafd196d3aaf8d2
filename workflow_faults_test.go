package contactcenter_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/faultstore"
	"github.com/telenet/contactcenter/workflow"
)

// R16, R19: workflow runs under random store faults (failed transactions,
// commits that fail after the write, failed reads). Every message stored
// starts its run; once the faults stop and the timers catch up, every run
// has ended, each conversation that mentions "factura" was moved to team
// billing once, and every wait ended with its step done once: nothing
// lost, nothing doubled, nothing stuck.
func TestWorkflowRunsUnderStoreFaults(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		const contacts = 6
		fs := faultstore.New(s, 7)
		clk := &clock{now: t0}
		log := &eventLog{}
		eng, err := contactcenter.New(contactcenter.Config{
			Store: fs, Now: clk.Now, NewID: contactcenter.SequentialIDs("id"), Publish: log.publish,
			RetryBackoff: func(int) time.Duration { return time.Millisecond }, ClaimTimeout: 24 * time.Hour,
		})
		require.NoError(t, err)
		t.Cleanup(func() { _ = eng.Close() })
		require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"},
			Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
		require.NoError(t, eng.PutTeam(bg, contactcenter.TeamChange{Team: conversation.Team{ID: "billing", Workspace: ws, Name: "Billing"}, By: conversation.Host()}))
		for _, js := range []string{billingWorkflow,
			`{"name": "later", "trigger": {"on": "conversation.opened"}, "steps": [{"do": "wait", "for": "10m"}, {"do": "tag", "tag": "followed"}]}`} {
			d, err := workflow.Decode([]byte(js))
			require.NoError(t, err)
			_, err = eng.PublishWorkflow(bg, contactcenter.WorkflowPublishing{Workspace: ws, Definition: d, By: conversation.Host()})
			require.NoError(t, err)
		}
		randomFaults(t, fs)

		var codes errorCodes
		for c := range contacts {
			in := contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprintf("u-%d", c),
				From: contactcenter.Sender{ExternalID: fmt.Sprintf("chat-%d", c)}, Text: fmt.Sprintf("hola %d, mi factura", c)}
			clk.Advance(time.Millisecond)
			untilStored(t, &codes, func() error { _, err := eng.Receive(bg, in); return err })
		}
		clk.Advance(11 * time.Minute) // the waits end while the faults last
		_, _ = eng.FireTimers(bg)
		fs.Clear()
		codes.check(t)
		t.Logf("%d faults injected", fs.Injected())
		require.NotZero(t, fs.Injected())

		open := func() int {
			runs, _, err := eng.WorkflowRuns(bg, ws, store.RunFilter{OpenOnly: true, Limit: store.MaxRunPage})
			require.NoError(t, err)
			return len(runs)
		}
		for round := 0; round < 40 && open() > 0; round++ {
			clk.Advance(2 * time.Minute) // past the leases of the steps whose transaction failed
			_, err := eng.FireTimers(bg)
			require.NoError(t, err)
		}
		require.Zero(t, open(), "no run is left under way")
		require.NoError(t, eng.PublishPending(bg))

		cs, _, err := eng.Conversations(bg, ws, store.ConversationFilter{})
		require.NoError(t, err)
		require.Len(t, cs, contacts)
		for _, c := range cs {
			assert.Equal(t, conversation.TeamID("billing"), c.Team)
			tk, err := eng.Ticket(bg, ws, c.Ticket)
			require.NoError(t, err)
			assert.Equal(t, []string{"followed"}, tk.Tags)
			assert.Equal(t, "high", tk.Priority.String())
			runs, _, err := eng.WorkflowRuns(bg, ws, store.RunFilter{Conversation: c.ID})
			require.NoError(t, err)
			byName := map[string]int{}
			for _, r := range runs {
				assert.Equal(t, contactcenter.RunDone, r.State, "run %s of %s: %s", r.ID, r.Workflow, r.Reason)
				byName[r.Workflow]++
			}
			assert.Equal(t, map[string]int{"billing": 1, "later": 1}, byName, "one run of each workflow")
			var transfers, tags int
			for _, ev := range log.unique() {
				if ev.Conversation != c.ID {
					continue
				}
				switch ev.Type {
				case conversation.EventConversationTransferred:
					transfers++
				case conversation.EventTicketTagged:
					tags++
				}
			}
			assert.Equal(t, 1, transfers, "the assign step's effect happens once")
			assert.Equal(t, 1, tags, "the step after the wait happens once")
		}
	})
}
