package channel_test

import (
	"testing"
	"time"

	"github.com/telenet/contactcenter/channel"
)

var l0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// A chat gets one send a second; other chats are not held up by it.
func TestLimiterPerChat(t *testing.T) {
	l := channel.NewLimiter(channel.Limits{PerChatPerSecond: 1})
	if w := l.Reserve(l0, "a", false); w != 0 {
		t.Fatalf("first send waits %v", w)
	}
	if w := l.Reserve(l0.Add(100*time.Millisecond), "a", false); w != 900*time.Millisecond {
		t.Errorf("second send to a: wait %v, want 900ms", w)
	}
	if w := l.Reserve(l0.Add(100*time.Millisecond), "b", false); w != 0 {
		t.Errorf("send to b waits %v", w)
	}
	if w := l.Reserve(l0.Add(time.Second), "a", false); w != 0 {
		t.Errorf("a after 1s waits %v", w)
	}
}

// Over all chats, sends are spaced evenly: no window of one second ever
// holds more than the limit.
func TestLimiterGlobalWindow(t *testing.T) {
	l := channel.NewLimiter(channel.TelegramLimits)
	var sent []time.Time
	now := l0
	for i := 0; len(sent) < 300; i++ {
		to := string(rune('A' + i%200))
		if w := l.Reserve(now, to, false); w == 0 {
			sent = append(sent, now)
		} else {
			now = now.Add(w)
		}
	}
	for i := range sent {
		n := 0
		for j := i; j < len(sent) && sent[j].Sub(sent[i]) < time.Second; j++ {
			n++
		}
		if n > 30 {
			t.Fatalf("%d sends within one second from %v", n, sent[i].Sub(l0))
		}
	}
	if el := sent[len(sent)-1].Sub(sent[0]); el > 10*time.Second+50*time.Millisecond {
		t.Errorf("300 sends took %v, want about 10s: the budget is not used", el)
	}
}

// Groups have 20 a minute.
func TestLimiterGroup(t *testing.T) {
	l := channel.NewLimiter(channel.TelegramLimits)
	if w := l.Reserve(l0, "-100", true); w != 0 {
		t.Fatal(w)
	}
	if w := l.Reserve(l0.Add(time.Second), "-100", true); w < 2*time.Second || w > 2*time.Second+time.Microsecond {
		t.Errorf("wait %v, want 2s (one every 3s)", w)
	}
}

// A pause (429 retry_after) holds every chat.
func TestLimiterPause(t *testing.T) {
	l := channel.NewLimiter(channel.Limits{})
	l.Pause(l0.Add(5 * time.Second))
	l.Pause(l0.Add(2 * time.Second)) // an earlier end does not shorten it
	if w := l.Reserve(l0.Add(time.Second), "a", false); w != 4*time.Second {
		t.Errorf("wait %v, want 4s", w)
	}
	if w := l.Reserve(l0.Add(5*time.Second), "b", false); w != 0 {
		t.Errorf("after the pause: wait %v", w)
	}
	if got := l.Limits(); got != (channel.Limits{}) {
		t.Errorf("limits %+v", got)
	}
}
