package contactcenter

import (
	"context"
	"errors"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Rejection is a contact's message that a channel delivered and that
// cannot be stored as a message, for good: Receive refused it with
// CodeInvalid, or the channel adapter cannot read it (a kind the center
// does not take).
type Rejection struct {
	Workspace ticket.WorkspaceID
	Channel   channel.ID
	// ExternalID is the channel's id of the message, as Inbound.ExternalID
	// would have given it. With Workspace and Channel it names the
	// rejection: the same message refused again is recorded once.
	ExternalID string
	// From is the contact's id on the channel, as Sender.ExternalID would
	// have given it, if the adapter knows it; "" otherwise.
	From string
	// Reason says why, for people: the error's text, or what the adapter
	// could not read. It is cut to conversation.MaxRejectionDetail bytes.
	Reason string
}

// Reject puts aside a contact's message that was refused for good, where
// the host sees it (R18): in one transaction it stores the rejection as a
// conversation.RejectedMessage, which Rejections and Rejection return for
// good, and a message.rejected event (conversation.EventMessageRejected,
// with the channel, the channel's id of the message and the reason), which
// it then publishes. A channel adapter can then confirm the message to its
// channel and go on with the next one instead of asking for it again for
// ever. The message's content is not stored. The channel must be
// configured (PutChannel).
//
// Reject is idempotent: a message already put aside (the same workspace,
// channel and ExternalID) is not recorded again, and Reject returns nil
// without a second event; the first record, its reason and its time stay.
// So an adapter that did not learn the outcome (a connection lost while
// the transaction committed) has the message delivered again and rejects
// it again, and the host sees it once.
//
// After an error with CodeUnavailable or CodeCanceled the rejection may
// or may not be recorded: the adapter should have the message delivered
// again and call Reject again, which records it once either way. With
// CodeInvalid or CodeNotFound (no workspace, no id, a channel not
// configured) nothing was recorded, and trying again fails the same way.
func (e *Engine) Reject(ctx context.Context, r Rejection) error {
	const op = "reject"
	if _, err := e.channelIn(ctx, nil, r.Workspace, r.Channel); err != nil {
		return wrap(op, err)
	}
	rec, ev, err := conversation.Reject(conversation.Rejection{Workspace: r.Workspace, Channel: r.Channel,
		ExternalID: r.ExternalID, From: r.From, Reason: r.Reason}, e.now())
	if err != nil {
		return wrap(op, err)
	}
	var repeat bool
	// The contact acts when the channel's id is known as one; else the
	// host's adapter, which reports the message.
	_, err = e.run(ctx, op, conversation.Host(), func(tx store.Tx, s *step) error {
		s.actor = conversation.Host() // each attempt finds the contact anew
		if r.From != "" {
			switch k, err := tx.ContactByExternalID(ctx, r.Workspace, r.Channel, r.From); {
			case err == nil:
				s.actor = conversation.AsContact(k.ID)
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		// The record is read first: a store may report the duplicate key
		// only at commit (the SQL stores send their writes with it), and a
		// transaction that met one cannot go on. A rejection of the same
		// message committing meanwhile fails this one with ErrDuplicate,
		// and the engine's retry finds it here.
		_, err := tx.Rejection(ctx, rec.Workspace, rec.Channel, rec.ExternalID)
		repeat = err == nil
		switch {
		case repeat:
			return nil
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if err := tx.CreateRejection(ctx, rec); err != nil {
			return err
		}
		return s.emit(ctx, tx, &ev)
	})
	if err != nil {
		return err
	}
	if repeat {
		e.log.DebugContext(ctx, "a contact's message was rejected before", "workspace", r.Workspace, "channel", r.Channel,
			"external_id", rec.ExternalID)
		return nil
	}
	e.log.WarnContext(ctx, "a contact's message was rejected", "workspace", r.Workspace, "channel", r.Channel,
		"external_id", rec.ExternalID, "from", rec.From, "reason", rec.Reason)
	return nil
}

// Rejections returns the contacts' messages of a workspace that Reject put
// aside, newest first (in the reverse of the order they were recorded), at
// most limit of them; limit <= 0 means all. It is for a host's view of
// what the center could not take.
func (e *Engine) Rejections(ctx context.Context, ws ticket.WorkspaceID, limit int) ([]conversation.RejectedMessage, error) {
	var rs []conversation.RejectedMessage
	err := e.view(ctx, "rejections", func(tx store.Tx) (err error) {
		rs, err = tx.Rejections(ctx, ws, limit)
		return err
	})
	return rs, err
}

// Rejection returns the contact's message that channel ch delivered with
// externalID and that Reject put aside. The id is cleaned as Reject cleans
// it, so the id the adapter had finds the record. A message not put aside
// fails with CodeNotFound (conversation.ErrRejectionNotFound).
func (e *Engine) Rejection(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, externalID string) (conversation.RejectedMessage, error) {
	var r conversation.RejectedMessage
	ext, _ := conversation.CleanString(externalID)
	err := e.view(ctx, "rejection", func(tx store.Tx) (err error) {
		r, err = tx.Rejection(ctx, ws, ch, ext)
		return notFoundAs(err, conversation.ErrRejectionNotFound, "rejected message", ext)
	})
	return r, err
}
