package contactcenter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/hours"
	"github.com/telenet/contactcenter/template"
)

func mustTemplate(t *testing.T, name string, variants ...template.Variant) *template.Template {
	t.Helper()
	tpl, err := template.New(name, variants...)
	require.NoError(t, err)
	return tpl
}

// withWelcome configures channel "tg" to send the template "welcome" to
// new conversations (R5).
func withWelcome(t *testing.T, f *fixture, s channel.Settings) {
	t.Helper()
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "welcome",
		template.Variant{Language: "en", Text: `Hi {{contact.first_name | "there"}}, this is ticket #{{ticket.number}}.`},
		template.Variant{Language: "es", Text: `Hola {{contact.first_name | "de nuevo"}}, este es el ticket #{{ticket.number}}.`},
	), By: conversation.Host()}))
	s.Welcome = "welcome"
	require.NoError(t, f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: s}, Transport: f.tr, By: conversation.Host()}))
}

// R5: a message that opens a conversation gets the new-conversation
// template, in the contact's language, once per conversation; it is an
// automatic message, published, and does not move the timeout (R7).
func TestWelcomeMessage(t *testing.T) {
	f := newFixture(t)
	withWelcome(t, f, channel.Settings{MessageTimeout: 10 * time.Minute})
	r := f.say(t, "c1", "es-MX", "u1", "Hola, mi pedido no llegó")
	require.True(t, r.Opened)
	require.Len(t, r.Automatic, 1)
	assert.Equal(t, "Hola c1, este es el ticket #1.", r.Automatic[0].Text)
	assert.Equal(t, conversation.AuthorSystem, r.Automatic[0].Author.Kind)
	assert.Equal(t, conversation.DeliverySent, r.Automatic[0].Delivery)
	assert.Equal(t, []string{"Hola c1, este es el ticket #1."}, texts(f.tr.Sent()))
	assert.Contains(t, types(f.rec.take()), conversation.EventMessageQueued)

	f.clock.Advance(3 * time.Minute)
	r = f.say(t, "c1", "es-MX", "u2", "¿Hola?")
	assert.Empty(t, r.Automatic, "once per conversation")
	assert.Len(t, f.tr.Sent(), 1)

	c := f.conversation(t, r.Conversation.ID)
	assert.Equal(t, t0.Add(3*time.Minute), c.LastActivity, "the contact's message moved it, the welcome did not")

	_, err := f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: c.ID, By: conversation.Host(), Note: conversation.ClosingNote{}})
	require.NoError(t, err)
	r = f.say(t, "c1", "en", "u3", "One more thing")
	require.True(t, r.Opened)
	require.Len(t, r.Automatic, 1, "a new conversation gets it again")
	assert.Equal(t, "Hi c1, this is ticket #1.", r.Automatic[0].Text)
}

func texts(out []channel.Outgoing) []string {
	var s []string
	for _, o := range out {
		s = append(s, o.Text)
	}
	return s
}

// R5: a message delivered twice sends the welcome once (R18).
func TestWelcomeOnceForARedelivery(t *testing.T) {
	f := newFixture(t)
	withWelcome(t, f, channel.Settings{})
	f.say(t, "c1", "en", "u1", "hello")
	r := f.say(t, "c1", "en", "u1", "hello")
	assert.True(t, r.Duplicate)
	assert.Empty(t, r.Automatic)
	assert.Len(t, f.tr.Sent(), 1)
}

// Channel settings validate the templates they name.
func TestChannelNamesUnknownTemplate(t *testing.T) {
	f := newFixture(t)
	err := f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg2", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Welcome: "nope"}}, Transport: f.tr, By: conversation.Host()})
	require.ErrorIs(t, err, channel.ErrInvalid)
	assert.Contains(t, err.Error(), `template "nope"`)
	var ce *contactcenter.Error
	require.ErrorAs(t, err, &ce)
	_, err = f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg2", ExternalID: "x", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	assert.ErrorIs(t, err, channel.ErrNotFound, "the channel was not added")

	_, err = f.eng.Template(bg, ws, "nope")
	require.ErrorIs(t, err, template.ErrNotFound)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, contactcenter.CodeNotFound, ce.Code)

	// A template of another workspace does not count.
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: "other", Template: mustTemplate(t, "welcome", template.Variant{Language: "en", Text: "hi"}), By: conversation.Host()}))
	err = f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg2", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Welcome: "welcome"}}, Transport: f.tr, By: conversation.Host()})
	assert.ErrorIs(t, err, channel.ErrInvalid)
}

