package contactcenter_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/faultstore"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// otherEngine returns a second engine on f's store, with f's transport.
func otherEngine(t *testing.T, f *fixture) *contactcenter.Engine {
	t.Helper()
	other, err := contactcenter.New(contactcenter.Config{Store: f.store, Now: f.clock.Now, NewID: contactcenter.SequentialIDs("b"),
		Transports: map[channel.Kind]channel.Transport{channel.KindTelegram: f.tr}})
	require.NoError(t, err)
	return other
}

// A channel stored through one engine serves the other's next message at
// once, although the other read the workspace's configuration a moment
// before.
func TestNewChannelServedByOtherEngineAtOnce(t *testing.T) {
	f := newFixture(t)
	other := otherEngine(t, f)
	say := func(ch channel.ID, ext string) (contactcenter.Received, error) {
		return other.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: ch, ExternalID: ext,
			From: contactcenter.Sender{ExternalID: "c-" + ext, Name: "C"}, Text: "hi"})
	}
	_, err := say("tg", "u1") // the other engine now holds a copy
	require.NoError(t, err)
	_, err = say("web", "u2")
	require.ErrorIs(t, err, channel.ErrNotFound, "not stored yet")
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "web", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, By: conversation.Host()}))
	r, err := say("web", "u3")
	require.NoError(t, err, "the channel stored a moment ago")
	assert.Equal(t, channel.ID("web"), r.Conversation.Channel)
}

// Changes of the configuration on the engine that serves messages never
// make a message miss its welcome template: a message renders with the
// configuration its transaction read, whole.
func TestConfigChangesDoNotTearMessages(t *testing.T) {
	f := newFixture(t)
	withWelcome(t, f, channel.Settings{})
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			sn := template.Snippet{Shortcut: "s", Template: mustTemplate(t, "s", template.Variant{Language: "en", Text: strings.Repeat("x", i%7+1)})}
			if err := f.eng.PutSnippet(bg, contactcenter.SnippetChange{Workspace: ws, Snippet: sn, By: conversation.Host()}); err != nil {
				t.Error(err)
				return
			}
			// A transport put again: the channels bind again.
			tr := channel.NewMemoryTransport(fullCaps)
			if i%2 == 0 {
				tr = f.tr
			}
			if err := f.eng.PutTransport(channel.KindTelegram, "bot", tr); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := range 3000 {
		ext := "m" + string(rune('a'+i%26)) + strings.Repeat("z", i/26)
		r, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: ext,
			From: contactcenter.Sender{ExternalID: ext, Name: "C", Language: "en"}, Text: "hi"})
		require.NoError(t, err)
		require.Len(t, r.Automatic, 1, "message %d", i)
	}
	stop.Store(true)
	wg.Wait()
}

// Render fills in the channel's values on an engine that has not read
// the workspace's configuration yet.
func TestRenderReadsChannelOnFreshEngine(t *testing.T) {
	f := newFixture(t)
	c := f.write(t, "c1", "u1", "hi").Conversation
	fresh := otherEngine(t, f)
	tpl := mustTemplate(t, "ch", template.Variant{Language: "en", Text: `{{channel.id | "none"}}`})
	out, err := fresh.Render(bg, ws, c.ID, tpl)
	require.NoError(t, err)
	assert.Equal(t, "tg", out)
}

// Names of configuration records and workspaces are checked alike on
// every store: empty, too long, not UTF-8, with control characters — all
// CodeInvalid, and nothing is stored. A template's text with a NUL byte
// is refused too.
func TestConfigNamesChecked(t *testing.T) {
	f := newFixture(t)
	before := configRecords(t, f.store)
	long := strings.Repeat("n", contactcenter.MaxConfigName+1)
	for name, put := range map[string]func() error{
		"long template name": func() error {
			return putTemplate(f, ws, mustTemplate(t, long, template.Variant{Language: "en", Text: "x"}))
		},
		"control character": func() error {
			return putTemplate(f, ws, mustTemplate(t, "a\x01b", template.Variant{Language: "en", Text: "x"}))
		},
		"not UTF-8": func() error {
			return f.eng.PutServiceHours(bg, contactcenter.ServiceHoursChange{Workspace: ws, Service: "s\xff", Hours: officeHours(), By: conversation.Host()})
		},
		"long workspace": func() error {
			return putTemplate(f, ticket.WorkspaceID(long), mustTemplate(t, "ok", template.Variant{Language: "en", Text: "x"}))
		},
		"NUL in a text": func() error {
			return putTemplate(f, ws, mustTemplate(t, "nul", template.Variant{Language: "en", Text: "a\x00b"}))
		},
		"delete with a long name": func() error {
			return f.eng.DeleteTemplate(bg, contactcenter.TemplateDeletion{Workspace: ws, Name: long, By: conversation.Host()})
		},
	} {
		err := put()
		require.Error(t, err, name)
		assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err), "%s: %v", name, err)
	}
	assert.Equal(t, before, configRecords(t, f.store))
}

