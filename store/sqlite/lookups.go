package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
	"github.com/telenet/contactcenter/ticket"
)

// maxLookups bounds the entries of a lookupCache; a look-up that would
// pass it empties the cache first.
const maxLookups = 4096

// lookupCache keeps what LookupInbound found for known contacts with an
// open conversation, keyed by the contact's handle, so that an inbound
// message to an open conversation (the steady case) reads nothing before
// it writes. It holds only what the writer connection committed, and is
// used only by write transactions, only for look-ups that ask for no
// duplicate check (the engine's first attempt, which leaves duplicates to
// the unique index), and only before the transaction's first write.
//
// It is right as long as nothing it holds changed without it knowing.
// The first look-up of a write transaction checks, in one read, what the
// writer connection says of changes: PRAGMA data_version (changed by
// every commit of another connection, of this process or another) and
// total_changes() (the rows this connection changed, counted by the
// cache for every transaction of the Store, so that a write on the writer
// outside them shows); and which connection the writer is (one opened
// again starts both counts afresh). Any difference empties the cache.
//
// Within the Store's transactions, the writes of UpdateConversation are
// recorded into the entries at commit (an entry whose conversation closes
// is dropped); the creation of contacts, handles and conversations cannot
// change an entry (an entry's handle exists, its conversation is the
// contact's only open one on the channel). Any other write to a table that
// the look-up reads, or to a table not known to be harmless, or a
// statement whose changes cannot be counted, empties the cache, as does a
// transaction that fails or rolls back.
//
// Its methods are safe for concurrent use. mu is never held while waiting
// for the writer connection, but commit holds it while the writer's
// transaction commits (a checkpoint included): the count and the entries
// change with the commit, as one step.
type lookupCache struct {
	mu      sync.Mutex
	entries map[lookupKey]store.InboundRecords
	byConv  map[convKey][]lookupKey // the entries of each conversation

	// What the writer connection answers when the entries are right,
	// when known.
	known       bool
	conn        uint64 // writerConnector.opened
	dataVersion int64
	changes     int64

	hits, misses, clears uint64 // for tests
}

// lookupKey is a contact's handle: whom LookupInbound looks for.
type lookupKey struct {
	ws  ticket.WorkspaceID
	ch  channel.ID
	ext string
}

type convKey struct {
	ws ticket.WorkspaceID
	id conversation.ID
}

func newLookupCache() *lookupCache {
	return &lookupCache{entries: make(map[lookupKey]store.InboundRecords), byConv: make(map[convKey][]lookupKey)}
}

// clearLocked empties the cache. Called with mu held.
func (l *lookupCache) clearLocked() {
	if len(l.entries) > 0 {
		clear(l.entries)
		clear(l.byConv)
		l.clears++
	}
}

// check empties the cache unless the writer connection (the conn-th one
// opened) answers what the cache recorded, and records what it answers.
func (l *lookupCache) check(conn uint64, dataVersion, changes int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.known || l.conn != conn || l.dataVersion != dataVersion || l.changes != changes {
		l.clearLocked()
	}
	l.known, l.conn, l.dataVersion, l.changes = true, conn, dataVersion, changes
}

// get returns a copy of the entry of k.
func (l *lookupCache) get(k lookupKey) (store.InboundRecords, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.entries[k]
	if !ok {
		l.misses++
		return r, false
	}
	l.hits++
	return handOut(r), true
}

// handOut copies r so that its holder shares nothing with the cache.
func handOut(r store.InboundRecords) store.InboundRecords {
	r.Contact.Fields = maps.Clone(r.Contact.Fields)
	return r
}

// putLocked sets the entry of k. Called with mu held.
func (l *lookupCache) putLocked(k lookupKey, r store.InboundRecords) {
	if old, ok := l.entries[k]; ok {
		l.unlinkLocked(convKey{old.Open.Workspace, old.Open.ID}, k)
	} else if len(l.entries) >= maxLookups {
		l.clearLocked()
	}
	l.entries[k] = r
	ck := convKey{r.Open.Workspace, r.Open.ID}
	l.byConv[ck] = append(l.byConv[ck], k)
}

func (l *lookupCache) unlinkLocked(ck convKey, k lookupKey) {
	keys := slices.DeleteFunc(l.byConv[ck], func(x lookupKey) bool { return x == k })
	if len(keys) == 0 {
		delete(l.byConv, ck)
		return
	}
	l.byConv[ck] = keys
}

// updateLocked records that c was written over its stored row (by
// UpdateConversation). Called with mu held.
func (l *lookupCache) updateLocked(c conversation.Conversation) {
	ck := convKey{c.Workspace, c.ID}
	keys := l.byConv[ck]
	if len(keys) == 0 {
		return
	}
	if c.State != conversation.Open {
		for _, k := range keys {
			delete(l.entries, k)
		}
		delete(l.byConv, ck)
		return
	}
	for _, k := range keys {
		r := l.entries[k]
		r.Open = sqlstore.UpdatedConversation(r.Open, c)
		l.entries[k] = r
	}
}

