package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGetMe(t *testing.T) {
	srv := NewServer()
	t.Cleanup(srv.Close)
	me := srv.AddBot(token, "support_bot")
	assert.Equal(t, int64(123456), me.ID, "id from the token prefix")
	assert.True(t, me.IsBot)
	assert.Equal(t, "support_bot", me.Username)
	assert.Equal(t, me, srv.AddBot(token, "support_bot"), "re-adding is idempotent")

	other := srv.AddBot("no-numeric-prefix", "other_bot")
	assert.Equal(t, int64(1000000), other.ID)
	third := srv.AddBot("1000001:prefix-id", "third_bot")
	assert.Equal(t, int64(1000001), third.ID)
	fourth := srv.AddBot("again-no-prefix", "fourth_bot")
	assert.Equal(t, int64(1000002), fourth.ID, "counter skips used ids")

	b, err := bot.New(token, bot.WithServerURL(srv.URL())) // calls getMe
	require.NoError(t, err)
	got, err := b.GetMe(ctxT(t))
	require.NoError(t, err)
	assert.Equal(t, me, *got)

	calls := srv.CallsTo("getme")
	require.Len(t, calls, 2)
	assert.Equal(t, "getMe", calls[0].Method)
	assert.Equal(t, token, calls[0].Token)
	assert.Equal(t, http.StatusOK, calls[0].Status)
}

func TestUnknownToken(t *testing.T) {
	srv := newServer(t)
	_, err := bot.New("999:unknown", bot.WithServerURL(srv.URL()))
	require.Error(t, err)
	assert.ErrorIs(t, err, bot.ErrorUnauthorized)

	b := newBot(t, srv, "999:unknown")
	_, err = b.SendMessage(ctxT(t), &bot.SendMessageParams{ChatID: 1, Text: "x"})
	assert.ErrorIs(t, err, bot.ErrorUnauthorized)

	calls := srv.Calls()
	require.Len(t, calls, 2)
	for _, c := range calls {
		assert.Equal(t, http.StatusUnauthorized, c.Status)
		assert.Equal(t, "999:unknown", c.Token)
	}
	assert.Equal(t, "sendMessage", calls[1].Method)
	assert.Equal(t, "x", calls[1].Params["text"])
}

