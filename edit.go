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

// EditMessage changes the text of a message agent sent (R8). The channel
// must allow agents to edit (channel.Settings.AgentsMayEdit) and be able to
// (channel.Capabilities.Edit); only the author may edit, and only a text
// message the channel has. The earlier text is kept as a revision; the edit
// is stored, then pushed to the channel like any outbound message (R18).
// The returned message shows its delivery state after the first attempt.
func (e *Engine) EditMessage(ctx context.Context, ws ticket.WorkspaceID, id conversation.MessageID, agent conversation.AgentID, text string) (conversation.Message, error) {
	const op = "edit message"
	var out conversation.Message
	s, err := e.run(ctx, op, conversation.AsAgent(agent), func(tx store.Tx, s *step) error {
		s.waitSend = true
		m, err := tx.Message(ctx, ws, id)
		if err != nil {
			return notFoundAs(err, conversation.ErrMessageNotFound, "message", id)
		}
		if _, err := loadAgent(ctx, tx, ws, agent); err != nil {
			return err
		}
		b, err := s.channel(ctx, tx, ws, m.Channel)
		if err != nil {
			return err
		}
		switch {
		case !b.cfg.Settings.AgentsMayEdit:
			return fmt.Errorf("channel %q does not let agents edit messages (R8): %w", m.Channel, conversation.ErrForbidden)
		case !b.caps.Edit:
			return fmt.Errorf("channel %q: editing: %w", m.Channel, channel.ErrUnsupported)
		}
		if err := fits(b.caps, m.Kind, text, nil); err != nil {
			return err
		}
		out, err = e.edit(ctx, tx, s, m, conversation.Author{Kind: conversation.AuthorAgent, Agent: agent}, text)
		return err
	})
	if err != nil {
		return conversation.Message{}, err
	}
	if m, ok := s.sent(out.ID); ok {
		out = m
	}
	return out, nil
}

// ContactEdit is a contact's edit of a message they sent, as a channel
// reports it.
type ContactEdit struct {
	Workspace ticket.WorkspaceID
	Channel   channel.ID
	// ExternalID is the channel's id of the edited message, as Inbound gave
	// it when the message arrived.
	ExternalID string
	Text       string
}

// ReceiveEdit records a contact's edit of their message: the earlier text
// is kept as a revision. An edit of a message the engine never stored is
// reported as conversation.ErrMessageNotFound; the same edit twice changes
// nothing the second time.
func (e *Engine) ReceiveEdit(ctx context.Context, in ContactEdit) (conversation.Message, error) {
	const op = "receive edit"
	if _, err := e.channelIn(ctx, nil, in.Workspace, in.Channel); err != nil {
		return conversation.Message{}, wrap(op, err)
	}
	var out conversation.Message
	// The contact acts once known; until then the host's adapter, which
	// delivered the edit.
	_, err := e.run(ctx, op, conversation.Host(), func(tx store.Tx, s *step) error {
		m, err := tx.MessageByExternalID(ctx, in.Workspace, in.Channel, in.ExternalID)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("message %q on channel %q: %w", in.ExternalID, in.Channel, conversation.ErrMessageNotFound)
		} else if err != nil {
			return err
		}
		s.actor = conversation.Host() // each attempt finds the contact anew
		switch c, err := tx.Conversation(ctx, in.Workspace, m.Conversation); {
		case err == nil:
			s.actor = conversation.AsContact(c.Contact)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		out, err = e.edit(ctx, tx, s, m, conversation.Author{Kind: conversation.AuthorContact}, in.Text)
		return err
	})
	return out, err
}

// edit applies an edit of message m by author (R8) and stores it; an edit
// that changes nothing stores nothing. It returns the message as stored.
func (e *Engine) edit(ctx context.Context, tx store.Tx, s *step, m conversation.Message, author conversation.Author, text string) (conversation.Message, error) {
	ch, err := conversation.Edit(&m, author, text, e.now())
	if err != nil {
		return conversation.Message{}, err
	}
	if ch.Empty() {
		return m, nil
	}
	return ch.Message, s.add(ctx, tx, &ch)
}
