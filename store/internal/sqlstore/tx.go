package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Tx implements store.Tx over a Conn.
type Tx struct {
	c     Conn
	q     *Statements
	write bool
	done  bool
	// keep says to keep the events appended, as a drain would read them
	// back (KeepAppended).
	keep     bool
	appended []conversation.Event
	// eventsChanged: t changed stored events (an erasure scrubbed them).
	eventsChanged bool
	// The inbound cache (UseInboundCache) and what t did that it keeps.
	cache           *InboundCache
	cacheGen        uint64 // the cache's generation when t began
	inbound         []pendingInbound
	convsWritten    []convKey
	contactsWritten []contactKey
	inboundReset    bool
	cachedCheck     bool
}

var _ store.Tx = (*Tx)(nil)

// NewTx returns a transaction over c; write says whether it may write.
func NewTx(c Conn, q *Statements, write bool) *Tx { return &Tx{c: c, q: q, write: write} }

// End makes every later call fail: the transaction is over.
func (t *Tx) End() { t.done = true }

// KeepAppended has t keep the events it appends, as a drain would read
// them back (Appended).
func (t *Tx) KeepAppended() { t.keep = true }

// Appended returns the events t appended since KeepAppended, in order, as
// a drain would read them back: with their Seq where t's Conn is an
// InsertNow, else with none (0), for the store to assign.
func (t *Tx) Appended() []conversation.Event { return t.appended }

// EventsChanged reports whether t changed events stored before it (an
// erasure scrubs a contact's): a copy of them kept elsewhere is stale.
func (t *Tx) EventsChanged() bool { return t.eventsChanged }

var (
	errEnded    = errors.New("sql store: transaction used after it ended")
	errReadOnly = errors.New("sql store: write in a read-only transaction")
)

func (t *Tx) query(ctx context.Context) error {
	if t.done {
		return errEnded
	}
	return ctx.Err()
}

// writable reports why t cannot write now, if it cannot.
func (t *Tx) writable(ctx context.Context) error {
	if t.done {
		return errEnded
	}
	if !t.write {
		return errReadOnly
	}
	return ctx.Err()
}

func (t *Tx) exec(ctx context.Context, sql string, expect func(int64) error, args ...any) error {
	if err := t.writable(ctx); err != nil {
		return err
	}
	return t.c.Exec(ctx, sql, expect, plain(args)...)
}

// plain replaces the domain's named types in args by their underlying
// types, which drivers encode without reflection.
func plain(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case ticket.WorkspaceID:
			args[i] = string(v)
		case ticket.ID:
			args[i] = string(v)
		case ticket.ContactID:
			args[i] = string(v)
		case channel.ID:
			args[i] = string(v)
		case conversation.ID:
			args[i] = string(v)
		case conversation.MessageID:
			args[i] = string(v)
		case conversation.AgentID:
			args[i] = string(v)
		case conversation.TeamID:
			args[i] = string(v)
		case conversation.CloseReason:
			args[i] = string(v)
		case conversation.EventType:
			args[i] = string(v)
		case ticket.Number:
			args[i] = int64(v)
		case ticket.Status:
			args[i] = int64(v)
		case ticket.Priority:
			args[i] = int64(v)
		case conversation.State:
			args[i] = int64(v)
		case conversation.Direction:
			args[i] = int64(v)
		case conversation.AuthorKind:
			args[i] = int64(v)
		case conversation.Kind:
			args[i] = int64(v)
		case conversation.Delivery:
			args[i] = int64(v)
		case conversation.Role:
			args[i] = int64(v)
		case conversation.Presence:
			args[i] = int64(v)
		case conversation.Alteration:
			args[i] = int64(v)
		case int:
			args[i] = int64(v)
		}
	}
	return args
}

func checkNew(version int64) error {
	if version != 1 {
		return errors.New("sql store: a new object must have version 1")
	}
	return nil
}

// Contacts.

func scanContact(r Rows) (ticket.Contact, error) {
	var c ticket.Contact
	var row contactRow
	if err := r.Scan(row.dest()...); err != nil {
		return c, err
	}
	return c, row.into(&c)
}

// contactRow holds a contact's columns in the driver's own types.
type contactRow struct {
	ws, id, name, language, fields string
	created, version               int64
	unreachable, renamed           bool
}

func (w *contactRow) dest() []any {
	return []any{&w.ws, &w.id, &w.name, &w.language, &w.fields, &w.created, &w.unreachable, &w.version, &w.renamed}
}

func (w *contactRow) into(c *ticket.Contact) error {
	*c = ticket.Contact{ID: ticket.ContactID(w.id), Workspace: ticket.WorkspaceID(w.ws), Name: w.name, Language: w.language,
		CreatedAt: fromMicros(w.created), Unreachable: w.unreachable, Renamed: w.renamed, Version: w.version}
	return decodeJSON(w.fields, &c.Fields)
}

