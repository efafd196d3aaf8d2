package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/telenet/contactcenter/store"
)

// SQLite's errors map onto the store's: a constraint other than uniqueness,
// which the same data meets again, is store.ErrRejected.
func TestMapError(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "cc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.writer.exec(ctx, `INSERT INTO cc_teams (workspace, id, name) VALUES ('w', 't', NULL)`)
	if got := mapError(err); !errors.Is(got, store.ErrRejected) {
		t.Errorf("NOT NULL violation: %v, want store.ErrRejected", got)
	}
	_, err = s.writer.exec(ctx, `INSERT INTO cc_teams (workspace, id, name) VALUES ('w', 't', 'a'), ('w', 't', 'b')`)
	if got := mapError(err); !errors.Is(got, store.ErrDuplicate) || errors.Is(got, store.ErrRejected) {
		t.Errorf("unique violation: %v, want store.ErrDuplicate", got)
	}
	plain := errors.New("disk I/O")
	if got := mapError(plain); got != plain {
		t.Errorf("another error became %v", got)
	}
}
