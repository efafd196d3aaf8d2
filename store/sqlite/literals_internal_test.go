package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The placeholders found are the ? outside literals, quoted names and
// comments: marked # here.
func TestPlaceholders(t *testing.T) {
	for _, c := range []struct{ query, want string }{
		{`INSERT INTO t (a, b) VALUES (?, ?)`, `INSERT INTO t (a, b) VALUES (#, #)`},
		{`UPDATE t SET a = '?', b = ? WHERE c = "?" AND d = ?`, `UPDATE t SET a = '?', b = # WHERE c = "?" AND d = #`},
		{"SELECT 'it''s ?', ? -- a comment ?\nFROM t /* ? */ WHERE [x?] = ?", "SELECT 'it''s ?', # -- a comment ?\nFROM t /* ? */ WHERE [x?] = #"},
		{`SELECT ?1, ?`, ``},
		{`SELECT :name, ?`, ``},
		{`SELECT @name`, ``},
		{`SELECT $1`, ``},
		{`SELECT 1`, ``},
	} {
		marks := placeholders(c.query)
		got := ""
		if marks != nil {
			b := []byte(c.query)
			for _, at := range marks {
				b[at] = '#'
			}
			got = string(b)
		}
		assert.Equal(t, c.want, got, c.query)
	}
}

func TestRewriteWritesZerosAsLiterals(t *testing.T) {
	z := &zeroLiterals{queries: map[string]*literalForms{}}
	q := `INSERT INTO t (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)`
	text, args := z.rewrite(q, []any{"x", "", int64(0), false, int64(7)})
	assert.Equal(t, `INSERT INTO t (a, b, c, d, e) VALUES (?, '', 0, 0, ?)`, text)
	assert.Equal(t, []any{"x", int64(7)}, args)

	// No zero: as given, with no work kept.
	text, args = z.rewrite(q, []any{"x", "y", int64(1), true, int64(7)})
	assert.Equal(t, q, text)
	assert.Len(t, args, 5)

	// Nil, bytes and other types are bound as they are.
	text, args = z.rewrite(q, []any{nil, []byte{}, 0.0, "", int64(1)})
	assert.Equal(t, `INSERT INTO t (a, b, c, d, e) VALUES (?, ?, ?, '', ?)`, text)
	assert.Equal(t, []any{nil, []byte{}, 0.0, int64(1)}, args)

	// A count of arguments other than the placeholders', and numbered
	// parameters, are left to the driver to judge.
	text, args = z.rewrite(q, []any{"", ""})
	assert.Equal(t, q, text)
	assert.Len(t, args, 2)
	numbered := `INSERT INTO t (a, b) VALUES (?1, ?2)`
	text, args = z.rewrite(numbered, []any{"", ""})
	assert.Equal(t, numbered, text)
	assert.Len(t, args, 2)
}

func TestRewriteIsBounded(t *testing.T) {
	z := &zeroLiterals{queries: map[string]*literalForms{}}
	q := `INSERT INTO t (` + cols(10) + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := func(zero int) []any {
		a := make([]any, 10)
		for i := range a {
			a[i] = int64(i + 1)
		}
		a[zero%10] = int64(0)
		if zero >= 10 {
			a[(zero/10)%10] = ""
		}
		return a
	}
	for shape := range maxLiteralForms + 20 {
		text, kept := z.rewrite(q, args(shape))
		if shape < maxLiteralForms {
			assert.NotEqual(t, q, text)
		} else if len(kept) == 10 {
			assert.Equal(t, q, text, "past the bound, a new shape runs as given")
		}
	}
	assert.LessOrEqual(t, len(z.queries[q].forms), maxLiteralForms)
	for i := range maxLiteralQueries + 10 {
		z.rewrite(fmt.Sprintf(`INSERT INTO t%d (a) VALUES (?)`, i), []any{""})
	}
	assert.LessOrEqual(t, len(z.queries), maxLiteralQueries)
}

func cols(n int) string {
	s := ""
	for i := range n {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("c%d", i)
	}
	return s
}

// A write rewritten stores what the same write bound would: the same
// values, with the columns' types, and finds the same rows.
func TestRewrittenWritesStoreTheSame(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "lit.db"))
	require.NoError(t, err)
	defer db.Close()
	ctx := context.Background()
	_, err = db.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, s TEXT NOT NULL, i INTEGER NOT NULL, b INTEGER NOT NULL, a ANY)`)
	require.NoError(t, err)
	z := &zeroLiterals{queries: map[string]*literalForms{}}
	insert := `INSERT INTO t (k, s, i, b, a) VALUES (?, ?, ?, ?, ?)`
	for k, row := range [][]any{{"", int64(0), false, ""}, {"x", int64(3), true, int64(0)}, {"", int64(0), false, int64(0)}} {
		for _, lit := range []bool{false, true} {
			args := append([]any{int64(2*k + map[bool]int{false: 0, true: 1}[lit])}, row...)
			q := insert
			if lit {
				q, args = z.rewrite(q, args)
			}
			_, err := db.ExecContext(ctx, q, args...)
			require.NoError(t, err)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT k, s, typeof(s), i, typeof(i), b, typeof(b), quote(a), typeof(a) FROM t ORDER BY k`)
	require.NoError(t, err)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var k int64
		var s, ts, ti, tb, a, ta string
		var i, b int64
		require.NoError(t, rows.Scan(&k, &s, &ts, &i, &ti, &b, &tb, &a, &ta))
		got = append(got, fmt.Sprint(s, ts, i, ti, b, tb, a, ta))
	}
	require.NoError(t, rows.Err())
	require.Len(t, got, 6)
	for k := 0; k < 6; k += 2 {
		assert.Equal(t, got[k], got[k+1], "row %d bound and rewritten", k/2)
	}

	update := `UPDATE t SET s = ?, i = ? WHERE s = ? AND i = ? AND b = ?`
	q, args := z.rewrite(update, []any{"y", int64(9), "", int64(0), false})
	assert.NotEqual(t, update, q)
	res, err := db.ExecContext(ctx, q, args...)
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	assert.Equal(t, int64(4), n, "the rows with '', 0, false")
}
