// Package natsjs publishes the engine's events to a NATS JetStream stream,
// on github.com/nats-io/nats.go/jetstream (R17).
//
// # Publishing
//
// A Publisher sends each event to the subject of its workspace and
// conversation,
//
//	<prefix>.<workspace>.<conversation>
//
// with the prefix DefaultPrefix ("contactcenter.events") unless
// Config.Prefix names another. Each id is one token, escaped by
// EscapeToken: letters, digits, '-' and '_' stay, every other byte is '%'
// and two hex digits, so that '.', '*', '>' and whitespace cannot break the
// subject, and two ids never share a token. The empty id is NoneToken
// ("%"): the events that belong to no conversation (agent presence,
// message.rejected, config.changed) go to "<prefix>.<workspace>.%".
// ParseSubject reads a subject back.
//
// The message's data is the event as JSON (Encode lists its fields;
// Decode reads it), and its id (the Nats-Msg-Id header) the event's Seq,
// after Config.MsgIDPrefix. The engine publishes at least once: it passes
// again the events whose publication it could not confirm. The stream
// drops a message whose id it has seen within its duplicate window, so
// every event is stored once, in order per conversation. Wire it as
//
//	js, _ := jetstream.New(nc)
//	_, err := natsjs.EnsureStream(ctx, js, natsjs.StreamConfig{})
//	pub, err := natsjs.NewPublisher(js, natsjs.Config{})
//	eng, err := contactcenter.New(contactcenter.Config{Store: st, PublishBatch: pub.PublishBatch})
//
// PublishBatch publishes a drain's events asynchronously and returns how
// many from the first JetStream acknowledged; Publish, for
// contactcenter.Config.Publish, publishes one and waits. EnsureStream makes
// the stream: subjects "<prefix>.>", file storage, a duplicate window
// (StreamConfig.Duplicates, default DefaultDuplicates) that must exceed the
// longest time between the publication of an event and its repeat, such as
// the time an engine that stopped after publishing but before its store
// recorded it takes to start again. Several stores publishing into one
// stream give each its own Config.MsgIDPrefix, since Seq is unique only
// within a store.
//
// # Consuming
//
// A service that drives a UI or webhooks reads the stream with its own
// durable consumer, so that it resumes where it stopped after a restart
// and each service sees every event:
//
//	cons, err := js.CreateOrUpdateConsumer(ctx, natsjs.DefaultStream, jetstream.ConsumerConfig{
//		Durable:       "agent-ui",
//		AckPolicy:     jetstream.AckExplicitPolicy,
//		FilterSubject: natsjs.DefaultPrefix + ".>", // or natsjs.WorkspaceSubjects(prefix, ws)
//		MaxAckPending: 1,
//	})
//	cc, err := cons.Consume(func(m jetstream.Msg) {
//		e, err := natsjs.Decode(m.Data())
//		…
//		m.Ack()
//	})
//
// The stream holds each conversation's events in the order the engine
// stored them, and a consumer delivers in stream order. A message a
// consumer does not acknowledge in time (AckWait), or that it Naks, comes
// again, after later ones when MaxAckPending is above 1: a consumer that
// needs each conversation's order either keeps MaxAckPending at 1 and
// handles a failure by trying again before it acknowledges, or keeps, per
// conversation, the highest seq it has handled and drops an event at or
// below it. Within the duplicate window, the stream holds each event
// once; a consumer's redelivery is the consumer's own repeat, which the
// same seq tells apart.
//
// # Errors
//
// A failure is a *PublishError naming the event, wrapping ErrClosed (the
// connection is closed), ErrNoStream (no stream takes the subject: call
// EnsureStream), ErrAckTimeout or the client's error; a bad Config or
// StreamConfig is a *ConfigError wrapping ErrInvalidConfig (R19).
package natsjs
