package natsjs

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/telenet/contactcenter/conversation"
)

// DefaultPrefix is the subject prefix of a Config that names none.
const DefaultPrefix = "contactcenter.events"

// DefaultAckTimeout is the AckTimeout of a Config that names none.
const DefaultAckTimeout = 5 * time.Second

// Config configures a Publisher.
type Config struct {
	// Prefix is the first tokens of every subject: an event goes to
	// "<Prefix>.<workspace>.<conversation>" (Subject). Default
	// DefaultPrefix. It must be a subject one can publish to: no empty
	// token, whitespace or wildcard.
	Prefix string
	// MsgIDPrefix is put before the event's Seq in the message id
	// (Nats-Msg-Id), by which the stream drops the repeats of an event
	// within its duplicate window. Seq is unique within one store: hosts
	// whose several stores (databases, or schemas) publish into one stream
	// give each store its own MsgIDPrefix ("eu-", "us-"). A store made
	// anew, whose Seq starts again, needs a new MsgIDPrefix too if it
	// publishes into the stream within the duplicate window. Default "".
	MsgIDPrefix string
	// AckTimeout bounds the wait for JetStream's acknowledgement of a
	// message (for a batch, of each round of it; see PublishBatch). An
	// event not acknowledged in time fails with ErrAckTimeout and is
	// published again later; the stream drops the copy if the first
	// arrived. Default DefaultAckTimeout.
	AckTimeout time.Duration
}

// Publisher publishes the engine's events to JetStream (R17): each event to
// the subject of its workspace and conversation, with its Seq as the
// message id, so that the stream's duplicate window drops the repeats the
// engine's at-least-once delivery makes. Its PublishBatch is meant for
// contactcenter.Config.PublishBatch, its Publish for Config.Publish. A
// Publisher is safe for concurrent use.
type Publisher struct {
	js          jetstream.JetStream
	prefix      string
	msgIDPrefix string
	ackTimeout  time.Duration

	published  atomic.Uint64
	duplicates atomic.Uint64
}

// NewPublisher returns a Publisher that publishes with js, which the host
// made from its NATS connection (jetstream.New). It does not check that
// the stream exists (EnsureStream makes it); a bad Config is a
// *ConfigError wrapping ErrInvalidConfig.
func NewPublisher(js jetstream.JetStream, cfg Config) (*Publisher, error) {
	if js == nil {
		return nil, &ConfigError{Field: "JetStream", Problem: "nil"}
	}
	if err := checkPrefix(cfg.Prefix); err != nil {
		return nil, &ConfigError{Field: "Prefix", Problem: err.Error()}
	}
	if cfg.AckTimeout < 0 {
		return nil, &ConfigError{Field: "AckTimeout", Problem: "negative (" + cfg.AckTimeout.String() + ")"}
	}
	for i := 0; i < len(cfg.MsgIDPrefix); i++ {
		if c := cfg.MsgIDPrefix[i]; c < ' ' || c == 0x7f {
			return nil, &ConfigError{Field: "MsgIDPrefix", Problem: "has a control byte; a header value cannot hold it"}
		}
	}
	p := &Publisher{js: js, prefix: cfg.Prefix, msgIDPrefix: cfg.MsgIDPrefix, ackTimeout: cfg.AckTimeout}
	if p.prefix == "" {
		p.prefix = DefaultPrefix
	}
	if p.ackTimeout == 0 {
		p.ackTimeout = DefaultAckTimeout
	}
	return p, nil
}

// Prefix returns the subject prefix the Publisher publishes under.
func (p *Publisher) Prefix() string { return p.prefix }

// Subject returns the subject the Publisher gives e (see Subject).
func (p *Publisher) Subject(e conversation.Event) string {
	return Subject(p.prefix, e.Workspace, e.Conversation)
}

// MsgID returns the message id the Publisher gives e: MsgIDPrefix and
// e.Seq in decimal.
func (p *Publisher) MsgID(e conversation.Event) string {
	return string(strconv.AppendUint([]byte(p.msgIDPrefix), e.Seq, 10))
}

// Stats counts the events JetStream acknowledged to a Publisher.
type Stats struct {
	// Stored counts the events the stream stored.
	Stored uint64
	// Duplicates counts the events the stream acknowledged as repeats of
	// a message id it held already, and did not store again.
	Duplicates uint64
}

// Stats returns the counts of the events acknowledged so far.
func (p *Publisher) Stats() Stats {
	return Stats{Stored: p.published.Load(), Duplicates: p.duplicates.Load()}
}

// message returns e's message: its subject, its JSON (Encode) and its id.
func (p *Publisher) message(e conversation.Event) (*nats.Msg, error) {
	data, err := Encode(e)
	if err != nil {
		return nil, &PublishError{Seq: e.Seq, Subject: p.Subject(e), Err: err}
	}
	return &nats.Msg{
		Subject: p.Subject(e),
		Data:    data,
		Header:  nats.Header{jetstream.MsgIDHeader: []string{p.MsgID(e)}},
	}, nil
}

// Publish publishes e and waits for JetStream's acknowledgement, at most
// AckTimeout: a function for contactcenter.Config.Publish. An event that
// the stream holds already (a repeat within its duplicate window) counts
// as published. Its error is a *PublishError.
func (p *Publisher) Publish(ctx context.Context, e conversation.Event) error {
	m, err := p.message(e)
	if err != nil {
		return err
	}
	if conn := p.js.Conn(); conn != nil && (conn.IsClosed() || conn.IsDraining()) {
		return &PublishError{Seq: e.Seq, Subject: m.Subject, Kind: ErrClosed}
	}
	ctx, cancel := context.WithTimeout(ctx, p.ackTimeout)
	defer cancel()
	ack, err := p.js.PublishMsg(ctx, m)
	if err != nil {
		return p.failure(e, m.Subject, err)
	}
	p.count(ack)
	return nil
}