func TestSendMessage(t *testing.T) {
	clock := newFakeClock()
	srv := newServer(t, WithClock(clock.Now))
	alice := srv.User(42, "Alice", "en")
	b := newBot(t, srv, token)
	ctx := ctxT(t)

	in := alice.Send(token, "hi")
	assert.Equal(t, 1, in.ID)
	assert.Equal(t, int64(42), in.Chat.ID)
	assert.Equal(t, models.ChatTypePrivate, in.Chat.Type)
	assert.Equal(t, "Alice", in.Chat.FirstName)
	require.NotNil(t, in.From)
	assert.Equal(t, alice.Model(), *in.From)
	assert.Equal(t, "en", in.From.LanguageCode)

	clock.Advance(time.Minute)
	out, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID:          alice.ID(),
		Text:            "hello Alice",
		ReplyParameters: &models.ReplyParameters{MessageID: in.ID},
	})
	require.NoError(t, err)
	assert.Equal(t, 2, out.ID)
	assert.Equal(t, "hello Alice", out.Text)
	assert.Equal(t, int(clock.Now().Unix()), out.Date)
	assert.Equal(t, int64(42), out.Chat.ID)
	require.NotNil(t, out.From)
	assert.Equal(t, int64(123456), out.From.ID)
	assert.True(t, out.From.IsBot)
	require.NotNil(t, out.ReplyToMessage)
	assert.Equal(t, in, *out.ReplyToMessage)

	// The older reply_to_message_id parameter works too (JSON body).
	status, env := mustCall(t, http.MethodPost, srv.URL()+"/bot"+token+"/sendMessage", "application/json",
		`{"chat_id":42,"text":"second","reply_to_message_id":1}`)
	require.Equal(t, http.StatusOK, status, env.Description)
	var second models.Message
	require.NoError(t, json.Unmarshal(env.Result, &second))
	require.NotNil(t, second.ReplyToMessage)
	assert.Equal(t, 1, second.ReplyToMessage.ID)

	chat := srv.Chat(42)
	require.Len(t, chat, 3)
	assert.Equal(t, in, chat[0])
	assert.Equal(t, *out, chat[1])
	assert.Equal(t, second, chat[2])
	sent := srv.Sent(token, 42)
	require.Len(t, sent, 2)
	assert.Equal(t, *out, sent[0])
	assert.Nil(t, srv.Chat(7), "unknown chat")
	assert.Nil(t, srv.Sent(token, 7))

	call := srv.CallsTo("sendMessage")[0]
	assert.Equal(t, "42", call.Params["chat_id"])
	assert.Equal(t, "hello Alice", call.Params["text"])
	assert.JSONEq(t, `{"message_id":1}`, call.Params["reply_parameters"])
	assert.Equal(t, clock.Now(), call.At)

	// Groups.
	g := srv.Group(-100, "Support")
	gm, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: g.ID(), Text: "hello group"})
	require.NoError(t, err)
	assert.Equal(t, 1, gm.ID, "message ids are per chat")
	assert.Equal(t, models.ChatTypeGroup, gm.Chat.Type)
	assert.Equal(t, "Support", gm.Chat.Title)
	assert.Equal(t, models.ChatTypeSupergroup, srv.Group(-1001234567890, "Big").Chat().Type)

	// Errors.
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 7, Text: "nobody"})
	assert.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.ErrorContains(t, err, "Bad Request: chat not found")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: "@nobody", Text: "nobody"})
	assert.ErrorContains(t, err, "chat not found")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: ""})
	assert.ErrorContains(t, err, "message text is empty")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: strings.Repeat("é", 4097)})
	assert.ErrorContains(t, err, "message is too long")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: "x", ReplyParameters: &models.ReplyParameters{MessageID: 99}})
	assert.ErrorContains(t, err, "message to be replied not found")
	noReply, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: "x",
		ReplyParameters: &models.ReplyParameters{MessageID: 99, AllowSendingWithoutReply: true}})
	require.NoError(t, err)
	assert.Nil(t, noReply.ReplyToMessage)

	statuses := []int{}
	for _, c := range srv.CallsTo("sendMessage") {
		statuses = append(statuses, c.Status)
	}
	assert.Equal(t, []int{200, 200, 200, 400, 400, 400, 400, 400, 200}, statuses)
}

func TestSendMessageKeepsEntitiesAndInlineKeyboard(t *testing.T) {
	srv := newServer(t)
	srv.User(42, "Alice", "en")
	b := newBot(t, srv, token)
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "OK", CallbackData: "ok"}}}}
	m, err := b.SendMessage(ctxT(t), &bot.SendMessageParams{
		ChatID:      42,
		Text:        "bold",
		Entities:    []models.MessageEntity{{Type: models.MessageEntityTypeBold, Offset: 0, Length: 4}},
		ReplyMarkup: kb,
	})
	require.NoError(t, err)
	require.Len(t, m.Entities, 1)
	assert.Equal(t, models.MessageEntityTypeBold, m.Entities[0].Type)
	require.NotNil(t, m.ReplyMarkup)
	assert.Equal(t, "ok", m.ReplyMarkup.InlineKeyboard[0][0].CallbackData)
}

