// Package store defines the storage contract of the engine: a unit-of-work
// Store whose transactions see and change tickets, contacts, conversations,
// messages, agents and teams, and keep the events to publish.
//
// The contract is shaped for SQL. A command of the engine runs in one
// transaction (Update); reads inside it are consistent with its writes; a
// transaction that returns an error leaves nothing behind. Two concurrent
// commands on one object cannot both win: every update names the version it
// replaces (Version-1 of the value written), and a store that holds another
// version answers ErrConflict. Unique keys — a contact's external id on a
// channel, one open conversation per contact and channel, an inbound
// message's external id on a channel, a rejected message's external id on
// a channel — answer ErrDuplicate. The engine
// retries a command on ErrConflict and ErrDuplicate.
//
// A store implements Store and Tx; the optional capabilities
// (TimerPeeker, InboundLookup, Workloads, MessagePager, QueuePager) only
// make the engine faster, and the functions LookupInbound, Workload,
// MessagesPage and ReadQueuePage do their work with the required methods
// where a store lacks them.
//
// Implementations: store/memory (in memory), and the SQL stores. The
// conformance suite in store/storetest checks any implementation, including
// a host's own.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// Errors of the store contract.
var (
	// ErrNotFound: no object has the key asked for.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: an update named a version that is no longer the stored
	// one; another transaction changed the object first.
	ErrConflict = errors.New("store: version conflict")
	// ErrDuplicate: a create collided with a unique key.
	ErrDuplicate = errors.New("store: duplicate key")
	// ErrSameContact: MergeContacts was asked to merge a contact into
	// itself.
	ErrSameContact = errors.New("store: a contact cannot be merged into itself")
	// ErrBusy: another drain of events runs (in this process or another);
	// try again later.
	ErrBusy = errors.New("store: events are being drained elsewhere")
	// ErrRejected: the store refused the data for good; the same data would
	// be refused again (PostgreSQL's data exceptions and program limits, a
	// value SQLite finds too big). A lost connection or a timeout is not
	// ErrRejected: it may pass.
	ErrRejected = errors.New("store: the store refused the data for good")
)

// Store is a unit-of-work store.
type Store interface {
	// Update runs fn in a read-write transaction and commits it if fn
	// returns nil. If fn or the commit fails, no write of fn remains and the
	// error is returned (wrapped as it was). Implementations must be safe for
	// concurrent use.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction that sees one consistent
	// state.
	View(ctx context.Context, fn func(Tx) error) error
	// DrainEvents passes up to max stored, unpublished events to fn, in
	// commit order. fn returns how many of them, from the first, it
	// published; the store forgets those and keeps the rest for a later
	// drain. DrainEvents returns how many it forgot, and fn's error. The
	// events of one partition of the stream (EventPartition) are drained
	// by one drain at a time, across processes for a shared database, so
	// that the events of one conversation are published in order (R17); a
	// drain that would have to wait for another answers ErrBusy at once.
	// A store either drains the whole stream under one lock (the memory
	// and SQLite stores), or shares the partitions among the handles that
	// drain, each passing the events of its share (SharedEvents: the
	// PostgreSQL store). A limit below 1 drains nothing.
	DrainEvents(ctx context.Context, max int, fn func(context.Context, []conversation.Event) (int, error)) (int, error)
	// ClaimTimers claims up to limit timers due at now, earliest first:
	// each one's due time moves to now+lease (its Lease), so that no other
	// claim takes it meanwhile, across processes for a shared database. The
	// timers are returned with the due time and payload they had. Whoever
	// claimed a timer deletes it (DeleteTimerAt with its Lease) or sets it,
	// in a transaction, once it has acted on it; if it stops before, the
	// timer is due again when the lease ends.
	ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ClaimedTimer, error)
	// Close releases the store's resources.
	Close() error
}