func (t *Tx) one(ctx context.Context, scan func(Rows) error, sql string, args ...any) error {
	if err := t.query(ctx); err != nil {
		return err
	}
	return queryOne(ctx, t.c, scan, sql, plain(args)...)
}

// one reads the single row of a query with scan; no row is
// store.ErrNotFound.
func one[T any](ctx context.Context, t *Tx, scan func(Rows) (T, error), sql string, args ...any) (T, error) {
	var v T
	err := t.one(ctx, func(r Rows) (err error) { v, err = scan(r); return err }, sql, args...)
	return v, err
}

// Contact implements store.Tx.
func (t *Tx) Contact(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID) (ticket.Contact, error) {
	return one(ctx, t, scanContact, t.q.contact, ws, id)
}

// ContactByExternalID implements store.Tx.
func (t *Tx) ContactByExternalID(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, ext string) (ticket.Contact, error) {
	return one(ctx, t, scanContact, t.q.contactByExt, ws, ch, ext)
}

// CreateContact implements store.Tx.
func (t *Tx) CreateContact(ctx context.Context, c ticket.Contact, ch channel.ID, ext string) error {
	if err := checkNew(c.Version); err != nil {
		return err
	}
	fields, err := encodeJSON(c.Fields, len(c.Fields) == 0)
	if err != nil {
		return err
	}
	if err := t.exec(ctx, t.q.createContact, nil, c.Workspace, c.ID, c.Name, c.Language, fields, micros(c.CreatedAt), c.Unreachable, c.Version, c.Renamed); err != nil {
		return err
	}
	if err := t.exec(ctx, t.q.createHandle, nil, c.Workspace, ch, ext, c.ID); err != nil {
		return err
	}
	return t.writeSearchRows(ctx, c)
}

// AddContactIdentity implements store.Tx.
func (t *Tx) AddContactIdentity(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID, ch channel.ID, ext string) error {
	if _, err := t.Contact(ctx, ws, id); err != nil {
		return err
	}
	return t.exec(ctx, t.q.createHandle, nil, ws, ch, ext, id)
}

// UpdateContact implements store.Tx. The rows SearchContacts reads are
// written again: a failed update fails the transaction, and them with it.
func (t *Tx) UpdateContact(ctx context.Context, c ticket.Contact) error {
	t.wroteContact(&c)
	fields, err := encodeJSON(c.Fields, len(c.Fields) == 0)
	if err != nil {
		return err
	}
	if err := t.exec(ctx, t.q.updateContact, expectOne("contact", string(c.ID)),
		c.Name, c.Language, fields, c.Unreachable, c.Renamed, c.Version, c.Workspace, c.ID, c.Version-1); err != nil {
		return err
	}
	if err := t.deleteSearchRows(ctx, c.Workspace, c.ID); err != nil {
		return err
	}
	return t.writeSearchRows(ctx, c)
}

var (
	_ store.InboundLookup = (*Tx)(nil)
	_ store.Workloads     = (*Tx)(nil)
)

// LookupInbound implements store.InboundLookup in one statement for a
// known contact. A duplicate is read whole in a second one, which only
// repeats pay; so is a duplicate from an unknown contact, which only the
// retries of a new contact's first message look for (the engine's first
// attempt leaves duplicates to the unique index). The configuration
// revision comes with the contact, and in a read of its own for an unknown
// contact. In a write transaction given an InboundCache, a lookup without
// a duplicate check of a sender the cache holds is answered from it, its
// check queued with the writes.
func (t *Tx) LookupInbound(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, messageID, contactID string) (store.InboundRecords, error) {
	key := inboundKey{ws, ch, contactID}
	if messageID == "" {
		if r, ok, err := t.cachedLookup(ctx, key); ok {
			return r, err
		}
	}
	r, err := t.lookupInbound(ctx, ws, ch, messageID, contactID)
	if err == nil {
		t.foundInbound(key, r)
	}
	return r, err
}

func (t *Tx) lookupInbound(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, messageID, contactID string) (store.InboundRecords, error) {
	var r store.InboundRecords
	var dup string
	err := t.one(ctx, func(rows Rows) error {
		var c contactRow
		var o conversationRow
		dest := append([]any{&dup}, c.dest()...)
		dest = append(dest, &r.HasOpen)
		dest = append(dest, o.dest()...)
		if err := rows.Scan(append(dest, &r.ConfigRevision)...); err != nil {
			return err
		}
		if r.HasOpen {
			o.into(&r.Open)
		}
		return c.into(&r.Contact)
	}, t.lookupStatement(messageID), t.lookupArgs(messageID, ws, ch, contactID)...)
	if errors.Is(err, store.ErrNotFound) {
		// An unknown contact: the revision, and a duplicate, alone.
		rev, err := t.ConfigRevision(ctx, ws)
		if err != nil || messageID == "" {
			return store.InboundRecords{ConfigRevision: rev}, err
		}
		m, err := t.MessageByExternalID(ctx, ws, ch, messageID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return store.InboundRecords{ConfigRevision: rev}, nil
		case err != nil:
			return store.InboundRecords{}, err
		}
		return store.InboundRecords{Duplicate: m, HasDuplicate: true, ConfigRevision: rev}, nil
	}
	switch {
	case err != nil:
		return store.InboundRecords{}, err
	}
	r.HasContact = true
	if dup != "" {
		if r.Duplicate, err = t.Message(ctx, ws, conversation.MessageID(dup)); err != nil {
			return store.InboundRecords{}, err
		}
		r.HasDuplicate = true
	}
	return r, nil
}

