package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/telegram"
	"github.com/telenet/contactcenter/telegram/telegramtest"
)

// R18: a customer's NUL byte, which PostgreSQL text refuses (SQLSTATE
// 22021), does not stop inbound. 151 customers write through the fake Bot
// API and Poll, the first with a NUL byte in their text and the second with
// a 2 GB document: every update is confirmed, every customer's message is
// stored (the NUL replaced, the document kept as metadata), and each
// customer's next message follows.
func TestPoisonUpdateDoesNotStopInbound(t *testing.T) {
	dsn := freshSchema(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := open(t, dsn)
	t.Cleanup(func() { s.Close() })

	const token = "123:secret"
	srv := telegramtest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddBot(token, "SupportBot")
	b, err := telegram.New(token, telegram.WithAPIURL(srv.URL()), telegram.WithPollTimeout(time.Second))
	require.NoError(t, err)
	eng, err := contactcenter.New(contactcenter.Config{Store: s, Publish: func(context.Context, conversation.Event) error { return nil }})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindTelegram, Account: "SupportBot"}, Transport: b, By: conversation.Host()}))
	done := make(chan error, 1)
	pctx, stop := context.WithCancel(ctx)
	go func() { done <- b.Poll(pctx, telegram.Receiver{Engine: eng, Workspace: "w", Channel: "tg"}) }()

	const customers = 151
	users := make([]*telegramtest.User, customers)
	for i := range users {
		users[i] = srv.User(int64(1000+i), fmt.Sprint("Cliente ", i), "es")
	}
	users[0].Send(token, "mi pedido\x00 #A-17")
	users[1].Post(token, models.Message{Caption: "el respaldo", Document: &models.Document{FileID: "file-2g", FileUniqueID: "u2g",
		FileName: "respaldo.zip", MimeType: "application/zip", FileSize: 2 << 30}})
	for _, u := range users[2:] {
		u.Send(token, "hola")
	}
	for _, u := range users {
		u.Send(token, "¿siguen ahí?")
	}
	require.True(t, srv.WaitUntil(45*time.Second, func() bool { return srv.Confirmed(token) == 2*customers }),
		"every update is confirmed: %d of %d", srv.Confirmed(token), 2*customers)
	stop()
	assert.ErrorIs(t, <-done, context.Canceled)

	q, err := eng.Queue(ctx, "w", 0)
	require.NoError(t, err)
	require.Len(t, q, customers, "every customer's conversation is stored")
	for _, c := range q {
		ms, err := eng.Messages(ctx, "w", c.ID)
		require.NoError(t, err)
		require.Len(t, ms, 2, "customer %s: both messages", c.ContactExternalID)
		assert.Equal(t, "¿siguen ahí?", ms[1].Text)
		switch c.ContactExternalID {
		case "1000":
			assert.Equal(t, "mi pedido\uFFFD #A-17", ms[0].Text)
			assert.Equal(t, conversation.AlteredText, ms[0].Altered)
		case "1001":
			assert.Equal(t, "el respaldo", ms[0].Text)
			require.Len(t, ms[0].Attachments, 1)
			assert.True(t, ms[0].Attachments[0].Oversize)
			assert.Equal(t, int64(2<<30), ms[0].Attachments[0].Size)
		}
	}
}
