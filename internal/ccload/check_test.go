package ccload

import (
	"bufio"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
)

const received = string(conversation.EventMessageReceived)

// pub is a message.received publication of message msg of conversation
// conv, stored at at and published at published (milliseconds).
func pub(proc int, seq uint64, conv, msg string, at, published int64) Publication {
	return Publication{Proc: proc, Seq: seq, Conversation: conv, Type: received, Message: msg,
		At: at * int64(time.Millisecond), Published: published * int64(time.Millisecond)}
}

var twoConversations = []StoredMessage{{"a", "a1"}, {"b", "b1"}, {"a", "a2"}, {"a", "a3"}, {"b", "b2"}}

// Each process's stream in the order it published; the streams merge by
// publication time.
func TestAnalyzeInOrderAcrossProcesses(t *testing.T) {
	pubs := []Publication{
		pub(0, 1, "a", "a1", 0, 10), pub(0, 2, "b", "b1", 1, 10),
		pub(1, 3, "a", "a2", 2, 20), pub(1, 4, "a", "a3", 3, 20),
		pub(0, 5, "b", "b2", 4, 30),
	}
	a := Analyze(pubs, twoConversations, 0, int64(40*time.Millisecond), 0)
	assert.Equal(t, 5, a.Events)
	assert.Equal(t, []int{3, 2}, a.PublishedBy)
	assert.Zero(t, a.Duplicates)
	assert.Zero(t, a.OrderViolations+a.SeqViolations+a.Lost+a.Phantom+a.Doubled, "%v", a.Examples)
	assert.Equal(t, 17*time.Millisecond, a.LagP50, "lags 9, 10, 17, 18, 26 ms")
	assert.Equal(t, 26*time.Millisecond, a.LagMax)
	assert.InDelta(t, 125, a.EventsPerSec, 0.01, "5 events in 40 ms")
	assert.Nil(t, a.AfterKill)
}

// A repeat, even after later events, is a duplicate, not a violation: a
// host that drops repeats by Seq sees the conversation in order.
func TestAnalyzeRepeatIsNoViolation(t *testing.T) {
	pubs := []Publication{
		pub(0, 1, "a", "a1", 0, 10), pub(0, 3, "a", "a2", 1, 10),
		pub(1, 1, "a", "a1", 0, 20), pub(1, 3, "a", "a2", 1, 20), pub(1, 4, "a", "a3", 2, 20),
	}
	a := Analyze(pubs, []StoredMessage{{"a", "a1"}, {"a", "a2"}, {"a", "a3"}}, 0, 0, 0)
	assert.Equal(t, 5, a.Publications)
	assert.Equal(t, 3, a.Events)
	assert.Equal(t, 2, a.Duplicates)
	assert.Equal(t, []int{2, 1}, a.PublishedBy, "first publications only")
	assert.Zero(t, a.OrderViolations+a.SeqViolations+a.Lost, "%v", a.Examples)
}

// Another process publishing a conversation's later event before its
// earlier one was published at all breaks R17: the merge by publication
// time sees it, though each process's own stream is in order.
func TestAnalyzeOutOfOrderAcrossProcesses(t *testing.T) {
	pubs := []Publication{
		pub(0, 1, "a", "a1", 0, 10),
		pub(1, 4, "a", "a3", 3, 15), // process 1 publishes a3 before a2 went out
		pub(0, 3, "a", "a2", 2, 20),
	}
	a := Analyze(pubs, []StoredMessage{{"a", "a1"}, {"a", "a2"}, {"a", "a3"}}, 0, 0, 0)
	assert.Equal(t, 1, a.OrderViolations)
	assert.Equal(t, 1, a.SeqViolations)
	assert.Zero(t, a.Lost)
	require.NotEmpty(t, a.Examples)
	assert.Contains(t, a.Examples[0], "conversation a")
}

