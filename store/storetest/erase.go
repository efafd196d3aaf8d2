package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Erasure is a contact seeded with personal data in every place a store
// keeps it, and then erased, by SeedErasure.
type Erasure struct {
	Workspace ticket.WorkspaceID
	Contact   ticket.ContactID
	// Secrets are the contact's personal data: its name, its external id
	// on the channel, its custom field's value, the texts of the messages
	// of its conversations and of their revisions, the attachments' names,
	// MIME types and references, the closing note's summary and the
	// ticket's subject, the data of a bot's notification about its
	// conversation. None may be in any row of the store after the
	// erasure.
	Secrets []string
	// Kept are the data of another contact of the workspace, which the
	// erasure leaves as they were.
	Kept []string
	// KeptKeys are the keys the other contact's name is searched by
	// (store.ContactNameKeys): a store that keeps them in rows of its own
	// (the SQL stores) still holds them after the erasure. The erased
	// contact's keys are among Secrets.
	KeptKeys []string
}

// The erased contact's id on the channel, as Telegram's chat id, and what
// the channel builds from it: its messages' ids.
const (
	erasedChat = "7395126048"
	keptChat   = "5182736450"
)

// neverDue is the due time of the pending messages SeedErasure stores.
var neverDue = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// SeedErasure stores, in a fresh workspace, a contact with a name, a
// custom field and its id on a channel; two tickets, each with a
// conversation (one closed with a closing note, one open); in them, a
// contact's message with an attachment and an edit revision, its
// channel's id built from the contact's id, and an agent's reply still
// pending; a rejected message from the contact with its message.rejected
// event, a bot's notification with data about its open conversation and
// the bot's hand-off with a note that quotes the contact, left
// unpublished; and another contact with the same kinds of
// data. It then erases the first contact with Tx.EraseContact and returns
// what it stored. A store's own test dumps every row it holds and looks
// for the secrets, which the suite, through the Tx API, cannot.
func SeedErasure(t testing.TB, s store.Store) Erasure {
	t.Helper()
	ws := ticket.WorkspaceID(newWorkspace("erase"))
	e := Erasure{Workspace: ws, Contact: "c-erased"}
	e.Secrets = seedPerson(t, s, ws, e.Contact, "Zebulon Quarterfield", erasedChat, "er")
	e.Secrets = append(e.Secrets, store.ContactNameKeys("Zebulon Quarterfield")...)
	e.Secrets = append(e.Secrets, botData("er"), botNote("er"))
	e.Kept = seedPerson(t, s, ws, "c-kept", "Ottilie Brannigan", keptChat, "kp")
	e.KeptKeys = store.ContactNameKeys("Ottilie Brannigan")
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.EraseContact(ctx(), ws, e.Contact) }))
	return e
}

