package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

func newRejection(ws ticket.WorkspaceID, ch channel.ID, ext string, at time.Time) conversation.RejectedMessage {
	return conversation.RejectedMessage{Workspace: ws, Channel: ch, ExternalID: ext, From: "chat-" + ext,
		Reason: "a sticker " + ext, At: at}
}

func normRejection(r conversation.RejectedMessage) conversation.RejectedMessage {
	r.At = utc(r.At)
	return r
}

func normRejections(rs []conversation.RejectedMessage) []conversation.RejectedMessage {
	out := make([]conversation.RejectedMessage, len(rs))
	for i, r := range rs {
		out[i] = normRejection(r)
	}
	return out
}

func createRejections(t testing.TB, s store.Store, rs ...conversation.RejectedMessage) {
	t.Helper()
	for _, r := range rs {
		require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.CreateRejection(ctx(), r) }))
	}
}

func readRejections(t testing.TB, s store.Store, ws ticket.WorkspaceID, limit int) []conversation.RejectedMessage {
	t.Helper()
	var rs []conversation.RejectedMessage
	require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) {
		rs, err = tx.Rejections(ctx(), ws, limit)
		return err
	}))
	return normRejections(rs)
}

// testRejections checks the records of contacts' messages put aside for
// good (R18): one per workspace, channel and external id (a second create
// answers ErrDuplicate, at the call or at commit, and leaves the first as
// it was), read back by key and listed newest first with a limit, kept
// apart per workspace, gone with a transaction that fails, and refused in
// a view.
func (h *harness) testRejections(t *testing.T) {
	s := h.store(t)
	a, b := ticket.WorkspaceID(newWorkspace("rejections-a")), ticket.WorkspaceID(newWorkspace("rejections-b"))
	first := newRejection(a, "ch", "42:7", t0)
	first.Reason = strings.Repeat("ñ", conversation.MaxRejectionDetail/2)
	second := newRejection(a, "ch2", "42:7", t0.Add(time.Minute)) // the same id on another channel
	third := newRejection(a, "ch", "42:8", t0.Add(2*time.Minute))
	third.From = ""
	createRejections(t, s, first, second, third)

	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		for _, want := range []conversation.RejectedMessage{first, second, third} {
			got, err := tx.Rejection(ctx(), a, want.Channel, want.ExternalID)
			require.NoError(t, err)
			assert.Equal(t, want, normRejection(got))
		}
		_, err := tx.Rejection(ctx(), a, "ch", "42:9")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.Rejection(ctx(), a, "ch3", "42:7")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
	all := []conversation.RejectedMessage{third, second, first}
	assert.Equal(t, all, readRejections(t, s, a, 0), "newest first")
	assert.Equal(t, all, readRejections(t, s, a, 10))
	assert.Equal(t, all[:2], readRejections(t, s, a, 2), "at most limit")

	// A repeat answers ErrDuplicate and leaves the record as it was; the
	// transaction it was part of leaves nothing.
	again := first
	again.Reason, again.At = "another reason", t0.Add(time.Hour)
	err := s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.CreateRejection(ctx(), newRejection(a, "ch", "ghost", t0)); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx(), conversation.Event{Type: conversation.EventMessageRejected, Workspace: a,
			At: t0, Channel: "ch", ExternalID: "ghost"}); err != nil {
			return err
		}
		return tx.CreateRejection(ctx(), again)
	})
	require.ErrorIs(t, err, store.ErrDuplicate)
	assert.Equal(t, all, readRejections(t, s, a, 0), "the first record stays; the failed transaction left nothing")
	assert.Empty(t, drainAll(t, s, a), "nor its event")

	// Rollback: a transaction that fails leaves no record.
	boom := errors.New("decided against it")
	err = s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.CreateRejection(ctx(), newRejection(a, "ch", "42:10", t0)); err != nil {
			return err
		}
		got, err := tx.Rejection(ctx(), a, "ch", "42:10")
		if err != nil {
			return err
		}
		assert.Equal(t, "42:10", got.ExternalID, "a transaction reads its own writes")
		list, err := tx.Rejections(ctx(), a, 1)
		if err != nil {
			return err
		}
		if assert.Len(t, list, 1) {
			assert.Equal(t, "42:10", list[0].ExternalID, "the newest is the transaction's own")
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.Rejection(ctx(), a, "ch", "42:10")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
	assert.Equal(t, all, readRejections(t, s, a, 0))
	// The key rolled back with it is free.
	createRejections(t, s, newRejection(a, "ch", "42:10", t0.Add(3*time.Minute)))
	all = append([]conversation.RejectedMessage{newRejection(a, "ch", "42:10", t0.Add(3*time.Minute))}, all...)
	assert.Equal(t, all, readRejections(t, s, a, 0))

	// Workspace isolation: the same keys in another workspace are other
	// records, and neither workspace sees the other's.
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.Rejection(ctx(), b, "ch", "42:7")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
	assert.Empty(t, readRejections(t, s, b, 0))
	other := newRejection(b, "ch", "42:7", t0)
	createRejections(t, s, other)
	assert.Equal(t, []conversation.RejectedMessage{other}, readRejections(t, s, b, 0))
	assert.Equal(t, all, readRejections(t, s, a, 0))

	err = s.View(ctx(), func(tx store.Tx) error { return tx.CreateRejection(ctx(), newRejection(b, "ch", "view", t0)) })
	assert.Error(t, err, "a view cannot write")
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		_, err := tx.Rejection(ctx(), b, "ch", "view")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))
}

