package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/store/storetest"
)

// A handle's fair share: the partitions divided among the live
// publishers, the first in order taking one more while a rest is left;
// what it holds beyond its share it gives up; what others still lease
// stays theirs; free and lapsed partitions are taken.
func TestPublishPlan(t *testing.T) {
	const n = store.EventPartitions
	all := func(h string, until int64) ([]string, []int64) {
		hs, us := make([]string, n), make([]int64, n)
		for i := range hs {
			hs[i], us[i] = h, until
		}
		return hs, us
	}
	seq := func(from, to int) []int16 {
		var s []int16
		for i := from; i < to; i++ {
			s = append(s, int16(i))
		}
		return s
	}

	free, never := all("", 0)
	mine, release, share := postgres.Plan(free, never, "a", []string{"a"}, 100)
	assert.Equal(t, seq(0, n), mine, "alone, every free partition")
	assert.Empty(t, release)
	assert.Equal(t, n, share)

	held, until := all("a", 200)
	mine, release, share = postgres.Plan(held, until, "a", []string{"a", "b"}, 100)
	assert.Equal(t, n/2, share)
	assert.Equal(t, seq(0, n/2), mine, "a keeps half")
	assert.Equal(t, seq(n/2, n), release, "and gives the rest up")

	mine, release, share = postgres.Plan(held, until, "b", []string{"a", "b"}, 100)
	assert.Equal(t, n/2, share)
	assert.Empty(t, mine, "what a still leases stays a's")
	assert.Empty(t, release)

	mine, _, _ = postgres.Plan(held, until, "b", []string{"a", "b"}, 300)
	assert.Equal(t, seq(0, n/2), mine, "a's lapsed leases are free: b takes its share of them")

	_, _, share = postgres.Plan(free, never, "a", []string{"a", "b", "c"}, 100)
	assert.Equal(t, n/3+1, share, "the first of three takes one more of the rest")
	_, _, share = postgres.Plan(free, never, "c", []string{"a", "b", "c"}, 100)
	assert.Equal(t, n/3, share)
	_, _, share = postgres.Plan(free, never, "z", []string{"a", "b"}, 100)
	assert.Equal(t, n/3, share, "a handle not yet listed counts itself")
}

// pubMsg names the i-th event of conversation c.
func pubMsg(c, i int) conversation.MessageID {
	return conversation.MessageID(fmt.Sprintf("c%d/%d", c, i))
}

// pubEvent appends the i-th event of conversation c.
func pubEvent(t testing.TB, s store.Store, c, i int) {
	t.Helper()
	require.NoError(t, s.Update(context.Background(), func(tx store.Tx) error {
		return tx.AppendEvent(context.Background(), conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w",
			Conversation: conversation.ID(fmt.Sprint("c", c)), Message: pubMsg(c, i)})
	}))
}

// collector is what several drainers published: every event in the
// order it was published, and the partitions being published at each
// moment, by whom.
type collector struct {
	mu       sync.Mutex
	byConv   map[conversation.ID][]int
	inFlight map[int]string // partition -> handle publishing it now
	overlaps int
	by       map[string]int // events published, by handle
}

func newCollector() *collector {
	return &collector{byConv: map[conversation.ID][]int{}, inFlight: map[int]string{}, by: map[string]int{}}
}

// publish is a drain's fn for handle h.
func (c *collector) publish(h string) func(context.Context, []conversation.Event) (int, error) {
	return func(_ context.Context, evs []conversation.Event) (int, error) {
		parts := map[int]bool{}
		c.mu.Lock()
		for _, e := range evs {
			p := store.EventPartition(e)
			if other, ok := c.inFlight[p]; ok && other != h {
				c.overlaps++
			}
			c.inFlight[p] = h
			parts[p] = true
		}
		c.mu.Unlock()
		time.Sleep(time.Millisecond) // a publish that takes a while, so that overlaps would show
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, e := range evs {
			i, err := strconv.Atoi(strings.SplitN(string(e.Message), "/", 2)[1])
			if err != nil {
				return 0, err
			}
			c.byConv[e.Conversation] = append(c.byConv[e.Conversation], i)
			c.by[h]++
		}
		for p := range parts {
			delete(c.inFlight, p)
		}
		return len(evs), nil
	}
}

