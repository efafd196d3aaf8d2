package contactcenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// ContactErasure is a request to erase a contact's personal data, for
// Engine.EraseContact.
type ContactErasure struct {
	Workspace ticket.WorkspaceID
	Contact   ticket.ContactID
	// By is who erases: the host (acting on the person's request) or the
	// system (a host's retention job). An agent, a contact and an
	// automation may not: erasure cannot be undone. Required.
	By conversation.Actor
}

// EraseContact erases a contact's personal data from the store (R21), on
// the request of the person (the right to erasure every European customer
// has), and publishes contact.erased (R17), which carries none of it. In
// one transaction the store empties the contact's name and custom fields,
// deletes what contact search finds it by (SearchContacts) and its ids on
// the channels, empties its tickets' subjects, its
// conversations' external ids and closing notes' summaries, the texts,
// edit revisions' texts, channel ids and attachments' names, MIME types
// and references of every message of its conversations, and its rejected
// messages' ids (store.Tx.EraseContact says it all); the engine empties
// the chatbot's session in each of its conversations, the bot's state and
// a pending turn with it (R2). Ids, ticket numbers, states, counts and
// times stay, so that the history keeps its shape.
//
// The same person writing again is a new contact: the engine no longer
// knows their id on the channel. An outbound message still pending to the
// contact is failed with store.ErasedFailure, without a message.failed
// event, since nothing says where to send it; a later message to one of
// its conversations that stay open is failed the same way when its turn
// to be sent comes, with message.failed.
//
// Erasing an erased contact erases nothing more and publishes
// contact.erased again: each request is recorded. Errors: CodeNotFound
// for an unknown contact, CodeInvalid for a missing actor, CodeForbidden
// for an actor other than the host or the system; nothing is then erased
// (R19).
func (e *Engine) EraseContact(ctx context.Context, r ContactErasure) error {
	_, err := e.run(ctx, "erase contact", r.By, func(tx store.Tx, s *step) error {
		if err := r.By.Validate(); err != nil {
			return err
		}
		if r.By.Kind != conversation.ActorHost && r.By.Kind != conversation.ActorSystem {
			return fmt.Errorf("%s %q may not erase contacts: %w", r.By.Kind, r.By.ID, conversation.ErrForbidden)
		}
		if _, err := tx.Contact(ctx, r.Workspace, r.Contact); err != nil {
			return notFoundAs(err, ticket.ErrContactNotFound, "contact", r.Contact)
		}
		if err := eraseBotSessions(ctx, tx, r.Workspace, r.Contact); err != nil {
			return err
		}
		if err := tx.EraseContact(ctx, r.Workspace, r.Contact); err != nil {
			return notFoundAs(err, ticket.ErrContactNotFound, "contact", r.Contact)
		}
		ev := conversation.Event{Type: conversation.EventContactErased, Workspace: r.Workspace, At: e.now(), Contact: r.Contact}
		return s.emit(ctx, tx, &ev)
	})
	return err
}

// eraseBotSessions empties in tx the bot sessions of contact's
// conversations (R2, R21): the bot's state may hold what the contact said.
func eraseBotSessions(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, contact ticket.ContactID) error {
	var tp store.TicketPage
	for {
		tickets, next, err := tx.ContactTickets(ctx, ws, contact, store.TicketPage{After: tp.After, Limit: store.MaxHistoryPage})
		if err != nil {
			return err
		}
		for _, t := range tickets {
			var cp store.ConversationPage
			for {
				cs, cnext, err := tx.TicketConversations(ctx, ws, t.ID, store.ConversationPage{After: cp.After, Limit: store.MaxHistoryPage})
				if err != nil {
					return err
				}
				for _, c := range cs {
					if err := eraseBotSession(ctx, tx, &c); err != nil {
						return err
					}
				}
				if cnext == "" {
					break
				}
				cp.After = cnext
			}
		}
		if next == "" {
			return nil
		}
		tp.After = next
	}
}

// eraseBotSession empties conversation c's bot session, if it has one:
// the bot's state and a pending turn go; the count of turns and the
// position of the last message seen stay (no personal data), so that turn
// ids are never given twice.
func eraseBotSession(ctx context.Context, tx store.Tx, c *conversation.Conversation) error {
	t, err := tx.Timer(ctx, timerBotSession, c.Workspace, string(c.ID))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	var sess botSession
	if json.Unmarshal(t.Payload, &sess) != nil {
		return tx.DeleteTimer(ctx, timerBotSession, c.Workspace, string(c.ID))
	}
	seen := sess.Seen
	if sess.Pending != nil && sess.Pending.Through != "" {
		seen = sess.Pending.Through
	}
	kept := botSession{Bot: sess.Bot, Turns: sess.Turns, Seen: seen}
	return saveSession(ctx, tx, c, &kept)
}
