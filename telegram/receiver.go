package telegram

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// Receiver hands the updates of a bot's private chats to the engine as one
// channel's inbound messages: texts, voice notes, audio, documents and
// photos with their captions, and the contacts' edits, kept as revisions.
// The contact is the chat (its id is the contact's external id), named and
// with the language Telegram reports. Updates of other chats (groups) and
// of other kinds are left to Next, if set, and dropped otherwise.
type Receiver struct {
	Engine    *contactcenter.Engine
	Workspace ticket.WorkspaceID
	Channel   channel.ID
	// Next handles the updates the receiver does not.
	Next Handler
	// Logger receives what is dropped and why. Default: discarded.
	Logger *slog.Logger
}

// MessageID returns the id an inbound message of chat carries: the chat
// and the message id, which Telegram keeps for edits and redeliveries.
func MessageID(chat int64, message int) string {
	return strconv.FormatInt(chat, 10) + ":" + strconv.Itoa(message)
}

// HandleUpdate stores the update. Input the engine refuses for good (an
// oversized text, an unknown kind) is logged and dropped, so that it does
// not hold up the chat; failures that may pass (the store) return an error,
// and Telegram delivers the update again.
func (r Receiver) HandleUpdate(ctx context.Context, u *models.Update) error {
	switch {
	case u.Message != nil && u.Message.Chat.Type == models.ChatTypePrivate:
		in, ok := r.inbound(u.Message)
		if !ok {
			r.drop(ctx, u, "a kind of message the center does not take")
			return nil
		}
		_, err := r.Engine.Receive(ctx, in)
		return r.result(ctx, u, err)
	case u.EditedMessage != nil && u.EditedMessage.Chat.Type == models.ChatTypePrivate:
		m := u.EditedMessage
		text := m.Text
		if text == "" {
			text = m.Caption
		}
		_, err := r.Engine.ReceiveEdit(ctx, contactcenter.ContactEdit{Workspace: r.Workspace, Channel: r.Channel,
			ExternalID: MessageID(m.Chat.ID, m.ID), Text: text})
		if errors.Is(err, conversation.ErrMessageNotFound) {
			r.drop(ctx, u, "an edit of a message the center never stored")
			return nil
		}
		return r.result(ctx, u, err)
	case r.Next != nil:
		return r.Next.HandleUpdate(ctx, u)
	}
	r.drop(ctx, u, "not a private chat's message")
	return nil
}

// result keeps errors that may pass and drops refused input.
func (r Receiver) result(ctx context.Context, u *models.Update, err error) error {
	switch contactcenter.ErrorCode(err) {
	case "":
		return nil
	case contactcenter.CodeUnavailable, contactcenter.CodeCanceled, contactcenter.CodeConflict:
		return err
	}
	r.drop(ctx, u, err.Error())
	return nil
}

func (r Receiver) drop(ctx context.Context, u *models.Update, why string) {
	if r.Logger != nil {
		r.Logger.InfoContext(ctx, "telegram: update dropped", "update", u.ID, "why", why)
	}
}

// inbound turns a private chat's message into the engine's Inbound.
func (r Receiver) inbound(m *models.Message) (contactcenter.Inbound, bool) {
	in := contactcenter.Inbound{
		Workspace:  r.Workspace,
		Channel:    r.Channel,
		ExternalID: MessageID(m.Chat.ID, m.ID),
		From:       contactcenter.Sender{ExternalID: strconv.FormatInt(m.Chat.ID, 10)},
		Text:       m.Text,
	}
	if f := m.From; f != nil {
		in.From.Name = strings.TrimSpace(f.FirstName + " " + f.LastName)
		in.From.Language = f.LanguageCode
	}
	att := func(kind conversation.Kind, a conversation.Attachment) {
		in.Kind, in.Text, in.Attachments = kind, m.Caption, []conversation.Attachment{a}
	}
	switch {
	case m.Text != "":
		in.Kind = conversation.KindText
	case m.Voice != nil:
		att(conversation.KindVoice, conversation.Attachment{Name: "voice.ogg", MIME: m.Voice.MimeType, Size: m.Voice.FileSize,
			Ref: m.Voice.FileID, Duration: time.Duration(m.Voice.Duration) * time.Second})
	case m.Audio != nil:
		att(conversation.KindAudio, conversation.Attachment{Name: orName(m.Audio.FileName, m.Audio.Title), MIME: m.Audio.MimeType,
			Size: m.Audio.FileSize, Ref: m.Audio.FileID, Duration: time.Duration(m.Audio.Duration) * time.Second})
	case m.Document != nil:
		att(conversation.KindFile, conversation.Attachment{Name: m.Document.FileName, MIME: m.Document.MimeType,
			Size: m.Document.FileSize, Ref: m.Document.FileID})
	case len(m.Photo) > 0:
		p := m.Photo[len(m.Photo)-1] // the largest size
		att(conversation.KindImage, conversation.Attachment{Name: "photo.jpg", MIME: "image/jpeg", Size: int64(p.FileSize), Ref: p.FileID})
	default:
		return in, false
	}
	return in, true
}

func orName(name, title string) string {
	if name != "" {
		return name
	}
	return title
}
