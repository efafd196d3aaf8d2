package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/events/natsjs"
)

// fakeJS is a JetStream that answers asynchronous publishes itself, after
// a moment, as answer says, and records what was sent; it has no other
// method.
type fakeJS struct {
	jetstream.JetStream

	// answer returns, for a message, hang to never answer it, or the
	// error to fail it with; false and nil acknowledge it.
	answer func(m *nats.Msg) (hang bool, err error)
	// sendErr, when set, is what PublishMsgAsync returns for the message
	// with that id, without sending it.
	sendErr map[string]error

	mu          sync.Mutex
	sent        []string       // message ids, in the order sent
	open        map[string]int // unanswered messages by subject
	maxOpen     int            // most unanswered messages of one subject at once
	maxAll      int            // most unanswered messages at once
	openAll     int
	wasPrevOpen bool // a message was sent while one of its subject was unanswered
}

type fakeFuture struct {
	msg *nats.Msg
	ok  chan *jetstream.PubAck
	err chan error
}

func (f *fakeFuture) Ok() <-chan *jetstream.PubAck { return f.ok }
func (f *fakeFuture) Err() <-chan error            { return f.err }
func (f *fakeFuture) Msg() *nats.Msg               { return f.msg }

func (js *fakeJS) Conn() *nats.Conn { return nil }

func (js *fakeJS) PublishMsgAsync(m *nats.Msg, _ ...jetstream.PublishOpt) (jetstream.PubAckFuture, error) {
	id := m.Header.Get(jetstream.MsgIDHeader)
	if err := js.sendErr[id]; err != nil {
		return nil, err
	}
	js.mu.Lock()
	if js.open == nil {
		js.open = map[string]int{}
	}
	js.sent = append(js.sent, id)
	if js.open[m.Subject] > 0 {
		js.wasPrevOpen = true
	}
	js.open[m.Subject]++
	js.openAll++
	js.maxOpen = max(js.maxOpen, js.open[m.Subject])
	js.maxAll = max(js.maxAll, js.openAll)
	js.mu.Unlock()
	f := &fakeFuture{msg: m, ok: make(chan *jetstream.PubAck, 1), err: make(chan error, 1)}
	var err error
	var hang bool
	if js.answer != nil {
		hang, err = js.answer(m)
	}
	if hang {
		return f, nil
	}
	go func() {
		time.Sleep(time.Millisecond)
		js.mu.Lock()
		js.open[m.Subject]--
		js.openAll--
		js.mu.Unlock()
		if err != nil {
			f.err <- err
			return
		}
		f.ok <- &jetstream.PubAck{Stream: "S"}
	}()
	return f, nil
}

// batch returns n events spread over convs conversations, each
// conversation's in seq order.
func batch(n, convs int) []conversation.Event {
	evs := make([]conversation.Event, n)
	for i := range evs {
		evs[i] = conversation.Event{Seq: uint64(i + 1), Type: conversation.EventMessageReceived, Workspace: "w",
			Conversation: conversation.ID(fmt.Sprint("c", i%convs)), At: time.Unix(int64(i), 0)}
	}
	return evs
}

func fakePublisher(t *testing.T, js *fakeJS, cfg natsjs.Config) *natsjs.Publisher {
	t.Helper()
	p, err := natsjs.NewPublisher(js, cfg)
	require.NoError(t, err)
	return p
}

// R17: a batch goes out asynchronously, many conversations at once, and
// never an event while the one before it in its conversation is
// unacknowledged.
func TestPublishBatchRounds(t *testing.T) {
	js := &fakeJS{}
	p := fakePublisher(t, js, natsjs.Config{})
	evs := batch(256, 10)
	evs[3].Conversation, evs[7].Conversation = "", "" // events of no conversation share a subject
	n, err := p.PublishBatch(context.Background(), evs)
	require.NoError(t, err)
	assert.Equal(t, len(evs), n)
	assert.Len(t, js.sent, len(evs), "each event sent once")
	assert.Equal(t, 1, js.maxOpen, "one unacknowledged event per conversation")
	assert.False(t, js.wasPrevOpen)
	assert.Greater(t, js.maxAll, 1, "conversations in flight at once")
	// Each subject's events went in seq order.
	next := map[conversation.ID]int{}
	for _, id := range js.sent {
		var seq int
		_, err := fmt.Sscan(id, &seq)
		require.NoError(t, err)
		c := evs[seq-1].Conversation
		assert.Greater(t, seq, next[c], "conversation %q", c)
		next[c] = seq
	}
	assert.Equal(t, uint64(len(evs)), p.Stats().Stored)
}

