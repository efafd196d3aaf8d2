// Package postgres is a store.Store on PostgreSQL, through pgx v5 and its
// connection pool.
//
// Several engines, in several processes, may share one database. Every
// command runs in one transaction at READ COMMITTED: updates name the
// version they replace, so concurrent changes to one object collide with
// store.ErrConflict instead of overwriting each other, and unique indexes
// (a contact's external id, one open conversation per contact and channel
// and per ticket, an inbound message's external id) answer
// store.ErrDuplicate. A transaction saves round trips: BEGIN goes out with
// its first statement, and its writes go out in one pipelined batch with
// its next read or with COMMIT; the reads that start every inbound message
// are one statement. A handle keeps what those reads found for the senders
// it wrote for last (sqlstore.InboundCache): the next message from such a
// sender skips them, and a check that the records are still current goes
// out with its writes and COMMIT instead, in the same round trip, failing
// the transaction with store.ErrConflict if another handle changed them
// (the engine then tries again on what is stored).
//
// Ticket numbers come from a counter row per workspace that is updated in
// the creating transaction: numbers of committed tickets are unique and
// gapless, and ticket creation is serialised per workspace.
//
// A store's tables live in the schema its connections' search_path
// resolves to (current_schema()), and so do its advisory locks: stores in
// different schemas of one database are independent, stores on one schema
// share their data and their locks.
//
// Open applies the embedded, versioned migrations; concurrent opens of one
// schema wait for each other on an advisory lock.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// lockKey is the SQL expression of the advisory-lock key named name in
// the schema a connection's search_path resolves to: a 64-bit hash of the
// schema's name and name. A lock so keyed guards the tables of that schema
// alone, so that applications, or test runs, in other schemas of the same
// database never wait for it.
func lockKey(name string) string {
	return `hashtextextended(coalesce(current_schema(), '') || '.` + name + `', 0)`
}

// migrateLock is the advisory lock of a schema's migrations.
var migrateLock = lockKey("cc_migrate")

// Store is a store.Store on PostgreSQL.
type Store struct {
	pool  *pgxpool.Pool
	owned bool
	q     *sqlstore.Statements
	pub   publisher // this handle's share of the event stream
	// inbound answers the lookups of senders this handle wrote for last
	// (sqlstore.InboundCache): a steady inbound message is then one round
	// trip, its check going out with its writes and COMMIT.
	inbound *sqlstore.InboundCache
}

// inboundCheck is the check of sqlstore.InboundCache: it fails with
// cc_conflict() (store.ErrConflict) unless the identity still names the
// contact, the contact and the open conversation keep the versions cached,
// and the configuration revision is the one cached.
const inboundCheck = `SELECT CASE WHEN EXISTS (SELECT 1 FROM cc_contact_handles h
		JOIN cc_contacts c ON c.workspace = h.workspace AND c.id = h.contact_id
		JOIN cc_conversations o ON o.workspace = h.workspace AND o.id = $1
		WHERE h.workspace = $2 AND h.channel = $3 AND h.external_id = $4 AND h.contact_id = $5 AND c.version = $6
			AND o.version = $7 AND o.state = 1 AND o.contact_id = c.id AND o.channel = h.channel)
		AND coalesce((SELECT r.revision FROM cc_config_revisions r WHERE r.workspace = $2), 0) = $8
	THEN 1 ELSE cc_conflict() END`

// inboundCacheSize bounds the senders a handle's inbound cache holds.
const inboundCacheSize = 16384

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn (a PostgreSQL URL or
// key=value string, as pgx reads it), applies the migrations and returns
// the store. It fails if the database cannot be reached.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres store: invalid DSN: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	s, err := New(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// New returns a store on a pool the host owns, after applying the
// migrations. Close does not close the pool.
func New(ctx context.Context, pool *pgxpool.Pool) (*Store, error) {
	if err := pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("postgres store: cannot reach the database: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		return nil, err
	}
	s := &Store{pool: pool, q: sqlstore.NewStatements(sqlstore.Dollar), inbound: sqlstore.NewInboundCache(inboundCheck, inboundCacheSize)}
	s.pub.init(s)
	return s, nil
}

// Pool returns the store's connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close gives up this handle's share of the event stream, so that the
// other handles take it at once, and closes the pool if Open made it.
func (s *Store) Close() error {
	s.pub.close()
	s.inbound.Close()
	if s.owned {
		s.pool.Close()
	}
	return nil
}

// afterScript is the work of a migration done in Go, after its script and
// in its transaction: what the stores compute alike in Go rather than in
// each one's SQL.
var afterScript = map[int]func(context.Context, pgx.Tx) error{
	// 0010_contact_search: the keys of existing contacts' names.
	10: func(ctx context.Context, tx pgx.Tx) error {
		query, exec := onTx(tx)
		return sqlstore.BackfillSearch(ctx, sqlstore.Dollar, query, exec)
	},
	// 0014_event_partitions: the partitions of the events stored before.
	14: func(ctx context.Context, tx pgx.Tx) error {
		query, exec := onTx(tx)
		return sqlstore.BackfillPartitions(ctx, sqlstore.Dollar, query, exec)
	},
}

// onTx returns the read and the write of a migration's Go work, on tx.
func onTx(tx pgx.Tx) (query func(context.Context, string, ...any) (sqlstore.Rows, error), exec func(context.Context, string, ...any) error) {
	query = func(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return nil, err
		}
		return rows, nil
	}
	exec = func(ctx context.Context, sql string, args ...any) error {
		_, err := tx.Exec(ctx, sql, args...)
		return err
	}
	return query, exec
}