// The optional capabilities below exist only to make the engine fast: a
// store may leave any of them out, and the engine does the same work
// another way (store.Workload, store.LookupInbound, store.MessagesPage and
// store.ReadQueuePage with the required methods; polling for timers). A store that implements one must answer
// exactly what the way without it answers; the conformance suite checks
// that.

// TimerPeeker is an optional capability of a Store: it knows the earliest
// due time of its timers, so that the engine sleeps until then. A store
// without it is polled: the engine claims timers at a fixed interval, and
// a timer fires up to that interval late.
type TimerPeeker interface {
	// NextTimer returns the earliest due time of any timer, of every
	// workspace, claimed ones at the end of their lease; ok is false when
	// there is none. A wrapper that cannot know (its wrapped store lacks
	// the capability) answers an error matching errors.ErrUnsupported, and
	// the engine polls as it would without the capability.
	NextTimer(ctx context.Context) (due time.Time, ok bool, err error)
}

// TimerKind names what a timer is for. A store keeps kinds as opaque
// names: the engine and hosts choose them (conversation.TimerTimeout…).
type TimerKind = conversation.TimerKind

// Timer is time-driven work kept in the store: one per kind and key in a
// workspace, due at Due, with an opaque Payload the store keeps as given
// (nil and empty are the same).
type Timer = conversation.Timer

// ClaimedTimer is a timer ClaimTimers claimed: the Timer as it was, with
// the due time it had, and Lease, the due time the claim gave it. Whoever
// claimed it deletes it with DeleteTimerAt(…, Lease) once it has acted, so
// that a timer set again meanwhile stays.
type ClaimedTimer struct {
	Timer
	Lease time.Time
}

// PendingAfter is a position in the order of PendingMessages: messages
// come by due time (NextAttempt), then workspace, then id.
type PendingAfter struct {
	Due       time.Time
	Workspace ticket.WorkspaceID
	ID        conversation.MessageID
}

// PendingPosition returns the position of m in the order of
// PendingMessages, to pass as the after of the next page.
func PendingPosition(m conversation.Message) PendingAfter {
	return PendingAfter{Due: m.NextAttempt, Workspace: m.Workspace, ID: m.ID}
}

// InboundLookup is an optional capability of a Tx: the reads that start
// every inbound message, made at once. A store whose reads cost a round
// trip each (the SQL stores) implements it; LookupInbound makes the reads
// one by one where a Tx does not.
type InboundLookup interface {
	// LookupInbound answers what the function LookupInbound answers
	// without the capability.
	LookupInbound(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, messageID, contactID string) (InboundRecords, error)
}

// LookupInbound returns, for a message that channel ch delivered with
// messageID from the contact it knows as contactID: the inbound message
// ch delivered with messageID before, whoever sent it
// (MessageByExternalID), the contact (ContactByExternalID), and the
// contact's open conversation on ch (OpenConversation), each with whether
// it was found, and the workspace's ConfigRevision, so that the engine
// knows in the same read whether its copy of the configuration is current.
// An empty messageID skips the first: a caller may leave
// duplicates to the unique index, which answers ErrDuplicate at commit. It
// uses tx's InboundLookup capability, and makes the three reads one by one
// where tx has none.
func LookupInbound(ctx context.Context, tx Tx, ws ticket.WorkspaceID, ch channel.ID, messageID, contactID string) (InboundRecords, error) {
	if l, ok := tx.(InboundLookup); ok {
		return l.LookupInbound(ctx, ws, ch, messageID, contactID)
	}
	var r InboundRecords
	var err error
	if messageID != "" {
		r.Duplicate, r.HasDuplicate, err = found(tx.MessageByExternalID(ctx, ws, ch, messageID))
		if err != nil {
			return InboundRecords{}, err
		}
	}
	if r.ConfigRevision, err = tx.ConfigRevision(ctx, ws); err != nil {
		return InboundRecords{}, err
	}
	r.Contact, r.HasContact, err = found(tx.ContactByExternalID(ctx, ws, ch, contactID))
	if err != nil || !r.HasContact {
		return r, err
	}
	r.Open, r.HasOpen, err = found(tx.OpenConversation(ctx, ws, ch, r.Contact.ID))
	if err != nil {
		return InboundRecords{}, err
	}
	return r, nil
}

