// Package memory is an in-memory implementation of store.Store.
//
// It keeps everything in maps guarded by one lock: an Update holds it
// exclusively for its whole run, so transactions are serialisable, and a
// View holds it shared. Writes are applied in place and undone if the
// transaction fails. Nothing survives the process; use it for tests,
// examples and hosts that persist elsewhere.
package memory

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

type key[T comparable] struct {
	ws ticket.WorkspaceID
	id T
}

// extKey is an external id on a channel.
type extKey struct {
	ws  ticket.WorkspaceID
	ch  channel.ID
	ext string
}

type numKey struct {
	ws ticket.WorkspaceID
	n  ticket.Number
}

// Store is an in-memory store.Store. The zero value is not usable; call New.
type Store struct {
	mu sync.RWMutex

	contacts       *table[key[ticket.ContactID], ticket.Contact]
	contactExt     *table[extKey, ticket.ContactID]
	nameKeys       *table[key[ticket.ContactID], []string] // store.ContactNameKeys of each named contact
	counters       *table[ticket.WorkspaceID, ticket.Number]
	tickets        *table[key[ticket.ID], ticket.Ticket]
	ticketNum      *table[numKey, ticket.ID]
	contactTickets *table[key[ticket.ContactID], []ticket.ID]
	names          *names
	convs          *arena[convRow]
	convIdx        *index[wsKey]
	latestConv     *index[contactKey] // a contact's latest conversation on a channel
	openConv       *index[contactKey] // and its open one
	ticketOpen     *index[wsKey]      // a ticket's open conversation
	queues         *queues[uint32]    // waiting conversations, by workspace
	groups         *queues[groupKey]  // and by group of a workspace's queue
	msgs           *arena[conversation.Message]
	msgIdx         *table[key[conversation.MessageID], int32]
	convMsgs       *table[key[conversation.ID], []int32]
	msgExt         *table[extKey, conversation.MessageID]
	pending        *table[key[conversation.MessageID], struct{}]
	agents         *table[key[conversation.AgentID], conversation.Agent]
	teams          *table[key[conversation.TeamID], conversation.Team]
	assigned       *table[wsKey, []int32] // open conversations by assignee
	timers         *timerTable
	rejections     *table[extKey, conversation.RejectedMessage]
	wsRejections   *table[ticket.WorkspaceID, []extKey] // in the order created
	configs        *table[configKey, store.Config]
	configRevs     *table[ticket.WorkspaceID, int64]
	runs           *table[key[string], store.WorkflowRun]
	convRuns       *table[key[conversation.ID], []string] // ids of the runs about each conversation, in the order created
	seed           maphash.Seed
	tables         []undoer

	// events[evHead:] are stored and not yet published.
	events []conversation.Event
	evHead int
	seq    uint64
	evUndo []eventUndo // unpublished events the write transaction changed

	wtx     tx // the write transaction, reused: Update is exclusive
	drainMu sync.Mutex
	drained []conversation.Event
	closed  bool
}

var (
	_ store.Store       = (*Store)(nil)
	_ store.TimerPeeker = (*Store)(nil)
	_ store.QueuePager  = (*tx)(nil)
)

