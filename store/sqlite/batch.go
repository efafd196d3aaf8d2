package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

// maxBatch bounds the write transactions of callers that one SQLite
// transaction carries.
const maxBatch = 32

// writeBatches groups the write transactions of concurrent callers (group
// commit). SQLite has one writer at a time, and a commit costs more than
// most transactions' writes: while one caller's transaction runs, those
// that call Update wait in a queue, and the next caller to lead runs as
// many of them as are waiting (up to maxBatch) in one SQLite transaction,
// each in a savepoint of its own, and commits them at once. A caller whose
// function fails has its savepoint rolled back, and the others go on; a
// commit that fails fails every caller in it, none of whose writes is
// stored. Each caller returns once the commit that carries its writes
// has ended, so what Update reports is as durable as before (R18: a
// message is acknowledged only once stored). A lone caller runs alone, with
// no savepoint.
type writeBatches struct {
	mu      sync.Mutex
	leading bool         // a caller runs a batch
	queue   []*writeCall // waiting for the next batch
}

// writeCall is one caller's write transaction.
type writeCall struct {
	ctx context.Context
	fn  func(store.Tx) error

	err      error
	panicked bool
	panicVal any
	lead     bool          // woken to run the next batch
	ended    bool          // its outcome is set (by the batch that ran it)
	done     chan struct{} // closed when the call has ended, or is to lead
}

// errBatchAborted answers the calls of a batch that a call's function
// broke off (runtime.Goexit, or a panic of the store's own): nothing of
// theirs is stored, and the engine tries them again.
var errBatchAborted = fmt.Errorf("sqlite store: the write batch was broken off: %w", store.ErrConflict)

// Update runs fn in a write transaction, which may share SQLite's
// transaction with those of concurrent callers (writeBatches).
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &writeCall{ctx: ctx, fn: fn}
	b := &s.batches
	b.mu.Lock()
	if b.leading {
		c.done = make(chan struct{})
		b.queue = append(b.queue, c)
		b.mu.Unlock()
		if err := s.wait(c); err != nil {
			return err
		}
	} else {
		b.leading = true
		b.mu.Unlock()
		c.lead = true
	}
	if c.lead {
		s.lead(c)
	}
	if c.panicked {
		panic(c.panicVal)
	}
	return c.err
}

// wait waits for the end of the queued call c, or for its turn to lead.
// A caller whose context ends while c is still queued leaves the queue
// with the context's error; once a batch has taken c, it waits for it.
func (s *Store) wait(c *writeCall) error {
	select {
	case <-c.done:
		return nil
	case <-c.ctx.Done():
	}
	b := &s.batches
	b.mu.Lock()
	if i := slices.Index(b.queue, c); i >= 0 {
		b.queue = slices.Delete(b.queue, i, i+1)
		b.mu.Unlock()
		return c.ctx.Err()
	}
	b.mu.Unlock()
	<-c.done
	return nil
}

// lead runs the batch that first begins, then hands the lead on to the
// first caller waiting, if any (also when the batch panics, so that the
// callers waiting are not left behind).
func (s *Store) lead(first *writeCall) {
	defer s.handOff()
	s.runBatch(first)
}

// handOff wakes the first caller waiting to lead the next batch, or notes
// that none leads.
func (s *Store) handOff() {
	b := &s.batches
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		b.leading = false
		return
	}
	next := b.queue[0]
	b.queue = b.queue[1:]
	next.lead = true
	close(next.done)
}

// take returns the next waiting caller for a batch that carries n calls,
// or nil.
func (s *Store) take(n int) *writeCall {
	if n >= maxBatch {
		return nil
	}
	b := &s.batches
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		return nil
	}
	c := b.queue[0]
	b.queue = b.queue[1:]
	return c
}

// end reports the end of call c to its caller (first is the leader's own
// call, which returns by itself).
func end(c, first *writeCall) {
	c.ended = true
	if c != first {
		close(c.done)
	}
}

// batchCall is a call that ran in the batch's transaction, and what it
// left for after the commit.
type batchCall struct {
	c        *writeCall
	appended []conversation.Event
	changed  bool
}

// runBatch runs first, and the callers waiting meanwhile, in SQLite
// transactions: one, unless a call fails where nothing else is in the
// transaction yet, which rolls it back and begins another for the rest.
func (s *Store) runBatch(first *writeCall) {
	next := first
	n := 0
	for next != nil {
		next, n = s.runTx(first, next, n)
	}
}

