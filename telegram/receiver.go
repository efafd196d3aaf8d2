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
// channel's inbound messages: texts, voice notes, audio, documents, videos
// and photos with their captions, and the contacts' edits, kept as
// revisions. The contact is the chat (its id is the contact's external id),
// named and with the language Telegram reports. Updates of other chats
// (groups) and of other kinds are left to Next, if set, and dropped
// otherwise.
//
// A private message the center cannot take for good (a sticker, a
// location, content the engine refuses with CodeInvalid) is put aside with
// Engine.Reject, under its MessageID and with the chat as the contact: it
// is recorded once however often Telegram delivers it, where the host
// lists it (Engine.Rejections), the host receives one message.rejected
// event naming it, and the update is confirmed so that the chat's next
// messages are not held up (R18). An edit refused for good is put aside
// the same way under its EditID. Files larger than the library sends (up to 2 GB on Telegram) are
// stored with their metadata and caption, marked
// conversation.Attachment.Oversize; the library never downloads them, and
// the Bot API's getFile serves files of up to 20 MB only.
type Receiver struct {
	// Engine stores what the updates bring.
	Engine *contactcenter.Engine
	// Workspace and Channel are the channel the bot serves: its messages
	// are received there.
	Workspace ticket.WorkspaceID
	Channel   channel.ID
	// Next handles the updates the receiver does not.
	Next Handler
	// Logger receives what is dropped or rejected and why. Default:
	// discarded.
	Logger *slog.Logger
}

// MessageID returns the id an inbound message of chat carries: the chat
// and the message id, which Telegram keeps for edits and redeliveries.
func MessageID(chat int64, message int) string {
	return strconv.FormatInt(chat, 10) + ":" + strconv.Itoa(message)
}

// EditID returns the id under which Receiver puts aside an edit of a
// message of chat that the engine refuses for good: the message's
// MessageID and the edit's date (Unix seconds), "42:7@1767600000". Each
// refused edit of a message is recorded, and a redelivered one once; two
// edits of one message within a second are taken for one.
func EditID(chat int64, message, editDate int) string {
	return MessageID(chat, message) + "@" + strconv.Itoa(editDate)
}

// HandleUpdate stores the update. A private message or edit the engine
// refuses for good is recorded with Engine.Reject and the update counts as
// handled; failures that may pass (the store, the context, a channel not
// configured yet), including a rejection whose recording may have failed,
// return an error, and Telegram delivers the update again.
func (r Receiver) HandleUpdate(ctx context.Context, u *models.Update) error {
	switch {
	case u.Message != nil && u.Message.Chat.Type == models.ChatTypePrivate:
		m := u.Message
		in, ok := r.inbound(m)
		if !ok {
			return r.reject(ctx, u, in.ExternalID, in.From.ExternalID, "a kind of message the center does not take: "+kindOf(m))
		}
		_, err := r.Engine.Receive(ctx, in)
		return r.result(ctx, u, in.ExternalID, in.From.ExternalID, "", err)
	case u.EditedMessage != nil && u.EditedMessage.Chat.Type == models.ChatTypePrivate:
		m := u.EditedMessage
		text := m.Text
		if text == "" {
			text = m.Caption
		}
		ext := MessageID(m.Chat.ID, m.ID)
		_, err := r.Engine.ReceiveEdit(ctx, contactcenter.ContactEdit{Workspace: r.Workspace, Channel: r.Channel,
			ExternalID: ext, Text: text})
		if errors.Is(err, conversation.ErrMessageNotFound) {
			r.drop(ctx, u, "an edit of a message the center never stored")
			return nil
		}
		return r.result(ctx, u, EditID(m.Chat.ID, m.ID, m.EditDate), strconv.FormatInt(m.Chat.ID, 10), "an edit: ", err)
	case r.Next != nil:
		return r.Next.HandleUpdate(ctx, u)
	}
	r.drop(ctx, u, "not a private chat's message")
	return nil
}

