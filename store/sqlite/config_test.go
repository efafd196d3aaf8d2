package sqlite_test

import (
	"context"
	"path/filepath"
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

// A restart keeps the configuration: an engine on a reopened file has
// the channels, templates, snippets and service hours the last process
// stored, and serves the channel with them (R4, R5, R14).
func TestConfigKeptAcrossRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	day := []hours.Interval{{Start: hours.At(9, 0), End: hours.At(18, 0)}}
	office := hours.Schedule{Zone: "Europe/Madrid", Weekly: hours.Week{
		time.Monday: day, time.Tuesday: day, time.Wednesday: day, time.Thursday: day, time.Friday: day}}
	sunday := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // closed
	must := func(name string, vs ...template.Variant) *template.Template {
		tpl, err := template.New(name, vs...)
		require.NoError(t, err)
		return tpl
	}
	settings := channel.Settings{Welcome: "welcome", MessageTimeout: time.Hour,
		OutOfHours: channel.OutOfHours{Template: "closed", Service: "support"}}

	s := open(t, path)
	eng, err := contactcenter.New(contactcenter.Config{Store: s, NewID: contactcenter.SequentialIDs("run1-")})
	require.NoError(t, err)
	require.NoError(t, eng.PutTemplate(ctx, contactcenter.TemplateChange{Workspace: "w", Template: must("welcome",
		template.Variant{Language: "en", Text: "Hi {{contact.first_name}}."},
		template.Variant{Language: "es", Text: "Hola {{contact.first_name}}."}), By: conversation.Host()}))
	require.NoError(t, eng.PutTemplate(ctx, contactcenter.TemplateChange{Workspace: "w", Template: must("closed", template.Variant{Language: "en", Text: "We are closed."}), By: conversation.Host()}))
	require.NoError(t, eng.PutSnippet(ctx, contactcenter.SnippetChange{Workspace: "w", Snippet: template.Snippet{Shortcut: "thanks", Template: must("thanks", template.Variant{Language: "en", Text: "Thanks!"})}, By: conversation.Host()}))
	require.NoError(t, eng.PutServiceHours(ctx, contactcenter.ServiceHoursChange{Workspace: "w", Service: "support", Hours: office, By: conversation.Host()}))
	require.NoError(t, eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "bot", Settings: settings}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	require.NoError(t, eng.Close())
	require.NoError(t, s.Close())

	// The next process, on the same file, with only its transports.
	s = open(t, path)
	t.Cleanup(func() { s.Close() })
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	eng, err = contactcenter.New(contactcenter.Config{Store: s, NewID: contactcenter.SequentialIDs("run2-"), Now: func() time.Time { return sunday },
		Transports: map[channel.Kind]channel.Transport{channel.KindTelegram: tr}})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })

	c, err := eng.Channel(ctx, "w", "tg")
	require.NoError(t, err)
	assert.Equal(t, channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "bot", Settings: settings}, c)
	tpl, err := eng.Template(ctx, "w", "welcome")
	require.NoError(t, err)
	assert.Equal(t, []template.Variant{{Language: "en", Text: "Hi {{contact.first_name}}."}, {Language: "es", Text: "Hola {{contact.first_name}}."}}, tpl.Variants())
	found, err := eng.Snippets(ctx, "w", "", 0)
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "Thanks!", found[0].Template.Variants()[0].Text)

	r, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: "u1",
		From: contactcenter.Sender{ExternalID: "c1", Name: "Lucía", Language: "es"}, Text: "hola"})
	require.NoError(t, err)
	var texts []string
	for _, m := range r.Automatic {
		texts = append(texts, m.Text)
	}
	assert.Equal(t, []string{"Hola Lucía.", "We are closed."}, texts, "the welcome, and the service's hours say closed")
	assert.Len(t, tr.Sent(), 2, "sent with the new process's transport")
}
