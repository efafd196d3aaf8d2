package ccload

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
)

// The lines a child writes to its stdout, one a line, fields separated by
// one space:
//
//	R                                   ready: the parent may say go
//	E seq conv type msg at published    an event the hook was given; at and
//	                                    published are unix nanoseconds, "-"
//	                                    stands for an empty field
//	W sent failed start end             the writers stopped: Receive calls
//	                                    that succeeded and failed, the
//	                                    writing window in unix nanoseconds
//	F drains busy forgotten             at exit: DrainEvents calls, those
//	                                    that answered store.ErrBusy, events
//	                                    the drains forgot as published
//	X error                             the child failed
//
// Other lines (a test binary's own) are ignored. The parent writes "go" on
// the child's stdin to start the writers, and closes it to stop the child.
const (
	lineReady  = 'R'
	lineEvent  = 'E'
	lineWrote  = 'W'
	lineFinal  = 'F'
	lineFailed = 'X'
)

// ChildMain runs the child that $CCLOAD_CHILD describes, reading the
// parent's commands from stdin and writing its lines to stdout. A failure
// is also written as an X line.
func ChildMain(stdin io.Reader, stdout io.Writer) error {
	var spec ChildSpec
	if err := json.Unmarshal([]byte(os.Getenv(ChildEnv)), &spec); err != nil {
		err = fmt.Errorf("ccload child: $%s: %w", ChildEnv, err)
		fmt.Fprintf(stdout, "%c %v\n", lineFailed, err)
		return err
	}
	out := &lines{w: bufio.NewWriterSize(stdout, 64<<10)}
	err := child(context.Background(), spec, stdin, out)
	if err != nil {
		out.printf("%c %s", lineFailed, oneLine(err.Error()))
	}
	return errors.Join(err, out.flush())
}

// lines is a child's stdout: lines written whole, under a lock, flushed
// when asked.
type lines struct {
	mu   sync.Mutex
	w    *bufio.Writer
	last int64 // the latest publication time written
	buf  []byte
}

func (l *lines) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", args...)
	_ = l.w.Flush()
}

func (l *lines) flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Flush()
}

// publish is the engine's PublishBatch: it writes one E line per event,
// all stamped with the time of the call, and flushes them before it
// returns, so that what the store forgets has reached the parent. The
// stamps of one child never go back in time, so that the parent may merge
// the children's streams by them and keep each stream's order.
func (l *lines) publish(_ context.Context, events []conversation.Event) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := max(time.Now().UnixNano(), l.last)
	l.last = now
	for i := range events {
		e := &events[i]
		b := append(l.buf[:0], lineEvent, ' ')
		b = strconv.AppendUint(b, e.Seq, 10)
		b = appendField(b, string(e.Conversation))
		b = appendField(b, string(e.Type))
		b = appendField(b, string(e.Message))
		b = append(b, ' ')
		b = strconv.AppendInt(b, e.At.UnixNano(), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, now, 10)
		b = append(b, '\n')
		l.buf = b
		if _, err := l.w.Write(b); err != nil {
			return 0, err
		}
	}
	if err := l.w.Flush(); err != nil {
		return 0, err // the events stay stored and come again
	}
	return len(events), nil
}

func appendField(b []byte, s string) []byte {
	b = append(b, ' ')
	if s == "" {
		return append(b, '-')
	}
	return append(b, s...)
}

// CountingStore is a store.Store that counts the drains of events it
// passes on, and those that answered store.ErrBusy.
type CountingStore struct {
	store.Store
	drains, busy, forgotten atomic.Int64
}

// DrainEvents drains the wrapped store and counts the call.
func (s *CountingStore) DrainEvents(ctx context.Context, limit int, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	n, err := s.Store.DrainEvents(ctx, limit, fn)
	s.drains.Add(1)
	s.forgotten.Add(int64(n))
	if errors.Is(err, store.ErrBusy) {
		s.busy.Add(1)
	}
	return n, err
}

// NextTimer passes store.TimerPeeker on to the wrapped store, so that the
// engine sleeps until its timers as it does without the wrapper; without
// the capability it answers errors.ErrUnsupported, and the engine polls.
func (s *CountingStore) NextTimer(ctx context.Context) (time.Time, bool, error) {
	if p, ok := s.Store.(store.TimerPeeker); ok {
		return p.NextTimer(ctx)
	}
	return time.Time{}, false, fmt.Errorf("ccload: the wrapped store cannot peek at timers: %w", errors.ErrUnsupported)
}

// EventShare passes store.SharedEvents on to the wrapped store, so that
// the engine drains its share of a shared stream as it does without the
// wrapper.
func (s *CountingStore) EventShare() (store.EventShare, bool) {
	if shared, ok := s.Store.(store.SharedEvents); ok {
		return shared.EventShare()
	}
	return store.EventShare{}, false
}

// Counts returns the drains, the drains that answered store.ErrBusy, and
// the events the drains forgot as published.
func (s *CountingStore) Counts() (drains, busy, forgotten int64) {
	return s.drains.Load(), s.busy.Load(), s.forgotten.Load()
}

