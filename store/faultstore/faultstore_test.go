package faultstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/faultstore"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/store/storetest"
)

var bg = context.Background()

// Without rules the wrapper is a store like any other, over a store with
// every optional capability (SQLite) and over one with its own (memory).
func TestConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		storetest.Run(t, func(testing.TB) store.Store { return faultstore.New(memory.New(), 1) }, storetest.Options{Repeat: 5})
	})
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "cc.db")
		storetest.Run(t, func(t testing.TB) store.Store {
			s, err := sqlite.Open(bg, path)
			require.NoError(t, err)
			return faultstore.New(s, 1)
		}, storetest.Options{Repeat: 5})
	})
}

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "cc.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// The wrapped transaction keeps the InboundLookup capability of the SQL
// stores, so that the engine takes the same path as without the wrapper.
func TestKeepsInboundLookup(t *testing.T) {
	for name, inner := range map[string]store.Store{"memory": memory.New(), "sqlite": openSQLite(t)} {
		want := false
		require.NoError(t, inner.View(bg, func(tx store.Tx) error { _, want = tx.(store.InboundLookup); return nil }))
		s := faultstore.New(inner, 1)
		require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpTxLookupInbound, When: faultstore.Before, Next: 1}))
		err := s.View(bg, func(tx store.Tx) error {
			l, ok := tx.(store.InboundLookup)
			assert.Equal(t, want, ok, name)
			if !ok {
				return nil
			}
			_, err := l.LookupInbound(bg, "w", "ch", "m1", "c1")
			return err
		})
		if want {
			assert.ErrorIs(t, err, faultstore.ErrInjected, name)
			assert.Equal(t, 1, s.Injected(), name)
		} else {
			assert.NoError(t, err, name)
		}
	}
}

// The wrapped transaction keeps the Workloads capability of the SQL
// stores, and its faults.
func TestKeepsWorkloads(t *testing.T) {
	for name, inner := range map[string]store.Store{"memory": memory.New(), "sqlite": openSQLite(t)} {
		want := false
		require.NoError(t, inner.View(bg, func(tx store.Tx) error { _, want = tx.(store.Workloads); return nil }))
		s := faultstore.New(inner, 1)
		require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpTxWorkload, When: faultstore.After, Next: 1}))
		require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpTxAgents, When: faultstore.Before, Next: 1}))
		err := s.View(bg, func(tx store.Tx) error {
			_, ok := tx.(store.Workloads)
			assert.Equal(t, want, ok, name)
			_, err := store.Workload(bg, tx, "w")
			return err
		})
		assert.ErrorIs(t, err, faultstore.ErrInjected, name)
		f := s.Faults()
		require.Len(t, f, 1, name)
		if want {
			assert.Equal(t, faultstore.OpTxWorkload, f[0].Op, "%s: the capability's call fails", name)
		} else {
			assert.Equal(t, faultstore.OpTxAgents, f[0].Op, "%s: the way without it fails in its first call", name)
		}
	}
}

// A store without store.TimerPeeker stays without it behind the wrapper:
// NextTimer answers errors.ErrUnsupported, which no rule changes.
func TestNextTimerWithoutPeeker(t *testing.T) {
	s := faultstore.New(noPeeker{openSQLite(t)}, 1)
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpNextTimer, When: faultstore.Before, Next: 1}))
	_, ok, err := s.NextTimer(bg)
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	assert.False(t, ok)
	assert.Zero(t, s.Injected())

	s = faultstore.New(openSQLite(t), 1)
	_, ok, err = s.NextTimer(bg)
	require.NoError(t, err, "over a TimerPeeker")
	assert.False(t, ok, "no timer")
}

// noPeeker is a store without its TimerPeeker capability: only the
// methods of store.Store are promoted.
type noPeeker struct{ store.Store }