// forgetLocked empties the cache and forgets what the writer answered:
// the next check records it afresh. Called with mu held.
func (l *lookupCache) forgetLocked() {
	l.clearLocked()
	l.known = false
}

// commit runs commit, the commit of a transaction on the writer whose
// writes w noted, and brings the cache up to it: the changes counted,
// then the entries filled and the conversations updated, in order; or
// emptied where w says so. A failed commit empties it.
func (l *lookupCache) commit(w *lookupTx, commit func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := commit()
	switch {
	case err != nil || w.uncounted:
		l.forgetLocked()
	case !l.known:
		// Empty: the next check records what the writer answers.
	default:
		l.changes += w.changes
		if w.clear {
			l.clearLocked()
			break
		}
		for _, f := range w.fills {
			l.putLocked(f.key, f.records)
		}
		for _, c := range w.updates {
			l.updateLocked(c)
		}
	}
	return err
}

// abort runs rollback, the end of a transaction on the writer that does
// not commit, and empties the cache.
func (l *lookupCache) abort(rollback func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rollback()
	l.forgetLocked()
}

// lookupTx is what the cache learns of one write transaction, from its
// conn and its cachedTx.
type lookupTx struct {
	wrote     bool  // a write ran: the cache is neither used nor filled
	checked   bool  // the cache was checked against the writer
	trusted   int   // > 0: the writes running cannot change an entry
	clear     bool  // a write may have changed an entry
	uncounted bool  // a write whose changes were not counted
	changes   int64 // the rows the writes changed, as total_changes() counts them
	fills     []lookupFill
	updates   []conversation.Conversation // written by UpdateConversation, in order
}

type lookupFill struct {
	key     lookupKey
	records store.InboundRecords
}

// harmlessTables are the tables whose writes cannot change what
// LookupInbound reads (cc_contact_handles, cc_contacts, cc_conversations,
// cc_config_revisions). A write to any table not listed empties the
// cache.
var harmlessTables = map[string]bool{
	"cc_messages": true, "cc_events": true, "cc_timers": true, "cc_tickets": true, "cc_ticket_counters": true,
	"cc_ticket_tags": true, "cc_agents": true, "cc_teams": true, "cc_drain_lock": true, "cc_rejections": true,
	"cc_workflow_runs": true, "cc_contact_names": true, "cc_contact_fields": true,
}

// stmtKind is what a statement does, as far as the cache is concerned.
type stmtKind uint8

const (
	stmtRead  stmtKind = iota // a SELECT
	stmtWrite                 // one INSERT, UPDATE, DELETE or REPLACE, of the table named
	stmtOther                 // anything else: a write whose changes are not counted
)

// classify says what query does, and of which table for a write.
func classify(query string) (stmtKind, string) {
	q := strings.TrimLeft(query, " \t\r\n")
	word, q := nextWord(q)
	switch {
	case strings.EqualFold(word, "SELECT"):
		return stmtRead, ""
	case strings.EqualFold(word, "INSERT"), strings.EqualFold(word, "REPLACE"), strings.EqualFold(word, "UPDATE"):
		upd := strings.EqualFold(word, "UPDATE")
		word, q = nextWord(q)
		if strings.EqualFold(word, "OR") {
			_, q = nextWord(q) // the conflict resolution
			word, q = nextWord(q)
		}
		if !upd {
			if !strings.EqualFold(word, "INTO") {
				return stmtOther, ""
			}
			word, q = nextWord(q)
		}
		return written(word, q)
	case strings.EqualFold(word, "DELETE"):
		word, q = nextWord(q)
		if !strings.EqualFold(word, "FROM") {
			return stmtOther, ""
		}
		word, q = nextWord(q)
		return written(word, q)
	}
	return stmtOther, ""
}

// written is the classification of a write of table, followed by rest: a
// text of more than one statement is stmtOther.
func written(table, rest string) (stmtKind, string) {
	if table == "" || strings.ContainsAny(table, "\"`[.") || strings.Contains(strings.TrimRight(rest, " \t\r\n;"), ";") {
		return stmtOther, ""
	}
	return stmtWrite, strings.ToLower(table)
}

// nextWord splits off the first word of s (up to a space or a
// parenthesis) and the rest, with leading spaces trimmed.
func nextWord(s string) (string, string) {
	s = strings.TrimLeft(s, " \t\r\n")
	i := strings.IndexAny(s, " \t\r\n(")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t\r\n")
}

// before notes that query runs, and reports whether it is a write whose
// changes are to be counted.
func (w *lookupTx) before(query string) bool {
	kind, table := classify(query)
	switch kind {
	case stmtRead:
		return false
	case stmtWrite:
		w.wrote = true
		if w.trusted == 0 && !harmlessTables[table] {
			w.clear = true
		}
		return true
	}
	w.wrote, w.clear, w.uncounted = true, true, true
	return false
}

