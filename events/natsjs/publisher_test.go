package natsjs_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/events/natsjs"
)

var bg = context.Background()

// R17: each event goes to its workspace's and conversation's subject, ids
// that would break a subject included, with its seq as message id and its
// JSON as data.
func TestPublishBatchToStream(t *testing.T) {
	_, js := connect(t)
	s := newStream(t, js, natsjs.StreamConfig{})
	p, err := natsjs.NewPublisher(js, natsjs.Config{Prefix: s.prefix, MsgIDPrefix: "st1-"})
	require.NoError(t, err)
	at := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	evs := []conversation.Event{
		{Seq: 1, Type: conversation.EventTicketOpened, Workspace: "acme", Conversation: "c-1", At: at},
		{Seq: 2, Type: conversation.EventConversationOpened, Workspace: "acme", Conversation: "c-1", At: at},
		{Seq: 3, Type: conversation.EventMessageReceived, Workspace: "a.b", Conversation: "*", At: at},
		{Seq: 4, Type: conversation.EventMessageReceived, Workspace: "a.b", Conversation: ">", At: at},
		{Seq: 5, Type: conversation.EventPresenceChanged, Workspace: "acme", Agent: "ana", Presence: conversation.Online, At: at},
		{Seq: 6, Type: conversation.EventMessageReceived, Workspace: "sp ace", Conversation: "tab\tc", At: at, Data: map[string]string{"k": "v"}},
		{Seq: 7, Type: conversation.EventMessageReceived, Workspace: "acme", Conversation: "c-1", At: at},
	}
	n, err := p.PublishBatch(bg, evs)
	require.NoError(t, err)
	assert.Equal(t, len(evs), n)

	msgs := readAll(t, js, s.name, len(evs), 10*time.Second)
	// The stream holds each conversation's events in order; those of
	// different conversations may interleave otherwise than in the batch.
	last := map[string]uint64{}
	for _, m := range msgs {
		got, err := natsjs.Decode(m.Data())
		require.NoError(t, err)
		require.NotZero(t, got.Seq)
		e := evs[got.Seq-1]
		assert.Equal(t, e, got)
		assert.Greater(t, got.Seq, last[m.Subject()], "order on %s", m.Subject())
		last[m.Subject()] = got.Seq
		assert.Equal(t, natsjs.Subject(s.prefix, e.Workspace, e.Conversation), m.Subject())
		assert.Equal(t, p.Subject(e), m.Subject())
		assert.Equal(t, s.prefix, strings.Join(strings.Split(m.Subject(), ".")[:2], "."), "two tokens after the prefix: %s", m.Subject())
		assert.Len(t, strings.Split(m.Subject(), "."), 4, m.Subject())
		ws, conv, err := natsjs.ParseSubject(s.prefix, m.Subject())
		require.NoError(t, err)
		assert.Equal(t, e.Workspace, ws)
		assert.Equal(t, e.Conversation, conv)
		assert.Equal(t, "st1-"+strconv.FormatUint(e.Seq, 10), m.Headers().Get(jetstream.MsgIDHeader))
	}
	assert.Equal(t, natsjs.Stats{Stored: uint64(len(evs))}, p.Stats())

	// A consumer of one workspace sees its events only.
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	cons, err := js.CreateOrUpdateConsumer(ctx, s.name, jetstream.ConsumerConfig{Durable: "acme", AckPolicy: jetstream.AckExplicitPolicy,
		FilterSubject: natsjs.WorkspaceSubjects(s.prefix, "a.b")})
	require.NoError(t, err)
	info, err := cons.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), info.NumPending, "the two events of workspace a.b")
}

// The stream stores an event once, however often it is published within
// its duplicate window: the engine's repeats are absorbed.
func TestPublishRepeatsAreDropped(t *testing.T) {
	_, js := connect(t)
	s := newStream(t, js, natsjs.StreamConfig{Duplicates: time.Minute})
	p, err := natsjs.NewPublisher(js, natsjs.Config{Prefix: s.prefix})
	require.NoError(t, err)
	evs := batch(50, 5)
	n, err := p.PublishBatch(bg, evs)
	require.NoError(t, err)
	require.Equal(t, 50, n)
	n, err = p.PublishBatch(bg, evs[10:])
	require.NoError(t, err)
	require.Equal(t, 40, n)
	for _, e := range evs[:5] {
		require.NoError(t, p.Publish(bg, e), "a repeat counts as published")
	}
	assert.Equal(t, natsjs.Stats{Stored: 50, Duplicates: 45}, p.Stats())
	info, err := s.stream.Info(bg)
	require.NoError(t, err)
	assert.Equal(t, uint64(50), info.State.Msgs)
	assert.Equal(t, time.Minute, info.Config.Duplicates)

	// Publish alone, event by event.
	more := batch(60, 5)[50:]
	for _, e := range more {
		require.NoError(t, p.Publish(bg, e))
	}
	msgs := readAll(t, js, s.name, 60, 10*time.Second)
	for i, m := range msgs {
		e, err := natsjs.Decode(m.Data())
		require.NoError(t, err)
		assert.Equal(t, uint64(i+1), e.Seq)
	}
}