// check asserts that every conversation's events 0..per-1 were
// published, in order, each once.
func (c *collector) check(t *testing.T, convs, per int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Zero(t, c.overlaps, "no partition published by two handles at once")
	for i := range convs {
		got := c.byConv[conversation.ID(fmt.Sprint("c", i))]
		want := make([]int, per)
		for j := range want {
			want[j] = j
		}
		if !assert.Equal(t, want, got, "conversation c%d: each event once, in order (R17)", i) {
			return
		}
	}
}

// drainer drains s like an engine that shares the stream: at once after
// events, every few milliseconds otherwise, until stop is closed.
func drainer(s *postgres.Store, fn func(context.Context, []conversation.Event) (int, error), stop <-chan struct{}, errs chan<- error) {
	for {
		select {
		case <-stop:
			errs <- nil
			return
		default:
		}
		n, err := s.DrainEvents(context.Background(), 64, fn)
		if err != nil && !errors.Is(err, store.ErrBusy) {
			errs <- err
			return
		}
		if n == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// sharing is two handles on one schema, each drained as an engine that
// shares the stream drains, into one collector, once they hold half the
// partitions each.
type sharing struct {
	dsn          string
	a, b         *postgres.Store
	c            *collector
	stopA, stopB chan struct{}
	errs         chan error
}

func newSharing(t *testing.T, lease, wait time.Duration) *sharing {
	t.Helper()
	dsn := freshSchema(t)
	sh := &sharing{dsn: dsn, a: open(t, dsn), b: open(t, dsn), c: newCollector(),
		stopA: make(chan struct{}), stopB: make(chan struct{}), errs: make(chan error, 2)}
	t.Cleanup(func() { sh.a.Close(); sh.b.Close() })
	for _, s := range []*postgres.Store{sh.a, sh.b} {
		postgres.SetPublishLease(s, lease)
	}
	go drainer(sh.a, sh.c.publish("a"), sh.stopA, sh.errs)
	go drainer(sh.b, sh.c.publish("b"), sh.stopB, sh.errs)
	require.Eventually(t, func() bool {
		sa, _ := sh.a.EventShare()
		sb, _ := sh.b.EventShare()
		return sa.Held == store.EventPartitions/2 && sb.Held == store.EventPartitions/2
	}, wait, 5*time.Millisecond, "two handles share the stream")
	return sh
}

// R17: three handles on one schema publish at once, each its share of
// the partitions; no partition is published by two at once, and every
// conversation's events are published once each, in order.
func TestPublishersShareTheStream(t *testing.T) {
	dsn := freshSchema(t)
	const handles, convs, per = 3, 48, 40
	stores := make([]*postgres.Store, handles)
	for i := range stores {
		stores[i] = open(t, dsn)
		postgres.SetPublishLease(stores[i], time.Second)
		t.Cleanup(func() { stores[i].Close() })
	}
	c := newCollector()
	stop, errs := make(chan struct{}), make(chan error, handles)
	for i, s := range stores {
		go drainer(s, c.publish(fmt.Sprint("h", i)), stop, errs)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range per {
				for conv := w; conv < convs; conv += 4 {
					pubEvent(t, stores[conv%handles], conv, i)
				}
			}
		})
	}
	wg.Wait()
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		total := 0
		for _, n := range c.by {
			total += n
		}
		return total >= convs*per
	}, 30*time.Second, 10*time.Millisecond, "every event published")
	// Balanced: every handle holds its share.
	require.Eventually(t, func() bool {
		held := 0
		for _, s := range stores {
			sh, _ := s.EventShare()
			if sh.Publishers != handles || sh.Held < store.EventPartitions/handles {
				return false
			}
			held += sh.Held
		}
		return held == store.EventPartitions
	}, 10*time.Second, 10*time.Millisecond, "the partitions divided among the three")
	close(stop)
	for range handles {
		require.NoError(t, <-errs)
	}
	c.check(t, convs, per)
	c.mu.Lock()
	for i := range handles {
		assert.Positive(t, c.by[fmt.Sprint("h", i)], "handle %d published its share", i)
	}
	c.mu.Unlock()
}

