package memory

import (
	"context"
	"slices"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// listKey is a conversation's place in the order of store.Tx.Conversations.
type listKey struct {
	opened int64
	id     conversation.ID
	pos    int32
}

func (a listKey) less(b listKey) bool {
	if a.opened != b.opened {
		return a.opened < b.opened
	}
	return a.id < b.id
}

// Conversations implements store.Tx. It scans the rows of every workspace,
// comparing interned ids, and keeps the page's best rows as it goes: time
// linear in the rows, memory in the page.
func (t *tx) Conversations(ctx context.Context, ws ticket.WorkspaceID, f store.ConversationFilter) ([]conversation.Conversation, store.ConversationCursor, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, "", err
	}
	f, err := f.Normalize()
	if err != nil {
		return nil, "", err
	}
	w, ok := t.wsID(ws)
	if !ok {
		return nil, "", nil
	}
	n := t.s.names
	want := func(s string) (uint32, bool) {
		if s == "" {
			return 0, true
		}
		return n.find(s)
	}
	assignee, ok1 := want(string(f.Assignee))
	team, ok2 := want(string(f.Team))
	ch, ok3 := want(string(f.Channel))
	if !ok1 || !ok2 || !ok3 {
		return nil, "", nil
	}
	var after listKey
	at, id, hasAfter, _ := f.After.Position()
	if hasAfter {
		after = listKey{opened: unixNano(at), id: id}
	}
	before, since := unixNano(f.WaitingBefore), unixNano(f.WaitingAfter)
	page := make([]listKey, 0, f.Limit+1)
	rows := t.s.convs
	for pos := int32(0); int(pos) < rows.n; pos++ {
		r := rows.at(pos)
		switch {
		case r.ws != w || r.id == "",
			f.State != 0 && r.state != f.State,
			f.Assignee != "" && r.assignee != assignee,
			f.Team != "" && r.team != team,
			f.Channel != "" && r.ch != ch,
			!f.WaitingBefore.IsZero() && (r.waitingSince == noTime || r.waitingSince >= before),
			!f.WaitingAfter.IsZero() && (r.waitingSince == noTime || r.waitingSince < since):
			continue
		}
		k := listKey{opened: r.openedAt, id: r.id, pos: pos}
		if hasAfter && !after.less(k) {
			continue
		}
		if len(page) == cap(page) && !k.less(page[len(page)-1]) {
			continue
		}
		if f.Tag != "" {
			tk, ok := t.s.tickets.get(key[ticket.ID]{ws, r.ticket})
			if !ok || !tk.HasTag(f.Tag) {
				continue
			}
		}
		i, _ := slices.BinarySearchFunc(page, k, func(a, b listKey) int {
			if a.less(b) {
				return -1
			}
			return 1
		})
		if len(page) == cap(page) {
			page = page[:len(page)-1]
		}
		page = slices.Insert(page, i, k)
	}
	out, next := t.conversationPage(page, f.Limit)
	return out, next, nil
}

// conversationPage decodes page, the rows of a page in the list's order,
// and returns the cursor of the next page: the page holds one row more
// than limit when another page follows.
func (t *tx) conversationPage(page []listKey, limit int) ([]conversation.Conversation, store.ConversationCursor) {
	more := len(page) > limit
	if more {
		page = page[:limit]
	}
	out := make([]conversation.Conversation, len(page))
	for i, k := range page {
		out[i] = t.s.decode(t.s.convs.at(k.pos))
	}
	var next store.ConversationCursor
	if more {
		next = store.ConversationPosition(out[len(out)-1])
	}
	return out, next
}
