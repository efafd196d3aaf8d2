package contactcenter_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/hours"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/faultstore"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/template"
)

// configRecords returns the workspace's stored configuration records, as
// kind/name@version.
func configRecords(t *testing.T, s store.Store) []string {
	t.Helper()
	var out []string
	require.NoError(t, s.View(bg, func(tx store.Tx) error {
		cs, err := tx.Configs(bg, ws, "")
		for _, c := range cs {
			out = append(out, contactcenter.ConfigDetail(c.Kind, c.Name, c.Version))
		}
		return err
	}))
	return out
}

// A change of the configuration is stored with a version, in one step
// with its config.changed event, made by the actor given; deleting publishes
// config.deleted with the version deleted.
func TestConfigEvents(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "welcome", template.Variant{Language: "en", Text: "Hi"}), By: conversation.Host()}))
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "welcome", template.Variant{Language: "en", Text: "Hello"}), By: conversation.Host()}))
	require.NoError(t, f.eng.DeleteTemplate(bg, contactcenter.TemplateDeletion{Workspace: ws, Name: "welcome", By: conversation.Host()}))
	evs := f.rec.take()
	require.Len(t, evs, 3)
	for i, want := range []struct {
		typ     conversation.EventType
		version int64
	}{{contactcenter.EventConfigChanged, 1}, {contactcenter.EventConfigChanged, 2}, {contactcenter.EventConfigDeleted, 2}} {
		e := evs[i]
		assert.Equal(t, want.typ, e.Type)
		assert.Equal(t, ws, e.Workspace)
		assert.Equal(t, conversation.ActorHost, e.Actor.Kind)
		kind, name, version, ok := contactcenter.ParseConfigDetail(e.Detail)
		require.True(t, ok, e.Detail)
		assert.Equal(t, contactcenter.ConfigTemplate, kind)
		assert.Equal(t, "welcome", name)
		assert.Equal(t, want.version, version)
	}
	assert.Equal(t, []string{"channel/tg@1"}, configRecords(t, f.store))
	_, _, _, ok := contactcenter.ParseConfigDetail("no detail")
	assert.False(t, ok)
}

// Deleting a template a channel names, or service hours, is refused with
// CodeConflict naming the channel, and changes nothing; once the channel
// no longer names them they can go. Unknown records are CodeNotFound.
func TestDeleteRefusedWhileNamed(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "closed", template.Variant{Language: "en", Text: "We are closed."}), By: conversation.Host()}))
	require.NoError(t, f.eng.PutServiceHours(bg, contactcenter.ServiceHoursChange{Workspace: ws, Service: "support", Hours: officeHours(), By: conversation.Host()}))
	withWelcome(t, f, channel.Settings{OutOfHours: channel.OutOfHours{Template: "closed", Service: "support"}})
	before := configRecords(t, f.store)
	f.rec.take()

	err := f.eng.DeleteTemplate(bg, contactcenter.TemplateDeletion{Workspace: ws, Name: "welcome", By: conversation.Host()})
	require.ErrorIs(t, err, contactcenter.ErrConflict)
	assert.Equal(t, contactcenter.CodeConflict, contactcenter.ErrorCode(err))
	assert.Contains(t, err.Error(), `channel "tg"`)
	var re *store.ReferencedError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, []store.ConfigRef{{Kind: contactcenter.ConfigChannel, Name: "tg"}}, re.By)
	err = f.eng.DeleteServiceHours(bg, contactcenter.ServiceHoursDeletion{Workspace: ws, Service: "support", By: conversation.Host()})
	require.ErrorIs(t, err, store.ErrReferenced)
	assert.Equal(t, contactcenter.CodeConflict, contactcenter.ErrorCode(err))
	assert.Equal(t, before, configRecords(t, f.store), "nothing deleted")
	assert.Empty(t, f.rec.take(), "no event")
	r := f.say(t, "c1", "en", "u1", "hi")
	require.Len(t, r.Automatic, 1, "the welcome is still sent")

	// Unknown records.
	err = f.eng.DeleteTemplate(bg, contactcenter.TemplateDeletion{Workspace: ws, Name: "nope", By: conversation.Host()})
	require.ErrorIs(t, err, template.ErrNotFound)
	assert.Equal(t, contactcenter.CodeNotFound, contactcenter.ErrorCode(err))
	require.ErrorIs(t, f.eng.DeleteServiceHours(bg, contactcenter.ServiceHoursDeletion{Workspace: ws, Service: "nope", By: conversation.Host()}), hours.ErrNotFound)
	require.ErrorIs(t, f.eng.DeleteSnippet(bg, contactcenter.SnippetDeletion{Workspace: ws, Shortcut: "nope", By: conversation.Host()}), contactcenter.ErrNotFound)
	require.ErrorIs(t, f.eng.DeleteChannel(bg, contactcenter.ChannelDeletion{Workspace: ws, Channel: "nope", By: conversation.Host()}), channel.ErrNotFound)

	// The channel without them frees them; a deleted channel is gone.
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, By: conversation.Host()}))
	require.NoError(t, f.eng.DeleteTemplate(bg, contactcenter.TemplateDeletion{Workspace: ws, Name: "welcome", By: conversation.Host()}))
	require.NoError(t, f.eng.DeleteServiceHours(bg, contactcenter.ServiceHoursDeletion{Workspace: ws, Service: "support", By: conversation.Host()}))
	r = f.say(t, "c2", "en", "u2", "hi")
	assert.Empty(t, r.Automatic)
	require.NoError(t, f.eng.DeleteChannel(bg, contactcenter.ChannelDeletion{Workspace: ws, Channel: "tg", By: conversation.Host()}))
	_, err = f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u3", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	require.ErrorIs(t, err, channel.ErrNotFound)
	_, err = f.eng.Channel(bg, ws, "tg")
	require.ErrorIs(t, err, contactcenter.ErrNotFound)
	assert.Equal(t, []string{"template/closed@1"}, configRecords(t, f.store))
}

