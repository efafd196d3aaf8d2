package natsjs_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/telenet/contactcenter/events/natsjs"
)

// natsURL is the test server's URL: $CONTACTCENTER_NATS_URL, or the local
// server on 127.0.0.1:4222 (with JetStream, as .ci/run starts it).
func natsURL() string {
	if u := os.Getenv("CONTACTCENTER_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// connect returns a JetStream on the test server, closed when the test
// ends. Without a server, or one without JetStream, the test fails when CI
// is set, so that CI never passes by skipping, and is skipped otherwise.
func connect(t testing.TB) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("NATS with JetStream is required when CI is set: "+format, args...)
		}
		t.Skipf("no NATS with JetStream at %s (set CONTACTCENTER_NATS_URL): "+format, append([]any{natsURL()}, args...)...)
	}
	nc, err := nats.Connect(natsURL(), nats.Timeout(2*time.Second))
	if err != nil {
		unavailable("%v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := js.AccountInfo(ctx); err != nil {
		unavailable("%v", err)
	}
	return nc, js
}

// testStream is a stream of the test's own, with a subject prefix of its
// own, deleted when the test ends.
type testStream struct {
	name, prefix string
	stream       jetstream.Stream
}

// newStream makes a stream and prefix no other test uses.
func newStream(t testing.TB, js jetstream.JetStream, cfg natsjs.StreamConfig) testStream {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	cfg.Name = "CC_TEST_" + strings.ToUpper(id)
	cfg.Prefix = "cctest." + id
	s, err := natsjs.EnsureStream(context.Background(), js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := js.DeleteStream(ctx, cfg.Name); err != nil {
			t.Errorf("deleting stream %s: %v", cfg.Name, err)
		}
	})
	return testStream{name: cfg.Name, prefix: cfg.Prefix, stream: s}
}

// readAll reads the stream's messages with a durable pull consumer until
// it holds n, or fails the test after timeout.
func readAll(t testing.TB, js jetstream.JetStream, stream string, n int, timeout time.Duration) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{Durable: "reader", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []jetstream.Msg
	for len(msgs) < n {
		batch, err := cons.Fetch(min(n-len(msgs), 500), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			msgs = append(msgs, m)
			if err := m.Ack(); err != nil {
				t.Fatal(err)
			}
		}
		if err := batch.Error(); err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d messages in %v", len(msgs), n, timeout)
		}
	}
	return msgs
}
