package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store"
)

func openInternal(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "cc.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// viewQuery runs query in a read transaction, through the conn the store
// gives its transactions, and returns the first column of its one row.
func viewQuery(t *testing.T, s *Store, query string, args ...any) int64 {
	t.Helper()
	var got int64
	require.NoError(t, s.runConn(context.Background(), func(c *conn) error {
		rows, err := c.Query(context.Background(), query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		require.True(t, rows.Next())
		return rows.Scan(&got)
	}))
	return got
}

// A text is prepared once it was run twice as text, and then runs from
// the cache, on the readers and on the writer alike; a text run once is
// not prepared.
func TestStmtCachePreparesRepeatedTexts(t *testing.T) {
	s := openInternal(t)
	const q = `SELECT ? + 1`
	assert.Equal(t, int64(2), viewQuery(t, s, q, 1))
	assert.Nil(t, s.rStmts.get(q), "a text seen once is not prepared")
	assert.Equal(t, int64(3), viewQuery(t, s, q, 2))
	require.NotNil(t, s.rStmts.get(q), "a text seen twice is prepared")
	assert.Nil(t, s.writer.stmts.get(q), "the writer keeps its own statements")
	assert.Equal(t, int64(4), viewQuery(t, s, q, 3), "the prepared statement answers as the text")

	ctx := context.Background()
	const w = `INSERT INTO cc_teams (workspace, id, name) VALUES ('w', ?, 'n')`
	for i := range 3 {
		require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
			return tx.(*cachedTx).c.Exec(ctx, w, func(n int64) error {
				assert.Equal(t, int64(1), n)
				return nil
			}, fmt.Sprint("t", i))
		}))
	}
	assert.NotNil(t, s.writer.stmts.get(w))
	assert.Equal(t, int64(3), viewQuery(t, s, `SELECT count(*) FROM cc_teams`))
}

// The cache holds at most maxStmts statements; one in use keeps its
// place while texts used once more each come and go.
func TestStmtCacheBounded(t *testing.T) {
	s := openInternal(t)
	const hot = `SELECT 0`
	viewQuery(t, s, hot)
	viewQuery(t, s, hot)
	for i := range maxStmts + 100 {
		q := fmt.Sprintf(`SELECT %d`, i+1)
		viewQuery(t, s, q)
		viewQuery(t, s, q)
		viewQuery(t, s, hot)
	}
	s.rStmts.mu.RLock()
	n, clock := len(s.rStmts.stmts), len(s.rStmts.clock)
	s.rStmts.mu.RUnlock()
	assert.Equal(t, maxStmts, n)
	assert.Equal(t, maxStmts, clock)
	assert.NotNil(t, s.rStmts.get(hot), "the statement used all along is kept")
	assert.NotNil(t, s.rStmts.get(fmt.Sprintf(`SELECT %d`, maxStmts+100)), "the last one prepared is kept")
}

// Within one transaction, a cached statement whose rows are open runs
// again as text: each read sees its own rows.
func TestStmtCacheNestedRows(t *testing.T) {
	s := openInternal(t)
	ctx := context.Background()
	const q = `SELECT value FROM json_each(?) ORDER BY value`
	viewQuery(t, s, q, "[1]")
	viewQuery(t, s, q, "[1]")
	require.NotNil(t, s.rStmts.get(q))
	require.NoError(t, s.runConn(ctx, func(c *conn) error {
		outer, err := c.Query(ctx, q, "[1, 2]")
		require.NoError(t, err)
		defer outer.Close()
		var got []int64
		for outer.Next() {
			var v int64
			require.NoError(t, outer.Scan(&v))
			inner, err := c.Query(ctx, q, "[10, 20, 30]")
			require.NoError(t, err)
			var sum int64
			for inner.Next() {
				var w int64
				require.NoError(t, inner.Scan(&w))
				sum += w
			}
			require.NoError(t, inner.Err())
			inner.Close()
			got = append(got, v, sum)
		}
		require.NoError(t, outer.Err())
		assert.Equal(t, []int64{1, 60, 2, 60}, got)
		return nil
	}))
	// Closed, the rows leave the statement to the next read.
	assert.Equal(t, int64(5), viewQuery(t, s, q, "[5]"))
}

// Transactions of many goroutines share the cache while it fills and
// evicts.
func TestStmtCacheConcurrent(t *testing.T) {
	s := openInternal(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				q := fmt.Sprintf(`SELECT %d + ?`, (g*200+i)%(2*maxStmts))
				err := s.runConn(ctx, func(c *conn) error {
					rows, err := c.Query(ctx, q, 1)
					if err != nil {
						return err
					}
					defer rows.Close()
					if !rows.Next() {
						return rows.Err()
					}
					var v int64
					return rows.Scan(&v)
				})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	s.rStmts.mu.RLock()
	n := len(s.rStmts.stmts)
	s.rStmts.mu.RUnlock()
	assert.LessOrEqual(t, n, maxStmts)
}

// Close closes the cached statements, and the store's transactions fail
// afterwards as they did.
func TestStmtCacheClose(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "cc.db"))
	require.NoError(t, err)
	const q = `SELECT 1`
	viewQuery(t, s, q)
	viewQuery(t, s, q)
	st := s.rStmts.get(q)
	require.NotNil(t, st)
	require.NoError(t, s.Close())
	assert.Nil(t, s.rStmts.get(q))
	_, err = st.QueryContext(context.Background())
	assert.Error(t, err, "the statement is closed")
	assert.Error(t, s.View(context.Background(), func(store.Tx) error { return nil }))
}

// The writer keeps more statements than the readers (its writes run in
// the forms their zero arguments give them), up to maxWriterStmts: an
// event's INSERT in every form a test run gives it stays prepared beside
// the other writes.
func TestWriterStmtCacheHoldsTheWritesForms(t *testing.T) {
	s := openInternal(t)
	ctx := context.Background()
	n := maxStmts + 50
	for round := range 2 {
		for i := range n {
			w := fmt.Sprintf(`INSERT INTO cc_teams (workspace, id, name) VALUES ('w%d', ?, 'n')`, i)
			require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
				return tx.(*cachedTx).c.Exec(ctx, w, nil, fmt.Sprint("t", round))
			}))
		}
	}
	s.writer.stmts.mu.RLock()
	kept := len(s.writer.stmts.stmts)
	s.writer.stmts.mu.RUnlock()
	assert.GreaterOrEqual(t, kept, n, "past the readers' bound")
	assert.LessOrEqual(t, kept, maxWriterStmts)
	assert.Less(t, maxStmts, maxWriterStmts)
}
