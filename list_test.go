package contactcenter_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// A ticket tagged through the engine shows in the conversation list's tag
// filter, and untagged leaves it; pages through the engine end with an
// empty cursor; a bad filter is a typed error.
func TestEngineConversations(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixtureOn(t, s, fullCaps)
		var convs []conversation.Conversation
		for _, c := range []string{"c1", "c2", "c3"} {
			convs = append(convs, f.write(t, c, "u-"+c, "hola").Conversation)
			f.clock.Advance(time.Second)
		}
		tagged := convs[1]
		_, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tagged.Ticket, Tag: "vip", By: conversation.AsAgent("ana")})
		require.NoError(t, err)

		page, next, err := f.eng.Conversations(bg, ws, store.ConversationFilter{Tag: "vip"})
		require.NoError(t, err)
		assert.Empty(t, next)
		require.Len(t, page, 1)
		assert.Equal(t, tagged.ID, page[0].ID)

		var all []conversation.ID
		filter := store.ConversationFilter{State: conversation.Open, Limit: 2}
		for {
			page, next, err := f.eng.Conversations(bg, ws, filter)
			require.NoError(t, err)
			for _, c := range page {
				all = append(all, c.ID)
			}
			if next == "" {
				break
			}
			filter.After = next
		}
		assert.Equal(t, []conversation.ID{convs[0].ID, convs[1].ID, convs[2].ID}, all, "by opening time")

		_, err = f.eng.UntagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: tagged.Ticket, Tag: "vip", By: conversation.AsAgent("ana")})
		require.NoError(t, err)
		page, _, err = f.eng.Conversations(bg, ws, store.ConversationFilter{Tag: "vip"})
		require.NoError(t, err)
		assert.Empty(t, page)

		for _, bad := range []store.ConversationFilter{{Limit: store.MaxConversationPage + 1}, {State: 7}, {After: "?"}} {
			page, next, err := f.eng.Conversations(bg, ws, bad)
			assert.ErrorIs(t, err, conversation.ErrInvalid)
			var e *contactcenter.Error
			require.True(t, errors.As(err, &e), "%v", err)
			assert.Equal(t, contactcenter.CodeInvalid, e.Code)
			assert.Empty(t, page)
			assert.Empty(t, next)
		}
	})
}
