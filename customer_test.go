package contactcenter_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/command"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

// withCommands configures channel "tg" of f with R6 on.
func withCommands(t *testing.T, f *fixture, c channel.Commands) {
	t.Helper()
	c.Enabled = true
	require.NoError(t, f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Commands: c}}, Transport: f.tr, By: conversation.Host()}))
}

// say delivers a text from contact with language lang.
func (f *fixture) say(t *testing.T, contact, lang, ext, text string) contactcenter.Received {
	t.Helper()
	r, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: ext,
		From: contactcenter.Sender{ExternalID: contact, Name: contact, Language: lang}, Text: text})
	require.NoError(t, err)
	return r
}

func (f *fixture) lastSent(t *testing.T) string {
	t.Helper()
	sent := f.tr.Sent()
	require.NotEmpty(t, sent)
	return sent[len(sent)-1].Text
}

// R6 off: command words are ordinary messages.
func TestCommandsOffAreText(t *testing.T) {
	f := newFixture(t)
	r := f.say(t, "c1", "en", "u1", "/tickets")
	assert.Zero(t, r.Command)
	assert.Equal(t, conversation.KindText, r.Message.Kind)
	assert.True(t, r.Opened)
	assert.Empty(t, f.tr.Sent(), "no answer")
}

// R6.1: /new closes the current conversation, opens a new ticket with a new
// conversation; the old ticket stays open.
func TestCommandNewTicket(t *testing.T) {
	f := newFixture(t)
	withCommands(t, f, channel.Commands{ShowSubject: true})
	first := f.say(t, "c1", "es-MX", "u1", "Mi pedido no llegó").Conversation
	f.reply(t, first.ID, "ana", "Lo reviso")
	f.rec.take()
	f.clock.Advance(time.Minute)

	r := f.say(t, "c1", "es-MX", "u2", "  /NEW   Factura   duplicada ")
	assert.Equal(t, command.New, r.Command)
	assert.True(t, r.NewTicket)
	assert.True(t, r.Opened)
	assert.Equal(t, ticket.Number(2), r.Conversation.TicketNumber)
	assert.True(t, r.Conversation.Waiting(), "the new conversation waits in the queue")
	assert.Equal(t, conversation.KindCommand, r.Message.Kind, "recorded as a command")
	assert.Equal(t, r.Conversation.ID, r.Message.Conversation)
	assert.Equal(t, "Se abrió el ticket #2. Escríbenos aquí y un agente te responderá.", f.lastSent(t))
	assert.Equal(t, conversation.DeliverySent, r.Answer.Delivery)
	assert.Equal(t, conversation.AuthorSystem, r.Answer.Author.Kind)

	old := f.conversation(t, first.ID)
	assert.Equal(t, conversation.Closed, old.State)
	assert.Equal(t, conversation.ReasonNewTicket, old.CloseReason)
	oldTicket, err := f.eng.Ticket(bg, ws, first.Ticket)
	require.NoError(t, err)
	assert.Equal(t, ticket.Open, oldTicket.Status, "the old ticket stays open until an agent closes it")
	nt, err := f.eng.Ticket(bg, ws, r.Conversation.Ticket)
	require.NoError(t, err)
	assert.Equal(t, "Factura duplicada", nt.Subject)
	assert.Equal(t, []conversation.EventType{conversation.EventConversationClosed, conversation.EventTicketOpened, conversation.EventConversationOpened,
		conversation.EventMessageReceived, conversation.EventMessageQueued, conversation.EventMessageSent}, types(f.rec.take()))

	ms, err := f.eng.Messages(bg, ws, r.Conversation.ID)
	require.NoError(t, err)
	require.Len(t, ms, 2, "the command and its answer, so an agent sees what happened")
	assert.Equal(t, "  /NEW   Factura   duplicada ", ms[0].Text)

	// Without a subject, and with no open conversation.
	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: r.Conversation.ID, By: conversation.Host(), Note: conversation.ClosingNote{}})
	require.NoError(t, err)
	r = f.say(t, "c1", "es-MX", "u3", "/new")
	assert.True(t, r.NewTicket)
	assert.Equal(t, ticket.Number(3), r.Conversation.TicketNumber)
	open, err := f.eng.OpenTickets(bg, ws, r.Contact.ID)
	require.NoError(t, err)
	assert.Len(t, open, 3)
}

