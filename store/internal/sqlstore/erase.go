package sqlstore

import (
	"context"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// eraseStatements are the statements of EraseContact, in the order it
// runs them: the events and rejections are found through the contact's
// identities on channels, so those go last.
type eraseStatements struct {
	contact, events, actors, data, rejections, tickets, messages, conversations, handles string
}

func newEraseStatements(p Placeholders) eraseStatements {
	// A rejection is the contact's when its from_id is one of the
	// contact's external ids on the rejection's channel.
	const ofContact = `EXISTS (SELECT 1 FROM cc_contact_handles h WHERE h.workspace = r.workspace AND h.channel = r.channel
		AND h.external_id = r.from_id AND h.contact_id = ?)`
	s := eraseStatements{
		contact: `UPDATE cc_contacts SET name = '', fields = '', renamed = ?, version = version + 1 WHERE workspace = ? AND id = ?`,
		events: `UPDATE cc_events SET external_id = '' WHERE workspace = ? AND type = 'message.rejected' AND external_id <> ''
			AND EXISTS (SELECT 1 FROM cc_rejections r WHERE r.workspace = cc_events.workspace AND r.channel = cc_events.channel
			AND r.external_id = cc_events.external_id AND r.from_id <> '' AND ` + ofContact + `)`,
		// A contact's message that was rejected has no contact id to name
		// its author by: the event's actor is the contact's external id.
		actors: `UPDATE cc_events SET actor_id = '' WHERE workspace = ? AND actor_kind = 'contact' AND actor_id <> ''
			AND EXISTS (SELECT 1 FROM cc_contact_handles h WHERE h.workspace = cc_events.workspace AND h.external_id = cc_events.actor_id AND h.contact_id = ?)`,
		// The data of a bot's notification, and the details of the bot's
		// events (a hand-off's note quotes the contact), about one of the
		// contact's conversations may be personal (R2).
		data: `UPDATE cc_events SET data = '', detail = '' WHERE workspace = ? AND (data <> '' OR (type LIKE 'bot.%' AND detail <> ''))
			AND conversation_id IN (SELECT c.id FROM cc_conversations c WHERE c.workspace = ? AND c.contact_id = ?)`,
		rejections: `UPDATE cc_rejections SET from_id = '', external_id = 'erased:' || CAST(seq AS TEXT)
			WHERE workspace = ? AND from_id <> '' AND EXISTS (SELECT 1 FROM cc_contact_handles h WHERE h.workspace = cc_rejections.workspace
			AND h.channel = cc_rejections.channel AND h.external_id = cc_rejections.from_id AND h.contact_id = ?)`,
		tickets:       `UPDATE cc_tickets SET subject = '', version = version + 1 WHERE workspace = ? AND contact_id = ?`,
		messages:      `SELECT ` + messageCols + ` FROM cc_messages WHERE workspace = ? AND conversation_id IN (SELECT c.id FROM cc_conversations c WHERE c.workspace = ? AND c.contact_id = ?) ORDER BY seq`,
		conversations: `UPDATE cc_conversations SET contact_external_id = '', note_summary = '', version = version + 1 WHERE workspace = ? AND contact_id = ?`,
		handles:       `DELETE FROM cc_contact_handles WHERE workspace = ? AND contact_id = ?`,
	}
	for _, q := range []*string{&s.contact, &s.events, &s.actors, &s.data, &s.rejections, &s.tickets, &s.messages, &s.conversations, &s.handles} {
		*q = Rebind(p, *q)
	}
	return s
}

// EraseContact implements store.Tx.
func (t *Tx) EraseContact(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID) error {
	t.resetInbound()
	if _, err := t.Contact(ctx, ws, id); err != nil {
		return err
	}
	q := &t.q.erase
	if err := t.exec(ctx, q.contact, nil, false, ws, id); err != nil {
		return err
	}
	if err := t.deleteSearchRows(ctx, ws, id); err != nil {
		return err
	}
	t.eventsChanged = true
	if err := t.exec(ctx, q.events, nil, ws, id); err != nil {
		return err
	}
	if err := t.exec(ctx, q.actors, nil, ws, id); err != nil {
		return err
	}
	if err := t.exec(ctx, q.data, nil, ws, ws, id); err != nil {
		return err
	}
	if err := t.exec(ctx, q.rejections, nil, ws, id); err != nil {
		return err
	}
	if err := t.exec(ctx, q.tickets, nil, ws, id); err != nil {
		return err
	}
	if err := t.query(ctx); err != nil {
		return err
	}
	msgs, err := queryAll(ctx, t.c, scanMessage, q.messages, plain([]any{ws, ws, id})...)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := t.UpdateMessage(ctx, store.ErasedMessage(m)); err != nil {
			return err
		}
	}
	if err := t.exec(ctx, q.conversations, nil, ws, id); err != nil {
		return err
	}
	return t.exec(ctx, q.handles, nil, ws, id)
}
