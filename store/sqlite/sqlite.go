// Package sqlite is a store.Store on SQLite, through modernc.org/sqlite
// (pure Go, no cgo). It is the embedded, durable default of the example
// bots: one file, nothing to run beside the program.
//
// SQLite has one writer at a time. The store keeps one connection for
// writing, whose transactions begin IMMEDIATE so that they take the write
// lock at once, and a pool of read-only connections; the database runs in
// WAL mode so that reads do not wait for the writer. Several processes may
// open the same file: writers wait for each other up to a busy timeout.
//
// A write transaction answers the engine's look-up of an inbound message
// to an open conversation from a cache of what the writer committed,
// checked at its first look-up against the writer connection's data
// version, which SQLite moves on when another connection or process
// committed, so that their writes are seen.
//
// Ticket numbers of committed tickets are unique and gapless. Open applies
// the embedded, versioned migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store on one SQLite file.
type Store struct {
	w      *sql.DB // the single writer's pool, of one connection
	writer *writer // w's connection, held
	r      *sql.DB // readers
	q      *sqlstore.Statements

	rStmts *stmtCache // the statements prepared on r (the writer keeps its own)

	pub drainer // the drain's lease and cursor

	conns *writerConnector // w's
	look  *lookupCache     // the inbound look-ups of w's transactions

	batches writeBatches // the write transactions waiting for w
}

var _ store.Store = (*Store)(nil)

// BusyTimeout is how long, in milliseconds, a connection waits for the
// write lock that another connection or process holds.
const BusyTimeout = 10000

// Open opens (creating if needed) the database file at path and applies
// the migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite store: invalid path %q", path)
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	// The writer overwrites what it deletes (secure_delete), so that an
	// erased contact's data (Tx.EraseContact) is not left in free space.
	common := "_pragma=busy_timeout(" + strconv.Itoa(BusyTimeout) + ")&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	wc, err := sqlite.NewConnector(base + "?" + common + "&_pragma=secure_delete(1)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	conns := &writerConnector{Connector: wc}
	w := sql.OpenDB(conns)
	// One connection, kept open: SQLite has one writer at a time, and the
	// look-up cache follows what this connection commits.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite store: open %s: %w", path, err)
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", base+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite store: %w", err)
	}
	// Readers stay open, and so do the statements prepared on them.
	readers := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	s := &Store{w: w, writer: newWriter(w), r: r, q: sqlstore.NewStatements(sqlstore.Question), rStmts: newStmtCache(r, maxStmts),
		conns: conns, look: newLookupCache(conns)}
	if err := s.writer.take(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite store: open %s: %w", path, err)
	}
	s.writer.release()
	s.pub.init(s)
	return s, nil
}

// Close forgets the events published and gives the drain lease up, so
// that another process publishes at once, then closes the prepared
// statements and the database.
func (s *Store) Close() error {
	s.pub.close()
	s.writer.close()
	return errors.Join(s.rStmts.close(), s.r.Close(), s.w.Close())
}

func migrate(ctx context.Context, db *sql.DB) error {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(files)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS cc_schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return fmt.Errorf("sqlite store: migrate: %w", err)
	}
	for _, name := range files {
		base := strings.TrimPrefix(name, "migrations/")
		version, err := strconv.Atoi(base[:strings.IndexByte(base, '_')])
		if err != nil {
			return fmt.Errorf("sqlite store: migration %s: bad name", name)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := applyMigration(ctx, db, version, string(body)); err != nil {
			return fmt.Errorf("sqlite store: migration %s: %w", base, err)
		}
	}
	return nil
}

// afterScript is the work of a migration done in Go, after its script and
// in its transaction: what SQLite's SQL cannot compute as the other stores
// do.
var afterScript = map[int]func(context.Context, *sql.Tx) error{
	// 0010_contact_search: the keys of existing contacts' names.
	10: func(ctx context.Context, tx *sql.Tx) error {
		query, exec := onTx(tx)
		return sqlstore.BackfillSearch(ctx, sqlstore.Question, query, exec)
	},
	// 0014_event_partitions: the partitions of the events stored before.
	14: func(ctx context.Context, tx *sql.Tx) error {
		query, exec := onTx(tx)
		return sqlstore.BackfillPartitions(ctx, sqlstore.Question, query, exec)
	},
}

