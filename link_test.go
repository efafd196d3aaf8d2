package contactcenter_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/command"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// linkFixture is a fixture with R6 on, on channel "tg" (Telegram) and on
// a second channel "web" (memory) whose transport it returns.
func linkFixture(t *testing.T) (*fixture, *channel.MemoryTransport) {
	t.Helper()
	f := newFixture(t)
	withCommands(t, f, channel.Commands{})
	web := channel.NewMemoryTransport(fullCaps)
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "web", Workspace: ws, Kind: channel.KindMemory, Account: "site",
		Settings: channel.Settings{Commands: channel.Commands{Enabled: true}}}, Transport: web, By: conversation.Host()}))
	f.rec.take()
	return f, web
}

// sayOn delivers a text on channel ch from the person the channel knows
// as from.
func (f *fixture) sayOn(t *testing.T, ch channel.ID, from, ext, text string) contactcenter.Received {
	t.Helper()
	r, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: ch, ExternalID: ext,
		From: contactcenter.Sender{ExternalID: from, Name: from, Language: "en"}, Text: text})
	require.NoError(t, err)
	return r
}

func lastText(t *testing.T, tr *channel.MemoryTransport) string {
	t.Helper()
	sent := tr.Sent()
	require.NotEmpty(t, sent)
	return sent[len(sent)-1].Text
}

// The acceptance scenario: a contact who wrote on Telegram and then on a
// second channel, once linked, is one contact there, and /tickets lists
// both channels' tickets (R6.3), the current one at the head.
func TestLinkContactAcrossChannels(t *testing.T) {
	f, web := linkFixture(t)
	first := f.sayOn(t, "tg", "u-tg", "1", "My order is late")
	c := first.Contact
	f.rec.take()

	got, err := f.eng.LinkContact(bg, contactcenter.ContactLink{Workspace: ws, Contact: c.ID, Channel: "web", ExternalID: "w-42", By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Equal(t, c.Version+1, got.Version)
	assert.Equal(t, got, f.contact(t, c.ID), "returned as stored")
	e := oneEvent(t, f, conversation.EventContactLinked, conversation.AsAgent("ana"), "link contact")
	assert.Equal(t, c.ID, e.Contact)
	assert.Equal(t, "web", e.Detail)
	assert.Empty(t, e.ExternalID, "the external id is personal data, not in the event")

	second := f.sayOn(t, "web", "w-42", "1", "Also my invoice is wrong")
	assert.Equal(t, c.ID, second.Contact.ID, "the same contact on the second channel")
	require.True(t, second.NewTicket, "R9: no conversation on web yet, so a new ticket")
	assert.Equal(t, channel.ID("web"), second.Conversation.Channel)

	r := f.sayOn(t, "web", "w-42", "2", "/tickets")
	assert.Equal(t, command.List, r.Command)
	assert.Equal(t, "Current ticket:\n#2\n\nYour other open ticket:\n#1\n\nSend /ticket and a number to change tickets, or /new to open a new one.", lastText(t, web))
	f.sayOn(t, "tg", "u-tg", "2", "/tickets")
	assert.Equal(t, "Current ticket:\n#1\n\nYour other open ticket:\n#2\n\nSend /ticket and a number to change tickets, or /new to open a new one.", f.lastSent(t))

	// Linking again what the contact has is a no-op.
	f.rec.take()
	before := f.contact(t, c.ID)
	again, err := f.eng.LinkContact(bg, contactcenter.ContactLink{Workspace: ws, Contact: c.ID, Channel: "web", ExternalID: "w-42", By: conversation.Host()})
	require.NoError(t, err)
	assert.Equal(t, before, again)
	assert.Equal(t, before, f.contact(t, c.ID))
	assert.Empty(t, f.rec.take())
}

// R6.2: asking on one channel for a ticket being answered on another gets
// its own answer, not "already on it", and moves nothing.
func TestSwitchToTicketOpenOnAnotherChannel(t *testing.T) {
	f, web := linkFixture(t)
	tg := f.sayOn(t, "tg", "u-tg", "1", "late order")
	_, err := f.eng.LinkContact(bg, contactcenter.ContactLink{Workspace: ws, Contact: tg.Contact.ID, Channel: "web", ExternalID: "w", By: conversation.Host()})
	require.NoError(t, err)
	w := f.sayOn(t, "web", "w", "1", "invoice")

	r := f.sayOn(t, "web", "w", "2", "/ticket 1")
	assert.Equal(t, command.Switch, r.Command)
	assert.Equal(t, "Ticket #1 is open in your conversation on another channel: please continue it there.", lastText(t, web))
	assert.False(t, r.Opened)
	assert.Equal(t, w.Conversation.ID, r.Conversation.ID, "web stays on its ticket")
	assert.Equal(t, conversation.Open, f.conversation(t, tg.Conversation.ID).State, "Telegram keeps ticket #1")

	// The current ticket is still "already".
	f.sayOn(t, "web", "w", "3", "/ticket 2")
	assert.Equal(t, "You are already on ticket #2.", lastText(t, web))
}

// R9 across channels: the ticket of the contact's latest conversation on
// the channel may be held by their open conversation on another channel;
// a ticket has one open conversation (R12), so the message opens a new
// ticket instead of failing on the store's unique key.
func TestReceiveLatestTicketOpenOnAnotherChannel(t *testing.T) {
	f, _ := linkFixture(t)
	tg := f.sayOn(t, "tg", "u-tg", "1", "late order")
	_, err := f.eng.LinkContact(bg, contactcenter.ContactLink{Workspace: ws, Contact: tg.Contact.ID, Channel: "web", ExternalID: "w", By: conversation.Host()})
	require.NoError(t, err)
	w := f.sayOn(t, "web", "w", "1", "invoice") // ticket #2 on web
	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: w.Conversation.ID, By: conversation.Host()})
	require.NoError(t, err)
	moved := f.sayOn(t, "tg", "u-tg", "2", "/ticket 2") // Telegram now holds #2
	require.True(t, moved.Opened)
	require.Equal(t, w.Conversation.Ticket, moved.Conversation.Ticket)

	again := f.sayOn(t, "web", "w", "2", "one more thing")
	assert.True(t, again.Opened)
	assert.True(t, again.NewTicket, "ticket #2 is busy on Telegram")
	assert.Equal(t, ticket.Number(3), again.Conversation.TicketNumber)
	assert.Equal(t, conversation.Open, f.conversation(t, moved.Conversation.ID).State, "Telegram keeps #2")

	// Once Telegram lets the ticket go, web's latest ticket is free again
	// and R9 joins it as before.
	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: again.Conversation.ID, By: conversation.Host()})
	require.NoError(t, err)
	next := f.sayOn(t, "web", "w", "3", "and another")
	assert.False(t, next.NewTicket)
	assert.Equal(t, ticket.Number(3), next.Conversation.TicketNumber)
}

