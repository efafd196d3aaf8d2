package sqlstore

import (
	"context"
	"fmt"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

type mergeStatements struct {
	handles, tickets, conversations, contact string
}

func newMergeStatements(p Placeholders) mergeStatements {
	s := mergeStatements{
		handles:       `UPDATE cc_contact_handles SET contact_id = ? WHERE workspace = ? AND contact_id = ?`,
		tickets:       `UPDATE cc_tickets SET contact_id = ?, version = version + 1 WHERE workspace = ? AND contact_id = ?`,
		conversations: `UPDATE cc_conversations SET contact_id = ?, version = version + 1 WHERE workspace = ? AND contact_id = ?`,
		contact:       `DELETE FROM cc_contacts WHERE workspace = ? AND id = ?`,
	}
	for _, q := range []*string{&s.handles, &s.tickets, &s.conversations, &s.contact} {
		*q = Rebind(p, *q)
	}
	return s
}

// MergeContacts implements store.Tx. The unique index of open
// conversations per contact and channel answers ErrDuplicate when both
// contacts have one on a channel.
func (t *Tx) MergeContacts(ctx context.Context, ws ticket.WorkspaceID, into, from ticket.ContactID) error {
	t.resetInbound()
	if into == from {
		return errSameContact(into)
	}
	for _, id := range []ticket.ContactID{into, from} {
		if _, err := t.Contact(ctx, ws, id); err != nil {
			return err
		}
	}
	q := &t.q.merge
	for _, sql := range []string{q.handles, q.tickets, q.conversations} {
		if err := t.exec(ctx, sql, nil, into, ws, from); err != nil {
			return err
		}
	}
	if err := t.deleteSearchRows(ctx, ws, from); err != nil {
		return err
	}
	return t.exec(ctx, q.contact, nil, ws, from)
}

func errSameContact(id ticket.ContactID) error {
	return fmt.Errorf("contact %v: %w", id, store.ErrSameContact)
}
