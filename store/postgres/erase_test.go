package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store/storetest"
)

// After an erasure no row of any table of the schema holds the contact's
// name, external id, field values or texts; the other contact's are all
// there.
func TestEraseLeavesNoRow(t *testing.T) {
	s := open(t, freshSchema(t))
	defer s.Close()
	for _, e := range []storetest.Erasure{storetest.SeedErasure(t, s), storetest.EraseThroughEngine(t, s)} {
		dump := dumpTables(t, s.Pool())
		assert.Empty(t, e.Find(dump), "erased data found in the tables")
		assert.Empty(t, e.Missing(dump), "the other contact's data must stay")
		for _, k := range e.KeptKeys {
			assert.Contains(t, dump, " "+k+"\n", "the other contact's name is still searched by %q", k)
		}
		assertSearchRows(t, s.Pool(), e)
	}
}

// dumpTables returns every row of every table of the current schema as
// text.
func dumpTables(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	ctx := context.Background()
	var tables []string
	rows, err := pool.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	require.NoError(t, err)
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, tables, "cc_messages")
	var b strings.Builder
	for _, table := range tables {
		rows, err := pool.Query(ctx, `SELECT * FROM `+pgx.Identifier{table}.Sanitize())
		require.NoError(t, err)
		for rows.Next() {
			vals, err := rows.Values()
			require.NoError(t, err)
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
	}
	return b.String()
}

// assertSearchRows checks that the erased contact of e has no row left in
// the tables contact search reads, and that the other contact's name
// still has its rows.
func assertSearchRows(t *testing.T, pool *pgxpool.Pool, e storetest.Erasure) {
	t.Helper()
	ctx := context.Background()
	for _, table := range []string{"cc_contact_names", "cc_contact_fields"} {
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE workspace = $1 AND contact_id = $2`, string(e.Workspace), string(e.Contact)).Scan(&n))
		assert.Zero(t, n, "%s rows of the erased contact", table)
	}
	var kept int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM cc_contact_names WHERE workspace = $1`, string(e.Workspace)).Scan(&kept))
	assert.Equal(t, len(e.KeptKeys), kept, "the other contact's name keys")
}
