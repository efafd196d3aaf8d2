package memory_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

const workflowWait conversation.TimerKind = "workflow.wait"

func setTimer(t *testing.T, s *memory.Store, tm store.Timer) {
	t.Helper()
	require.NoError(t, s.Update(context.Background(), func(tx store.Tx) error { return tx.SetTimer(context.Background(), tm) }))
}

func getTimer(t *testing.T, s *memory.Store, kind store.TimerKind, ws ticket.WorkspaceID, key string) (store.Timer, error) {
	t.Helper()
	var tm store.Timer
	err := s.View(context.Background(), func(tx store.Tx) (err error) {
		tm, err = tx.Timer(context.Background(), kind, ws, key)
		return err
	})
	return tm, err
}

// A timer's payload comes back as it was given, from Timer and from
// ClaimTimers; the store keeps its own copy; setting the timer again
// replaces the payload, and nil clears it.
func TestTimerPayloadRoundTrip(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	p := []byte(`{"run":"r1","step":4}`)
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "r1", Due: t0, Payload: p})
	p[0] = 'X' // the caller's slice is theirs

	tm, err := getTimer(t, s, workflowWait, "acme", "r1")
	require.NoError(t, err)
	require.Equal(t, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "r1", Due: t0, Payload: []byte(`{"run":"r1","step":4}`)}, tm)
	tm.Payload[0] = 'Y' // and so is the copy it got
	tm, err = getTimer(t, s, workflowWait, "acme", "r1")
	require.NoError(t, err)
	require.Equal(t, `{"run":"r1","step":4}`, string(tm.Payload))

	got, err := s.ClaimTimers(ctx, t0, time.Minute, 10)
	require.NoError(t, err)
	require.Equal(t, []store.ClaimedTimer{{
		Timer: store.Timer{Kind: workflowWait, Workspace: "acme", Key: "r1", Due: t0, Payload: []byte(`{"run":"r1","step":4}`)},
		Lease: t0.Add(time.Minute),
	}}, got)

	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "r1", Due: t0.Add(time.Hour), Payload: []byte("step 5")})
	tm, err = getTimer(t, s, workflowWait, "acme", "r1")
	require.NoError(t, err)
	require.Equal(t, "step 5", string(tm.Payload), "replaced")
	require.Equal(t, t0.Add(time.Hour), tm.Due)

	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "r1", Due: t0.Add(time.Hour)})
	tm, err = getTimer(t, s, workflowWait, "acme", "r1")
	require.NoError(t, err)
	require.Empty(t, tm.Payload, "set without payload: none")

	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "r1", Due: t0.Add(time.Hour), Payload: []byte{}})
	tm, err = getTimer(t, s, workflowWait, "acme", "r1")
	require.NoError(t, err)
	require.Empty(t, tm.Payload, "empty is the same as nil")

	big := make([]byte, conversation.MaxTimerPayload)
	big[len(big)-1] = 7
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "big", Due: t0, Payload: big})
	tm, err = getTimer(t, s, workflowWait, "acme", "big")
	require.NoError(t, err)
	require.Equal(t, big, tm.Payload, "the largest payload")
}

// A timer the store cannot keep is refused with ErrInvalid and changes
// nothing.
func TestSetTimerInvalid(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "k", Due: t0, Payload: []byte("kept")})
	for name, tm := range map[string]store.Timer{
		"no kind":      {Workspace: "acme", Key: "k", Due: t0},
		"no workspace": {Kind: workflowWait, Key: "k", Due: t0},
		"no key":       {Kind: workflowWait, Workspace: "acme", Due: t0},
		"no due time":  {Kind: workflowWait, Workspace: "acme", Key: "k"},
		"payload":      {Kind: workflowWait, Workspace: "acme", Key: "k", Due: t0.Add(time.Hour), Payload: make([]byte, conversation.MaxTimerPayload+1)},
	} {
		err := s.Update(ctx, func(tx store.Tx) error { return tx.SetTimer(ctx, tm) })
		require.ErrorIs(t, err, conversation.ErrInvalid, name)
	}
	tm, err := getTimer(t, s, workflowWait, "acme", "k")
	require.NoError(t, err)
	require.Equal(t, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "k", Due: t0, Payload: []byte("kept")}, tm)
	next, ok, err := s.NextTimer(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, t0, next)
}