// New returns an empty store.
func New() *Store {
	s := &Store{
		contacts:       newTable[key[ticket.ContactID], ticket.Contact](),
		contactExt:     newTable[extKey, ticket.ContactID](),
		nameKeys:       newTable[key[ticket.ContactID], []string](),
		counters:       newTable[ticket.WorkspaceID, ticket.Number](),
		tickets:        newTable[key[ticket.ID], ticket.Ticket](),
		ticketNum:      newTable[numKey, ticket.ID](),
		contactTickets: newTable[key[ticket.ContactID], []ticket.ID](),
		names:          newNames(),
		convs:          new(arena[convRow]),
		msgs:           new(arena[conversation.Message]),
		msgIdx:         newTable[key[conversation.MessageID], int32](),
		convMsgs:       newTable[key[conversation.ID], []int32](),
		msgExt:         newTable[extKey, conversation.MessageID](),
		pending:        newTable[key[conversation.MessageID], struct{}](),
		agents:         newTable[key[conversation.AgentID], conversation.Agent](),
		teams:          newTable[key[conversation.TeamID], conversation.Team](),
		assigned:       newTable[wsKey, []int32](),
		rejections:     newTable[extKey, conversation.RejectedMessage](),
		wsRejections:   newTable[ticket.WorkspaceID, []extKey](),
		configs:        newTable[configKey, store.Config](),
		configRevs:     newTable[ticket.WorkspaceID, int64](),
		runs:           newTable[key[string], store.WorkflowRun](),
		convRuns:       newTable[key[conversation.ID], []string](),
	}
	s.seed = maphash.MakeSeed()
	s.queues = newQueues[uint32](s.convs)
	s.groups = newQueues[groupKey](s.convs)
	s.timers = newTimerTable(s.seed)
	s.convIdx = newIndex(s.convKey, s.hashWS)
	s.latestConv = newIndex(s.contactKey, s.hashContact)
	s.openConv = newIndex(s.contactKey, s.hashContact)
	s.ticketOpen = newIndex(s.ticketKey, s.hashWS)
	// Indexes of rows roll back before the rows' arena: undoing an entry
	// reads the key from its row (the queue, the id).
	s.tables = []undoer{
		s.contacts, s.contactExt, s.nameKeys, s.counters, s.tickets, s.ticketNum, s.contactTickets,
		s.convIdx, s.latestConv, s.openConv, s.ticketOpen, s.queues, s.groups, s.convs,
		s.msgs, s.msgIdx, s.convMsgs, s.msgExt, s.pending, s.agents, s.teams, s.assigned, s.timers,
		s.rejections, s.wsRejections, s.configs, s.configRevs, s.runs, s.convRuns,
	}
	s.wtx.s = s
	return s
}

var errClosed = fmt.Errorf("memory store: closed")

// Update runs fn in a transaction that holds the store exclusively.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	t := &s.wtx
	t.active, t.write = true, true
	t.last, t.ws, t.kind = lastConv{}, lastWS{}, lastKind{}
	evLen, seq := len(s.events), s.seq
	committed := false
	defer func() {
		t.active = false
		undo := s.evUndo
		s.evUndo = s.evUndo[:0]
		if committed {
			clear(undo)
			return
		}
		for _, tb := range s.tables {
			tb.rollback()
		}
		for i := len(undo) - 1; i >= 0; i-- {
			s.events[undo[i].i] = undo[i].ev
		}
		clear(undo)
		clear(s.events[evLen:])
		s.events, s.seq = s.events[:evLen], seq
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, tb := range s.tables {
		tb.commit()
	}
	committed = true
	return nil
}

var readTxs = sync.Pool{New: func() any { return new(tx) }}

// View runs fn in a read-only transaction; views run concurrently with
// each other, not with an Update.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed
	}
	t := readTxs.Get().(*tx)
	*t = tx{s: s, active: true}
	defer func() {
		t.active = false
		t.s = nil
		readTxs.Put(t)
	}()
	return fn(t)
}

// DrainEvents passes stored events to fn in commit order.
func (s *Store) DrainEvents(ctx context.Context, limit int, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if limit < 1 {
		return 0, nil
	}
	if !s.drainMu.TryLock() {
		return 0, store.ErrBusy
	}
	defer s.drainMu.Unlock()
	s.mu.RLock()
	n := min(limit, len(s.events)-s.evHead)
	s.drained = append(s.drained[:0], s.events[s.evHead:s.evHead+n]...)
	// fn gets its own copy of each event's Data: the store's stays as it
	// was stored, for the events fn leaves undrained.
	for i := range s.drained {
		s.drained[i].Data = maps.Clone(s.drained[i].Data)
	}
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return 0, errClosed
	}
	if n == 0 {
		return 0, nil
	}
	n, err := fn(ctx, s.drained)
	n = min(max(n, 0), len(s.drained))
	clear(s.drained)
	if n == 0 {
		return 0, err
	}
	s.mu.Lock()
	clear(s.events[s.evHead : s.evHead+n])
	s.evHead += n
	if s.evHead == len(s.events) {
		s.events, s.evHead = s.events[:0], 0
	} else if s.evHead > 1024 && s.evHead > len(s.events)/2 {
		k := copy(s.events, s.events[s.evHead:])
		clear(s.events[k:])
		s.events, s.evHead = s.events[:k], 0
	}
	s.mu.Unlock()
	return n, err
}

