package memory

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Conversations are the store's most numerous live rows: a contact center
// keeps one open per waiting or served contact. They are kept compact: rows live in an arena, indexes map to
// arena positions, and the few distinct values that repeat across rows —
// workspaces, channels, agents, teams, close reasons — are interned.

// names interns strings as small numbers. Id 0 is the empty string.
// Entries are never removed: the strings interned are names of
// workspaces, channels, agents and the like, few and long-lived.
type names struct {
	ids  map[string]uint32
	strs []string
}

func newNames() *names {
	return &names{ids: map[string]uint32{"": 0}, strs: []string{""}}
}

// find returns the id of s, if s has one.
func (n *names) find(s string) (uint32, bool) {
	id, ok := n.ids[s]
	return id, ok
}

// id returns the id of s, giving it one if it has none. prev is a guess,
// usually the id the same field had before, checked first.
func (n *names) id(s string, prev uint32) uint32 {
	if n.strs[prev] == s {
		return prev
	}
	id, ok := n.ids[s]
	if !ok {
		id = uint32(len(n.strs))
		n.strs = append(n.strs, s)
		n.ids[s] = id
	}
	return id
}

func (n *names) str(id uint32) string { return n.strs[id] }

// wsKey is an id within a workspace.
type wsKey struct {
	id string
	ws uint32
}

// contactKey is a contact on a channel.
type contactKey struct {
	contact string
	ws, ch  uint32
}

func (s *Store) hashWS(k wsKey) uint64 {
	return maphash.String(s.seed, k.id) ^ uint64(k.ws)*0x9e3779b97f4a7c15
}

func (s *Store) hashContact(k contactKey) uint64 {
	return maphash.String(s.seed, k.contact) ^ (uint64(k.ws)<<32|uint64(k.ch))*0x9e3779b97f4a7c15
}

func (s *Store) convKey(pos int32) wsKey {
	r := s.convs.at(pos)
	return wsKey{string(r.id), r.ws}
}

func (s *Store) contactKey(pos int32) contactKey {
	r := s.convs.at(pos)
	return contactKey{string(r.contact), r.ws, r.ch}
}

func (s *Store) ticketKey(pos int32) wsKey {
	r := s.convs.at(pos)
	return wsKey{string(r.ticket), r.ws}
}

// noTime encodes the zero time.Time.
const noTime = math.MinInt64

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == noTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// convRow is a stored conversation.
type convRow struct {
	id      conversation.ID
	ticket  ticket.ID
	contact ticket.ContactID
	ext     string
	note    *conversation.ClosingNote // nil when empty
	number  ticket.Number
	version int64

	waitingSince, openedAt, lastActivity, closedAt, outOfHours int64

	ws, ch, assignee, team, closedBy, reason, bot uint32

	state     conversation.State
	priority  ticket.Priority
	abandoned bool
}

// encode returns c as a row; old is the row c replaces, if any.
func (s *Store) encode(c *conversation.Conversation, old *convRow) convRow {
	var o convRow
	if old != nil {
		o = *old
	}

	n := s.names
	r := convRow{
		id:           c.ID,
		ticket:       c.Ticket,
		contact:      c.Contact,
		ext:          c.ContactExternalID,
		number:       c.TicketNumber,
		version:      c.Version,
		waitingSince: unixNano(c.WaitingSince),
		openedAt:     unixNano(c.OpenedAt),
		lastActivity: unixNano(c.LastActivity),
		closedAt:     unixNano(c.ClosedAt),
		outOfHours:   unixNano(c.OutOfHoursUntil),
		ws:           n.id(string(c.Workspace), o.ws),
		ch:           n.id(string(c.Channel), o.ch),
		assignee:     n.id(string(c.Assignee), o.assignee),
		team:         n.id(string(c.Team), o.team),
		closedBy:     n.id(string(c.ClosedBy), o.closedBy),
		reason:       n.id(string(c.CloseReason), o.reason),
		bot:          n.id(c.Bot, o.bot),
		state:        c.State,
		priority:     c.Priority,
		abandoned:    c.Abandoned,
	}
	switch {
	case c.ClosingNote == (conversation.ClosingNote{}):
	case o.note != nil && *o.note == c.ClosingNote:
		r.note = o.note
	default:
		note := c.ClosingNote
		r.note = &note
	}
	return r
}