// Invalid configuration is refused with CodeInvalid: nothing is stored and
// no event published, and what was in place stays.
func TestInvalidConfigRefused(t *testing.T) {
	f := newFixture(t)
	before := configRecords(t, f.store)
	stored, err := f.eng.Channel(bg, ws, "tg")
	require.NoError(t, err)
	for name, err := range map[string]error{
		"template without workspace": f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: "", Template: mustTemplate(t, "x", template.Variant{Language: "en", Text: "x"}), By: conversation.Host()}),
		"no template":                f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: nil, By: conversation.Host()}),
		"bad shortcut":               f.eng.PutSnippet(bg, contactcenter.SnippetChange{Workspace: ws, Snippet: template.Snippet{Shortcut: "Not OK", Template: mustTemplate(t, "x", template.Variant{Language: "en", Text: "x"})}, By: conversation.Host()}),
		"snippet without template":   f.eng.PutSnippet(bg, contactcenter.SnippetChange{Workspace: ws, Snippet: template.Snippet{Shortcut: "ok"}, By: conversation.Host()}),
		"snippet without workspace":  f.eng.PutSnippet(bg, contactcenter.SnippetChange{Workspace: "", Snippet: template.Snippet{Shortcut: "ok", Template: mustTemplate(t, "x", template.Variant{Language: "en", Text: "x"})}, By: conversation.Host()}),
		"bad hours":                  f.eng.PutServiceHours(bg, contactcenter.ServiceHoursChange{Workspace: ws, Service: "support", Hours: hours.Schedule{Zone: "Nowhere/Atlantis"}, By: conversation.Host()}),
		"channel naming a missing template": f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
			Settings: channel.Settings{Welcome: "nope"}}, By: conversation.Host()}),
		"channel naming a missing service": f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
			Settings: channel.Settings{OutOfHours: channel.OutOfHours{Template: "nope", Service: "nope"}}}, By: conversation.Host()}),
		"channel with a bad timeout": f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
			Settings: channel.Settings{MessageTimeout: 90}}, By: conversation.Host()}),
		"channel of a kind without transport": f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "web", Workspace: ws, Kind: "web", Account: "site"}, By: conversation.Host()}),
	} {
		assert.ErrorIs(t, err, contactcenter.ErrInvalid, name)
		assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err), name)
	}
	assert.Equal(t, before, configRecords(t, f.store), "nothing stored")
	assert.Empty(t, f.rec.take(), "no event")
	after, err := f.eng.Channel(bg, ws, "tg")
	require.NoError(t, err)
	assert.Equal(t, stored, after, "the channel in place stays")
	_, err = f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "web", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	require.ErrorIs(t, err, channel.ErrNotFound)
}