func (t *Tx) lookupStatement(messageID string) string {
	if messageID == "" {
		return t.q.inboundLookupNoDup
	}
	return t.q.inboundLookup
}

func (t *Tx) lookupArgs(messageID string, ws ticket.WorkspaceID, ch channel.ID, contactID string) []any {
	if messageID == "" {
		return []any{ws, ch, contactID}
	}
	return []any{messageID, ws, ch, contactID}
}

// Tickets.

func scanTicket(r Rows) (ticket.Ticket, error) {
	var tk ticket.Ticket
	var tags string
	var opened, closed int64
	if err := r.Scan(&tk.Workspace, &tk.ID, &tk.Number, &tk.Contact, &tk.Subject, &tk.Status, &tk.Priority, &tags, &opened, &closed, &tk.Version); err != nil {
		return tk, err
	}
	tk.OpenedAt, tk.ClosedAt = fromMicros(opened), fromMicros(closed)
	return tk, decodeJSON(tags, &tk.Tags)
}

// NextTicketNumber implements store.Tx. The counter row is updated in the
// transaction, so a rolled-back reservation is handed out again: committed
// numbers are gapless. It also serialises ticket creation per workspace.
func (t *Tx) NextTicketNumber(ctx context.Context, ws ticket.WorkspaceID) (ticket.Number, error) {
	if !t.write {
		return 0, errReadOnly
	}
	var n ticket.Number
	err := t.one(ctx, func(r Rows) error { return r.Scan(&n) }, t.q.nextNumber, ws)
	return n, err
}

// Ticket implements store.Tx.
func (t *Tx) Ticket(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID) (ticket.Ticket, error) {
	return one(ctx, t, scanTicket, t.q.ticket, ws, id)
}

// TicketByNumber implements store.Tx.
func (t *Tx) TicketByNumber(ctx context.Context, ws ticket.WorkspaceID, n ticket.Number) (ticket.Ticket, error) {
	return one(ctx, t, scanTicket, t.q.ticketByNumber, ws, n)
}

// OpenTickets implements store.Tx.
func (t *Tx) OpenTickets(ctx context.Context, ws ticket.WorkspaceID, contact ticket.ContactID) ([]ticket.Ticket, error) {
	if err := t.query(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, t.c, scanTicket, t.q.openTickets, ws, contact)
}

// CreateTicket implements store.Tx.
func (t *Tx) CreateTicket(ctx context.Context, tk ticket.Ticket) error {
	if err := checkNew(tk.Version); err != nil {
		return err
	}
	tags, err := encodeJSON(tk.Tags, len(tk.Tags) == 0)
	if err != nil {
		return err
	}
	if err := t.exec(ctx, t.q.createTicket, nil, tk.Workspace, tk.ID, tk.Number, tk.Contact, tk.Subject, tk.Status, tk.Priority,
		tags, micros(tk.OpenedAt), micros(tk.ClosedAt), tk.Version); err != nil {
		return err
	}
	return t.insertTags(ctx, tk)
}

// UpdateTicket implements store.Tx. The number and the contact of a ticket
// never change and are not written.
func (t *Tx) UpdateTicket(ctx context.Context, tk ticket.Ticket) error {
	tags, err := encodeJSON(tk.Tags, len(tk.Tags) == 0)
	if err != nil {
		return err
	}
	if err := t.exec(ctx, t.q.updateTicket, expectOne("ticket", string(tk.ID)),
		tk.Subject, tk.Status, tk.Priority, tags, micros(tk.ClosedAt), tk.Version, tk.Workspace, tk.ID, tk.Version-1); err != nil {
		return err
	}
	if err := t.exec(ctx, t.q.deleteTags, nil, tk.Workspace, tk.ID); err != nil {
		return err
	}
	return t.insertTags(ctx, tk)
}

// Conversations.

func scanConversation(r Rows) (conversation.Conversation, error) {
	var c conversation.Conversation
	var row conversationRow
	err := r.Scan(row.dest()...)
	row.into(&c)
	return c, err
}

// conversationRow holds a conversation's columns in the driver's own types,
// which scan without reflection.
type conversationRow struct {
	ws, id, ticket, channel, contact, ext, assignee, team, reason, closedBy, category, summary, bot string
	number, state, priority, waiting, opened, last, closed, outOfHours, version                     int64
	abandoned                                                                                       bool
}