// found turns the outcome of a lookup into what it found and whether:
// ErrNotFound is no error, and finds the zero value.
func found[T any](v T, err error) (T, bool, error) {
	var zero T
	switch {
	case errors.Is(err, ErrNotFound):
		return zero, false, nil
	case err != nil:
		return zero, false, err
	}
	return v, true, nil
}

// Workloads is an optional capability of a Tx: a store that can count in
// one query implements it. Workload makes one query per agent where a Tx
// does not.
type Workloads interface {
	// Workload answers what the function Workload answers without the
	// capability.
	Workload(ctx context.Context, ws ticket.WorkspaceID) (map[conversation.AgentID]int, error)
}

// Workload returns how many open conversations each agent of workspace ws
// (Agents) holds (AssignedTo); agents holding none are absent, and so are
// assignees that are no stored agent. It uses tx's Workloads capability,
// and reads the conversations of each agent where tx has none.
func Workload(ctx context.Context, tx Tx, ws ticket.WorkspaceID) (map[conversation.AgentID]int, error) {
	if w, ok := tx.(Workloads); ok {
		return w.Workload(ctx, ws)
	}
	agents, err := tx.Agents(ctx, ws)
	if err != nil {
		return nil, err
	}
	loads := make(map[conversation.AgentID]int)
	for _, a := range agents {
		held, err := tx.AssignedTo(ctx, ws, a.ID)
		if err != nil {
			return nil, err
		}
		if len(held) > 0 {
			loads[a.ID] = len(held)
		}
	}
	return loads, nil
}

// InboundRecords is what LookupInbound found.
type InboundRecords struct {
	Duplicate    conversation.Message
	HasDuplicate bool
	Contact      ticket.Contact
	HasContact   bool
	Open         conversation.Conversation
	HasOpen      bool
	// ConfigRevision is the workspace's (Tx.ConfigRevision).
	ConfigRevision int64
}