func TestEditMessageText(t *testing.T) {
	clock := newFakeClock()
	srv := newServer(t, WithClock(clock.Now))
	srv.AddBot(otherToken, "other_bot")
	alice := srv.User(42, "Alice", "en")
	b := newBot(t, srv, token)
	other := newBot(t, srv, otherToken)
	ctx := ctxT(t)

	fromAlice := alice.Send(token, "hi")
	mine, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: "v1"})
	require.NoError(t, err)

	clock.Advance(10 * time.Second)
	edited, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 42, MessageID: mine.ID, Text: "v2"})
	require.NoError(t, err)
	assert.Equal(t, "v2", edited.Text)
	assert.Equal(t, mine.ID, edited.ID)
	assert.Equal(t, mine.Date, edited.Date)
	assert.Equal(t, int(clock.Now().Unix()), edited.EditDate)

	chat := srv.Chat(42)
	require.Len(t, chat, 2)
	assert.Equal(t, *edited, chat[1])
	assert.Equal(t, []models.Message{*edited}, srv.Sent(token, 42))

	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 42, MessageID: 99, Text: "v3"})
	assert.ErrorIs(t, err, bot.ErrorBadRequest)
	assert.ErrorContains(t, err, "Bad Request: message to edit not found")

	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 42, MessageID: mine.ID, Text: "v2"})
	assert.ErrorContains(t, err, "Bad Request: message is not modified: ")

	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 42, MessageID: fromAlice.ID, Text: "changed"})
	assert.ErrorContains(t, err, "Bad Request: message can't be edited")

	// Another bot does not see this bot's private conversation.
	_, err = other.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 42, MessageID: mine.ID, Text: "hijack"})
	assert.ErrorContains(t, err, "message to edit not found")

	// In a group it sees the message but cannot edit it.
	g := srv.Group(-5, "Team")
	gm, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: g.ID(), Text: "group text"})
	require.NoError(t, err)
	_, err = other.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: g.ID(), MessageID: gm.ID, Text: "hijack"})
	assert.ErrorContains(t, err, "message can't be edited")

	voice, err := b.SendVoice(ctx, &bot.SendVoiceParams{ChatID: 42, Voice: &models.InputFileString{Data: "voice-1"}})
	require.NoError(t, err)
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 42, MessageID: voice.ID, Text: "text"})
	assert.ErrorContains(t, err, "there is no text in the message to edit")

	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 77, MessageID: 1, Text: "x"})
	assert.ErrorContains(t, err, "chat not found")

	assert.Equal(t, "v2", srv.Chat(42)[1].Text, "failed edits change nothing")
}

