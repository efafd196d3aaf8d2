package contactcenter_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/faultstore"
	"github.com/telenet/contactcenter/store/memory"
)

func rejected(evs []conversation.Event) []conversation.Event {
	var out []conversation.Event
	for _, e := range evs {
		if e.Type == conversation.EventMessageRejected {
			out = append(out, e)
		}
	}
	return out
}

// A message rejected twice (the channel delivered it again) is recorded
// once, with one message.rejected event; the first reason and time stay
// (R18).
func TestRejectTwice(t *testing.T) {
	f := newFixture(t)
	r := contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: "42:7", From: "42", Reason: "a sticker"}
	require.NoError(t, f.eng.Reject(bg, r))
	f.clock.Advance(time.Minute)
	r.Reason = "a sticker, again"
	require.NoError(t, f.eng.Reject(bg, r), "a repeat is no error")
	require.NoError(t, f.eng.PublishPending(bg))
	require.Len(t, rejected(f.rec.take()), 1, "one event")

	rs, err := f.eng.Rejections(bg, ws, 0)
	require.NoError(t, err)
	want := conversation.RejectedMessage{Workspace: ws, Channel: "tg", ExternalID: "42:7", From: "42", Reason: "a sticker", At: t0}
	assert.Equal(t, []conversation.RejectedMessage{want}, rs, "one record, as first recorded")

	// Another message is another rejection, listed first.
	require.NoError(t, f.eng.Reject(bg, contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: "42:8", Reason: "a location"}))
	assert.Len(t, rejected(f.rec.take()), 1)
	rs, err = f.eng.Rejections(bg, ws, 0)
	require.NoError(t, err)
	require.Len(t, rs, 2)
	assert.Equal(t, "42:8", rs[0].ExternalID, "newest first")
	assert.Empty(t, rs[0].From, "the adapter did not know the contact")
	rs, err = f.eng.Rejections(bg, ws, 1)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, "42:8", rs[0].ExternalID, "at most limit")
}

// The connection drops while the rejection commits: the adapter gets an
// error it may retry, has the message delivered again and rejects it
// again. The host sees one record and one event (R18, R19).
func TestRejectAfterCommitFault(t *testing.T) {
	fs := faultstore.New(memory.New(), 1)
	f := newFixtureOn(t, fs, fullCaps)
	require.NoError(t, fs.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.After, Next: 1,
		Match: func(c faultstore.Call) bool {
			for _, tc := range c.Tx {
				if tc.Op == faultstore.OpTxCreateRejection {
					return true
				}
			}
			return false
		}}))
	r := contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: "42:7", From: "42", Reason: "a sticker"}
	err := f.eng.Reject(bg, r)
	require.ErrorIs(t, err, faultstore.ErrInjected)
	assert.Equal(t, contactcenter.CodeUnavailable, contactcenter.ErrorCode(err), "the adapter asks for the message again")
	require.Equal(t, 1, fs.Injected())

	require.NoError(t, f.eng.Reject(bg, r), "the retry finds it recorded")
	require.NoError(t, f.eng.PublishPending(bg))
	evs := rejected(f.rec.take())
	require.Len(t, evs, 1, "one event")
	assert.Equal(t, "42:7", evs[0].ExternalID)
	rs, err := f.eng.Rejections(bg, ws, 0)
	require.NoError(t, err)
	assert.Len(t, rs, 1, "one record")
}

// A fault before the commit records nothing; the retry records it once.
func TestRejectFaultBeforeCommit(t *testing.T) {
	fs := faultstore.New(memory.New(), 1)
	f := newFixtureOn(t, fs, fullCaps)
	require.NoError(t, fs.Add(faultstore.Rule{Op: faultstore.OpTxAppendEvent, When: faultstore.Before, Next: 1}))
	r := contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: "42:7", Reason: "a sticker"}
	err := f.eng.Reject(bg, r)
	assert.Equal(t, contactcenter.CodeUnavailable, contactcenter.ErrorCode(err))
	rs, err := f.eng.Rejections(bg, ws, 0)
	require.NoError(t, err)
	assert.Empty(t, rs, "the record went with the event")

	require.NoError(t, f.eng.Reject(bg, r))
	assert.Len(t, rejected(f.rec.take()), 1)
	rs, err = f.eng.Rejections(bg, ws, 0)
	require.NoError(t, err)
	assert.Len(t, rs, 1)
}

