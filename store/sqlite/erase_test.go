package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store/storetest"
)

// After an erasure no row of any table holds the contact's name, external
// id, field values or texts; the other contact's are all there.
func TestEraseLeavesNoRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer raw.Close()
	for _, e := range []storetest.Erasure{storetest.SeedErasure(t, s), storetest.EraseThroughEngine(t, s)} {
		dump := dumpTables(t, raw)
		assert.Empty(t, e.Find(dump), "erased data found in the tables")
		assert.Empty(t, e.Missing(dump), "the other contact's data must stay")
		for _, k := range e.KeptKeys {
			assert.Contains(t, dump, " "+k+"\n", "the other contact's name is still searched by %q", k)
		}
		assertSearchRows(t, raw, e)
	}
}

// dumpTables returns every row of every table of db as text.
func dumpTables(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Contains(t, tables, "cc_messages")
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			fmt.Fprintf(&b, "%s:", table)
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, " %v", v)
			}
			b.WriteByte('\n')
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return b.String()
}

// With secure_delete on, the bytes of the erased rows are overwritten,
// not left in free space: once the write-ahead log is checkpointed (at
// Close here), the database file holds none of the contact's data.
func TestEraseLeavesNoBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	e := storetest.EraseThroughEngine(t, s)
	require.NoError(t, s.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Empty(t, e.Find(string(b)), "erased data found in the file")
	assert.Empty(t, e.Missing(string(b)), "the other contact's data must stay")
}

// assertSearchRows checks that the erased contact of e has no row left in
// the tables contact search reads, and that the other contact's name
// still has its rows.
func assertSearchRows(t *testing.T, db *sql.DB, e storetest.Erasure) {
	t.Helper()
	for _, table := range []string{"cc_contact_names", "cc_contact_fields"} {
		var n int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM `+table+` WHERE workspace = ? AND contact_id = ?`, e.Workspace, e.Contact).Scan(&n))
		assert.Zero(t, n, "%s rows of the erased contact", table)
	}
	var kept int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM cc_contact_names WHERE workspace = ?`, e.Workspace).Scan(&kept))
	assert.Equal(t, len(e.KeptKeys), kept, "the other contact's name keys")
}