func (w *conversationRow) dest() []any {
	return []any{&w.ws, &w.id, &w.ticket, &w.number, &w.channel, &w.contact, &w.ext, &w.state, &w.priority,
		&w.assignee, &w.team, &w.waiting, &w.abandoned, &w.opened, &w.last, &w.closed, &w.reason, &w.closedBy, &w.category, &w.summary, &w.outOfHours, &w.version, &w.bot}
}

func (w *conversationRow) into(c *conversation.Conversation) {
	*c = conversation.Conversation{
		ID: conversation.ID(w.id), Workspace: ticket.WorkspaceID(w.ws), Ticket: ticket.ID(w.ticket), TicketNumber: ticket.Number(w.number),
		Channel: channel.ID(w.channel), Contact: ticket.ContactID(w.contact), ContactExternalID: w.ext,
		State: conversation.State(w.state), Priority: ticket.Priority(w.priority),
		Assignee: conversation.AgentID(w.assignee), Team: conversation.TeamID(w.team),
		WaitingSince: fromMicros(w.waiting), Abandoned: w.abandoned, OpenedAt: fromMicros(w.opened), LastActivity: fromMicros(w.last), ClosedAt: fromMicros(w.closed),
		CloseReason: conversation.CloseReason(w.reason), ClosedBy: conversation.AgentID(w.closedBy),
		ClosingNote: conversation.ClosingNote{Category: w.category, Summary: w.summary}, OutOfHoursUntil: fromMicros(w.outOfHours), Version: w.version,
		Bot: w.bot,
	}
}

// Conversation implements store.Tx.
func (t *Tx) Conversation(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) (conversation.Conversation, error) {
	return one(ctx, t, scanConversation, t.q.conversation, ws, id)
}

// OpenConversation implements store.Tx.
func (t *Tx) OpenConversation(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, contact ticket.ContactID) (conversation.Conversation, error) {
	return one(ctx, t, scanConversation, t.q.openConversation, ws, ch, contact)
}

// LatestConversation implements store.Tx.
func (t *Tx) LatestConversation(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, contact ticket.ContactID) (conversation.Conversation, error) {
	return one(ctx, t, scanConversation, t.q.latestConversation, ws, ch, contact)
}

// TicketConversation implements store.Tx.
func (t *Tx) TicketConversation(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID) (conversation.Conversation, error) {
	return one(ctx, t, scanConversation, t.q.ticketConversation, ws, id)
}

func limitOrAll(limit int) int {
	if limit <= 0 {
		return math.MaxInt32
	}
	return limit
}

// Queue implements store.Tx.
func (t *Tx) Queue(ctx context.Context, ws ticket.WorkspaceID, limit int) ([]conversation.Conversation, error) {
	if err := t.query(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, t.c, scanConversation, t.q.queue, ws, limitOrAll(limit))
}

func conversationArgs(c *conversation.Conversation) []any {
	return []any{c.Workspace, c.ID, c.Ticket, c.TicketNumber, c.Channel, c.Contact, c.ContactExternalID, c.State, c.Priority,
		c.Assignee, c.Team, micros(c.WaitingSince), c.Abandoned, micros(c.OpenedAt), micros(c.LastActivity), micros(c.ClosedAt),
		c.CloseReason, c.ClosedBy, c.ClosingNote.Category, c.ClosingNote.Summary, micros(c.OutOfHoursUntil), c.Version, c.Bot}
}

// CreateConversation implements store.Tx.
func (t *Tx) CreateConversation(ctx context.Context, c conversation.Conversation) error {
	if err := checkNew(c.Version); err != nil {
		return err
	}
	t.wroteConversation(&c)
	return t.exec(ctx, t.q.createConversation, nil, conversationArgs(&c)...)
}

// UpdateConversation implements store.Tx. The ticket, channel and contact
// of a conversation never change and are not written.
//
// On a Conn that runs writes at once (ExecNow), an update that leaves the
// indexed columns as they are (a message to an open conversation: its last
// activity and version change) sets only the others; where it changes no
// row, the full update follows and answers as it would alone.
func (t *Tx) UpdateConversation(ctx context.Context, c conversation.Conversation) error {
	err := t.updateConversation(ctx, c)
	if err == nil {
		t.wroteConversation(&c)
	}
	return err
}

// UpdateConversationFrom is UpdateConversation(c) for a c made from
// stored, the conversation as a read in t returned it: where c differs
// from it only in its last activity (an inbound message to an open
// conversation, the steady case), a store that runs each write at once
// (ExecNow) writes only that and the version, under the same version
// check (stored must have version c.Version-1; every write of a
// conversation moves its version on, so that a row with that version is
// stored in all its columns).
func (t *Tx) UpdateConversationFrom(ctx context.Context, stored, c conversation.Conversation) error {
	now, ok := t.c.(ExecNow)
	if !ok || stored.Version != c.Version-1 || !onlyActivityChanged(stored, c) {
		return t.UpdateConversation(ctx, c)
	}
	if err := t.writable(ctx); err != nil {
		return err
	}
	n, err := now.ExecNow(ctx, t.q.touchActivity, micros(c.LastActivity), c.Version, string(c.Workspace), string(c.ID), c.Version-1)
	if err == nil {
		err = expectOne("conversation", string(c.ID))(n)
	}
	if err == nil {
		t.wroteConversation(&c)
	}
	return err
}

