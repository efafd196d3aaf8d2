package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store"
)

const insertTeam = `INSERT INTO cc_teams (workspace, id, name) VALUES ('w', ?, 'n')`

// teamWrite is a write of a team through the Store's Tx, as its own
// statements run.
func teamWrite(ctx context.Context, tx store.Tx, id string) error {
	return tx.(*cachedTx).c.Exec(ctx, insertTeam, nil, id)
}

// A writer connection that breaks in the middle of a transaction fails
// that transaction, with none of its writes stored, and the next one runs
// on a connection opened again.
func TestWriterBrokenConnectionIsReplaced(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t)
	opened := s.conns.opened.Load()
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := teamWrite(ctx, tx, "t1"); err != nil {
			return err
		}
		// The connection is closed under the transaction, as database/sql
		// closes one whose driver answers driver.ErrBadConn: the
		// statements prepared on it are left open.
		_ = s.writer.conn.Raw(func(any) error { return driver.ErrBadConn })
		return teamWrite(ctx, tx, "t2")
	})
	require.Error(t, err)
	assert.ErrorIs(t, err, sql.ErrConnDone)
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error { return teamWrite(ctx, tx, "t3") }))
	assert.Equal(t, opened+1, s.conns.opened.Load(), "a new connection")
	assert.Equal(t, int64(1), viewQuery(t, s, `SELECT count(*) FROM cc_teams`), "t1 rolled back with its connection, t3 stored")
	assert.Equal(t, int64(1), viewQuery(t, s, `SELECT count(*) FROM cc_teams WHERE id = 't3'`))
}

// A transaction that SQLite ended by itself (as it does on some errors)
// rolls back without error and leaves the connection in use; a commit of
// it fails, and the next transaction runs on the same connection.
func TestWriterTransactionEndedBySQLite(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t)
	opened := s.conns.opened.Load()
	for _, commit := range []bool{false, true} {
		tx, release, err := beginWriter(ctx, s.writer)
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, insertTeam, "lost")
		require.NoError(t, err)
		_, err = tx.ExecContext(ctx, `ROLLBACK`)
		require.NoError(t, err)
		if commit {
			assert.Error(t, tx.Commit(), "nothing to commit")
		} else {
			assert.NoError(t, tx.Rollback())
		}
		assert.ErrorIs(t, tx.Rollback(), sql.ErrTxDone)
		release()
	}
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error { return teamWrite(ctx, tx, "kept") }))
	assert.Equal(t, opened, s.conns.opened.Load(), "the same connection")
	assert.Equal(t, int64(1), viewQuery(t, s, `SELECT count(*) FROM cc_teams`))
}

// A caller waits for the writer no longer than its context lasts; a
// closed Store's writer answers errClosed.
func TestWriterWaitAndClose(t *testing.T) {
	s := openInternal(t)
	require.NoError(t, s.writer.take(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := beginWriter(ctx, s.writer)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = s.writer.exec(ctx, insertTeam, "t")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	s.writer.release()

	require.NoError(t, s.Close())
	err = s.Update(context.Background(), func(tx store.Tx) error { return teamWrite(context.Background(), tx, "late") })
	assert.True(t, errors.Is(err, errClosed), "%v", err)
}

// A COMMIT that fails (here a deferred foreign key) leaves no transaction
// open: what it carried is not stored, and the next transaction runs on
// the same connection.
func TestWriterFailedCommitRollsBack(t *testing.T) {
	ctx := context.Background()
	s := openInternal(t)
	for _, q := range []string{`PRAGMA foreign_keys = ON`, `CREATE TABLE t_parent (id INTEGER PRIMARY KEY)`,
		`CREATE TABLE t_child (parent INTEGER REFERENCES t_parent (id) DEFERRABLE INITIALLY DEFERRED)`} {
		_, err := s.writer.exec(ctx, q)
		require.NoError(t, err)
	}
	opened := s.conns.opened.Load()
	tx, release, err := beginWriter(ctx, s.writer)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, `INSERT INTO t_child (parent) VALUES (1)`)
	require.NoError(t, err)
	require.Error(t, tx.Commit(), "the deferred foreign key fails the commit")
	release()
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error { return teamWrite(ctx, tx, "after") }))
	assert.Equal(t, opened, s.conns.opened.Load(), "the same connection")
	assert.Equal(t, int64(0), viewQuery(t, s, `SELECT count(*) FROM t_child`), "nothing of the failed commit")
	assert.Equal(t, int64(1), viewQuery(t, s, `SELECT count(*) FROM cc_teams`))
}
