package channel

import (
	"math"
	"sync"
	"time"
)

// Limits are the send rates an account may not exceed. Zero means no limit.
type Limits struct {
	// PerSecond bounds the messages per second over all chats.
	PerSecond int
	// PerChatPerSecond bounds the messages per second to one private chat.
	PerChatPerSecond int
	// PerGroupPerMinute bounds the messages per minute to one group chat.
	PerGroupPerMinute int
}

// TelegramLimits are the Telegram Bot API's limits: 30 messages a second
// overall, 1 a second per chat, 20 a minute per group.
var TelegramLimits = Limits{PerSecond: 30, PerChatPerSecond: 1, PerGroupPerMinute: 20}

// GroupChecker is implemented by transports whose recipients can be group
// chats, which have limits of their own.
type GroupChecker interface {
	// IsGroup reports whether the recipient to (an Outgoing.To) is a group.
	IsGroup(to string) bool
}

// Limiter spaces the sends of one account so that they stay within its
// Limits, and holds them all while the channel asked to wait (a 429's
// retry_after applies to the whole bot). It is safe for concurrent use.
type Limiter struct {
	limits Limits

	mu          sync.Mutex
	global      bucket
	chats       map[string]*bucket
	pausedUntil time.Time
}

// bucket spaces events evenly at a rate of n per period: a token bucket
// that holds one token, so that no window of one period ever sees more
// than n events (a burst could break a server's sliding window).
type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter for l.
func NewLimiter(l Limits) *Limiter {
	return &Limiter{limits: l, chats: make(map[string]*bucket)}
}

// Limits returns the limits the limiter enforces.
func (l *Limiter) Limits() Limits { return l.limits }

// take refills b for a rate of n per period and takes one token if there
// is one; otherwise it returns how long until there is.
func (b *bucket) take(now time.Time, n int, period time.Duration, commit bool) time.Duration {
	if n <= 0 {
		return 0
	}
	if b.last.IsZero() {
		b.tokens, b.last = 1, now
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(1, b.tokens+float64(n)*el.Seconds()/period.Seconds())
		b.last = now
	}
	const epsilon = 1e-9 // float rounding must not leave a token unusable
	if b.tokens >= 1-epsilon {
		if commit {
			b.tokens--
		}
		return 0
	}
	return max(time.Duration(math.Ceil((1-b.tokens)*float64(period)/float64(n))), time.Nanosecond)
}

// Reserve takes a send to recipient to (a group if group) at now if the
// limits allow it, and returns 0; otherwise it takes nothing and returns
// how long to wait before asking again.
func (l *Limiter) Reserve(now time.Time, to string, group bool) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.pausedUntil) {
		return l.pausedUntil.Sub(now)
	}
	n, period := l.limits.PerChatPerSecond, time.Second
	if group {
		n, period = l.limits.PerGroupPerMinute, time.Minute
	}
	chat := l.chats[to]
	if chat == nil && n > 0 {
		chat = &bucket{}
		l.chats[to] = chat
	}
	var wait time.Duration
	if chat != nil {
		wait = chat.take(now, n, period, false)
	}
	wait = max(wait, l.global.take(now, l.limits.PerSecond, time.Second, false))
	if wait > 0 {
		return wait
	}
	if chat != nil {
		chat.take(now, n, period, true)
	}
	l.global.take(now, l.limits.PerSecond, time.Second, true)
	l.forgetIdle(now)
	return 0
}

// forgetIdle drops the buckets of chats that are full again, so that the
// limiter does not grow with every chat it ever served.
func (l *Limiter) forgetIdle(now time.Time) {
	if len(l.chats) < 4096 {
		return
	}
	for to, b := range l.chats {
		if now.Sub(b.last) > time.Minute {
			delete(l.chats, to)
		}
	}
}

// Pause holds every send until until (a 429's retry_after).
func (l *Limiter) Pause(until time.Time) {
	l.mu.Lock()
	if until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
	l.mu.Unlock()
}