func TestSendVoiceAndDocument(t *testing.T) {
	srv := newServer(t)
	srv.User(42, "Alice", "en")
	b := newBot(t, srv, token)
	ctx := ctxT(t)
	oggData := []byte("OggS fake voice")

	v, err := b.SendVoice(ctx, &bot.SendVoiceParams{
		ChatID:   42,
		Voice:    &models.InputFileUpload{Filename: "note.ogg", Data: bytes.NewReader(oggData)},
		Duration: 7,
		Caption:  "listen",
	})
	require.NoError(t, err)
	require.NotNil(t, v.Voice)
	assert.NotEmpty(t, v.Voice.FileID)
	assert.NotEmpty(t, v.Voice.FileUniqueID)
	assert.Equal(t, 7, v.Voice.Duration)
	assert.Equal(t, int64(len(oggData)), v.Voice.FileSize)
	assert.Equal(t, "listen", v.Caption)

	call := srv.CallsTo("sendVoice")[0]
	assert.Equal(t, File{Name: "note.ogg", Data: oggData}, call.Files["voice"])
	assert.Equal(t, "7", call.Params["duration"])
	assert.Equal(t, "listen", call.Params["caption"])

	// The upload can be fetched back with getFile and the download link.
	f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: v.Voice.FileID})
	require.NoError(t, err)
	assert.Equal(t, v.Voice.FileID, f.FileID)
	assert.Equal(t, int64(len(oggData)), f.FileSize)
	resp, err := http.Get(b.FileDownloadLink(f))
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, oggData, got)
	_, err = b.GetFile(ctx, &bot.GetFileParams{FileID: "never-seen"})
	assert.ErrorContains(t, err, "invalid file_id")

	// By file_id.
	v2, err := b.SendVoice(ctx, &bot.SendVoiceParams{ChatID: 42, Voice: &models.InputFileString{Data: v.Voice.FileID}, Duration: 7})
	require.NoError(t, err)
	assert.Equal(t, v.Voice.FileID, v2.Voice.FileID)
	assert.Equal(t, v.Voice.FileUniqueID, v2.Voice.FileUniqueID)
	v3, err := b.SendVoice(ctx, &bot.SendVoiceParams{ChatID: 42, Voice: &models.InputFileString{Data: "AwACAgIAAx-external"}})
	require.NoError(t, err)
	assert.Equal(t, "AwACAgIAAx-external", v3.Voice.FileID)
	assert.Empty(t, srv.CallsTo("sendVoice")[1].Files)

	pdf := []byte("%PDF-1.4 fake")
	d, err := b.SendDocument(ctx, &bot.SendDocumentParams{
		ChatID:   42,
		Document: &models.InputFileUpload{Filename: "invoice.pdf", Data: bytes.NewReader(pdf)},
		Caption:  "your invoice",
	})
	require.NoError(t, err)
	require.NotNil(t, d.Document)
	assert.Equal(t, "invoice.pdf", d.Document.FileName)
	assert.Equal(t, "application/pdf", d.Document.MimeType)
	assert.Equal(t, int64(len(pdf)), d.Document.FileSize)
	assert.Equal(t, "your invoice", d.Caption)
	assert.NotEqual(t, v.Voice.FileID, d.Document.FileID)
	assert.Equal(t, File{Name: "invoice.pdf", Data: pdf}, srv.CallsTo("sendDocument")[0].Files["document"])

	d2, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: 42, Document: &models.InputFileString{Data: d.Document.FileID}})
	require.NoError(t, err)
	assert.Equal(t, d.Document.FileID, d2.Document.FileID)
	assert.Equal(t, "invoice.pdf", d2.Document.FileName, "known file keeps its name")

	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: 42, Document: &models.InputFileString{Data: ""}})
	assert.ErrorContains(t, err, "there is no document in the request")

	p, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: 42, Photo: &models.InputFileUpload{Filename: "a.jpg", Data: bytes.NewReader([]byte("jpeg"))}, Caption: "pic"})
	require.NoError(t, err)
	require.Len(t, p.Photo, 2)
	assert.Equal(t, "pic", p.Caption)

	au, err := b.SendAudio(ctx, &bot.SendAudioParams{ChatID: 42, Audio: &models.InputFileString{Data: "audio-1"}, Duration: 90, Title: "Hold music"})
	require.NoError(t, err)
	require.NotNil(t, au.Audio)
	assert.Equal(t, "Hold music", au.Audio.Title)
	assert.Equal(t, 90, au.Audio.Duration)

	sent := srv.Sent(token, 42)
	require.Len(t, sent, 7)
	assert.Equal(t, *v, sent[0])
	assert.Equal(t, *d, sent[3])
}

func TestPutFileForUserMedia(t *testing.T) {
	srv := newServer(t)
	alice := srv.User(42, "Alice", "en")
	b := newBot(t, srv, token)
	srv.PutFile("voice-from-alice", "voice.ogg", []byte("alice voice"))
	m := alice.SendVoice(token, "voice-from-alice", 3)
	require.NotNil(t, m.Voice)
	assert.Equal(t, int64(len("alice voice")), m.Voice.FileSize)
	f, err := b.GetFile(ctxT(t), &bot.GetFileParams{FileID: m.Voice.FileID})
	require.NoError(t, err)
	resp, err := http.Get(b.FileDownloadLink(f))
	require.NoError(t, err)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, "alice voice", string(data))

	resp, err = http.Get(srv.URL() + "/file/bot" + token + "/nope/missing.ogg")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	downloads := srv.CallsTo("download")
	require.Len(t, downloads, 2)
	assert.Equal(t, []int{200, 404}, []int{downloads[0].Status, downloads[1].Status})
}