func deleteAt(t *testing.T, s *memory.Store, kind store.TimerKind, key string, due time.Time) bool {
	t.Helper()
	var deleted bool
	require.NoError(t, s.Update(context.Background(), func(tx store.Tx) (err error) {
		deleted, err = tx.DeleteTimerAt(context.Background(), kind, "acme", key, due)
		return err
	}))
	return deleted
}

// DeleteTimerAt deletes a timer that is still due when it was read or
// claimed, and keeps one set again since.
func TestDeleteTimerAt(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "a", Due: t0})
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "b", Due: t0})

	require.False(t, deleteAt(t, s, workflowWait, "a", t0.Add(time.Nanosecond)), "another due time, to the nanosecond")
	require.False(t, deleteAt(t, s, workflowWait, "nope", t0), "no such timer")
	require.False(t, deleteAt(t, s, conversation.TimerTimeout, "a", t0), "another kind")
	require.False(t, deleteAt(t, s, workflowWait, "a", time.Time{}))
	require.True(t, deleteAt(t, s, workflowWait, "a", t0), "due at that time")
	_, err := getTimer(t, s, workflowWait, "acme", "a")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.False(t, deleteAt(t, s, workflowWait, "a", t0), "deleted already")

	// A claimed timer is deleted with its lease; set again meanwhile, it
	// stays.
	now := t0.Add(time.Second)
	got, err := s.ClaimTimers(ctx, now, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "b", got[0].Key)
	require.Equal(t, t0, got[0].Due)
	require.Equal(t, now.Add(time.Minute), got[0].Lease)
	require.False(t, deleteAt(t, s, workflowWait, "b", got[0].Due), "the due time it had is the lease's now")
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "b", Due: t0.Add(time.Hour)})
	require.False(t, deleteAt(t, s, workflowWait, "b", got[0].Lease), "set again since the claim")
	tm, err := getTimer(t, s, workflowWait, "acme", "b")
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Hour), tm.Due)

	got, err = s.ClaimTimers(ctx, t0.Add(2*time.Hour), time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.True(t, deleteAt(t, s, workflowWait, "b", got[0].Lease), "acted on and deleted")
	_, ok, err := s.NextTimer(ctx)
	require.NoError(t, err)
	require.False(t, ok, "no timer left")

	// Deleted and set again in one transaction.
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "c", Due: t0})
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		deleted, err := tx.DeleteTimerAt(ctx, workflowWait, "acme", "c", t0)
		require.True(t, deleted)
		require.NoError(t, err)
		return tx.SetTimer(ctx, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "c", Due: t0.Add(time.Minute)})
	}))
	tm, err = getTimer(t, s, workflowWait, "acme", "c")
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Minute), tm.Due)
}

