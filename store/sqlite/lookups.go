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

	sqlite "modernc.org/sqlite"

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
// The first look-up of a write transaction checks the writer
// connection's data version (SQLITE_FCNTL_DATA_VERSION, a call, not a
// read): SQLite moves it on at each commit of the connection, and when
// the connection begins a transaction after a commit of another
// connection, of this process or another. The cache expects it one past
// what it was before the last commit it saw, and which connection the
// writer is (one opened again counts afresh): any other value, such as a
// write on the writer outside the Store's transactions, empties the cache.
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

	conns *writerConnector // the writer's, whose data version is checked

	// What the writer connection answers when the entries are right,
	// when known.
	known       bool
	conn        uint64 // writerConnector.opened
	dataVersion uint32

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

func newLookupCache(conns *writerConnector) *lookupCache {
	return &lookupCache{conns: conns, entries: make(map[lookupKey]store.InboundRecords), byConv: make(map[convKey][]lookupKey)}
}

// clearLocked empties the cache. Called with mu held.
func (l *lookupCache) clearLocked() {
	if len(l.entries) > 0 {
		clear(l.entries)
		clear(l.byConv)
		l.clears++
	}
}

// check empties the cache unless the writer connection, which the
// caller's transaction holds, answers what the cache expects, and records
// what it answers.
func (l *lookupCache) check() error {
	conn, dataVersion, err := l.conns.dataVersion()
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.known || l.conn != conn || l.dataVersion != dataVersion {
		l.clearLocked()
	}
	l.known, l.conn, l.dataVersion = true, conn, dataVersion
	return nil
}