// R14: a snippet is rendered for a conversation with its variables.
func TestRenderSnippet(t *testing.T) {
	f := newFixture(t)
	r := f.say(t, "Lucía Fernández", "es", "u1", "hola")
	f.reply(t, r.Conversation.ID, "ana", "Hola")
	tpl := mustTemplate(t, "thanks",
		template.Variant{Language: "en", Text: "Thanks {{contact.first_name}}, {{agent.first_name}} here about #{{ticket.number}} ({{ticket.subject}})."},
		template.Variant{Language: "es", Text: "Gracias {{contact.first_name}}, soy {{agent.first_name}}, por el #{{ticket.number}} ({{ticket.subject}})."})
	got, err := f.eng.Render(bg, ws, r.Conversation.ID, tpl)
	require.NoError(t, err)
	assert.Equal(t, "Gracias Lucía, soy Ana, por el #1 (hola).", got)
	_, err = f.eng.Render(bg, ws, "nope", tpl)
	assert.ErrorIs(t, err, conversation.ErrNotFound)
}

// officeHours is Monday to Friday, 09:00–18:00 in Madrid.
func officeHours() hours.Schedule {
	day := []hours.Interval{{Start: hours.At(9, 0), End: hours.At(18, 0)}}
	return hours.Schedule{Zone: "Europe/Madrid", Weekly: hours.Week{
		time.Monday: day, time.Tuesday: day, time.Wednesday: day, time.Thursday: day, time.Friday: day}}
}

// withOutOfHours configures channel "tg" with the out-of-hours template
// and office hours (R4), and the welcome template (R5).
func withOutOfHours(t *testing.T, f *fixture) {
	t.Helper()
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "closed",
		template.Variant{Language: "en", Text: `We are closed, {{contact.first_name | "friend"}}; we open at 9:00.`},
		template.Variant{Language: "es", Text: `Estamos cerrados, {{contact.first_name | "amigo"}}; abrimos a las 9:00.`},
	), By: conversation.Host()}))
	withWelcome(t, f, channel.Settings{MessageTimeout: 24 * time.Hour,
		OutOfHours: channel.OutOfHours{Template: "closed", Hours: officeHours()}})
}

// R4: a contact who writes while the channel is closed gets the
// out-of-hours template, once per conversation per closed period; inside
// business hours nothing; it does not move the timeout (R7).
func TestOutOfHoursMessage(t *testing.T) {
	f := newFixture(t)
	withOutOfHours(t, f)
	// Monday 10:00 in Madrid: open.
	r := f.say(t, "c1", "es", "u1", "hola")
	require.Len(t, r.Automatic, 1, "only the welcome")
	conv := r.Conversation.ID

	// Monday 19:00 in Madrid: closed until Tuesday 09:00.
	f.clock.Advance(9 * time.Hour)
	r = f.say(t, "c1", "es", "u2", "¿siguen ahí?")
	require.Len(t, r.Automatic, 1)
	assert.Equal(t, "Estamos cerrados, c1; abrimos a las 9:00.", r.Automatic[0].Text)
	assert.Equal(t, conversation.AuthorSystem, r.Automatic[0].Author.Kind)
	c := f.conversation(t, conv)
	assert.Equal(t, time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC), c.OutOfHoursUntil.UTC(), "the period ends Tuesday 09:00 Madrid")
	assert.Equal(t, t0.Add(9*time.Hour), c.LastActivity, "the contact's message, not the automatic one")

	f.clock.Advance(2 * time.Hour)
	r = f.say(t, "c1", "es", "u3", "hola???")
	assert.Empty(t, r.Automatic, "once per closed period")

	// Tuesday 11:00: open again.
	f.clock.Advance(14 * time.Hour)
	r = f.say(t, "c1", "es", "u4", "buenos días")
	assert.Empty(t, r.Automatic)

	// Tuesday 19:30: a new closed period, the same conversation.
	f.clock.Advance(8*time.Hour + 30*time.Minute)
	r = f.say(t, "c1", "es", "u5", "otra vez")
	require.Len(t, r.Automatic, 1, "a new closed period")
	assert.Equal(t, conv, r.Conversation.ID)
	assert.Equal(t, []string{
		"Hola c1, este es el ticket #1.",
		"Estamos cerrados, c1; abrimos a las 9:00.",
		"Estamos cerrados, c1; abrimos a las 9:00.",
	}, texts(f.tr.Sent()))

	// An engine started again on the same store remembers the period.
	f.clock.Advance(time.Minute)
	again, err := contactcenter.New(contactcenter.Config{Store: f.store, Now: f.clock.Now})
	require.NoError(t, err)
	require.NoError(t, again.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "closed", template.Variant{Language: "en", Text: "closed"}), By: conversation.Host()}))
	require.NoError(t, again.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{OutOfHours: channel.OutOfHours{Template: "closed", Hours: officeHours()}}}, Transport: f.tr, By: conversation.Host()}))
	got, err := again.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u6", From: contactcenter.Sender{ExternalID: "c1"}, Text: "?"})
	require.NoError(t, err)
	assert.Empty(t, got.Automatic)
}

