package natsjs_test

import (
	"context"
	"log"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/events/natsjs"
	"github.com/telenet/contactcenter/store/memory"
)

// A host publishes the engine's events to JetStream: it makes the stream
// once, and gives the engine the Publisher's PublishBatch. The example
// needs a NATS server with JetStream, so it is compiled, not run.
func Example() {
	ctx := context.Background()
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Fatal(err)
	}
	// Subjects contactcenter.events.>, file storage, a duplicate window
	// longer than an engine takes to start again after a stop.
	if _, err := natsjs.EnsureStream(ctx, js, natsjs.StreamConfig{}); err != nil {
		log.Fatal(err)
	}
	pub, err := natsjs.NewPublisher(js, natsjs.Config{})
	if err != nil {
		log.Fatal(err)
	}
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), PublishBatch: pub.PublishBatch})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	// Events stored before a restart and not yet published go out now.
	if err := eng.PublishPending(ctx); err != nil {
		log.Print(err) // they stay stored; the engine tries again
	}
}

// A service that drives agents' screens reads the events with a durable
// consumer of its own: after a restart it resumes where it stopped. It
// handles each conversation's events in order, dropping a redelivery by
// the event's seq. The example needs a NATS server with JetStream, so it
// is compiled, not run.
func Example_consumer() {
	ctx := context.Background()
	nc, err := nats.Connect(nats.DefaultURL)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		log.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, natsjs.DefaultStream, jetstream.ConsumerConfig{
		Durable:       "agent-ui",
		AckPolicy:     jetstream.AckExplicitPolicy,
		FilterSubject: natsjs.WorkspaceSubjects(natsjs.DefaultPrefix, "acme"), // one workspace's events
		MaxAckPending: 1,                                                      // one at a time: each conversation's order holds across redeliveries
	})
	if err != nil {
		log.Fatal(err)
	}
	handled := map[string]uint64{} // the last seq handled, by subject
	cc, err := cons.Consume(func(m jetstream.Msg) {
		e, err := natsjs.Decode(m.Data())
		if err != nil {
			log.Printf("not an event on %s: %v", m.Subject(), err)
			_ = m.Term() // never again
			return
		}
		if e.Seq > handled[m.Subject()] {
			log.Printf("%s in conversation %s", e.Type, e.Conversation) // update the screens
			handled[m.Subject()] = e.Seq
		}
		_ = m.Ack()
	})
	if err != nil {
		log.Fatal(err)
	}
	defer cc.Stop()
	<-ctx.Done() // until the service stops
}