// onTx returns the read and the write of a migration's Go work, on tx.
func onTx(tx *sql.Tx) (query func(context.Context, string, ...any) (sqlstore.Rows, error), exec func(context.Context, string, ...any) error) {
	query = func(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
		rows, err := tx.QueryContext(ctx, sql, args...)
		if err != nil {
			return nil, err
		}
		return sqlRows{rows}, nil
	}
	exec = func(ctx context.Context, sql string, args ...any) error {
		_, err := tx.ExecContext(ctx, sql, args...)
		return err
	}
	return query, exec
}

// applyMigration applies one migration unless it was applied; the
// immediate transaction keeps another process from applying it at the
// same time.
func applyMigration(ctx context.Context, db *sql.DB, version int, body string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var applied bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM cc_schema_migrations WHERE version = ?)`, version).Scan(&applied); err != nil {
		return err
	}
	if applied {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if after := afterScript[version]; after != nil {
		if err := after(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cc_schema_migrations (version) VALUES (?)`, version); err != nil {
		return err
	}
	return tx.Commit()
}

// View runs fn in a read transaction on one snapshot.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.runConn(ctx, func(c *conn) error {
		t := sqlstore.NewTx(c, s.q, false)
		defer t.End()
		return fn(t)
	})
}

// runConn runs fn in a read transaction, through a conn whose statements
// come from the readers' cache.
func (s *Store) runConn(ctx context.Context, fn func(*conn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return mapError(err)
	}
	c := &conn{tx: tx, stmts: txStmts{cache: s.rStmts, bind: tx}}
	defer func() {
		_ = tx.Rollback()
		// The connection is free again: what this transaction ran as
		// text may be prepared on it.
		if len(c.stmts.missed) > 0 {
			c.stmts.cache.prepare(ctx, c.stmts.missed)
		}
	}()
	if err := fn(c); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapError(tx.Commit())
}

// conn runs statements in a transaction at once: SQLite is in process, so
// there are no round trips to save. It runs them prepared, from the
// Store's cache, where it can.
type conn struct {
	tx    querier
	stmts txStmts
	look  *lookupTx // what the look-up cache learns of a write transaction; nil for a read
	write bool      // a write transaction: its statements are not interrupted
}

// stmtContext is the context a statement of c runs on, or the error of
// ctx when it has ended. A write transaction's statements run to their
// end once begun: SQLite rolls a whole transaction back when a write is
// interrupted, which in a batch (writeBatches) would undo the other
// callers' writes too. A caller whose context ends fails at its next
// statement instead.
func (c *conn) stmtContext(ctx context.Context) (context.Context, error) {
	if !c.write {
		return ctx, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return uncancelled(ctx), nil
}

// uncancelled returns ctx without its cancellation: ctx itself when it
// cannot end, which spares the wrapper.
func uncancelled(ctx context.Context) context.Context {
	if ctx.Done() == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

func (c *conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	if c.look != nil {
		c.look.before(query)
	}
	return c.query(ctx, query, args...)
}

func (c *conn) query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	ctx, err := c.stmtContext(ctx)
	if err != nil {
		return nil, err
	}
	if st := c.stmts.stmt(ctx, query); st.tx != nil {
		rows, err := st.tx.QueryContext(ctx, args...)
		if err != nil {
			return nil, mapError(err)
		}
		c.stmts.open = append(c.stmts.open, st.cached)
		return &stmtRows{sqlRows: sqlRows{rows}, c: c, st: st.cached}, nil
	}
	rows, err := c.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapError(err)
	}
	return sqlRows{rows}, nil
}

// exec runs a write, noted for the look-up cache, with its zero
// arguments written as literals (writeLiterals), which reuses args' array.
func (c *conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, err := c.stmtContext(ctx)
	if err != nil {
		return nil, err
	}
	query, args = writeLiterals.rewrite(query, args)
	if c.look != nil {
		c.look.before(query)
	}
	var res sql.Result
	if st := c.stmts.stmt(ctx, query); st.tx != nil {
		res, err = st.tx.ExecContext(ctx, args...)
	} else {
		res, err = c.tx.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return nil, mapError(err)
	}
	return res, nil
}

func (c *conn) Exec(ctx context.Context, query string, expect func(int64) error, args ...any) error {
	res, err := c.exec(ctx, query, args...)
	if err != nil || expect == nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	return expect(n)
}

