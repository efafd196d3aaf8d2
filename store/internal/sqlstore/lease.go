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
// of events handed over in memory) costs no goroutine.
func Renewing(ctx context.Context, interval time.Duration, lost error, renew func(context.Context) (ok bool, err error), fn func(context.Context)) (wasLost bool) {
	fnCtx, cancelFn := context.WithCancelCause(ctx)
	defer cancelFn(nil)
	interval = max(interval, time.Millisecond)
	var (
		mu      sync.Mutex
		stopped bool           // fn returned: no renewal starts
		running sync.WaitGroup // the renewal under way
		rctx    context.Context
		stop    context.CancelFunc = func() {}
		timer   *time.Timer
	)
	tick := func() {
		mu.Lock()
		if stopped {
			mu.Unlock()
			return
		}
		running.Add(1)
		if rctx == nil {
			rctx, stop = context.WithCancel(context.WithoutCancel(ctx))
		}
		c := rctx
		mu.Unlock()
		defer running.Done()
		ok, err := renew(c)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil && !ok:
			wasLost = true
			cancelFn(lost)
		case !stopped:
			timer.Reset(interval)
		}
	}
	mu.Lock()
	timer = time.AfterFunc(interval, tick)
	mu.Unlock()
	end := func() {
		mu.Lock()
		stopped = true
		timer.Stop()
		stop()
		mu.Unlock()
		running.Wait()
	}
	defer end() // also when fn panics
	fn(fnCtx)
	end()
	return wasLost
}
