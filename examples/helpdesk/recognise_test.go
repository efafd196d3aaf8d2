package main

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
)

// A crash after a copy reached the staff group and before the desk recorded
// it (R18): an agent who replied to that first copy, which the desk never
// linked, reaches the customer once after the restart, whether the reply
// comes before the relay sends the copy again or after; the agent's edit of
// that reply edits the customer's copy (R8).
func TestReplyToCopyUnrecordedAtCrash(t *testing.T) {
	for _, when := range []string{"before the resend", "after the resend"} {
		t.Run(strings.ReplaceAll(when, " ", "_"), func(t *testing.T) {
			w := newWorld(t)
			var crashed atomic.Bool
			first := w.startWith(t, Config{crashAfterSend: func(key string) bool {
				return strings.HasPrefix(key, "copy:") && crashed.CompareAndSwap(false, true)
			}})
			w.lucia.Send(token, "Hola")
			w.wait(t, "the header and the copy, and the crash", func() bool { return len(w.inStaff()) == 2 && crashed.Load() })
			w.wait(t, "the update confirmed", func() bool { return w.srv.Pending(token) == 0 })
			unrecorded := w.inStaff()[1]
			require.Equal(t, "Hola", unrecorded.Text)
			first.stop()

			// The copy is held back at the Bot API while held is set.
			api := newFaultyAPI(t, w.srv.URL())
			var held atomic.Bool
			api.setRefuse(func(method string, chat int64) (int, string) {
				if held.Load() && strings.EqualFold(method, "copyMessage") && chat == staff {
					return http.StatusInternalServerError, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`
				}
				return 0, ""
			})
			var reply models.Message
			var second *running
			if when == "before the resend" {
				held.Store(true)
				reply = w.group.Send(token, w.ana, "Hola Lucía", unrecorded.ID)
				second = w.startWith(t, Config{APIURL: api.URL})
				w.wait(t, "the answer", func() bool { return len(w.toCustomer(w.lucia)) == 1 })
				assert.Len(t, w.inStaff(), 2, "answered before the copy went again")
				held.Store(false)
				w.settle(t, second)
			} else {
				second = w.startWith(t, Config{APIURL: api.URL})
				w.settle(t, second)
				require.Len(t, w.inStaff(), 3, "the copy sent again")
				_, _, linked, err := second.d.lookup(context.Background(), unrecorded.ID)
				require.NoError(t, err)
				require.False(t, linked, "the first copy was never recorded")
				reply = w.group.Send(token, w.ana, "Hola Lucía", unrecorded.ID)
				w.wait(t, "the answer", func() bool { return len(w.toCustomer(w.lucia)) == 1 })
			}
			w.settle(t, second)
			assert.Equal(t, []string{"Hola Lucía"}, texts(w.toCustomer(w.lucia)), "answered once")
			assert.Equal(t, []string{"Hola", "Hola"}, texts(w.inStaff()[1:]), "the copy on its way at the crash, doubled: nothing else")
			c, err := second.d.eng.Conversation(context.Background(), workspace, conversationOf(t, second, 1))
			require.NoError(t, err)
			assert.Equal(t, conversation.AgentID("7"), c.Assignee, "the agent who replied has the conversation (R10)")

			w.group.Edit(token, w.ana, reply.ID, "Hola Lucía, ya lo reviso")
			w.wait(t, "the edit", func() bool { return w.toCustomer(w.lucia)[0].Text == "Hola Lucía, ya lo reviso" })

			// The copy sent again is linked as any copy is.
			w.group.Send(token, w.bruno, "Bruno también", w.inStaff()[2].ID)
			w.wait(t, "Bruno's answer", func() bool { return len(w.toCustomer(w.lucia)) == 2 })
			w.settle(t, second)
			assert.Zero(t, countText(w.inStaff(), notDelivered))
		})
	}
}

// A staff reply that cannot reach a customer is answered in the group, not
// dropped: a reply to another agent's message, or to a message of the
// desk's that is no part of a conversation, is not delivered, and the
// agent is told why; so is a reply whose content the desk does not relay.
// A message that replies to nothing is the staff talking among themselves.
func TestStaffReplyNotDelivered(t *testing.T) {
	w := newWorld(t)
	desk := w.start(t)
	w.lucia.Send(token, "Hola")
	w.wait(t, "the header and the copy", func() bool { return len(w.inStaff()) == 2 })
	copied := w.inStaff()[1]

	chat := w.group.Send(token, w.ana, "¿Alguien ha visto el pedido 12?", 0)
	w.settle(t, desk)
	assert.Len(t, w.inStaff(), 2, "talk among the staff is not answered")

	toAgent := w.group.Send(token, w.bruno, "Respuesta para Lucía", chat.ID)
	w.wait(t, "the answer to Bruno", func() bool { return countText(w.inStaff(), notDelivered) == 1 })
	told := w.lastInStaff()
	assert.Equal(t, notDelivered, told.Text)
	require.NotNil(t, told.ReplyToMessage)
	assert.Equal(t, toAgent.ID, told.ReplyToMessage.ID, "it answers the reply that was not delivered")

	// The desk's own answer is no part of a conversation either.
	toAnswer := w.group.Send(token, w.ana, "Respuesta para Lucía", told.ID)
	w.wait(t, "the answer to Ana", func() bool { return countText(w.inStaff(), notDelivered) == 2 })
	assert.Equal(t, toAnswer.ID, w.lastInStaff().ReplyToMessage.ID)

	// Delivered again, the reply is answered once.
	update := w.srv.Confirmed(token)
	w.srv.Redeliver(token, update)
	w.wait(t, "the redelivery handled", func() bool { return w.srv.Pending(token) == 0 && w.srv.Confirmed(token) >= update })
	w.settle(t, desk)
	assert.Equal(t, 2, countText(w.inStaff(), notDelivered))

	sticker := w.group.Post(token, w.ana, models.Message{Sticker: &models.Sticker{FileID: "thumbs-up", Emoji: "👍"}}, copied.ID)
	w.wait(t, "the answer to the sticker", func() bool { return countText(w.inStaff(), notRelayable) == 1 })
	assert.Equal(t, sticker.ID, w.lastInStaff().ReplyToMessage.ID)

	w.settle(t, desk)
	assert.Empty(t, w.toCustomer(w.lucia), "nothing reached the customer")
	ms, err := desk.d.eng.Messages(context.Background(), workspace, conversationOf(t, desk, 1))
	require.NoError(t, err)
	assert.Len(t, ms, 1, "only the customer's message is stored")
}

// recognise places a message the bot posted in the staff chat by the
// bounds the outbox records: an item's sending_after, written before each
// send, and the staff message recorded after it. It links what it
// recognises; it never links a message posted outside an item's send, one
// of an item put aside, one that is no header or copy, or one of a chat
// the desk moved from.
func TestRecognise(t *testing.T) {
	links, err := openLinks(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"))
	require.NoError(t, err)
	defer links.Close()
	d := &Desk{links: links, wake: make(chan struct{}, 1)}
	ctx := context.Background()
	next := func() outItem {
		it, ok, err := d.nextOut(ctx)
		require.NoError(t, err)
		require.True(t, ok)
		return it
	}
	sent := func(staff int) {
		it := next()
		require.NoError(t, d.claimOut(ctx, it))
		require.NoError(t, d.markSent(ctx, it, staff))
	}
	require.NoError(t, d.enqueue(ctx,
		outItem{Key: "header:c1", Kind: outHeader, Conversation: "c1", Text: "#1"},
		outItem{Key: "copy:m1", Kind: outCopy, Conversation: "c1", Message: "m1"},
		outItem{Key: "notice:1", Kind: outNotice, Conversation: "c1", Text: "notice"},
		outItem{Key: "copy:gone", Kind: outCopy, Conversation: "c1", Message: "gone"},
		outItem{Key: "copy:m2", Kind: outCopy, Conversation: "c1", Message: "m2"},
		outItem{Key: "copy:m3", Kind: outCopy, Conversation: "c1", Message: "m3"},
	))
	type placed struct {
		msg conversation.MessageID
		ok  bool
	}
	at := func(staff int) placed {
		t.Helper()
		conv, msg, ok, err := d.recognise(ctx, staff)
		require.NoError(t, err)
		if ok {
			assert.Equal(t, conversation.ID("c1"), conv)
		}
		return placed{msg, ok}
	}

	assert.Equal(t, placed{}, at(1), "nothing claimed yet")
	sent(10) // the header
	sent(12) // copy m1, whose first attempt (11) went unrecorded
	sent(13) // the notice
	assert.Equal(t, placed{"m1", true}, at(11), "within copy m1's send: its first attempt")
	assert.Equal(t, placed{"", true}, at(9), "within the header's send: the conversation")
	assert.Equal(t, placed{}, at(13), "the notice: no part of a conversation")
	assert.Equal(t, placed{}, at(14), "after the last recorded send, nothing claimed")

	// copy:gone is claimed, then refused, but its send may have reached the
	// group; copy:m2 is claimed with the same bound. A message after that
	// bound could be either item's: it is placed in no conversation (the
	// agent is told it was not delivered) rather than perhaps in the wrong
	// customer's.
	gone := next()
	require.NoError(t, d.claimOut(ctx, gone))
	require.NoError(t, d.markFailed(ctx, gone, errors.New("Bad Request: message to copy not found")))
	m2 := next()
	require.NoError(t, d.claimOut(ctx, m2))
	assert.Equal(t, placed{}, at(15), "two items claimed after one bound: not told apart")
	require.NoError(t, d.claimOut(ctx, m2)) // claimed again after a restart
	require.NoError(t, d.markSent(ctx, m2, 17))
	assert.Equal(t, placed{}, at(16), "still either item's")
	_, _, ok, err := d.lookup(ctx, 15)
	require.NoError(t, err)
	assert.False(t, ok, "nothing linked")
	assert.Equal(t, placed{}, at(18), "after it")

	// The desk moves to another chat: its ids start anew.
	m3 := next()
	require.NoError(t, d.claimOut(ctx, m3))
	tx, err := links.BeginTx(ctx, nil)
	require.NoError(t, err)
	_, err = retireStaffChat(ctx, tx, -2002, staff)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	assert.Equal(t, placed{}, at(20), "the old chat's claim places nothing in the new one")
	require.NoError(t, d.claimOut(ctx, m3))
	assert.Equal(t, placed{"m3", true}, at(1), "claimed in the new chat after its last recorded message, none")
}

// The outbox of an earlier version gets its sending_after column, and the
// relay's last staff message is the highest the tables know.
func TestSendingAfterAdded(t *testing.T) {
	db := filepath.Join(t.TempDir(), "helpdesk.db")
	links, err := openLinks(context.Background(), db)
	require.NoError(t, err)
	_, err = links.Exec(`DROP INDEX helpdesk_outbox_sending; ALTER TABLE helpdesk_outbox DROP COLUMN sending_after;
		DELETE FROM helpdesk_settings;
		INSERT INTO helpdesk_outbox (key, kind, state, staff_message) VALUES ('notice:1', 'notice', 'sent', 40);
		INSERT INTO helpdesk_links (staff_message, conversation, message) VALUES (30, 'c1', '')`)
	require.NoError(t, err)
	require.NoError(t, links.Close())

	last := func() int {
		t.Helper()
		links, err := openLinks(context.Background(), db)
		require.NoError(t, err)
		defer links.Close()
		var n int
		require.NoError(t, links.QueryRow(`SELECT value FROM helpdesk_settings WHERE name = ?`, settingLastStaff).Scan(&n))
		_, err = links.Exec(`UPDATE helpdesk_settings SET value = value + 1 WHERE name = ?`, settingLastStaff)
		require.NoError(t, err)
		return n
	}
	assert.Equal(t, 40, last(), "the highest the tables know")
	assert.Equal(t, 41, last(), "set once: opening again keeps what the relay recorded")
}
