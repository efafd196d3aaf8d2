package sqlite

import "database/sql"

// WriterDB returns s's single writer connection, for benchmarks that
// compare the store with plain transactions on the same connection.
func WriterDB(s *Store) *sql.DB { return s.w }