// Close makes later calls fail. It does not wait for running transactions.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// tx is a transaction. The write transaction is reused by every Update;
// read transactions come from a pool.
type tx struct {
	s      *Store
	active bool
	write  bool
	last   lastConv
	ws     lastWS
	kind   lastKind
}

// lastWS is the workspace a transaction last looked up, with its interned
// id: commands stay in one workspace.
type lastWS struct {
	name ticket.WorkspaceID
	id   uint32
	ok   bool
}

// wsID returns the interned id of workspace ws, if it has one.
func (t *tx) wsID(ws ticket.WorkspaceID) (uint32, bool) {
	if t.ws.ok && t.ws.name == ws {
		return t.ws.id, true
	}
	id, ok := t.s.names.find(string(ws))
	if ok {
		t.ws = lastWS{ws, id, true}
	}
	return id, ok
}

// lastConv is the conversation a transaction last looked up: a command
// loads a conversation and stores it, and the second lookup needs no
// index.
type lastConv struct {
	ws  ticket.WorkspaceID
	id  conversation.ID
	pos int32
	ok  bool
}

var (
	_ store.Tx        = (*tx)(nil)
	_ store.Workloads = (*tx)(nil)
)

var errDone = fmt.Errorf("memory store: transaction used after it ended")

func (t *tx) check(ctx context.Context, write bool) error {
	if !t.active {
		return errDone
	}
	if write && !t.write {
		return fmt.Errorf("memory store: write in a read-only transaction")
	}
	return ctx.Err()
}

// errNotFound is returned bare: lookups that miss are part of normal
// operation (the idempotency check of every inbound message), and the
// caller knows what it looked for.
var errNotFound = store.ErrNotFound

func conflict(what string, id any, stored, got int64) error {
	return fmt.Errorf("%s %v: stored version %d, update from %d: %w", what, id, stored, got-1, store.ErrConflict)
}

func duplicate(what string, id any) error {
	return fmt.Errorf("%s %v: %w", what, id, store.ErrDuplicate)
}

func checkNew(what string, id string, version int64) error {
	if version != 1 {
		return fmt.Errorf("memory store: create %s %q with version %d, want 1", what, id, version)
	}
	return nil
}

// Contacts.

func (t *tx) Contact(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID) (ticket.Contact, error) {
	if err := t.check(ctx, false); err != nil {
		return ticket.Contact{}, err
	}
	c, ok := t.s.contacts.get(key[ticket.ContactID]{ws, id})
	if !ok {
		return c, errNotFound
	}
	return cloneContact(c), nil
}

func (t *tx) ContactByExternalID(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, ext string) (ticket.Contact, error) {
	if err := t.check(ctx, false); err != nil {
		return ticket.Contact{}, err
	}
	id, ok := t.s.contactExt.get(extKey{ws, ch, ext})
	if !ok {
		return ticket.Contact{}, errNotFound
	}
	return t.Contact(ctx, ws, id)
}

func (t *tx) CreateContact(ctx context.Context, c ticket.Contact, ch channel.ID, ext string) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if err := checkNew("contact", string(c.ID), c.Version); err != nil {
		return err
	}
	k, ek := key[ticket.ContactID]{c.Workspace, c.ID}, extKey{c.Workspace, ch, ext}
	if _, ok := t.s.contacts.get(k); ok {
		return duplicate("contact", c.ID)
	}
	if _, ok := t.s.contactExt.get(ek); ok {
		return duplicate("contact on channel "+string(ch), ext)
	}
	t.s.contacts.set(k, cloneContact(c))
	t.s.contactExt.set(ek, c.ID)
	t.setNameKeys(k, c.Name)
	return nil
}

