package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// hostReminder is a timer kind of a host's own, which no store has seen
// before: stores keep kinds as opaque names.
const hostReminder conversation.TimerKind = "host.reminder"

// timerCase is one workspace's timers on a store, with the helpers of the
// timer cases. Claims take every workspace's timers; the helpers keep this
// one's. Each case sets its timers far in the future, after the timers of
// the other cases and of any other data the store holds, in a year of its
// own.
type timerCase struct {
	t    *testing.T
	s    store.Store
	ws   ticket.WorkspaceID
	base time.Time
}

func (h *harness) timerCase(t *testing.T, name string, year int) *timerCase {
	return &timerCase{t: t, s: h.store(t), ws: ticket.WorkspaceID(newWorkspace(name)), base: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *timerCase) timer(kind conversation.TimerKind, key string, due time.Time, payload []byte) store.Timer {
	return store.Timer{Kind: kind, Workspace: c.ws, Key: key, Due: due, Payload: payload}
}

func (c *timerCase) set(tms ...store.Timer) {
	c.t.Helper()
	require.NoError(c.t, c.s.Update(ctx(), func(tx store.Tx) error {
		for _, tm := range tms {
			if err := tx.SetTimer(ctx(), tm); err != nil {
				return err
			}
		}
		return nil
	}))
}

// get returns a timer, and whether there is one.
func (c *timerCase) get(kind conversation.TimerKind, key string) (store.Timer, bool) {
	c.t.Helper()
	var tm store.Timer
	err := c.s.View(ctx(), func(tx store.Tx) (err error) { tm, err = tx.Timer(ctx(), kind, c.ws, key); return err })
	if errors.Is(err, store.ErrNotFound) {
		return store.Timer{}, false
	}
	require.NoError(c.t, err)
	return normTimer(tm), true
}

// claim claims every timer due at now, of every workspace, 100 at a time,
// and returns this workspace's, earliest first.
func (c *timerCase) claim(now time.Time, lease time.Duration) []store.ClaimedTimer {
	c.t.Helper()
	var mine []store.ClaimedTimer
	for range 1000 {
		ts, err := c.s.ClaimTimers(ctx(), now, lease, 100)
		require.NoError(c.t, err)
		for i, tm := range ts {
			if i > 0 {
				assert.False(c.t, tm.Due.Before(ts[i-1].Due), "claimed earliest first")
			}
			if tm.Workspace == c.ws {
				tm.Timer = normTimer(tm.Timer)
				tm.Lease = utc(tm.Lease)
				mine = append(mine, tm)
			}
		}
		if len(ts) < 100 {
			return mine
		}
	}
	c.t.Fatal("claims do not end")
	return nil
}

func keys(ts []store.ClaimedTimer) []string {
	var out []string
	for _, tm := range ts {
		out = append(out, tm.Key)
	}
	return out
}

// deleteAt deletes a timer if it is still due at due.
func (c *timerCase) deleteAt(kind conversation.TimerKind, key string, due time.Time) bool {
	c.t.Helper()
	var deleted bool
	require.NoError(c.t, c.s.Update(ctx(), func(tx store.Tx) (err error) {
		deleted, err = tx.DeleteTimerAt(ctx(), kind, c.ws, key, due)
		return err
	}))
	return deleted
}

// testTimers: timers are set, moved, deleted and claimed; a claim takes a
// timer once until its lease ends; a rolled-back change leaves timers as
// they were.
func (h *harness) testTimers(t *testing.T) {
	c := h.timerCase(t, "timers", 2200)
	s, ws, base := c.s, c.ws, c.base
	set := func(key string, due time.Time) { t.Helper(); c.set(c.timer(conversation.TimerTimeout, key, due, nil)) }
	claim := func(now time.Time, lease time.Duration) []string { t.Helper(); return keys(c.claim(now, lease)) }
	set("b", base.Add(2*time.Minute))
	set("a", base.Add(time.Minute))
	set("c", base.Add(10*time.Minute))
	set("c", base.Add(20*time.Minute)) // moved later
	set("b", base.Add(30*time.Second)) // moved earlier

	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		tm, err := tx.Timer(ctx(), conversation.TimerTimeout, ws, "c")
		require.NoError(t, err)
		assert.True(t, tm.Due.Equal(base.Add(20*time.Minute)), "moved: %v", tm.Due)
		_, err = tx.Timer(ctx(), conversation.TimerTimeout, ws, "nope")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.Timer(ctx(), conversation.TimerHeartbeat, ws, "a")
		assert.ErrorIs(t, err, store.ErrNotFound, "another kind")
		return nil
	}))

	assert.Empty(t, claim(base, time.Minute), "nothing due yet")
	assert.Equal(t, []string{"b", "a"}, claim(base.Add(5*time.Minute), time.Hour), "due ones, earliest first")
	assert.Empty(t, claim(base.Add(6*time.Minute), time.Hour), "claimed: not again during the lease")

	// The claimer acts, then deletes or sets.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.DeleteTimer(ctx(), conversation.TimerTimeout, ws, "a"); err != nil {
			return err
		}
		if err := tx.DeleteTimer(ctx(), conversation.TimerTimeout, ws, "never-was"); err != nil {
			return err
		}
		return tx.SetTimer(ctx(), c.timer(conversation.TimerTimeout, "b", base.Add(40*time.Minute), nil))
	}))
	boom := errors.New("no")
	err := s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.SetTimer(ctx(), c.timer(conversation.TimerTimeout, "b", base, nil)); err != nil {
			return err
		}
		if err := tx.DeleteTimer(ctx(), conversation.TimerTimeout, ws, "c"); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	assert.Empty(t, claim(base.Add(15*time.Minute), time.Hour), "the rolled-back change moved nothing earlier")
	assert.Equal(t, []string{"c", "b"}, claim(base.Add(45*time.Minute), time.Hour), "c at +20m, b at +40m")
	assert.ElementsMatch(t, []string{"c", "b"}, claim(base.Add(2*time.Hour), time.Hour), "due again when the lease ends")
	ts, err := s.ClaimTimers(ctx(), base.Add(10*time.Hour), time.Hour, 0)
	require.NoError(t, err)
	assert.Empty(t, ts, "a limit of 0 claims nothing")
	assert.ElementsMatch(t, []string{"c", "b"}, claim(base.Add(10*time.Hour), time.Hour), "and leaves the timers due")
}

