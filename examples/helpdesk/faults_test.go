package main

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/telegram"
	"github.com/telenet/contactcenter/ticket"
)

// A bot removed from the staff group (403) is a fault of the desk's
// configuration, not of the messages: nothing is put aside, the relay
// pauses and says so at Error level, and once the bot is back every header
// and copy goes, each copy under its conversation's header (R18).
func TestStaffChatForbiddenKeepsOutbox(t *testing.T) {
	w := newWorld(t)
	api := newFaultyAPI(t, w.srv.URL())
	var mu sync.Mutex
	kicked, refused := true, 0
	api.setRefuse(func(method string, chat int64) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		if !kicked || chat != staff || !isSend(method) {
			return 0, ""
		}
		refused++
		return 403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the group chat"}`
	})
	logs := newLogRecorder()
	desk := w.startWith(t, Config{APIURL: api.URL, Logger: slog.New(logs), faultPause: 50 * time.Millisecond})

	w.lucia.Send(token, "Hola")
	w.marta.Send(token, "Olá")
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return refused >= 4 }, 10*time.Second, 5*time.Millisecond,
		"the relay trying again")
	assert.Zero(t, outbox(t, desk, outFailed), "nothing put aside")
	assert.Positive(t, logs.errors("cannot post in the staff chat"), "told at Error level")
	assert.Empty(t, w.inStaff())

	mu.Lock()
	kicked = false
	mu.Unlock()
	w.wait(t, "two headers and two copies", func() bool { return len(w.inStaff()) == 4 })
	w.settle(t, desk)
	assert.Zero(t, outbox(t, desk, outFailed))
	byID := map[int]models.Message{}
	for _, m := range w.inStaff() {
		byID[m.ID] = m
	}
	for copied, name := range map[string]string{"Hola": "Lucía", "Olá": "Marta"} {
		var found bool
		for _, m := range w.inStaff() {
			if m.Text != copied {
				continue
			}
			found = true
			require.NotNil(t, m.ReplyToMessage, "%q hangs from a header", copied)
			assert.Contains(t, byID[m.ReplyToMessage.ID].Text, name, "%q hangs from its conversation's header", copied)
		}
		assert.True(t, found, "%q copied", copied)
	}
}

// supergroup is the chat the staff group becomes.
const supergroup = -1009