// DeleteTimerAt fails like any Tx call; a fault after it leaves the
// timer deleted only if the transaction commits.
func TestDeleteTimerAtFaults(t *testing.T) {
	s := faultstore.New(openSQLite(t), 1)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	require.NoError(t, s.Update(bg, func(tx store.Tx) error {
		return tx.SetTimer(bg, store.Timer{Kind: "host.reminder", Workspace: "w", Key: "k", Due: t0, Payload: []byte("p")})
	}))
	claimed, err := s.ClaimTimers(bg, t0, time.Minute, 10)
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	deleteAt := func() (bool, error) {
		var deleted bool
		err := s.Update(bg, func(tx store.Tx) (err error) {
			deleted, err = tx.DeleteTimerAt(bg, "host.reminder", "w", "k", claimed[0].Lease)
			return err
		})
		return deleted, err
	}
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpTxDeleteTimerAt, When: faultstore.Before, Next: 1}))
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpTxDeleteTimerAt, When: faultstore.After, Next: 1}))
	for range 2 {
		deleted, err := deleteAt()
		assert.ErrorIs(t, err, faultstore.ErrInjected)
		assert.False(t, deleted)
	}
	f := s.Faults()
	require.Len(t, f, 2)
	assert.Equal(t, faultstore.Before, f[0].When)
	assert.Equal(t, faultstore.After, f[1].When)
	deleted, err := deleteAt()
	require.NoError(t, err)
	assert.True(t, deleted, "the failed transactions deleted nothing")
}

func agent(id conversation.AgentID, version int64) conversation.Agent {
	return conversation.Agent{ID: id, Workspace: "w", Name: string(id), Version: version}
}

func putAgent(s store.Store, id conversation.AgentID) error {
	return s.Update(bg, func(tx store.Tx) error { return tx.PutAgent(bg, agent(id, 1)) })
}

func hasAgent(t *testing.T, s store.Store, id conversation.AgentID) bool {
	t.Helper()
	err := s.View(bg, func(tx store.Tx) error { _, err := tx.Agent(bg, "w", id); return err })
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	require.NoError(t, err)
	return true
}

// Invalid rules are refused with ErrInvalidRule and change nothing.
func TestRulesValidated(t *testing.T) {
	s := faultstore.New(memory.New(), 1)
	for name, r := range map[string]faultstore.Rule{
		"unknown op":          {Op: "Commit", When: faultstore.Before, Next: 1},
		"no when":             {Op: faultstore.OpUpdate, Next: 1},
		"view at commit":      {Op: faultstore.OpView, When: faultstore.AtCommit, Next: 1},
		"tx call at commit":   {Op: faultstore.OpTxCreateMessage, When: faultstore.AtCommit, Next: 1},
		"fails nothing":       {Op: faultstore.OpUpdate, When: faultstore.Before},
		"negative next":       {Op: faultstore.OpUpdate, When: faultstore.Before, Next: -1},
		"probability above 1": {Op: faultstore.OpUpdate, When: faultstore.Before, Probability: 1.5},
	} {
		assert.ErrorIs(t, s.Add(r), faultstore.ErrInvalidRule, name)
	}
	require.NoError(t, putAgent(s, "a1"))
	assert.Zero(t, s.Injected())
}

// Next N fails the next N matching calls, before the store sees them.
func TestNextFailsBefore(t *testing.T) {
	s := faultstore.New(memory.New(), 1)
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.Before, Next: 2}))
	ran := 0
	for range 3 {
		_ = s.Update(bg, func(tx store.Tx) error { ran++; return tx.PutAgent(bg, agent("a1", 1)) })
	}
	assert.Equal(t, 1, ran, "fn runs only once the rule is spent")
	assert.Equal(t, 2, s.Injected())
	assert.True(t, hasAgent(t, s, "a1"))
	for _, f := range s.Faults() {
		assert.Equal(t, faultstore.OpUpdate, f.Op)
		assert.Equal(t, faultstore.Before, f.When)
		assert.Empty(t, f.Tx)
	}
}

