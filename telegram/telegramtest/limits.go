package telegramtest

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Limits are rate limits modelled on Telegram's (30 messages per second per
// bot overall, 1 per second per chat, 20 per minute per group). A zero
// field means no limit. They apply, per bot, to the sending methods
// sendMessage, sendVoice, sendDocument, sendPhoto, sendAudio and
// copyMessage, over sliding windows measured with the server clock. A
// request over a limit gets 429 "Too Many Requests: retry after N" with
// parameters.retry_after = N, the whole seconds (at least 1) until the
// window lets a message through again.
//
// editMessageText is exempt unless CountEdits is set; then it counts
// towards (and is limited by) PerChatPerSecond and PerGroupPerMinute, but
// never PerSecond.
type Limits struct {
	// PerSecond bounds the messages a bot sends per second over all chats.
	PerSecond int
	// PerChatPerSecond bounds the messages a bot sends per second into one
	// chat (private or group).
	PerChatPerSecond int
	// PerGroupPerMinute bounds the messages a bot sends per minute into one
	// group.
	PerGroupPerMinute int
	// CountEdits makes editMessageText count per chat and per group.
	CountEdits bool
}

// SetLimits replaces the rate limits. Sends already made keep counting in
// their windows.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
}

// TooManyRequests returns how many 429 answers were given.
func (s *Server) TooManyRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tooMany
}

// windowRetry returns 0 if one more event fits in the window of length
// window ending at now, which holds at most limit events, or else the whole
// seconds (>= 1) to wait.
func windowRetry(times []time.Time, now time.Time, window time.Duration, limit int) int {
	var in []time.Time
	for _, t := range times {
		if now.Sub(t) < window {
			in = append(in, t)
		}
	}
	if len(in) < limit {
		return 0
	}
	slices.SortFunc(in, time.Time.Compare)
	// The event len(in)-limit must leave the window first.
	wait := in[len(in)-limit].Add(window).Sub(now)
	secs := int((wait + time.Second - 1) / time.Second)
	return max(secs, 1)
}

// checkLimitsLocked answers 429 if bot b may not send (or edit, when edit)
// into c now. Caller holds s.mu.
func (s *Server) checkLimitsLocked(b *botState, c *chatState, edit bool, now time.Time) *apiError {
	l := s.limits
	if edit && !l.CountEdits {
		return nil
	}
	retry := 0
	if !edit && l.PerSecond > 0 {
		retry = max(retry, windowRetry(b.sends, now, time.Second, l.PerSecond))
	}
	if l.PerChatPerSecond > 0 {
		retry = max(retry, windowRetry(b.chatSends[c.chat.ID], now, time.Second, l.PerChatPerSecond))
	}
	if c.isGroup && l.PerGroupPerMinute > 0 {
		retry = max(retry, windowRetry(b.chatSends[c.chat.ID], now, time.Minute, l.PerGroupPerMinute))
	}
	if retry == 0 {
		return nil
	}
	s.tooMany++
	return &apiError{
		code:       http.StatusTooManyRequests,
		desc:       fmt.Sprintf("Too Many Requests: retry after %d", retry),
		retryAfter: retry,
	}
}

// recordSendLocked counts an accepted send (or counted edit) of b into c.
// Caller holds s.mu.
func (s *Server) recordSendLocked(b *botState, c *chatState, edit bool, now time.Time) {
	if edit && !s.limits.CountEdits {
		return
	}
	if !edit {
		b.sends = append(prune(b.sends, now, time.Second), now)
	}
	id := c.chat.ID
	b.chatSends[id] = append(prune(b.chatSends[id], now, time.Minute), now)
}

// prune drops, in place, the times older than window before now.
func prune(times []time.Time, now time.Time, window time.Duration) []time.Time {
	out := times[:0]
	for _, t := range times {
		if now.Sub(t) < window {
			out = append(out, t)
		}
	}
	return out
}
