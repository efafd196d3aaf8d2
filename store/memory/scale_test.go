package memory_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// engineID returns an id shaped like the engine's default ones: a random
// process prefix and a base-36 counter.
func engineID(i int) string {
	return string(strconv.AppendInt([]byte("3w5e11264sgsg-"), int64(i), 36))
}

// openConversations stores n open conversations, each waiting in the
// queue with a pending timeout, in transactions of a thousand.
func openConversations(tb testing.TB, s *memory.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 1000 {
		err := s.Update(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				at := t0.Add(time.Duration(i) * time.Millisecond)
				c := conversation.Conversation{
					ID: conversation.ID(engineID(3 * i)), Workspace: "acme",
					Ticket: ticket.ID(engineID(3*i + 1)), TicketNumber: ticket.Number(i + 1),
					Channel: "telegram", Contact: ticket.ContactID(engineID(3*i + 2)),
					ContactExternalID: strconv.Itoa(1_000_000_000 + i),
					State:             conversation.Open, WaitingSince: at, OpenedAt: at, LastActivity: at, Version: 1,
				}
				if err := tx.CreateConversation(ctx, c); err != nil {
					return err
				}
				tm := store.Timer{Kind: conversation.TimerTimeout, Workspace: c.Workspace, Key: string(c.ID), Due: at.Add(30 * time.Minute)}
				if err := tx.SetTimer(ctx, tm); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(tb, err)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkOpenConversationsHeap measures the heap that 1,000,000 open
// conversations with pending timeouts take on the memory store (R7).
//
//	go test -run '^$' -bench OpenConversationsHeap -benchtime 1x ./store/memory
func BenchmarkOpenConversationsHeap(b *testing.B) {
	const n = 1_000_000
	for range b.N {
		before := heapInUse()
		s := memory.New()
		openConversations(b, s, n)
		after := heapInUse()
		next, ok, err := s.NextTimer(context.Background())
		require.NoError(b, err)
		require.True(b, ok)
		require.Equal(b, t0.Add(30*time.Minute), next)
		b.ReportMetric(float64(after-before)/(1<<20), "MiB")
		b.ReportMetric(float64(after-before)/n, "B/conversation")
		runtime.KeepAlive(s)
	}
}

// BenchmarkRescheduleTimeout measures moving a conversation's timeout
// later, as each message between contact and agent does (R7), among
// 1,000,000 pending timeouts, for conversations in random order, in
// transactions of a thousand. "message" is what a new message does to the
// store: read the conversation, store it with its new last activity, move
// its timeout; "message-without-timeout" leaves the timeout out, and the
// difference is what rescheduling costs. "alone" moves timeouts of
// conversations the transaction has not touched. With touched=1000 the
// same thousand conversations come again and again and stay in the CPU's
// caches, which shows the work done; with touched=1000000 most lookups miss
// the caches, which shows the memory traffic.
//
//	go test -run '^$' -bench RescheduleTimeout -benchmem ./store/memory
func BenchmarkRescheduleTimeout(b *testing.B) {
	const n = 1_000_000
	s := memory.New()
	openConversations(b, s, n)
	ctx := context.Background()
	ids := make([]conversation.ID, n)
	for i, j := range rand.New(rand.NewPCG(1, 2)).Perm(n) {
		ids[i] = conversation.ID(engineID(3 * j))
	}
	at := t0.Add(time.Hour)
	run := func(b *testing.B, touch, reschedule bool, span int) {
		b.ReportAllocs()
		for start := 0; start < b.N; start += 1000 {
			err := s.Update(ctx, func(tx store.Tx) error {
				for i := start; i < min(start+1000, b.N); i++ {
					at = at.Add(time.Millisecond)
					id := ids[i%span]
					if touch {
						c, err := tx.Conversation(ctx, "acme", id)
						if err != nil {
							return err
						}
						c.LastActivity = at
						c.Version++
						if err := tx.UpdateConversation(ctx, c); err != nil {
							return err
						}
					}
					if reschedule {
						if err := tx.SetTimer(ctx, store.Timer{Kind: conversation.TimerTimeout, Workspace: "acme", Key: string(id), Due: at.Add(30 * time.Minute)}); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if reschedule {
			require.NoError(b, s.View(ctx, func(tx store.Tx) error {
				tm, err := tx.Timer(ctx, conversation.TimerTimeout, "acme", string(ids[(b.N-1)%span]))
				require.Equal(b, at.Add(30*time.Minute), tm.Due)
				return err
			}))
		}
	}
	for _, span := range []int{1000, n} {
		b.Run(fmt.Sprintf("touched=%d/alone", span), func(b *testing.B) { run(b, false, true, span) })
		b.Run(fmt.Sprintf("touched=%d/message-without-timeout", span), func(b *testing.B) { run(b, true, false, span) })
		b.Run(fmt.Sprintf("touched=%d/message", span), func(b *testing.B) { run(b, true, true, span) })
	}
}

// TestOpenConversationsIndexes checks the compact conversation rows
// against what they were stored from, and the indexes that point at them.
func TestOpenConversationsIndexes(t *testing.T) {
	s := memory.New()
	openConversations(t, s, 2500)
	ctx := context.Background()
	require.NoError(t, s.View(ctx, func(tx store.Tx) error {
		for _, i := range []int{0, 999, 1000, 2499} {
			at := t0.Add(time.Duration(i) * time.Millisecond)
			c, err := tx.Conversation(ctx, "acme", conversation.ID(engineID(3*i)))
			require.NoError(t, err)
			require.Equal(t, conversation.Conversation{
				ID: conversation.ID(engineID(3 * i)), Workspace: "acme",
				Ticket: ticket.ID(engineID(3*i + 1)), TicketNumber: ticket.Number(i + 1),
				Channel: "telegram", Contact: ticket.ContactID(engineID(3*i + 2)),
				ContactExternalID: strconv.Itoa(1_000_000_000 + i),
				State:             conversation.Open, WaitingSince: at, OpenedAt: at, LastActivity: at, Version: 1,
			}, c)
			for _, get := range []func() (conversation.Conversation, error){
				func() (conversation.Conversation, error) {
					return tx.OpenConversation(ctx, "acme", "telegram", c.Contact)
				},
				func() (conversation.Conversation, error) {
					return tx.LatestConversation(ctx, "acme", "telegram", c.Contact)
				},
				func() (conversation.Conversation, error) { return tx.TicketConversation(ctx, "acme", c.Ticket) },
			} {
				got, err := get()
				require.NoError(t, err)
				require.Equal(t, c, got)
			}
			tm, err := tx.Timer(ctx, conversation.TimerTimeout, "acme", string(c.ID))
			require.NoError(t, err)
			require.Equal(t, at.Add(30*time.Minute), tm.Due)
		}
		q, err := tx.Queue(ctx, "acme", 3)
		require.NoError(t, err)
		require.Len(t, q, 3)
		require.Equal(t, conversation.ID(engineID(0)), q[0].ID, "longest waiting first (R11)")
		_, err = tx.Conversation(ctx, "other", conversation.ID(engineID(0)))
		require.ErrorIs(t, err, store.ErrNotFound, "workspaces never see each other's data")
		return nil
	}))
}

// A rolled-back transaction that stored conversations and their timeouts
// leaves neither behind: no index entry, no due timer; the positions it
// used serve the next conversations. Closing and reopening many
// conversations keeps the open-conversation indexes exact.
func TestConversationRollbackAndChurn(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	openConversations(t, s, 3000)
	boom := errors.New("no")
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range 2000 {
			id := conversation.ID("gone-" + strconv.Itoa(i))
			c := conversation.Conversation{ID: id, Workspace: "acme", Ticket: ticket.ID("gt" + strconv.Itoa(i)), Channel: "telegram",
				Contact: ticket.ContactID("gk" + strconv.Itoa(i)), State: conversation.Open, Version: 1}
			if err := tx.CreateConversation(ctx, c); err != nil {
				return err
			}
			if err := tx.SetTimer(ctx, store.Timer{Kind: conversation.TimerTimeout, Workspace: "acme", Key: string(id), Due: t0}); err != nil {
				return err
			}
		}
		// Close the first stored conversations too: undone as well.
		for i := range 500 {
			c, err := tx.Conversation(ctx, "acme", conversation.ID(engineID(3*i)))
			require.NoError(t, err)
			c.State, c.Version = conversation.Closed, c.Version+1
			require.NoError(t, tx.UpdateConversation(ctx, c))
			require.NoError(t, tx.DeleteTimer(ctx, conversation.TimerTimeout, "acme", string(c.ID)))
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	next, ok, err := s.NextTimer(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, t0.Add(30*time.Minute), next, "the rolled-back timers are gone, the first stored one is back")
	require.NoError(t, s.View(ctx, func(tx store.Tx) error {
		_, err := tx.Conversation(ctx, "acme", "gone-1")
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.TicketConversation(ctx, "acme", "gt1")
		require.ErrorIs(t, err, store.ErrNotFound)
		c, err := tx.OpenConversation(ctx, "acme", "telegram", ticket.ContactID(engineID(2)))
		require.NoError(t, err)
		require.Equal(t, conversation.Open, c.State)
		return nil
	}))

	// Churn: close and reopen the same conversations many times.
	for round := range 6 {
		require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
			for i := range 3000 {
				c, err := tx.Conversation(ctx, "acme", conversation.ID(engineID(3*i)))
				require.NoError(t, err)
				if c.State == conversation.Open {
					c.State = conversation.Closed
				} else {
					c.State = conversation.Open
				}
				c.Version++
				if err := tx.UpdateConversation(ctx, c); err != nil {
					return err
				}
			}
			return nil
		}))
		require.NoError(t, s.View(ctx, func(tx store.Tx) error {
			for _, i := range []int{0, 1234, 2999} {
				k := ticket.ContactID(engineID(3*i + 2))
				_, err := tx.OpenConversation(ctx, "acme", "telegram", k)
				_, terr := tx.TicketConversation(ctx, "acme", ticket.ID(engineID(3*i+1)))
				latest, lerr := tx.LatestConversation(ctx, "acme", "telegram", k)
				require.NoError(t, lerr)
				require.Equal(t, conversation.ID(engineID(3*i)), latest.ID)
				if round%2 == 0 {
					require.ErrorIs(t, err, store.ErrNotFound, "round %d", round)
					require.ErrorIs(t, terr, store.ErrNotFound)
				} else {
					require.NoError(t, err)
					require.NoError(t, terr)
				}
			}
			return nil
		}))
	}
}

// The queue comes in R11's order, priority then longest waiting, whatever
// the limit, and only the workspace's conversations.
func TestQueueOrder(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(3, 4))
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		for i := range 600 {
			ws := ticket.WorkspaceID("acme")
			if i%5 == 0 {
				ws = "other"
			}
			c := conversation.Conversation{ID: conversation.ID(engineID(i)), Workspace: ws, Ticket: ticket.ID(engineID(i)), Channel: "telegram",
				Contact: ticket.ContactID(engineID(i)), State: conversation.Open, Priority: ticket.Priority(rnd.IntN(3)),
				WaitingSince: t0.Add(time.Duration(rnd.IntN(50)) * time.Minute), Version: 1}
			if i%7 == 0 {
				c.Assignee = "ana" // not waiting
			}
			if err := tx.CreateConversation(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, s.View(ctx, func(tx store.Tx) error {
		all, err := tx.Queue(ctx, "acme", 0)
		require.NoError(t, err)
		require.NotEmpty(t, all)
		for i, c := range all {
			require.Equal(t, ticket.WorkspaceID("acme"), c.Workspace)
			require.True(t, c.Waiting())
			if i > 0 {
				require.True(t, all[i-1].Before(c), "%d before %d", i-1, i)
			}
		}
		for _, limit := range []int{1, 10, 200, len(all), len(all) + 5} {
			got, err := tx.Queue(ctx, "acme", limit)
			require.NoError(t, err)
			require.Equal(t, all[:min(limit, len(all))], got, "limit %d", limit)
		}
		return nil
	}))
}

// BenchmarkQueue measures reading the head of the queue (200
// conversations, as automatic assignment does) with 1,000,000 waiting.
//
//	go test -run '^$' -bench Queue -benchmem ./store/memory
func BenchmarkQueue(b *testing.B) {
	s := memory.New()
	openConversations(b, s, 1_000_000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		err := s.View(ctx, func(tx store.Tx) error {
			q, err := tx.Queue(ctx, "acme", 200)
			if err == nil && (len(q) != 200 || q[0].ID != conversation.ID(engineID(0))) {
				b.Fatalf("queue of %d, head %v", len(q), q[0].ID)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
