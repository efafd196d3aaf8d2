package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/telenet/contactcenter/store"
)

// PostgreSQL's errors map onto the store's: what the same data would meet
// again is store.ErrRejected, so that the engine does not try it again and
// a channel puts it aside; a lost connection stays an error that may pass.
func TestMapError(t *testing.T) {
	for code, want := range map[string]error{
		"22021": store.ErrRejected,  // character_not_in_repertoire: a NUL byte, bytes that are not UTF-8
		"22001": store.ErrRejected,  // string_data_right_truncation
		"22003": store.ErrRejected,  // numeric_value_out_of_range
		"23502": store.ErrRejected,  // not_null_violation
		"54000": store.ErrRejected,  // program_limit_exceeded: an index row too big
		"23505": store.ErrDuplicate, // unique_violation
		"40001": store.ErrConflict,  // serialization_failure
		"40P01": store.ErrConflict,  // deadlock_detected
		"CC001": store.ErrConflict,  // cc_conflict()
		"57P01": nil,                // admin_shutdown: the connection was terminated
		"08006": nil,                // connection_failure
		"53300": nil,                // too_many_connections
		"42P01": nil,                // undefined_table: a schema not migrated yet
		"":      nil,
	} {
		pg := &pgconn.PgError{Code: code, Message: "m"}
		got := mapError(fmt.Errorf("batch: %w", pg))
		for _, sentinel := range []error{store.ErrRejected, store.ErrDuplicate, store.ErrConflict} {
			if errors.Is(got, sentinel) != (sentinel == want) {
				t.Errorf("SQLSTATE %q: %v; want %v", code, got, want)
			}
		}
	}
	plain := errors.New("read tcp: connection reset by peer")
	if got := mapError(plain); got != plain {
		t.Errorf("a network error became %v", got)
	}
}