// R4 and R5 together: a first message out of hours gets the welcome, then
// the out-of-hours message.
func TestWelcomeAndOutOfHours(t *testing.T) {
	f := newFixture(t)
	withOutOfHours(t, f)
	f.clock.Advance(-8 * time.Hour) // Monday 02:00 in Madrid
	r := f.say(t, "c2", "en", "u1", "hello")
	require.Len(t, r.Automatic, 2)
	assert.Equal(t, []string{"Hi c2, this is ticket #1.", "We are closed, c2; we open at 9:00."}, texts(f.tr.Sent()))
	evs := types(f.rec.take())
	assert.Equal(t, 2, count(evs, conversation.EventMessageQueued))
}

func count[T comparable](s []T, v T) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// R4: business hours are checked when the channel is configured.
func TestOutOfHoursValidated(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "closed", template.Variant{Language: "en", Text: "closed"}), By: conversation.Host()}))
	bad := officeHours()
	bad.Zone = "Mars/Olympus"
	err := f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{OutOfHours: channel.OutOfHours{Template: "closed", Hours: bad}}}, Transport: f.tr, By: conversation.Host()})
	require.ErrorIs(t, err, channel.ErrInvalid)
	assert.ErrorIs(t, err, hours.ErrInvalid)
	assert.Contains(t, err.Error(), "Mars/Olympus")
	err = f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{OutOfHours: channel.OutOfHours{Template: "missing", Hours: officeHours()}}}, Transport: f.tr, By: conversation.Host()})
	assert.ErrorIs(t, err, channel.ErrInvalid)
}

// R4, R5: a template that renders blank (every variable fell back to
// nothing) sends nothing, and a blank out-of-hours message is not recorded
// as sent: the next message of the closed period gets it once it renders,
// here with the agent who took the conversation meanwhile.
func TestAutomaticMessageRenderedBlank(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "welcome", template.Variant{Language: "en", Text: " {{contact.fields.nickname}} "}), By: conversation.Host()}))
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "closed", template.Variant{Language: "en", Text: "{{contact.fields.nickname}}{{agent.first_name}}"}), By: conversation.Host()}))
	require.NoError(t, f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Welcome: "welcome", OutOfHours: channel.OutOfHours{Template: "closed", Hours: officeHours()}}}, Transport: f.tr, By: conversation.Host()}))

	r := f.say(t, "c1", "en", "u1", "hello") // Monday 10:00 in Madrid: open
	require.True(t, r.Opened)
	assert.Empty(t, r.Automatic, "a blank welcome is no message")

	f.clock.Advance(9 * time.Hour) // 19:00: closed
	r = f.say(t, "c1", "en", "u2", "anyone?")
	assert.Empty(t, r.Automatic, "a blank out-of-hours message is no message")
	assert.True(t, f.conversation(t, r.Conversation.ID).OutOfHoursUntil.IsZero(), "and is not recorded as sent")
	assert.Empty(t, f.tr.Sent())
	assert.Zero(t, count(types(f.rec.take()), conversation.EventMessageQueued))

	f.reply(t, r.Conversation.ID, "ana", "Here")
	f.clock.Advance(5 * time.Minute)
	r = f.say(t, "c1", "en", "u3", "thanks")
	require.Len(t, r.Automatic, 1, "it renders now: the conversation has an agent")
	assert.Equal(t, "Ana", r.Automatic[0].Text)
	assert.False(t, f.conversation(t, r.Conversation.ID).OutOfHoursUntil.IsZero())
}