// The messages' order is the stored order, not Seq: events whose Seq grow
// but whose messages were stored the other way round are a violation.
func TestAnalyzeStoredOrder(t *testing.T) {
	pubs := []Publication{pub(0, 1, "a", "a2", 0, 10), pub(0, 2, "a", "a1", 1, 10)}
	a := Analyze(pubs, []StoredMessage{{"a", "a1"}, {"a", "a2"}}, 0, 0, 0)
	assert.Equal(t, 1, a.OrderViolations)
	assert.Zero(t, a.SeqViolations)
}

func TestAnalyzeLostPhantomDoubled(t *testing.T) {
	pubs := []Publication{
		pub(0, 1, "a", "a1", 0, 10),
		pub(0, 2, "a", "a1", 0, 10), // a second event of a1
		pub(0, 3, "a", "zz", 1, 10), // no such message
		pub(0, 4, "b", "a3", 1, 10), // a3 is a's, not b's
	}
	a := Analyze(pubs, []StoredMessage{{"a", "a1"}, {"a", "a2"}, {"a", "a3"}}, 0, 0, 0)
	assert.Equal(t, 1, a.Doubled)
	assert.Equal(t, 2, a.Phantom)
	assert.Equal(t, 2, a.Lost, "a2 never published, a3 not as a's")
	r := &Result{Analysis: a, Unpublished: 3}
	assert.Len(t, r.Problems(), 4)
	assert.Empty(t, (&Result{Mode: ModeBare}).Problems())
}

func TestAnalyzeAfterKill(t *testing.T) {
	const kill = 100
	pubs := []Publication{
		pub(0, 1, "a", "a1", 50, 60),   // before the kill, published before it
		pub(0, 2, "b", "b1", 90, 400),  // before, published 300 ms after the kill
		pub(0, 3, "a", "a2", 150, 170), // after, lag 20 ms
		pub(0, 4, "b", "b2", 200, 900), // after, lag 700 ms
	}
	stored := []StoredMessage{{"a", "a1"}, {"b", "b1"}, {"a", "a2"}, {"b", "b2"}}
	a := Analyze(pubs, stored, 0, 0, kill*int64(time.Millisecond))
	require.NotNil(t, a.AfterKill)
	assert.Equal(t, AfterKill{StoredAfter: 2, MaxLag: 700 * time.Millisecond, Stranded: 1, MaxResume: 300 * time.Millisecond}, *a.AfterKill)
}

// The lines a child's hook writes read back as the publications it was
// given, all stamped with one time that never goes back.
func TestPublishLinesReadBack(t *testing.T) {
	var out bytes.Buffer
	l := &lines{w: bufio.NewWriter(&out)}
	at := time.Unix(0, 1_700_000_000_123_456_000)
	events := []conversation.Event{
		{Seq: 7, Type: conversation.EventMessageReceived, Conversation: "c-1", Message: "m-1", At: at},
		{Seq: 8, Type: conversation.EventPresenceChanged, At: at},
	}
	l.last = time.Now().Add(time.Hour).UnixNano() // a clock gone back
	n, err := l.publish(context.Background(), events)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	l.printf("%c 5 1 100 200", lineWrote)
	c := &childProc{ready: make(chan struct{}), published: make(chan struct{}, 1), wrote: make(chan struct{})}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		c.line(2, []byte(line))
	}
	c.line(2, []byte("PASS"))
	require.Len(t, c.pubs, 2)
	assert.Equal(t, Publication{Proc: 2, Seq: 7, Conversation: "c-1", Type: received, Message: "m-1", At: at.UnixNano(), Published: l.last}, c.pubs[0])
	assert.Equal(t, Publication{Proc: 2, Seq: 8, Type: string(conversation.EventPresenceChanged), At: at.UnixNano(), Published: l.last}, c.pubs[1])
	assert.True(t, c.sawWrote)
	assert.Equal(t, []int64{5, 1, 100, 200}, []int64{c.sent, c.failed, c.start, c.end})
	assert.Zero(t, c.torn)
}