// seedPerson stores contact id with its data (see SeedErasure) and returns
// the strings that are its personal data; tag makes ids and texts unique.
func seedPerson(t testing.TB, s store.Store, ws ticket.WorkspaceID, id ticket.ContactID, name, chat, tag string) []string {
	t.Helper()
	const ch channel.ID = "tg"
	field := "plan-" + tag + "-platinum-4411"
	texts := []string{"my passport " + tag + " is X998877", "earlier text " + tag + " with address Calle 12", "reply " + tag + " for the caller"}
	att := conversation.Attachment{Name: "scan-" + tag + "-passport.jpg", MIME: "image/x-" + tag + "-scan", Size: 2048, Ref: "file-" + tag + "-AgADBAADr6cx"}
	subject, summary := "subject "+tag+" about Calle 12", "summary "+tag+" of the call"
	c := ticket.Contact{ID: id, Workspace: ws, Name: name, Language: "es-MX", Fields: map[string]string{"plan": field}, CreatedAt: t0, Version: 1}
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.CreateContact(ctx(), c, ch, chat); err != nil {
			return err
		}
		for i := range 2 {
			n, err := tx.NextTicketNumber(ctx(), ws)
			if err != nil {
				return err
			}
			tk := newTicket(ws, ticket.ID(fmt.Sprintf("t-%s-%d", tag, i)), n, id)
			tk.Subject = subject
			cv := newConversation(ws, conversation.ID(fmt.Sprintf("cv-%s-%d", tag, i)), tk, ch)
			cv.ContactExternalID = chat
			if i == 0 {
				tk.Status, tk.ClosedAt = ticket.Closed, t0
				cv.State, cv.ClosedAt, cv.CloseReason = conversation.Closed, t0, conversation.ReasonAgent
				cv.ClosingNote = conversation.ClosingNote{Category: "billing", Summary: summary}
			}
			if err := tx.CreateTicket(ctx(), tk); err != nil {
				return err
			}
			if err := tx.CreateConversation(ctx(), cv); err != nil {
				return err
			}
			in := newInbound(cv, conversation.MessageID(fmt.Sprintf("m-%s-%d-in", tag, i)), fmt.Sprintf("%s:%d", chat, 100+i), t0)
			in.Kind, in.Text, in.Attachments = conversation.KindImage, texts[0], []conversation.Attachment{att}
			in.Revisions = []conversation.Revision{{Text: texts[1], At: t0}}
			if err := tx.CreateMessage(ctx(), in); err != nil {
				return err
			}
			// Due long after every other case's clock: the suite's stores
			// share their data, and PendingMessages reads every workspace.
			out := newOutbound(cv, conversation.MessageID(fmt.Sprintf("m-%s-%d-out", tag, i)), neverDue)
			out.Text = texts[2]
			if i == 0 {
				out.Delivery, out.ExternalID, out.NextAttempt = conversation.DeliverySent, fmt.Sprintf("%s:%d", chat, 200), t0
			}
			if err := tx.CreateMessage(ctx(), out); err != nil {
				return err
			}
		}
		if err := tx.CreateRejection(ctx(), conversation.RejectedMessage{Workspace: ws, Channel: ch, ExternalID: chat + ":300",
			From: chat, Reason: "a kind of message the center does not take", At: t0}); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx(), conversation.Event{Type: conversation.EventMessageRejected, Workspace: ws, At: t0,
			Channel: ch, ExternalID: chat + ":300", Detail: "a kind of message the center does not take",
			Actor: conversation.Actor{Kind: conversation.ActorContact, ID: chat}}); err != nil {
			return err
		}
		// A bot's notification about the open conversation, whose data
		// may be personal, and its hand-off, whose note quotes the
		// contact (R2).
		if err := tx.AppendEvent(ctx(), conversation.Event{Type: conversation.EventBotNotified, Workspace: ws, At: t0,
			Conversation: conversation.ID("cv-" + tag + "-1"), Bot: "greeter", Detail: "lead",
			Data: map[string]string{"passport": botData(tag)}, Actor: conversation.AsBot("greeter")}); err != nil {
			return err
		}
		return tx.AppendEvent(ctx(), conversation.Event{Type: conversation.EventBotHandedOff, Workspace: ws, At: t0,
			Conversation: conversation.ID("cv-" + tag + "-1"), Bot: "greeter", Detail: botNote(tag), Actor: conversation.AsBot("greeter")})
	}))
	return append([]string{name, chat, field, att.Name, att.MIME, att.Ref, subject, summary}, texts...)
}

// botNote is the note of the bot.handed_off event seedPerson stores for
// the contact of tag: it quotes the contact.
func botNote(tag string) string { return "the contact said: my card " + tag + " 4111-BOT" }

// botData is the data of the bot.notified event seedPerson stores for
// the contact of tag.
func botData(tag string) string { return "passport " + tag + " X-BOT-5566" }

// Find returns the secrets of e that text holds.
func (e Erasure) Find(text string) []string {
	var out []string
	for _, s := range e.Secrets {
		if strings.Contains(text, s) {
			out = append(out, s)
		}
	}
	return out
}

// Missing returns the kept data of e that text lacks.
func (e Erasure) Missing(text string) []string {
	var out []string
	for _, s := range e.Kept {
		if !strings.Contains(text, s) {
			out = append(out, s)
		}
	}
	return out
}