// A search in a workspace whose channels were all deleted still finds its
// contacts: the workspace is known once it had configuration.
func TestSearchAfterLastChannelDeleted(t *testing.T) {
	f := newFixture(t)
	f.write(t, "c1", "u1", "hi")
	require.NoError(t, f.eng.DeleteChannel(bg, contactcenter.ChannelDeletion{Workspace: ws, Channel: "tg", By: conversation.Host()}))
	found, _, err := f.eng.SearchContacts(bg, ws, store.ContactQuery{Name: "contact"})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "Contact c1", found[0].Name)
}

// putTemplate puts template tpl in workspace w through f's engine, as the
// host.
func putTemplate(f *fixture, w ticket.WorkspaceID, tpl *template.Template) error {
	return f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: w, Template: tpl, By: conversation.Host()})
}

// A change of the configuration whose commit fails leaves no trace in any
// engine's copy: the next change that commits is what messages render,
// also on an engine that had no copy when the failed one ran.
func TestFailedCommitLeavesNoCopy(t *testing.T) {
	fs := faultstore.New(memory.New(), 1)
	f := newFixtureOn(t, fs, fullCaps)
	withWelcome(t, f, channel.Settings{})
	fresh := otherEngine(t, f) // holds no copy yet
	welcome := func(text string) contactcenter.TemplateChange {
		return contactcenter.TemplateChange{Workspace: ws, Template: mustTemplate(t, "welcome", template.Variant{Language: "en", Text: text}), By: conversation.Host()}
	}
	require.NoError(t, fs.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.AtCommit, Next: 1}))
	require.ErrorIs(t, fresh.PutTemplate(bg, welcome("Rolled back")), faultstore.ErrInjected)
	require.NoError(t, fresh.PutTemplate(bg, welcome("Committed")))
	r, err := fresh.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1",
		From: contactcenter.Sender{ExternalID: "c1", Name: "C", Language: "en"}, Text: "hi"})
	require.NoError(t, err)
	require.Len(t, r.Automatic, 1)
	assert.Equal(t, "Committed", r.Automatic[0].Text)
}

// R11: a channel changed to assign automatically assigns the
// conversations already waiting on it, without waiting for another event.
func TestChannelTurnedToAutoAssignAssignsTheQueue(t *testing.T) {
	f := newFixture(t)
	c := f.write(t, "c1", "u1", "hi").Conversation
	require.True(t, c.Waiting())
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{By: conversation.Host(),
		Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
			Settings: channel.Settings{Assignment: channel.Assignment{Strategy: "least_busy"}}}}))
	assert.NotEmpty(t, f.conversation(t, c.ID).Assignee, "assigned once the channel assigns")
}

// R11 after a restart: an engine that gets its transport with the channel
// (PutChannel's Transport, as a host re-registers its channels at start)
// assigns the conversations already waiting once the channel assigns.
func TestChannelPutWithItsTransportAssignsTheQueue(t *testing.T) {
	f := newFixture(t)
	c := f.write(t, "c1", "u1", "hi").Conversation
	require.True(t, c.Waiting())
	restarted, err := contactcenter.New(contactcenter.Config{Store: f.store, Now: f.clock.Now, NewID: contactcenter.SequentialIDs("r")})
	require.NoError(t, err)
	require.NoError(t, restarted.PutChannel(bg, contactcenter.ChannelChange{By: conversation.Host(), Transport: f.tr,
		Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
			Settings: channel.Settings{Assignment: channel.Assignment{Strategy: "least_busy"}}}}))
	assert.NotEmpty(t, f.conversation(t, c.ID).Assignee, "assigned by the engine that just got the transport")
}

// R11, R18: the assignment a channel's change starts is stored with the
// change; when it fails right after the commit (the store fails the
// assignment's step), nothing is lost: the job is due again, and the
// waiting conversation is assigned when timers fire after the grace.
func TestChannelAssignmentSurvivesAFailedStep(t *testing.T) {
	fs := faultstore.New(memory.New(), 1)
	f := newFixtureOn(t, fs, fullCaps)
	c := f.write(t, "c1", "u1", "hi").Conversation
	require.NoError(t, fs.Add(faultstore.Rule{Op: faultstore.OpTxAgents, When: faultstore.Before, Next: 1}))
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{By: conversation.Host(),
		Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
			Settings: channel.Settings{Assignment: channel.Assignment{Strategy: "least_busy"}}}}), "the change committed")
	require.Equal(t, 1, fs.Injected())
	assert.Empty(t, f.conversation(t, c.ID).Assignee, "the assignment's step failed")
	f.clock.Advance(contactcenter.ReactionGrace + time.Second)
	_, err := f.eng.FireTimers(bg)
	require.NoError(t, err)
	assert.NotEmpty(t, f.conversation(t, c.ID).Assignee, "assigned by the stored job")
}