// migrate applies the migrations not yet applied, each in its own
// transaction, under the schema's advisory lock.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres store: migrate: %w", err)
	}
	defer conn.Release()
	// The key is read once, so that the unlock names the lock taken even
	// if a migration moved the search_path.
	var key int64
	if err := conn.QueryRow(ctx, `SELECT `+migrateLock).Scan(&key); err != nil {
		return fmt.Errorf("postgres store: migrate: lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return fmt.Errorf("postgres store: migrate: lock: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key) }()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS cc_schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres store: migrate: %w", err)
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(files)
	for _, name := range files {
		base := strings.TrimPrefix(name, "migrations/")
		version, err := strconv.Atoi(base[:strings.IndexByte(base, '_')])
		if err != nil {
			return fmt.Errorf("postgres store: migration %s: bad name", name)
		}
		var applied bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cc_schema_migrations WHERE version = $1)`, version).Scan(&applied); err != nil {
			return fmt.Errorf("postgres store: migrate: %w", err)
		}
		if applied {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			if after := afterScript[version]; after != nil {
				if err := after(ctx, tx); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO cc_schema_migrations (version) VALUES ($1)`, version)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres store: migration %s: %w", base, err)
		}
	}
	return nil
}

// Update runs fn in a read-write transaction.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) (err error) {
	return s.run(ctx, "BEGIN", true, fn)
}

// View runs fn in a read-only transaction that sees one snapshot.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false, fn)
}

func (s *Store) run(ctx context.Context, begin string, write bool, fn func(store.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return mapError(err)
	}
	c := &conn{pc: pc, begin: begin}
	t := sqlstore.NewTx(c, s.q, write)
	t.UseInboundCache(s.inbound)
	committed := false
	defer func() {
		t.InboundDone(committed)
		t.End()
		if !committed {
			c.rollback(ctx)
		}
		// A connection left inside a transaction is destroyed, not reused.
		pc.Release()
	}()
	if err := fn(t); err != nil {
		if t.UsedInboundCache() {
			// fn decided on cached records: if they were stale, the
			// caller tries again on what is stored.
			if cerr := c.flush(ctx); errors.Is(cerr, store.ErrConflict) {
				return cerr
			}
		}
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.commit(ctx); err != nil {
		return err
	}
	committed = true
	return nil
}

// conn is a transaction's connection. It saves round trips: BEGIN goes out
// with the first statement, and writes wait and go out with the next read
// or with COMMIT. A write
// that must affect a row fails on the server when it does not (cc_conflict),
// so that a COMMIT sent in the same round trip is never reached.
type conn struct {
	pc     *pgxpool.Conn
	begin  string
	begun  bool
	writes []queued
	err    error // a failure seen when closing a batch; the transaction is lost
}

type queued struct {
	sql  string
	args []any
}

// send sends BEGIN (the first time), the waiting writes and then tail, in
// one batch; it returns the results positioned at tail's first statement.
func (c *conn) send(ctx context.Context, tail ...queued) (pgx.BatchResults, error) {
	if c.err != nil {
		return nil, c.err
	}
	var b pgx.Batch
	if !c.begun {
		b.Queue(c.begin)
	}
	for _, w := range c.writes {
		b.Queue(w.sql, w.args...)
	}
	for _, q := range tail {
		b.Queue(q.sql, q.args...)
	}
	skip := len(c.writes)
	if !c.begun {
		skip++
	}
	c.begun = true
	c.writes = c.writes[:0]
	br := c.pc.SendBatch(ctx, &b)
	for range skip {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, mapError(err)
		}
	}
	return br, nil
}

func (c *conn) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	br, err := c.send(ctx, queued{sql, args})
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, mapError(err)
	}
	return &batchRows{Rows: rows, br: br, c: c}, nil
}