// Several stores publish into one stream with message-id prefixes of
// their own: the same Seq from two stores is two events.
func TestPublishMsgIDPrefixes(t *testing.T) {
	_, js := connect(t)
	s := newStream(t, js, natsjs.StreamConfig{})
	eu, err := natsjs.NewPublisher(js, natsjs.Config{Prefix: s.prefix, MsgIDPrefix: "eu-"})
	require.NoError(t, err)
	us, err := natsjs.NewPublisher(js, natsjs.Config{Prefix: s.prefix, MsgIDPrefix: "us-"})
	require.NoError(t, err)
	evs := batch(10, 2)
	_, err = eu.PublishBatch(bg, evs)
	require.NoError(t, err)
	_, err = us.PublishBatch(bg, evs)
	require.NoError(t, err)
	info, err := s.stream.Info(bg)
	require.NoError(t, err)
	assert.Equal(t, uint64(20), info.State.Msgs)
	assert.Equal(t, "us-7", us.MsgID(evs[6]))
}

// R19: with no stream for the subjects, publishing fails with ErrNoStream,
// naming the event, and says to call EnsureStream.
func TestPublishNoStream(t *testing.T) {
	_, js := connect(t)
	p, err := natsjs.NewPublisher(js, natsjs.Config{Prefix: "cctest.nostream", AckTimeout: 5 * time.Second})
	require.NoError(t, err)
	evs := batch(3, 3)
	n, err := p.PublishBatch(bg, evs)
	assert.Zero(t, n)
	assert.ErrorIs(t, err, natsjs.ErrNoStream)
	assert.ErrorIs(t, err, jetstream.ErrNoStreamResponse, "the client's error too")
	var pe *natsjs.PublishError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, uint64(1), pe.Seq)
	assert.Equal(t, "cctest.nostream.w.c0", pe.Subject)
	assert.ErrorContains(t, err, "EnsureStream")

	err = p.Publish(bg, evs[0])
	assert.ErrorIs(t, err, natsjs.ErrNoStream)
}

// R19: on a closed connection, publishing and EnsureStream fail with
// ErrClosed, at once.
func TestPublishClosedConnection(t *testing.T) {
	_, admin := connect(t)
	s := newStream(t, admin, natsjs.StreamConfig{})
	nc, js := connect(t)
	p, err := natsjs.NewPublisher(js, natsjs.Config{Prefix: s.prefix})
	require.NoError(t, err)
	nc.Close()
	n, err := p.PublishBatch(bg, batch(3, 1))
	assert.Zero(t, n)
	assert.ErrorIs(t, err, natsjs.ErrClosed)
	assert.ErrorContains(t, err, "connect again")
	assert.ErrorIs(t, p.Publish(bg, batch(1, 1)[0]), natsjs.ErrClosed)
	_, err = natsjs.EnsureStream(bg, js, natsjs.StreamConfig{Name: s.name, Prefix: s.prefix})
	assert.ErrorIs(t, err, natsjs.ErrClosed)
}

// R17: an event the stream refuses (larger than its maximum message size)
// stops the batch at its index; no later event of its conversation is
// stored before it, while other conversations' are.
func TestPublishBatchRefusedEvent(t *testing.T) {
	_, js := connect(t)
	s := newStream(t, js, natsjs.StreamConfig{})
	cfg := s.stream.CachedInfo().Config
	cfg.MaxMsgSize = 2048
	_, err := js.UpdateStream(bg, cfg)
	require.NoError(t, err)
	p, err := natsjs.NewPublisher(js, natsjs.Config{Prefix: s.prefix})
	require.NoError(t, err)
	evs := batch(40, 4)
	evs[13].Detail = strings.Repeat("x", 4096) // conversation c1
	n, err := p.PublishBatch(bg, evs)
	assert.Equal(t, 13, n)
	var pe *natsjs.PublishError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, uint64(14), pe.Seq)
	var api *jetstream.APIError
	assert.ErrorAs(t, err, &api, "the server's refusal")

	info, err := s.stream.Info(bg)
	require.NoError(t, err)
	msgs := readAll(t, js, s.name, int(info.State.Msgs), 10*time.Second)
	for _, m := range msgs {
		e, err := natsjs.Decode(m.Data())
		require.NoError(t, err)
		if e.Conversation == "c1" {
			assert.Less(t, e.Seq, uint64(14), "nothing of c1 after the refused event")
		}
	}
	assert.GreaterOrEqual(t, len(msgs), 13)
}

// EnsureStream makes the stream, and updates it to a new configuration.
func TestEnsureStream(t *testing.T) {
	_, js := connect(t)
	s := newStream(t, js, natsjs.StreamConfig{})
	info := s.stream.CachedInfo()
	assert.Equal(t, []string{s.prefix + ".>"}, info.Config.Subjects)
	assert.Equal(t, jetstream.FileStorage, info.Config.Storage)
	assert.Equal(t, natsjs.DefaultDuplicates, info.Config.Duplicates)

	st, err := natsjs.EnsureStream(bg, js, natsjs.StreamConfig{Name: s.name, Prefix: s.prefix, Duplicates: 30 * time.Second, MaxAge: time.Hour})
	require.NoError(t, err)
	assert.Equal(t, 30*time.Second, st.CachedInfo().Config.Duplicates)
	assert.Equal(t, time.Hour, st.CachedInfo().Config.MaxAge)

	// Another stream over the same subjects is the server's refusal.
	_, err = natsjs.EnsureStream(bg, js, natsjs.StreamConfig{Name: s.name + "_OTHER", Prefix: s.prefix})
	assert.ErrorContains(t, err, "natsjs: ensuring stream "+s.name+"_OTHER")
	var api *jetstream.APIError
	assert.ErrorAs(t, err, &api)
}
