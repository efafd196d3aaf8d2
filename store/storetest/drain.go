package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// busyWait bounds how long a drain of the suite waits while the store
// answers store.ErrBusy. The contract lets another process drain the same
// data at any time (a store on a shared database, whose other users or
// whose last killed process hold the drain until their lease ends); a
// drain that stays busy longer than this fails the test.
const busyWait = 30 * time.Second

// drain is s.DrainEvents with its limit and fn, tried again while the
// store answers store.ErrBusy, for at most busyWait. The cases that assert
// exclusion call DrainEvents itself.
func drain(t testing.TB, s store.Store, limit int, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	t.Helper()
	deadline := time.Now().Add(busyWait)
	pause := time.Millisecond
	for {
		n, err := s.DrainEvents(ctx(), limit, fn)
		if !errors.Is(err, store.ErrBusy) || time.Now().After(deadline) {
			return n, err
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}