var (
	_ sqlstore.ExecNow   = (*conn)(nil)
	_ sqlstore.InsertNow = (*conn)(nil)
)

// ExecNow implements sqlstore.ExecNow: conn runs every write at once.
func (c *conn) ExecNow(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := c.Exec(ctx, query, func(rows int64) error { n = rows; return nil }, args...)
	return n, err
}

// InsertNow implements sqlstore.InsertNow: the rowid of the row inserted,
// which is the seq of an event (cc_events.seq is the table's INTEGER
// PRIMARY KEY, so its rowid).
func (c *conn) InsertNow(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// sqlRows adapts *sql.Rows to sqlstore.Rows.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close()     { _ = r.Rows.Close() }
func (r sqlRows) Err() error { return mapError(r.Rows.Err()) }

// stmtRows are the rows of a cached statement st: closing them lets the
// transaction run st again.
type stmtRows struct {
	sqlRows
	c  *conn
	st *sql.Stmt
}

func (r *stmtRows) Close() {
	r.sqlRows.Close()
	if r.st != nil {
		r.c.stmts.closed(r.st)
		r.st = nil
	}
}

// mapError turns SQLite's unique violations into store.ErrDuplicate, its
// busy and locked errors into store.ErrConflict, so the engine tries again,
// and the errors that the same data would meet again into
// store.ErrRejected: a string or blob too big, a datatype mismatch, a
// constraint other than uniqueness.
func mapError(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return err
	}
	switch primary := e.Code() & 0xff; {
	case e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("%s: %w", e.Error(), store.ErrDuplicate)
	case primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%s: %w", e.Error(), store.ErrConflict)
	case primary == sqlite3.SQLITE_TOOBIG || primary == sqlite3.SQLITE_MISMATCH || primary == sqlite3.SQLITE_CONSTRAINT:
		return fmt.Errorf("%s: %w", e.Error(), store.ErrRejected)
	}
	return err
}

// ClaimTimers claims due timers in one write transaction.
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.ClaimedTimer, error) {
	if err := ctx.Err(); err != nil || limit < 1 {
		return nil, err
	}
	tx, release, err := beginWriter(ctx, s.writer)
	if err != nil {
		return nil, err
	}
	defer release()
	// The look-up cache notes what the claim writes, as a transaction of
	// the Store's: a commit on the writer it did not see would empty it.
	look := &lookupTx{}
	committed := false
	defer func() {
		if !committed {
			s.look.abort(func() { _ = tx.Rollback() })
		}
	}()
	rows, err := tx.QueryContext(ctx, `SELECT `+sqlstore.TimerCols+` FROM cc_timers WHERE due <= ? ORDER BY due LIMIT ?`, sqlstore.Nanos(now), limit)
	if err != nil {
		return nil, mapError(err)
	}
	until := sqlstore.Nanos(now.Add(lease))
	var timers []store.ClaimedTimer
	r := sqlRows{rows}
	for r.Next() {
		tm, err := sqlstore.ScanTimer(r)
		if err != nil {
			r.Close()
			return nil, err
		}
		timers = append(timers, store.ClaimedTimer{Timer: tm, Lease: sqlstore.FromNanos(until)})
	}
	r.Close()
	if err := r.Err(); err != nil {
		return nil, err
	}
	for _, tm := range timers {
		if _, err := look.exec(ctx, tx, `UPDATE cc_timers SET due = ? WHERE kind = ? AND workspace = ? AND key = ?`,
			until, string(tm.Kind), string(tm.Workspace), tm.Key); err != nil {
			return nil, mapError(err)
		}
	}
	if err := s.look.commit(look, tx.Commit); err != nil {
		return nil, mapError(err)
	}
	committed = true
	return timers, nil
}

var _ store.TimerPeeker = (*Store)(nil)

// NextTimer implements store.TimerPeeker: the earliest due time, by the
// index on it.
func (s *Store) NextTimer(ctx context.Context) (time.Time, bool, error) {
	var due sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT min(due) FROM cc_timers`).Scan(&due); err != nil {
		return time.Time{}, false, mapError(err)
	}
	if !due.Valid {
		return time.Time{}, false, nil
	}
	return sqlstore.FromNanos(due.Int64), true, nil
}
