// Package telegramtest provides a fake Telegram Bot API server for tests.
//
// A [Server] listens on 127.0.0.1 (net/http/httptest) and speaks enough of
// the Bot API for the real github.com/go-telegram/bot client to work against
// it through bot.WithServerURL:
//
//	srv := telegramtest.NewServer()
//	defer srv.Close()
//	srv.AddBot("123:secret", "support_bot")
//	alice := srv.User(42, "Alice", "en")
//	b, _ := bot.New("123:secret", bot.WithServerURL(srv.URL()))
//	alice.Send("123:secret", "hello") // the bot receives it via getUpdates or its webhook
//
// Implemented methods: getMe, getUpdates, setWebhook, deleteWebhook,
// getWebhookInfo, sendMessage, editMessageText, sendVoice, sendDocument,
// sendPhoto, sendAudio, copyMessage, sendChatAction and getFile (plus file
// downloads at /file/bot<token>/<file_path>). Parameters are accepted as a
// query string and as multipart/form-data, application/json or
// application/x-www-form-urlencoded bodies, with GET or POST; method names
// are matched case-insensitively, as Telegram does. Responses use Telegram's
// envelope ({"ok":true,"result":...} or {"ok":false,"error_code":N,
// "description":"...","parameters":{"retry_after":N}}) and the types of
// github.com/go-telegram/bot/models, so JSON matches what the client expects.
//
// # People, chats and messages
//
// [Server.User] creates a person; their private chat with any bot has the
// chat id of the user id. [Server.Group] creates a group (negative id) of
// which every registered bot is a member. Message ids are allocated by one
// counter per chat id, starting at 1. In a private chat the counter is shared
// by all bots, but each bot only sees its own conversation with the user
// (messages the user sent to it and messages it sent): another bot's
// messages are "not found" for it. In groups every bot sees every message.
// Test helpers such as [User.Send] panic on misuse (unknown bot token,
// unknown message), as they indicate a bug in the test itself.
//
// # Updates
//
// Each bot has a queue of pending updates with update ids from a per-bot
// counter starting at 1. getUpdates follows Telegram: updates with an id
// lower than offset are confirmed and forgotten (a negative offset keeps
// only the last -offset updates), pending ones are returned at once, and if
// there are none the request waits up to timeout seconds (capped at one
// hour) for one, or until the request ends or the server closes. A new
// getUpdates for the same bot terminates a waiting one with 409 "Conflict:
// terminated by other getUpdates request; ...". allowed_updates is accepted
// and ignored. With a webhook set, updates are POSTed one at a time in order
// and confirmed by a 2xx answer; other answers and transport errors are
// retried after a delay that starts at 50ms and doubles up to 1s (see
// [WithWebhookRetry]). Webhook URLs may use http (Telegram requires https).
//
// [Server.Redeliver] enqueues an update again with the same update_id.
// Since the go-telegram/bot client computes the next offset from the last
// update it received, getUpdates never returns an update after one with a
// higher id in the same response: a redelivered update therefore comes in a
// response of its own (or at the head of one), and it is not dropped by an
// offset until it has been delivered.
//
// # Rate limits
//
// See [Limits]. Only accepted sends count towards the windows; answers with
// an error (including 429) consume no quota. Windows use the server clock
// (see [WithClock]), so tests can exercise them deterministically.
//
// # Clock
//
// The clock given with [WithClock] is used for message dates, edit dates,
// [Call.At] and rate-limit windows. Long-poll timeouts and webhook retry
// delays always use real time. The clock may be called concurrently and
// must not call back into the Server.
//
// # Not modelled
//
// parse_mode is accepted and ignored (text is stored verbatim; entities given
// explicitly are kept); only inline keyboards are kept from reply_markup;
// reply_parameters.chat_id is ignored (replies are looked up in the target
// chat); bots may write to any registered user, even one who never wrote to
// them; blocked users can still write to the bot.
package telegramtest