// testTimerPayloads: a timer's payload comes back as it was set, from
// Timer and from ClaimTimers; nil and empty are the same; SetTimer
// replaces it; neither the caller's slice nor the one returned is the
// store's own.
func (h *harness) testTimerPayloads(t *testing.T) {
	c := h.timerCase(t, "timer-payloads", 2210)
	step := []byte("wait 10 minutes, then step 4 of run X")
	binary := []byte{0, 1, 2, 0xff, 0xfe, 0, 'x', 0x80}
	big := make([]byte, conversation.MaxTimerPayload)
	for i := range big {
		big[i] = byte(i*7 + i/256)
	}
	cases := []struct {
		key     string
		payload []byte
		want    []byte
	}{
		{"nil", nil, nil},
		{"empty", []byte{}, nil},
		{"text", step, step},
		{"binary", binary, binary},
		{"max", big, big},
	}
	var tms []store.Timer
	for i, tc := range cases {
		tms = append(tms, c.timer(conversation.TimerTimeout, tc.key, c.base.Add(time.Duration(i)*time.Second), bytes.Clone(tc.payload)))
	}
	c.set(tms...)
	for i, tc := range cases {
		got, ok := c.get(conversation.TimerTimeout, tc.key)
		require.True(t, ok, tc.key)
		assert.Equal(t, c.timer(conversation.TimerTimeout, tc.key, c.base.Add(time.Duration(i)*time.Second), tc.want), got, tc.key)
	}

	// The store keeps its own copy: changing the slice after SetTimer, or
	// the one Timer returned, changes nothing stored.
	mine := bytes.Clone(step)
	require.NoError(t, c.s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.SetTimer(ctx(), c.timer(hostReminder, "copy", c.base, mine)); err != nil {
			return err
		}
		mine[0] = 'X'
		return nil
	}))
	got, _ := c.get(hostReminder, "copy")
	got.Payload[1] = 'X'
	again, _ := c.get(hostReminder, "copy")
	assert.Equal(t, step, again.Payload, "the store keeps the payload as it was set")

	// SetTimer replaces the payload, with another or with none.
	c.set(c.timer(conversation.TimerTimeout, "text", c.base.Add(time.Minute), binary))
	got, _ = c.get(conversation.TimerTimeout, "text")
	assert.Equal(t, binary, got.Payload, "replaced")
	assert.True(t, got.Due.Equal(c.base.Add(time.Minute)), "and moved")
	c.set(c.timer(conversation.TimerTimeout, "max", c.base.Add(4*time.Second), nil))
	got, _ = c.get(conversation.TimerTimeout, "max")
	assert.Nil(t, got.Payload, "replaced by none")
	c.set(c.timer(conversation.TimerTimeout, "nil", c.base, big))
	got, _ = c.get(conversation.TimerTimeout, "nil")
	assert.Equal(t, big, got.Payload, "a timer without payload gets one")

	// A claim returns each timer with the due time and payload it had, and
	// its lease.
	now := c.base.Add(time.Hour).Add(123456789 * time.Nanosecond)
	lease := 90*time.Second + time.Nanosecond
	claimed := c.claim(now, lease)
	want := []store.ClaimedTimer{
		{Timer: c.timer(conversation.TimerTimeout, "nil", c.base, big)},
		{Timer: c.timer(hostReminder, "copy", c.base, step)},
		{Timer: c.timer(conversation.TimerTimeout, "empty", c.base.Add(time.Second), nil)},
		{Timer: c.timer(conversation.TimerTimeout, "binary", c.base.Add(3*time.Second), binary)},
		{Timer: c.timer(conversation.TimerTimeout, "max", c.base.Add(4*time.Second), nil)},
		{Timer: c.timer(conversation.TimerTimeout, "text", c.base.Add(time.Minute), binary)},
	}
	for i := range want {
		want[i].Lease = now.Add(lease)
	}
	require.Len(t, claimed, len(want))
	assert.ElementsMatch(t, want[:2], claimed[:2], "the two due at base, in either order")
	assert.Equal(t, want[2:], claimed[2:])
	got, _ = c.get(conversation.TimerTimeout, "binary")
	assert.Equal(t, c.timer(conversation.TimerTimeout, "binary", now.Add(lease), binary), got, "due when the lease ends, payload kept")
}

