package contactcenter_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// A chat view opens on the newest messages of a conversation and scrolls
// back through Older until it is empty, seeing every message once, oldest
// first; a message that arrives later is on the page after the last one
// shown. An unknown conversation is not found and a bad page is invalid,
// both typed.
func TestEngineMessagesPage(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixtureOn(t, s, fullCaps)
		conv := f.write(t, "c1", "u-0", "hola").Conversation
		for i := 1; i < 5; i++ {
			f.clock.Advance(time.Second)
			f.write(t, "c1", fmt.Sprintf("u-%d", i), fmt.Sprintf("mensaje %d", i))
		}
		f.clock.Advance(time.Second)
		f.reply(t, conv.ID, "ana", "buenos días")
		want, err := f.eng.Messages(bg, ws, conv.ID)
		require.NoError(t, err)
		require.Len(t, want, 6)

		p, err := f.eng.MessagesPage(bg, ws, conv.ID, store.MessagePage{Limit: 4})
		require.NoError(t, err)
		assert.Empty(t, p.Newer)
		newest := p.Messages
		got := slices.Clone(p.Messages)
		for p.Older != "" {
			p, err = f.eng.MessagesPage(bg, ws, conv.ID, store.MessagePage{Before: p.Older, Limit: 4})
			require.NoError(t, err)
			got = append(slices.Clone(p.Messages), got...)
		}
		assert.Equal(t, ids(want), ids(got))
		assert.Equal(t, "buenos días", newest[len(newest)-1].Text)

		f.clock.Advance(time.Second)
		f.write(t, "c1", "u-late", "¿sigue ahí?")
		p, err = f.eng.MessagesPage(bg, ws, conv.ID, store.MessagePage{After: store.MessagePosition(newest[len(newest)-1])})
		require.NoError(t, err)
		require.Len(t, p.Messages, 1)
		assert.Equal(t, "¿sigue ahí?", p.Messages[0].Text)

		_, err = f.eng.MessagesPage(bg, ws, "no-such", store.MessagePage{})
		assert.ErrorIs(t, err, conversation.ErrNotFound)
		var e *contactcenter.Error
		require.True(t, errors.As(err, &e), "%v", err)
		assert.Equal(t, contactcenter.CodeNotFound, e.Code)

		for _, bad := range []store.MessagePage{{Limit: store.MaxMessagePage + 1}, {Limit: -1}, {After: "?"}, {Before: p.Older, After: p.Older}} {
			p, err := f.eng.MessagesPage(bg, ws, conv.ID, bad)
			assert.ErrorIs(t, err, conversation.ErrInvalid, "%+v", bad)
			var e *contactcenter.Error
			require.True(t, errors.As(err, &e), "%v", err)
			assert.Equal(t, contactcenter.CodeInvalid, e.Code)
			assert.Empty(t, p.Messages)
		}
	})
}

func ids(ms []conversation.Message) []conversation.MessageID {
	out := make([]conversation.MessageID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}