func TestCopyMessage(t *testing.T) {
	srv := newServer(t)
	alice := srv.User(42, "Alice", "en")
	agents := srv.Group(-1001000000001, "Agents")
	b := newBot(t, srv, token)
	ctx := ctxT(t)

	voice := alice.SendVoice(token, "voice-file-1", 12)
	text := alice.Send(token, "I need help")
	intro, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: agents.ID(), Text: "New customer"})
	require.NoError(t, err)

	id, err := b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: agents.ID(), FromChatID: alice.ID(), MessageID: voice.ID,
		ReplyParameters: &models.ReplyParameters{MessageID: intro.ID}})
	require.NoError(t, err)
	assert.Equal(t, 2, id.ID)
	id2, err := b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: agents.ID(), FromChatID: alice.ID(), MessageID: text.ID})
	require.NoError(t, err)
	assert.Equal(t, 3, id2.ID)

	chat := srv.Chat(agents.ID())
	require.Len(t, chat, 3)
	vc := chat[1]
	require.NotNil(t, vc.Voice)
	assert.Equal(t, "voice-file-1", vc.Voice.FileID)
	assert.Equal(t, 12, vc.Voice.Duration)
	require.NotNil(t, vc.From)
	assert.Equal(t, int64(123456), vc.From.ID, "the copy comes from the bot")
	require.NotNil(t, vc.ReplyToMessage)
	assert.Equal(t, intro.ID, vc.ReplyToMessage.ID)
	assert.Equal(t, "I need help", chat[2].Text)
	assert.Equal(t, agents.Chat(), chat[2].Chat)
	assert.Len(t, srv.Sent(token, agents.ID()), 3)

	// Copy from a group into a private chat.
	said := agents.Send(token, alice, "from the group", 0)
	_, err = b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: alice.ID(), FromChatID: agents.ID(), MessageID: said.ID})
	require.NoError(t, err)
	last := srv.Chat(alice.ID())
	assert.Equal(t, "from the group", last[len(last)-1].Text)

	// The caption parameter replaces a media message's caption.
	photo := alice.SendPhoto(token, "photo-9", "original caption")
	id3, err := b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: agents.ID(), FromChatID: alice.ID(), MessageID: photo.ID, Caption: "new caption"})
	require.NoError(t, err)
	chat = srv.Chat(agents.ID())
	cp := chat[len(chat)-1]
	assert.Equal(t, id3.ID, cp.ID)
	assert.Equal(t, "new caption", cp.Caption)
	assert.Equal(t, photo.Photo, cp.Photo)
	assert.Equal(t, "original caption", srv.Chat(alice.ID())[photo.ID-1].Caption)

	_, err = b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: agents.ID(), FromChatID: alice.ID(), MessageID: 999})
	assert.ErrorContains(t, err, "message to copy not found")
	_, err = b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: agents.ID(), FromChatID: 5, MessageID: 1})
	assert.ErrorContains(t, err, "chat not found")
	_, err = b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: 5, FromChatID: alice.ID(), MessageID: 1})
	assert.ErrorContains(t, err, "chat not found")
}