// A handle that stops draining without closing (its process was killed)
// keeps its partitions until its leases end; then the others take them
// and publish what it left, in order, nothing lost. A handle that closes
// gives its share up at once.
func TestDeadPublishersShareMoves(t *testing.T) {
	const lease = 600 * time.Millisecond
	const convs, per = 32, 10
	sh := newSharing(t, lease, 10*time.Second)
	a, b, c, stopA, stopB, errs := sh.a, sh.b, sh.c, sh.stopA, sh.stopB, sh.errs
	dsn := sh.dsn

	// a is killed: it stops draining and never releases.
	close(stopA)
	require.NoError(t, <-errs)
	postgres.Kill(a)
	killed := time.Now()
	for i := range per {
		for conv := range convs {
			pubEvent(t, b, conv, i)
		}
	}
	var movedAfter atomic.Int64
	require.Eventually(t, func() bool {
		sb, _ := b.EventShare()
		if sb.Held == store.EventPartitions && movedAfter.Load() == 0 {
			movedAfter.Store(int64(time.Since(killed)))
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.by["b"]+c.by["a"] >= convs*per
	}, 20*time.Second, 5*time.Millisecond, "b publishes what falls in a's partitions once a's leases end")
	moved := time.Duration(movedAfter.Load())
	t.Logf("a's share moved to b %v after a stopped (lease %v)", moved, lease)
	assert.Less(t, moved, 2*lease+time.Second, "within the lease and a rebalance")
	close(stopB)
	require.NoError(t, <-errs)
	c.check(t, convs, per)

	// A closed handle gives its share up at once.
	d := open(t, dsn)
	postgres.SetPublishLease(d, time.Hour)
	_, err := d.DrainEvents(context.Background(), 10, c.publish("d"))
	require.True(t, err == nil || errors.Is(err, store.ErrBusy), "%v", err)
	require.NoError(t, b.Close())
	start := time.Now()
	for {
		_, err = d.DrainEvents(context.Background(), 10, c.publish("d"))
		sd, _ := d.EventShare()
		if sd.Held == store.EventPartitions || time.Since(start) > 5*time.Second {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, err)
	sd, _ := d.EventShare()
	assert.Equal(t, store.EventShare{Held: store.EventPartitions, Publishers: 1}, sd, "b's share taken without waiting for its lease")
	require.NoError(t, d.Close())
}

// A handle that shares the stream but stops draining (its host does not
// know it shares the stream, or stopped its engine without closing the
// store) gives its share up after a moment, so that the events others
// store in its partitions are published without waiting for its leases.
func TestIdlePublisherGivesItsShareUp(t *testing.T) {
	sh := newSharing(t, 10*time.Second, 20*time.Second)
	a, b, c, stopA, stopB, errs := sh.a, sh.b, sh.c, sh.stopA, sh.stopB, sh.errs
	close(stopA)
	require.NoError(t, <-errs)
	stopped := time.Now()
	for conv := range 32 {
		pubEvent(t, b, conv, 0)
	}
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.by["a"]+c.by["b"] >= 32
	}, 20*time.Second, 5*time.Millisecond, "b publishes every event")
	waited := time.Since(stopped)
	t.Logf("every event published %v after a stopped draining", waited.Round(time.Millisecond))
	assert.Less(t, waited, 10*time.Second, "before a's leases would have ended")
	sa, _ := a.EventShare()
	assert.Equal(t, store.EventShare{}, sa, "a gave its share up")
	close(stopB)
	require.NoError(t, <-errs)
	c.check(t, 32, 1)
}

