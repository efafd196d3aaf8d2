package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"sync/atomic"
)

// maxStmts bounds the prepared statements a Store keeps for its readers.
// The store's own statements are fewer; the rest of the room is for texts
// built per call (lists, searches, rows of search keys), of which there is
// no bound.
const maxStmts = 256

// maxWriterStmts bounds those it keeps for its writer connection, which
// runs each write in the forms its zero arguments give it (writeLiterals):
// an event's INSERT alone has a few dozen.
const maxWriterStmts = 1024

// stmtCache keeps statements prepared on the readers' *sql.DB, or on the
// writer's connection, by their SQL text. A read transaction runs a
// cached statement through Tx.StmtContext, which reuses what SQLite
// prepared (parsed and planned) on the transaction's connection; a write
// transaction runs it as it is, on the one connection it was prepared on.
// A statement run as text is prepared again on every call.
//
// A text the cache lacks is run as text and noted, and prepared once the
// transaction has ended (a read transaction cannot prepare on the
// connection it holds; the writer's is prepared on before it is given
// back).
// A text is prepared when it was missed twice, so that a text seen once
// costs no preparation nor takes the room of another. When the cache is
// full a statement not used since the last sweep makes room (a clock).
// It is safe for concurrent use.
type stmtCache struct {
	db  preparer
	max int // the statements kept at most

	mu     sync.RWMutex
	stmts  map[string]*cachedStmt
	clock  []*cachedStmt       // the cached statements, in the order the hand sweeps
	hand   int                 // the next to look at in clock
	seen   map[string]struct{} // texts missed once, not prepared
	closed bool
}

// cachedStmt is a statement of a stmtCache.
type cachedStmt struct {
	query string
	stmt  *sql.Stmt
	used  atomic.Bool // since the hand last passed
}

// preparer prepares statements: the readers' *sql.DB, the writer's
// *sql.Conn.
type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func newStmtCache(db preparer, bound int) *stmtCache {
	return &stmtCache{db: db, max: bound, stmts: make(map[string]*cachedStmt), seen: make(map[string]struct{})}
}

// get returns the statement prepared for query, or nil. On the readers,
// a statement that an eviction closes meanwhile still works:
// Tx.StmtContext then prepares it for that transaction alone. The
// writer's are evicted only by the writer's holder, after its
// transaction.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.RLock()
	e := c.stmts[query]
	c.mu.RUnlock()
	if e == nil {
		return nil
	}
	if !e.used.Load() {
		e.used.Store(true)
	}
	return e.stmt
}

// prepare prepares, on c's database, the texts that were missed for the
// second time. It is called outside any transaction of that database; a
// text that fails to prepare is left uncached (the transaction that ran it
// as text has seen the error, if it is one).
func (c *stmtCache) prepare(ctx context.Context, missed []string) {
	for _, query := range missed {
		c.mu.Lock()
		_, cached := c.stmts[query]
		_, again := c.seen[query]
		now := false
		switch {
		case c.closed || cached:
		case !again:
			if len(c.seen) >= c.max {
				clear(c.seen)
			}
			c.seen[query] = struct{}{}
		default:
			delete(c.seen, query)
			now = true
		}
		c.mu.Unlock()
		if !now {
			continue
		}
		st, err := c.db.PrepareContext(ctx, query)
		if err != nil {
			continue
		}
		if evicted := c.add(query, st); evicted != nil {
			_ = evicted.Close()
		}
	}
}

// add caches st for query and returns the statement to close: the one
// evicted to make room, or st itself when it is not needed.
func (c *stmtCache) add(query string, st *sql.Stmt) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.stmts[query]; ok || c.closed {
		return st
	}
	e := &cachedStmt{query: query, stmt: st}
	if len(c.clock) < c.max {
		c.clock = append(c.clock, e)
		c.stmts[query] = e
		return nil
	}
	// Every statement the hand passes loses its mark; the first one
	// unmarked gives its place. Within two turns there is one.
	for {
		old := c.clock[c.hand]
		if old.used.Swap(false) {
			c.hand = (c.hand + 1) % len(c.clock)
			continue
		}
		delete(c.stmts, old.query)
		c.clock[c.hand] = e
		c.stmts[query] = e
		c.hand = (c.hand + 1) % len(c.clock)
		return old.stmt
	}
}

// close closes the cached statements; later calls find none.
func (c *stmtCache) close() error {
	c.mu.Lock()
	clock := c.clock
	c.stmts, c.clock, c.seen, c.closed = nil, nil, nil, true
	c.mu.Unlock()
	var err error
	for _, e := range clock {
		if cerr := e.stmt.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}

// maxMissed bounds the texts one transaction notes for preparation.
const maxMissed = 16

// txStmts is what one transaction's conn knows of the cache: the
// statements it bound to the transaction, those whose rows are open, and
// the texts the cache lacked.
type txStmts struct {
	cache  *stmtCache
	bind   *sql.Tx // a read transaction, to which the cache's statements are bound; nil on the writer, where they run as prepared
	bound  []boundStmt
	open   []*sql.Stmt // cached statements whose rows are not closed
	missed []string
}

// boundStmt is a cached statement and its form bound to the transaction.
type boundStmt struct{ cached, tx *sql.Stmt }

// stmt returns query's statement and its form bound to tx, or a zero
// boundStmt when query is to run as text: the cache lacks it, or the rows
// of the statement are open (a SQLite statement runs once at a time).
func (s *txStmts) stmt(ctx context.Context, query string) boundStmt {
	st := s.cache.get(query)
	if st == nil {
		if len(s.missed) < maxMissed && !slices.Contains(s.missed, query) {
			s.missed = append(s.missed, query)
		}
		return boundStmt{}
	}
	if slices.Contains(s.open, st) {
		return boundStmt{}
	}
	if s.bind == nil {
		return boundStmt{cached: st, tx: st}
	}
	for _, b := range s.bound {
		if b.cached == st {
			return b
		}
	}
	b := boundStmt{cached: st, tx: s.bind.StmtContext(ctx, st)}
	s.bound = append(s.bound, b)
	return b
}

// closed notes that the rows of the cached statement st are closed.
func (s *txStmts) closed(st *sql.Stmt) {
	if i := slices.Index(s.open, st); i >= 0 {
		s.open = slices.Delete(s.open, i, i+1)
	}
}