func TestBlockedUser(t *testing.T) {
	srv := newServer(t)
	alice := srv.User(42, "Alice", "en")
	b := newBot(t, srv, token)
	ctx := ctxT(t)
	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: "welcome"})
	require.NoError(t, err)

	alice.Block(token)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: "still there?"})
	require.Error(t, err)
	assert.True(t, errors.Is(err, bot.ErrorForbidden))
	assert.ErrorContains(t, err, "Forbidden: bot was blocked by the user")
	_, err = b.SendVoice(ctx, &bot.SendVoiceParams{ChatID: 42, Voice: &models.InputFileString{Data: "v"}})
	assert.ErrorIs(t, err, bot.ErrorForbidden)
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 42, MessageID: m.ID, Text: "edited"})
	assert.ErrorIs(t, err, bot.ErrorForbidden)
	assert.Equal(t, http.StatusForbidden, srv.CallsTo("sendMessage")[1].Status)

	// Other bots are not affected.
	srv.AddBot(otherToken, "other_bot")
	_, err = newBot(t, srv, otherToken).SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: "hi from other"})
	require.NoError(t, err)

	alice.Unblock(token)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 42, Text: "welcome back"})
	require.NoError(t, err)
	assert.Len(t, srv.Sent(token, 42), 2)
}

func TestRateLimits(t *testing.T) {
	clock := newFakeClock()
	srv := newServer(t, WithClock(clock.Now))
	for i := int64(1); i <= 3; i++ {
		srv.User(i, "User", "en")
	}
	g := srv.Group(-10, "Group")
	b := newBot(t, srv, token)
	ctx := ctxT(t)
	send := func(chat int64) error {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chat, Text: "x"})
		return err
	}
	retryAfter := func(err error) int {
		t.Helper()
		var tooMany *bot.TooManyRequestsError
		require.True(t, errors.As(err, &tooMany), "want *bot.TooManyRequestsError, got %v", err)
		return tooMany.RetryAfter
	}

	// Per chat per second.
	srv.SetLimits(Limits{PerChatPerSecond: 1})
	require.NoError(t, send(1))
	err := send(1)
	assert.Equal(t, 1, retryAfter(err))
	assert.ErrorContains(t, err, "Too Many Requests: retry after 1")
	require.NoError(t, send(2), "other chats are not limited")
	clock.Advance(999 * time.Millisecond)
	assert.Equal(t, 1, retryAfter(send(1)), "retry_after is at least 1")
	clock.Advance(time.Millisecond)
	require.NoError(t, send(1))
	assert.Equal(t, 2, srv.TooManyRequests())
	assert.Equal(t, http.StatusTooManyRequests, srv.CallsTo("sendMessage")[1].Status)

	// Per bot per second, over all chats.
	clock.Advance(time.Hour)
	srv.SetLimits(Limits{PerSecond: 2})
	require.NoError(t, send(1))
	clock.Advance(400 * time.Millisecond)
	require.NoError(t, send(2))
	assert.Equal(t, 1, retryAfter(send(3)))
	clock.Advance(600 * time.Millisecond) // the first send leaves the window
	require.NoError(t, send(3))

	// Per group per minute.
	clock.Advance(time.Hour)
	srv.SetLimits(Limits{PerGroupPerMinute: 2})
	require.NoError(t, send(g.ID()))
	clock.Advance(10 * time.Second)
	require.NoError(t, send(g.ID()))
	clock.Advance(10 * time.Second)
	assert.Equal(t, 40, retryAfter(send(g.ID())))
	require.NoError(t, send(1), "private chats are not limited per minute")
	clock.Advance(40 * time.Second)
	require.NoError(t, send(g.ID()))

	// Media and copies count too.
	clock.Advance(time.Hour)
	srv.SetLimits(Limits{PerChatPerSecond: 1})
	_, err = b.SendVoice(ctx, &bot.SendVoiceParams{ChatID: 1, Voice: &models.InputFileString{Data: "v"}})
	require.NoError(t, err)
	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: 1, Document: &models.InputFileString{Data: "d"}})
	assert.Equal(t, 1, retryAfter(err))
	_, err = b.CopyMessage(ctx, &bot.CopyMessageParams{ChatID: 1, FromChatID: 1, MessageID: 1})
	assert.Equal(t, 1, retryAfter(err))

	// Edits are exempt unless CountEdits.
	clock.Advance(time.Hour)
	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 2, Text: "v0"})
	require.NoError(t, err)
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 2, MessageID: m.ID, Text: "v1"})
	require.NoError(t, err)
	srv.SetLimits(Limits{PerChatPerSecond: 1, CountEdits: true})
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 2, MessageID: m.ID, Text: "v2"})
	assert.Equal(t, 1, retryAfter(err))
	clock.Advance(time.Second)
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: 2, MessageID: m.ID, Text: "v2"})
	require.NoError(t, err)

	srv.SetLimits(Limits{})
	for i := 0; i < 5; i++ {
		require.NoError(t, send(1))
	}
	assert.Equal(t, 7, srv.TooManyRequests())
}

