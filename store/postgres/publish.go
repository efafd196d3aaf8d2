package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
)

// Publication. The event stream is split into store.EventPartitions
// partitions by conversation (store.EventPartition), and the handles that
// drain share them: each holds a lease on its share of the partitions in
// cc_event_leases and passes only their events to fn, so several handles,
// in several processes, publish at once while a conversation's events keep
// their order (R17). The handles that publish are listed, each with its
// lease, in cc_publishers; every handle renews its leases and listing
// every third of the lease as it drains. Each drain's read also says
// whether a partition is free or lapsed, how many handles are live and
// where this one ranks among them, which set its fair share. While a
// handle holds that share, reads saw none free or lapsed, and every lease
// and the listing were renewed, the renewal goes with a drain's read, in
// its round trip; otherwise the handle rebalances (balance), in a
// transaction of its own: it renews its leases, counts the live handles,
// keeps its fair share, gives up what is beyond it and takes free or
// lapsed partitions up to it. A new handle thus takes its share within
// about two thirds of a lease, and a killed handle's share passes to the
// others once its leases end. Lease times are the database server's
// clock, so that the clocks of the processes do not matter.

// publishLease is how long a handle's leases last unless it renews them.
const publishLease = 3 * time.Second

// hungryBalance is how often a handle that holds less than its share
// rebalances as it drains, to take the partitions others give up.
const hungryBalance = 25 * time.Millisecond

// idleRelease is how long a handle keeps its share without draining. It
// then gives the share up, so that a handle that starts publishing takes
// every partition at once rather than wait for the leases to end, and so
// that the events others store in its partitions do not wait for a
// handle that does not drain (whose host does not know it shares the
// stream); its next drain takes a share again. A handle that shares the
// stream drains more often than this (the engine's sharedPoll).
const idleRelease = 200 * time.Millisecond

// serverMicros is the database server's clock, in microseconds since the
// epoch: the clock of every lease.
const serverMicros = `(extract(epoch FROM clock_timestamp()) * 1000000)::bigint`

// errLeaseLost answers a drain whose partitions another handle took while
// fn ran (this process was paused past its lease).
var errLeaseLost = fmt.Errorf("postgres store: the partitions' lease was taken over while publishing: %w", store.ErrBusy)

// publisher is a handle's share of the event stream.
type publisher struct {
	s      *Store
	holder string        // this handle's name in cc_publishers and cc_event_leases
	lease  time.Duration // of its leases

	running    atomic.Bool // a drain runs: another call answers store.ErrBusy
	mu         sync.Mutex  // held by the drain, the idle release and close; guards the fields below
	held       []int16     // the partitions held as of the last balance
	published  []int64     // the seqs of the events published and not yet deleted
	registered bool        // in cc_publishers
	share      int         // the fair share at the last balance
	balanced   time.Time   // when the last balance, or renewal of the leases by a drain, committed
	unsettled  bool        // a read since the last balance said the share must change: the next drain balances
	drains     uint64      // counts drains, for the idle release
	idle       *time.Timer
	closed     bool

	heldN, publishers atomic.Int32  // EventShare
	balances          atomic.Uint64 // balance transactions committed
}

func (p *publisher) init(s *Store) {
	p.s, p.lease = s, publishLease
	p.holder = sqlstore.HolderName()
}

var _ store.SharedEvents = (*Store)(nil)

// EventShare implements store.SharedEvents.
func (s *Store) EventShare() (store.EventShare, bool) {
	return store.EventShare{Held: int(s.pub.heldN.Load()), Publishers: int(s.pub.publishers.Load())}, true
}