func (s *Store) decode(r *convRow) conversation.Conversation {
	n := s.names
	c := conversation.Conversation{
		ID:                r.id,
		Workspace:         ticket.WorkspaceID(n.str(r.ws)),
		Ticket:            r.ticket,
		TicketNumber:      r.number,
		Channel:           channel.ID(n.str(r.ch)),
		Contact:           r.contact,
		ContactExternalID: r.ext,
		State:             r.state,
		Priority:          r.priority,
		Assignee:          conversation.AgentID(n.str(r.assignee)),
		Team:              conversation.TeamID(n.str(r.team)),
		WaitingSince:      fromUnixNano(r.waitingSince),
		Abandoned:         r.abandoned,
		OpenedAt:          fromUnixNano(r.openedAt),
		LastActivity:      fromUnixNano(r.lastActivity),
		ClosedAt:          fromUnixNano(r.closedAt),
		OutOfHoursUntil:   fromUnixNano(r.outOfHours),
		CloseReason:       conversation.CloseReason(n.str(r.reason)),
		ClosedBy:          conversation.AgentID(n.str(r.closedBy)),
		Bot:               n.str(r.bot),
		Version:           r.version,
	}
	if r.note != nil {
		c.ClosingNote = *r.note
	}
	return c
}

func (r *convRow) open() bool { return r.state == conversation.Open }

// waiting reports whether r is in the queue, as
// conversation.Conversation.Waiting: open, unassigned and held by no bot
// (R2).
func (r *convRow) waiting() bool {
	return r.state == conversation.Open && r.assignee == 0 && r.bot == 0
}

// convPos returns the position of conversation id of workspace ws.
func (s *Store) convPos(ws ticket.WorkspaceID, id conversation.ID) (int32, bool) {
	w, ok := s.names.find(string(ws))
	if !ok {
		return 0, false
	}
	return s.convIdx.get(wsKey{string(id), w})
}

// convPos returns the position of conversation id of workspace ws,
// remembering it for the transaction's next lookup.
func (t *tx) convPos(ws ticket.WorkspaceID, id conversation.ID) (int32, bool) {
	if l := &t.last; l.ok && l.id == id && l.ws == ws {
		return l.pos, true
	}
	w, ok := t.wsID(ws)
	if !ok {
		return 0, false
	}
	pos, ok := t.s.convIdx.get(wsKey{string(id), w})
	if ok {
		t.last = lastConv{ws, id, pos, true}
	}
	return pos, ok
}

func (t *tx) Conversation(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) (conversation.Conversation, error) {
	if err := t.check(ctx, false); err != nil {
		return conversation.Conversation{}, err
	}
	pos, ok := t.convPos(ws, id)
	if !ok {
		return conversation.Conversation{}, errNotFound
	}
	return t.s.decode(t.s.convs.at(pos)), nil
}

func (t *tx) convByContact(ctx context.Context, idx *index[contactKey], ws ticket.WorkspaceID, ch channel.ID, contact ticket.ContactID) (conversation.Conversation, error) {
	if err := t.check(ctx, false); err != nil {
		return conversation.Conversation{}, err
	}
	w, ok1 := t.s.names.find(string(ws))
	c, ok2 := t.s.names.find(string(ch))
	if !ok1 || !ok2 {
		return conversation.Conversation{}, errNotFound
	}
	pos, ok := idx.get(contactKey{string(contact), w, c})
	if !ok {
		return conversation.Conversation{}, errNotFound
	}
	return t.s.decode(t.s.convs.at(pos)), nil
}

func (t *tx) OpenConversation(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, contact ticket.ContactID) (conversation.Conversation, error) {
	return t.convByContact(ctx, t.s.openConv, ws, ch, contact)
}

