package sqlite

import (
	"context"
	"time"
)

// SetDrainLease sets the length of s's drain lease.
func SetDrainLease(s *Store, d time.Duration) {
	s.pub.mu.Lock()
	s.pub.lease = d
	s.pub.mu.Unlock()
}

// DrainLeaseOf returns the length of s's drain lease.
func DrainLeaseOf(s *Store) time.Duration {
	s.pub.mu.Lock()
	defer s.pub.mu.Unlock()
	return s.pub.lease
}

// LookupStats returns what s's look-up cache answered and missed, how
// many times it was emptied, and how many entries it holds.
func LookupStats(s *Store) (hits, misses, clears uint64, entries int) {
	s.look.mu.Lock()
	defer s.look.mu.Unlock()
	return s.look.hits, s.look.misses, s.look.clears, len(s.look.entries)
}

// ReopenWriter closes s's writer connection, so that the next write
// transaction runs on a connection opened again.
func ReopenWriter(s *Store) {
	if err := s.writer.take(context.Background()); err != nil {
		panic(err)
	}
	s.writer.drop()
	s.writer.release()
}

// MaxLookups is the bound of the look-up cache.
const MaxLookups = maxLookups

// QueuedWrites returns how many Update calls of s wait for the next batch.
func QueuedWrites(s *Store) int {
	s.batches.mu.Lock()
	defer s.batches.mu.Unlock()
	return len(s.batches.queue)
}

// WriterDataVersion returns the data version of s's writer connection.
// Call it only while s runs nothing.
func WriterDataVersion(s *Store) uint32 {
	_, v, err := s.conns.dataVersion()
	if err != nil {
		panic(err)
	}
	return v
}

// HoldDrainLock takes the lock the idle release and Close hold while they
// write, and returns its release.
func HoldDrainLock(s *Store) (release func()) {
	s.pub.mu.Lock()
	return s.pub.mu.Unlock
}
