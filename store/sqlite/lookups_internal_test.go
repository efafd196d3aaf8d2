package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The statements are told apart by what they write: reads, writes of one
// named table, and the rest, which the cache cannot tell.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		query string
		kind  stmtKind
		table string
	}{
		{"SELECT 1", stmtRead, ""},
		{"\n\t select x FROM cc_contacts", stmtRead, ""},
		{"INSERT INTO cc_messages (a) VALUES (?)", stmtWrite, "cc_messages"},
		{"INSERT INTO cc_ticket_counters(workspace) VALUES (?) ON CONFLICT (workspace) DO UPDATE SET last = last + 1 RETURNING last", stmtWrite, "cc_ticket_counters"},
		{"insert or replace into cc_contacts (a) values (1)", stmtWrite, "cc_contacts"},
		{"REPLACE INTO cc_timers (a) VALUES (1)", stmtWrite, "cc_timers"},
		{"UPDATE cc_conversations SET version = 2", stmtWrite, "cc_conversations"},
		{"UPDATE OR IGNORE cc_events SET part = 1", stmtWrite, "cc_events"},
		{"DELETE FROM cc_timers WHERE due = ? RETURNING 1", stmtWrite, "cc_timers"},
		{"DELETE FROM main.cc_contacts", stmtOther, ""},
		{`UPDATE "cc_contacts" SET name = ''`, stmtOther, ""},
		{"UPDATE cc_events SET part = 1; DELETE FROM cc_contacts", stmtOther, ""},
		{"WITH x AS (SELECT 1) DELETE FROM cc_contacts", stmtOther, ""},
		{"PRAGMA user_version = 3", stmtOther, ""},
		{"CREATE TABLE cc_x (a)", stmtOther, ""},
		{"INSERT cc_messages VALUES (1)", stmtOther, ""},
	} {
		kind, table := classify(tc.query)
		assert.Equal(t, tc.kind, kind, tc.query)
		assert.Equal(t, tc.table, table, tc.query)
		for range 2 { // learnt, then from what was learnt
			kind, table := classifyCached(tc.query)
			assert.Equal(t, tc.kind, kind, tc.query)
			assert.Equal(t, tc.table, table, tc.query)
		}
	}
}

// What the look-up without a duplicate check reads is no harmless table:
// a write of it empties the cache.
func TestHarmlessTablesAreNotLookedUp(t *testing.T) {
	for _, table := range []string{"cc_contact_handles", "cc_contacts", "cc_conversations", "cc_config_revisions"} {
		assert.False(t, harmlessTables[table], table)
	}
}

// The writes the Store runs outside its Tx (the drain's, ClaimTimers')
// are classified like the Tx's: kept when they write a harmless table,
// emptying the cache when they write one the look-up reads, or what
// cannot be told.
func TestOutsideWritesClassified(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "w.db"))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.ExecContext(ctx, `CREATE TABLE cc_timers (due INTEGER); CREATE TABLE cc_conversations (version INTEGER);
		INSERT INTO cc_timers VALUES (1), (2); INSERT INTO cc_conversations VALUES (1)`)
	require.NoError(t, err)
	for _, tc := range []struct {
		query string
		clear bool
	}{
		{"UPDATE cc_timers SET due = due + 1", false},
		{"UPDATE cc_conversations SET version = version + 1", true},
		{"WITH x AS (SELECT 1) UPDATE cc_timers SET due = 0", true},
	} {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		var w lookupTx
		_, err = w.exec(ctx, tx, tc.query)
		require.NoError(t, err)
		require.NoError(t, tx.Rollback())
		assert.Equal(t, tc.clear, w.clear, tc.query)
		assert.True(t, w.wrote, tc.query)
	}
}

// A write transaction's statements are not interrupted once begun: SQLite
// rolls a whole transaction back when a write is interrupted, which in a
// batch would undo the other callers' writes (R18). A context that has
// ended fails the next statement instead; a read's statements end with
// their context.
func TestWriteStatementsRunToTheirEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	w := &conn{write: true}
	sctx, err := w.stmtContext(ctx)
	require.NoError(t, err)
	assert.Nil(t, sctx.Done(), "a write's statement cannot be interrupted")
	r := &conn{}
	rctx, err := r.stmtContext(ctx)
	require.NoError(t, err)
	assert.NotNil(t, rctx.Done(), "a read's statement ends with its context")
	cancel()
	_, err = w.stmtContext(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}