// testDeleteTimerAt: whoever claimed a timer deletes it with its lease; a
// timer set again since, or deleted and set again, stays; due times
// compare to the nanosecond.
func (h *harness) testDeleteTimerAt(t *testing.T) {
	c := h.timerCase(t, "timer-delete-at", 2220)
	due := c.base.Add(time.Minute + 1)
	c.set(c.timer(conversation.TimerTimeout, "a", due, []byte("a")), c.timer(conversation.TimerTimeout, "b", due, []byte("b")),
		c.timer(conversation.TimerTimeout, "c", due, nil))
	assert.False(t, c.deleteAt(conversation.TimerTimeout, "a", due.Add(time.Nanosecond)), "a nanosecond later is another due time")
	assert.False(t, c.deleteAt(conversation.TimerTimeout, "a", due.Add(-time.Nanosecond)), "and so is a nanosecond earlier")
	assert.False(t, c.deleteAt(conversation.TimerHeartbeat, "a", due), "another kind")
	assert.False(t, c.deleteAt(conversation.TimerTimeout, "never-was", due), "deleting no timer is no error")
	_, ok := c.get(conversation.TimerTimeout, "a")
	assert.True(t, ok)

	now := due.Add(time.Second)
	claimed := c.claim(now, time.Minute)
	require.Equal(t, []string{"a", "b", "c"}, sortedKeys(claimed))
	lease := claimed[0].Lease
	assert.True(t, lease.Equal(now.Add(time.Minute)), "lease %v", lease)

	assert.False(t, c.deleteAt(conversation.TimerTimeout, "a", due), "the due time before the claim is gone")
	assert.True(t, c.deleteAt(conversation.TimerTimeout, "a", lease), "the claimer deletes the timer it claimed")
	_, ok = c.get(conversation.TimerTimeout, "a")
	assert.False(t, ok)
	assert.False(t, c.deleteAt(conversation.TimerTimeout, "a", lease), "once")

	// Set again while claimed (a message came, R7): it stays, as set.
	c.set(c.timer(conversation.TimerTimeout, "b", now.Add(10*time.Minute), []byte("again")))
	assert.False(t, c.deleteAt(conversation.TimerTimeout, "b", lease))
	got, ok := c.get(conversation.TimerTimeout, "b")
	require.True(t, ok, "a timer set again after the claim stays")
	assert.Equal(t, c.timer(conversation.TimerTimeout, "b", now.Add(10*time.Minute), []byte("again")), got)

	// Deleted and set again at another due time while claimed: it stays.
	require.NoError(t, c.s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.DeleteTimer(ctx(), conversation.TimerTimeout, c.ws, "c"); err != nil {
			return err
		}
		return tx.SetTimer(ctx(), c.timer(conversation.TimerTimeout, "c", lease.Add(time.Nanosecond), nil))
	}))
	assert.False(t, c.deleteAt(conversation.TimerTimeout, "c", lease))
	_, ok = c.get(conversation.TimerTimeout, "c")
	assert.True(t, ok)

	// Inside a transaction: the delete is seen at once, and rolled back
	// with it.
	boom := errors.New("no")
	err := c.s.Update(ctx(), func(tx store.Tx) error {
		deleted, err := tx.DeleteTimerAt(ctx(), conversation.TimerTimeout, c.ws, "b", now.Add(10*time.Minute))
		require.NoError(t, err)
		assert.True(t, deleted)
		_, err = tx.Timer(ctx(), conversation.TimerTimeout, c.ws, "b")
		assert.ErrorIs(t, err, store.ErrNotFound, "a transaction reads its own delete")
		deleted, err = tx.DeleteTimerAt(ctx(), conversation.TimerTimeout, c.ws, "b", now.Add(10*time.Minute))
		require.NoError(t, err)
		assert.False(t, deleted, "gone in the transaction")
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, ok = c.get(conversation.TimerTimeout, "b")
	assert.True(t, ok, "a rolled-back delete deletes nothing")

	// A view cannot delete.
	err = c.s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.DeleteTimerAt(ctx(), conversation.TimerTimeout, c.ws, "b", now.Add(10*time.Minute))
		return err
	})
	assert.Error(t, err, "a view cannot write")
	_, ok = c.get(conversation.TimerTimeout, "b")
	assert.True(t, ok)
}