func (p *Publisher) count(ack *jetstream.PubAck) {
	if ack.Duplicate {
		p.duplicates.Add(1)
	} else {
		p.published.Add(1)
	}
}

// failure returns the *PublishError of e for the client's err.
func (p *Publisher) failure(e conversation.Event, subject string, err error) error {
	pe := &PublishError{Seq: e.Seq, Subject: subject, Err: err}
	switch {
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionDraining), errors.Is(err, jetstream.ErrJetStreamPublisherClosed):
		pe.Kind = ErrClosed
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrStreamNotFound):
		pe.Kind = ErrNoStream
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrAsyncPublishTimeout):
		pe.Kind = ErrAckTimeout
	}
	return pe
}

// PublishBatch publishes events and returns how many of them, from the
// first, JetStream acknowledged, with the error of the first that it did
// not: a function for contactcenter.Config.PublishBatch, whose engine
// passes the rest again later.
//
// It publishes asynchronously (PublishMsgAsync) and keeps the events of
// one subject, that is of one conversation, in order (R17): an event is
// sent only once the one before it on its subject is acknowledged. So a
// batch goes in rounds: the first round sends the first event of each
// subject at once and waits for their acknowledgements, the next the
// second event of each, and so on; a batch of many conversations takes a
// few round trips, one of a single conversation as many as it has events.
// Waiting for the acknowledgement, rather than relying on JetStream
// storing a connection's messages in the order they arrive, is what keeps
// the order across a reconnection, when the client fails every pending
// acknowledgement while it sends again what it had buffered: with one
// event of a subject unacknowledged at a time, no later event of a
// conversation can be stored before an earlier one that is lost.
//
// When an event fails, PublishBatch sends no further round and returns the
// index of the first event not acknowledged; events after it that were
// acknowledged (of other conversations) come again, and the stream drops
// them as repeats. Each round waits at most AckTimeout. The error is a
// *PublishError.
func (p *Publisher) PublishBatch(ctx context.Context, events []conversation.Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	if conn := p.js.Conn(); conn != nil && (conn.IsClosed() || conn.IsDraining()) {
		return 0, &PublishError{Seq: events[0].Seq, Subject: p.Subject(events[0]), Kind: ErrClosed}
	}
	msgs := make([]*nats.Msg, len(events))
	// round[i] is the round of events[i]: one more than the round of the
	// event before it on its subject.
	round := make([]int32, len(events))
	last := make(map[string]int32, len(events))
	rounds := int32(0)
	for i, e := range events {
		m, err := p.message(e)
		if err != nil {
			return p.sendRounds(ctx, events[:i], msgs[:i], round[:i], rounds, err)
		}
		msgs[i] = m
		r := last[m.Subject] + 1
		last[m.Subject] = r
		round[i] = r - 1
		rounds = max(rounds, r)
	}
	return p.sendRounds(ctx, events, msgs, round, rounds, nil)
}

// sendRounds publishes msgs in their rounds and returns the count of
// acknowledged events from the first; tail is the error of the event
// after the last of msgs, if any.
func (p *Publisher) sendRounds(ctx context.Context, events []conversation.Event, msgs []*nats.Msg, round []int32, rounds int32, tail error) (int, error) {
	acked := make([]bool, len(msgs))
	failed := make([]error, len(msgs))
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	sent := make([]int, 0, len(msgs))
	timer := time.NewTimer(p.ackTimeout)
	defer timer.Stop()
	ok := true
	for r := int32(0); r < rounds && ok; r++ {
		futures, sent = futures[:0], sent[:0]
		for i, m := range msgs {
			if round[i] != r {
				continue
			}
			f, err := p.js.PublishMsgAsync(m)
			if err != nil {
				failed[i] = p.failure(events[i], m.Subject, err)
				ok = false
				break
			}
			futures = append(futures, f)
			sent = append(sent, i)
		}
		timer.Reset(p.ackTimeout)
		expired := false
		for k, f := range futures {
			i := sent[k]
			if expired {
				select {
				case ack := <-f.Ok():
					p.count(ack)
					acked[i] = true
				case err := <-f.Err():
					failed[i], ok = p.failure(events[i], msgs[i].Subject, err), false
				default:
					failed[i], ok = &PublishError{Seq: events[i].Seq, Subject: msgs[i].Subject, Kind: ErrAckTimeout}, false
				}
				continue
			}
			select {
			case ack := <-f.Ok():
				p.count(ack)
				acked[i] = true
			case err := <-f.Err():
				failed[i], ok = p.failure(events[i], msgs[i].Subject, err), false
			case <-timer.C:
				expired = true
				failed[i], ok = &PublishError{Seq: events[i].Seq, Subject: msgs[i].Subject, Kind: ErrAckTimeout}, false
			case <-ctx.Done():
				expired = true // ask the rest once, without waiting
				failed[i], ok = &PublishError{Seq: events[i].Seq, Subject: msgs[i].Subject, Err: ctx.Err()}, false
			}
		}
	}
	var first error // the failure of the lowest index
	for _, err := range failed {
		if err != nil {
			first = err
			break
		}
	}
	for i := range msgs {
		if acked[i] {
			continue
		}
		if failed[i] != nil {
			return i, failed[i]
		}
		return i, first // not sent: a round before its own failed
	}
	if tail != nil {
		return len(msgs), tail
	}
	return len(msgs), nil
}