// A store that fails while a template or channel is put leaves the old
// one in place, in the store and in the engine's use: the next message
// gets the old welcome.
func TestFailedPutKeepsConfig(t *testing.T) {
	for _, rule := range []faultstore.Rule{
		{Op: faultstore.OpTxPutConfig, When: faultstore.Before, Next: 1},
		{Op: faultstore.OpTxAppendEvent, When: faultstore.After, Next: 1},
		{Op: faultstore.OpUpdate, When: faultstore.Before, Next: 1},
	} {
		t.Run(string(rule.Op), func(t *testing.T) {
			fs := faultstore.New(memory.New(), 1)
			f := newFixtureOn(t, fs, fullCaps)
			withWelcome(t, f, channel.Settings{})
			before := configRecords(t, fs)
			require.NoError(t, fs.Add(rule))
			err := f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "welcome", template.Variant{Language: "en", Text: "Changed"}), By: conversation.Host()})
			require.ErrorIs(t, err, faultstore.ErrInjected)
			assert.Equal(t, contactcenter.CodeUnavailable, contactcenter.ErrorCode(err))
			require.NoError(t, fs.Add(rule))
			nt := channel.NewMemoryTransport(fullCaps)
			err = f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: nt, By: conversation.Host()})
			require.ErrorIs(t, err, faultstore.ErrInjected)
			assert.Equal(t, before, configRecords(t, fs))
			tpl, err := f.eng.Template(bg, ws, "welcome")
			require.NoError(t, err)
			assert.Contains(t, tpl.Variants()[0].Text, "Hi ")
			r := f.say(t, "Lucía", "en", "u1", "hi")
			require.Len(t, r.Automatic, 1, "the channel still names its welcome")
			assert.Equal(t, "Hi Lucía, this is ticket #1.", r.Automatic[0].Text)
			assert.Empty(t, nt.Sent(), "the refused channel's transport is not taken")
			assert.Len(t, f.tr.Sent(), 1)
		})
	}
}

// A channel another engine stored is served by an engine given its
// transport; without one, its messages fail with CodeUnavailable
// (channel.ErrNoTransport) naming what is missing, until the host gives it.
func TestStoredChannelNeedsTransport(t *testing.T) {
	f := newFixture(t)
	other, err := contactcenter.New(contactcenter.Config{Store: f.store, Now: f.clock.Now, NewID: contactcenter.SequentialIDs("other")})
	require.NoError(t, err)
	in := contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"}
	_, err = other.Receive(bg, in)
	require.ErrorIs(t, err, channel.ErrNoTransport)
	assert.Equal(t, contactcenter.CodeUnavailable, contactcenter.ErrorCode(err))
	assert.Contains(t, err.Error(), `"telegram"`)
	assert.Contains(t, err.Error(), `"bot"`)
	c, err := other.Channel(bg, ws, "tg")
	require.NoError(t, err, "the channel is stored all the same")
	assert.Equal(t, channel.Kind(channel.KindTelegram), c.Kind)

	require.ErrorIs(t, other.PutTransport("", "", f.tr), contactcenter.ErrInvalid)
	require.ErrorIs(t, other.PutTransport(channel.KindTelegram, "", nil), contactcenter.ErrInvalid)
	require.NoError(t, other.PutTransport(channel.KindTelegram, "", f.tr), "every account of the kind")
	r, err := other.Receive(bg, in)
	require.NoError(t, err)
	assert.True(t, r.Opened)

	// A transport of the account goes before the kind's.
	own := channel.NewMemoryTransport(fullCaps)
	require.NoError(t, other.PutTransport(channel.KindTelegram, "bot", own))
	_, err = other.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: "ana", Text: "hola"})
	require.NoError(t, err)
	assert.Len(t, own.Sent(), 1)

	// Config.Transports gives them from the start.
	third, err := contactcenter.New(contactcenter.Config{Store: f.store, NewID: contactcenter.SequentialIDs("third"),
		Transports: map[channel.Kind]channel.Transport{channel.KindTelegram: f.tr}})
	require.NoError(t, err)
	in.ExternalID = "u2"
	_, err = third.Receive(bg, in)
	require.NoError(t, err)
}

// R14: snippets are stored, found by the start of their shortcut and
// rendered for a conversation with its variables; another engine on the
// store has them too.
func TestSnippets(t *testing.T) {
	f := newFixture(t)
	r := f.say(t, "Lucía Fernández", "es", "u1", "hola")
	f.reply(t, r.Conversation.ID, "ana", "Hola")
	for _, sn := range []template.Snippet{
		{Shortcut: "thanks", Template: mustTemplate(t, "thanks",
			template.Variant{Language: "en", Text: "Thanks {{contact.first_name}}, {{agent.first_name}} here."},
			template.Variant{Language: "es", Text: "Gracias {{contact.first_name}}, soy {{agent.first_name}}."})},
		{Shortcut: "thanks-long", Template: mustTemplate(t, "thanks-long", template.Variant{Language: "en", Text: "Thank you very much."})},
		{Shortcut: "bye", Template: mustTemplate(t, "bye", template.Variant{Language: "en", Text: "Bye"})},
	} {
		require.NoError(t, f.eng.PutSnippet(bg, contactcenter.SnippetChange{Workspace: ws, Snippet: sn, By: conversation.Host()}))
	}
	other, err := contactcenter.New(contactcenter.Config{Store: f.store, Transports: map[channel.Kind]channel.Transport{channel.KindTelegram: f.tr}})
	require.NoError(t, err)
	for _, eng := range []*contactcenter.Engine{f.eng, other} {
		found, err := eng.Snippets(bg, ws, "/Thanks", 0)
		require.NoError(t, err)
		require.Len(t, found, 2)
		assert.Equal(t, "thanks", found[0].Shortcut)
		assert.Equal(t, "thanks-long", found[1].Shortcut)
		got, err := eng.RenderSnippet(bg, ws, r.Conversation.ID, "thanks")
		require.NoError(t, err)
		assert.Equal(t, "Gracias Lucía, soy Ana.", got)
	}
	_, err = f.eng.RenderSnippet(bg, ws, r.Conversation.ID, "nope")
	require.ErrorIs(t, err, template.ErrNotFound)
	require.NoError(t, f.eng.DeleteSnippet(bg, contactcenter.SnippetDeletion{Workspace: ws, Shortcut: "thanks", By: conversation.Host()}))
	found, err := other.Snippets(bg, ws, "", 0)
	require.NoError(t, err)
	require.Len(t, found, 2)
	assert.Equal(t, "bye", found[0].Shortcut)
}

