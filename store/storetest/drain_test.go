package storetest_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/store/storetest"
)

// sharedDrain is a store whose data another process drains now and then:
// every other drain answers store.ErrBusy, as the contract allows.
type sharedDrain struct {
	store.Store
	calls atomic.Int64
}

func (s *sharedDrain) DrainEvents(ctx context.Context, limit int, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	if s.calls.Add(1)%2 == 1 {
		return 0, store.ErrBusy
	}
	return s.Store.DrainEvents(ctx, limit, fn)
}

// The suite passes a store that is busy while another process drains: it
// waits for the other drain where the contract allows one.
func TestSuiteWaitsForAnotherDrain(t *testing.T) {
	storetest.Run(t, func(testing.TB) store.Store { return &sharedDrain{Store: memory.New()} }, storetest.Options{Repeat: 5})
}