// onlyActivityChanged reports whether UpdateConversation(c) would write
// what stored holds but for the last activity (and the version): every
// other column it writes is unchanged, to the microsecond a time is
// stored at.
func onlyActivityChanged(stored, c conversation.Conversation) bool {
	return stored.State == c.State && stored.Priority == c.Priority && stored.Assignee == c.Assignee && stored.Team == c.Team &&
		micros(stored.WaitingSince) == micros(c.WaitingSince) && stored.Abandoned == c.Abandoned &&
		micros(stored.ClosedAt) == micros(c.ClosedAt) && stored.CloseReason == c.CloseReason && stored.ClosedBy == c.ClosedBy &&
		stored.ClosingNote == c.ClosingNote && micros(stored.OutOfHoursUntil) == micros(c.OutOfHoursUntil) && stored.Bot == c.Bot
}

func (t *Tx) updateConversation(ctx context.Context, c conversation.Conversation) error {
	if now, ok := t.c.(ExecNow); ok {
		if err := t.writable(ctx); err != nil {
			return err
		}
		n, err := now.ExecNow(ctx, t.q.touchConversation, micros(c.LastActivity), micros(c.ClosedAt),
			string(c.CloseReason), string(c.ClosedBy), c.ClosingNote.Category, c.ClosingNote.Summary, micros(c.OutOfHoursUntil), c.Version,
			string(c.Workspace), string(c.ID), c.Version-1, int64(c.State), int64(c.Priority), string(c.Assignee), string(c.Team),
			micros(c.WaitingSince), c.Abandoned, c.Bot)
		if err != nil || n == 1 {
			return err
		}
	}
	return t.exec(ctx, t.q.updateConversation, expectOne("conversation", string(c.ID)),
		c.State, c.Priority, c.Assignee, c.Team, micros(c.WaitingSince), c.Abandoned, micros(c.LastActivity), micros(c.ClosedAt),
		c.CloseReason, c.ClosedBy, c.ClosingNote.Category, c.ClosingNote.Summary, micros(c.OutOfHoursUntil), c.Version, c.Bot, c.Workspace, c.ID, c.Version-1)
}

// UpdatedConversation returns the row that UpdateConversation(c) leaves
// where stored was, as a read gives it back: the columns it writes from c
// (times to the microsecond, in UTC), the others (ticket, channel,
// contact, opening) as stored.
func UpdatedConversation(stored, c conversation.Conversation) conversation.Conversation {
	o := stored
	o.State, o.Priority, o.Assignee, o.Team = c.State, c.Priority, c.Assignee, c.Team
	o.WaitingSince, o.Abandoned = fromMicros(micros(c.WaitingSince)), c.Abandoned
	o.LastActivity, o.ClosedAt = fromMicros(micros(c.LastActivity)), fromMicros(micros(c.ClosedAt))
	o.CloseReason, o.ClosedBy, o.ClosingNote = c.CloseReason, c.ClosedBy, c.ClosingNote
	o.OutOfHoursUntil, o.Version, o.Bot = fromMicros(micros(c.OutOfHoursUntil)), c.Version, c.Bot
	return o
}

// Messages.

// revision is the stored form of a conversation.Revision.
type revision struct {
	Text string `json:"text"`
	At   int64  `json:"at"`
}

func encodeRevisions(rs []conversation.Revision) (string, error) {
	out := make([]revision, len(rs))
	for i, r := range rs {
		out[i] = revision{r.Text, micros(r.At)}
	}
	return encodeJSON(out, len(rs) == 0)
}

// Message implements store.Tx.
func (t *Tx) Message(ctx context.Context, ws ticket.WorkspaceID, id conversation.MessageID) (conversation.Message, error) {
	return one(ctx, t, scanMessage, t.q.message, ws, id)
}

// MessageByExternalID implements store.Tx.
func (t *Tx) MessageByExternalID(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, ext string) (conversation.Message, error) {
	return one(ctx, t, scanMessage, t.q.messageByExt, ws, ch, ext)
}

// Messages implements store.Tx.
func (t *Tx) Messages(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) ([]conversation.Message, error) {
	if err := t.query(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, t.c, scanMessage, t.q.messages, ws, id)
}

func scanMessage(r Rows) (conversation.Message, error) {
	var m conversation.Message
	var atts, revs string
	var created, next int64
	if err := r.Scan(&m.Workspace, &m.ID, &m.Conversation, &m.Ticket, &m.Channel, &m.Direction, &m.Author.Kind, &m.Author.Agent, &m.Kind, &m.Text,
		&atts, &m.ExternalID, &created, &m.Delivery, &m.Attempts, &next, &m.Failure, &revs, &m.Altered, &m.Version); err != nil {
		return m, err
	}
	m.CreatedAt, m.NextAttempt = fromMicros(created), fromMicros(next)
	if err := decodeJSON(atts, &m.Attachments); err != nil {
		return m, err
	}
	var stored []revision
	if err := decodeJSON(revs, &stored); err != nil {
		return m, err
	}
	for _, r := range stored {
		m.Revisions = append(m.Revisions, conversation.Revision{Text: r.Text, At: fromMicros(r.At)})
	}
	return m, nil
}

