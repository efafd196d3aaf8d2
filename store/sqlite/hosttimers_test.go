package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
)

// A host's own timer kind, with a payload, fires after a restart: the
// timer lives in the SQLite file, and the engine started again on it hands
// the payload to the kind's handler once.
func TestHostTimerAcrossRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	const kind conversation.TimerKind = "crm.follow_up"
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var fired []conversation.Timer
	handler := func(_ context.Context, tm conversation.Timer) error {
		mu.Lock()
		defer mu.Unlock()
		fired = append(fired, tm)
		return nil
	}
	start := func() (*contactcenter.Engine, func()) {
		s := open(t, path)
		eng, err := contactcenter.New(contactcenter.Config{Store: s, Now: clock,
			Timers: map[conversation.TimerKind]contactcenter.TimerHandler{kind: handler}})
		require.NoError(t, err)
		return eng, func() { eng.Close(); s.Close() }
	}

	eng, stop := start()
	payload := []byte(`{"run":"r-17","step":4}`)
	require.NoError(t, eng.SetTimer(ctx, contactcenter.TimerSetting{Timer: conversation.Timer{Kind: kind, Workspace: "w", Key: "r-17", Due: now.Add(10 * time.Minute), Payload: payload}, By: conversation.Host()}))
	n, err := eng.FireTimers(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "not due yet")
	stop()

	mu.Lock()
	now = now.Add(11 * time.Minute)
	mu.Unlock()
	eng, stop = start()
	defer stop()
	got, err := eng.Timer(ctx, kind, "w", "r-17")
	require.NoError(t, err)
	assert.Equal(t, payload, got.Payload, "the payload survived the restart")
	n, err = eng.FireTimers(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = eng.FireTimers(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "handled once: the timer is gone")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, fired, 1)
	assert.Equal(t, payload, fired[0].Payload)
	assert.Equal(t, "r-17", fired[0].Key)
	_, err = eng.Timer(ctx, kind, "w", "r-17")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound)
}