func (t *tx) LatestConversation(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, contact ticket.ContactID) (conversation.Conversation, error) {
	return t.convByContact(ctx, t.s.latestConv, ws, ch, contact)
}

func (t *tx) TicketConversation(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID) (conversation.Conversation, error) {
	if err := t.check(ctx, false); err != nil {
		return conversation.Conversation{}, err
	}
	w, ok := t.s.names.find(string(ws))
	if !ok {
		return conversation.Conversation{}, errNotFound
	}
	pos, ok := t.s.ticketOpen.get(wsKey{string(id), w})
	if !ok {
		return conversation.Conversation{}, errNotFound
	}
	return t.s.decode(t.s.convs.at(pos)), nil
}

func (t *tx) Queue(ctx context.Context, ws ticket.WorkspaceID, limit int) ([]conversation.Conversation, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	w, ok := t.wsID(ws)
	if !ok {
		return nil, nil
	}
	// The queue index is in R11's order: only the head is read and decoded.
	q := t.s.queues.byKey[w]
	if q == nil {
		return nil, nil
	}
	n := q.n
	if limit > 0 {
		n = min(n, limit)
	}
	out := make([]conversation.Conversation, 0, n)
	for _, b := range q.blocks {
		for _, e := range b[:min(len(b), n-len(out))] {
			out = append(out, t.s.decode(t.s.convs.at(e.pos)))
		}
		if len(out) == n {
			break
		}
	}
	return out, nil
}

// QueuePage implements store.QueuePager: the heads of the groups' queues,
// merged after the page's position.
func (t *tx) QueuePage(ctx context.Context, ws ticket.WorkspaceID, p store.QueuePage) ([]conversation.Conversation, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	p, err := p.Normalize()
	if err != nil {
		return nil, err
	}
	w, ok := t.wsID(ws)
	if !ok {
		return nil, nil
	}
	keys := make([]groupKey, 0, len(p.Groups))
	for _, g := range p.Groups {
		ch, ok1 := t.s.names.find(string(g.Channel))
		team, ok2 := t.s.names.find(string(g.Team))
		if ok1 && ok2 {
			keys = append(keys, groupKey{ws: w, ch: ch, team: team, abandoned: g.Abandoned})
		}
	}
	after := position{waitingSince: unixNano(p.After.WaitingSince), id: string(p.After.ID), priority: p.After.Priority}
	pos := t.s.groups.merge(keys, after, p.Limit)
	out := make([]conversation.Conversation, len(pos))
	for i, at := range pos {
		out[i] = t.s.decode(t.s.convs.at(at))
	}
	return out, nil
}

func (t *tx) CreateConversation(ctx context.Context, c conversation.Conversation) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if err := checkNew("conversation", string(c.ID), c.Version); err != nil {
		return err
	}
	if _, ok := t.s.convPos(c.Workspace, c.ID); ok {
		return duplicate("conversation", c.ID)
	}
	r := t.s.encode(&c, nil)
	if err := t.checkOpenUnique(nil, &r); err != nil {
		return err
	}
	pos := t.s.convs.add(r)
	t.last = lastConv{c.Workspace, c.ID, pos, true}
	t.s.convIdx.put(pos)
	t.s.latestConv.put(pos)
	t.index(pos, nil, &r)
	return nil
}

func (t *tx) UpdateConversation(ctx context.Context, c conversation.Conversation) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	pos, ok := t.convPos(c.Workspace, c.ID)
	if !ok {
		return errNotFound
	}
	old := *t.s.convs.at(pos)
	if old.version != c.Version-1 {
		return conflict("conversation", c.ID, old.version, c.Version)
	}
	if string(c.Channel) != t.s.names.str(old.ch) || old.contact != c.Contact || old.ticket != c.Ticket {
		return fmt.Errorf("memory store: conversation %v: channel, contact and ticket cannot change", c.ID)
	}
	r := t.s.encode(&c, &old)
	if err := t.checkOpenUnique(&old, &r); err != nil {
		return err
	}
	t.s.convs.set(pos, r)
	t.index(pos, &old, &r)
	return nil
}

