package storetest

import (
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// messagesPage reads a page through store.MessagesPage, and asserts that
// the way without the store's MessagePager answers the same.
func messagesPage(t *testing.T, s store.Store, ws ticket.WorkspaceID, id conversation.ID, p store.MessagePage) store.Messages {
	t.Helper()
	var got store.Messages
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		var err error
		got, err = store.MessagesPage(ctx(), tx, ws, id, p)
		require.NoError(t, err)
		want, err := store.MessagesPage(ctx(), bare{tx}, ws, id, p)
		require.NoError(t, err)
		assert.Equal(t, normPage(want), normPage(got), "with and without MessagePager, page %+v", p)
		return nil
	}))
	return normPage(got)
}

func normPage(p store.Messages) store.Messages {
	out := store.Messages{Older: p.Older, Newer: p.Newer}
	for _, m := range p.Messages {
		out.Messages = append(out.Messages, normMessage(m))
	}
	return out
}

func messageIDs(ms []conversation.Message) []conversation.MessageID {
	out := make([]conversation.MessageID, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// testMessagesPage: a conversation's messages come by page in the order of
// store.MessageLess, creation time then id (times repeat, so the tie on
// id counts), whatever order they were stored in: the newest page first,
// back through Older and on through Newer, each message exactly once,
// with the cursors empty exactly at the ends; other conversations and
// workspaces never show; a bad page is conversation.ErrInvalid.
func (h *harness) testMessagesPage(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("msgpage"))
	other := ticket.WorkspaceID(newWorkspace("msgpage-other"))
	_, _, cv := seed(t, s, ws, "mp")
	_, _, cv2 := seed(t, s, ws, "mp2")
	_, _, same := seed(t, s, other, "mp") // the same conversation id in another workspace
	require.Equal(t, cv.ID, same.ID)
	const n = 23
	var all []conversation.Message
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, i := range scrambled(n) {
			m := newInbound(cv, conversation.MessageID(fmt.Sprintf("m-%02d", i)), fmt.Sprintf("x-%02d", i), t0.Add(time.Duration(i/3)*time.Second))
			all = append(all, m)
			if err := tx.CreateMessage(ctx(), m); err != nil {
				return err
			}
			for _, o := range []conversation.Conversation{cv2, same} {
				m := newInbound(o, conversation.MessageID(fmt.Sprintf("o-%02d", i)), fmt.Sprintf("%s-%02d", o.ID, i), t0.Add(time.Duration(i/3)*time.Second))
				if err := tx.CreateMessage(ctx(), m); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	slices.SortFunc(all, func(a, b conversation.Message) int {
		if store.MessageLess(a, b) {
			return -1
		}
		return 1
	})
	for i := range all {
		all[i] = normMessage(all[i])
	}

	for _, limit := range []int{1, 4, n, 200} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			first := messagesPage(t, s, ws, cv.ID, store.MessagePage{Limit: limit})
			assert.Equal(t, all[max(n-limit, 0):], first.Messages, "the newest page")
			assert.Empty(t, first.Newer, "nothing after the newest page")
			assert.Equal(t, limit < n, first.Older != "")

			// Back through Older: every message once, newest page first.
			got, p, pages := first.Messages, first, 1
			for p.Older != "" {
				p = messagesPage(t, s, ws, cv.ID, store.MessagePage{Before: p.Older, Limit: limit})
				require.NotEmpty(t, p.Messages)
				assert.NotEmpty(t, p.Newer)
				got = append(slices.Clone(p.Messages), got...)
				pages++
				require.LessOrEqual(t, pages, n+1)
			}
			assert.Equal(t, messageIDs(all), messageIDs(got), "back")
			assert.Equal(t, (n+limit-1)/limit, pages)

			// On through Newer from the oldest message.
			got = []conversation.Message{all[0]}
			p = store.Messages{Newer: store.MessagePosition(all[0])}
			for p.Newer != "" {
				p = messagesPage(t, s, ws, cv.ID, store.MessagePage{After: p.Newer, Limit: limit})
				require.NotEmpty(t, p.Messages)
				assert.NotEmpty(t, p.Older)
				got = append(got, p.Messages...)
				require.LessOrEqual(t, len(got), n)
			}
			assert.Equal(t, all, got, "on")
		})
	}

	t.Run("edges", func(t *testing.T) {
		last := messagesPage(t, s, ws, cv.ID, store.MessagePage{After: store.MessagePosition(all[n-1])})
		assert.Equal(t, store.Messages{}, last, "nothing after the newest message")
		none := messagesPage(t, s, ws, cv.ID, store.MessagePage{Before: store.MessagePosition(all[0])})
		assert.Equal(t, store.Messages{}, none, "nothing before the oldest message")
		p := messagesPage(t, s, ws, cv.ID, store.MessagePage{})
		assert.Len(t, p.Messages, n, "default page size %d", store.DefaultMessagePage)
		unknown := messagesPage(t, s, ws, "no-such", store.MessagePage{})
		assert.Empty(t, unknown.Messages)
		elsewhere := messagesPage(t, s, ticket.WorkspaceID(newWorkspace("msgpage-none")), cv.ID, store.MessagePage{})
		assert.Empty(t, elsewhere.Messages)
		theirs := messagesPage(t, s, other, same.ID, store.MessagePage{Limit: 200})
		assert.Len(t, theirs.Messages, n)
		for _, m := range theirs.Messages {
			assert.Equal(t, other, m.Workspace)
		}
	})

	t.Run("cursor stays valid", func(t *testing.T) {
		top := messagesPage(t, s, ws, cv.ID, store.MessagePage{Limit: 5})
		pos := store.MessagePosition(top.Messages[len(top.Messages)-1])
		late := normMessage(newInbound(cv, "m-late", "x-late", all[n-1].CreatedAt))
		early := newInbound(cv, "m-early", "x-early", all[0].CreatedAt.Add(-time.Hour))
		require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
			if err := tx.CreateMessage(ctx(), late); err != nil {
				return err
			}
			return tx.CreateMessage(ctx(), early)
		}))
		onwards := messagesPage(t, s, ws, cv.ID, store.MessagePage{After: pos})
		assert.Equal(t, []conversation.Message{late}, onwards.Messages, "a message added after the cursor was taken")
		back := messagesPage(t, s, ws, cv.ID, store.MessagePage{Before: top.Older, Limit: 200})
		assert.Equal(t, "m-early", string(back.Messages[0].ID))
		assert.Equal(t, messageIDs(all[:n-5]), messageIDs(back.Messages[1:]))
	})

	t.Run("invalid", func(t *testing.T) {
		junk := store.MessageCursor(base64.RawURLEncoding.EncodeToString([]byte("1.x.m")))
		for _, p := range []store.MessagePage{
			{Limit: -1}, {Limit: store.MaxMessagePage + 1}, {Before: "?"}, {After: "!!"}, {After: junk},
			{Before: store.MessagePosition(all[3]), After: store.MessagePosition(all[1])},
		} {
			require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
				got, err := store.MessagesPage(ctx(), tx, ws, cv.ID, p)
				assert.ErrorIs(t, err, conversation.ErrInvalid, "%+v", p)
				assert.Empty(t, got.Messages)
				if pg, ok := tx.(store.MessagePager); ok {
					got, err := pg.MessagesPage(ctx(), ws, cv.ID, p)
					assert.ErrorIs(t, err, conversation.ErrInvalid, "capability, %+v", p)
					assert.Empty(t, got.Messages)
				}
				return nil
			}))
		}
	})
}

// scrambled returns 0…n-1 in a fixed order other than theirs.
func scrambled(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = (i*7 + 3) % n
	}
	return out
}