func sortedKeys(ts []store.ClaimedTimer) []string {
	out := keys(ts)
	slices.Sort(out)
	return out
}

// testTimerRollback: a failed Update leaves every timer as it was, payload
// included, though the transaction saw its own timer writes.
func (h *harness) testTimerRollback(t *testing.T) {
	c := h.timerCase(t, "timer-rollback", 2230)
	keep := c.timer(conversation.TimerTimeout, "keep", c.base.Add(time.Minute), []byte("kept"))
	gone := c.timer(conversation.TimerTimeout, "gone", c.base.Add(2*time.Minute), []byte("gone?"))
	claimed := c.timer(hostReminder, "claimed", c.base.Add(3*time.Minute), []byte("claimed"))
	c.set(keep, gone, claimed)
	lease := c.claim(c.base.Add(3*time.Minute), time.Hour)
	require.Len(t, lease, 3)
	keep.Due, gone.Due, claimed.Due = lease[0].Lease, lease[0].Lease, lease[0].Lease

	boom := errors.New("decided against it")
	err := c.s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.SetTimer(ctx(), c.timer(conversation.TimerTimeout, "keep", c.base, []byte("changed"))); err != nil {
			return err
		}
		if err := tx.SetTimer(ctx(), c.timer(conversation.TimerTimeout, "new", c.base, []byte("new"))); err != nil {
			return err
		}
		if err := tx.DeleteTimer(ctx(), conversation.TimerTimeout, c.ws, "gone"); err != nil {
			return err
		}
		if deleted, err := tx.DeleteTimerAt(ctx(), hostReminder, c.ws, "claimed", claimed.Due); err != nil || !deleted {
			return fmt.Errorf("DeleteTimerAt: %v %w", deleted, err)
		}
		got, err := tx.Timer(ctx(), conversation.TimerTimeout, c.ws, "keep")
		if err != nil {
			return err
		}
		assert.Equal(t, []byte("changed"), got.Payload, "a transaction reads its own timer writes")
		return boom
	})
	require.ErrorIs(t, err, boom)
	for _, want := range []store.Timer{keep, gone, claimed} {
		got, ok := c.get(want.Kind, want.Key)
		require.True(t, ok, want.Key)
		assert.Equal(t, want, got, want.Key)
	}
	_, ok := c.get(conversation.TimerTimeout, "new")
	assert.False(t, ok, "a timer set in a rolled-back transaction is not stored")
	assert.Empty(t, c.claim(c.base.Add(30*time.Minute), time.Hour), "nothing moved earlier")
}

// testTimerKinds: a kind the store has never seen works like the engine's
// own, and one key under two kinds is two timers.
func (h *harness) testTimerKinds(t *testing.T) {
	c := h.timerCase(t, "timer-kinds", 2240)
	c.set(c.timer(hostReminder, "k", c.base.Add(time.Minute), []byte("remind")),
		c.timer(conversation.TimerTimeout, "k", c.base.Add(2*time.Minute), nil))
	got, ok := c.get(hostReminder, "k")
	require.True(t, ok)
	assert.Equal(t, c.timer(hostReminder, "k", c.base.Add(time.Minute), []byte("remind")), got)
	_, ok = c.get("host.other", "k")
	assert.False(t, ok, "another kind")

	claimed := c.claim(c.base.Add(time.Minute), time.Minute)
	require.Len(t, claimed, 1, "only the reminder is due")
	assert.Equal(t, hostReminder, claimed[0].Kind)
	assert.Equal(t, []byte("remind"), claimed[0].Payload)
	assert.True(t, c.deleteAt(hostReminder, "k", claimed[0].Lease))
	_, ok = c.get(hostReminder, "k")
	assert.False(t, ok)
	got, ok = c.get(conversation.TimerTimeout, "k")
	require.True(t, ok, "the timeout of the same key stays")
	assert.True(t, got.Due.Equal(c.base.Add(2*time.Minute)))

	require.NoError(t, c.s.Update(ctx(), func(tx store.Tx) error { return tx.DeleteTimer(ctx(), conversation.TimerTimeout, c.ws, "k") }))
	_, ok = c.get(conversation.TimerTimeout, "k")
	assert.False(t, ok)
}
