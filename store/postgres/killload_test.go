package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// killLoadDuration is how long TestConnectionKillsUnderLoad kills
// connections: $CONTACTCENTER_KILL_DURATION (a Go duration, such as 30s for
// a soak), or 3s, in every run including CI.
func killLoadDuration(t *testing.T) time.Duration {
	t.Helper()
	v := os.Getenv("CONTACTCENTER_KILL_DURATION")
	if v == "" {
		return 3 * time.Second
	}
	d, err := time.ParseDuration(v)
	require.NoError(t, err, "CONTACTCENTER_KILL_DURATION")
	return d
}

// withParam returns dsn with a connection parameter set, in the DSN's own
// form (URL or key=value).
func withParam(dsn, key, value string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return dsn + " " + key + "=" + value
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// recordings follows the sends whose outcome is being recorded: from the
// moment the transport accepts a message until a transaction that read it
// commits. A connection killed in that window fails the recording; if the
// engine then leaves the message to be sent again, it goes out twice (R18).
type recordings struct {
	mu       sync.Mutex
	inflight map[conversation.MessageID]bool
	recorded map[conversation.MessageID]bool
	failed   int // recording transactions that failed
	atCommit int // of which with the commit on its way: the outcome unknown to the engine
}

func (r *recordings) sent(id conversation.MessageID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.recorded[id] { // a repeat of a recorded message records nothing
		r.inflight[id] = true
	}
}

func (r *recordings) isInflight(id conversation.MessageID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inflight[id]
}

// finished notes the end of a transaction that read message id (none if
// empty); fnDone says its function returned and the commit was sent.
func (r *recordings) finished(id conversation.MessageID, err error, fnDone bool) {
	if id == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err == nil:
		delete(r.inflight, id)
		r.recorded[id] = true
	case !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrDuplicate):
		r.failed++
		if fnDone {
			r.atCommit++
		}
	}
}

// spy is the store as the engine sees it; it tells recordings about the
// transactions that read a message being recorded.
type spy struct {
	store.Store
	rec *recordings
}

func (s spy) Update(ctx context.Context, fn func(store.Tx) error) error {
	var read conversation.MessageID
	fnDone := false
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		read, fnDone = "", false
		st := &spyTx{Tx: tx, rec: s.rec, read: &read}
		var wrapped store.Tx = st
		if l, ok := tx.(store.InboundLookup); ok {
			wrapped = spyLookupTx{st, l} // the engine's path stays the same
		}
		if err := fn(wrapped); err != nil {
			return err
		}
		fnDone = true
		return nil
	})
	s.rec.finished(read, err, fnDone)
	return err
}

type spyTx struct {
	store.Tx
	rec  *recordings
	read *conversation.MessageID
}

func (t *spyTx) Message(ctx context.Context, ws ticket.WorkspaceID, id conversation.MessageID) (conversation.Message, error) {
	if t.rec.isInflight(id) {
		*t.read = id
	}
	return t.Tx.Message(ctx, ws, id)
}

type spyLookupTx struct {
	*spyTx
	store.InboundLookup
}

// killStats are the figures of one run.
type killStats struct {
	mu      sync.Mutex
	codes   map[contactcenter.Code]int
	untyped []error
	kills   int
}

// add counts an error a caller got: it must be an *contactcenter.Error
// with one of the codes, and errors.Is(err, ErrUnavailable) when it is
// unavailable (R19).
func (s *killStats) add(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := contactcenter.ErrorCode(err)
	s.codes[code]++
	var typed *contactcenter.Error
	known := slices.Contains([]contactcenter.Code{contactcenter.CodeNotFound, contactcenter.CodeConflict, contactcenter.CodeInvalid,
		contactcenter.CodeForbidden, contactcenter.CodeUnavailable, contactcenter.CodeCanceled}, code)
	if !errors.As(err, &typed) || !known || code == contactcenter.CodeUnavailable && !errors.Is(err, contactcenter.ErrUnavailable) {
		s.untyped = append(s.untyped, err)
	}
}

