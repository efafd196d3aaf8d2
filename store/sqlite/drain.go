package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

// drainLease is how long the drain lease lasts unless its holder renews
// it. A Store renews it as it drains once a third of it has passed, and
// every third of it while fn runs, so a slow Publish keeps it. A process
// that dies while it holds the lease holds up the next drain by at most
// this long; on the same host (where a restarted process runs, and where
// SQLite's file locking is meant to be shared) a Store sees that the
// holder's process is gone and takes over at once.
const drainLease = 3 * time.Second

// forgetAt is how many published events a Store keeps before it deletes
// them in a write of their own; fewer are deleted with the next write of
// the lease (at most a third of a lease later), when the Store gives the
// lease up, and when it closes. Until then its drains read past them, by
// the cursor.
const forgetAt = 1024

// idleRelease is how long a Store keeps the lease without draining. It
// then deletes what it published and gives the lease up, so that another
// process that publishes does so at once.
const idleRelease = 200 * time.Millisecond

// errLeaseLost answers a drain whose lease another process took over.
var errLeaseLost = fmt.Errorf("sqlite store: the drain lease was taken over while publishing: %w", store.ErrBusy)

// drainer is a Store's drain: its lease, kept across drains, and its
// cursor, the last event it published.
type drainer struct {
	s      *Store
	holder string        // this Store's name in cc_drain_lock
	lease  time.Duration // of the drain lease

	running atomic.Bool // a drain runs: another call answers store.ErrBusy
	mu      sync.Mutex  // held by the drain, the idle release and close; guards the fields below
	until   time.Time   // the lease's end as this Store last wrote it; zero when it does not hold it
	cursor  int64       // the seq of the last event published
	pending int         // events published and not yet deleted (up to cursor)
	lastAt  time.Time   // when the last drain ended, for the idle release
	idle    *time.Timer // the idle release, once a drain armed it
	armed   bool        // idle is set to fire
	closed  bool

	// The renewals of the lease while fn runs, and the lease's end as the
	// last of them wrote it.
	renewer sqlstore.Renewer
	umu     sync.Mutex // guards renewed
	renewed time.Time

	// The events this Store committed, in seq order, as a drain would read
	// them: a drain takes them from here, without reading, while they
	// follow the cursor without a gap (no other process wrote between).
	qmu    sync.Mutex
	queue  []conversation.Event
	handOn atomic.Bool // a drain ran: the Store hands its events on
}

// maxHanded bounds the events kept for the drain; past it they are
// dropped, and the drain reads them.
const maxHanded = 4096

// handing reports whether the Store keeps the events it commits for its
// drain: once it drained, so that a Store nobody drains keeps nothing.
func (d *drainer) handing() bool { return d.handOn.Load() }

// hand keeps events the Store committed, for the drain.
func (d *drainer) hand(events []conversation.Event) {
	d.qmu.Lock()
	defer d.qmu.Unlock()
	if len(d.queue)+len(events) > maxHanded {
		d.queue = d.queue[:0]
		return
	}
	for _, e := range events {
		// Commits are in seq order, their hand-overs nearly so.
		i := len(d.queue)
		for i > 0 && d.queue[i-1].Seq > e.Seq {
			i--
		}
		d.queue = slices.Insert(d.queue, i, e)
	}
}

// handed returns up to limit events handed on that follow the cursor
// without a gap, and forgets those the cursor passed; nil when the next
// event was not handed on (another process wrote it, or it was dropped).
// Called with mu held.
func (d *drainer) handed(limit int) []conversation.Event {
	d.qmu.Lock()
	defer d.qmu.Unlock()
	i := 0
	for i < len(d.queue) && int64(d.queue[i].Seq) <= d.cursor {
		i++
	}
	d.queue = d.queue[:copy(d.queue, d.queue[i:])]
	n := 0
	for n < len(d.queue) && n < limit && int64(d.queue[n].Seq) == d.cursor+int64(n)+1 {
		n++
	}
	if n == 0 {
		return nil
	}
	events := slices.Clone(d.queue[:n])
	for i := range events {
		// A publisher that changes what it was given changes no other
		// copy: a drain that reads gets a map of its own too.
		events[i].Data = maps.Clone(events[i].Data)
	}
	return events
}

// dropHanded drops what was handed on: the cursor may lag what another
// holder published meanwhile, or the stored events changed.
func (d *drainer) dropHanded() {
	d.qmu.Lock()
	d.queue = d.queue[:0]
	d.qmu.Unlock()
}

