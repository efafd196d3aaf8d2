package sqlite

import "time"

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