// R5 across engines: a template changed through one engine is what the
// other's next message renders, with no restart; so is a channel's change.
func TestConfigSharedByEngines(t *testing.T) {
	f := newFixture(t)
	withWelcome(t, f, channel.Settings{})
	other, err := contactcenter.New(contactcenter.Config{Store: f.store, Now: f.clock.Now, NewID: contactcenter.SequentialIDs("b"),
		Transports: map[channel.Kind]channel.Transport{channel.KindTelegram: f.tr}})
	require.NoError(t, err)
	shareConfig(t, f.eng, other)
}

// shareConfig changes the welcome template through a and checks that
// b's next first message renders it; then turns the welcome off through
// a, and b sends none.
func shareConfig(t *testing.T, a, b *contactcenter.Engine) {
	t.Helper()
	say := func(contact, ext string) contactcenter.Received {
		r, err := b.Receive(context.Background(), contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: ext,
			From: contactcenter.Sender{ExternalID: contact, Name: contact, Language: "en"}, Text: "hi"})
		require.NoError(t, err)
		return r
	}
	r := say("c1", "s1")
	require.Len(t, r.Automatic, 1)
	assert.Equal(t, "Hi c1, this is ticket #1.", r.Automatic[0].Text)
	require.NoError(t, a.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "welcome", template.Variant{Language: "en", Text: "Welcome back, {{contact.first_name}}."}), By: conversation.Host()}))
	r = say("c2", "s2")
	require.Len(t, r.Automatic, 1)
	assert.Equal(t, "Welcome back, c2.", r.Automatic[0].Text, "the other engine's next message")
	require.NoError(t, a.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, By: conversation.Host()}))
	r = say("c3", "s3")
	assert.Empty(t, r.Automatic, "the channel no longer names a welcome")
}

// R3 after a restart: an engine whose first command in a workspace is an
// agent going offline reads the stored channel's settings, and
// reassigns the agent's conversation.
func TestStoredSettingsApplyOnFirstCommand(t *testing.T) {
	f := newAssigningFixture(t, channel.Settings{ReassignAbandoned: true})
	f.put(t, conversation.Agent{ID: "ana", Presence: conversation.Online})
	a := f.write(t, "c1", "u1", "hi").Conversation
	f.reply(t, a.ID, "ana", "mine")
	f.put(t, conversation.Agent{ID: "bruno", Presence: conversation.Online})

	restarted, err := contactcenter.New(contactcenter.Config{Store: f.store, Now: f.clock.Now, NewID: contactcenter.SequentialIDs("r"),
		Transports: map[channel.Kind]channel.Transport{channel.KindTelegram: f.tr}})
	require.NoError(t, err)
	_, err = restarted.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Offline, By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("bruno"), f.conversation(t, a.ID).Assignee)
}

// The store's refusals of configuration records have codes of their own:
// a record naming a missing one is invalid, deleting a named one a
// conflict.
func TestConfigErrorCodes(t *testing.T) {
	dangling := store.DanglingError(store.Config{Workspace: ws, Kind: contactcenter.ConfigChannel, Name: "tg"}, store.ConfigRef{Kind: contactcenter.ConfigTemplate, Name: "welcome"})
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(dangling))
	assert.Contains(t, dangling.Error(), `template "welcome"`)
	named := &store.ReferencedError{Workspace: ws, Config: store.ConfigRef{Kind: contactcenter.ConfigTemplate, Name: "welcome"},
		By: []store.ConfigRef{{Kind: contactcenter.ConfigChannel, Name: "tg"}, {Kind: contactcenter.ConfigChannel, Name: "web"}}}
	assert.Equal(t, contactcenter.CodeConflict, contactcenter.ErrorCode(named))
	assert.Contains(t, named.Error(), `channel "tg", channel "web"`)
}
