// Package telegram is the Telegram channel of the contact center, on
// github.com/go-telegram/bot.
//
// A Bot is one bot account (R1). It is the channel.Transport the engine
// sends with: text with sendMessage, voice notes with sendVoice (R13),
// files with sendDocument, edits with editMessageText (R8); it declares
// Telegram's capabilities and rate limits, and maps the Bot API's answers
// onto the channel package's errors (a 429 becomes a RetryAfterError, a
// user who blocked the bot ErrBlocked). It checks, when a channel is
// configured, that its token works and belongs to the account the channel
// names.
//
// Inbound, Poll receives updates by long polling and WebhookHandler by
// webhook. Both store before they acknowledge (R18): Poll owns the polling
// offset and confirms an update to Telegram only once the handler has
// handled it, and the webhook answers 200 only then. Updates of one chat are
// handled in order. Receiver turns the updates of private chats into the
// engine's inbound messages and contacts' edits. No update stops the ones
// after it: what a store could not hold is repaired by the engine, a
// message refused for good is put aside with Engine.Reject (recorded once,
// where Engine.Rejections lists it, with a message.rejected event), and an
// update the client cannot read is logged and skipped; only failures that
// may pass are retried.
//
// An answer of Telegram that asking again cannot change ends Poll with a
// *FatalError, which wraps channel.ErrInvalid and says what to do: the
// token refused (ErrTokenRefused), a webhook set (ErrWebhookActive),
// another process polling the same bot (ErrOtherPoller). WebhookInfo tells
// whether the bot's updates go to a webhook (SetWebhook, with the secret
// token WebhookHandler checks) or wait for getUpdates (DeleteWebhook), how
// many wait, and why the last deliveries failed.
package telegram