// result keeps errors that may pass and puts aside input refused for good.
func (r Receiver) result(ctx context.Context, u *models.Update, ext, from, what string, err error) error {
	switch contactcenter.ErrorCode(err) {
	case "":
		return nil
	case contactcenter.CodeInvalid, contactcenter.CodeForbidden:
		return r.reject(ctx, u, ext, from, what+err.Error())
	}
	return err
}

// reject records the message ext of chat from as refused for good; a
// redelivered update finds it recorded. If it cannot be recorded for a
// reason that may pass, the update comes again.
func (r Receiver) reject(ctx context.Context, u *models.Update, ext, from, why string) error {
	err := r.Engine.Reject(ctx, contactcenter.Rejection{Workspace: r.Workspace, Channel: r.Channel, ExternalID: ext, From: from, Reason: why})
	switch contactcenter.ErrorCode(err) {
	case "":
		if r.Logger != nil {
			r.Logger.WarnContext(ctx, "telegram: update rejected", "update", u.ID, "message", ext, "why", why)
		}
		return nil
	case contactcenter.CodeInvalid:
		// Not even the rejection can be recorded (the receiver names no
		// workspace): holding the update would stop the chat for good.
		if r.Logger != nil {
			r.Logger.ErrorContext(ctx, "telegram: update dropped: its rejection cannot be recorded", "update", u.ID,
				"message", ext, "why", why, "err", err)
		}
		return nil
	}
	return err
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
	seconds := func(n int) time.Duration { return time.Duration(n) * time.Second }
	switch {
	case m.Text != "":
		in.Kind = conversation.KindText
	case m.Voice != nil:
		att(conversation.KindVoice, conversation.Attachment{Name: "voice.ogg", MIME: m.Voice.MimeType, Size: m.Voice.FileSize,
			Ref: m.Voice.FileID, Duration: seconds(m.Voice.Duration)})
	case m.Audio != nil:
		att(conversation.KindAudio, conversation.Attachment{Name: orName(m.Audio.FileName, m.Audio.Title), MIME: m.Audio.MimeType,
			Size: m.Audio.FileSize, Ref: m.Audio.FileID, Duration: seconds(m.Audio.Duration)})
	case m.Document != nil: // animations come as documents too
		att(conversation.KindFile, conversation.Attachment{Name: m.Document.FileName, MIME: m.Document.MimeType,
			Size: m.Document.FileSize, Ref: m.Document.FileID})
	case m.Video != nil:
		att(conversation.KindFile, conversation.Attachment{Name: orName(m.Video.FileName, "video.mp4"), MIME: m.Video.MimeType,
			Size: m.Video.FileSize, Ref: m.Video.FileID, Duration: seconds(m.Video.Duration)})
	case m.VideoNote != nil:
		att(conversation.KindFile, conversation.Attachment{Name: "video_note.mp4", MIME: "video/mp4",
			Size: int64(m.VideoNote.FileSize), Ref: m.VideoNote.FileID, Duration: seconds(m.VideoNote.Duration)})
	case len(m.Photo) > 0:
		p := m.Photo[len(m.Photo)-1] // the largest size
		att(conversation.KindImage, conversation.Attachment{Name: "photo.jpg", MIME: "image/jpeg", Size: int64(p.FileSize), Ref: p.FileID})
	default:
		return in, false
	}
	return in, true
}

// kindOf names the content of a message the receiver does not take.
func kindOf(m *models.Message) string {
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"sticker", m.Sticker != nil}, {"venue", m.Venue != nil}, {"location", m.Location != nil},
		{"contact", m.Contact != nil}, {"poll", m.Poll != nil}, {"dice", m.Dice != nil}, {"game", m.Game != nil},
		{"story", m.Story != nil}, {"paid media", m.PaidMedia != nil},
	} {
		if k.set {
			return k.name
		}
	}
	return "an empty or service message"
}

func orName(name, title string) string {
	if name != "" {
		return name
	}
	return title
}