// testEraseContact checks Tx.EraseContact through the Tx API: the
// contact's name and fields, its identity, its tickets' subjects, its
// conversations' external ids and notes, its messages' texts, revisions,
// attachments and channel ids, its rejected messages and their unpublished
// events, and the data of the unpublished bot events of its conversations,
// hold none of its data; ids, numbers, states, counts and times
// stay; its pending messages are failed; another contact is untouched;
// the same person is a stranger again; erasing twice is no error, an
// unknown contact ErrNotFound, and a failed transaction erases nothing.
func (h *harness) testEraseContact(t *testing.T) {
	s := h.store(t)
	drainAll(t, s, "")

	// A failed transaction erases nothing.
	ws0 := ticket.WorkspaceID(newWorkspace("erase-rollback"))
	before := seedPerson(t, s, ws0, "c-rb", "Rollo Bakerfield", "6001002003", "rb")
	boom := errors.New("boom")
	require.ErrorIs(t, s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.EraseContact(ctx(), ws0, "c-rb"); err != nil {
			return err
		}
		return boom
	}), boom)
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		c, err := tx.ContactByExternalID(ctx(), ws0, "tg", "6001002003")
		require.NoError(t, err)
		assert.Equal(t, before[0], c.Name)
		m, err := tx.MessageByExternalID(ctx(), ws0, "tg", "6001002003:100")
		require.NoError(t, err)
		assert.Equal(t, before[8], m.Text)
		r, err := tx.Rejection(ctx(), ws0, "tg", "6001002003:300")
		require.NoError(t, err)
		assert.Equal(t, "6001002003", r.From)
		return nil
	}))
	for _, ev := range drainAll(t, s, ws0) {
		if ev.Type == conversation.EventMessageRejected {
			assert.Equal(t, "6001002003:300", ev.ExternalID, "a rolled back erasure leaves the events as they were")
		}
	}

	e := SeedErasure(t, s)
	ws := e.Workspace
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		c, err := tx.Contact(ctx(), ws, e.Contact)
		require.NoError(t, err)
		assert.Empty(t, c.Name)
		assert.Empty(t, c.Fields)
		assert.Equal(t, "es-MX", c.Language, "the language stays")
		assert.Equal(t, int64(2), c.Version)
		_, err = tx.ContactByExternalID(ctx(), ws, "tg", erasedChat)
		assert.ErrorIs(t, err, store.ErrNotFound, "the identity is gone")

		var text strings.Builder
		fmt.Fprintf(&text, "%+v\n", c)
		for i := range 2 {
			tk, err := tx.Ticket(ctx(), ws, ticket.ID(fmt.Sprintf("t-er-%d", i)))
			require.NoError(t, err)
			assert.Empty(t, tk.Subject)
			assert.Equal(t, ticket.Number(i+1), tk.Number, "the numbers stay")
			assert.Equal(t, int64(2), tk.Version)
			cv, err := tx.Conversation(ctx(), ws, conversation.ID(fmt.Sprintf("cv-er-%d", i)))
			require.NoError(t, err)
			assert.Empty(t, cv.ContactExternalID)
			assert.Empty(t, cv.ClosingNote.Summary)
			assert.Equal(t, int64(2), cv.Version)
			if i == 0 {
				assert.Equal(t, ticket.Closed, tk.Status)
				assert.Equal(t, conversation.Closed, cv.State)
				assert.Equal(t, "billing", cv.ClosingNote.Category, "the category stays")
			} else {
				assert.Equal(t, conversation.Open, cv.State, "the states stay")
			}
			ms, err := tx.Messages(ctx(), ws, cv.ID)
			require.NoError(t, err)
			require.Len(t, ms, 2, "the count of messages stays")
			in, out := normMessage(ms[0]), normMessage(ms[1])
			assert.Empty(t, in.Text)
			assert.Empty(t, in.ExternalID)
			assert.Equal(t, []conversation.Attachment{{Size: 2048}}, in.Attachments)
			assert.Equal(t, []conversation.Revision{{At: t0}}, in.Revisions)
			assert.Equal(t, t0, in.CreatedAt)
			assert.Equal(t, int64(2), in.Version)
			assert.Empty(t, out.Text)
			assert.Empty(t, out.ExternalID)
			if i == 0 {
				assert.Equal(t, conversation.DeliverySent, out.Delivery)
			} else {
				assert.Equal(t, conversation.DeliveryFailed, out.Delivery, "a pending message is failed")
				assert.Equal(t, store.ErasedFailure, out.Failure)
				_, err := tx.FirstPending(ctx(), ws, cv.ID)
				assert.ErrorIs(t, err, store.ErrNotFound)
			}
			_, err = tx.MessageByExternalID(ctx(), ws, "tg", fmt.Sprintf("%s:%d", erasedChat, 100+i))
			assert.ErrorIs(t, err, store.ErrNotFound)
			fmt.Fprintf(&text, "%+v\n%+v\n%+v\n%+v\n", tk, cv, in, out)
		}
		rs, err := tx.Rejections(ctx(), ws, 0)
		require.NoError(t, err)
		require.Len(t, rs, 2, "the count of rejections stays")
		assert.Equal(t, keptChat, rs[0].From)
		assert.Empty(t, rs[1].From)
		assert.NotEmpty(t, rs[1].ExternalID)
		_, err = tx.Rejection(ctx(), ws, "tg", erasedChat+":300")
		assert.ErrorIs(t, err, store.ErrNotFound)
		got, err := tx.Rejection(ctx(), ws, "tg", rs[1].ExternalID)
		require.NoError(t, err)
		assert.Equal(t, normRejection(rs[1]), normRejection(got))
		fmt.Fprintf(&text, "%+v\n", rs)
		assert.Empty(t, e.Find(text.String()), "the erased contact's data")

		// The other contact keeps everything.
		var kept strings.Builder
		k, err := tx.ContactByExternalID(ctx(), ws, "tg", keptChat)
		require.NoError(t, err)
		fmt.Fprintf(&kept, "%+v\n%+v\n", k, rs[0])
		for i := range 2 {
			tk, err := tx.Ticket(ctx(), ws, ticket.ID(fmt.Sprintf("t-kp-%d", i)))
			require.NoError(t, err)
			cv, err := tx.Conversation(ctx(), ws, conversation.ID(fmt.Sprintf("cv-kp-%d", i)))
			require.NoError(t, err)
			ms, err := tx.Messages(ctx(), ws, cv.ID)
			require.NoError(t, err)
			fmt.Fprintf(&kept, "%+v\n%+v\n%+v\n", tk, cv, ms)
		}
		_, err = tx.MessageByExternalID(ctx(), ws, "tg", keptChat+":101")
		require.NoError(t, err)
		assert.Empty(t, e.Missing(kept.String()), "the other contact's data")
		return nil
	}))

	var text strings.Builder
	for _, ev := range drainAll(t, s, ws) {
		fmt.Fprintf(&text, "%+v\n", ev)
	}
	assert.Empty(t, e.Find(text.String()), "the unpublished events hold none of the erased data")
	assert.Contains(t, text.String(), keptChat+":300", "the other contact's event is kept")
	assert.Contains(t, text.String(), botData("kp"), "the data of the other contact's bot event is kept")

	// Erasing again is no error; an unknown contact is ErrNotFound.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.EraseContact(ctx(), ws, e.Contact) }))
	err := s.Update(ctx(), func(tx store.Tx) error { return tx.EraseContact(ctx(), ws, "c-nobody") })
	assert.ErrorIs(t, err, store.ErrNotFound)

	// The same person writing again is a stranger: its id and its
	// messages' ids on the channel are free.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		c := newContact(ws, "c-again")
		if err := tx.CreateContact(ctx(), c, "tg", erasedChat); err != nil {
			return err
		}
		tk := newTicket(ws, "t-again", 9, c.ID)
		if err := tx.CreateTicket(ctx(), tk); err != nil {
			return err
		}
		cv := newConversation(ws, "cv-again", tk, "tg")
		if err := tx.CreateConversation(ctx(), cv); err != nil {
			return err
		}
		return tx.CreateMessage(ctx(), newInbound(cv, "m-again", erasedChat+":100", t0))
	}))
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		c, err := tx.ContactByExternalID(ctx(), ws, "tg", erasedChat)
		require.NoError(t, err)
		assert.Equal(t, ticket.ContactID("c-again"), c.ID)
		return nil
	}))
}