// testRejectThroughEngine drives Engine.Reject over the store: a message
// rejected twice (a channel that did not learn the first outcome delivers
// it again, or two processes handle two deliveries at once) is recorded
// once with one message.rejected event (R18), and the record stays when
// the event is published.
func (h *harness) testRejectThroughEngine(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("reject"))
	eng, err := contactcenter.New(contactcenter.Config{Store: s})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "ch", Workspace: ws, Kind: channel.KindMemory, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	drainAll(t, s, ws) // the channel's config.changed
	r := contactcenter.Rejection{Workspace: ws, Channel: "ch", ExternalID: "42:\x007", From: "42", Reason: "a sticker\x00"}
	require.NoError(t, eng.Reject(ctx(), r))
	r.Reason = "another reason"
	require.NoError(t, eng.Reject(ctx(), r), "a repeat is no error")

	evs := drainAll(t, s, ws)
	require.Len(t, evs, 1, "one event")
	assert.Equal(t, conversation.EventMessageRejected, evs[0].Type)
	assert.Equal(t, "42:\uFFFD7", evs[0].ExternalID)
	assert.Equal(t, "a sticker\uFFFD", evs[0].Detail)

	rs, err := eng.Rejections(ctx(), ws, 0)
	require.NoError(t, err)
	require.Len(t, rs, 1, "one record")
	assert.Equal(t, "a sticker\uFFFD", rs[0].Reason, "the first reason stays")
	assert.Equal(t, "42", rs[0].From)
	got, err := eng.Rejection(ctx(), ws, "ch", "42:\x007")
	require.NoError(t, err)
	assert.Equal(t, normRejection(rs[0]), normRejection(got))

	// Rejections of one message at once (two deliveries of it, handled by
	// two processes) record it once: the one whose commit meets the
	// other's record is tried again and finds it.
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- eng.Reject(ctx(), contactcenter.Rejection{Workspace: ws, Channel: "ch", ExternalID: "42:8", Reason: fmt.Sprint("try ", i)})
		}()
	}
	for range n {
		assert.NoError(t, <-errs)
	}
	evs = drainAll(t, s, ws)
	assert.Len(t, evs, 1, "one event for the message rejected at once")
	rs, err = eng.Rejections(ctx(), ws, 0)
	require.NoError(t, err)
	assert.Len(t, rs, 2, "one record for it")
}