// setNameKeys keeps the keys contact k's name is searched by.
func (t *tx) setNameKeys(k key[ticket.ContactID], name string) {
	if keys := store.ContactNameKeys(name); len(keys) > 0 {
		t.s.nameKeys.set(k, keys)
	} else {
		t.s.nameKeys.del(k)
	}
}

func (t *tx) AddContactIdentity(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID, ch channel.ID, ext string) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if _, ok := t.s.contacts.get(key[ticket.ContactID]{ws, id}); !ok {
		return errNotFound
	}
	ek := extKey{ws, ch, ext}
	if _, ok := t.s.contactExt.get(ek); ok {
		return duplicate("contact on channel "+string(ch), ext)
	}
	t.s.contactExt.set(ek, id)
	return nil
}

func (t *tx) MergeContacts(ctx context.Context, ws ticket.WorkspaceID, into, from ticket.ContactID) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if into == from {
		return fmt.Errorf("contact %v: %w", into, store.ErrSameContact)
	}
	s := t.s
	ik, fk := key[ticket.ContactID]{ws, into}, key[ticket.ContactID]{ws, from}
	if _, ok := s.contacts.get(ik); !ok {
		return errNotFound
	}
	if _, ok := s.contacts.get(fk); !ok {
		return errNotFound
	}
	// Every check before the first change.
	var moved []int32
	if w, ok := t.wsID(ws); ok {
		for pos := int32(0); int(pos) < s.convs.n; pos++ {
			r := s.convs.at(pos)
			if r.ws != w || r.contact != from {
				continue
			}
			if r.open() {
				if _, taken := s.openConv.get(contactKey{string(into), w, r.ch}); taken {
					return duplicate("open conversation of contact", into)
				}
			}
			moved = append(moved, pos)
		}
	}

	for k, owner := range s.contactExt.m {
		if k.ws == ws && owner == from {
			s.contactExt.set(k, into)
		}
	}
	ids, _ := s.contactTickets.get(fk)
	for _, id := range ids {
		tk := key[ticket.ID]{ws, id}
		if tc, ok := s.tickets.get(tk); ok {
			tc = cloneTicket(tc)
			tc.Contact = into
			tc.Version++
			s.tickets.set(tk, tc)
		}
	}
	if len(ids) > 0 {
		mine, _ := s.contactTickets.get(ik)
		s.contactTickets.set(ik, append(slices.Clone(mine), ids...))
		s.contactTickets.del(fk)
	}
	for _, pos := range moved {
		r := *s.convs.at(pos)
		fromKey := contactKey{string(from), r.ws, r.ch}
		latest := false
		if p, ok := s.latestConv.get(fromKey); ok && p == pos {
			latest = true
			s.latestConv.del(pos)
		}
		if r.open() {
			s.openConv.del(pos)
		}
		r.contact = into
		r.version++
		s.convs.set(pos, r)
		if r.open() {
			s.openConv.put(pos)
		}
		// Positions grow with creation: the later of the two contacts'
		// latest conversations on the channel is the merged one's.
		if p, ok := s.latestConv.get(contactKey{string(into), r.ws, r.ch}); latest && (!ok || p < pos) {
			s.latestConv.put(pos)
		}
	}
	s.contacts.del(fk)
	s.nameKeys.del(fk)
	return nil
}

func (t *tx) UpdateContact(ctx context.Context, c ticket.Contact) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	k := key[ticket.ContactID]{c.Workspace, c.ID}
	old, ok := t.s.contacts.get(k)
	if !ok {
		return errNotFound
	}
	if old.Version != c.Version-1 {
		return conflict("contact", c.ID, old.Version, c.Version)
	}
	t.s.contacts.set(k, cloneContact(c))
	if c.Name != old.Name {
		t.setNameKeys(k, c.Name)
	}
	return nil
}

// Tickets.

// NextTicketNumber reserves the next number. A rolled-back reservation is
// handed out again, so the numbers of committed tickets are gapless.
func (t *tx) NextTicketNumber(ctx context.Context, ws ticket.WorkspaceID) (ticket.Number, error) {
	if err := t.check(ctx, true); err != nil {
		return 0, err
	}
	n, _ := t.s.counters.get(ws)
	n++
	t.s.counters.set(ws, n)
	return n, nil
}

