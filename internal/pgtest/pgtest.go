// Package pgtest gives the module's tests a PostgreSQL database: the DSN
// they use, a check that the server answers (failing the test when CI is
// set, skipping it otherwise), and a fresh schema per test, dropped when the
// test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// DSN returns the test database's DSN: $CONTACTCENTER_POSTGRES_DSN, or the
// local server on 127.0.0.1:5432, database test.
func DSN() string {
	if dsn := os.Getenv("CONTACTCENTER_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return "postgres://127.0.0.1:5432/test?sslmode=disable"
}

// Require returns DSN once the server answers. Without one the test fails
// when CI is set, so that CI never passes by skipping, and is skipped
// otherwise.
func Require(t testing.TB) string {
	t.Helper()
	dsn := DSN()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL is required when CI is set: %v", err)
		}
		t.Skipf("no PostgreSQL at %s (set CONTACTCENTER_POSTGRES_DSN): %v", dsn, err)
	}
	_ = conn.Close(context.Background())
	return dsn
}

// FreshSchema creates an empty schema named prefix and a random suffix,
// drops it when the test ends and returns a DSN whose search_path names it.
// Without a server it fails or skips as Require does.
func FreshSchema(t testing.TB, prefix string) string {
	t.Helper()
	ctx := context.Background()
	dsn := Require(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return WithSearchPath(dsn, schema)
}

// WithSearchPath returns dsn, a URL or key=value DSN, with its search_path
// set to schema.
func WithSearchPath(dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return dsn + " search_path=" + schema // a key=value DSN
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
