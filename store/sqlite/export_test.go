package sqlite

import "time"

// SetDrainLease sets the length of s's drain lease.
func SetDrainLease(s *Store, d time.Duration) { s.lease = d }

// DrainLeaseOf returns the length of s's drain lease.
func DrainLeaseOf(s *Store) time.Duration { return s.lease }