func (t *tx) Ticket(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID) (ticket.Ticket, error) {
	if err := t.check(ctx, false); err != nil {
		return ticket.Ticket{}, err
	}
	tk, ok := t.s.tickets.get(key[ticket.ID]{ws, id})
	if !ok {
		return tk, errNotFound
	}
	return cloneTicket(tk), nil
}

func (t *tx) TicketByNumber(ctx context.Context, ws ticket.WorkspaceID, n ticket.Number) (ticket.Ticket, error) {
	if err := t.check(ctx, false); err != nil {
		return ticket.Ticket{}, err
	}
	id, ok := t.s.ticketNum.get(numKey{ws, n})
	if !ok {
		return ticket.Ticket{}, errNotFound
	}
	return t.Ticket(ctx, ws, id)
}

func (t *tx) OpenTickets(ctx context.Context, ws ticket.WorkspaceID, contact ticket.ContactID) ([]ticket.Ticket, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	ids, _ := t.s.contactTickets.get(key[ticket.ContactID]{ws, contact})
	var out []ticket.Ticket
	for _, id := range ids {
		if tk, ok := t.s.tickets.get(key[ticket.ID]{ws, id}); ok && tk.Status == ticket.Open {
			out = append(out, cloneTicket(tk))
		}
	}
	slices.SortFunc(out, func(a, b ticket.Ticket) int { return cmp.Compare(a.Number, b.Number) })
	return out, nil
}

func (t *tx) CreateTicket(ctx context.Context, tk ticket.Ticket) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if err := checkNew("ticket", string(tk.ID), tk.Version); err != nil {
		return err
	}
	k, nk := key[ticket.ID]{tk.Workspace, tk.ID}, numKey{tk.Workspace, tk.Number}
	if _, ok := t.s.tickets.get(k); ok {
		return duplicate("ticket", tk.ID)
	}
	if _, ok := t.s.ticketNum.get(nk); ok {
		return duplicate("ticket number", tk.Number)
	}
	t.s.tickets.set(k, cloneTicket(tk))
	t.s.ticketNum.set(nk, tk.ID)
	ck := key[ticket.ContactID]{tk.Workspace, tk.Contact}
	ids, _ := t.s.contactTickets.get(ck)
	t.s.contactTickets.set(ck, append(ids[:len(ids):len(ids)], tk.ID))
	return nil
}

func (t *tx) UpdateTicket(ctx context.Context, tk ticket.Ticket) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	k := key[ticket.ID]{tk.Workspace, tk.ID}
	old, ok := t.s.tickets.get(k)
	if !ok {
		return errNotFound
	}
	if old.Version != tk.Version-1 {
		return conflict("ticket", tk.ID, old.Version, tk.Version)
	}
	if old.Number != tk.Number || old.Contact != tk.Contact {
		return fmt.Errorf("memory store: ticket %v: number and contact cannot change", tk.ID)
	}
	t.s.tickets.set(k, cloneTicket(tk))
	return nil
}

// Messages.

func (t *tx) Message(ctx context.Context, ws ticket.WorkspaceID, id conversation.MessageID) (conversation.Message, error) {
	if err := t.check(ctx, false); err != nil {
		return conversation.Message{}, err
	}
	pos, ok := t.s.msgIdx.get(key[conversation.MessageID]{ws, id})
	if !ok {
		return conversation.Message{}, errNotFound
	}
	return cloneMessage(*t.s.msgs.at(pos)), nil
}

func (t *tx) MessageByExternalID(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, ext string) (conversation.Message, error) {
	if err := t.check(ctx, false); err != nil {
		return conversation.Message{}, err
	}
	id, ok := t.s.msgExt.get(extKey{ws, ch, ext})
	if !ok {
		return conversation.Message{}, errNotFound
	}
	return t.Message(ctx, ws, id)
}