// The test's own connections are killed (pg_terminate_backend) every
// 100–400 ms while contacts write, agents reply and the engine delivers.
// Every error the callers get is typed; no inbound message is lost or
// stored twice; once the kills stop, Run sends every reply within a
// minute, in order per conversation, and a reply goes out twice at most
// once per kill that struck while a send was being recorded (R18, R19).
//
// CONTACTCENTER_KILL_DURATION=30s go test -race -run TestConnectionKillsUnderLoad -v ./store/postgres
// runs the 30 s soak and prints its figures.
func TestConnectionKillsUnderLoad(t *testing.T) {
	dsn := freshSchema(t)
	duration := killLoadDuration(t)
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	app := "cc-kill-" + hex.EncodeToString(b[:]) // only this run's connections are killed
	s := open(t, withParam(withParam(dsn, "application_name", app), "pool_max_conns", "6"))
	t.Cleanup(func() { s.Close() })
	admin, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { admin.Close(context.Background()) })

	rec := &recordings{inflight: map[conversation.MessageID]bool{}, recorded: map[conversation.MessageID]bool{}}
	eng, err := contactcenter.New(contactcenter.Config{
		Store:        spy{Store: s, rec: rec},
		Publish:      func(context.Context, conversation.Event) error { return nil },
		ClaimTimeout: 3 * time.Second,
		RetryBackoff: func(n int) time.Duration { return min(100*time.Millisecond<<min(n, 5), 2*time.Second) },
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	tr.OnSend(func(o channel.Outgoing) { rec.sent(conversation.MessageID(o.Key)) })
	require.NoError(t, eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindMemory, Account: "bot"}, Transport: tr, By: conversation.Host()}))
	agents := []conversation.AgentID{"ana", "bruno"}
	for _, a := range agents {
		_, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: a, Workspace: "w", Name: string(a), Presence: conversation.Online}, By: conversation.Host()})
		require.NoError(t, err)
	}

	stats := &killStats{codes: map[contactcenter.Code]int{}}
	runCtx, stopRun := context.WithCancel(ctx)
	var run sync.WaitGroup
	run.Go(func() { _ = eng.Run(runCtx, 100*time.Millisecond) })
	defer func() { stopRun(); run.Wait() }()

	// retry calls fn until it succeeds, as a channel redelivers an update
	// and a host retries a reply with its id.
	retry := func(fn func() error) {
		for attempt := 1; ; attempt++ {
			err := fn()
			if err == nil {
				return
			}
			stats.add(err)
			if attempt == 1000 {
				t.Errorf("giving up after %d attempts: %v", attempt, err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	const writers, contacts = 4, 40
	var (
		stop     atomic.Bool
		convMu   sync.Mutex
		convs    = make([]conversation.ID, contacts)
		inMu     sync.Mutex
		inbound  []string // external ids of the inbound messages that succeeded
		replyMu  sync.Mutex
		replies  = map[string][]string{} // contact's chat -> reply ids, in order
		workload sync.WaitGroup
	)
	for w := range writers {
		workload.Go(func() {
			for i := 0; !stop.Load(); i++ {
				for c := w; c < contacts && !stop.Load(); c += writers {
					in := contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: fmt.Sprintf("u-%d-%d", c, i),
						From: contactcenter.Sender{ExternalID: fmt.Sprintf("chat-%d", c)}, Text: fmt.Sprintf("message %d", i)}
					retry(func() error {
						r, err := eng.Receive(ctx, in)
						if err == nil {
							convMu.Lock()
							convs[c] = r.Conversation.ID
							convMu.Unlock()
						}
						return err
					})
					inMu.Lock()
					inbound = append(inbound, in.ExternalID)
					inMu.Unlock()
				}
			}
		})
	}
	for a, agent := range agents {
		workload.Go(func() {
			for n := 0; !stop.Load(); n++ {
				c := a + len(agents)*(n%(contacts/len(agents))) // each conversation has one agent
				convMu.Lock()
				id := convs[c]
				convMu.Unlock()
				if id == "" {
					time.Sleep(time.Millisecond)
					continue
				}
				r := contactcenter.Reply{Workspace: "w", Conversation: id, Agent: agent,
					ID: conversation.MessageID(fmt.Sprintf("r-%s-%d", agent, n)), Text: fmt.Sprintf("reply %d", n)}
				retry(func() error { _, err := eng.Reply(ctx, r); return err })
				replyMu.Lock()
				to := fmt.Sprintf("chat-%d", c)
				replies[to] = append(replies[to], string(r.ID))
				replyMu.Unlock()
				time.Sleep(2 * time.Millisecond)
			}
		})
	}

	// The killer.
	end := time.Now().Add(duration)
	for time.Now().Before(end) {
		time.Sleep(time.Duration(100+mrand.IntN(301)) * time.Millisecond)
		rows, err := admin.Query(ctx, `SELECT pid, state FROM pg_stat_activity WHERE application_name = $1`, app)
		require.NoError(t, err)
		var busy, idle []int32
		for rows.Next() {
			var pid int32
			var state *string
			require.NoError(t, rows.Scan(&pid, &state))
			if state != nil && *state == "idle" {
				idle = append(idle, pid)
			} else {
				busy = append(busy, pid)
			}
		}
		require.NoError(t, rows.Err())
		victims := busy
		if len(victims) == 0 && len(idle) > 0 {
			victims = idle[mrand.IntN(len(idle)):][:1] // a pooled connection that breaks on its next use
		}
		killed := 0
		for _, pid := range victims {
			var ok bool
			require.NoError(t, admin.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&ok))
			if ok {
				killed++
			}
		}
		stats.mu.Lock()
		stats.kills += killed
		stats.mu.Unlock()
	}
	stop.Store(true)
	workload.Wait()

	// The kills have stopped: Run has up to a minute to send what is left.
	pending := func() int {
		var n int
		require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM cc_messages WHERE direction = 2 AND delivery = 1`).Scan(&n))
		return n
	}
	deadline := time.Now().Add(time.Minute)
	for pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	drained := time.Until(deadline)
	stopRun()
	run.Wait()

	// Inbound: each message stored once.
	stored := map[string]int{}
	rows, err := admin.Query(ctx, `SELECT external_id, count(*) FROM cc_messages WHERE direction = 1 GROUP BY external_id`)
	require.NoError(t, err)
	for rows.Next() {
		var ext string
		var n int
		require.NoError(t, rows.Scan(&ext, &n))
		stored[ext] = n
	}
	require.NoError(t, rows.Err())
	lost, doubledIn := 0, 0
	for _, ext := range inbound {
		if stored[ext] == 0 {
			lost++
			t.Errorf("inbound %s lost", ext)
		}
	}
	for ext, n := range stored {
		if n > 1 {
			doubledIn++
			t.Errorf("inbound %s stored %d times", ext, n)
		}
	}
	assert.Equal(t, len(inbound), len(stored), "no inbound message stored that was not delivered")

	// Outbound: everything sent, in order, doubles bounded by the kills that
	// struck a recording.
	left := pending()
	assert.Zero(t, left, "nothing pending once the kills stop and Run had a minute")
	times := map[string]int{}
	order := map[string][]string{}
	for _, o := range tr.Sent() {
		if times[o.Key]++; times[o.Key] == 1 {
			order[o.To] = append(order[o.To], o.Key)
		}
	}
	doubledOut, nReplies := 0, 0
	for _, n := range times {
		doubledOut += n - 1
	}
	replyMu.Lock()
	for to, ids := range replies {
		nReplies += len(ids)
		assert.Equal(t, ids, order[to], "%s: every reply sent, in order", to)
	}
	replyMu.Unlock()
	stats.mu.Lock()
	defer stats.mu.Unlock()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	assert.Empty(t, stats.untyped, "every error is typed")
	assert.LessOrEqual(t, doubledOut, rec.atCommit, "a reply sent twice only for a kill that left its recording's commit unanswered")
	t.Logf("%v of kills: %d inbound (%d lost, %d doubled), %d replies (%d pending after, %d sent twice); "+
		"%d connections killed, %d recordings of a send failed (%d at commit); drained with %v to spare; errors by code: %v",
		duration, len(inbound), lost, doubledIn, nReplies, left, doubledOut,
		stats.kills, rec.failed, rec.atCommit, drained.Round(time.Second), stats.codes)
}
