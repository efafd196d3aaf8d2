package telegram_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/faultstore"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/telegram"
)

// refusingEdits refuses for good an edit whose text carries poisonMarker,
// as PostgreSQL refuses a value beyond one of its limits.
type refusingEdits struct{ store.Store }

func (s refusingEdits) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return fn(refusingEditsTx{tx}) })
}

type refusingEditsTx struct{ store.Tx }

func (t refusingEditsTx) UpdateMessage(ctx context.Context, m conversation.Message) error {
	if strings.Contains(m.Text, poisonMarker) {
		return fmt.Errorf("index row size exceeds btree maximum (SQLSTATE 54000): %w", store.ErrRejected)
	}
	return t.Tx.UpdateMessage(ctx, m)
}

func newRejectingReceiver(t *testing.T, s store.Store) (telegram.Receiver, *published) {
	t.Helper()
	_, b := newBot(t)
	pub := &published{}
	eng, err := contactcenter.New(contactcenter.Config{Store: s, Publish: pub.publish})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: b, By: conversation.Host()}))
	return telegram.Receiver{Engine: eng, Workspace: "w", Channel: "tg"}, pub
}

// A sticker Telegram delivers twice (the first confirmation was lost) is
// put aside once: one record naming the chat, one message.rejected event
// (R18).
func TestReceiverRejectsOnce(t *testing.T) {
	r, pub := newRejectingReceiver(t, memory.New())
	chat := models.Chat{ID: 42, Type: models.ChatTypePrivate}
	u := &models.Update{ID: 9, Message: &models.Message{ID: 5, Chat: chat, From: &models.User{ID: 42, FirstName: "Lucía"},
		Sticker: &models.Sticker{FileID: "st-1", FileUniqueID: "st-1u", Type: "regular"}}}
	require.NoError(t, r.HandleUpdate(bg, u))
	require.NoError(t, r.HandleUpdate(bg, u), "the redelivery is handled")
	require.NoError(t, r.Engine.PublishPending(bg))
	evs := pub.ofType(conversation.EventMessageRejected)
	require.Len(t, evs, 1, "one event")
	assert.Equal(t, telegram.MessageID(42, 5), evs[0].ExternalID)

	rs, err := r.Engine.Rejections(bg, "w", 0)
	require.NoError(t, err)
	require.Len(t, rs, 1, "one record")
	assert.Equal(t, telegram.MessageID(42, 5), rs[0].ExternalID)
	assert.Equal(t, "42", rs[0].From, "the chat is the contact")
	assert.Contains(t, rs[0].Reason, "sticker")
}

// Each edit of a message that the engine refuses for good is put aside
// under its EditID: two edits are two records, a redelivered one is not a
// third.
func TestReceiverRejectsEdits(t *testing.T) {
	r, pub := newRejectingReceiver(t, refusingEdits{memory.New()})
	chat := models.Chat{ID: 42, Type: models.ChatTypePrivate}
	from := &models.User{ID: 42, FirstName: "Lucía"}
	require.NoError(t, r.HandleUpdate(bg, &models.Update{ID: 1, Message: &models.Message{ID: 7, Chat: chat, From: from, Text: "hola"}}))
	edit := func(id int64, date int) *models.Update {
		return &models.Update{ID: id, EditedMessage: &models.Message{ID: 7, Chat: chat, From: from, EditDate: date,
			Text: fmt.Sprint("hola ", date, " ", poisonMarker)}}
	}
	require.NoError(t, r.HandleUpdate(bg, edit(2, 1767600000)))
	require.NoError(t, r.HandleUpdate(bg, edit(3, 1767600060)))
	require.NoError(t, r.HandleUpdate(bg, edit(3, 1767600060)), "a redelivered edit")

	rs, err := r.Engine.Rejections(bg, "w", 0)
	require.NoError(t, err)
	require.Len(t, rs, 2)
	assert.Equal(t, telegram.EditID(42, 7, 1767600060), rs[0].ExternalID)
	assert.Equal(t, telegram.EditID(42, 7, 1767600000), rs[1].ExternalID)
	assert.Equal(t, "42:7@1767600000", rs[1].ExternalID)
	assert.Equal(t, "42", rs[1].From)
	assert.Contains(t, rs[1].Reason, "an edit: ")
	require.NoError(t, r.Engine.PublishPending(bg))
	assert.Len(t, pub.ofType(conversation.EventMessageRejected), 2)
}

// The connection drops while the rejection commits: the update is not
// confirmed, Telegram delivers it again, and the host sees one record and
// one event (R18).
func TestReceiverRejectAfterCommitFault(t *testing.T) {
	fs := faultstore.New(memory.New(), 1)
	r, pub := newRejectingReceiver(t, fs)
	require.NoError(t, fs.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: faultstore.After, Next: 1,
		Match: func(c faultstore.Call) bool {
			return slices.ContainsFunc(c.Tx, func(tc faultstore.TxCall) bool { return tc.Op == faultstore.OpTxCreateRejection })
		}}))
	chat := models.Chat{ID: 42, Type: models.ChatTypePrivate}
	u := &models.Update{ID: 9, Message: &models.Message{ID: 5, Chat: chat, Location: &models.Location{Latitude: 19.4, Longitude: -99.1}}}
	err := r.HandleUpdate(bg, u)
	require.ErrorIs(t, err, faultstore.ErrInjected, "the update is not confirmed")
	require.Equal(t, 1, fs.Injected())
	require.NoError(t, r.HandleUpdate(bg, u))
	require.NoError(t, r.Engine.PublishPending(bg))
	assert.Len(t, pub.ofType(conversation.EventMessageRejected), 1)
	rs, err := r.Engine.Rejections(bg, "w", 0)
	require.NoError(t, err)
	assert.Len(t, rs, 1)
}
