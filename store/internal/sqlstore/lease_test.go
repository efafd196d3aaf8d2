package sqlstore

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

var errTestLost = errors.New("lease lost")

// A drain that lasts several intervals renews its lease at each, and no
// renewal follows its end (R17: the drain's lease is held only while it
// publishes).
func TestRenewingRenewsWhileFnRuns(t *testing.T) {
	var renewals, after atomic.Int32
	var ended atomic.Bool
	lost := Renewing(context.Background(), 5*time.Millisecond, errTestLost, func(ctx context.Context) (bool, error) {
		if ended.Load() {
			after.Add(1)
		}
		renewals.Add(1)
		return true, nil
	}, func(ctx context.Context) {
		deadline := time.Now().Add(2 * time.Second)
		for renewals.Load() < 3 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if err := ctx.Err(); err != nil {
			t.Errorf("fn's context ended while the lease was held: %v", err)
		}
	})
	ended.Store(true)
	if lost {
		t.Fatal("reported lost, but every renewal held the lease")
	}
	if n := renewals.Load(); n < 3 {
		t.Fatalf("%d renewals while fn ran, want at least 3", n)
	}
	time.Sleep(20 * time.Millisecond)
	if n := after.Load(); n != 0 {
		t.Fatalf("%d renewals after Renewing returned", n)
	}
}

// A renewal that finds the lease taken ends fn's context with the lost
// error as its cause, and Renewing reports it; a failing renewal is tried
// again at the next tick and ends nothing.
func TestRenewingLost(t *testing.T) {
	var calls atomic.Int32
	var cause error
	lost := Renewing(context.Background(), 2*time.Millisecond, errTestLost, func(ctx context.Context) (bool, error) {
		if calls.Add(1) == 1 {
			return false, errors.New("database down")
		}
		return false, nil
	}, func(ctx context.Context) {
		select {
		case <-ctx.Done():
			cause = context.Cause(ctx)
		case <-time.After(5 * time.Second):
		}
	})
	if !lost {
		t.Fatal("lost lease not reported")
	}
	if !errors.Is(cause, errTestLost) {
		t.Fatalf("fn's context ended with %v, want %v", cause, errTestLost)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d renewals, want 2 (the failed one tried again, then lost)", n)
	}
}

// A drain shorter than the interval renews nothing; one that panics
// leaves no renewal behind either.
func TestRenewingShortAndPanicking(t *testing.T) {
	var renewals atomic.Int32
	renew := func(context.Context) (bool, error) { renewals.Add(1); return true, nil }
	if Renewing(context.Background(), time.Hour, errTestLost, renew, func(context.Context) {}) {
		t.Fatal("a short drain reported its lease lost")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic of fn was not passed on")
			}
		}()
		Renewing(context.Background(), time.Millisecond, errTestLost, renew, func(context.Context) { panic("publisher failed") })
	}()
	before := renewals.Load()
	time.Sleep(20 * time.Millisecond)
	if n := renewals.Load(); n != before || n > 1 {
		t.Fatalf("renewals went on after Renewing returned: %d then %d", before, n)
	}
}

// The renewal in flight when fn returns is cancelled, and Renewing waits
// for it, so that nothing writes the lease after it returns.
func TestRenewingWaitsForTheRenewalInFlight(t *testing.T) {
	started := make(chan struct{})
	var done atomic.Bool
	Renewing(context.Background(), time.Millisecond, errTestLost, func(ctx context.Context) (bool, error) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-ctx.Done()
		time.Sleep(5 * time.Millisecond)
		done.Store(true)
		return true, ctx.Err()
	}, func(context.Context) { <-started })
	if !done.Load() {
		t.Fatal("Renewing returned before its renewal in flight ended")
	}
}

// A Renewer runs one fn after another on one timer: a run after one whose
// lease was lost starts with its context live and reports only its own
// renewals, and a short run costs no more than fn's context.
func TestRenewerRunsInTurn(t *testing.T) {
	var taken atomic.Bool
	var renewals atomic.Int32
	r := &Renewer{Interval: 2 * time.Millisecond, Lost: errTestLost, Renew: func(context.Context) (bool, error) {
		renewals.Add(1)
		return !taken.Load(), nil
	}}
	taken.Store(true)
	if !r.Run(context.Background(), func(ctx context.Context) { <-ctx.Done() }) {
		t.Fatal("the first run's lost lease not reported")
	}
	taken.Store(false)
	for i := range 3 {
		before := renewals.Load()
		lost := r.Run(context.Background(), func(ctx context.Context) {
			deadline := time.Now().Add(2 * time.Second)
			for renewals.Load() < before+2 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if err := ctx.Err(); err != nil {
				t.Errorf("run %d: fn's context ended while the lease was held: %v", i, err)
			}
		})
		if lost {
			t.Fatalf("run %d reported a lost lease, but it held it", i)
		}
		if n := renewals.Load() - before; n < 2 {
			t.Fatalf("run %d: %d renewals, want at least 2", i, n)
		}
	}
	r.Interval = time.Hour
	before := renewals.Load()
	allocs := testing.AllocsPerRun(100, func() { r.Run(context.Background(), func(context.Context) {}) })
	if allocs > 3 {
		t.Errorf("a short run allocates %.0f times, want at most 3 (fn's context)", allocs)
	}
	if n := renewals.Load(); n != before {
		t.Fatalf("short runs renewed %d times", n-before)
	}
}

// A tick that fires as a run ends renews nothing in the next run: the
// renewals of one Renewer never overlap, and a run whose fn panicked
// leaves it ready for the next.
func TestRenewerTicksBelongToTheirRun(t *testing.T) {
	var inFlight, most, renewals atomic.Int32
	r := &Renewer{Interval: time.Millisecond, Lost: errTestLost, Renew: func(context.Context) (bool, error) {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		renewals.Add(1)
		time.Sleep(2 * time.Millisecond)
		inFlight.Add(-1)
		return true, nil
	}}
	for i := range 300 {
		r.Run(context.Background(), func(context.Context) { time.Sleep(time.Duration(500+i%7*150) * time.Microsecond) })
	}
	if renewals.Load() == 0 {
		t.Fatal("no run lasted long enough to renew: the test checks nothing")
	}
	if m := most.Load(); m > 1 {
		t.Fatalf("%d renewals ran at once", m)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic of fn was not passed on")
			}
		}()
		r.Run(context.Background(), func(context.Context) { panic("publisher failed") })
	}()
	before := renewals.Load()
	if r.Run(context.Background(), func(ctx context.Context) {
		deadline := time.Now().Add(2 * time.Second)
		for renewals.Load() < before+2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}) {
		t.Fatal("the run after a panic reported a lost lease")
	}
	if n := renewals.Load() - before; n < 2 {
		t.Fatalf("the run after a panic renewed %d times, want at least 2", n)
	}
}