// R6.2: /ticket N moves to another open ticket of the contact's.
func TestCommandSwitch(t *testing.T) {
	f := newFixture(t)
	withCommands(t, f, channel.Commands{})
	a := f.say(t, "c1", "en", "u1", "first problem").Conversation
	b := f.say(t, "c1", "en", "u2", "/new second problem").Conversation
	f.rec.take()

	r := f.say(t, "c1", "en-GB", "u3", "/ticket 1")
	assert.Equal(t, command.Switch, r.Command)
	assert.False(t, r.NewTicket)
	assert.True(t, r.Opened)
	assert.Equal(t, a.Ticket, r.Conversation.Ticket)
	assert.NotEqual(t, a.ID, r.Conversation.ID, "a new conversation on the old ticket")
	assert.Equal(t, "You are now on ticket #1.", f.lastSent(t))
	prev := f.conversation(t, b.ID)
	assert.Equal(t, conversation.ReasonSwitched, prev.CloseReason)
	assert.Equal(t, []conversation.EventType{conversation.EventConversationClosed, conversation.EventConversationOpened,
		conversation.EventMessageReceived, conversation.EventMessageQueued, conversation.EventMessageSent}, types(f.rec.take()))

	// The current ticket: a no-op with a short answer.
	again := f.say(t, "c1", "en", "u4", "/ticket #1")
	assert.False(t, again.Opened)
	assert.Equal(t, r.Conversation.ID, again.Conversation.ID)
	assert.Equal(t, "You are already on ticket #1.", f.lastSent(t))
	q, err := f.eng.Queue(bg, ws, 0)
	require.NoError(t, err)
	assert.Len(t, q, 1)
}

// R6.2: a number that does not exist, another contact's ticket, another
// workspace's ticket and a closed ticket get the same answer; nothing
// changes.
func TestCommandSwitchLeaksNothing(t *testing.T) {
	f := newFixture(t)
	withCommands(t, f, channel.Commands{})
	require.NoError(t, f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "globex", Kind: channel.KindTelegram, Account: "bot2",
		Settings: channel.Settings{Commands: channel.Commands{Enabled: true}}}, Transport: f.tr, By: conversation.Host()}))
	f.say(t, "c1", "en", "u1", "my problem")                                  // acme #1, c1
	f.say(t, "c2", "en", "u2", "someone else's problem")                      // acme #2, c2
	closedOwn := f.say(t, "c1", "en", "u3", "/new later closed").Conversation // acme #3, c1
	_, err := f.eng.CloseTicket(bg, contactcenter.TicketClosing{Workspace: ws, Ticket: closedOwn.Ticket, By: conversation.Host(), Note: conversation.ClosingNote{}})
	require.NoError(t, err)
	for i := range 5 { // globex #1..#5
		_, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: "globex", Channel: "tg", ExternalID: fmt.Sprint("g", i),
			From: contactcenter.Sender{ExternalID: fmt.Sprint("x", i)}, Text: "other workspace"})
		require.NoError(t, err)
	}
	mine := f.say(t, "c1", "en", "u4", "/ticket 1").Conversation

	for name, n := range map[string]string{
		"does not exist":      "999",
		"another contact's":   "2",
		"closed, own":         "3",
		"another workspace's": "5",
	} {
		before := len(f.tr.Sent())
		r := f.say(t, "c1", "en", "x-"+name, "/ticket "+n)
		assert.False(t, r.Opened, name)
		assert.Equal(t, mine.ID, r.Conversation.ID, name)
		require.Len(t, f.tr.Sent(), before+1, name)
		assert.Equal(t, "Ticket #"+n+" is not one of your open tickets. Send /tickets to see them.", f.lastSent(t), name)
	}
	assert.Equal(t, conversation.Open, f.conversation(t, mine.ID).State, "nothing changed")
	q, err := f.eng.Queue(bg, ws, 0)
	require.NoError(t, err)
	assert.Len(t, q, 2, "c1's and c2's conversations, as before")
}

