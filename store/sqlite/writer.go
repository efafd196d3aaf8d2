package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
)

// errClosed answers what is asked of a closed Store.
var errClosed = errors.New("sqlite store: closed")

// querier runs statements: a read transaction (*sql.Tx) or a write
// transaction on the writer (*writeTx).
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// writer is the Store's single write connection, taken out of
// database/sql's pool for as long as it works and lent to one user at a
// time. A write transaction on it runs BEGIN IMMEDIATE, COMMIT and
// ROLLBACK as statements prepared on the connection, and its other
// statements prepared on it too, rather than through sql.Tx, which
// starts a goroutine per transaction and binds every statement to the
// transaction anew (BENCHMARKS.md: about an eighth of a bare transaction).
// SQLite lets one connection write at a time: nothing is lost by holding
// it.
//
// A connection that database/sql closed (its driver answered
// driver.ErrBadConn), or that a failed ROLLBACK may have left in a
// transaction (it is closed, with its statements), is let go of; the
// next user opens another.
type writer struct {
	db   *sql.DB
	slot chan struct{} // holds a token while the writer is lent

	// Owned by the holder of slot.
	conn   *sql.Conn
	stmts  *stmtCache              // prepared on conn
	ctl    [len(ctlText)]*sql.Stmt // the transaction statements, prepared on conn
	closed bool
}

// The transaction statements a writer prepares, by their index in
// writer.ctl.
const (
	ctlBegin = iota
	ctlCommit
	ctlRollback
	ctlSavepoint // of a call of a batch (writeBatches)
	ctlRelease
)

var ctlText = [...]string{
	ctlBegin:     `BEGIN IMMEDIATE`,
	ctlCommit:    `COMMIT`,
	ctlRollback:  `ROLLBACK`,
	ctlSavepoint: `SAVEPOINT cc_call`,
	ctlRelease:   `RELEASE cc_call`,
}

func newWriter(db *sql.DB) *writer {
	return &writer{db: db, slot: make(chan struct{}, 1)}
}

// take waits, no longer than ctx lasts, for the writer, and opens its
// connection if it has none. release gives it back.
func (w *writer) take(ctx context.Context) error {
	select {
	case w.slot <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := w.open(ctx); err != nil {
		w.release()
		return err
	}
	return nil
}

// release gives the writer back.
func (w *writer) release() { <-w.slot }

// open opens the writer's connection and prepares its transaction
// statements, when it has none. Called with the writer taken.
func (w *writer) open(ctx context.Context) error {
	if w.closed {
		return errClosed
	}
	if w.conn != nil {
		return nil
	}
	c, err := w.db.Conn(ctx)
	if err != nil {
		return mapError(err)
	}
	var ctl [len(ctlText)]*sql.Stmt
	for i, q := range ctlText {
		if ctl[i], err = c.PrepareContext(ctx, q); err != nil {
			for _, st := range ctl[:i] {
				_ = st.Close()
			}
			discard(c)
			return mapError(err)
		}
	}
	w.conn, w.stmts, w.ctl = c, newStmtCache(c, maxWriterStmts), ctl
	return nil
}

// drop closes the writer's connection and its statements: the next user
// opens another. Called with the writer taken.
func (w *writer) drop() {
	if w.conn == nil {
		return
	}
	w.closeStmts()
	discard(w.conn)
	w.conn = nil
}

// forget lets go of a connection that database/sql closed (a driver
// answer of driver.ErrBadConn), and the next user opens another. Its
// statements cannot be closed: database/sql does not track the
// statements of a sql.Conn, and the driver's connection they belong to is
// gone (rollingBackConn released its write lock). Called with the writer
// taken.
func (w *writer) forget() {
	w.conn, w.stmts, w.ctl = nil, nil, [len(ctlText)]*sql.Stmt{}
}

// closeStmts closes the statements prepared on the writer's connection,
// which SQLite needs for the connection to close (and checkpoint). Called
// with the writer taken.
func (w *writer) closeStmts() {
	_ = w.stmts.close()
	for _, st := range w.ctl {
		_ = st.Close()
	}
	w.stmts, w.ctl = nil, [len(ctlText)]*sql.Stmt{}
}

// discard closes c's driver connection rather than give it back to the
// pool (what database/sql does with a connection whose driver answered
// driver.ErrBadConn), which also rolls back what it had begun.
func discard(c *sql.Conn) {
	_ = c.Raw(func(any) error { return driver.ErrBadConn })
	_ = c.Close()
}

// close closes the writer for good, once its user has given it back.
func (w *writer) close() {
	w.slot <- struct{}{}
	defer w.release()
	if w.conn != nil {
		w.closeStmts()
		_ = w.conn.Close()
		w.conn = nil
	}
	w.closed = true
}

// exec runs one statement on the writer, in a transaction of its own.
func (w *writer) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := w.take(ctx); err != nil {
		return nil, err
	}
	defer w.release()
	res, err := w.conn.ExecContext(ctx, query, args...)
	if broken(err) {
		w.forget()
	}
	return res, err
}

// broken reports whether err says the connection no longer works.
func broken(err error) bool {
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone)
}

// writeTx is a write transaction on the taken writer. The Store's own
// transactions (Update) run their statements on contexts that do not end
// (see conn.stmtContext), since SQLite rolls the whole transaction back
// when a write is interrupted and a batch carries other callers' writes;
// the drain's and the timer claim's statements end with their caller's
// context, which rolls back that one transaction alone.
type writeTx struct {
	w      *writer
	done   bool
	broken bool // a statement found the connection closed by database/sql
	doubt  bool // a ROLLBACK failed: the connection may hold a transaction
}