// A failed Update leaves every timer as it was: new ones gone, moved ones
// back (neither claimed early nor late), deleted ones back with their
// payload.
func TestTimerRollback(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "moved", Due: t0.Add(time.Hour), Payload: []byte("m")})
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "deleted", Due: t0.Add(2 * time.Hour), Payload: []byte("d")})
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "again", Due: t0.Add(3 * time.Hour)})
	boom := errors.New("no")
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range 3000 { // more than a chunk of slots
			if err := tx.SetTimer(ctx, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "new" + strconv.Itoa(i), Due: t0, Payload: []byte("n")}); err != nil {
				return err
			}
		}
		if err := tx.SetTimer(ctx, store.Timer{Kind: workflowWait, Workspace: "other", Key: "moved", Due: t0}); err != nil {
			return err
		}
		if err := tx.SetTimer(ctx, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "moved", Due: t0, Payload: []byte("changed")}); err != nil {
			return err
		}
		if err := tx.DeleteTimer(ctx, workflowWait, "acme", "deleted"); err != nil {
			return err
		}
		if err := tx.DeleteTimer(ctx, workflowWait, "acme", "again"); err != nil {
			return err
		}
		if err := tx.SetTimer(ctx, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "again", Due: t0, Payload: []byte("a")}); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)

	want := []store.Timer{
		{Kind: workflowWait, Workspace: "acme", Key: "moved", Due: t0.Add(time.Hour), Payload: []byte("m")},
		{Kind: workflowWait, Workspace: "acme", Key: "deleted", Due: t0.Add(2 * time.Hour), Payload: []byte("d")},
		{Kind: workflowWait, Workspace: "acme", Key: "again", Due: t0.Add(3 * time.Hour)},
	}
	for _, w := range want {
		tm, err := getTimer(t, s, w.Kind, w.Workspace, w.Key)
		require.NoError(t, err)
		require.Equal(t, w, tm)
	}
	for _, k := range []string{"new0", "new2999"} {
		_, err := getTimer(t, s, workflowWait, "acme", k)
		require.ErrorIs(t, err, store.ErrNotFound)
	}
	_, err = getTimer(t, s, workflowWait, "other", "moved")
	require.ErrorIs(t, err, store.ErrNotFound)

	next, ok, err := s.NextTimer(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, t0.Add(time.Hour), next, "nothing rolled back is due")
	got, err := s.ClaimTimers(ctx, t0.Add(30*time.Minute), time.Minute, 10)
	require.NoError(t, err)
	require.Empty(t, got)

	// The slots the rolled-back timers took serve new ones, and what the
	// heap held of the rolled-back ones does not fire them.
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		for i := range 3000 {
			if err := tx.SetTimer(ctx, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "later" + strconv.Itoa(i), Due: t0.Add(10 * time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	}))
	got, err = s.ClaimTimers(ctx, t0.Add(4*time.Hour), time.Hour, 10000)
	require.NoError(t, err)
	var keys []string
	for _, c := range got {
		keys = append(keys, c.Key)
	}
	require.Equal(t, []string{"moved", "deleted", "again"}, keys)
	got, err = s.ClaimTimers(ctx, t0.Add(11*time.Hour), time.Hour, 10000)
	require.NoError(t, err)
	require.Len(t, got, 3003, "each timer once")
}

