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
	if _, err := e.channelIn(ctx, nil, r.Workspace, r.Channel); err != nil {
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

// ContactMerge is a request to make two contacts who turn out to be one
// person one contact, for Engine.MergeContacts.
type ContactMerge struct {
	Workspace ticket.WorkspaceID
	// Into is the contact that remains; From is merged into it and is
	// deleted. They must differ.
	Into, From ticket.ContactID
	// By is who merges: the host, an agent of the workspace, an automation
	// (bot, workflow). A contact may not. Required.
	By conversation.Actor
}

// MergeContacts makes From and Into one contact: every identity, ticket
// and conversation of From becomes Into's, From is deleted, and one
// contact.merged event is published (R17), about Into, its Detail From's
// id. Into keeps its own name, language and fields. Open conversations
// stay open where they are; /tickets then lists the tickets of both
// (R6.3). Errors: CodeNotFound for an unknown contact or agent;
// CodeInvalid for a missing actor or Into equal to From; CodeForbidden
// for a contact or an agent of another workspace; CodeConflict
// (conversation.ErrOpenOnBoth) when both have an open conversation on one
// channel, since a contact has one per channel: close one first. Nothing
// changes then (R19).
func (e *Engine) MergeContacts(ctx context.Context, r ContactMerge) (ticket.Contact, error) {
	var out ticket.Contact
	_, err := e.run(ctx, "merge contacts", r.By, func(tx store.Tx, s *step) error {
		who, err := actorFor(ctx, tx, r.Workspace, r.By)
		if err != nil {
			return err
		}
		into, err := tx.Contact(ctx, r.Workspace, r.Into)
		if err != nil {
			return notFoundAs(err, ticket.ErrContactNotFound, "contact", r.Into)
		}
		from, err := tx.Contact(ctx, r.Workspace, r.From)
		if err != nil {
			return notFoundAs(err, ticket.ErrContactNotFound, "contact", r.From)
		}
		ch, err := conversation.MergeContacts(&into, &from, who, e.now())
		if err != nil {
			return err
		}
		// Only the open conversations of the two contacts collide in a
		// merge: the store refuses it before it changes anything.
		if err := tx.MergeContacts(ctx, r.Workspace, into.ID, from.ID); errors.Is(err, store.ErrDuplicate) {
			return fmt.Errorf("contacts %q and %q: %w", into.ID, from.ID, conversation.ErrOpenOnBoth)
		} else if err != nil {
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