// DrainEvents passes the stored events of the partitions this handle
// holds to fn, in commit order per conversation, and deletes those fn
// published. One drain runs at a time per handle; another answers
// store.ErrBusy at once, and so does a drain of a handle that holds no
// partition (others hold them all; it takes its share as they give it
// up). fn's context ends, with store.ErrBusy as its cause, if the
// renewal of the leases while fn runs finds them taken (this process was
// paused past its lease): the handle that took them publishes the events
// again, so delivery is at least once.
func (s *Store) DrainEvents(ctx context.Context, limit int, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if limit < 1 {
		return 0, nil
	}
	p := &s.pub
	if !p.running.CompareAndSwap(false, true) {
		return 0, store.ErrBusy
	}
	defer p.running.Store(false)
	// The idle release or close may hold mu for one write: a drain waits
	// for it rather than being turned away as if another drain ran.
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, errors.New("postgres store: closed")
	}
	p.drains++
	defer p.armIdle()
	var renew []int16
	if p.balanceDue(time.Now()) {
		if p.settled() {
			// Only the leases' renewal is due: the read renews them, in
			// its round trip, and no balance transaction runs.
			renew = p.held
		} else if err := p.balance(ctx); err != nil {
			return 0, err
		}
	}
	if len(p.held) == 0 {
		return 0, store.ErrBusy
	}
	events, free, live, rank, renewed, err := p.read(ctx, limit, renew)
	switch {
	case err != nil:
	case free || live != int(p.publishers.Load()) || fairShare(live, rank) != p.share || (renew != nil && !renewed):
		// The next drain takes what was given up or lapsed, makes room
		// for a handle that came or moves to the share its rank gives
		// it, or finds what became of a lease it could not renew.
		p.unsettled = true
	case renew != nil:
		p.balanced = time.Now()
	}
	if err != nil || len(events) == 0 {
		return 0, err
	}
	if renew != nil && !renewed {
		// Another handle took one of them: what this one holds is known
		// after the next drain's balance, and the events wait for it.
		return 0, nil
	}
	var n int
	var fnErr error
	held := slices.Clone(p.held)
	sqlstore.Renewing(ctx, p.lease/3, errLeaseLost, func(ctx context.Context) (bool, error) { return p.renew(ctx, held) },
		func(ctx context.Context) { n, fnErr = fn(ctx, events) })
	n = min(max(n, 0), len(events))
	if n == 0 {
		return 0, fnErr
	}
	// The published events are deleted with the next drain's read, or
	// when the handle rebalances, gives its share up or closes: the drain
	// costs one round trip, and a handle killed before has them published
	// again by the next holder (at least once; Event.Seq tells repeats
	// apart). They are deleted even if the leases were lost meanwhile:
	// they were published, and the new holder publishes them again only
	// if it read them before.
	for _, e := range events[:n] {
		p.published = append(p.published, int64(e.Seq))
	}
	return n, fnErr
}

// deletePublished is the statement that deletes the events published, for
// a batch or a transaction to send first; nil when there are none.
func (p *publisher) deletePublished() (string, []any) {
	if len(p.published) == 0 {
		return "", nil
	}
	return `DELETE FROM cc_events WHERE seq = ANY($1)`, []any{p.published}
}