// A timer whose key is a conversation id is a timer like any other: set
// before the conversation exists, kept while it changes and after it
// closes, claimed and deleted the same way. Kinds and workspaces keep
// timers of one key apart.
func TestTimerKeyedByConversation(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	timeout := store.Timer{Kind: conversation.TimerTimeout, Workspace: "acme", Key: "c1", Due: t0.Add(30 * time.Minute)}
	setTimer(t, s, timeout)
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "c1", Due: t0.Add(time.Hour), Payload: []byte("w")})
	setTimer(t, s, store.Timer{Kind: conversation.TimerTimeout, Workspace: "other", Key: "c1", Due: t0.Add(2 * time.Hour)})

	c := conversation.Conversation{ID: "c1", Workspace: "acme", Ticket: "t1", Channel: "telegram", Contact: "k1",
		State: conversation.Open, WaitingSince: t0, OpenedAt: t0, LastActivity: t0, Version: 1}
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error { return tx.CreateConversation(ctx, c) }))
	c.LastActivity, c.Version = t0.Add(time.Minute), 2
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error { return tx.UpdateConversation(ctx, c) }))
	tm, err := getTimer(t, s, conversation.TimerTimeout, "acme", "c1")
	require.NoError(t, err)
	require.Equal(t, timeout, tm, "storing the conversation does not touch its timer")

	c.State, c.ClosedAt, c.Version = conversation.Closed, t0.Add(2*time.Minute), 3
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error { return tx.UpdateConversation(ctx, c) }))
	tm, err = getTimer(t, s, conversation.TimerTimeout, "acme", "c1")
	require.NoError(t, err)
	require.Equal(t, timeout, tm, "nor closing it: the engine deletes the timer")

	got, err := s.ClaimTimers(ctx, t0.Add(3*time.Hour), time.Minute, 10)
	require.NoError(t, err)
	lease := t0.Add(3*time.Hour + time.Minute)
	require.Equal(t, []store.ClaimedTimer{
		{Timer: timeout, Lease: lease},
		{Timer: store.Timer{Kind: workflowWait, Workspace: "acme", Key: "c1", Due: t0.Add(time.Hour), Payload: []byte("w")}, Lease: lease},
		{Timer: store.Timer{Kind: conversation.TimerTimeout, Workspace: "other", Key: "c1", Due: t0.Add(2 * time.Hour)}, Lease: lease},
	}, got)
	require.True(t, deleteAt(t, s, conversation.TimerTimeout, "c1", lease))
	_, err = getTimer(t, s, conversation.TimerTimeout, "acme", "c1")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = getTimer(t, s, workflowWait, "acme", "c1")
	require.NoError(t, err, "another kind, same key: stays")
	_, err = getTimer(t, s, conversation.TimerTimeout, "other", "c1")
	require.NoError(t, err, "another workspace, same key: stays")
}