// Tx is a transaction. Lookups answer ErrNotFound when nothing matches;
// every key includes the workspace, so nothing crosses workspaces.
type Tx interface {
	// Contact returns a contact by id.
	Contact(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID) (ticket.Contact, error)
	// ContactByExternalID returns the contact known on channel ch by
	// externalID.
	ContactByExternalID(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, externalID string) (ticket.Contact, error)
	// CreateContact stores a new contact (Version 1) known on channel ch by
	// externalID. It answers ErrDuplicate if the id or the external id is
	// taken.
	CreateContact(ctx context.Context, c ticket.Contact, ch channel.ID, externalID string) error
	// AddContactIdentity makes contact id known on channel ch by
	// externalID as well (one contact, many channels): ContactByExternalID
	// then finds it by either. ErrNotFound for an unknown contact;
	// ErrDuplicate if the external id on ch is taken, by this contact or
	// another.
	AddContactIdentity(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID, ch channel.ID, externalID string) error
	// MergeContacts makes contacts from and into one: every identity,
	// ticket and conversation of from becomes into's (the tickets' and
	// conversations' versions grow by one), and from is deleted; its
	// events stay as they were. ErrNotFound if either is unknown;
	// ErrDuplicate if both have an open conversation on one channel (one
	// open conversation per contact and channel), and then nothing moves.
	// Merging a contact into itself is an error (ErrSameContact).
	MergeContacts(ctx context.Context, ws ticket.WorkspaceID, into, from ticket.ContactID) error
	// UpdateContact replaces a contact whose stored version is c.Version-1.
	// Like every Update method it answers ErrConflict when the stored
	// version differs; for an object that does not exist it answers
	// ErrNotFound or, where the store cannot tell the two apart without
	// another read (the SQL stores), ErrConflict.
	UpdateContact(ctx context.Context, c ticket.Contact) error
	// EraseContact erases a contact's personal data in every table the
	// store keeps, in place, so that none of it remains stored (not
	// hidden, R21): ErrNotFound for an unknown contact. Erasing an erased
	// contact again is no error. Ids, ticket numbers, states, counts and
	// times stay, so that the history keeps its shape. It erases:
	//
	//   - the contact: its name and custom fields are emptied (Renamed is
	//     cleared), its language, creation time and flags stay, and its
	//     Version grows by one; what a store keeps to search them by
	//     (SearchContacts) is deleted;
	//   - its identities on channels (the external ids ContactByExternalID
	//     knows) are deleted, so that the same person writing again is a new
	//     contact;
	//   - its tickets: the subject (taken from the first message's text) is
	//     emptied, Version grows by one;
	//   - its conversations: ContactExternalID and the closing note's summary
	//     are emptied, Version grows by one;
	//   - every message of those conversations, both directions: as
	//     ErasedMessage says;
	//   - its rejected messages (those whose From is one of its external ids
	//     on the channel): From is emptied and ExternalID, which a channel
	//     may build from the contact's id, is replaced by "erased:" and a
	//     number unique in the workspace; the unpublished message.rejected
	//     events that named them lose their ExternalID;
	//   - the unpublished events a contact made under one of its external
	//     ids (a rejected message's, whose Actor.ID is that id): Actor.ID
	//     is emptied.
	//
	// Events carry no other personal data (names, texts and field values
	// are never in them), and timers' payloads are the host's.
	EraseContact(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID) error
	// SearchContacts returns a page of the workspace's contacts that q
	// finds — by name, by external id or by a custom field's value, as
	// ContactQuery says — in the order of its kind (ContactCursor), at
	// most q.Limit of them (DefaultContactPage when 0), starting after
	// q.After, and the cursor of the next page: empty when no contact
	// follows. A contact comes once in a search, however many of its keys
	// or identities match. An erased contact is found by nothing: its
	// name, fields and identities are gone. A query Normalize refuses
	// fails with its error, which wraps ticket.ErrInvalid. The store keeps
	// what it searches in step with every write of a contact
	// (CreateContact, UpdateContact, AddContactIdentity, MergeContacts,
	// EraseContact); the SQL stores serve every kind from an index. The
	// method is required, not a capability: no other method reads the
	// contacts of a workspace, so nothing could stand in for it.
	SearchContacts(ctx context.Context, ws ticket.WorkspaceID, q ContactQuery) ([]ticket.Contact, ContactCursor, error)

	// NextTicketNumber reserves the next ticket number of the workspace,
	// starting at 1. Numbers of a workspace are unique; a reservation rolled
	// back with its transaction may be handed out again or skipped, as the
	// implementation documents.
	NextTicketNumber(ctx context.Context, ws ticket.WorkspaceID) (ticket.Number, error)
	// Ticket returns a ticket by id.
	Ticket(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID) (ticket.Ticket, error)
	// TicketByNumber returns a ticket by number.
	TicketByNumber(ctx context.Context, ws ticket.WorkspaceID, n ticket.Number) (ticket.Ticket, error)
	// OpenTickets returns the open tickets of a contact, by number.
	OpenTickets(ctx context.Context, ws ticket.WorkspaceID, contact ticket.ContactID) ([]ticket.Ticket, error)
	// ContactTickets returns a page of a contact's tickets, open and
	// closed, newest first (by Number descending), at most p.Limit of them
	// (DefaultHistoryPage when 0), starting after p.After, and the cursor
	// of the next page: empty when no ticket follows. A page Normalize
	// refuses fails with its error, which wraps conversation.ErrInvalid.
	// The SQL stores read it from an index. The method is required: no
	// other method reads a contact's closed tickets.
	ContactTickets(ctx context.Context, ws ticket.WorkspaceID, contact ticket.ContactID, p TicketPage) ([]ticket.Ticket, TicketCursor, error)
	// CreateTicket stores a new ticket (Version 1). ErrDuplicate if its id or
	// number is taken.
	CreateTicket(ctx context.Context, t ticket.Ticket) error
	// UpdateTicket replaces a ticket whose stored version is t.Version-1.
	UpdateTicket(ctx context.Context, t ticket.Ticket) error

	// Conversation returns a conversation by id.
	Conversation(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) (conversation.Conversation, error)
	// OpenConversation returns the contact's open conversation on channel
	// ch.
	OpenConversation(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, contact ticket.ContactID) (conversation.Conversation, error)
	// LatestConversation returns the contact's most recently opened
	// conversation on channel ch, open or closed.
	LatestConversation(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, contact ticket.ContactID) (conversation.Conversation, error)
	// TicketConversation returns the open conversation of a ticket.
	TicketConversation(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID) (conversation.Conversation, error)
	// Queue returns the workspace's waiting conversations (open,
	// unassigned and held by no bot: conversation.Conversation.Waiting,
	// R2) in the order they are served (conversation.Before), at
	// most limit of them; limit <= 0 means all. ReadQueuePage reads a part
	// of it, by group and after a position.
	Queue(ctx context.Context, ws ticket.WorkspaceID, limit int) ([]conversation.Conversation, error)
	// Conversations returns a page of the workspace's conversations that
	// pass filter f, in the order of ConversationLess (by OpenedAt, then
	// ID), at most f.Limit of them (DefaultConversationPage when 0),
	// starting after f.After, and the cursor of the next page: empty when
	// no conversation follows. A filter Normalize refuses fails with its
	// error, which wraps conversation.ErrInvalid. The SQL stores serve
	// every filter from an index. The method is required, not a
	// capability: no other method reads every conversation of a
	// workspace, closed ones included, so nothing could stand in for it.
	Conversations(ctx context.Context, ws ticket.WorkspaceID, f ConversationFilter) ([]conversation.Conversation, ConversationCursor, error)
	// TicketConversations returns a page of a ticket's conversations,
	// open and closed, in the order of ConversationLess (by OpenedAt, then
	// ID), at most p.Limit of them (DefaultHistoryPage when 0), starting
	// after p.After, and the cursor of the next page: empty when none
	// follows. A page Normalize refuses fails with its error, which wraps
	// conversation.ErrInvalid. The SQL stores read it from an index. The
	// method is required: no other method reads a ticket's closed
	// conversations.
	TicketConversations(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID, p ConversationPage) ([]conversation.Conversation, ConversationCursor, error)
	// CreateConversation stores a new conversation (Version 1).
	// ErrDuplicate if its id is taken, if it is open and the contact already
	// has an open conversation on its channel, or if its ticket already has
	// an open conversation.
	CreateConversation(ctx context.Context, c conversation.Conversation) error
	// UpdateConversation replaces a conversation whose stored version is
	// c.Version-1, with the same uniqueness rules as CreateConversation.
	UpdateConversation(ctx context.Context, c conversation.Conversation) error

	// Message returns a message by id.
	Message(ctx context.Context, ws ticket.WorkspaceID, id conversation.MessageID) (conversation.Message, error)
	// MessageByExternalID returns the inbound message that channel ch
	// delivered with externalID.
	MessageByExternalID(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, externalID string) (conversation.Message, error)
	// Messages returns the messages of a conversation, oldest first.
	Messages(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) ([]conversation.Message, error)
	// CreateMessage stores a new message (Version 1). ErrDuplicate if its id
	// is taken or, for an inbound message, its external id on its channel.
	CreateMessage(ctx context.Context, m conversation.Message) error
	// UpdateMessage replaces a message whose stored version is m.Version-1.
	UpdateMessage(ctx context.Context, m conversation.Message) error
	// PendingMessages returns the outbound messages, of every workspace,
	// that may be sent now: each conversation's first pending message
	// (FirstPending) when it is due at or before now. They come in the
	// order of PendingAfter, at most limit of them, starting after the position
	// after (the zero PendingAfter starts at the beginning): a caller pages
	// through all of them by passing the last message of one page to get
	// the next, so that messages it cannot send never hide the others.
	PendingMessages(ctx context.Context, now time.Time, after PendingAfter, limit int) ([]conversation.Message, error)
	// FirstPending returns the oldest outbound message of a conversation
	// whose delivery is pending, due or not: messages of one conversation
	// are sent in the order they were stored.
	FirstPending(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) (conversation.Message, error)

	// Agent returns an agent by id.
	Agent(ctx context.Context, ws ticket.WorkspaceID, id conversation.AgentID) (conversation.Agent, error)
	// PutAgent creates an agent (Version 1) or replaces one whose stored
	// version is a.Version-1.
	PutAgent(ctx context.Context, a conversation.Agent) error
	// Agents returns the agents of a workspace, by id.
	Agents(ctx context.Context, ws ticket.WorkspaceID) ([]conversation.Agent, error)
	// AssignedTo returns the open conversations an agent holds.
	AssignedTo(ctx context.Context, ws ticket.WorkspaceID, agent conversation.AgentID) ([]conversation.Conversation, error)
	// Team returns a team by id.
	Team(ctx context.Context, ws ticket.WorkspaceID, id conversation.TeamID) (conversation.Team, error)
	// PutTeam creates or replaces a team.
	PutTeam(ctx context.Context, t conversation.Team) error

	// AppendEvent stores an event to publish after commit. The store assigns
	// its Seq.
	AppendEvent(ctx context.Context, e conversation.Event) error

	// CreateRejection stores a contact's message put aside for good (R18):
	// one record per workspace, channel and external id, which the library
	// never deletes. ErrDuplicate if the key is taken.
	CreateRejection(ctx context.Context, r conversation.RejectedMessage) error
	// Rejection returns the rejected message that channel ch delivered with
	// externalID.
	Rejection(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, externalID string) (conversation.RejectedMessage, error)
	// Rejections returns the workspace's rejected messages, newest first:
	// in the reverse of the order the store created them (for records of
	// one process, the reverse of their At), at most limit of them; limit
	// <= 0 means all.
	Rejections(ctx context.Context, ws ticket.WorkspaceID, limit int) ([]conversation.RejectedMessage, error)

	// SetTimer creates the timer of t's kind, workspace and key, or moves
	// it to t.Due and replaces its payload with t.Payload.
	SetTimer(ctx context.Context, t Timer) error
	// DeleteTimer deletes a timer; deleting one that does not exist is not
	// an error.
	DeleteTimer(ctx context.Context, kind TimerKind, ws ticket.WorkspaceID, key string) error
	// DeleteTimerAt deletes a timer only if it is still due at due, and
	// reports whether it did: a timer set again since it was read or
	// claimed (another due time) stays. Due times compare to the
	// nanosecond.
	DeleteTimerAt(ctx context.Context, kind TimerKind, ws ticket.WorkspaceID, key string, due time.Time) (bool, error)
	// Timer returns a timer, with its payload.
	Timer(ctx context.Context, kind TimerKind, ws ticket.WorkspaceID, key string) (Timer, error)

	// ConfigRevision returns the configuration revision of workspace ws:
	// a number that every PutConfig and DeleteConfig of the workspace
	// raises, and that never falls; 0 while none ran. An engine that keeps
	// the workspace's configuration in memory reads it in each command's
	// transaction and reads the records again when it moved, so that a
	// change made through another engine applies from the next command on.
	// It is one read of one row by its key.
	ConfigRevision(ctx context.Context, ws ticket.WorkspaceID) (int64, error)
	// Config returns the configuration record of workspace ws with kind
	// and name.
	Config(ctx context.Context, ws ticket.WorkspaceID, kind ConfigKind, name string) (Config, error)
	// Configs returns workspace ws's configuration records of kind, every
	// kind when kind is "", ordered by kind, then name.
	Configs(ctx context.Context, ws ticket.WorkspaceID, kind ConfigKind) ([]Config, error)
	// PutConfig creates a configuration record (Version 1) or replaces one
	// whose stored version is c.Version-1, and raises the workspace's
	// ConfigRevision. A stored version other than c.Version-1 (none
	// counting as 0) answers ErrConflict: another transaction created,
	// changed or deleted the record first. A reference to a record the
	// workspace does not hold answers ErrDangling (DanglingError); a
	// record may not name itself. Checks and write hold across concurrent
	// transactions: a record cannot come to name one that a concurrent
	// DeleteConfig deletes.
	PutConfig(ctx context.Context, c Config) error
	// DeleteConfig deletes the configuration record of workspace ws with
	// kind and name whose stored version is version, and raises the
	// workspace's ConfigRevision. ErrNotFound when there is none,
	// ErrConflict when its version differs, and a *ReferencedError
	// (ErrReferenced) when another record names it; then nothing changes.
	DeleteConfig(ctx context.Context, ws ticket.WorkspaceID, kind ConfigKind, name string, version int64) error

	// CreateWorkflowRun stores a new run (Version 1). ErrDuplicate if the
	// workspace has a run with its id.
	CreateWorkflowRun(ctx context.Context, r WorkflowRun) error
	// UpdateWorkflowRun replaces a run whose stored version is
	// r.Version-1: ErrNotFound when there is none, ErrConflict when its
	// version differs; then nothing changes. Its Workspace, ID, Workflow,
	// Conversation and StartedAt are those it was created with.
	UpdateWorkflowRun(ctx context.Context, r WorkflowRun) error
	// WorkflowRun returns a run by id.
	WorkflowRun(ctx context.Context, ws ticket.WorkspaceID, id string) (WorkflowRun, error)
	// WorkflowRuns returns a page of the workspace's runs that f selects,
	// newest first (StartedAt, then ID, descending), and the cursor of
	// the next page, "" after the last. A Limit outside 0…MaxRunPage or a
	// malformed cursor fails with conversation.ErrInvalid.
	WorkflowRuns(ctx context.Context, ws ticket.WorkspaceID, f RunFilter) ([]WorkflowRun, RunCursor, error)
}