// R6.2: a missing or malformed number gets the usage answer.
func TestCommandSwitchUsage(t *testing.T) {
	f := newFixture(t)
	withCommands(t, f, channel.Commands{Switch: "/caso", List: "/casos", New: "/nuevo"})
	c := f.say(t, "c1", "pt-BR", "u1", "olá").Conversation
	for i, text := range []string{"/caso", "/caso abc", "/caso 12 13", "/caso -4", "/caso 0", "/CASO #", "/caso 99999999999999999999"} {
		r := f.say(t, "c1", "pt-BR", "u-usage-"+string(rune('a'+i)), text)
		assert.Equal(t, command.Switch, r.Command, text)
		assert.Equal(t, c.ID, r.Conversation.ID, text)
		assert.Equal(t, "Para mudar de ticket, envie /caso e o número do ticket, por exemplo: /caso 1432. Envie /casos para ver seus tickets abertos.",
			f.lastSent(t), text)
	}
}

// R6.3, R6.4: the list shows the current ticket at the head, separated
// from the rest, with or without subjects.
func TestCommandList(t *testing.T) {
	for _, subjects := range []bool{true, false} {
		f := newFixture(t)
		withCommands(t, f, channel.Commands{ShowSubject: subjects})
		f.say(t, "c1", "es", "u1", "Pedido retrasado")
		f.say(t, "c1", "es", "u2", "/new Factura duplicada")
		f.say(t, "c1", "es", "u3", "/new Cambio de dirección")
		f.say(t, "c1", "es", "u4", "/ticket 2")
		r := f.say(t, "c1", "es", "u5", "/tickets")
		assert.Equal(t, command.List, r.Command)
		want := "Ticket actual:\n#2 — Factura duplicada\n\nTus otros 2 tickets abiertos:\n#1 — Pedido retrasado\n#3 — Cambio de dirección\n\n" +
			"Envía /ticket y un número para cambiar de ticket, o /new para abrir uno nuevo."
		if !subjects {
			want = "Ticket actual:\n#2\n\nTus otros 2 tickets abiertos:\n#1\n#3\n\n" +
				"Envía /ticket y un número para cambiar de ticket, o /new para abrir uno nuevo."
		}
		assert.Equal(t, want, f.lastSent(t), "subjects %t", subjects)
		assert.Equal(t, r.Message.Conversation, r.Answer.Conversation)
	}

	// One other ticket: the singular; no open conversation: no current one.
	f := newFixture(t)
	withCommands(t, f, channel.Commands{})
	c := f.say(t, "c1", "en", "u1", "one").Conversation
	f.say(t, "c1", "en", "u2", "/new two")
	f.say(t, "c1", "en", "u3", "/tickets")
	assert.Contains(t, f.lastSent(t), "Current ticket:\n#2\n\nYour other open ticket:\n#1\n")
	assert.Equal(t, conversation.ReasonNewTicket, f.conversation(t, c.ID).CloseReason)
	open, err := f.eng.OpenTickets(bg, ws, f.say(t, "c1", "en", "u4", "/tickets").Contact.ID)
	require.NoError(t, err)
	require.Len(t, open, 2)
	q, err := f.eng.Queue(bg, ws, 0)
	require.NoError(t, err)
	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: q[0].ID, By: conversation.Host(), Note: conversation.ClosingNote{}})
	require.NoError(t, err)
	r := f.say(t, "c1", "en", "u5", "/tickets")
	assert.Equal(t, "Your 2 open tickets:\n#1\n#2\n\nSend /ticket and a number to change tickets, or /new to open a new one.", f.lastSent(t))
	assert.False(t, r.Opened, "a list does not reopen a conversation")
	assert.Equal(t, conversation.Closed, r.Conversation.State, "recorded in the latest, closed conversation")
}