func (t *tx) Messages(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) ([]conversation.Message, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	positions, _ := t.s.convMsgs.get(key[conversation.ID]{ws, id})
	out := make([]conversation.Message, 0, len(positions))
	for _, pos := range positions {
		out = append(out, cloneMessage(*t.s.msgs.at(pos)))
	}
	return out, nil
}

func (t *tx) CreateMessage(ctx context.Context, m conversation.Message) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if err := checkNew("message", string(m.ID), m.Version); err != nil {
		return err
	}
	k := key[conversation.MessageID]{m.Workspace, m.ID}
	if _, ok := t.s.msgIdx.get(k); ok {
		return duplicate("message", m.ID)
	}
	if m.Direction == conversation.FromContact && m.ExternalID != "" {
		if !t.s.msgExt.insert(extKey{m.Workspace, m.Channel, m.ExternalID}, m.ID) {
			return duplicate("message on channel "+string(m.Channel), m.ExternalID)
		}
	}
	pos := t.s.msgs.add(cloneMessage(m))
	t.s.msgIdx.replace(k, pos, 0, false)
	ck := key[conversation.ID]{m.Workspace, m.Conversation}
	positions, had := t.s.convMsgs.get(ck)
	t.s.convMsgs.replace(ck, append(positions, pos), positions, had)
	if m.Delivery == conversation.DeliveryPending {
		t.s.pending.set(k, struct{}{})
	}
	return nil
}

func (t *tx) UpdateMessage(ctx context.Context, m conversation.Message) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	k := key[conversation.MessageID]{m.Workspace, m.ID}
	pos, ok := t.s.msgIdx.get(k)
	if !ok {
		return errNotFound
	}
	old := *t.s.msgs.at(pos)
	if old.Version != m.Version-1 {
		return conflict("message", m.ID, old.Version, m.Version)
	}
	if old.Conversation != m.Conversation || old.Direction != m.Direction || old.Channel != m.Channel {
		return fmt.Errorf("memory store: message %v: conversation, channel and direction cannot change", m.ID)
	}
	t.s.msgs.set(pos, cloneMessage(m))
	wasPending, isPending := old.Delivery == conversation.DeliveryPending, m.Delivery == conversation.DeliveryPending
	if wasPending && !isPending {
		t.s.pending.del(k)
	} else if isPending && !wasPending {
		t.s.pending.set(k, struct{}{})
	}
	return nil
}

func (t *tx) PendingMessages(ctx context.Context, now time.Time, after store.PendingAfter, limit int) ([]conversation.Message, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	// Each conversation's first pending message: the earliest stored, which
	// is the lowest arena position.
	heads := make(map[key[conversation.ID]]int32)
	for k := range t.s.pending.m {
		pos, _ := t.s.msgIdx.get(k)
		ck := key[conversation.ID]{k.ws, t.s.msgs.at(pos).Conversation}
		if first, ok := heads[ck]; !ok || pos < first {
			heads[ck] = pos
		}
	}
	var out []conversation.Message
	for _, pos := range heads {
		m := t.s.msgs.at(pos)
		if !m.NextAttempt.After(now) && comparePending(store.PendingPosition(*m), after) > 0 {
			out = append(out, *m)
		}
	}
	slices.SortFunc(out, func(a, b conversation.Message) int {
		return comparePending(store.PendingPosition(a), store.PendingPosition(b))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i] = cloneMessage(out[i])
	}
	return out, nil
}

// comparePending orders positions as PendingMessages does.
func comparePending(a, b store.PendingAfter) int {
	if c := a.Due.Compare(b.Due); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Workspace, b.Workspace); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func (t *tx) FirstPending(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) (conversation.Message, error) {
	if err := t.check(ctx, false); err != nil {
		return conversation.Message{}, err
	}
	first := int32(-1)
	for k := range t.s.pending.m {
		pos, _ := t.s.msgIdx.get(k)
		if m := t.s.msgs.at(pos); k.ws == ws && m.Conversation == id && (first < 0 || pos < first) {
			first = pos
		}
	}
	if first < 0 {
		return conversation.Message{}, errNotFound
	}
	return cloneMessage(*t.s.msgs.at(first)), nil
}

// Agents and teams.

