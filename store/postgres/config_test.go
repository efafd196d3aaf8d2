package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/template"
)

// R5 across processes: two engines on one PostgreSQL schema, each with
// its own pool. A template changed through one is what the other's next
// message renders, with no restart; so are a channel's change and a
// snippet.
func TestConfigSharedByEngines(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	var engines [2]*contactcenter.Engine
	for i := range engines {
		s := open(t, dsn)
		t.Cleanup(func() { s.Close() })
		eng, err := contactcenter.New(contactcenter.Config{Store: s, NewID: contactcenter.SequentialIDs([]string{"a", "b"}[i]),
			Transports: map[channel.Kind]channel.Transport{channel.KindTelegram: tr}})
		require.NoError(t, err)
		t.Cleanup(func() { eng.Close() })
		engines[i] = eng
	}
	a, b := engines[0], engines[1]
	welcome := func(text string) *template.Template {
		tpl, err := template.New("welcome", template.Variant{Language: "en", Text: text})
		require.NoError(t, err)
		return tpl
	}
	require.NoError(t, a.PutTemplate(ctx, contactcenter.TemplateChange{Workspace: "w", Template: welcome("Hi {{contact.first_name}}."), By: conversation.Host()}))
	require.NoError(t, a.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Welcome: "welcome"}}, By: conversation.Host()}))
	say := func(contact string) []string {
		r, err := b.Receive(ctx, contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: "m-" + contact,
			From: contactcenter.Sender{ExternalID: contact, Name: contact}, Text: "hi"})
		require.NoError(t, err)
		var out []string
		for _, m := range r.Automatic {
			out = append(out, m.Text)
		}
		return out
	}
	assert.Equal(t, []string{"Hi c1."}, say("c1"))
	require.NoError(t, a.PutTemplate(ctx, contactcenter.TemplateChange{Workspace: "w", Template: welcome("Welcome back, {{contact.first_name}}."), By: conversation.Host()}))
	assert.Equal(t, []string{"Welcome back, c2."}, say("c2"), "the other engine's next message")
	tpl, err := b.Template(ctx, "w", "welcome")
	require.NoError(t, err)
	assert.Equal(t, "Welcome back, {{contact.first_name}}.", tpl.Variants()[0].Text)

	require.NoError(t, a.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "bot"}, By: conversation.Host()}))
	assert.Empty(t, say("c3"), "the channel no longer names a welcome")

	require.NoError(t, a.PutSnippet(ctx, contactcenter.SnippetChange{Workspace: "w", Snippet: template.Snippet{Shortcut: "thanks", Template: welcome("Thanks!")}, By: conversation.Host()}))
	found, err := b.Snippets(ctx, "w", "th", 0)
	require.NoError(t, err)
	require.Len(t, found, 1)
	require.NoError(t, b.DeleteTemplate(ctx, contactcenter.TemplateDeletion{Workspace: "w", Name: "welcome", By: conversation.Host()}), "no channel names it any more")
	_, err = a.Template(ctx, "w", "welcome")
	assert.ErrorIs(t, err, template.ErrNotFound)
}