// A claim with no lease takes each timer once.
func TestClaimWithoutLease(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	setTimer(t, s, store.Timer{Kind: workflowWait, Workspace: "acme", Key: "a", Due: t0})
	got, err := s.ClaimTimers(ctx, t0, 0, 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.True(t, got[0].Lease.After(t0))
	got, err = s.ClaimTimers(ctx, t0, 0, 10)
	require.NoError(t, err)
	require.Empty(t, got, "due again only after now")
	got, err = s.ClaimTimers(ctx, t0.Add(time.Second), 0, 0)
	require.NoError(t, err)
	require.Empty(t, got, "limit 0")
}

// timerModel is what the store should hold.
type timerModel map[[3]string]store.Timer

func modelKey(kind store.TimerKind, ws ticket.WorkspaceID, key string) [3]string {
	return [3]string{string(kind), string(ws), key}
}

// Random sets, moves, deletes, claims and rolled-back transactions agree
// with a plain map, through Timer, NextTimer and ClaimTimers.
func TestTimersRandom(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(7, 8))
	model := timerModel{}
	kinds := []store.TimerKind{conversation.TimerTimeout, conversation.TimerHeartbeat, workflowWait}
	wss := []ticket.WorkspaceID{"acme", "beta"}
	now := t0
	pick := func() (store.TimerKind, ticket.WorkspaceID, string) {
		return kinds[rnd.IntN(len(kinds))], wss[rnd.IntN(len(wss))], "k" + strconv.Itoa(rnd.IntN(300))
	}
	for round := range 400 {
		fail := rnd.IntN(4) == 0
		next := maps.Clone(model)
		err := s.Update(ctx, func(tx store.Tx) error {
			for range rnd.IntN(40) {
				kind, ws, key := pick()
				mk := modelKey(kind, ws, key)
				switch rnd.IntN(4) {
				case 0, 1:
					tm := store.Timer{Kind: kind, Workspace: ws, Key: key, Due: now.Add(time.Duration(rnd.IntN(600)-100) * time.Second)}
					if rnd.IntN(2) == 0 {
						tm.Payload = []byte(fmt.Sprint("p", rnd.IntN(1000)))
					}
					require.NoError(t, tx.SetTimer(ctx, tm))
					next[mk] = tm
				case 2:
					require.NoError(t, tx.DeleteTimer(ctx, kind, ws, key))
					delete(next, mk)
				case 3:
					due := now
					if old, ok := next[mk]; ok && rnd.IntN(2) == 0 {
						due = old.Due
					}
					deleted, err := tx.DeleteTimerAt(ctx, kind, ws, key, due)
					require.NoError(t, err)
					old, ok := next[mk]
					require.Equal(t, ok && old.Due.Equal(due), deleted)
					if deleted {
						delete(next, mk)
					}
				}
			}
			if fail {
				return errors.New("rolled back")
			}
			return nil
		})
		if !fail {
			require.NoError(t, err)
			model = next
		}
		// Every timer reads back as the model says.
		require.NoError(t, s.View(ctx, func(tx store.Tx) error {
			for _, kind := range kinds {
				for _, ws := range wss {
					for i := range 300 {
						key := "k" + strconv.Itoa(i)
						tm, err := tx.Timer(ctx, kind, ws, key)
						want, ok := model[modelKey(kind, ws, key)]
						if !ok {
							require.ErrorIs(t, err, store.ErrNotFound)
							continue
						}
						require.NoError(t, err)
						require.Equal(t, want.Due, tm.Due)
						require.Equal(t, string(want.Payload), string(tm.Payload))
					}
				}
			}
			return nil
		}))
		// The next due time is the model's earliest.
		due, ok, err := s.NextTimer(ctx)
		require.NoError(t, err)
		require.Equal(t, len(model) > 0, ok)
		var earliest time.Time
		for _, tm := range model {
			if earliest.IsZero() || tm.Due.Before(earliest) {
				earliest = tm.Due
			}
		}
		if ok {
			require.Equal(t, earliest, due, "round %d", round)
		}
		// Now and then, time passes and due timers are claimed, earliest
		// first, each once.
		if rnd.IntN(3) == 0 {
			now = now.Add(time.Duration(rnd.IntN(120)) * time.Second)
			limit := 1 + rnd.IntN(50)
			var want []store.Timer
			for _, tm := range model {
				if !tm.Due.After(now) {
					want = append(want, tm)
				}
			}
			slices.SortFunc(want, func(a, b store.Timer) int { return a.Due.Compare(b.Due) })
			got, err := s.ClaimTimers(ctx, now, time.Minute, limit)
			require.NoError(t, err)
			require.Len(t, got, min(limit, len(want)))
			seen := map[[3]string]bool{}
			for i, c := range got {
				mk := modelKey(c.Kind, c.Workspace, c.Key)
				require.False(t, seen[mk], "claimed twice")
				seen[mk] = true
				require.Equal(t, want[i].Due, c.Due, "earliest first")
				m := model[mk]
				require.Equal(t, m.Due, c.Due)
				require.Equal(t, string(m.Payload), string(c.Payload))
				m.Due = c.Lease
				model[mk] = m
			}
		}
	}
}

// BenchmarkClaimTimers measures claiming the timers that fall due, 100 at a
// time as the engine does, among 1,000,000 pending timeouts, and deleting
// them as the engine does after acting.
//
//	go test -run '^$' -bench ClaimTimers -benchmem ./store/memory
func BenchmarkClaimTimers(b *testing.B) {
	const n = 1_000_000
	s := memory.New()
	openConversations(b, s, n)
	ctx := context.Background()
	now := t0.Add(30 * time.Minute)
	claimed := 0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if claimed+100 > n {
			b.StopTimer()
			s = memory.New()
			openConversations(b, s, n)
			now, claimed = t0.Add(30*time.Minute), 0
			b.StartTimer()
		}
		now = now.Add(100 * time.Millisecond)
		got, err := s.ClaimTimers(ctx, now, time.Minute, 100)
		if err != nil || len(got) != 100 {
			b.Fatalf("claimed %d: %v", len(got), err)
		}
		claimed += len(got)
		err = s.Update(ctx, func(tx store.Tx) error {
			for _, c := range got {
				if _, err := tx.DeleteTimerAt(ctx, c.Kind, c.Workspace, c.Key, c.Lease); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/timer")
}