// checkOpenUnique checks that r, if open, is the only open conversation of
// its contact on its channel and of its ticket.
func (t *tx) checkOpenUnique(old, r *convRow) error {
	if !r.open() || (old != nil && old.open()) {
		return nil
	}
	if pos, ok := t.s.openConv.get(contactKey{string(r.contact), r.ws, r.ch}); ok && t.s.convs.at(pos).id != r.id {
		return duplicate("open conversation of contact", r.contact)
	}
	if pos, ok := t.s.ticketOpen.get(wsKey{string(r.ticket), r.ws}); ok && t.s.convs.at(pos).id != r.id {
		return duplicate("open conversation of ticket", r.ticket)
	}
	return nil
}

// index moves the entries of the conversation at pos from old (nil for a
// new conversation) to r in the indexes of open conversations, assignees
// and the queue.
func (t *tx) index(pos int32, old, r *convRow) {
	wasOpen := old != nil && old.open()
	isOpen := r.open()
	if wasOpen != isOpen {
		if isOpen {
			t.s.openConv.put(pos)
			t.s.ticketOpen.put(pos)
		} else {
			t.s.openConv.del(pos)
			t.s.ticketOpen.del(pos)
		}
	}
	var was, is uint32
	if wasOpen {
		was = old.assignee
	}
	if isOpen {
		is = r.assignee
	}
	if was != is {
		if was != 0 {
			ak := wsKey{t.s.names.str(was), r.ws}
			ps, _ := t.s.assigned.get(ak)
			t.s.assigned.set(ak, slices.DeleteFunc(slices.Clone(ps), func(p int32) bool { return p == pos }))
		}
		if is != 0 {
			ak := wsKey{t.s.names.str(is), r.ws}
			ps, _ := t.s.assigned.get(ak)
			t.s.assigned.set(ak, append(ps[:len(ps):len(ps)], pos))
		}
	}
	wasWaiting, isWaiting := old != nil && old.waiting(), r.waiting()
	moved := wasWaiting && isWaiting && (old.priority != r.priority || old.waitingSince != r.waitingSince)
	regrouped := moved || wasWaiting && isWaiting && groupOf(old) != groupOf(r)
	if wasWaiting && (!isWaiting || moved) {
		t.s.queues.remove(r.ws, entryOf(pos, old))
	}
	if wasWaiting && (!isWaiting || regrouped) {
		t.s.groups.remove(groupOf(old), entryOf(pos, old))
	}
	if isWaiting && (!wasWaiting || moved) {
		t.s.queues.add(r.ws, entryOf(pos, r))
	}
	if isWaiting && (!wasWaiting || regrouped) {
		t.s.groups.add(groupOf(r), entryOf(pos, r))
	}
}

func (t *tx) Workload(ctx context.Context, ws ticket.WorkspaceID) (map[conversation.AgentID]int, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	out := make(map[conversation.AgentID]int)
	w, ok := t.s.names.find(string(ws))
	if !ok {
		return out, nil
	}
	for k, ps := range t.s.assigned.m {
		if k.ws != w || len(ps) == 0 {
			continue
		}
		// Only agents count: conversations assigned to an id with no agent
		// (the host's Assign to an agent since deleted) are no one's load.
		if _, ok := t.s.agents.get(key[conversation.AgentID]{ws, conversation.AgentID(k.id)}); ok {
			out[conversation.AgentID(k.id)] = len(ps)
		}
	}
	return out, nil
}

func (t *tx) AssignedTo(ctx context.Context, ws ticket.WorkspaceID, agent conversation.AgentID) ([]conversation.Conversation, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var ps []int32
	if w, ok := t.s.names.find(string(ws)); ok {
		ps, _ = t.s.assigned.get(wsKey{string(agent), w})
	}
	out := make([]conversation.Conversation, 0, len(ps))
	for _, pos := range ps {
		out = append(out, t.s.decode(t.s.convs.at(pos)))
	}
	return out, nil
}