// get returns a copy of the entry of k, unless stale says it may be
// stale.
func (l *lookupCache) get(k lookupKey, stale func(store.InboundRecords) bool) (store.InboundRecords, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.entries[k]
	if !ok || stale(r) {
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
// writes w noted, and brings the cache up to it: the entries filled and
// the conversations updated, in order; or emptied where w says so, or
// where the writer changed since the cache last knew it and w did not
// check. It then expects the data version one past the one before the
// commit. A failed commit empties it.
func (l *lookupCache) commit(w *lookupTx, commit func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	conn, before, verr := l.conns.dataVersion()
	err := commit()
	switch {
	case err != nil || verr != nil:
		l.forgetLocked()
		return err
	case w.clear:
		l.clearLocked()
	default:
		if !l.known || l.conn != conn || l.dataVersion != before {
			// Changed since the cache last knew the writer, and w did
			// not check: only what w read itself is known right.
			l.clearLocked()
		}
		for _, f := range w.fills {
			l.putLocked(f.key, f.records)
		}
		for _, c := range w.updates {
			l.updateLocked(c)
		}
	}
	l.known, l.conn, l.dataVersion = true, conn, before+1
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
	wrote   bool // a write ran: the cache is neither used nor filled
	checked bool // the cache was checked against the writer
	trusted int  // > 0: the writes running cannot change an entry
	clear   bool // a write may have changed an entry
	fills   []lookupFill
	updates []conversation.Conversation // written by UpdateConversation, in order

	// The SQLite transaction's, when it carries the calls of a batch
	// (writeBatches): what the calls before this one noted, and where the
	// cache's check is noted. Nil for a transaction of one.
	batch *lookupTx
}

// tx is what the SQLite transaction noted: w's batch, or w.
func (w *lookupTx) tx() *lookupTx {
	if w.batch != nil {
		return w.batch
	}
	return w
}

// add notes in the batch b what the call w noted: its fills and updates
// when it succeeded (a call rolled back to its savepoint left none), and
// its writes, which may have cleared, always.
func (b *lookupTx) add(w *lookupTx, ok bool) {
	b.wrote = b.wrote || w.wrote
	b.clear = b.clear || w.clear
	if ok {
		b.fills = append(b.fills, w.fills...)
		b.updates = append(b.updates, w.updates...)
	}
}

// stale reports whether the calls before in the batch b may have changed
// what the cache says of r: a write that clears, or an update of r's
// conversation. The cache is then not used for it.
func (b *lookupTx) stale(r store.InboundRecords) bool {
	if b == nil {
		return false
	}
	if b.clear {
		return true
	}
	for _, c := range b.updates {
		if c.Workspace == r.Open.Workspace && c.ID == r.Open.ID {
			return true
		}
	}
	return false
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
	stmtOther                 // anything else: a write of what cannot be told
)

// classified keeps what classify said of the statements seen, up to
// maxClassified of them: the Store runs the same few texts again and again.
var classified struct {
	mu    sync.RWMutex
	kinds map[string]stmtClass
}

type stmtClass struct {
	kind  stmtKind
	table string
}

// maxClassified bounds the texts classified keeps.
const maxClassified = 1024

// classifyCached is classify, from classified when it holds query.
func classifyCached(query string) (stmtKind, string) {
	classified.mu.RLock()
	c, ok := classified.kinds[query]
	classified.mu.RUnlock()
	if ok {
		return c.kind, c.table
	}
	kind, table := classify(query)
	classified.mu.Lock()
	if classified.kinds == nil {
		classified.kinds = make(map[string]stmtClass)
	}
	if len(classified.kinds) < maxClassified {
		classified.kinds[query] = stmtClass{kind, table}
	}
	classified.mu.Unlock()
	return kind, table
}

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

// before notes that query runs.
func (w *lookupTx) before(query string) {
	kind, table := classifyCached(query)
	switch kind {
	case stmtRead:
	case stmtWrite:
		w.wrote = true
		if w.trusted == 0 && !harmlessTables[table] {
			w.clear = true
		}
	default:
		w.wrote, w.clear = true, true
	}
}

// exec runs a write on the writer outside the Store's Tx (which notes its
// writes in conn.exec): it classifies query as conn.exec does, so that a
// write of a table the look-up reads empties the cache.
func (w *lookupTx) exec(ctx context.Context, tx querier, query string, args ...any) (sql.Result, error) {
	w.before(query)
	return tx.ExecContext(ctx, query, args...)
}

// cachedTx is a write transaction of the Store: a sqlstore.Tx whose
// inbound look-ups the Store's lookupCache answers where it can, and which
// tells the cache of the writes it knows cannot make an entry wrong.
type cachedTx struct {
	*sqlstore.Tx
	s     *Store
	c     *conn
	look  *lookupTx // what this transaction (or call of a batch) notes
	ended bool

	// open is the open conversation the last look-up returned, as
	// stored: UpdateConversation writes only what changed from it.
	open    conversation.Conversation
	hasOpen bool
}

var _ store.InboundLookup = (*cachedTx)(nil)

// LookupInbound implements store.InboundLookup, from the cache when
// messageID is empty and the transaction has not written yet.
func (t *cachedTx) LookupInbound(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, messageID, contactID string) (store.InboundRecords, error) {
	r, err := t.lookupInbound(ctx, ws, ch, messageID, contactID)
	t.open, t.hasOpen = r.Open, err == nil && r.HasOpen
	return r, err
}

func (t *cachedTx) lookupInbound(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, messageID, contactID string) (store.InboundRecords, error) {
	w := t.look
	if t.ended || w.wrote {
		return t.Tx.LookupInbound(ctx, ws, ch, messageID, contactID)
	}
	if err := ctx.Err(); err != nil {
		return store.InboundRecords{}, err
	}
	if !w.tx().checked {
		if err := t.check(); err != nil {
			return store.InboundRecords{}, err
		}
	}
	k := lookupKey{ws, ch, contactID}
	if messageID == "" {
		if r, ok := t.s.look.get(k, w.batch.stale); ok {
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
func (t *cachedTx) check() error {
	if err := t.s.look.check(); err != nil {
		return err
	}
	t.look.tx().checked = true
	return nil
}

// trusted runs fn, whose writes cannot make an entry wrong.
func (t *cachedTx) trusted(fn func() error) error {
	t.look.trusted++
	defer func() { t.look.trusted-- }()
	return fn()
}

// UpdateConversation implements store.Tx; the cache's entries of c are
// brought up to it at commit.
func (t *cachedTx) UpdateConversation(ctx context.Context, c conversation.Conversation) error {
	err := t.trusted(func() error {
		if t.hasOpen && t.open.Workspace == c.Workspace && t.open.ID == c.ID {
			return t.Tx.UpdateConversationFrom(ctx, t.open, c)
		}
		return t.Tx.UpdateConversation(ctx, c)
	})
	t.hasOpen = false // what the look-up returned is no longer what is stored
	if err == nil {
		t.look.updates = append(t.look.updates, c)
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
// that the cache knows a connection opened again, and keeps the one open
// (the writer has one at a time) to ask its data version.
type writerConnector struct {
	driver.Connector
	opened  atomic.Uint64
	current atomic.Pointer[writerConn]
}

// writerConn is the writer's connection, the n-th opened.
type writerConn struct {
	n    uint64
	conn driver.Conn
}

func (c *writerConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	c.current.Store(&writerConn{n: c.opened.Add(1), conn: conn})
	return newRollingBackConn(conn), nil
}

// errNoDataVersion answers a check on a writer connection that cannot
// tell its data version.
var errNoDataVersion = errors.New("sqlite store: the writer connection has no data version")

// dataVersion returns which connection the writer is and its data
// version. It is called only with the writer taken (writer.take), which
// keeps any other use of its connection out: nothing runs on it from
// another goroutine meanwhile (no sql.Tx rolls back from its own).
func (c *writerConnector) dataVersion() (uint64, uint32, error) {
	cur := c.current.Load()
	if cur == nil {
		return 0, 0, errNoDataVersion
	}
	fc, ok := cur.conn.(sqlite.FileControl)
	if !ok {
		return 0, 0, errNoDataVersion
	}
	v, err := fc.FileControlDataVersion("main")
	return cur.n, v, err
}