// exec runs a write on the writer outside the Store's Tx (which counts in
// conn.exec): it classifies query as conn.exec does, so that a write of a
// table the look-up reads empties the cache, and counts the rows it
// changed.
func (w *lookupTx) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	counted := w.before(query)
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		w.uncounted = true
		return res, err
	}
	n, nerr := res.RowsAffected()
	if !counted || nerr != nil {
		w.uncounted = true
		return res, nil
	}
	w.changes += n
	return res, nil
}

// countingRows counts the rows of a write's RETURNING, one per row it
// changed. Rows left unread are not counted: the cache then empties at
// the next check, which is safe.
type countingRows struct {
	sqlstore.Rows
	w *lookupTx
}

func (r countingRows) Next() bool {
	if r.Rows.Next() {
		r.w.changes++
		return true
	}
	return false
}

// checkWriter is the read that checks the cache.
const checkWriter = `SELECT data_version, total_changes() FROM pragma_data_version`

// cachedTx is a write transaction of the Store: a sqlstore.Tx whose
// inbound look-ups the Store's lookupCache answers where it can, and which
// tells the cache of the writes it knows cannot make an entry wrong.
type cachedTx struct {
	*sqlstore.Tx
	s     *Store
	c     *conn
	ended bool
}

var _ store.InboundLookup = (*cachedTx)(nil)

// LookupInbound implements store.InboundLookup, from the cache when
// messageID is empty and the transaction has not written yet.
func (t *cachedTx) LookupInbound(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, messageID, contactID string) (store.InboundRecords, error) {
	w := t.c.look
	if t.ended || w.wrote {
		return t.Tx.LookupInbound(ctx, ws, ch, messageID, contactID)
	}
	if err := ctx.Err(); err != nil {
		return store.InboundRecords{}, err
	}
	if !w.checked {
		if err := t.check(ctx); err != nil {
			return store.InboundRecords{}, err
		}
	}
	k := lookupKey{ws, ch, contactID}
	if messageID == "" {
		if r, ok := t.s.look.get(k); ok {
			return r, nil
		}
	}
	r, err := t.Tx.LookupInbound(ctx, ws, ch, messageID, contactID)
	if err == nil && r.HasContact && r.HasOpen && !w.wrote {
		f := r
		f.Duplicate, f.HasDuplicate = conversation.Message{}, false
		w.fills = append(w.fills, lookupFill{k, handOut(f)})
	}
	return r, err
}

// check checks the cache against the writer connection, which t holds.
func (t *cachedTx) check(ctx context.Context) error {
	rows, err := t.c.Query(ctx, checkWriter)
	if err != nil {
		return err
	}
	defer rows.Close()
	var dataVersion, changes int64
	if rows.Next() {
		err = rows.Scan(&dataVersion, &changes)
	} else {
		err = errors.New("sqlite store: no data_version")
	}
	if err = errors.Join(err, rows.Err()); err != nil {
		return err
	}
	t.s.look.check(t.s.conns.opened.Load(), dataVersion, changes)
	t.c.look.checked = true
	return nil
}

// trusted runs fn, whose writes cannot make an entry wrong.
func (t *cachedTx) trusted(fn func() error) error {
	t.c.look.trusted++
	defer func() { t.c.look.trusted-- }()
	return fn()
}

// UpdateConversation implements store.Tx; the cache's entries of c are
// brought up to it at commit.
func (t *cachedTx) UpdateConversation(ctx context.Context, c conversation.Conversation) error {
	err := t.trusted(func() error { return t.Tx.UpdateConversation(ctx, c) })
	if err == nil {
		t.c.look.updates = append(t.c.look.updates, c)
	}
	return err
}

// CreateContact implements store.Tx. A new contact and handle are no
// entry's: an entry's handle exists already.
func (t *cachedTx) CreateContact(ctx context.Context, c ticket.Contact, ch channel.ID, ext string) error {
	return t.trusted(func() error { return t.Tx.CreateContact(ctx, c, ch, ext) })
}

// AddContactIdentity implements store.Tx. A new handle is no entry's.
func (t *cachedTx) AddContactIdentity(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID, ch channel.ID, ext string) error {
	return t.trusted(func() error { return t.Tx.AddContactIdentity(ctx, ws, id, ch, ext) })
}

// CreateConversation implements store.Tx. A new conversation is no
// entry's: an entry's conversation is its contact's only open one on the
// channel (cc_conversations_open_per_contact).
func (t *cachedTx) CreateConversation(ctx context.Context, c conversation.Conversation) error {
	return t.trusted(func() error { return t.Tx.CreateConversation(ctx, c) })
}

// writerConnector opens the writer's connections and counts them, so
// that the cache knows a connection opened again.
type writerConnector struct {
	driver.Connector
	opened atomic.Uint64
}

func (c *writerConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err == nil {
		c.opened.Add(1)
	}
	return conn, err
}
