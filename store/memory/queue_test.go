package memory_test

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

// queueConv returns open, waiting conversation i of workspace ws.
func queueConv(ws ticket.WorkspaceID, i int, p ticket.Priority, since time.Time) conversation.Conversation {
	id := strconv.Itoa(i)
	return conversation.Conversation{
		ID: conversation.ID("c" + id), Workspace: ws, Ticket: ticket.ID("t" + id), Channel: "telegram",
		Contact: ticket.ContactID("k" + id), State: conversation.Open, Priority: p,
		WaitingSince: since, OpenedAt: since, LastActivity: since, Version: 1,
	}
}

// bruteQueue is what Queue must answer: the waiting conversations of ws,
// sorted by conversation.Before.
func bruteQueue(convs map[conversation.ID]conversation.Conversation, ws ticket.WorkspaceID, limit int) []conversation.Conversation {
	var out []conversation.Conversation
	for _, c := range convs {
		if c.Workspace == ws && c.Waiting() {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b conversation.Conversation) int {
		switch {
		case a.Before(b):
			return -1
		case b.Before(a):
			return 1
		}
		return 0
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func queueOf(t *testing.T, s *memory.Store, ws ticket.WorkspaceID, limit int) []conversation.Conversation {
	t.Helper()
	var q []conversation.Conversation
	require.NoError(t, s.View(context.Background(), func(tx store.Tx) (err error) {
		q, err = tx.Queue(context.Background(), ws, limit)
		return err
	}))
	return q
}

func ids(cs []conversation.Conversation) []conversation.ID {
	out := make([]conversation.ID, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// Priority first, highest first; then longest waiting; then id, for
// conversations that came at the same instant or have no waiting time
// (R11).
func TestQueueTies(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	convs := map[conversation.ID]conversation.Conversation{}
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		for i, p := range []ticket.Priority{0, 2, -1, 0, 1, 2, 0, -1, 1, 0, 2, 0} {
			since := t0.Add(time.Duration(i%3) * time.Minute)
			if i == 6 {
				since = time.Time{}
			}
			c := queueConv("acme", 100-i, p, since)
			convs[c.ID] = c
			if err := tx.CreateConversation(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}))
	got := queueOf(t, s, "acme", 0)
	require.Equal(t, ids(bruteQueue(convs, "acme", 0)), ids(got))
	want := []conversation.ID{
		// urgent (2): i=1 (+1m, c99), i=5 (+2m, c95), i=10 (+1m, c90)
		"c90", "c99", "c95",
		// high (1): i=4 (+1m, c96), i=8 (+2m, c92)
		"c96", "c92",
		// normal (0): i=6 (no time, c94), i=0 (+0, c100), i=9 (+0, c91),
		// i=3 (+0, c97), i=11 (+2m, c89)
		"c94", "c100", "c91", "c97", "c89",
		// low (-1): i=2 (+2m, c98), i=7 (+1m, c93)
		"c93", "c98",
	}
	require.Equal(t, want, ids(got))
	require.Equal(t, want[:4], ids(queueOf(t, s, "acme", 4)))
	require.Empty(t, queueOf(t, s, "other", 0))
}

// queueFixture stores conversations and keeps what was committed, to
// compare the queue with.
type queueFixture struct {
	t     *testing.T
	s     *memory.Store
	convs map[conversation.ID]conversation.Conversation
}

func newQueueFixture(t *testing.T) *queueFixture {
	return &queueFixture{t: t, s: memory.New(), convs: map[conversation.ID]conversation.Conversation{}}
}

// update runs fn on a copy of the committed conversations, through put,
// and keeps the copy if fn returns nil.
func (f *queueFixture) update(fn func(put func(c conversation.Conversation)) error) error {
	ctx := context.Background()
	next := maps.Clone(f.convs)
	err := f.s.Update(ctx, func(tx store.Tx) error {
		return fn(func(c conversation.Conversation) {
			f.t.Helper()
			old, ok := next[c.ID]
			if ok {
				c.Version = old.Version + 1
				require.NoError(f.t, tx.UpdateConversation(ctx, c))
			} else {
				c.Version = 1
				require.NoError(f.t, tx.CreateConversation(ctx, c))
			}
			next[c.ID] = c
		})
	})
	if err == nil {
		f.convs = next
	}
	return err
}

// check compares the queue of each workspace with a sort of the committed
// conversations, whole and by heads.
func (f *queueFixture) check(wss ...ticket.WorkspaceID) {
	f.t.Helper()
	for _, ws := range wss {
		want := bruteQueue(f.convs, ws, 0)
		got := queueOf(f.t, f.s, ws, 0)
		require.Equal(f.t, ids(want), ids(got), "workspace %s", ws)
		require.Equal(f.t, want, got, "the conversations as stored")
		for _, limit := range []int{1, 7, 200, len(want) + 1} {
			require.Equal(f.t, ids(want[:min(limit, len(want))]), ids(queueOf(f.t, f.s, ws, limit)), "limit %d", limit)
		}
		f.checkPages(ws, want)
	}
}

// queueGroups are the groups the pages of checkPages read: one, several
// (with a name no conversation has), all of queueConv's and the random
// test's.
var queueGroups = func() [][]store.QueueGroup {
	var all []store.QueueGroup
	for _, ch := range []channel.ID{"telegram", "whatsapp"} {
		for _, team := range []conversation.TeamID{"", "sales", "billing"} {
			all = append(all, store.QueueGroup{Channel: ch, Team: team}, store.QueueGroup{Channel: ch, Team: team, Abandoned: true})
		}
	}
	return [][]store.QueueGroup{
		{{Channel: "telegram"}},
		{{Channel: "whatsapp", Team: "sales"}, {Channel: "telegram", Team: "billing", Abandoned: true}, {Channel: "nowhere"}},
		all,
	}
}()

// checkPages compares pages of the queue by group (ReadQueuePage through
// the store's QueuePager) with want, the whole queue, filtered: from the
// head and after positions along it, and paged through to its end.
func (f *queueFixture) checkPages(ws ticket.WorkspaceID, want []conversation.Conversation) {
	f.t.Helper()
	ctx := context.Background()
	require.NoError(f.t, f.s.View(ctx, func(tx store.Tx) error {
		_, ok := tx.(store.QueuePager)
		require.True(f.t, ok)
		for _, groups := range queueGroups {
			var in []conversation.Conversation
			for _, c := range want {
				if slices.Contains(groups, store.GroupOf(&c)) {
					in = append(in, c)
				}
			}
			afters := []int{-1}
			for i := 0; i < len(want); i += 1 + len(want)/5 {
				afters = append(afters, i)
			}
			for _, at := range afters {
				p := store.QueuePage{Groups: groups, Limit: 50}
				exp := in
				if at >= 0 {
					p.After = store.QueuePositionOf(&want[at])
					exp = slices.DeleteFunc(slices.Clone(in), func(c conversation.Conversation) bool { return !p.After.Follows(&c) })
				}
				got, err := store.ReadQueuePage(ctx, tx, ws, p)
				require.NoError(f.t, err)
				require.Equal(f.t, ids(exp[:min(len(exp), p.Limit)]), ids(got), "groups %v after %d", groups, at)
			}
			// Paged through, 1,000 at a time.
			var all []conversation.Conversation
			p := store.QueuePage{Groups: groups, Limit: store.MaxQueuePage}
			for {
				got, err := store.ReadQueuePage(ctx, tx, ws, p)
				require.NoError(f.t, err)
				if len(got) == 0 {
					break
				}
				all = append(all, got...)
				p.After = store.QueuePositionOf(&got[len(got)-1])
			}
			require.Equal(f.t, ids(in), ids(all), "groups %v, paged through", groups)
		}
		return nil
	}))
}

// A failed Update leaves the queue as it was: conversations it stored,
// assigned, closed, moved in priority or returned to the queue are where
// they were.
func TestQueueRollback(t *testing.T) {
	f := newQueueFixture(t)
	require.NoError(t, f.update(func(put func(conversation.Conversation)) error {
		for i := range 1000 {
			put(queueConv("acme", i, ticket.Priority(i%3), t0.Add(time.Duration(i)*time.Second)))
		}
		c := queueConv("acme", 1000, 0, t0)
		c.Assignee = "ana"
		put(c)
		return nil
	}))
	f.check("acme")
	boom := errors.New("no")
	err := f.update(func(put func(conversation.Conversation)) error {
		for i := 2000; i < 2600; i++ {
			put(queueConv("acme", i, 2, t0.Add(-time.Hour)))
		}
		for i := 0; i < 1000; i += 3 {
			c := f.convs[conversation.ID("c"+strconv.Itoa(i))]
			switch i % 4 {
			case 0:
				c.Assignee, c.WaitingSince = "ana", time.Time{}
			case 1:
				c.State = conversation.Closed
			case 2:
				c.Priority = ticket.PriorityUrgent
			case 3:
				c.WaitingSince = t0.Add(time.Hour)
			}
			put(c)
		}
		back := f.convs["c1000"]
		back.Assignee, back.WaitingSince = "", t0.Add(-time.Minute)
		put(back)
		put(queueConv("beta", 5000, 0, t0))
		return boom
	})
	require.ErrorIs(t, err, boom)
	f.check("acme", "beta")
	require.Len(t, queueOf(t, f.s, "acme", 0), 1000)
}

// Conversations come and go many times — assigned, returned, closed,
// reopened, their priority changed — and the queue follows.
func TestQueueChurn(t *testing.T) {
	f := newQueueFixture(t)
	const n = 1500
	require.NoError(t, f.update(func(put func(conversation.Conversation)) error {
		for i := range n {
			put(queueConv("acme", i, 0, t0.Add(time.Duration(i)*time.Millisecond)))
		}
		return nil
	}))
	f.check("acme")
	at := t0.Add(time.Hour)
	for round := range 12 {
		require.NoError(t, f.update(func(put func(conversation.Conversation)) error {
			for i := round % 3; i < n; i += 2 {
				c := f.convs[conversation.ID("c"+strconv.Itoa(i))]
				at = at.Add(time.Millisecond)
				switch {
				case c.State == conversation.Closed:
					c.State, c.ClosedAt, c.WaitingSince = conversation.Open, time.Time{}, at
				case c.Assignee != "":
					c.Assignee, c.WaitingSince = "", at // unassigned: back to the queue
				case (i+round)%5 == 0:
					c.State, c.ClosedAt = conversation.Closed, at
				case (i+round)%5 == 1:
					c.Priority = ticket.Priority((int(c.Priority)+2)%4 - 1)
				default:
					c.Assignee, c.WaitingSince = conversation.AgentID("a"+strconv.Itoa(i%4)), time.Time{}
				}
				put(c)
			}
			return nil
		}))
		f.check("acme")
	}
	// Taking the head again and again, as assignment does, until empty.
	for {
		q := queueOf(t, f.s, "acme", 50)
		if len(q) == 0 {
			break
		}
		require.NoError(t, f.update(func(put func(conversation.Conversation)) error {
			for _, c := range q {
				c.Assignee, c.WaitingSince = "ana", time.Time{}
				put(c)
			}
			return nil
		}))
		f.check("acme")
	}
}

// Random operations across workspaces, with failed transactions among
// them, leave the queue equal to a sort of what was committed.
func TestQueueRandom(t *testing.T) {
	f := newQueueFixture(t)
	rnd := rand.New(rand.NewPCG(5, 6))
	wss := []ticket.WorkspaceID{"acme", "beta", "gamma"}
	next := 0
	at := t0
	for round := range 300 {
		fail := rnd.IntN(5) == 0
		err := f.update(func(put func(conversation.Conversation)) error {
			for range 1 + rnd.IntN(60) {
				at = at.Add(time.Duration(rnd.IntN(3)) * time.Second) // ties too
				if len(f.convs) < 50 || rnd.IntN(3) == 0 {
					c := queueConv(wss[rnd.IntN(len(wss))], next, ticket.Priority(rnd.IntN(4)-1), at)
					c.Channel = [...]channel.ID{"telegram", "whatsapp"}[rnd.IntN(2)]
					c.Team = [...]conversation.TeamID{"", "sales", "billing"}[rnd.IntN(3)]
					put(c)
					next++
					continue
				}
				c := f.convs[conversation.ID("c"+strconv.Itoa(rnd.IntN(next)))]
				if c.ID == "" {
					continue // created by a transaction that failed
				}
				switch rnd.IntN(8) {
				case 0:
					c.Assignee, c.WaitingSince = conversation.AgentID("a"+strconv.Itoa(rnd.IntN(3))), time.Time{}
				case 1:
					c.Assignee, c.WaitingSince = "", at
				case 2:
					c.State = conversation.Closed
				case 3:
					c.State, c.WaitingSince = conversation.Open, at
				case 4:
					c.Priority = ticket.Priority(rnd.IntN(4) - 1)
				case 5:
					c.WaitingSince = t0.Add(time.Duration(rnd.IntN(100)) * time.Second)
				case 6: // transferred: another team
					c.Team = [...]conversation.TeamID{"", "sales", "billing"}[rnd.IntN(3)]
				case 7: // flagged abandoned, or no longer
					c.Abandoned = !c.Abandoned
				}
				put(c)
			}
			if fail {
				return errors.New("rolled back")
			}
			return nil
		})
		require.Equal(t, fail, err != nil, "round %d: %v", round, err)
		if round%10 == 0 || round == 299 {
			f.check(wss...)
		}
	}
	require.Greater(t, len(bruteQueue(f.convs, "acme", 0)), 300, "enough to fill several blocks")
}