// CreateMessage implements store.Tx.
func (t *Tx) CreateMessage(ctx context.Context, m conversation.Message) error {
	if err := checkNew(m.Version); err != nil {
		return err
	}
	atts, err := encodeJSON(m.Attachments, len(m.Attachments) == 0)
	if err != nil {
		return err
	}
	revs, err := encodeRevisions(m.Revisions)
	if err != nil {
		return err
	}
	return t.exec(ctx, t.q.createMessage, nil, string(m.Workspace), string(m.ID), string(m.Conversation), string(m.Ticket), string(m.Channel),
		int64(m.Direction), int64(m.Author.Kind), string(m.Author.Agent), int64(m.Kind), m.Text, atts, m.ExternalID, micros(m.CreatedAt),
		int64(m.Delivery), int64(m.Attempts), micros(m.NextAttempt), m.Failure, revs, int64(m.Altered), m.Version)
}

// UpdateMessage implements store.Tx.
func (t *Tx) UpdateMessage(ctx context.Context, m conversation.Message) error {
	atts, err := encodeJSON(m.Attachments, len(m.Attachments) == 0)
	if err != nil {
		return err
	}
	revs, err := encodeRevisions(m.Revisions)
	if err != nil {
		return err
	}
	return t.exec(ctx, t.q.updateMessage, expectOne("message", string(m.ID)),
		m.Text, atts, m.ExternalID, m.Delivery, m.Attempts, micros(m.NextAttempt), m.Failure, revs, m.Altered, m.Version, m.Workspace, m.ID, m.Version-1)
}

// PendingMessages implements store.Tx.
func (t *Tx) PendingMessages(ctx context.Context, now time.Time, after store.PendingAfter, limit int) ([]conversation.Message, error) {
	if err := t.query(ctx); err != nil {
		return nil, err
	}
	// Stored messages have a workspace and an id, so the zero position
	// comes before all of them.
	from := micros(after.Due)
	return queryAll(ctx, t.c, scanMessage, t.q.pending, micros(now), from, from, string(after.Workspace), string(after.ID), limitOrAll(limit))
}

// FirstPending implements store.Tx.
func (t *Tx) FirstPending(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) (conversation.Message, error) {
	return one(ctx, t, scanMessage, t.q.firstPending, ws, id)
}

// Agents and teams.

func scanAgent(r Rows) (conversation.Agent, error) {
	var a conversation.Agent
	var teams string
	var last int64
	if err := r.Scan(&a.Workspace, &a.ID, &a.Name, &a.Role, &a.Presence, &teams, &a.Capacity, &last, &a.Version); err != nil {
		return a, err
	}
	a.LastAssigned = fromMicros(last)
	return a, decodeJSON(teams, &a.Teams)
}

// Agent implements store.Tx.
func (t *Tx) Agent(ctx context.Context, ws ticket.WorkspaceID, id conversation.AgentID) (conversation.Agent, error) {
	return one(ctx, t, scanAgent, t.q.agent, ws, id)
}

// PutAgent implements store.Tx.
func (t *Tx) PutAgent(ctx context.Context, a conversation.Agent) error {
	teams, err := encodeJSON(a.Teams, len(a.Teams) == 0)
	if err != nil {
		return err
	}
	if a.Version == 1 {
		return t.exec(ctx, t.q.createAgent, expectOne("agent", string(a.ID)),
			a.Workspace, a.ID, a.Name, a.Role, a.Presence, teams, a.Capacity, micros(a.LastAssigned), a.Version)
	}
	return t.exec(ctx, t.q.updateAgent, expectOne("agent", string(a.ID)),
		a.Name, a.Role, a.Presence, teams, a.Capacity, micros(a.LastAssigned), a.Version, a.Workspace, a.ID, a.Version-1)
}

// Agents implements store.Tx.
func (t *Tx) Agents(ctx context.Context, ws ticket.WorkspaceID) ([]conversation.Agent, error) {
	if err := t.query(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, t.c, scanAgent, t.q.agents, string(ws))
}

// Workload implements store.Workloads in one statement.
func (t *Tx) Workload(ctx context.Context, ws ticket.WorkspaceID) (map[conversation.AgentID]int, error) {
	if err := t.query(ctx); err != nil {
		return nil, err
	}
	type load struct {
		agent string
		n     int64
	}
	loads, err := queryAll(ctx, t.c, func(r Rows) (load, error) {
		var l load
		return l, r.Scan(&l.agent, &l.n)
	}, t.q.workload, string(ws))
	out := make(map[conversation.AgentID]int, len(loads))
	for _, l := range loads {
		out[conversation.AgentID(l.agent)] = int(l.n)
	}
	return out, err
}

