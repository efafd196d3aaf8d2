// Command postgres shows two engines on one PostgreSQL database, as two
// processes of a host would run them: each opens the store (the first
// applies the migrations, the second finds them applied), both serve the
// same workspace, a message one stored is seen by the other, a delivery
// repeated to the other process is stored once (R18), concurrent first
// messages get unique, gapless ticket numbers, and the events of both are
// published once each, each conversation's in order (R17).
//
//	go run ./examples/postgres -dsn 'postgres://USER@HOST:5432/DB?sslmode=disable'
//
// The default DSN is $CONTACTCENTER_POSTGRES_DSN, else the local test
// database, postgres://127.0.0.1:5432/test?sslmode=disable. The database
// must exist; the store creates its tables in the schema the connection's
// search_path resolves to (add search_path=NAME to the DSN for another
// schema than public). Every run uses a new workspace unless -workspace
// names one, so that runs on one database do not meet.
//
// This is a program rather than a runnable Example with an "// Output:"
// comment because it needs a server: such an Example runs in every go
// test, and would fail wherever no PostgreSQL is running. Its test runs it
// against the test database in a fresh schema, and fails when CI is set
// and there is no server.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/ticket"
)

func main() {
	dsn := flag.String("dsn", defaultDSN(), "the PostgreSQL database (a URL or key=value string, as pgx reads it)")
	ws := flag.String("workspace", "", "the workspace to use (default: a new one per run)")
	flag.Parse()
	if *ws == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		*ws = "example-" + hex.EncodeToString(b[:])
	}
	if err := run(context.Background(), os.Stdout, *dsn, ticket.WorkspaceID(*ws)); err != nil {
		fmt.Fprintln(os.Stderr, "postgres example:", err)
		os.Exit(1)
	}
}

// defaultDSN is $CONTACTCENTER_POSTGRES_DSN or the local test database.
func defaultDSN() string {
	if dsn := os.Getenv("CONTACTCENTER_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return "postgres://127.0.0.1:5432/test?sslmode=disable"
}

// process is what one process of the host holds: its store, its engine and
// its channel's transport.
type process struct {
	name string
	st   *postgres.Store
	eng  *contactcenter.Engine
	tr   *channel.MemoryTransport
}

// events is the host's queue of published events, shared here by both
// processes so that the run can show their order.
type events struct {
	mu  sync.Mutex
	all []conversation.Event
}

func (ev *events) publish(_ context.Context, e conversation.Event) error {
	ev.mu.Lock()
	ev.all = append(ev.all, e)
	ev.mu.Unlock()
	return nil
}

// check reports how many events were published, and whether each was
// published once and those of each conversation in the order they were
// stored (R17).
func (ev *events) check() (n int, ok bool) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	seen := make(map[uint64]bool)
	last := make(map[conversation.ID]uint64)
	ok = true
	for _, e := range ev.all {
		ok = ok && !seen[e.Seq] && e.Seq > last[e.Conversation]
		seen[e.Seq] = true
		if e.Conversation != "" {
			last[e.Conversation] = e.Seq
		}
	}
	return len(ev.all), ok
}

// start opens the store and an engine on it, and configures the channel.
// The engine keeps the default clock and ids, which are unique across
// processes. A real host gives the channel its telegram.Bot (see the
// telegram package's examples); an in-memory transport stands in for it.
func start(ctx context.Context, name, dsn string, ws ticket.WorkspaceID, ev *events) (*process, error) {
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	eng, err := contactcenter.New(contactcenter.Config{Store: st, Publish: ev.publish})
	if err != nil {
		st.Close()
		return nil, err
	}
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "support-bot"}, Transport: tr, By: conversation.Host()}); err != nil {
		eng.Close()
		st.Close()
		return nil, err
	}
	return &process{name: name, st: st, eng: eng, tr: tr}, nil
}

// stop shuts the process down: the engine first, then the store.
func (p *process) stop() error {
	return errors.Join(p.eng.Close(), p.st.Close())
}

