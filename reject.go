package contactcenter

import (
	"context"

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
	// would have given it.
	ExternalID string
	// Reason says why, for people: the error's text, or what the adapter
	// could not read. It is cut to conversation.MaxRejectionDetail bytes.
	Reason string
}

// Reject puts aside a contact's message that was refused for good, where
// the host sees it: it stores a message.rejected event (conversation.
// EventMessageRejected, with the channel, the channel's id of the message
// and the reason) in a transaction of its own and publishes it, so that a
// channel adapter can confirm the message to its channel and go on with
// the next one instead of asking for it again for ever (R18). The message's
// content is not stored. The channel must be configured (AddChannel);
// recording the same rejection twice stores two events.
//
// An error means nothing was recorded; with CodeUnavailable or
// CodeCanceled the adapter should have the message delivered again.
func (e *Engine) Reject(ctx context.Context, r Rejection) error {
	const op = "reject"
	if _, err := e.channel(r.Workspace, r.Channel); err != nil {
		return wrap(op, err)
	}
	ev, err := conversation.Reject(conversation.Rejection{Workspace: r.Workspace, Channel: r.Channel,
		ExternalID: r.ExternalID, Reason: r.Reason}, e.now())
	if err != nil {
		return wrap(op, err)
	}
	if err := e.update(ctx, op, func(tx store.Tx) error { return tx.AppendEvent(ctx, ev) }); err != nil {
		return err
	}
	e.log.WarnContext(ctx, "a contact's message was rejected", "workspace", r.Workspace, "channel", r.Channel,
		"external_id", ev.ExternalID, "reason", ev.Detail)
	return nil
}