// EraseThroughEngine runs, in a fresh workspace, an Engine over s on a
// channel of memory: a contact writes (with a name and its id on the
// channel), an agent replies, the host sets the contact's field, a message
// of the contact is rejected, another contact writes; then the host
// erases the first contact with Engine.EraseContact. The events stay
// unpublished. It returns the first contact's data as Secrets and the
// other's as Kept, for a store's own test of its dumped rows.
func EraseThroughEngine(t testing.TB, s store.Store) Erasure {
	t.Helper()
	ws := ticket.WorkspaceID(newWorkspace("erase-engine"))
	eng, err := contactcenter.New(contactcenter.Config{Store: s})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(ctx(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true, Files: true, MaxTextLen: 4096, MaxFileSize: 1 << 20}), By: conversation.Host()}))
	_, err = eng.PutAgent(ctx(), contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online}, By: conversation.Host()})
	require.NoError(t, err)
	const chat, name, text, reply, field = "6120349587", "Philippa Oyelaran", "my card ends in 4242 and I live at Rue Lepic 7", "Philippa, your card 4242 is blocked", "gold-member-7781"
	const keptChatID, keptName, keptText = "5012398476", "Konstantin Vellacourt", "my order 5588 has not arrived"
	r, err := eng.Receive(ctx(), contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: chat + ":1",
		From: contactcenter.Sender{ExternalID: chat, Name: name, Language: "fr"}, Text: text})
	require.NoError(t, err)
	_, err = eng.Reply(ctx(), contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: "ana", Text: reply})
	require.NoError(t, err)
	_, err = eng.SetContactField(ctx(), contactcenter.ContactFieldChange{Workspace: ws, Contact: r.Contact.ID, Key: "plan", Value: field, By: conversation.Host()})
	require.NoError(t, err)
	require.NoError(t, eng.Reject(ctx(), contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: chat + ":2", From: chat, Reason: "a sticker"}))
	_, err = eng.Receive(ctx(), contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: keptChatID + ":1",
		From: contactcenter.Sender{ExternalID: keptChatID, Name: keptName, Language: "de"}, Text: keptText})
	require.NoError(t, err)
	require.NoError(t, eng.EraseContact(ctx(), contactcenter.ContactErasure{Workspace: ws, Contact: r.Contact.ID, By: conversation.Host()}))
	return Erasure{Workspace: ws, Contact: r.Contact.ID,
		Secrets: append([]string{chat, name, text, reply, field}, store.ContactNameKeys(name)...), Kept: []string{keptChatID, keptName, keptText},
		KeptKeys: store.ContactNameKeys(keptName)}
}
