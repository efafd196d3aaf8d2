package webhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/telenet/contactcenter/chatbot"
)

// MaxTurnBytes is the largest turn body Handler reads; a longer one is
// answered 413.
const MaxTurnBytes = 8 << 20

// Handler returns the bot's side of the protocol for a bot written in Go:
// an http.Handler that takes the turns a Bot sends and answers them with
// bot. For each POST it
//
//   - reads the body, at most MaxTurnBytes (413 beyond);
//   - verifies the request's signature with secret and its timestamp
//     within DefaultTolerance (Verify; 401 on failure, before anything
//     of the body is decoded);
//   - decodes the turn (DecodeTurn; 400 if it is refused, or if
//     IdempotencyHeader is present and is not the turn's id);
//   - calls bot.Turn with the request's context (500 on an error, with
//     the error's text);
//   - writes the reply (EncodeReply; 500 if it cannot be encoded) with
//     status 200, signed with secret over a fresh timestamp.
//
// Other methods are answered 405. Error answers are plain text and
// unsigned: a Bot treats every status other than 2xx as a failed turn.
// Handler panics if secret is empty or bot is nil.
func Handler(secret []byte, bot chatbot.Bot) http.Handler {
	if len(secret) == 0 {
		panic("webhook: Handler without a secret")
	}
	if bot == nil {
		panic("webhook: Handler without a bot")
	}
	return &handler{secret: append([]byte(nil), secret...), bot: bot}
}

type handler struct {
	secret []byte
	bot    chatbot.Bot
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "webhook: turns are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxTurnBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, fmt.Sprintf("webhook: %v: turn of more than %d bytes", ErrTooLarge, MaxTurnBytes), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "webhook: reading the turn: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := Verify(h.secret, r.Header.Get(TimestampHeader), r.Header.Get(SignatureHeader), body, time.Now(), DefaultTolerance); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	turn, err := DecodeTurn(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if key := r.Header.Get(IdempotencyHeader); key != "" && key != string(turn.ID) {
		http.Error(w, fmt.Sprintf("webhook: %s %q is not the turn's id %q", IdempotencyHeader, key, turn.ID), http.StatusBadRequest)
		return
	}
	reply, err := h.bot.Turn(r.Context(), turn)
	if err != nil {
		http.Error(w, "webhook: the bot failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	out, err := EncodeReply(reply)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	ts := Timestamp(time.Now())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(TimestampHeader, ts)
	w.Header().Set(SignatureHeader, Sign(h.secret, ts, out))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}