// read reads, in one round trip, up to limit events of the partitions
// this handle holds, whether a partition is free or its lease lapsed (a
// handle gave its share up, or was killed), how many handles publish and
// how many of them come before this one by name (its rank, which sets its
// fair share), so that the next drain rebalances at once when the share
// must change rather than wait its turn.
//
// With renew, the partitions held, it first renews their leases and the
// handle's listing, as balance would, and reports whether it renewed them
// all (renewed): the steady drain's renewal costs no round trip of its
// own.
func (p *publisher) read(ctx context.Context, limit int, renew []int16) (events []conversation.Event, free bool, live, rank int, renewed bool, err error) {
	var b pgx.Batch
	del, delArgs := p.deletePublished()
	if del != "" {
		b.Queue(del, delArgs...)
	}
	if renew != nil {
		queueRenewal(&b, p.holder, p.lease, renew)
	}
	b.Queue(`SELECT `+sqlstore.EventCols+` FROM cc_events
		WHERE part IN (SELECT part FROM cc_event_leases WHERE holder = $1 AND until >= `+serverMicros+`)
		ORDER BY seq LIMIT $2`, p.holder, limit)
	// The rank is by the names' bytes, as balance sorts them.
	b.Queue(`SELECT EXISTS (SELECT 1 FROM cc_event_leases WHERE holder = '' OR until < `+serverMicros+`),
		(SELECT count(*) FROM cc_publishers WHERE until >= `+serverMicros+`),
		(SELECT count(*) FROM cc_publishers WHERE until >= `+serverMicros+` AND holder COLLATE "C" < $1 COLLATE "C")`, p.holder)
	br := p.s.pool.SendBatch(ctx, &b)
	results := func() error {
		if del != "" {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if renew != nil {
			var err error
			if renewed, err = renewalResult(br, renew); err != nil {
				return err
			}
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		if events, err = sqlstore.ScanEvents(rows); err != nil {
			return err
		}
		return br.QueryRow().Scan(&free, &live, &rank)
	}
	err = results()
	// Close ends the batch's implicit transaction: the deletion is
	// stored only once it succeeds.
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, false, 0, 0, false, mapError(err)
	}
	if del != "" {
		p.published = p.published[:0]
	}
	return events, free, live, rank, renewed, nil
}

// queueRenewal queues the renewal of holder's leases on held, and of its
// listing among the publishers, for lease from the server's clock.
func queueRenewal(b *pgx.Batch, holder string, lease time.Duration, held []int16) {
	// The leases are locked in the order of their partitions, as
	// balance locks them, so that the two never wait for each other.
	b.Queue(`UPDATE cc_event_leases SET until = `+serverMicros+` + $2
		WHERE holder = $1 AND part IN (SELECT part FROM cc_event_leases WHERE holder = $1 AND part = ANY($3) ORDER BY part FOR UPDATE)`,
		holder, lease.Microseconds(), held)
	b.Queue(`UPDATE cc_publishers SET until = `+serverMicros+` + $2 WHERE holder = $1`, holder, lease.Microseconds())
}

// renewalResult reads the outcome of queueRenewal: whether every lease
// and the listing were renewed (none was taken, nor the listing deleted).
func renewalResult(br pgx.BatchResults, held []int16) (bool, error) {
	leases, err := br.Exec()
	if err != nil {
		return false, err
	}
	listing, err := br.Exec()
	if err != nil {
		return false, err
	}
	return leases.RowsAffected() == int64(len(held)) && listing.RowsAffected() == 1, nil
}

// settled reports whether the handle holds its fair share, as its last
// balance set it, and no read since said the share must change: a drain
// then only renews its leases. Called with mu held.
func (p *publisher) settled() bool {
	return p.registered && !p.unsettled && len(p.held) > 0 && len(p.held) >= p.share
}

// balanceDue reports whether the drain at now rebalances or renews its
// leases first: the handle is not listed, a read said its share must
// change, a third of its lease has passed since the last balance or
// renewal, or it holds less than its share and a little time has passed.
func (p *publisher) balanceDue(now time.Time) bool {
	since := now.Sub(p.balanced)
	return !p.registered || p.unsettled || since >= p.lease/3 || (len(p.held) < p.share && since >= hungryBalance)
}

// fairShare is the share of the partitions of the publisher at rank (0
// for the first, in order of their names) among live publishers: the
// partitions divided among them, the first ones taking one more while the
// division leaves a rest.
func fairShare(live, rank int) int {
	if live < 1 {
		return store.EventPartitions
	}
	share := store.EventPartitions / live
	if rank < store.EventPartitions%live {
		share++
	}
	return share
}

// lease is a row of cc_event_leases.
type lease struct {
	part   int16
	holder string
	until  int64
}

// plan returns the partitions holder keeps or takes, and those it gives
// up, given the leases, the live publishers (sorted, holder among them)
// and the server's clock: its fair share of the partitions is
// store.EventPartitions divided among the live publishers, the first of
// them in order taking one more while the division leaves a rest. It keeps
// what it holds up to its share, and takes free or lapsed partitions up to
// it; what others hold and still lease stays theirs until they give it up.
func plan(leases []lease, holder string, live []string, now int64) (mine, release []int16, share int) {
	i, found := slices.BinarySearch(live, holder)
	n := len(live)
	if !found {
		n++
	}
	share = fairShare(n, i)
	var free []int16
	for _, l := range leases {
		switch {
		case l.holder == holder:
			if len(mine) < share {
				mine = append(mine, l.part)
			} else {
				release = append(release, l.part)
			}
		case l.holder == "" || l.until < now:
			free = append(free, l.part)
		}
	}
	mine = append(mine, free[:min(len(free), share-len(mine))]...)
	slices.Sort(mine)
	return mine, release, share
}

// balance lists this handle among the publishers, renews its leases and
// moves its share toward its fair share (plan), in one transaction that
// locks the leases, so that handles balance one after another.
func (p *publisher) balance(ctx context.Context) error {
	var mine, release []int16
	var live []string
	err := pgx.BeginFunc(ctx, p.s.pool, func(tx pgx.Tx) error {
		// What this handle published is deleted before it gives up a
		// partition, lest the next holder publish it again.
		if del, args := p.deletePublished(); del != "" {
			if _, err := tx.Exec(ctx, del, args...); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT part, holder, until, `+serverMicros+` FROM cc_event_leases ORDER BY part FOR UPDATE`)
		if err != nil {
			return err
		}
		var leases []lease
		var now int64
		for rows.Next() {
			var l lease
			if err := rows.Scan(&l.part, &l.holder, &l.until, &now); err != nil {
				rows.Close()
				return err
			}
			leases = append(leases, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := now + p.lease.Microseconds()
		if _, err := tx.Exec(ctx, `INSERT INTO cc_publishers (holder, until) VALUES ($1, $2)
			ON CONFLICT (holder) DO UPDATE SET until = excluded.until`, p.holder, until); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `WITH gone AS (DELETE FROM cc_publishers WHERE until < $1)
			SELECT holder FROM cc_publishers WHERE until >= $1 ORDER BY holder`, now)
		if err != nil {
			return err
		}
		if live, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		if !slices.Contains(live, p.holder) {
			live = append(live, p.holder)
		}
		slices.Sort(live)
		var share int
		mine, release, share = plan(leases, p.holder, live, now)
		p.share = share
		_, err = tx.Exec(ctx, `UPDATE cc_event_leases
			SET holder = CASE WHEN part = ANY($3) THEN $1 ELSE '' END, until = CASE WHEN part = ANY($3) THEN $2::bigint ELSE 0 END
			WHERE part = ANY($3) OR part = ANY($4)`, p.holder, until, mine, release)
		return err
	})
	if err != nil {
		return mapError(err)
	}
	p.held, p.registered, p.balanced, p.unsettled = mine, true, time.Now(), false
	p.balances.Add(1)
	p.published = p.published[:0]
	p.heldN.Store(int32(len(mine)))
	p.publishers.Store(int32(len(live)))
	return nil
}

// renew extends the leases of held and this handle's listing; it reports
// false when another handle took one of them.
func (p *publisher) renew(ctx context.Context, held []int16) (bool, error) {
	var b pgx.Batch
	queueRenewal(&b, p.holder, p.lease, held)
	br := p.s.pool.SendBatch(ctx, &b)
	defer br.Close()
	tag, err := br.Exec()
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == int64(len(held)), nil
}

// armIdle sets, after a drain, the timer that gives the share up if no
// drain follows within idleRelease. Called with mu held.
func (p *publisher) armIdle() {
	if (!p.registered && len(p.published) == 0) || p.closed {
		return
	}
	drains := p.drains
	if p.idle != nil {
		p.idle.Stop()
	}
	p.idle = time.AfterFunc(idleRelease, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.drains != drains || p.closed {
			return // drained since
		}
		_ = p.release(context.Background())
	})
}

// release gives up this handle's leases and listing. Called with mu
// held.
func (p *publisher) release(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var b pgx.Batch
	if del, args := p.deletePublished(); del != "" {
		b.Queue(del, args...)
	}
	b.Queue(`UPDATE cc_event_leases SET holder = '', until = 0 WHERE holder = $1`, p.holder)
	b.Queue(`DELETE FROM cc_publishers WHERE holder = $1`, p.holder)
	if err := p.s.pool.SendBatch(ctx, &b).Close(); err != nil {
		return mapError(err) // the leases end by themselves
	}
	p.published = p.published[:0]
	p.held, p.registered = nil, false
	p.heldN.Store(0)
	p.publishers.Store(0)
	return nil
}

// close gives the share up for good, once a drain running has returned.
func (p *publisher) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if p.idle != nil {
		p.idle.Stop()
	}
	if p.registered || len(p.published) > 0 {
		_ = p.release(context.Background())
	}
	p.closed = true
}