// A drain deletes what the drain before it published, in its own round
// trip: the events stay stored until then, and the next drain does not
// pass them again. Close deletes what is left; a handle killed before has
// them published again by the next holder (at least once, R17).
func TestPublishedEventsDeletedWithTheNextDrain(t *testing.T) {
	dsn := freshSchema(t)
	ctx := context.Background()
	a := open(t, dsn)
	t.Cleanup(func() { a.Close() })
	count := func() int {
		var n int
		require.NoError(t, a.Pool().QueryRow(ctx, `SELECT count(*) FROM cc_events`).Scan(&n))
		return n
	}
	c := newCollector()
	pubEvent(t, a, 0, 0)
	n, err := a.DrainEvents(ctx, 10, c.publish("a"))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	assert.Equal(t, 1, count(), "the published event is deleted with the next drain")
	pubEvent(t, a, 0, 1)
	n, err = a.DrainEvents(ctx, 10, c.publish("a"))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the event published before is not passed again")
	assert.Equal(t, 1, count(), "the first is deleted, the second waits")
	require.NoError(t, a.Close())
	b := open(t, dsn)
	t.Cleanup(func() { b.Close() })
	require.NoError(t, b.Pool().QueryRow(ctx, `SELECT count(*) FROM cc_events`).Scan(&n))
	assert.Zero(t, n, "Close deletes what was published")
	c.check(t, 1, 2)

	// A killed handle's last batch is published again by the next one.
	pubEvent(t, b, 1, 0)
	n, err = b.DrainEvents(ctx, 10, c.publish("b"))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	postgres.Kill(b)
	d := open(t, dsn)
	t.Cleanup(func() { d.Close() })
	postgres.SetPublishLease(d, time.Second)
	var again []conversation.Event
	require.Eventually(t, func() bool {
		_, err := d.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) {
			again = append(again, evs...)
			return len(evs), nil
		})
		return err == nil && len(again) > 0
	}, 10*time.Second, 20*time.Millisecond, "b's leases end and d takes its share")
	require.Len(t, again, 1)
	assert.Equal(t, pubMsg(1, 0), again[0].Message, "published again: at least once")
}

// One drain at a time runs per handle: a second call while fn runs
// answers store.ErrBusy. The idle release or Close writing at that moment
// is no drain: a drain waits for it and runs, rather than being turned
// away (and its engine backing off) as if another drain ran.
func TestDrainBusyOnlyWhileADrainRuns(t *testing.T) {
	a := open(t, freshSchema(t))
	t.Cleanup(func() { a.Close() })
	storetest.DrainBusyOnlyWhileADrainRuns(t, a, func() func() { return postgres.HoldPublishLock(a) })
}