// R6: the forms Telegram and people produce are tolerated.
func TestCommandForms(t *testing.T) {
	f := newFixture(t)
	withCommands(t, f, channel.Commands{})
	f.say(t, "c1", "en", "u1", "one")
	f.say(t, "c1", "en", "u2", "/new two")
	for i, text := range []string{"/ticket@bot 1", "/TICKET   #1", "／ｔｉｃｋｅｔ　＃１", "  /Ticket\t1  ", "/ticket@BOT #1"} {
		r := f.say(t, "c1", "en", "form-"+string(rune('a'+i)), text)
		assert.Equal(t, command.Switch, r.Command, text)
		assert.Equal(t, ticket.Number(1), r.Conversation.TicketNumber, text)
		f.say(t, "c1", "en", "back-"+string(rune('a'+i)), "/ticket 2")
	}
	// A command addressed to another bot is ordinary text.
	r := f.say(t, "c1", "en", "other-bot", "/new@SomeOtherBot hi")
	assert.Zero(t, r.Command)
	assert.Equal(t, conversation.KindText, r.Message.Kind)
}

// Answers follow the contact's language, with English as the fallback, and
// a host can override any text.
func TestCommandAnswersLanguageAndOverride(t *testing.T) {
	answers := command.NewAnswers()
	require.NoError(t, answers.Set(language.Spanish, command.KeyOpened, catalog.String("¡Listo! Caso #%[1]s abierto.")))
	s := memory.New()
	f := newFixtureOn(t, s, fullCaps)
	eng, err := contactcenter.New(contactcenter.Config{Store: s, Answers: answers, Now: f.clock.Now})
	require.NoError(t, err)
	f.eng = eng
	withCommands(t, f, channel.Commands{})
	for i, tc := range []struct{ lang, want string }{
		{"es-AR", "¡Listo! Caso #1 abierto."},
		{"pt-BR", "O ticket #2 foi aberto. Escreva-nos aqui e um agente responderá."},
		{"de", "Ticket #3 is open. Write to us here and an agent will answer."},
		{"", "Ticket #4 is open. Write to us here and an agent will answer."},
	} {
		f.say(t, "c-"+tc.lang, tc.lang, "lang-"+string(rune('a'+i)), "/new")
		assert.Equal(t, tc.want, f.lastSent(t), tc.lang)
	}
}

// R18: a command delivered twice is carried out and answered once.
func TestCommandDuplicate(t *testing.T) {
	f := newFixture(t)
	withCommands(t, f, channel.Commands{})
	f.say(t, "c1", "en", "u1", "hello")
	r := f.say(t, "c1", "en", "u2", "/new")
	sent := len(f.tr.Sent())
	again := f.say(t, "c1", "en", "u2", "/new")
	assert.True(t, again.Duplicate)
	assert.Equal(t, r.Message.ID, again.Message.ID)
	assert.Len(t, f.tr.Sent(), sent, "answered once")
	open, err := f.eng.OpenTickets(bg, ws, r.Contact.ID)
	require.NoError(t, err)
	assert.Len(t, open, 2, "one new ticket")
}

// A contact whose very first message is a command gets a conversation, as
// any first message does (R9), and the answer.
func TestCommandAsFirstMessage(t *testing.T) {
	f := newFixture(t)
	withCommands(t, f, channel.Commands{})
	r := f.say(t, "c1", "en", "u1", "/tickets")
	assert.True(t, r.Opened)
	assert.True(t, r.NewTicket)
	assert.Equal(t, conversation.KindCommand, r.Message.Kind)
	assert.Equal(t, "Current ticket:\n#1\n\nYou have no other open tickets.\n\nSend /ticket and a number to change tickets, or /new to open a new one.", f.lastSent(t))
	tk, err := f.eng.Ticket(bg, ws, r.Conversation.Ticket)
	require.NoError(t, err)
	assert.Empty(t, tk.Subject, "a command is no subject")
}

// R6 settings are validated when the channel is configured.
func TestCommandSettingsValidated(t *testing.T) {
	f := newFixture(t)
	for name, c := range map[string]channel.Commands{
		"no slash":  {Enabled: true, New: "new"},
		"space":     {Enabled: true, New: "/new ticket"},
		"same":      {Enabled: true, New: "/caso", Switch: "/CASO"},
		"only /":    {Enabled: true, List: "/"},
		"two slash": {Enabled: true, List: "/a/b"},
	} {
		err := f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "x", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: channel.Settings{Commands: c}}, Transport: f.tr, By: conversation.Host()})
		assert.ErrorIs(t, err, channel.ErrInvalid, name)
	}
}