// migrations returns how many migrations the schema holds, and the last.
func migrations(ctx context.Context, st *postgres.Store) (n, version int, err error) {
	err = st.Pool().QueryRow(ctx, `SELECT count(*), coalesce(max(version), 0) FROM cc_schema_migrations`).Scan(&n, &version)
	return n, version, err
}

// run tells the story on w.
func run(ctx context.Context, w io.Writer, dsn string, ws ticket.WorkspaceID) (err error) {
	say := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	ev := &events{}

	// Two processes start on one database.
	p1, err := start(ctx, "process 1", dsn, ws, ev)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, p1.stop()) }()
	n1, version, err := migrations(ctx, p1.st)
	if err != nil {
		return err
	}
	p2, err := start(ctx, "process 2", dsn, ws, ev)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, p2.stop()) }()
	n2, _, err := migrations(ctx, p2.st)
	if err != nil {
		return err
	}
	say("Both processes opened the database: schema at version %d, %d migration(s) applied once (%d after the second open).", version, n1, n2)

	if _, err := p1.eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana"}, By: conversation.Host()}); err != nil {
		return err
	}
	lucia := contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "update-1",
		From: contactcenter.Sender{ExternalID: "chat-42", Name: "Lucía", Language: "es-MX"}, Text: "¿Dónde está mi pedido?"}

	// Process 1 receives Lucía's message.
	r, err := p1.eng.Receive(ctx, lucia)
	if err != nil {
		return err
	}
	say("%s stored Lucía's message: ticket #%d, new ticket: %t.", p1.name, r.Conversation.TicketNumber, r.NewTicket)

	// Telegram delivers the same update again, to the other process.
	again, err := p2.eng.Receive(ctx, lucia)
	if err != nil {
		return err
	}
	say("%s got the same update again: duplicate: %t.", p2.name, again.Duplicate)

	// Process 2 sees the queue and Ana answers through it.
	q, err := p2.eng.Queue(ctx, ws, 0)
	if err != nil {
		return err
	}
	say("%s sees %d waiting conversation(s), ticket #%d.", p2.name, len(q), q[0].TicketNumber)
	m, err := p2.eng.Reply(ctx, contactcenter.Reply{Workspace: ws, Conversation: q[0].ID, Agent: "ana", Text: "Hola Lucía, lo reviso."})
	if err != nil {
		return err
	}
	c, err := p1.eng.Conversation(ctx, ws, r.Conversation.ID)
	if err != nil {
		return err
	}
	say("Ana's reply went out through %s (%s, %d send(s)); %s sees the conversation assigned to %s.", p2.name, m.Delivery, len(p2.tr.Sent()), p1.name, c.Assignee)

	// Twenty new contacts write at once, half to each process.
	const contacts = 20
	numbers := make([]ticket.Number, contacts)
	errs := make([]error, contacts)
	var wg sync.WaitGroup
	for i := range contacts {
		p := []*process{p1, p2}[i%2]
		wg.Go(func() {
			r, err := p.eng.Receive(ctx, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprintf("burst-%d", i),
				From: contactcenter.Sender{ExternalID: fmt.Sprintf("chat-%d", 100+i)}, Text: "Hello"})
			numbers[i], errs[i] = r.Conversation.TicketNumber, err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	slices.Sort(numbers)
	gapless := true
	for i, n := range numbers {
		gapless = gapless && n == ticket.Number(i+2)
	}
	say("%d contacts wrote at once to both processes: tickets #%d to #%d, each number once: %t.", contacts, numbers[0], numbers[contacts-1], gapless)

	// Whatever is left unpublished goes out now. Either process publishes
	// the events of both: one drain at a time holds the database.
	if err := errors.Join(p1.eng.PublishPending(ctx), p2.eng.PublishPending(ctx)); err != nil {
		return err
	}
	n, ok := ev.check()
	say("%d events published, each once, each conversation's in order: %t.", n, ok)
	return nil
}
