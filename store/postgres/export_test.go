package postgres

import (
	"time"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

// SetPublishLease sets how long s's leases on its partitions last.
func SetPublishLease(s *Store, d time.Duration) {
	s.pub.mu.Lock()
	s.pub.lease = d
	s.pub.mu.Unlock()
}

// Plan is plan, for tests.
var Plan = func(holders []string, until []int64, holder string, live []string, now int64) (mine, release []int16, share int) {
	leases := make([]lease, len(holders))
	for i := range holders {
		leases[i] = lease{part: int16(i), holder: holders[i], until: until[i]}
	}
	return plan(leases, holder, live, now)
}

// Kill makes s behave as the handle of a killed process: it drains no more
// and never gives its share up; its leases end by themselves.
func Kill(s *Store) {
	s.pub.mu.Lock()
	defer s.pub.mu.Unlock()
	if s.pub.idle != nil {
		s.pub.idle.Stop()
	}
	s.pub.closed = true
}

// SetHolder names s's publisher among the holders of the stream's
// leases, before it first drains.
func SetHolder(s *Store, name string) {
	s.pub.mu.Lock()
	s.pub.holder = name
	s.pub.mu.Unlock()
}

// Balances returns how many balance transactions s's publisher committed.
func Balances(s *Store) uint64 { return s.pub.balances.Load() }

// PublishLease is how long a handle's leases last by default.
const PublishLease = publishLease

// InboundCached returns the number of senders s's inbound cache holds.
func InboundCached(s *Store) int { return s.inbound.Len() }

// UsedInboundCache reports whether tx, a transaction of a Store, answered
// a lookup from the inbound cache.
func UsedInboundCache(tx store.Tx) bool { return tx.(*sqlstore.Tx).UsedInboundCache() }

// SetInboundQuiet sets how long a sender whose cached records failed stays
// out of s's inbound cache.
func SetInboundQuiet(s *Store, d time.Duration) { s.inbound.Quiet = d }

// SetInboundMaxAge sets how long the inbound cache keeps an entry.
func SetInboundMaxAge(s *Store, d time.Duration) { s.inbound.MaxAge = d }

// HoldPublishLock takes the lock the idle release and Close hold while
// they write, and returns its release.
func HoldPublishLock(s *Store) (release func()) {
	s.pub.mu.Lock()
	return s.pub.mu.Unlock
}
