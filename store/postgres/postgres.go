// Package postgres is a store.Store on PostgreSQL, through pgx v5 and its
// connection pool.
//
// Several engines, in several processes, may share one database. Every
// command runs in one transaction at READ COMMITTED: updates name the
// version they replace, so concurrent changes to one object collide with
// store.ErrConflict instead of overwriting each other, and unique indexes
// (a contact's external id, one open conversation per contact and channel
// and per ticket, an inbound message's external id) answer
// store.ErrDuplicate. A transaction's writes are sent in one pipelined batch
// before its next read or its commit, which saves round trips.
//
// Ticket numbers come from a counter row per workspace that is updated in
// the creating transaction: numbers of committed tickets are unique and
// gapless, and ticket creation is serialised per workspace.
//
// Open applies the embedded, versioned migrations; concurrent opens of one
// database wait for each other on an advisory lock.
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

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Advisory lock keys: one for migrations, one for draining events.
const (
	migrateLock int64 = 0x63636d6967726174 // "ccmigrat"
	drainLock   int64 = 0x6363647261696e00 // "ccdrain"
)

// Store is a store.Store on PostgreSQL.
type Store struct {
	pool  *pgxpool.Pool
	owned bool
	q     *sqlstore.Statements
}

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
	return &Store{pool: pool, q: sqlstore.NewStatements(sqlstore.Dollar)}, nil
}

// Pool returns the store's connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool if Open made it.
func (s *Store) Close() error {
	if s.owned {
		s.pool.Close()
	}
	return nil
}

// migrate applies the migrations not yet applied, each in its own
// transaction, under an advisory lock.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres store: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return fmt.Errorf("postgres store: migrate: lock: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLock) }()
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
	return s.run(ctx, pgx.TxOptions{}, true, fn)
}

// View runs fn in a read-only transaction that sees one snapshot.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, false, fn)
}

func (s *Store) run(ctx context.Context, opts pgx.TxOptions, write bool, fn func(store.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return mapError(err)
	}
	c := &conn{tx: tx}
	t := sqlstore.NewTx(c, s.q, write)
	committed := false
	defer func() {
		t.End()
		if !committed {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := c.flush(ctx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return mapError(err)
	}
	committed = true
	return nil
}

// conn is a transaction's connection: writes wait in a batch that is sent
// before the next read or the commit.
type conn struct {
	tx      pgx.Tx
	batch   pgx.Batch
	expects []func(int64) error
}

func (c *conn) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	if err := c.flush(ctx); err != nil {
		return nil, err
	}
	rows, err := c.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	return errRows{rows}, nil
}

func (c *conn) Exec(_ context.Context, sql string, expect func(int64) error, args ...any) error {
	c.batch.Queue(sql, args...)
	c.expects = append(c.expects, expect)
	return nil
}

func (c *conn) flush(ctx context.Context) error {
	if len(c.expects) == 0 {
		return nil
	}
	br := c.tx.SendBatch(ctx, &c.batch)
	var err error
	for _, expect := range c.expects {
		tag, e := br.Exec()
		if e != nil {
			err = mapError(e)
			break
		}
		if expect != nil {
			if err = expect(tag.RowsAffected()); err != nil {
				break
			}
		}
	}
	if e := br.Close(); err == nil && e != nil {
		err = mapError(e)
	}
	c.batch = pgx.Batch{}
	c.expects = c.expects[:0]
	return err
}

// errRows maps the errors of pgx rows.
type errRows struct{ pgx.Rows }

func (r errRows) Err() error { return mapError(r.Rows.Err()) }

// mapError turns PostgreSQL's unique violations into store.ErrDuplicate and
// its serialisation failures and deadlocks into store.ErrConflict.
func mapError(err error) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return err
	}
	switch pg.Code {
	case "23505": // unique_violation
		return fmt.Errorf("%s: %w", pg.ConstraintName, store.ErrDuplicate)
	case "40001", "40P01": // serialization_failure, deadlock_detected
		return fmt.Errorf("%s: %w", pg.Message, store.ErrConflict)
	}
	return err
}

// DrainEvents passes stored events to fn in commit order and deletes them
// once fn returns nil. One drain runs at a time across processes: the
// others wait on an advisory lock.
func (s *Store) DrainEvents(ctx context.Context, limit int, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var (
		n     int
		fnErr error
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, drainLock); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+sqlstore.EventCols+` FROM cc_events ORDER BY seq LIMIT $1`, limit)
		if err != nil {
			return err
		}
		events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (conversation.Event, error) { return sqlstore.ScanEvent(r) })
		if err != nil || len(events) == 0 {
			return err
		}
		n, fnErr = fn(ctx, events)
		n = min(max(n, 0), len(events))
		if n == 0 {
			return nil
		}
		seqs := make([]int64, n)
		for i, e := range events[:n] {
			seqs[i] = int64(e.Seq)
		}
		_, err = tx.Exec(ctx, `DELETE FROM cc_events WHERE seq = ANY($1)`, seqs)
		return err
	})
	if err != nil {
		return 0, mapError(err)
	}
	return n, fnErr
}
