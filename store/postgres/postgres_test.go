package postgres_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/internal/pgtest"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/store/storetest"
)

// freshSchema creates an empty schema for one test, drops it afterwards and
// returns a DSN that uses it. Without a database the test fails when CI is
// set and is skipped otherwise.
func freshSchema(t testing.TB) string {
	t.Helper()
	return pgtest.FreshSchema(t, "cc_test_")
}

func open(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	dsn := freshSchema(t)
	storetest.Run(t, func(t testing.TB) store.Store { return open(t, dsn) })
}

// Two processes opening a fresh database at once apply the migrations once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	dsn := freshSchema(t)
	ctx := context.Background()
	stores := make([]*postgres.Store, 4)
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(ctx, dsn) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err)
		defer stores[i].Close()
	}
	var versions int
	require.NoError(t, stores[0].Pool().QueryRow(ctx, `SELECT count(*) FROM cc_schema_migrations`).Scan(&versions))
	files, err := filepath.Glob("migrations/*.sql")
	require.NoError(t, err)
	assert.Equal(t, len(files), versions, "each migration applied once")
	// Opening again applies nothing and works.
	s := open(t, dsn)
	defer s.Close()
	require.NoError(t, s.View(ctx, func(tx store.Tx) error {
		_, err := tx.Queue(ctx, "w", 0)
		return err
	}))
}
