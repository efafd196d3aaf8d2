package contactcenter_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/template"
)

// configCommands are the configuration commands, each made by actor by on
// records the fixture does not have (puts) or has (deletes, after
// seedConfig): a template, a snippet, service hours and a channel "web".
func configCommands(t *testing.T, f *fixture) map[string]func(by conversation.Actor) error {
	hello := mustTemplate(t, "hello", template.Variant{Language: "en", Text: "Hello"})
	web := channel.Channel{ID: "web", Workspace: ws, Kind: channel.KindMemory, Account: "site"}
	tr := channel.NewMemoryTransport(fullCaps)
	return map[string]func(by conversation.Actor) error{
		"put template": func(by conversation.Actor) error {
			return f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: hello, By: by})
		},
		"put snippet": func(by conversation.Actor) error {
			return f.eng.PutSnippet(bg, contactcenter.SnippetChange{Workspace: ws, Snippet: template.Snippet{Shortcut: "hi", Template: hello}, By: by})
		},
		"put service hours": func(by conversation.Actor) error {
			return f.eng.PutServiceHours(bg, contactcenter.ServiceHoursChange{Workspace: ws, Service: "sales", Hours: officeHours(), By: by})
		},
		"put channel": func(by conversation.Actor) error {
			return f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: web, Transport: tr, By: by})
		},
		"delete template": func(by conversation.Actor) error {
			return f.eng.DeleteTemplate(bg, contactcenter.TemplateDeletion{Workspace: ws, Name: "bye", By: by})
		},
		"delete snippet": func(by conversation.Actor) error {
			return f.eng.DeleteSnippet(bg, contactcenter.SnippetDeletion{Workspace: ws, Shortcut: "bye", By: by})
		},
		"delete service hours": func(by conversation.Actor) error {
			return f.eng.DeleteServiceHours(bg, contactcenter.ServiceHoursDeletion{Workspace: ws, Service: "support", By: by})
		},
		"delete channel": func(by conversation.Actor) error {
			return f.eng.DeleteChannel(bg, contactcenter.ChannelDeletion{Workspace: ws, Channel: "tg", By: by})
		},
	}
}

// seedConfig stores, as the host, the records configCommands deletes.
func seedConfig(t *testing.T, f *fixture) {
	t.Helper()
	bye := mustTemplate(t, "bye", template.Variant{Language: "en", Text: "Bye"})
	require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: bye, By: conversation.Host()}))
	require.NoError(t, f.eng.PutSnippet(bg, contactcenter.SnippetChange{Workspace: ws, Snippet: template.Snippet{Shortcut: "bye", Template: bye}, By: conversation.Host()}))
	require.NoError(t, f.eng.PutServiceHours(bg, contactcenter.ServiceHoursChange{Workspace: ws, Service: "support", Hours: officeHours(), By: conversation.Host()}))
	f.rec.take()
}

// Every configuration command names who makes it, with a typed actor: none
// (or one without id) is CodeInvalid, an agent the workspace does not have
// CodeNotFound, an agent who is no supervisor, a supervisor of another
// workspace and a contact CodeForbidden; each leaves the configuration as
// it was and publishes nothing (R19).
func TestConfigNeedsAnActorWhoMaySetUp(t *testing.T) {
	f := newFixture(t)
	seedConfig(t, f)
	_, err := f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "zoe", Workspace: "globex", Name: "Zoe", Role: conversation.RoleSupervisor}, By: conversation.Host()})
	require.NoError(t, err)
	f.rec.take()
	before := configRecords(t, f.store)
	refused := map[string]struct {
		by   conversation.Actor
		want error
	}{
		"no actor":                          {conversation.Actor{}, contactcenter.ErrInvalid},
		"a bot without name":                {conversation.Actor{Kind: conversation.ActorBot}, contactcenter.ErrInvalid},
		"an unknown agent":                  {conversation.AsAgent("nobody"), contactcenter.ErrNotFound},
		"a supervisor of another workspace": {conversation.AsAgent("zoe"), contactcenter.ErrNotFound},
		"an agent, not a supervisor":        {conversation.AsAgent("ana"), contactcenter.ErrForbidden},
		"a contact":                         {conversation.AsContact("k1"), contactcenter.ErrForbidden},
	}
	for cmd, run := range configCommands(t, f) {
		for name, tt := range refused {
			err := run(tt.by)
			assert.ErrorIs(t, err, tt.want, "%s by %s", cmd, name)
			var ce *contactcenter.Error
			if assert.ErrorAs(t, err, &ce, "%s by %s", cmd, name) {
				assert.Equal(t, tt.want.(*contactcenter.Error).Code, ce.Code, "%s by %s", cmd, name)
			}
		}
	}
	assert.Equal(t, before, configRecords(t, f.store), "nothing was stored or deleted")
	assert.Empty(t, f.rec.take(), "nothing was published")
}

// A supervisor of the workspace, the host and the automations may change
// the configuration, and the config.changed and config.deleted events carry
// who did (R17).
func TestConfigEventsCarryTheActor(t *testing.T) {
	for _, by := range []conversation.Actor{
		conversation.AsAgent("sol"), conversation.AsBot("setup-bot"), conversation.AsWorkflow("run-9"), conversation.Host(),
	} {
		t.Run(by.String(), func(t *testing.T) {
			f := newFixture(t)
			seedConfig(t, f)
			for cmd, run := range configCommands(t, f) {
				require.NoError(t, run(by), cmd)
				evs := f.rec.take()
				require.Len(t, evs, 1, cmd)
				want := contactcenter.EventConfigChanged
				if cmd[:6] == "delete" {
					want = contactcenter.EventConfigDeleted
				}
				assert.Equal(t, want, evs[0].Type, cmd)
				assert.Equal(t, by, evs[0].Actor, "%s: the event carries who made it", cmd)
				assert.Equal(t, conversation.CauseCommand, evs[0].Cause.Kind, cmd)
				assert.Equal(t, cmd, evs[0].Cause.Name, cmd)
			}
			assert.ElementsMatch(t, []string{"template/hello@1", "snippet/hi@1", "service_hours/sales@1", "channel/web@1"}, configRecords(t, f.store))
		})
	}
}