// AssignedTo implements store.Tx.
func (t *Tx) AssignedTo(ctx context.Context, ws ticket.WorkspaceID, agent conversation.AgentID) ([]conversation.Conversation, error) {
	if err := t.query(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, t.c, scanConversation, t.q.assignedTo, string(ws), string(agent))
}

// Team implements store.Tx.
func (t *Tx) Team(ctx context.Context, ws ticket.WorkspaceID, id conversation.TeamID) (conversation.Team, error) {
	var tm conversation.Team
	err := t.one(ctx, func(r Rows) error { return r.Scan(&tm.Workspace, &tm.ID, &tm.Name) }, t.q.team, ws, id)
	return tm, err
}

// PutTeam implements store.Tx.
func (t *Tx) PutTeam(ctx context.Context, tm conversation.Team) error {
	return t.exec(ctx, t.q.putTeam, nil, tm.Workspace, tm.ID, tm.Name)
}

// AppendEvent implements store.Tx. The actor and cause kinds are stored by
// their stable names; a kind without one is refused with
// store.ErrRejected, so that no stored event fails to read back.
func (t *Tx) AppendEvent(ctx context.Context, e conversation.Event) error {
	actor, err := kindName(e.Actor.Kind, conversation.ParseActorKind)
	if err != nil {
		return fmt.Errorf("sql store: event %s: actor: %w", e.Type, err)
	}
	cause, err := kindName(e.Cause.Kind, conversation.ParseCauseKind)
	if err != nil {
		return fmt.Errorf("sql store: event %s: cause: %w", e.Type, err)
	}
	data, err := encodeJSON(e.Data, e.Data == nil)
	if err != nil {
		return err
	}
	// The arguments in the types the driver takes as they are, boxed once
	// (plain would box the domain's types a second time).
	args := []any{string(e.Workspace), string(e.Type), micros(e.At), string(e.Conversation), string(e.Ticket), int64(e.TicketNumber),
		string(e.Message), string(e.Agent), string(e.Previous), string(e.Team), string(e.Reason), int64(e.Presence), string(e.Channel),
		e.ExternalID, e.Detail, int64(e.Altered), actor, e.Actor.ID, cause, e.Cause.Name, e.Cause.ID, e.Cause.Root, int64(e.Cause.Depth),
		string(e.Contact), e.Bot, data, int64(store.EventPartition(e))}
	var seq int64
	if ins, ok := t.c.(InsertNow); ok && t.keep {
		// The seq is the rowid (cc_events.seq is the INTEGER PRIMARY KEY).
		if err := t.writable(ctx); err != nil {
			return err
		}
		if seq, err = ins.InsertNow(ctx, t.q.appendEvent, plain(args)...); err != nil {
			return err
		}
	} else if err := t.exec(ctx, t.q.appendEvent, nil, args...); err != nil {
		return err
	}
	if t.keep {
		// What ScanEvent would read: the seq, the time to the
		// microsecond, the data through its JSON.
		e.Seq, e.At, e.Data = uint64(seq), fromMicros(micros(e.At)), nil
		if err := decodeJSON(data, &e.Data); err != nil {
			return err
		}
		t.appended = append(t.appended, e)
	}
	return nil
}

// kindName returns the stable name of kind k (empty for the zero kind), which
// parse reads back; a kind without a name is store.ErrRejected.
func kindName[K interface {
	~uint8
	String() string
}](k K, parse func(string) (K, error)) (string, error) {
	if k == 0 {
		return "", nil
	}
	name := k.String()
	if back, err := parse(name); err != nil || back != k {
		return "", fmt.Errorf("kind %d has no name: %w", uint8(k), store.ErrRejected)
	}
	return name, nil
}

// Rejections.

func scanRejection(r Rows) (conversation.RejectedMessage, error) {
	var m conversation.RejectedMessage
	var ws, ch string
	var at int64
	err := r.Scan(&ws, &ch, &m.ExternalID, &m.From, &m.Reason, &at)
	m.Workspace, m.Channel, m.At = ticket.WorkspaceID(ws), channel.ID(ch), fromMicros(at)
	return m, err
}

// CreateRejection implements store.Tx.
func (t *Tx) CreateRejection(ctx context.Context, r conversation.RejectedMessage) error {
	return t.exec(ctx, t.q.createRejection, nil, r.Workspace, r.Channel, r.ExternalID, r.From, r.Reason, micros(r.At))
}

// Rejection implements store.Tx.
func (t *Tx) Rejection(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, ext string) (conversation.RejectedMessage, error) {
	return one(ctx, t, scanRejection, t.q.rejection, ws, ch, ext)
}

// Rejections implements store.Tx.
func (t *Tx) Rejections(ctx context.Context, ws ticket.WorkspaceID, limit int) ([]conversation.RejectedMessage, error) {
	if err := t.query(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, t.c, scanRejection, t.q.rejections, string(ws), limitOrAll(limit))
}