func (d *drainer) init(s *Store) {
	d.s, d.holder, d.lease = s, sqlstore.HolderName(), drainLease
	d.renewer = sqlstore.Renewer{Lost: errLeaseLost, Renew: d.renew}
}

// DrainEvents passes stored events to fn in commit order and forgets
// those fn published. One process drains at a time: it holds a lease in
// the database (of 3 seconds, renewed as it drains and while fn runs,
// taken over at once from a process of this host that no longer runs,
// and given up after a moment without drains), and one drain at a time
// runs per Store; the others answer store.ErrBusy. The write lock is not
// held while fn runs, so fn may call the engine.
//
// A drain costs one read: the lease is written once a third of it has
// passed, and the published events are deleted in batches (forgetAt),
// with the lease's writes, and when the Store gives the lease up or
// closes; until then the Store's drains read past them. A process killed
// before they are deleted has them published again by the next holder:
// delivery is at least once, and Event.Seq tells repeats apart.
//
// A drain whose lease was taken while fn ran (its process was paused past
// the lease) answers store.ErrBusy and keeps the events for the new
// holder; fn's context ends, with store.ErrBusy as its cause, as soon as
// the renewal finds the lease taken.
func (s *Store) DrainEvents(ctx context.Context, limit int, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if limit < 1 {
		return 0, nil
	}
	d := &s.pub
	if !d.running.CompareAndSwap(false, true) {
		return 0, store.ErrBusy
	}
	defer d.running.Store(false)
	// The idle release or close may hold mu for one write: a drain waits
	// for it rather than being turned away as if another drain ran.
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return 0, errClosed
	}
	now := time.Now()
	d.handOn.Store(true)
	defer d.armIdle()
	if now.After(d.until.Add(-2 * d.lease / 3)) {
		held := !d.until.IsZero()
		if err := d.take(ctx, now); err != nil {
			return 0, err
		}
		if !held {
			d.dropHanded()
		}
	}
	events := d.handed(limit)
	if events == nil {
		var err error
		if events, err = d.read(ctx, limit); err != nil || len(events) == 0 {
			return 0, err
		}
	}
	var n int
	var fnErr error
	finished := false
	defer func() {
		if !finished { // fn panicked: another process may publish at once
			_ = d.giveUp(context.WithoutCancel(ctx))
		}
	}()
	lost, until := d.renewing(ctx, func(ctx context.Context) { n, fnErr = fn(ctx, events) })
	finished = true
	if lost {
		d.until = time.Time{}
		return 0, errors.Join(fnErr, errLeaseLost)
	}
	if !until.IsZero() {
		d.until = until
	}
	n = min(max(n, 0), len(events))
	if n == 0 {
		return 0, fnErr
	}
	d.cursor = int64(events[n-1].Seq)
	d.pending += n
	if d.pending >= forgetAt {
		// A failure leaves them for the next write of the lease.
		_ = d.write(context.WithoutCancel(ctx), nil)
	}
	return n, fnErr
}

// readEvents is the drain's read: the events after the cursor.
const readEvents = `SELECT ` + sqlstore.EventCols + ` FROM cc_events WHERE seq > ? ORDER BY seq LIMIT ? + 0`

// read reads up to limit events after the cursor, through the readers'
// prepared statement.
func (d *drainer) read(ctx context.Context, limit int) ([]conversation.Event, error) {
	var rows *sql.Rows
	var err error
	if st := d.s.rStmts.get(readEvents); st != nil {
		rows, err = st.QueryContext(ctx, d.cursor, limit)
	} else {
		rows, err = d.s.r.QueryContext(ctx, readEvents, d.cursor, limit)
		defer d.s.rStmts.prepare(ctx, []string{readEvents})
	}
	if err != nil {
		return nil, mapError(err)
	}
	return sqlstore.ScanEvents(sqlRows{rows})
}