// R17: when an event fails, the count is its index, and no later event of
// its conversation was sent; later events of other conversations may have
// been, and come again as repeats.
func TestPublishBatchStopsAtFailure(t *testing.T) {
	refused := errors.New("nats: maximum payload exceeded")
	js := &fakeJS{answer: func(m *nats.Msg) (bool, error) {
		if m.Header.Get(jetstream.MsgIDHeader) == "x-13" {
			return false, refused
		}
		return false, nil
	}}
	p := fakePublisher(t, js, natsjs.Config{MsgIDPrefix: "x-"})
	evs := batch(40, 4)
	n, err := p.PublishBatch(context.Background(), evs)
	assert.Equal(t, 12, n, "the index of event 13")
	var pe *natsjs.PublishError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, uint64(13), pe.Seq)
	assert.Equal(t, "contactcenter.events.w.c0", pe.Subject)
	assert.ErrorIs(t, err, refused)
	for _, id := range js.sent {
		var seq int
		_, _ = fmt.Sscanf(id, "x-%d", &seq)
		if evs[seq-1].Conversation == "c0" {
			assert.LessOrEqual(t, seq, 13, "no later event of the failed one's conversation is sent")
		}
	}
}

// An acknowledgement that does not come fails the batch at that event
// after AckTimeout, with ErrAckTimeout.
func TestPublishBatchAckTimeout(t *testing.T) {
	js := &fakeJS{answer: func(m *nats.Msg) (bool, error) { return m.Header.Get(jetstream.MsgIDHeader) == "5", nil }}
	p := fakePublisher(t, js, natsjs.Config{AckTimeout: 50 * time.Millisecond})
	n, err := p.PublishBatch(context.Background(), batch(20, 20))
	assert.Equal(t, 4, n)
	assert.ErrorIs(t, err, natsjs.ErrAckTimeout)
	var pe *natsjs.PublishError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, uint64(5), pe.Seq)
}

// A caller who leaves ends the wait; the count is what was acknowledged.
func TestPublishBatchContext(t *testing.T) {
	js := &fakeJS{answer: func(m *nats.Msg) (bool, error) { return m.Header.Get(jetstream.MsgIDHeader) == "1", nil }}
	p := fakePublisher(t, js, natsjs.Config{AckTimeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	n, err := p.PublishBatch(ctx, batch(3, 1))
	assert.Zero(t, n)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, []string{"1"}, js.sent, "the rest of the conversation waits for the first")
}

// A send the client refuses at once ends the batch there: a closed
// connection is ErrClosed.
func TestPublishBatchSendRefused(t *testing.T) {
	js := &fakeJS{sendErr: map[string]error{"3": nats.ErrConnectionClosed}}
	p := fakePublisher(t, js, natsjs.Config{})
	n, err := p.PublishBatch(context.Background(), batch(6, 6))
	assert.Equal(t, 2, n)
	assert.ErrorIs(t, err, natsjs.ErrClosed)
	assert.ErrorIs(t, err, nats.ErrConnectionClosed)
	assert.ErrorContains(t, err, "publishing event 3 to contactcenter.events.w.c2: the NATS connection is closed")
}

// An empty batch publishes nothing and succeeds.
func TestPublishBatchEmpty(t *testing.T) {
	p := fakePublisher(t, &fakeJS{}, natsjs.Config{})
	n, err := p.PublishBatch(context.Background(), nil)
	assert.Zero(t, n)
	assert.NoError(t, err)
}

// R19: a Config that cannot work is refused with a *ConfigError naming the
// setting.
func TestNewPublisherRefuses(t *testing.T) {
	cases := []struct {
		js    jetstream.JetStream
		cfg   natsjs.Config
		field string
	}{
		{nil, natsjs.Config{}, "JetStream"},
		{&fakeJS{}, natsjs.Config{Prefix: "a..b"}, "Prefix"},
		{&fakeJS{}, natsjs.Config{Prefix: "a.*"}, "Prefix"},
		{&fakeJS{}, natsjs.Config{Prefix: "a.>"}, "Prefix"},
		{&fakeJS{}, natsjs.Config{Prefix: "a b"}, "Prefix"},
		{&fakeJS{}, natsjs.Config{Prefix: "a."}, "Prefix"},
		{&fakeJS{}, natsjs.Config{AckTimeout: -time.Second}, "AckTimeout"},
		{&fakeJS{}, natsjs.Config{MsgIDPrefix: "a\nb"}, "MsgIDPrefix"},
	}
	for _, c := range cases {
		p, err := natsjs.NewPublisher(c.js, c.cfg)
		assert.Nil(t, p)
		assert.ErrorIs(t, err, natsjs.ErrInvalidConfig, "%+v", c.cfg)
		var ce *natsjs.ConfigError
		if assert.ErrorAs(t, err, &ce) {
			assert.Equal(t, c.field, ce.Field)
		}
	}
	_, err := natsjs.EnsureStream(context.Background(), &fakeJS{}, natsjs.StreamConfig{Duplicates: -1})
	assert.ErrorIs(t, err, natsjs.ErrInvalidConfig)
	_, err = natsjs.EnsureStream(context.Background(), &fakeJS{}, natsjs.StreamConfig{Duplicates: time.Hour, MaxAge: time.Minute})
	assert.ErrorIs(t, err, natsjs.ErrInvalidConfig)
	_, err = natsjs.EnsureStream(context.Background(), nil, natsjs.StreamConfig{})
	assert.ErrorContains(t, err, "natsjs: invalid configuration: JetStream: nil")
}