func TestRateLimitRawEnvelope(t *testing.T) {
	clock := newFakeClock()
	srv := newServer(t, WithClock(clock.Now))
	srv.User(1, "U", "en")
	srv.SetLimits(Limits{PerChatPerSecond: 1})
	u := srv.URL() + "/bot" + token + "/sendMessage?chat_id=1&text=x"
	status, _ := mustCall(t, http.MethodGet, u, "", "")
	require.Equal(t, http.StatusOK, status)
	status, env := mustCall(t, http.MethodGet, u, "", "")
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.False(t, env.OK)
	assert.Equal(t, 429, env.ErrorCode)
	assert.Equal(t, "Too Many Requests: retry after 1", env.Description)
	require.NotNil(t, env.Parameters)
	assert.Equal(t, 1, env.Parameters.RetryAfter)
}

func TestPlainHTTPBodies(t *testing.T) {
	srv := newServer(t)
	srv.User(42, "Alice", "en")
	base := srv.URL() + "/bot" + token + "/"

	status, env := mustCall(t, http.MethodPost, base+"sendMessage", "application/json",
		`{"chat_id":42,"text":"from json","reply_parameters":{"message_id":5,"allow_sending_without_reply":true}}`)
	require.Equal(t, http.StatusOK, status, env.Description)
	assert.True(t, env.OK)
	var m models.Message
	require.NoError(t, json.Unmarshal(env.Result, &m))
	assert.Equal(t, "from json", m.Text)
	assert.Equal(t, int64(42), m.Chat.ID)

	status, env = mustCall(t, http.MethodPost, base+"sendMessage", "application/x-www-form-urlencoded",
		"chat_id=42&text=from+urlencoded")
	require.Equal(t, http.StatusOK, status, env.Description)
	require.NoError(t, json.Unmarshal(env.Result, &m))
	assert.Equal(t, "from urlencoded", m.Text)

	status, env = mustCall(t, http.MethodGet, base+"sendMessage?chat_id=42&text=from%20query", "", "")
	require.Equal(t, http.StatusOK, status, env.Description)
	require.NoError(t, json.Unmarshal(env.Result, &m))
	assert.Equal(t, "from query", m.Text)

	status, env = mustCall(t, http.MethodGet, base+"SENDMESSAGE?chat_id=42&text=case", "", "")
	require.Equal(t, http.StatusOK, status, "method names are case-insensitive")

	status, env = mustCall(t, http.MethodGet, base+"getMe", "", "")
	require.Equal(t, http.StatusOK, status)
	var me models.User
	require.NoError(t, json.Unmarshal(env.Result, &me))
	assert.Equal(t, "support_bot", me.Username)

	calls := srv.CallsTo("sendMessage")
	require.Len(t, calls, 4)
	assert.Equal(t, "42", calls[0].Params["chat_id"])
	assert.JSONEq(t, `{"message_id":5,"allow_sending_without_reply":true}`, calls[0].Params["reply_parameters"])
	assert.Equal(t, "from urlencoded", calls[1].Params["text"])
	assert.Equal(t, "from query", calls[2].Params["text"])

	// Errors.
	status, env = mustCall(t, http.MethodPost, base+"sendMessage", "application/json", `{"chat_id":`)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, 400, env.ErrorCode)
	assert.Contains(t, env.Description, "Bad Request")

	status, env = mustCall(t, http.MethodGet, base+"noSuchMethod", "", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.False(t, env.OK)
	assert.Equal(t, 404, env.ErrorCode)
	assert.Equal(t, "Not Found", env.Description)
	assert.Nil(t, env.Parameters)
	assert.Equal(t, "noSuchMethod", srv.CallsTo("noSuchMethod")[0].Method)

	status, env = mustCall(t, http.MethodGet, srv.URL()+"/nothing-here", "", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "Not Found", env.Description)

	status, env = mustCall(t, http.MethodGet, srv.URL()+"/botWRONG/getMe", "", "")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, 401, env.ErrorCode)
	assert.Equal(t, "Unauthorized", env.Description)

	all := srv.Calls()
	require.NotEmpty(t, all)
	assert.Equal(t, http.StatusUnauthorized, all[len(all)-1].Status)
	all[0].Params["chat_id"] = "mutated"
	assert.Equal(t, "42", srv.Calls()[0].Params["chat_id"], "Calls returns copies")
}