func (c *conn) Exec(_ context.Context, sql string, expect func(int64) error, args ...any) error {
	if expect != nil {
		sql = `WITH w AS (` + sql + ` RETURNING 1) SELECT CASE WHEN count(*) = 1 THEN 1 ELSE cc_conflict() END FROM w`
	}
	c.writes = append(c.writes, queued{sql, args})
	return nil
}

// flush sends the waiting writes, and returns the first failure.
func (c *conn) flush(ctx context.Context) error {
	br, err := c.send(ctx)
	if err != nil {
		return err
	}
	return mapError(br.Close())
}

// commit sends the waiting writes and COMMIT in one round trip.
func (c *conn) commit(ctx context.Context) error {
	if !c.begun && len(c.writes) == 0 {
		return c.err
	}
	br, err := c.send(ctx, queued{sql: "COMMIT"})
	if err != nil {
		return err
	}
	_, err = br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return mapError(err)
	}
	c.begun = false
	return nil
}

func (c *conn) rollback(ctx context.Context) {
	if c.begun {
		// A connection that cannot roll back soon is destroyed by the pool
		// when released, which ends the transaction too.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_, _ = c.pc.Exec(rctx, "ROLLBACK")
		cancel()
		c.begun = false
	}
}

// batchRows are the rows of a read sent in a batch; closing them closes
// the batch, and a failure then marks the transaction lost.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
	c  *conn
}

func (r *batchRows) Err() error { return mapError(r.Rows.Err()) }

func (r *batchRows) Close() {
	r.Rows.Close()
	if err := r.br.Close(); err != nil && r.c.err == nil {
		r.c.err = mapError(err)
	}
}

// mapError turns PostgreSQL's unique violations into store.ErrDuplicate,
// its serialisation failures and deadlocks into store.ErrConflict, and the
// errors that the same data would meet again into store.ErrRejected: data
// exceptions (class 22: a NUL byte or bytes that are not UTF-8 in text,
// 22021; a value out of range), integrity violations other than
// uniqueness (class 23) and program limits (class 54: an index row too
// big). Anything else (a lost connection, an administrator's shutdown, a
// timeout) may pass and is returned as it is.
func mapError(err error) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return err
	}
	switch pg.Code {
	case "23505": // unique_violation
		return fmt.Errorf("%s: %w", pg.ConstraintName, store.ErrDuplicate)
	case "40001", "40P01", "CC001": // serialization_failure, deadlock_detected, cc_conflict()
		return fmt.Errorf("%s: %w", pg.Message, store.ErrConflict)
	}
	switch class := pg.Code[:min(2, len(pg.Code))]; class {
	case "22", "23", "54": // data_exception, integrity_constraint_violation, program_limit_exceeded
		return fmt.Errorf("%s (SQLSTATE %s): %w", pg.Message, pg.Code, store.ErrRejected)
	}
	return err
}

// ClaimTimers claims due timers with one statement; FOR UPDATE SKIP LOCKED
// lets several processes claim at once, each timer once.
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.ClaimedTimer, error) {
	if err := ctx.Err(); err != nil || limit < 1 {
		return nil, err
	}
	until := sqlstore.Nanos(now.Add(lease))
	rows, err := s.pool.Query(ctx, `WITH due AS (
			SELECT kind, workspace, key, due FROM cc_timers WHERE due <= $1 ORDER BY due LIMIT $2 FOR UPDATE SKIP LOCKED)
		UPDATE cc_timers t SET due = $3 FROM due
		WHERE t.kind = due.kind AND t.workspace = due.workspace AND t.key = due.key
		RETURNING due.kind, due.workspace, due.key, due.due, t.payload`, sqlstore.Nanos(now), limit, until)
	if err != nil {
		return nil, mapError(err)
	}
	timers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ClaimedTimer, error) {
		tm, err := sqlstore.ScanTimer(r)
		return store.ClaimedTimer{Timer: tm, Lease: sqlstore.FromNanos(until)}, err
	})
	if err != nil {
		return nil, mapError(err)
	}
	slices.SortFunc(timers, func(a, b store.ClaimedTimer) int { return a.Due.Compare(b.Due) })
	return timers, nil
}

var _ store.TimerPeeker = (*Store)(nil)

// NextTimer implements store.TimerPeeker: the earliest due time, by the
// index on it.
func (s *Store) NextTimer(ctx context.Context) (time.Time, bool, error) {
	var due *int64
	if err := s.pool.QueryRow(ctx, `SELECT min(due) FROM cc_timers`).Scan(&due); err != nil {
		return time.Time{}, false, mapError(err)
	}
	if due == nil {
		return time.Time{}, false, nil
	}
	return sqlstore.FromNanos(*due), true, nil
}