// take takes the lease, or renews it, in one write that also deletes the
// events published: the lease is taken if it is free, ran out, is this
// Store's own, or its holder is a process of this host that no longer
// runs. It answers store.ErrBusy when another process holds it.
func (d *drainer) take(ctx context.Context, now time.Time) error {
	var held bool
	err := d.write(ctx, func(tx querier, look *lookupTx) error {
		until := now.Add(d.lease).UnixMicro()
		res, err := look.exec(ctx, tx, `INSERT INTO cc_drain_lock (id, holder, until) VALUES (1, ?, ?)
			ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, until = excluded.until
			WHERE cc_drain_lock.until < ? OR cc_drain_lock.holder = excluded.holder`,
			d.holder, until, now.UnixMicro())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			held = err == nil
			return err
		}
		var holder string
		if err := tx.QueryRowContext(ctx, `SELECT holder FROM cc_drain_lock WHERE id = 1`).Scan(&holder); err != nil {
			return err
		}
		if !deadHolder(holder) {
			return nil // another process is publishing
		}
		res, err = look.exec(ctx, tx, `UPDATE cc_drain_lock SET holder = ?, until = ? WHERE id = 1 AND holder = ?`, d.holder, until, holder)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = err == nil && n == 1
		return err
	})
	if err != nil {
		d.until = time.Time{}
		return err
	}
	if !held {
		d.until = time.Time{}
		return store.ErrBusy
	}
	d.until = now.Add(d.lease)
	return nil
}

// write runs, in one write transaction, the deletion of the events
// published and not yet deleted, and then fn (when not nil).
//
// The look-up cache notes what the transaction writes: fn runs its
// writes through lookupTx.exec.
func (d *drainer) write(ctx context.Context, fn func(querier, *lookupTx) error) error {
	tx, release, err := beginWriter(ctx, d.s.writer)
	if err != nil {
		return err
	}
	defer release()
	look := &lookupTx{}
	committed := false
	defer func() {
		if !committed {
			d.s.look.abort(func() { _ = tx.Rollback() })
		}
	}()
	if d.pending > 0 {
		if _, err := look.exec(ctx, tx, `DELETE FROM cc_events WHERE seq <= ?`, d.cursor); err != nil {
			return mapError(err)
		}
	}
	if fn != nil {
		if err := fn(tx, look); err != nil {
			return mapError(err)
		}
	}
	if err := d.s.look.commit(look, tx.Commit); err != nil {
		return mapError(err)
	}
	committed = true
	d.pending = 0
	return nil
}

// giveUp deletes the events published and gives the lease up.
func (d *drainer) giveUp(ctx context.Context) error {
	if d.until.IsZero() && d.pending == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := d.write(ctx, func(tx querier, look *lookupTx) error {
		_, err := look.exec(ctx, tx, `UPDATE cc_drain_lock SET until = 0 WHERE holder = ?`, d.holder)
		return err
	})
	d.until = time.Time{}
	return err
}

// armIdle sets, after a drain, the timer that gives the lease up if no
// drain follows within idleRelease. Called with mu held.
func (d *drainer) armIdle() {
	d.lastAt = time.Now()
	if d.closed || d.armed || (d.until.IsZero() && d.pending == 0) {
		return
	}
	d.armed = true
	if d.idle == nil {
		d.idle = time.AfterFunc(idleRelease, d.releaseIdle)
		return
	}
	d.idle.Reset(idleRelease)
}

// releaseIdle gives the lease up when no drain ended within idleRelease,
// and otherwise waits for what is left of it after the last one: the
// timer is set once, not at every drain.
func (d *drainer) releaseIdle() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || !d.armed {
		return
	}
	if since := time.Since(d.lastAt); since < idleRelease {
		d.idle.Reset(idleRelease - since)
		return
	}
	d.armed = false
	_ = d.giveUp(context.Background())
}

// close deletes what was published and gives the lease up for good, once
// a drain running has returned.
func (d *drainer) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	if d.idle != nil {
		d.idle.Stop()
	}
	_ = d.giveUp(context.Background())
	d.closed = true
}

// renewing runs fn while the drain lease is renewed every third of it
// (sqlstore.Renewer); it reports whether a renewal found the lease taken,
// and the lease's end as the last renewal wrote it (zero if none did).
// Called with mu held.
func (d *drainer) renewing(ctx context.Context, fn func(context.Context)) (lost bool, until time.Time) {
	d.umu.Lock()
	d.renewed = time.Time{}
	d.umu.Unlock()
	d.renewer.Interval = d.lease / 3
	lost = d.renewer.Run(ctx, fn)
	d.umu.Lock()
	defer d.umu.Unlock()
	return lost, d.renewed
}

// renew is the renewal of the drain lease while a drain's fn runs: it
// reports whether this Store still held the lease.
func (d *drainer) renew(ctx context.Context) (bool, error) {
	next := time.Now().Add(d.lease)
	res, err := d.s.writer.exec(ctx, `UPDATE cc_drain_lock SET until = ? WHERE id = 1 AND holder = ?`, next.UnixMicro(), d.holder)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n == 1 {
		d.umu.Lock()
		d.renewed = next
		d.umu.Unlock()
	}
	return n == 1, nil
}