// SetTimer implements store.Tx. The payload is copied: the write may go
// out later, with the transaction's next read or its commit. A due time
// that nanoseconds since the epoch cannot hold (before 1678 or after 2262)
// is refused with store.ErrRejected.
func (t *Tx) SetTimer(ctx context.Context, tm store.Timer) error {
	due := Nanos(tm.Due)
	if !FromNanos(due).Equal(tm.Due) {
		return fmt.Errorf("sql store: timer %s %q due %v: out of the range of nanoseconds since 1970: %w", tm.Kind, tm.Key, tm.Due, store.ErrRejected)
	}
	return t.exec(ctx, t.q.setTimer, nil, string(tm.Kind), tm.Workspace, tm.Key, due, append([]byte{}, tm.Payload...))
}

// DeleteTimer implements store.Tx.
func (t *Tx) DeleteTimer(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string) error {
	return t.exec(ctx, t.q.deleteTimer, nil, string(kind), ws, key)
}

// DeleteTimerAt implements store.Tx in one statement, sent at once (with
// the writes waiting before it) since its caller needs to know whether it
// deleted.
func (t *Tx) DeleteTimerAt(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string, due time.Time) (bool, error) {
	if !t.write {
		return false, errReadOnly
	}
	var one int64
	err := t.one(ctx, func(r Rows) error { return r.Scan(&one) }, t.q.deleteTimerAt, string(kind), ws, key, Nanos(due))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Timer implements store.Tx.
func (t *Tx) Timer(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string) (store.Timer, error) {
	return one(ctx, t, func(r Rows) (store.Timer, error) { return ScanTimer(r) }, t.q.timer, string(kind), ws, key)
}

// TimerCols are the columns ScanTimer reads, for the stores' claims.
const TimerCols = `kind, workspace, key, due, payload`

// ScanTimer scans the TimerCols of one row. Due times are stored in
// nanoseconds since the epoch, so that a claim's due time is exact; an
// empty payload reads as nil.
func ScanTimer(r interface{ Scan(dest ...any) error }) (store.Timer, error) {
	var tm store.Timer
	var kind, ws string
	var due int64
	err := r.Scan(&kind, &ws, &tm.Key, &due, &tm.Payload)
	tm.Kind, tm.Workspace, tm.Due = store.TimerKind(kind), ticket.WorkspaceID(ws), FromNanos(due)
	if len(tm.Payload) == 0 {
		tm.Payload = nil
	}
	return tm, err
}

// Nanos encodes a timer's due time as the stores keep it: nanoseconds
// since the epoch.
func Nanos(t time.Time) int64 { return t.UnixNano() }

// FromNanos decodes Nanos, in UTC.
func FromNanos(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// EventCols are the columns ScanEvent reads, for the stores' drain
// statements.
const EventCols = `seq, ` + eventWriteCols

// eventWriteCols are the columns AppendEvent writes.
const eventWriteCols = `workspace, type, at, conversation_id, ticket_id, ticket_number, message_id, agent, previous, team, reason, presence,
	channel, external_id, detail, altered, actor_kind, actor_id, cause_kind, cause_name, cause_id, cause_root, cause_depth, contact_id, bot, data`

// ScanEvents reads and closes rows of EventCols.
func ScanEvents(rows Rows) ([]conversation.Event, error) {
	defer rows.Close()
	var events []conversation.Event
	for rows.Next() {
		e, err := ScanEvent(rows)
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, rows.Err()
}

// ScanEvent scans the EventCols of one row.
func ScanEvent(r interface{ Scan(dest ...any) error }) (conversation.Event, error) {
	var e conversation.Event
	var at, depth int64
	var actor, cause, data string
	if err := r.Scan(&e.Seq, &e.Workspace, &e.Type, &at, &e.Conversation, &e.Ticket, &e.TicketNumber, &e.Message, &e.Agent, &e.Previous, &e.Team, &e.Reason, &e.Presence,
		&e.Channel, &e.ExternalID, &e.Detail, &e.Altered, &actor, &e.Actor.ID, &cause, &e.Cause.Name, &e.Cause.ID, &e.Cause.Root, &depth, &e.Contact, &e.Bot, &data); err != nil {
		return e, err
	}
	if err := decodeJSON(data, &e.Data); err != nil {
		return e, fmt.Errorf("sql store: event %d: data: %w", e.Seq, err)
	}
	e.At, e.Cause.Depth = fromMicros(at), int(depth)
	var err error
	if e.Actor.Kind, err = conversation.ParseActorKind(actor); err != nil {
		return e, fmt.Errorf("sql store: event %d: %w", e.Seq, err)
	}
	if e.Cause.Kind, err = conversation.ParseCauseKind(cause); err != nil {
		return e, fmt.Errorf("sql store: event %d: %w", e.Seq, err)
	}
	return e, nil
}
