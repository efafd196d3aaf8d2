package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/store/storetest"
)

// testDSN returns the test database's DSN: $CONTACTCENTER_POSTGRES_DSN, or
// the local server on 127.0.0.1:5432, database test.
func testDSN() string {
	if dsn := os.Getenv("CONTACTCENTER_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return "postgres://127.0.0.1:5432/test?sslmode=disable"
}

// freshSchema creates an empty schema for one test, drops it afterwards and
// returns a DSN that uses it. Without a database the test fails when CI is
// set and is skipped otherwise.
func freshSchema(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	dsn := testDSN()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required when CI is set: %v", err)
		}
		t.Skipf("no PostgreSQL at %s (set CONTACTCENTER_POSTGRES_DSN): %v", dsn, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "cc_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	return withSearchPath(t, dsn, schema)
}

func withSearchPath(t testing.TB, dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		// A key=value DSN.
		return dsn + " search_path=" + schema
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
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
