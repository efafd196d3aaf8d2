package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
)

// A host's own timer kind with a payload: two engines on one database,
// firing at the same moment and again and again, hand each timer to the
// handler exactly once.
func TestHostTimerOnceAcrossEngines(t *testing.T) {
	dsn := freshSchema(t)
	ctx := context.Background()
	const kind conversation.TimerKind = "crm.follow_up"
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var calls sync.Map // key → *atomic.Int32
	var payloadOK atomic.Int32
	handler := func(_ context.Context, tm conversation.Timer) error {
		n, _ := calls.LoadOrStore(tm.Key, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		if string(tm.Payload) == "step 4 of "+tm.Key {
			payloadOK.Add(1)
		}
		return nil
	}
	engines := make([]*contactcenter.Engine, 2)
	for i := range engines {
		s := open(t, dsn)
		t.Cleanup(func() { s.Close() })
		var err error
		engines[i], err = contactcenter.New(contactcenter.Config{Store: s, Now: clock,
			Timers: map[conversation.TimerKind]contactcenter.TimerHandler{kind: handler}})
		require.NoError(t, err)
		t.Cleanup(func() { engines[i].Close() })
	}
	const timers = 120
	for i := range timers {
		key := fmt.Sprint("run-", i)
		require.NoError(t, engines[i%2].SetTimer(ctx, contactcenter.TimerSetting{Timer: conversation.Timer{Kind: kind, Workspace: "w", Key: key,
			Due: now.Add(time.Duration(i%7) * time.Minute), Payload: []byte("step 4 of " + key)}, By: conversation.Host()}))
	}
	mu.Lock()
	now = now.Add(10 * time.Minute)
	mu.Unlock()

	fired := make([]int, 2)
	var wg sync.WaitGroup
	for i, eng := range engines {
		wg.Go(func() {
			for range 3 {
				n, err := eng.FireTimers(ctx)
				assert.NoError(t, err)
				fired[i] += n
			}
		})
	}
	wg.Wait()
	assert.Equal(t, timers, fired[0]+fired[1], "each timer handled once: %v", fired)
	assert.EqualValues(t, timers, payloadOK.Load(), "every handler call saw its payload")
	seen := 0
	calls.Range(func(k, v any) bool {
		seen++
		assert.EqualValues(t, 1, v.(*atomic.Int32).Load(), "timer %s handled %d times", k, v.(*atomic.Int32).Load())
		return true
	})
	assert.Equal(t, timers, seen)
	// A kind without a handler is refused: it would never fire.
	err := engines[0].SetTimer(ctx, contactcenter.TimerSetting{Timer: conversation.Timer{Kind: "crm.unknown", Workspace: "w", Key: "x", Due: now}, By: conversation.Host()})
	assert.ErrorIs(t, err, contactcenter.ErrInvalid)
}