// A staff group that became a supergroup: the Bot API answers with the new
// chat's id; the desk moves there, records it so that a restart with the
// same configuration keeps it, heads its conversations there anew, and
// staff answer from the supergroup.
func TestStaffGroupBecomesSupergroup(t *testing.T) {
	w := newWorld(t)
	api := newFaultyAPI(t, w.srv.URL())
	logs := newLogRecorder()
	cfg := Config{APIURL: api.URL, Logger: slog.New(logs)}
	desk := w.startWith(t, cfg)
	w.lucia.Send(token, "Hola")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	w.settle(t, desk)

	group := w.srv.Group(supergroup, "Staff")
	api.setRefuse(func(method string, chat int64) (int, string) {
		if chat != staff || !isSend(method) {
			return 0, ""
		}
		return 400, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009}}`
	})
	inSuper := func() []models.Message { return w.srv.Sent(token, supergroup) }
	w.lucia.Send(token, "¿Hola?")
	w.wait(t, "a header and the copy in the supergroup", func() bool { return len(inSuper()) == 2 })
	w.settle(t, desk)
	header, copied := inSuper()[0], inSuper()[1]
	assert.Contains(t, header.Text, "#1 · Lucía")
	assert.Equal(t, "¿Hola?", copied.Text)
	require.NotNil(t, copied.ReplyToMessage)
	assert.Equal(t, header.ID, copied.ReplyToMessage.ID, "under the new header")
	assert.Zero(t, outbox(t, desk, outFailed), "nothing put aside")
	assert.Len(t, w.inStaff(), 2, "nothing more in the old group")
	assert.Positive(t, logs.errors("became a supergroup"), "told at Error level")

	group.Send(token, w.ana, "Hola Lucía", copied.ID)
	w.wait(t, "the answer from the supergroup", func() bool { return len(w.toCustomer(w.lucia)) == 1 })

	desk.stop()
	again := w.startWith(t, cfg)
	w.marta.Send(token, "Olá")
	w.wait(t, "Marta's header and copy in the supergroup", func() bool { return len(inSuper()) == 4 })
	w.settle(t, again)
	assert.Contains(t, inSuper()[2].Text, "#2 · Marta")
	assert.Equal(t, "Olá", inSuper()[3].Text)
	assert.Len(t, w.inStaff(), 2, "nothing more in the old group")
	group.Send(token, w.bruno, "Oi Marta", inSuper()[3].ID)
	w.wait(t, "Marta's answer", func() bool { return len(w.toCustomer(w.marta)) == 1 })
}

// The staff chat the tables record: a migration is kept while the
// configuration names the chat it came from or the one it went to; a
// configuration naming another chat moves the desk there and retires the
// links of the old one, whose message ids mean nothing in the new chat.
func TestStaffChatSettles(t *testing.T) {
	links, err := openLinks(context.Background(), t.TempDir()+"/helpdesk.db")
	require.NoError(t, err)
	defer links.Close()
	ctx := context.Background()
	d := &Desk{links: links, wake: make(chan struct{}, 1)}

	c, err := settleStaffChat(ctx, links, -1)
	require.NoError(t, err)
	assert.Equal(t, staffChat{ID: -1}, c)
	require.NoError(t, d.link(ctx, 5, "conv", "msg"))
	epoch, err := d.moveStaffChat(ctx, -2)
	require.NoError(t, err)
	assert.Equal(t, int64(1), epoch)
	_, _, ok, err := d.lookup(ctx, 5)
	require.NoError(t, err)
	assert.False(t, ok, "the old chat's links retired")

	c, err = settleStaffChat(ctx, links, -1)
	require.NoError(t, err)
	assert.Equal(t, staffChat{ID: -2, Epoch: 1}, c, "configured as before: the migration is kept")
	c, err = settleStaffChat(ctx, links, -2)
	require.NoError(t, err)
	assert.Equal(t, staffChat{ID: -2, Epoch: 1}, c, "configured with the new chat")
	require.NoError(t, d.link(ctx, 6, "conv", "msg"))
	c, err = settleStaffChat(ctx, links, -1)
	require.NoError(t, err)
	assert.Equal(t, staffChat{ID: -1, Epoch: 2, Moved: true}, c, "another chat: the desk moves")
	_, _, ok, err = d.lookup(ctx, 6)
	require.NoError(t, err)
	assert.False(t, ok)
}

// A customer's message the desk cannot take (a sticker) reaches the staff:
// a notice says who sent it and why, a copy shows it, under the header of
// the customer's conversation if there is one; delivered again, or its
// event published again, it is posted once.
func TestRejectedMessageReachesStaff(t *testing.T) {
	w := newWorld(t)
	desk := w.start(t)
	ctx := context.Background()
	sticker := models.Message{Sticker: &models.Sticker{FileID: "sticker-1", FileUniqueID: "s1", Type: "regular", Width: 512, Height: 512}}

	w.lucia.Post(token, sticker) // before she has a conversation
	w.wait(t, "the notice and the copy", func() bool { return len(w.inStaff()) == 2 })
	notice, copied := w.inStaff()[0], w.inStaff()[1]
	assert.Equal(t, "Chat 42 sent a message the desk could not take (a kind of message the center does not take: sticker). A copy follows.",
		notice.Text)
	require.NotNil(t, copied.Sticker, "the sticker copied")
	assert.Equal(t, "sticker-1", copied.Sticker.FileID)

	w.lucia.Send(token, "Hola")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 4 })
	header := w.inStaff()[2]
	w.settle(t, desk)
	update := w.srv.Confirmed(token) + 1
	second := w.lucia.Post(token, sticker)
	w.wait(t, "the second notice and copy", func() bool { return len(w.inStaff()) == 6 })
	notice, copied = w.inStaff()[4], w.inStaff()[5]
	assert.True(t, strings.HasPrefix(notice.Text, "#1: Lucía (chat 42) sent a message the desk could not take"), notice.Text)
	for _, m := range []models.Message{notice, copied} {
		require.NotNil(t, m.ReplyToMessage, "under the conversation's header")
		assert.Equal(t, header.ID, m.ReplyToMessage.ID)
	}

	w.wait(t, "the update confirmed", func() bool { return w.srv.Confirmed(token) >= update })
	w.srv.Redeliver(token, update)
	w.wait(t, "the redelivery handled", func() bool { return w.srv.Pending(token) == 0 && w.srv.Confirmed(token) >= update })
	rejected := conversation.Event{Seq: 999, Type: conversation.EventMessageRejected, Workspace: workspace, Channel: channelID,
		ExternalID: telegram.MessageID(w.lucia.ID(), second.ID), Detail: "published again"}
	require.NoError(t, desk.d.publish(ctx, rejected))
	require.NoError(t, desk.d.publish(ctx, rejected))
	w.settle(t, desk)
	assert.Len(t, w.inStaff(), 6, "posted once")

	w.group.Send(token, w.ana, "¡Bonito!", copied.ID)
	w.wait(t, "the answer to the sticker", func() bool { return len(w.toCustomer(w.lucia)) == 1 })
}

// The relay's sends to the staff group and the engine's to customers share
// the engine's in-flight slots (Config.MaxInFlight, 1 by default): one
// kill -9 doubles at most one message, the one on its way.
func TestStaffAndCustomerSendsShareTheSlot(t *testing.T) {
	w := newWorld(t)
	api := newFaultyAPI(t, w.srv.URL())
	desk := w.startWith(t, Config{APIURL: api.URL})
	w.lucia.Send(token, "Hola")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	w.settle(t, desk)
	copied := w.inStaff()[1]

	gate := &sendGate{hold: 200 * time.Millisecond}
	api.setGate(gate)
	for _, text := range []string{"Olá", "Alguém aí?", "Preciso de ajuda"} {
		w.marta.Send(token, text)
	}
	w.group.Send(token, w.ana, "Hola Lucía", copied.ID)
	w.wait(t, "Marta's messages in the staff group", func() bool { return countText(w.inStaff(), "Preciso de ajuda") == 1 })
	w.wait(t, "the answer", func() bool { return len(w.toCustomer(w.lucia)) == 1 })
	w.settle(t, desk)
	most, total := gate.counts()
	assert.Equal(t, 1, most, "sends on their way at once")
	assert.Equal(t, 5, total, "a header, three copies and an answer")
}

// busyDrains is a store whose events are always being drained elsewhere,
// so that the engine's background publisher keeps asking; it counts the
// drains asked of it once it is closed.
type busyDrains struct {
	store.Store
	mu          sync.Mutex
	drains      int
	closed      bool
	afterClosed int
}

func (b *busyDrains) DrainEvents(context.Context, int, func(context.Context, []conversation.Event) (int, error)) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drains++
	if b.closed {
		b.afterClosed++
	}
	return 0, store.ErrBusy
}

func (b *busyDrains) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return b.Store.Close()
}

func (b *busyDrains) counts() (drains, afterClosed int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.drains, b.afterClosed
}

// publishing reports whether an engine's background publisher runs.
func publishing() bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "contactcenter.(*Engine).publishLoop")
}

// Desk.Close closes the engine before the store: its background publisher
// stops, and asks nothing of the closed store.
func TestCloseStopsThePublisher(t *testing.T) {
	w := newWorld(t)
	busy := &busyDrains{}
	desk := w.startWith(t, Config{wrapStore: func(s store.Store) store.Store { busy.Store = s; return busy }})
	require.Eventually(t, func() bool { n, _ := busy.counts(); return n >= 2 }, 10*time.Second, 5*time.Millisecond, "the publisher asking")
	require.True(t, publishing())
	desk.stop()
	require.Eventually(t, func() bool {
		_, after := busy.counts()
		return after > 0 || !publishing()
	}, 10*time.Second, 5*time.Millisecond, "the publisher stopped")
	_, after := busy.counts()
	assert.Zero(t, after, "drains asked of the closed store")
}

// A staff reply that keeps colliding with other changes (CodeContention)
// may pass: the update comes again and the reply reaches the customer, and
// nobody is told "Not done".
func TestStaffReplyThroughCollisions(t *testing.T) {
	w := newWorld(t)
	flaky := &flakyStore{}
	desk := w.startWith(t, Config{wrapStore: func(s store.Store) store.Store { flaky.Store = s; return flaky }})
	w.lucia.Send(token, "Hola")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	w.settle(t, desk)

	flaky.collide(25) // more than the engine's 20 attempts of one command
	w.group.Send(token, w.ana, "Hola Lucía", w.inStaff()[1].ID)
	w.wait(t, "the answer", func() bool { return len(w.toCustomer(w.lucia)) == 1 })
	w.settle(t, desk)
	assert.Equal(t, 25, flaky.fired(), "the first attempt ran out of retries")
	assert.Equal(t, "Hola Lucía", w.toCustomer(w.lucia)[0].Text)
	for _, m := range w.inStaff() {
		assert.False(t, strings.HasPrefix(m.Text, "Not done"), m.Text)
	}
}

// What the desk answers "Not done" to, and what it has come again: the
// state an action meets and what fails whatever the state are answered;
// collisions, the store and the context may pass (R19).
func TestRefusal(t *testing.T) {
	for _, tc := range []struct {
		err    error
		answer string
	}{
		{&contactcenter.Error{Op: "reply", Code: contactcenter.CodeConflict, Err: conversation.ErrClosed}, "Not done: conversation is closed"},
		{&contactcenter.Error{Op: "close ticket", Code: contactcenter.CodeConflict, Err: ticket.ErrClosed}, "Not done: ticket is closed"},
		{&contactcenter.Error{Op: "reply", Code: contactcenter.CodeInvalid, Err: conversation.ErrInvalid}, "Not done: invalid input"},
		{conversation.ErrForbidden, "Not done: not allowed"},
		{&contactcenter.Error{Op: "reply", Code: contactcenter.CodeContention, Err: store.ErrConflict}, ""},
		{&contactcenter.Error{Op: "reply", Code: contactcenter.CodeUnavailable, Err: errFlaky}, ""},
		{&contactcenter.Error{Op: "reply", Code: contactcenter.CodeCanceled, Err: context.Canceled}, ""},
	} {
		answer, err := refusal(tc.err)
		assert.Equal(t, tc.answer, answer, "%v", tc.err)
		if tc.answer == "" {
			assert.Equal(t, tc.err, err, "returned: the update comes again")
		} else {
			assert.NoError(t, err)
		}
	}
}