// AtCommit runs fn and rolls its writes back; After commits them and
// reports a failure anyway.
func TestCommitFaults(t *testing.T) {
	s := faultstore.New(memory.New(), 1)
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.AtCommit, Next: 1}))
	err := putAgent(s, "a1")
	assert.ErrorIs(t, err, faultstore.ErrInjected)
	assert.False(t, hasAgent(t, s, "a1"), "rolled back")

	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.After, Next: 1}))
	err = putAgent(s, "a2")
	assert.ErrorIs(t, err, faultstore.ErrInjected)
	assert.True(t, hasAgent(t, s, "a2"), "committed although the caller got an error")

	f := s.Faults()
	require.Len(t, f, 2)
	assert.Equal(t, faultstore.AtCommit, f[0].When)
	assert.Equal(t, faultstore.After, f[1].When)
	require.Len(t, f[1].Tx, 1, "the fault knows what the transaction did")
	assert.Equal(t, faultstore.OpTxPutAgent, f[1].Tx[0].Op)
	assert.Equal(t, agent("a2", 1), f[1].Tx[0].Args[0])
}

// A failed fn is not a commit: an AtCommit or After rule leaves it alone
// and is not spent.
func TestCommitFaultsSkipFailedUpdates(t *testing.T) {
	s := faultstore.New(memory.New(), 1)
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.After, Next: 1}))
	boom := errors.New("boom")
	assert.Same(t, boom, s.Update(bg, func(store.Tx) error { return boom }))
	assert.Zero(t, s.Injected())
	assert.ErrorIs(t, putAgent(s, "a1"), faultstore.ErrInjected)
}

// Tx calls fail before or after the wrapped call; Match sees the earlier
// calls of the transaction.
func TestTxFaults(t *testing.T) {
	s := faultstore.New(memory.New(), 1)
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpTxPutAgent, When: faultstore.Before, Next: 1,
		Match: func(c faultstore.Call) bool { return len(c.Tx) == 1 && c.Tx[0].Op == faultstore.OpTxAgents }}))
	err := s.Update(bg, func(tx store.Tx) error {
		if err := tx.PutAgent(bg, agent("a1", 1)); err != nil { // no earlier call: not matched
			return err
		}
		return tx.PutAgent(bg, agent("a2", 1))
	})
	require.NoError(t, err)
	err = s.Update(bg, func(tx store.Tx) error {
		if _, err := tx.Agents(bg, "w"); err != nil {
			return err
		}
		return tx.PutAgent(bg, agent("a3", 1))
	})
	assert.ErrorIs(t, err, faultstore.ErrInjected)
	assert.False(t, hasAgent(t, s, "a3"))

	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpTx, When: faultstore.After, Next: 1}))
	err = s.View(bg, func(tx store.Tx) error { _, err := tx.Agent(bg, "w", "a1"); return err })
	assert.ErrorIs(t, err, faultstore.ErrInjected)
	f := s.Faults()
	require.Len(t, f, 2)
	assert.Equal(t, faultstore.OpTxAgent, f[1].Op)
	assert.Equal(t, faultstore.After, f[1].When)

	// A call that fails on its own is left alone by an After rule.
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpTxAgent, When: faultstore.After, Next: 1}))
	err = s.View(bg, func(tx store.Tx) error { _, err := tx.Agent(bg, "w", "nobody"); return err })
	assert.ErrorIs(t, err, store.ErrNotFound)
	assert.Equal(t, 2, s.Injected())
}

// One seed gives one sequence of faults; the rate follows the probability.
func TestProbabilityIsSeeded(t *testing.T) {
	run := func(seed uint64) []bool {
		s := faultstore.New(memory.New(), seed)
		require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpView, When: faultstore.Before, Probability: 0.3}))
		out := make([]bool, 400)
		for i := range out {
			out[i] = s.View(bg, func(store.Tx) error { return nil }) != nil
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
	n := 0
	for _, failed := range a {
		if failed {
			n++
		}
	}
	assert.InDelta(t, 120, n, 40)
}

// Next bounds a probabilistic rule; rules are tried in order; Clear stops
// every fault.
func TestNextBoundsProbability(t *testing.T) {
	s := faultstore.New(memory.New(), 1)
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpView, When: faultstore.Before, Probability: 0.5, Next: 3}))
	for range 100 {
		_ = s.View(bg, func(store.Tx) error { return nil })
	}
	assert.Equal(t, 3, s.Injected())

	custom := errors.New("custom")
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpView, When: faultstore.Before, Probability: 1, Err: custom}))
	assert.Same(t, custom, s.View(bg, func(store.Tx) error { return nil }))
	s.Clear()
	assert.NoError(t, s.View(bg, func(store.Tx) error { return nil }))
	assert.Equal(t, 4, s.Injected(), "what was injected stays counted")
}

