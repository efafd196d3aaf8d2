// Package storetest is the conformance suite of the store contract. Every
// store of the library runs it from its own tests, and so can a host's own
// implementation:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t testing.TB) store.Store { return mystore.Open(t) })
//	}
//
// The suite checks each method of store.Tx, the version rule, uniqueness,
// rollback, workspace isolation, event draining (with each event's actor
// and cause), timers (their payloads, claims and leases, DeleteTimerAt,
// kinds of a host's own), the conversation list (each filter alone and
// combined, paging, cursors that outlive writes), the records of rejected
// messages and what a store does with text it cannot hold
// (store.ErrRejected), and the erasure of a contact's personal data
// (Tx.EraseContact; SeedErasure seeds one for a store's own test of its
// dumped rows), and contact search (Tx.SearchContacts: by name folded
// alike on every store, by external id, by field value, kept in step with
// every write of a contact, paged), and the records of workflow runs
// (versioned, filtered, paged newest first). Each optional
// capability a store has (store.InboundLookup, store.Workloads,
// store.TimerPeeker, store.QueuePager, store.MessagePager) must answer
// exactly what the way without it answers (store.LookupInbound,
// store.Workload, store.ReadQueuePage and the message pages on the
// required methods, polling with ClaimTimers), in states built to tell
// them apart. It then
// drives an
// Engine over the store from many goroutines at once: two first messages of
// a new contact make one conversation; two agents replying to a waiting
// conversation leave exactly one assignee (R10); a message delivered twice
// at once is stored once (R18). Those concurrency cases run Options.Repeat
// times (100 by default). Last, reactions: a job the store keeps outlives
// the engine that stored it and runs once on another, and two engines
// reacting at once react once per key.
//
// The contract lets another process drain the same data at any time: a
// drain of the suite that meets store.ErrBusy tries again for a while,
// except where the suite asserts that drains exclude each other.
package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/telenet/contactcenter/store"
)

// Options tune the suite.
type Options struct {
	// Repeat is how many times each concurrency case runs. Default 100.
	Repeat int
}

// Run runs the suite. open returns an empty store, or one whose existing
// data lies in other workspaces than the ones the suite makes (each test
// uses fresh workspace names); the suite closes it.
func Run(t *testing.T, open func(t testing.TB) store.Store, opts ...Options) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Repeat <= 0 {
		o.Repeat = 100
	}
	h := &harness{open: open, opts: o}
	t.Run("Contacts", h.testContacts)
	t.Run("ContactIdentities", h.testContactIdentities)
	t.Run("MergeContacts", h.testMergeContacts)
	t.Run("TicketNumbers", h.testTicketNumbers)
	t.Run("Tickets", h.testTickets)
	t.Run("Conversations", h.testConversations)
	t.Run("ConversationUpdates", h.testConversationUpdates)
	t.Run("Queue", h.testQueue)
	t.Run("QueuePage", h.testQueuePage)
	t.Run("HeldConversations", h.testHeldConversations)
	t.Run("BotEvents", h.testBotEvents)
	t.Run("ConversationList", h.testConversationList)
	t.Run("ConversationListTags", h.testConversationListTags)
	t.Run("ConversationListCursor", h.testConversationListCursor)
	t.Run("ConversationListInvalid", h.testConversationListInvalid)
	t.Run("Messages", h.testMessages)
	t.Run("MessagesPage", h.testMessagesPage)
	t.Run("ContactTickets", h.testContactTickets)
	t.Run("TicketConversations", h.testTicketConversations)
	t.Run("Content", h.testContent)
	t.Run("RepairedThroughEngine", h.testRepairedThroughEngine)
	t.Run("Rejections", h.testRejections)
	t.Run("RejectThroughEngine", h.testRejectThroughEngine)
	t.Run("EraseContact", h.testEraseContact)
	t.Run("SearchContacts", h.testSearchContacts)
	t.Run("SearchContactsWrites", h.testSearchContactsWrites)
	t.Run("SearchContactsInvalid", h.testSearchContactsInvalid)
	t.Run("PendingMessages", h.testPendingMessages)
	t.Run("InboundLookup", h.testInboundLookup)
	t.Run("AgentsAndTeams", h.testAgentsAndTeams)
	t.Run("Configs", h.testConfigs)
	t.Run("WorkflowRuns", h.testWorkflowRuns)
	t.Run("Events", h.testEvents)
	t.Run("DrainBusy", h.testDrainBusy)
	t.Run("Timers", h.testTimers)
	t.Run("TimerPayloads", h.testTimerPayloads)
	t.Run("DeleteTimerAt", h.testDeleteTimerAt)
	t.Run("TimerRollback", h.testTimerRollback)
	t.Run("TimerKinds", h.testTimerKinds)
	t.Run("Workload", h.testWorkload)
	t.Run("Capabilities", h.testCapabilities)
	t.Run("Rollback", h.testRollback)
	t.Run("ReadOnlyView", h.testReadOnlyView)
	t.Run("Canceled", h.testCanceled)
	t.Run("Isolation", h.testIsolation)
	t.Run("LostUpdates", h.testLostUpdates)
	t.Run("ConcurrentFirstMessages", h.testConcurrentFirstMessages)
	t.Run("ConcurrentReplies", h.testConcurrentReplies)
	t.Run("ConcurrentDuplicateDelivery", h.testConcurrentDuplicateDelivery)
	t.Run("ConcurrentReopenAndCloseTicket", h.testConcurrentReopenAndCloseTicket)
	t.Run("Reactions", h.testReactions)
	t.Run("AssignBehindHead", h.testAssignBehindHead)
}

type harness struct {
	open func(t testing.TB) store.Store
	opts Options
}

// wsSeq makes workspace names unique within the process, so a store that
// keeps data between runs (a shared database) sees fresh workspaces.
var wsSeq atomic.Int64

var runID = fmt.Sprintf("%x", time.Now().UnixNano())

func newWorkspace(name string) string {
	return fmt.Sprintf("st-%s-%s-%d", runID, name, wsSeq.Add(1))
}

func (h *harness) store(t testing.TB) store.Store {
	t.Helper()
	s := h.open(t)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func ctx() context.Context { return context.Background() }