var _ querier = (*writeTx)(nil)

// beginWriter takes the writer, waiting no longer than ctx lasts, and
// begins a write transaction on it; release gives the writer back once
// the transaction has ended, dropping a connection that broke.
func beginWriter(ctx context.Context, w *writer) (tx *writeTx, release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if err := w.take(ctx); err != nil {
		return nil, nil, err
	}
	if _, err := w.ctl[ctlBegin].ExecContext(uncancelled(ctx)); err != nil {
		if broken(err) {
			w.forget()
		}
		w.release()
		return nil, nil, mapError(err)
	}
	tx = &writeTx{w: w}
	return tx, func() {
		switch {
		case tx.broken:
			w.forget()
		case tx.doubt:
			w.drop()
		}
		w.release()
	}, nil
}

func (t *writeTx) note(err error) error {
	if broken(err) {
		t.broken = true
	}
	return err
}

// ExecContext runs a statement in the transaction.
func (t *writeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := t.w.conn.ExecContext(ctx, query, args...)
	return res, t.note(err)
}

// QueryContext runs a query in the transaction.
func (t *writeTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := t.w.conn.QueryContext(ctx, query, args...)
	return rows, t.note(err)
}

// QueryRowContext runs a query of one row in the transaction.
func (t *writeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.w.conn.QueryRowContext(ctx, query, args...)
}

// run runs the transaction statement ctl (ctlSavepoint, ctlRelease).
func (t *writeTx) run(ctx context.Context, ctl int) error {
	_, err := t.w.ctl[ctl].ExecContext(ctx)
	return t.note(err)
}

// Commit commits the transaction. A commit that fails is rolled back, so
// that the connection is left with no transaction open.
func (t *writeTx) Commit() error {
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	if _, err := t.w.ctl[ctlCommit].ExecContext(context.Background()); err != nil {
		t.note(err)
		t.end()
		return err
	}
	return nil
}

// Rollback rolls the transaction back.
func (t *writeTx) Rollback() error {
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	return t.end()
}

// end runs ROLLBACK; one that fails for another reason than there being
// no transaction (SQLite ends some on their error) leaves the connection
// in doubt, and it is dropped.
func (t *writeTx) end() error {
	if t.broken {
		return nil
	}
	_, err := t.w.ctl[ctlRollback].ExecContext(context.Background())
	switch {
	case err == nil || strings.Contains(err.Error(), "no transaction is active"):
		return nil
	case broken(err):
		t.broken = true
	default:
		t.doubt = true
	}
	return err
}

// rollingBackConn is the writer's driver connection as database/sql sees
// it: its Close rolls back what the connection has begun before closing
// it. database/sql closes a connection whose driver answered
// driver.ErrBadConn without closing the statements prepared on a
// sql.Conn (it does not track them), and SQLite keeps a connection with
// statements open alive after sqlite3_close_v2, with its transaction and
// so the write lock: without the rollback, no later write of this or any
// process would get the lock. The connection's memory stays until the
// process ends, on a path modernc.org/sqlite does not take for a held
// connection (it answers driver.ErrBadConn only to the pool's checks).
type rollingBackConn struct {
	driver.Conn
	beginTx interface {
		BeginTx(context.Context, driver.TxOptions) (driver.Tx, error)
	}
	prepare driver.ConnPrepareContext
	exec    driver.ExecerContext
	query   driver.QueryerContext
}

// newRollingBackConn wraps c, which must offer what database/sql uses of
// modernc.org/sqlite's connections (context-aware begin, prepare, exec
// and query); one that does not is returned as it is.
func newRollingBackConn(c driver.Conn) driver.Conn {
	r := &rollingBackConn{Conn: c}
	var ok1, ok2, ok3, ok4 bool
	r.beginTx, ok1 = c.(interface {
		BeginTx(context.Context, driver.TxOptions) (driver.Tx, error)
	})
	r.prepare, ok2 = c.(driver.ConnPrepareContext)
	r.exec, ok3 = c.(driver.ExecerContext)
	r.query, ok4 = c.(driver.QueryerContext)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return c
	}
	return r
}

var (
	_ driver.ConnBeginTx        = (*rollingBackConn)(nil)
	_ driver.ConnPrepareContext = (*rollingBackConn)(nil)
	_ driver.ExecerContext      = (*rollingBackConn)(nil)
	_ driver.QueryerContext     = (*rollingBackConn)(nil)
	_ driver.Pinger             = (*rollingBackConn)(nil)
	_ driver.SessionResetter    = (*rollingBackConn)(nil)
	_ driver.Validator          = (*rollingBackConn)(nil)
)

// Close rolls back what the connection has begun (an error, when nothing
// was, is of no interest), then closes it.
func (c *rollingBackConn) Close() error {
	_, _ = c.exec.ExecContext(context.Background(), `ROLLBACK`, nil)
	return c.Conn.Close()
}

// BeginTx implements driver.ConnBeginTx.
func (c *rollingBackConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.beginTx.BeginTx(ctx, opts)
}

// PrepareContext implements driver.ConnPrepareContext.
func (c *rollingBackConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.prepare.PrepareContext(ctx, query)
}

// ExecContext implements driver.ExecerContext.
func (c *rollingBackConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.exec.ExecContext(ctx, query, args)
}

// QueryContext implements driver.QueryerContext.
func (c *rollingBackConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.query.QueryContext(ctx, query, args)
}

// Ping implements driver.Pinger.
func (c *rollingBackConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// ResetSession implements driver.SessionResetter.
func (c *rollingBackConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid implements driver.Validator.
func (c *rollingBackConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}