// Faults of the drain: before it, at its commit (the events stay), after
// it (they are forgotten).
func TestDrainFaults(t *testing.T) {
	s := faultstore.New(memory.New(), 1)
	require.NoError(t, s.Update(bg, func(tx store.Tx) error {
		return tx.AppendEvent(bg, conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w", Conversation: "cv1"})
	}))
	published := 0
	publish := func(_ context.Context, evs []conversation.Event) (int, error) {
		published += len(evs)
		return len(evs), nil
	}

	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpDrainEvents, When: faultstore.Before, Next: 1}))
	n, err := s.DrainEvents(bg, 10, publish)
	assert.ErrorIs(t, err, faultstore.ErrInjected)
	assert.Zero(t, n)
	assert.Zero(t, published, "fn not called")

	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpDrainEvents, When: faultstore.AtCommit, Next: 1}))
	n, err = s.DrainEvents(bg, 10, publish)
	assert.ErrorIs(t, err, faultstore.ErrInjected)
	assert.Zero(t, n)
	assert.Equal(t, 1, published)

	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpDrainEvents, When: faultstore.After, Next: 1}))
	n, err = s.DrainEvents(bg, 10, publish)
	assert.ErrorIs(t, err, faultstore.ErrInjected)
	assert.Zero(t, n)
	assert.Equal(t, 2, published, "kept by the failed commit, published again")

	n, err = s.DrainEvents(bg, 10, publish)
	require.NoError(t, err)
	assert.Zero(t, n, "forgotten by the drain whose answer was lost")
}

// A fault after ClaimTimers leaves the timers claimed: they come due again
// when the lease ends.
func TestClaimTimersAfter(t *testing.T) {
	s := faultstore.New(openSQLite(t), 1)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	require.NoError(t, s.Update(bg, func(tx store.Tx) error {
		return tx.SetTimer(bg, store.Timer{Kind: conversation.TimerTimeout, Workspace: "w", Key: "cv1", Due: t0})
	}))
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpClaimTimers, When: faultstore.After, Next: 1}))
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpNextTimer, When: faultstore.Before, Next: 1}))
	_, err := s.ClaimTimers(bg, t0, time.Minute, 10)
	assert.ErrorIs(t, err, faultstore.ErrInjected)
	_, _, err = s.NextTimer(bg)
	assert.ErrorIs(t, err, faultstore.ErrInjected)
	due, ok, err := s.NextTimer(bg)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.True(t, due.Equal(t0.Add(time.Minute)), "claimed: due when the lease ends")
}

// The injected error is a lost connection to the engine: unavailable, and
// no sentinel of the store contract.
func TestErrorIsUnavailable(t *testing.T) {
	s := faultstore.New(memory.New(), 1)
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.After, Next: 1}))
	err := putAgent(s, "a1")
	require.Error(t, err)
	for _, sentinel := range []error{store.ErrNotFound, store.ErrConflict, store.ErrDuplicate, store.ErrBusy} {
		assert.NotErrorIs(t, err, sentinel)
	}
	assert.Equal(t, contactcenter.CodeUnavailable, contactcenter.ErrorCode(err))
	assert.Contains(t, err.Error(), "Update after the call")
}

// Call.Wrote finds the transactions that wrote a given message.
func TestCallWrote(t *testing.T) {
	s := faultstore.New(memory.New(), 1)
	require.NoError(t, s.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.After, Probability: 1}))
	m := conversation.Message{ID: "m1", Workspace: "w", Conversation: "cv1", Channel: "ch", Direction: conversation.ToContact,
		Kind: conversation.KindText, Text: "hi", Delivery: conversation.DeliveryPending, Version: 1}
	_ = s.Update(bg, func(tx store.Tx) error { return tx.CreateMessage(bg, m) })
	_ = putAgent(s, "a1")
	f := s.Faults()
	require.Len(t, f, 2)
	pending := func(m conversation.Message) bool { return m.Delivery == conversation.DeliveryPending }
	assert.True(t, f[0].Wrote(pending))
	assert.False(t, f[1].Wrote(pending))
}