// R19: a link that cannot be made is a typed error and changes nothing.
func TestLinkContactErrors(t *testing.T) {
	f, _ := linkFixture(t)
	a := f.sayOn(t, "tg", "u-a", "1", "hi").Contact
	b := f.sayOn(t, "web", "w-b", "1", "hi").Contact
	f.rec.take()
	link := func(l contactcenter.ContactLink) error {
		_, err := f.eng.LinkContact(bg, l)
		return err
	}
	ok := contactcenter.ContactLink{Workspace: ws, Contact: a.ID, Channel: "web", ExternalID: "w-new", By: conversation.Host()}
	with := func(fn func(*contactcenter.ContactLink)) contactcenter.ContactLink { l := ok; fn(&l); return l }
	for name, tc := range map[string]struct {
		l    contactcenter.ContactLink
		code contactcenter.Code
		is   error
	}{
		"unknown contact":  {with(func(l *contactcenter.ContactLink) { l.Contact = "nobody" }), contactcenter.CodeNotFound, ticket.ErrContactNotFound},
		"unknown channel":  {with(func(l *contactcenter.ContactLink) { l.Channel = "sms" }), contactcenter.CodeNotFound, channel.ErrNotFound},
		"another ws":       {with(func(l *contactcenter.ContactLink) { l.Workspace = "other" }), contactcenter.CodeNotFound, channel.ErrNotFound},
		"empty id":         {with(func(l *contactcenter.ContactLink) { l.ExternalID = "" }), contactcenter.CodeInvalid, conversation.ErrInvalid},
		"NUL in id":        {with(func(l *contactcenter.ContactLink) { l.ExternalID = "a\x00b" }), contactcenter.CodeInvalid, conversation.ErrInvalid},
		"no actor":         {with(func(l *contactcenter.ContactLink) { l.By = conversation.Actor{} }), contactcenter.CodeInvalid, nil},
		"a contact":        {with(func(l *contactcenter.ContactLink) { l.By = conversation.AsContact(a.ID) }), contactcenter.CodeForbidden, conversation.ErrForbidden},
		"unknown agent":    {with(func(l *contactcenter.ContactLink) { l.By = conversation.AsAgent("ghost") }), contactcenter.CodeNotFound, nil},
		"another's id":     {with(func(l *contactcenter.ContactLink) { l.ExternalID = "w-b" }), contactcenter.CodeConflict, conversation.ErrIdentityTaken},
		"another's, on tg": {with(func(l *contactcenter.ContactLink) { l.Contact, l.Channel, l.ExternalID = b.ID, "tg", "u-a" }), contactcenter.CodeConflict, conversation.ErrIdentityTaken},
	} {
		err := link(tc.l)
		require.Error(t, err, name)
		assert.Equal(t, tc.code, contactcenter.ErrorCode(err), "%s: %v", name, err)
		if tc.is != nil {
			assert.ErrorIs(t, err, tc.is, name)
		}
	}
	assert.Equal(t, a, f.contact(t, a.ID), "unchanged")
	assert.Equal(t, b, f.contact(t, b.ID), "unchanged")
	assert.Empty(t, f.rec.take(), "nothing published")
	err := f.store.View(bg, func(tx store.Tx) error {
		owner, err := tx.ContactByExternalID(bg, ws, "web", "w-b")
		assert.Equal(t, b.ID, owner.ID)
		if _, e2 := tx.ContactByExternalID(bg, ws, "web", "w-new"); !errors.Is(e2, store.ErrNotFound) {
			t.Errorf("w-new linked: %v", e2)
		}
		return err
	})
	require.NoError(t, err)
	var taken *contactcenter.Error
	require.ErrorAs(t, link(with(func(l *contactcenter.ContactLink) { l.ExternalID = "w-b" })), &taken)
	assert.Contains(t, taken.Error(), "MergeContacts")
}
