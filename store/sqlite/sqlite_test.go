package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/store/storetest"
)

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The conformance suite on a fresh SQLite file.
func TestConformance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	storetest.Run(t, func(t testing.TB) store.Store { return open(t, path) })
}