func TestSendChatAction(t *testing.T) {
	srv := newServer(t)
	alice := srv.User(42, "Alice", "en")
	b := newBot(t, srv, token)
	ok, err := b.SendChatAction(ctxT(t), &bot.SendChatActionParams{ChatID: 42, Action: models.ChatActionTyping})
	require.NoError(t, err)
	assert.True(t, ok)
	alice.Block(token)
	_, err = b.SendChatAction(ctxT(t), &bot.SendChatActionParams{ChatID: 42, Action: models.ChatActionTyping})
	assert.ErrorIs(t, err, bot.ErrorForbidden)
	assert.Empty(t, srv.Chat(42))
}

func TestCloseEndsLongPoll(t *testing.T) {
	srv := NewServer()
	srv.AddBot(token, "support_bot")
	type res struct {
		status int
		env    envelope
		err    error
	}
	done := make(chan res, 1)
	go func() {
		status, env, err := rawCall(http.MethodGet, srv.URL()+"/bot"+token+"/getUpdates?timeout=30", "", "")
		done <- res{status, env, err}
	}()
	require.True(t, srv.WaitUntil(waitLimit, func() bool { return srv.Polling(token) }))
	start := time.Now()
	srv.Close()
	r := receive(t, done)
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `[]`, string(r.env.Result))
	assert.Less(t, time.Since(start), waitLimit)
	srv.Close() // idempotent
}

func TestPanicsOnMisuse(t *testing.T) {
	srv := newServer(t)
	alice := srv.User(42, "Alice", "en")
	assert.Same(t, alice, srv.User(42, "Other", "de"))
	assert.Panics(t, func() { srv.User(0, "x", "") })
	assert.Panics(t, func() { srv.User(123456, "bot id", "") })
	assert.Panics(t, func() { srv.Group(5, "positive") })
	assert.Panics(t, func() { alice.Send("unknown", "x") })
	assert.Panics(t, func() { alice.Edit(token, 99, "x") })
	assert.Panics(t, func() { srv.Redeliver(token, 99) })
	assert.Panics(t, func() { srv.AddBot(token, "renamed") })
	g := srv.Group(-1, "G")
	assert.Panics(t, func() { g.Send(token, nil, "x", 0) })
	assert.Panics(t, func() { g.Send(token, alice, "x", 7) })
	other := NewServer()
	defer other.Close()
	other.AddBot(token, "support_bot")
	assert.Panics(t, func() { other.Group(-1, "G").Send(token, alice, "x", 0) })
	assert.Empty(t, srv.Chat(-1))
}

func TestWaitUntilTimesOut(t *testing.T) {
	srv := newServer(t)
	start := time.Now()
	assert.False(t, srv.WaitUntil(50*time.Millisecond, func() bool { return false }))
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)
}
