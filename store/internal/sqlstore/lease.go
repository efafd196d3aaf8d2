package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HolderName names a store handle among the holders of a lease: this
// host, this process and a random part, so that two handles never share a
// name, and a handle on the same host can tell that the holder's process
// is gone.
func HolderName() string {
	var id [8]byte
	_, _ = rand.Read(id[:])
	host, _ := os.Hostname()
	return strings.ReplaceAll(host, "/", "_") + "/" + strconv.Itoa(os.Getpid()) + "/" + hex.EncodeToString(id[:])
}

// Renewing runs fn while renew is called every interval, and returns once
// both have stopped (also when fn panics), so that no renewal follows. A
// renewal that reports the lease taken (ok false) ends fn's context with
// lost as its cause, and Renewing reports it; one that fails is tried
// again at the next tick. Renewals do not end with ctx: what follows fn
// (the deletion of what it published) does not either.
//
// The renewals run on a timer, so an fn shorter than interval (a drain
// of events handed over in memory) costs no goroutine. A caller that
// runs one fn after another keeps a Renewer instead.
func Renewing(ctx context.Context, interval time.Duration, lost error, renew func(context.Context) (ok bool, err error), fn func(context.Context)) (wasLost bool) {
	r := Renewer{Interval: interval, Lost: lost, Renew: renew}
	return r.Run(ctx, fn)
}

// Renewer runs functions while a lease is renewed, as Renewing does, and
// keeps its timer from one run to the next, so that a run costs no more
// than the context it gives fn. Its fields are set before a run, and not
// changed while one runs; runs take turns.
type Renewer struct {
	// Interval is how long after a run starts, and after each renewal,
	// the next renewal comes (at least a millisecond).
	Interval time.Duration
	// Lost is the cause fn's context ends with when a renewal finds the
	// lease taken.
	Lost error
	// Renew renews the lease: ok false says another holder took it.
	Renew func(context.Context) (ok bool, err error)

	turn sync.Mutex // held by Run

	mu       sync.Mutex  // guards the fields below
	timer    *renewTimer // nil until a run makes one, and after a run that ended once its tick had started
	interval time.Duration
	active   bool                    // a run's fn runs: a tick renews
	ctx      context.Context         // the run's
	cancel   context.CancelCauseFunc // ends fn's context
	rctx     context.Context         // the renewals' context, made at the run's first tick
	stop     context.CancelFunc      // ends rctx
	lost     bool                    // a renewal of the run found the lease taken
	running  sync.WaitGroup          // the renewal under way
}

// Run runs fn while the lease is renewed every Interval, and returns once
// both have stopped (also when fn panics); it reports whether a renewal
// found the lease taken, which ended fn's context with Lost as its cause.
func (r *Renewer) Run(ctx context.Context, fn func(context.Context)) (wasLost bool) {
	r.turn.Lock()
	defer r.turn.Unlock()
	fnCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.mu.Lock()
	r.interval = max(r.Interval, time.Millisecond)
	r.active, r.ctx, r.cancel, r.lost = true, ctx, cancel, false
	if r.timer == nil {
		rt := &renewTimer{}
		rt.t = time.AfterFunc(r.interval, func() { r.tick(rt) })
		r.timer = rt
	} else {
		r.timer.t.Reset(r.interval)
	}
	r.mu.Unlock()
	func() {
		defer r.end() // also when fn panics
		fn(fnCtx)
	}()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

// end stops the renewals of the run and waits for the one under way,
// whose context it ends.
func (r *Renewer) end() {
	r.mu.Lock()
	r.active = false
	if !r.timer.t.Stop() {
		// Its tick started, and may yet be waiting for mu: the next run
		// takes a timer of its own, which that tick is not.
		r.timer = nil
	}
	if r.stop != nil {
		r.stop()
	}
	r.ctx, r.cancel, r.rctx, r.stop = nil, nil, nil, nil
	r.mu.Unlock()
	r.running.Wait()
}

// renewTimer is the timer of a Renewer's runs, until one of its ticks
// meets the end of a run.
type renewTimer struct{ t *time.Timer }

// tick renews the lease for the run under way, if rt is its timer; a
// tick that comes after its run ended renews nothing.
func (r *Renewer) tick(rt *renewTimer) {
	r.mu.Lock()
	if !r.active || r.timer != rt {
		r.mu.Unlock()
		return
	}
	r.running.Add(1)
	if r.rctx == nil {
		r.rctx, r.stop = context.WithCancel(context.WithoutCancel(r.ctx))
	}
	c, cancel := r.rctx, r.cancel
	r.mu.Unlock()
	defer r.running.Done()
	ok, err := r.Renew(c)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err == nil && !ok:
		r.lost = true
		cancel(r.Lost)
	case r.active && r.timer == rt:
		rt.t.Reset(r.interval)
	}
}
