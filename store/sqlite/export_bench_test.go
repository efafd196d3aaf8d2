package sqlite

import (
	"context"
	"database/sql"
)

// WithWriter runs fn on s's writer connection, taken as the store's own
// write transactions take it, for benchmarks that compare the store with
// plain transactions on the same connection.
func WithWriter(s *Store, fn func(*sql.Conn) error) error {
	if err := s.writer.take(context.Background()); err != nil {
		return err
	}
	defer s.writer.release()
	return fn(s.writer.conn)
}
