package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// migratedTo applies the migrations up to number last to raw and records
// them, as a store of that version left the file.
func migratedTo(t testing.TB, raw *sql.DB, last int) {
	t.Helper()
	_, err := raw.Exec(`CREATE TABLE cc_schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`)
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
		_, err = raw.Exec(string(body))
		require.NoError(t, err, f)
		_, err = raw.Exec(`INSERT INTO cc_schema_migrations (version) VALUES (?)`, v)
		require.NoError(t, err)
		applied++
	}
	require.Equal(t, last, applied, "migrations 0001 to %04d", last)
}

// queryPlan returns the lines of SQLite's plan of query.
func queryPlan(t testing.TB, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	require.NoError(t, err)
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	return plan
}

// assertIndexed checks that plan, the plan of the query called name, uses
// index and neither scans a table nor sorts in a temporary B-tree.
func assertIndexed(t testing.TB, name, index string, plan []string) {
	t.Helper()
	text := strings.Join(plan, "\n")
	assert.Contains(t, text, index, "%s:\n%s", name, text)
	for _, line := range plan {
		if strings.HasPrefix(line, "SCAN") || strings.Contains(line, "TEMP B-TREE") {
			t.Errorf("%s: %q in plan:\n%s", name, line, text)
		}
	}
}
