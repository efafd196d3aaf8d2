package dialogflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// TokenSource returns the OAuth 2.0 access token sent as
// "Authorization: Bearer <token>" with each request. The host gets it as it
// likes (a service account's JWT exchange, the metadata server, a cache);
// it is called once per turn and should return a cached token while it is
// valid.
type TokenSource func(ctx context.Context) (string, error)

// StaticToken returns a TokenSource that always returns token: for tests
// and for tokens the host refreshes by replacing the client.
func StaticToken(token string) TokenSource {
	return func(context.Context) (string, error) { return token, nil }
}

// SessionID returns the Dialogflow session id of a conversation: 32 hex
// digits of the SHA-256 of the workspace and conversation ids, within the
// 36 characters both APIs allow. It is the same on every turn of the
// conversation, so Dialogflow keeps the conversation's contexts, page and
// parameters, and it says nothing about the ids it is made of.
func SessionID(ws ticket.WorkspaceID, c conversation.ID) string {
	h := sha256.New()
	h.Write([]byte(ws))
	h.Write([]byte{0})
	h.Write([]byte(c))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// DefaultLanguage is the language code sent when the contact has no
// language and the client names no default.
const DefaultLanguage = "en"

// Language returns the language code to send for a contact whose language
// is lang (a BCP 47 tag, "" when unknown): with supported empty, lang
// itself, or def when lang is ""; otherwise the first of supported equal
// to lang, then the first with the same base language ("es" for "es-MX",
// "pt-BR" for "pt"), ignoring case, and def when none fits. A def of ""
// is DefaultLanguage.
func Language(lang string, supported []string, def string) string {
	if def == "" {
		def = DefaultLanguage
	}
	lang = strings.TrimSpace(lang)
	if lang == "" {
		return def
	}
	if len(supported) == 0 {
		return lang
	}
	for _, s := range supported {
		if strings.EqualFold(s, lang) {
			return s
		}
	}
	b := base(lang)
	for _, s := range supported {
		if strings.EqualFold(base(s), b) {
			return s
		}
	}
	return def
}

func base(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		return tag[:i]
	}
	return tag
}

// DefaultEvents are the events sent for a turn without text when a client
// names none (es.Client.Events, cx.Client.Events): "WELCOME" (ES's
// welcome event) for a conversation opened by a message without text,
// "RESUMED" when a human hands the conversation back, "TIMED_OUT" when no
// human took it in time. A turn of a kind that has no event and no text
// (a message with only files) makes no request and gets an empty reply.
var DefaultEvents = map[chatbot.TurnKind]string{
	chatbot.TurnOpened:   "WELCOME",
	chatbot.TurnResumed:  "RESUMED",
	chatbot.TurnTimedOut: "TIMED_OUT",
}

// Query is what a turn asks Dialogflow: a text, or an event when the
// turn has no text, in a language.
type Query struct {
	// Text is the contact's text; "" for an event query.
	Text string
	// Event is the event's name when Text is "".
	Event string
	// Language is the language code sent with the query.
	Language string
}

// MaxQueryChars is the longest query text both APIs take, in characters.
const MaxQueryChars = 256

// QueryOf returns the query of turn t: its text (chatbot.Turn.Text) when it
// has one, cut to its last MaxQueryChars characters (the contact's latest
// words), else the event events (DefaultEvents when nil) gives its kind.
// ok is false when there is neither: the turn makes no request.
func QueryOf(t chatbot.Turn, events map[chatbot.TurnKind]string, lang string) (q Query, ok bool) {
	q.Language = lang
	if q.Text = strings.TrimSpace(t.Text()); q.Text != "" {
		if r := []rune(q.Text); len(r) > MaxQueryChars {
			q.Text = strings.TrimSpace(string(r[len(r)-MaxQueryChars:]))
		}
		return q, true
	}
	if events == nil {
		events = DefaultEvents
	}
	q.Event = events[t.Kind]
	return q, q.Event != ""
}

// EndNote is the closing note of a Close that the agent's end of
// interaction makes (ES's intent.endInteraction, CX's endInteraction
// message): the summary names the intent or page, if known.
func EndNote(name string) conversation.ClosingNote {
	if name == "" {
		return conversation.ClosingNote{Summary: "Ended by the Dialogflow agent."}
	}
	return conversation.ClosingNote{Summary: "Ended by the Dialogflow agent (" + name + ")."}
}