// runTx runs c and the callers that follow it in one SQLite transaction,
// and returns the call to run in a new one (after a failure that rolled
// this one back), with the number of calls the batch has carried.
func (s *Store) runTx(first, c *writeCall, n int) (*writeCall, int) {
	tx, release, err := beginWriter(c.ctx, s.writer)
	if err != nil {
		c.err = err
		end(c, first)
		return s.take(n + 1), n + 1
	}
	cn := &conn{tx: tx, stmts: txStmts{cache: s.writer.stmts}, write: true}
	batch := &lookupTx{}
	var ran []batchCall
	finished := false
	rollback := func() { s.look.abort(func() { _ = tx.Rollback() }) }
	defer func() {
		if !finished {
			// A function broke off the batch (runtime.Goexit) or the
			// store panicked: nothing of it is stored, and every call
			// it took ends.
			rollback()
			for _, bc := range ran {
				bc.c.err = errBatchAborted
				end(bc.c, first)
			}
			if !c.ended {
				if c.err == nil && !c.panicked {
					c.err = errBatchAborted
				}
				end(c, first)
			}
		}
		// What the transaction ran as text is prepared on the writer
		// before it is given back.
		if len(cn.stmts.missed) > 0 {
			cn.stmts.cache.prepare(context.Background(), cn.stmts.missed)
		}
		release()
	}()
	for ; c != nil; c = s.take(n) {
		n++
		if err := c.ctx.Err(); err != nil {
			c.err = err
			end(c, first)
			continue
		}
		// The savepoint's statements run whatever becomes of the caller's
		// context: the calls before it depend on them.
		sctx := uncancelled(c.ctx)
		inSavepoint := len(ran) > 0
		if inSavepoint {
			if err := tx.run(sctx, ctlSavepoint); err != nil {
				c.err = batchError(err)
				end(c, first)
				break
			}
		}
		bc, ok := s.runCall(cn, batch, c)
		switch {
		case ok && inSavepoint:
			if err := tx.run(sctx, ctlRelease); err != nil {
				c.err = batchError(err)
				rollback()
				s.failBatch(ran, c.err, first)
				end(c, first)
				finished = true
				return s.take(n), n
			}
			ran = append(ran, bc)
		case ok:
			ran = append(ran, bc)
		case inSavepoint:
			if _, err := tx.ExecContext(sctx, `ROLLBACK TO cc_call; RELEASE cc_call`); err != nil {
				rollback()
				s.failBatch(ran, batchError(err), first)
				end(c, first)
				finished = true
				return s.take(n), n
			}
			end(c, first)
		default:
			// Nothing else in the transaction: roll it back, and
			// begin another for the rest.
			rollback()
			end(c, first)
			finished = true
			return s.take(n), n
		}
	}
	finished = true
	if len(ran) == 0 {
		rollback()
		return nil, n
	}
	s.commitBatch(tx, batch, ran, first)
	return nil, n
}

// batchError is the error of the calls of a batch whose savepoint
// failed: what SQLite said, as a conflict, so that the engine tries them
// again in a transaction of their own.
func batchError(err error) error {
	err = mapError(err)
	if errors.Is(err, store.ErrConflict) {
		return err
	}
	return fmt.Errorf("sqlite store: write batch: %w (%w)", err, store.ErrConflict)
}

// runCall runs c's function on cn, in the batch's transaction, and
// reports whether it succeeded; what it noted for the look-up cache is
// added to batch when it did (its clearing, always).
func (s *Store) runCall(cn *conn, batch *lookupTx, c *writeCall) (bc batchCall, ok bool) {
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return bc, false
	}
	w := &lookupTx{batch: batch}
	cn.look = w
	t := sqlstore.NewTx(cn, s.q, true)
	if s.pub.handing() {
		t.KeepAppended()
	}
	ct := &cachedTx{Tx: t, s: s, c: cn, look: w}
	defer func() {
		t.End()
		ct.ended = true
		cn.look = nil
		if v := recover(); v != nil {
			c.panicked, c.panicVal = true, v
			ok = false
		}
		batch.add(w, ok)
	}()
	if err := c.fn(ct); err != nil {
		c.err = err
		return bc, false
	}
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return bc, false
	}
	return batchCall{c: c, appended: t.Appended(), changed: t.EventsChanged()}, true
}

// commitBatch commits the batch's transaction and reports the outcome to
// the calls that ran in it; the events they appended go to the drain.
func (s *Store) commitBatch(tx interface{ Commit() error }, batch *lookupTx, ran []batchCall, first *writeCall) {
	if err := s.look.commit(batch, tx.Commit); err != nil {
		s.failBatch(ran, mapError(err), first)
		return
	}
	var appended []conversation.Event
	changed := false
	for _, bc := range ran {
		changed = changed || bc.changed
		appended = append(appended, bc.appended...)
	}
	switch {
	case changed:
		// An erasure scrubbed stored events: the drain reads them again.
		s.pub.dropHanded()
	case len(appended) > 0:
		s.pub.hand(appended)
	}
	for _, bc := range ran {
		end(bc.c, first)
	}
}

// failBatch reports err to the calls that ran in a transaction that was
// not committed.
func (s *Store) failBatch(ran []batchCall, err error, first *writeCall) {
	for _, bc := range ran {
		bc.c.err = err
		end(bc.c, first)
	}
}