// ErasedFailure is the Failure of an outbound message still pending when
// its contact was erased: it is failed, since nothing says where to send
// it any more.
const ErasedFailure = "contact erased"

// ErasedMessage returns m with its personal data erased: the text and the
// texts of its revisions emptied (their count and times stay), every
// attachment's name, MIME type and reference emptied (size, duration and
// Oversize stay), the channel's ExternalID emptied (a channel may build
// it from the contact's id, as Telegram's chat:message does), and, for an
// outbound message still pending, Delivery failed with ErasedFailure and
// no next attempt. Its Version grows by one.
func ErasedMessage(m conversation.Message) conversation.Message {
	m.Text = ""
	m.ExternalID = ""
	if len(m.Attachments) > 0 {
		as := make([]conversation.Attachment, len(m.Attachments))
		for i, a := range m.Attachments {
			as[i] = conversation.Attachment{Size: a.Size, Duration: a.Duration, Oversize: a.Oversize}
		}
		m.Attachments = as
	}
	if len(m.Revisions) > 0 {
		rs := make([]conversation.Revision, len(m.Revisions))
		for i, r := range m.Revisions {
			rs[i] = conversation.Revision{At: r.At}
		}
		m.Revisions = rs
	}
	if m.Delivery == conversation.DeliveryPending {
		m.Delivery, m.Failure, m.NextAttempt = conversation.DeliveryFailed, ErasedFailure, time.Time{}
	}
	m.Version++
	return m
}
