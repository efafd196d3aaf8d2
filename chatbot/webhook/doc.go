// Package webhook is the generic chatbot adapter (R2): a bot written in
// any language plugs in by answering HTTPS requests with JSON, each
// direction signed with a shared secret. docs/webhook.md is the protocol
// for bot authors: the schema, the headers, the signing recipe, examples.
//
// Bot is the engine's side, a chatbot.Bot. Each turn is POSTed to the
// bot's URL as the JSON of EncodeTurn, with three headers:
// TimestampHeader (Unix seconds), SignatureHeader (Sign:
// "sha256=" + hex HMAC-SHA256 of the timestamp, ".", and the body) and
// IdempotencyHeader (the turn's id, the same on every attempt). The bot
// answers 200 with the JSON of a reply, signed the same way with the same
// secret over its own timestamp and body. A reply that is unsigned,
// wrongly signed (ErrSignature), signed more than DefaultTolerance from
// now (ErrStale), too long (ErrTooLarge) or not the schema's JSON
// (chatbot.ErrInvalid), an answer other than 2xx (*StatusError) and a
// request the turn timeout cuts are failed turns, which the channel's
// failure policy counts.
//
// Handler is the bot's side for a bot written in Go: it verifies and
// decodes the turn, calls a chatbot.Bot and signs its reply. EncodeTurn,
// DecodeTurn, EncodeReply and DecodeReply are the schema itself, shared by
// both sides; Sign and Verify the signature.
//
// The reply is decoded strictly (a field the schema does not name is an
// error) and validated by the engine as any bot's: an invalid message or
// action is refused and recorded, the others apply (chatbot.Reply.Validate).
// A turn is decoded leniently, so that turns may gain fields.
//
// This package is an adapter: it imports only the standard library and
// the domain packages.
package webhook