// R17: a handle that holds its fair share renews its leases with its
// drains' reads, in their round trip. Two settled handles that drain for
// four leases (a dozen renewals each) keep their shares, balance at most
// once more (a stall past the idle release makes one), no lease lapses,
// and every event goes out once, in order.
func TestSettledDrainsRenewTheirLeases(t *testing.T) {
	const lease = time.Second
	sh := newSharing(t, lease, 10*time.Second)
	time.Sleep(lease / 4) // a hungry handle's last balances
	before := []uint64{postgres.Balances(sh.a), postgres.Balances(sh.b)}
	rounds := 0
	for end := time.Now().Add(4 * lease); time.Now().Before(end); rounds++ {
		for conv := range 32 {
			pubEvent(t, sh.a, conv, rounds)
		}
		for _, s := range []*postgres.Store{sh.a, sh.b} {
			share, _ := s.EventShare()
			require.Equal(t, store.EventShare{Held: store.EventPartitions / 2, Publishers: 2}, share, "round %d", rounds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Eventually(t, func() bool {
		sh.c.mu.Lock()
		defer sh.c.mu.Unlock()
		return sh.c.by["a"]+sh.c.by["b"] >= 32*rounds
	}, 10*time.Second, 5*time.Millisecond, "every event published")
	for i, s := range []*postgres.Store{sh.a, sh.b} {
		assert.LessOrEqual(t, postgres.Balances(s)-before[i], uint64(1), "handle %d: its renewals went with its reads", i)
	}
	conn, err := pgx.Connect(context.Background(), sh.dsn)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var lapsed int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM cc_event_leases WHERE until < (extract(epoch FROM clock_timestamp()) * 1000000)::bigint`).Scan(&lapsed))
	assert.Zero(t, lapsed, "every lease renewed by the drains")
	close(sh.stopA)
	close(sh.stopB)
	require.NoError(t, <-sh.errs)
	require.NoError(t, <-sh.errs)
	sh.c.check(t, 32, rounds)
}

// A settled handle whose renewal finds one of its leases taken publishes
// nothing in that drain (what it holds is no longer what it thinks), and
// its next drain balances: it publishes the events of the partitions it
// still holds, and leaves the taken one's to its holder.
func TestSettledRenewalThatLosesALease(t *testing.T) {
	ctx := context.Background()
	dsn, a, c := settledAlone(t)
	share, _ := a.EventShare()
	require.Equal(t, store.EventPartitions, share.Held)

	// c0's partition is taken by a handle of another process.
	part := func(conv int) int {
		return store.EventPartition(conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w", Conversation: conversation.ID(fmt.Sprint("c", conv))})
	}
	other := 1
	for part(other) == part(0) {
		other++
	}
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `UPDATE cc_event_leases SET holder = 'thief', until = (extract(epoch FROM clock_timestamp()) * 1000000)::bigint + 60000000 WHERE part = $1`, part(0))
	require.NoError(t, err)
	pubEvent(t, a, 0, 0)
	pubEvent(t, a, other, 0)
	time.Sleep(settledLease/3 + 20*time.Millisecond) // the renewal is due

	n, err := a.DrainEvents(ctx, 64, c.publish("a"))
	require.NoError(t, err)
	assert.Zero(t, n, "the drain whose renewal lost a lease publishes nothing")
	n, err = a.DrainEvents(ctx, 64, c.publish("a"))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the next drain publishes what a still holds")
	c.mu.Lock()
	assert.Len(t, c.byConv[conversation.ID(fmt.Sprint("c", other))], 1)
	assert.Empty(t, c.byConv["c0"], "the taken partition's event is left to its holder")
	c.mu.Unlock()
	share, _ = a.EventShare()
	assert.Equal(t, store.EventPartitions-1, share.Held)
}

// A handle's fair share depends on its rank among the live handles as
// well as on their number: when one handle leaves and another joins
// between two of a settled handle's reads, the count is as it was, and
// the settled handle still gives up what its new rank does not give it,
// so that the newcomer reaches its share.
func TestSettledShareFollowsTheRank(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	c := newCollector()
	handle := func(name string) *postgres.Store {
		s := open(t, dsn)
		t.Cleanup(func() { s.Close() })
		postgres.SetHolder(s, name)
		postgres.SetPublishLease(s, 10*time.Second)
		return s
	}
	held := func(s *postgres.Store) int {
		share, _ := s.EventShare()
		return share.Held
	}
	drainAll := func(ss ...*postgres.Store) {
		for _, s := range ss {
			_, err := s.DrainEvents(ctx, 64, c.publish("x"))
			require.True(t, err == nil || errors.Is(err, store.ErrBusy), "%v", err)
		}
	}
	settle := func(want map[*postgres.Store]int, ss ...*postgres.Store) bool {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
			drainAll(ss...)
			ok := true
			for s, n := range want {
				ok = ok && held(s) == n
			}
			if ok {
				return true
			}
		}
		return false
	}
	h1, h2, h3 := handle("h1"), handle("h2"), handle("h3")
	require.True(t, settle(map[*postgres.Store]int{h1: 11, h2: 11, h3: 10}, h1, h2, h3), "h1, h2, h3 hold 11, 11, 10")

	// h3 leaves and h15, which comes before h2 by name, joins, with no
	// read of h2's between: h2's rank moves from second to third. (h15
	// is opened first, and the others drain just before, so that none of
	// them is idle long enough to give its share up.)
	h15 := handle("h15")
	drainAll(h1, h2)
	balances := postgres.Balances(h2)
	require.NoError(t, h3.Close())
	drainAll(h15)
	require.Equal(t, 10, held(h15), "h15 takes what h3 gave up")
	require.True(t, settle(map[*postgres.Store]int{h1: 11, h15: 11, h2: 10}, h1, h2, h15), "h1, h15, h2 hold 11, 11, 10: got %d, %d, %d", held(h1), held(h15), held(h2))
	assert.Greater(t, postgres.Balances(h2), balances, "h2 balanced to give its eleventh up")
}

// A drain's read batch (the deletion of what the drain before published,
// the renewal of the leases, the read) that is cut off midway stores
// none of it: the handle keeps the events to delete, so that the next
// drain deletes them rather than publish them again, and renews the
// leases then; nothing is lost, doubled or left stored.
func TestDrainBatchCutOffMidway(t *testing.T) {
	ctx := context.Background()
	dsn, a, c := settledAlone(t)
	pubEvent(t, a, 0, 0)
	pubEvent(t, a, 1, 0)
	n, err := a.DrainEvents(ctx, 64, c.publish("a"))
	require.NoError(t, err)
	require.Equal(t, 2, n)

	// Another transaction locks the leases: the renewal, after the
	// deletion in the same batch, waits, and the drain's context ends.
	locker, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `SELECT part FROM cc_event_leases ORDER BY part FOR UPDATE`)
	require.NoError(t, err)
	time.Sleep(settledLease/3 + 20*time.Millisecond) // the renewal is due
	cut, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = a.DrainEvents(cut, 64, c.publish("a"))
	cancel()
	require.Error(t, err, "the drain cut off midway fails")
	var stored int
	require.NoError(t, locker.QueryRow(ctx, `SELECT count(*) FROM cc_events`).Scan(&stored))
	assert.Equal(t, 2, stored, "the deletion went with the batch")
	require.NoError(t, tx.Rollback(ctx))

	pubEvent(t, a, 0, 1)
	require.Eventually(t, func() bool {
		_, err := a.DrainEvents(ctx, 64, c.publish("a"))
		require.NoError(t, err)
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.byConv["c0"]) == 2
	}, 5*time.Second, 10*time.Millisecond, "the next drains publish what came after")
	_, err = a.DrainEvents(ctx, 64, c.publish("a"))
	require.NoError(t, err)
	require.NoError(t, locker.QueryRow(ctx, `SELECT count(*) FROM cc_events`).Scan(&stored))
	assert.Zero(t, stored, "what was published is deleted, once")
	c.mu.Lock()
	assert.Equal(t, []int{0, 1}, c.byConv["c0"], "c0's events once each, in order")
	assert.Equal(t, []int{0}, c.byConv["c1"], "c1's event once")
	c.mu.Unlock()
	share, _ := a.EventShare()
	assert.Equal(t, store.EventPartitions, share.Held, "the leases renewed after the cut")
}

// settledLease is the lease of settledAlone's handle: a third of it is
// shorter than the idle release, which would give the share up before the
// renewal is due.
const settledLease = 240 * time.Millisecond

// settledAlone opens a handle on a fresh schema with settledLease, which
// has drained once and holds every partition, and the collector it
// publishes to.
func settledAlone(t *testing.T) (dsn string, a *postgres.Store, c *collector) {
	t.Helper()
	dsn = freshSchema(t)
	a = open(t, dsn)
	t.Cleanup(func() { a.Close() })
	postgres.SetPublishLease(a, settledLease)
	c = newCollector()
	_, err := a.DrainEvents(context.Background(), 64, c.publish("a"))
	require.NoError(t, err)
	return dsn, a, c
}