func (t *tx) Agent(ctx context.Context, ws ticket.WorkspaceID, id conversation.AgentID) (conversation.Agent, error) {
	if err := t.check(ctx, false); err != nil {
		return conversation.Agent{}, err
	}
	a, ok := t.s.agents.get(key[conversation.AgentID]{ws, id})
	if !ok {
		return a, errNotFound
	}
	a.Teams = slices.Clone(a.Teams)
	return a, nil
}

func (t *tx) PutAgent(ctx context.Context, a conversation.Agent) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	k := key[conversation.AgentID]{a.Workspace, a.ID}
	old, ok := t.s.agents.get(k)
	switch {
	case !ok && a.Version != 1:
		return checkNew("agent", string(a.ID), a.Version)
	case ok && old.Version != a.Version-1:
		return conflict("agent", a.ID, old.Version, a.Version)
	}
	a.Teams = slices.Clone(a.Teams)
	t.s.agents.set(k, a)
	return nil
}

func (t *tx) Agents(ctx context.Context, ws ticket.WorkspaceID) ([]conversation.Agent, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var out []conversation.Agent
	for k, a := range t.s.agents.m {
		if k.ws == ws {
			a.Teams = slices.Clone(a.Teams)
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b conversation.Agent) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func (t *tx) Team(ctx context.Context, ws ticket.WorkspaceID, id conversation.TeamID) (conversation.Team, error) {
	if err := t.check(ctx, false); err != nil {
		return conversation.Team{}, err
	}
	tm, ok := t.s.teams.get(key[conversation.TeamID]{ws, id})
	if !ok {
		return tm, errNotFound
	}
	return tm, nil
}

func (t *tx) PutTeam(ctx context.Context, tm conversation.Team) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	t.s.teams.set(key[conversation.TeamID]{tm.Workspace, tm.ID}, tm)
	return nil
}

// Events.

func (t *tx) AppendEvent(ctx context.Context, e conversation.Event) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	t.s.seq++
	e.Seq = t.s.seq
	// The store keeps its own copy of Data: the caller may change its map.
	e.Data = maps.Clone(e.Data)
	t.s.events = append(t.s.events, e)
	return nil
}

// Rejections.

func (t *tx) CreateRejection(ctx context.Context, r conversation.RejectedMessage) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	k := extKey{r.Workspace, r.Channel, r.ExternalID}
	if !t.s.rejections.insert(k, r) {
		return duplicate("rejected message on channel "+string(r.Channel), r.ExternalID)
	}
	keys, ok := t.s.wsRejections.get(r.Workspace)
	// Appending in place leaves the first len(keys) elements as they were,
	// so the slice a rollback restores still holds what it held.
	t.s.wsRejections.replace(r.Workspace, append(keys, k), keys, ok)
	return nil
}

func (t *tx) Rejection(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, ext string) (conversation.RejectedMessage, error) {
	if err := t.check(ctx, false); err != nil {
		return conversation.RejectedMessage{}, err
	}
	r, ok := t.s.rejections.get(extKey{ws, ch, ext})
	if !ok {
		return r, errNotFound
	}
	return r, nil
}

func (t *tx) Rejections(ctx context.Context, ws ticket.WorkspaceID, limit int) ([]conversation.RejectedMessage, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	keys, _ := t.s.wsRejections.get(ws)
	n := len(keys)
	if limit > 0 {
		n = min(n, limit)
	}
	out := make([]conversation.RejectedMessage, 0, n)
	for i := len(keys) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, t.s.rejections.m[keys[i]])
	}
	return out, nil
}

func cloneContact(c ticket.Contact) ticket.Contact {
	if c.Fields != nil {
		f := make(map[string]string, len(c.Fields))
		for k, v := range c.Fields {
			f[k] = v
		}
		c.Fields = f
	}
	return c
}

func cloneTicket(t ticket.Ticket) ticket.Ticket {
	t.Tags = slices.Clone(t.Tags)
	return t
}

func cloneMessage(m conversation.Message) conversation.Message {
	m.Attachments = slices.Clone(m.Attachments)
	m.Revisions = slices.Clone(m.Revisions)
	return m
}
