package postgres_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store/postgres"
)

// migratedTo applies the migrations up to number last to conn's schema and
// records them, as a store of that version left it.
func migratedTo(t testing.TB, conn *pgx.Conn, last int) {
	t.Helper()
	ctx := context.Background()
	_, err := conn.Exec(ctx, `CREATE TABLE cc_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
	require.NoError(t, err)
	files, err := filepath.Glob("migrations/*.sql")
	require.NoError(t, err)
	applied := 0
	for _, f := range files {
		v, err := strconv.Atoi(filepath.Base(f)[:4])
		require.NoError(t, err, f)
		if v > last {
			continue
		}
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		_, err = conn.Exec(ctx, string(body))
		require.NoError(t, err, f)
		_, err = conn.Exec(ctx, `INSERT INTO cc_schema_migrations (version) VALUES ($1)`, v)
		require.NoError(t, err)
		applied++
	}
	require.Equal(t, last, applied, "migrations 0001 to %04d", last)
}

// explain returns PostgreSQL's plan of query on s.
func explain(t testing.TB, s *postgres.Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), "EXPLAIN "+query, args...)
	require.NoError(t, err)
	var lines []string
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		lines = append(lines, line)
	}
	require.NoError(t, rows.Err())
	return strings.Join(lines, "\n")
}

// assertIndexScan checks that plan, the plan of the query called name,
// reads through an index (scan, such as "Index Scan") named index, with no
// sequential scan and no sort.
func assertIndexScan(t testing.TB, name, scan, index, plan string) {
	t.Helper()
	msg := fmt.Sprintf("%s:\n%s", name, plan)
	assert.Contains(t, plan, scan, msg)
	assert.Contains(t, plan, index, msg)
	assert.NotContains(t, plan, "Seq Scan", msg)
	assert.NotContains(t, plan, "Sort", msg)
}
