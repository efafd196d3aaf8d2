package contactcenter

import (
	"context"
	"errors"
	"fmt"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// ContactLink is a request to make a contact known on another channel,
// for Engine.LinkContact: one person who writes on Telegram and on a
// second channel is then one contact, with one list of tickets (R6.3).
type ContactLink struct {
	Workspace ticket.WorkspaceID
	Contact   ticket.ContactID
	// Channel is a channel of the workspace that the engine knows
	// (PutChannel); ExternalID is the id the channel knows the person by,
	// as Inbound.From.ExternalID carries it.
	Channel    channel.ID
	ExternalID string
	// By is who links: the host, an agent of the workspace, an automation
	// (bot, workflow). A contact may not. Required.
	By conversation.Actor
}

// LinkContact makes a contact known on a channel by an external id, and
// publishes contact.linked (R17), its Detail the channel. The contact's
// next message from that id on that channel joins the contact, not a new
// one. Linking an identity the contact has already stores and publishes
// nothing. Errors: CodeNotFound for an unknown contact, channel or agent;
// CodeInvalid for a missing actor or an empty external id (or one that is
// not UTF-8 text without NUL bytes); CodeForbidden for a contact or an
// agent of another workspace; CodeConflict (conversation.ErrIdentityTaken)
// when another contact has the id on that channel, who may be the same
// person: MergeContacts makes the two one. The contact is then unchanged
// (R19).
func (e *Engine) LinkContact(ctx context.Context, r ContactLink) (ticket.Contact, error) {
	const op = "link contact"
	if _, err := e.channel(r.Workspace, r.Channel); err != nil {
		return ticket.Contact{}, wrap(op, err)
	}
	var out ticket.Contact
	_, err := e.run(ctx, op, r.By, func(tx store.Tx, s *step) error {
		who, err := actorFor(ctx, tx, r.Workspace, r.By)
		if err != nil {
			return err
		}
		c, err := tx.Contact(ctx, r.Workspace, r.Contact)
		if err != nil {
			return notFoundAs(err, ticket.ErrContactNotFound, "contact", r.Contact)
		}
		ch, err := conversation.LinkContact(&c, who, r.Channel, r.ExternalID, e.now())
		if err != nil {
			return err
		}
		owner, err := tx.ContactByExternalID(ctx, r.Workspace, r.Channel, r.ExternalID)
		switch {
		case err == nil && owner.ID == c.ID:
			out = c
			return nil
		case err == nil:
			return fmt.Errorf("%q on channel %q is contact %q's, not %q's; if they are one person, merge them (MergeContacts): %w",
				r.ExternalID, r.Channel, owner.ID, c.ID, conversation.ErrIdentityTaken)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if err := tx.AddContactIdentity(ctx, r.Workspace, c.ID, r.Channel, r.ExternalID); err != nil {
			return err
		}
		out = ch.Contact
		return s.add(ctx, tx, &ch)
	})
	if err != nil {
		return ticket.Contact{}, err
	}
	return out, nil
}
