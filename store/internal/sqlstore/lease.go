package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
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

// Renewing runs fn while a goroutine calls renew every interval, and
// returns once both have stopped (also when fn panics), so that no renewal
// follows. A renewal that reports the lease taken (ok false) ends fn's
// context with lost as its cause, and Renewing reports it; one that fails
// is tried again at the next tick. Renewals do not end with ctx: what
// follows fn (the deletion of what it published) does not either.
func Renewing(ctx context.Context, interval time.Duration, lost error, renew func(context.Context) (ok bool, err error), fn func(context.Context)) (wasLost bool) {
	fnCtx, cancelFn := context.WithCancelCause(ctx)
	defer cancelFn(nil)
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	defer func() {
		stop()
		<-done
	}()
	go func() {
		defer close(done)
		tick := time.NewTicker(max(interval, time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-tick.C:
			}
			ok, err := renew(rctx)
			if err != nil {
				continue
			}
			if !ok {
				wasLost = true
				cancelFn(lost)
				return
			}
		}
	}()
	fn(fnCtx)
	stop()
	<-done
	return wasLost
}