// The record does not depend on the event: without Publish, or with one
// that ignores message.rejected (the event is then forgotten), the host
// still finds the rejection.
func TestRejectRecordOutlivesEvent(t *testing.T) {
	for name, publish := range map[string]func(context.Context, conversation.Event) error{
		"no Publish":         nil,
		"Publish ignores it": func(context.Context, conversation.Event) error { return nil },
	} {
		t.Run(name, func(t *testing.T) {
			s := memory.New()
			eng, err := contactcenter.New(contactcenter.Config{Store: s, Now: func() time.Time { return t0 }, Publish: publish})
			require.NoError(t, err)
			require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
			require.NoError(t, eng.Reject(bg, contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: "42:7", From: "42", Reason: "a sticker"}))
			if publish != nil {
				require.NoError(t, eng.PublishPending(bg))
				n, err := s.DrainEvents(bg, 10, func(context.Context, []conversation.Event) (int, error) { return 0, nil })
				require.NoError(t, err)
				require.Zero(t, n, "the event is gone")
			}
			want := conversation.RejectedMessage{Workspace: ws, Channel: "tg", ExternalID: "42:7", From: "42", Reason: "a sticker", At: t0}
			rs, err := eng.Rejections(bg, ws, 10)
			require.NoError(t, err)
			assert.Equal(t, []conversation.RejectedMessage{want}, rs)
			got, err := eng.Rejection(bg, ws, "tg", "42:7")
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

// Rejection finds a record by the id the adapter had, cleaned as Reject
// cleans it; an unknown key is CodeNotFound, and workspaces do not mix.
func TestRejectionLookup(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.eng.Reject(bg, contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: "42:\x007", Reason: "a sticker"}))
	got, err := f.eng.Rejection(bg, ws, "tg", "42:\x007")
	require.NoError(t, err)
	assert.Equal(t, "42:\uFFFD7", got.ExternalID)

	for name, lookup := range map[string]func() error{
		"unknown id":      func() error { _, err := f.eng.Rejection(bg, ws, "tg", "42:8"); return err },
		"other channel":   func() error { _, err := f.eng.Rejection(bg, ws, "wa", "42:\x007"); return err },
		"other workspace": func() error { _, err := f.eng.Rejection(bg, "other", "tg", "42:\x007"); return err },
	} {
		err := lookup()
		assert.Equal(t, contactcenter.CodeNotFound, contactcenter.ErrorCode(err), name)
		assert.ErrorIs(t, err, conversation.ErrRejectionNotFound, name)
		assert.ErrorIs(t, err, contactcenter.ErrNotFound, name)
	}
	rs, err := f.eng.Rejections(bg, "other", 0)
	require.NoError(t, err)
	assert.Empty(t, rs)
}

// A rejection's event says who acts: the contact when the channel's id is
// known as one, else the host's adapter that reported it — never an actor
// without an id.
func TestRejectionActor(t *testing.T) {
	f := newFixture(t)
	k := f.write(t, "42", "u1", "hi").Contact
	f.rec.take()
	require.NoError(t, f.eng.Reject(bg, contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: "42:7", From: "42", Reason: "a sticker"}))
	require.NoError(t, f.eng.Reject(bg, contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: "99:1", From: "99", Reason: "a sticker"}))
	require.NoError(t, f.eng.Reject(bg, contactcenter.Rejection{Workspace: ws, Channel: "tg", ExternalID: "x:1", Reason: "a location"}))
	evs := rejected(f.rec.take())
	require.Len(t, evs, 3)
	assert.Equal(t, conversation.AsContact(k.ID), evs[0].Actor)
	assert.Equal(t, conversation.Host(), evs[1].Actor, "a sender who is no contact yet")
	assert.Equal(t, conversation.Host(), evs[2].Actor, "no sender")
	for _, e := range evs {
		require.NoError(t, e.Actor.Validate())
	}
}
