package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// DrainBusyOnlyWhileADrainRuns checks, on a fresh store s that no other
// handle drains, that one drain at a time runs per handle (a second call
// while fn runs answers store.ErrBusy), and that what else holds the
// drain's state for a write (its idle release, Close) is no drain: a drain
// started meanwhile waits for it and runs, rather than being turned away
// (and its engine backing off) as if another drain ran. hold takes what
// the release holds while it writes, and returns its release.
func DrainBusyOnlyWhileADrainRuns(t *testing.T, s store.Store, hold func() (release func())) {
	t.Helper()
	ctx := context.Background()
	appendOne := func(msg conversation.MessageID) {
		t.Helper()
		require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
			return tx.AppendEvent(ctx, conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w",
				Conversation: "c1", Message: msg})
		}))
	}
	publish := func(_ context.Context, evs []conversation.Event) (int, error) { return len(evs), nil }

	appendOne("m1")
	inside, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := s.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) {
			close(inside)
			<-release
			return len(evs), nil
		})
		first <- err
	}()
	<-inside
	_, err := s.DrainEvents(ctx, 10, publish)
	require.ErrorIs(t, err, store.ErrBusy, "a second drain of the same handle")
	close(release)
	require.NoError(t, <-first)

	appendOne("m2")
	unlock := hold()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := s.DrainEvents(ctx, 10, publish)
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		unlock()
		t.Fatalf("the drain did not wait for the release's write: %d, %v", r.n, r.err)
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, 1, r.n)
}