// child runs one child: it sets up, writes R, waits for "go" on stdin,
// writes for spec.Duration, writes W, and once stdin ends writes F and
// returns.
func child(ctx context.Context, spec ChildSpec, stdin io.Reader, out *lines) error {
	if spec.Writers < 1 || spec.Contacts < 1 || spec.Duration <= 0 {
		return fmt.Errorf("ccload child: writers, contacts and duration must be positive: %+v", spec)
	}
	commands := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			commands <- sc.Text()
		}
		close(commands)
	}()
	awaitGo := func() error {
		for c := range commands {
			if c == "go" {
				return nil
			}
		}
		return errors.New("ccload child: stdin closed before go")
	}
	awaitEnd := func() {
		for range commands {
		}
	}
	// Connections for the writers and for the engine's drains and
	// background work.
	dsn := WithParam(spec.DSN, "pool_max_conns", strconv.Itoa(spec.Writers+4))
	switch spec.Mode {
	case ModeEngine:
		return engineChild(ctx, spec, dsn, out, awaitGo, awaitEnd)
	case ModeBare:
		return bareChild(ctx, spec, dsn, out, awaitGo, awaitEnd)
	}
	return fmt.Errorf("ccload child: unknown mode %q", spec.Mode)
}

// write runs spec.Writers writers for spec.Duration, each sending message
// after message to its own contacts in turn, and writes the W line.
func write(spec ChildSpec, out *lines, send func(contact int, ext string) error) {
	var sent, failed atomic.Int64
	start := time.Now()
	end := start.Add(spec.Duration)
	var wg sync.WaitGroup
	for w := range spec.Writers {
		wg.Go(func() {
			for n := 0; time.Now().Before(end); n++ {
				contact := w*spec.Contacts + n%spec.Contacts
				if err := send(contact, externalID(spec.Run, spec.Proc, w, n)); err != nil {
					failed.Add(1)
					continue
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	out.printf("%c %d %d %d %d", lineWrote, sent.Load(), failed.Load(), start.UnixNano(), time.Now().UnixNano())
}

func engineChild(ctx context.Context, spec ChildSpec, dsn string, out *lines, awaitGo func() error, awaitEnd func()) error {
	s, err := postgres.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	cs := &CountingStore{Store: s}
	eng, err := contactcenter.New(contactcenter.Config{
		Store:        cs,
		PublishBatch: out.publish,
		Transports:   map[channel.Kind]channel.Transport{channel.KindMemory: channel.NewMemoryTransport(channel.Capabilities{Text: true})},
	})
	if err != nil {
		return err
	}
	runCtx, stopRun := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		_ = eng.Run(runCtx, 100*time.Millisecond)
	}()
	defer func() {
		stopRun()
		<-ran
		_ = eng.Close()
	}()
	// The channel is read once before the writers start, as a check that
	// the schema is prepared.
	if _, err := eng.Channel(ctx, Workspace, Channel); err != nil {
		return fmt.Errorf("ccload child: the schema is not prepared: %w", err)
	}
	out.printf("%c", lineReady)
	if err := awaitGo(); err != nil {
		return err
	}
	write(spec, out, func(contact int, ext string) error {
		_, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: Workspace, Channel: Channel, ExternalID: ext,
			From: contactcenter.Sender{ExternalID: ContactID(spec.Proc, contact)}, Text: "one more message"})
		return err
	})
	// What this engine stored and could not publish while another drained
	// goes out now; the parent waits until the store holds no event.
	pctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = eng.PublishPending(pctx)
	cancel()
	if err != nil {
		return err
	}
	awaitEnd()
	stopRun()
	<-ran
	_ = eng.Close()
	drains, busy, forgotten := cs.Counts()
	out.printf("%c %d %d %d", lineFinal, drains, busy, forgotten)
	return nil
}

// The bare transaction of a message, as store/postgres's benchmarks make
// it: the message row and the conversation's update, with the columns the
// engine writes.
const (
	bareInsertMessage = `INSERT INTO cc_messages (workspace, id, conversation_id, ticket_id, channel, direction, author_kind, author_agent,
		kind, body, attachments, external_id, created_at, delivery, attempts, next_attempt, failure, revisions, version)
		VALUES ($1, $2, $3, '', $4, 1, 1, '', 1, 'one more message', '', $5, $6, 0, 0, 0, '', '', 1)`
	bareUpdateConversation = `UPDATE cc_conversations SET last_activity = $1, version = version + 1 WHERE workspace = $2 AND id = $3`
)

func bareChild(ctx context.Context, spec ChildSpec, dsn string, out *lines, awaitGo func() error, awaitEnd func()) error {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	convs, err := openConversations(ctx, pool, spec.Proc, spec.Writers*spec.Contacts)
	if err != nil {
		return err
	}
	out.printf("%c", lineReady)
	if err := awaitGo(); err != nil {
		return err
	}
	write(spec, out, func(contact int, ext string) error {
		tx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(ctx) }()
		now := time.Now().UnixMicro()
		if _, err := tx.Exec(ctx, bareInsertMessage, Workspace, "bare-"+ext, convs[contact], Channel, ext, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, bareUpdateConversation, now, Workspace, convs[contact]); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	awaitEnd()
	out.printf("%c 0 0 0", lineFinal)
	return nil
}

// openConversations returns the ids of the open conversations of process
// proc's n contacts, by contact.
func openConversations(ctx context.Context, pool *pgxpool.Pool, proc, n int) ([]string, error) {
	rows, err := pool.Query(ctx, `SELECT contact_external_id, id FROM cc_conversations WHERE workspace = $1 AND channel = $2 AND state = 1`, Workspace, Channel)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byContact := map[string]string{}
	for rows.Next() {
		var contact, id string
		if err := rows.Scan(&contact, &id); err != nil {
			return nil, err
		}
		byContact[contact] = id
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	convs := make([]string, n)
	for i := range convs {
		if convs[i] = byContact[ContactID(proc, i)]; convs[i] == "" {
			return nil, fmt.Errorf("ccload child: contact %s has no open conversation: the schema is not prepared", ContactID(proc, i))
		}
	}
	return convs, nil
}

// oneLine returns s with its line breaks as spaces.
func oneLine(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}
