package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/store/storetest"
	"github.com/telenet/contactcenter/ticket"
)

// drainChildEnv names the database file of a child process that starts a
// drain and stays inside it until it is killed.
const drainChildEnv = "CONTACTCENTER_SQLITE_DRAIN_CHILD"

// restartBound is how soon a restarted process must publish again after
// the process that was draining was killed (R17: events are published
// after they are stored, and a restart serves within seconds).
const restartBound = 5 * time.Second

func appendEvent(t testing.TB, s store.Store, msg string) {
	t.Helper()
	require.NoError(t, s.Update(context.Background(), func(tx store.Tx) error {
		return tx.AppendEvent(context.Background(), conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w", Message: conversation.MessageID(msg)})
	}))
}

// drainChild is the child process: it drains, announces it is publishing,
// and waits inside fn until the parent kills it.
func drainChild(path string) {
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		fmt.Println("open:", err)
		return
	}
	// A lease far longer than the test: only seeing that this process is
	// gone lets the next store drain.
	sqlite.SetDrainLease(s, time.Hour)
	_, err = s.DrainEvents(context.Background(), 10, func(context.Context, []conversation.Event) (int, error) {
		fmt.Println("publishing")
		time.Sleep(time.Minute) // killed long before
		return 0, nil
	})
	fmt.Println("drain:", err)
}

// R17: a process killed with kill -9 while it drains leaves its lease in
// the database; a restarted process (a fresh Store on the same file) sees
// that the holder's process is gone and publishes at once, without waiting
// for the lease (an hour here) to run out, and the events the killed one
// held are published again, not lost.
func TestDrainAfterKilledHolder(t *testing.T) {
	if path := os.Getenv(drainChildEnv); path != "" {
		drainChild(path)
		return
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	appendEvent(t, s, "m1")
	require.NoError(t, s.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestDrainAfterKilledHolder$", "-test.count=1")
	cmd.Env = append(os.Environ(), drainChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	inside := make(chan string, 1)
	go func() {
		var seen []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "publishing" {
				inside <- ""
				return
			}
			seen = append(seen, sc.Text())
		}
		inside <- strings.Join(seen, "\n")
	}()
	select {
	case got := <-inside:
		if got != "" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("the child did not start publishing:\n%s", got)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("the child did not start publishing")
	}
	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no deferred release runs
	_ = cmd.Wait()
	killed := time.Now()

	fresh := open(t, path)
	defer fresh.Close()
	var got []conversation.Event
	for {
		n, err := fresh.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) {
			got = append(got, evs...)
			return len(evs), nil
		})
		if err == nil {
			assert.Equal(t, 1, n)
			break
		}
		require.ErrorIs(t, err, store.ErrBusy)
		if time.Since(killed) > restartBound {
			t.Fatalf("a fresh store is still busy %v after the draining process was killed", time.Since(killed).Round(time.Millisecond))
		}
		time.Sleep(10 * time.Millisecond)
	}
	waited := time.Since(killed)
	t.Logf("a fresh store drained %v after the draining process was killed", waited.Round(time.Millisecond))
	require.Len(t, got, 1)
	assert.Equal(t, conversation.MessageID("m1"), got[0].Message, "the killed drain's event is published again")
}

// R17: a drain whose fn runs longer than the lease keeps it: the lease is
// renewed while fn runs, so no other store drains meanwhile, and the
// events fn published are forgotten afterwards.
func TestDrainLeaseRenewedWhileFnRuns(t *testing.T) {
	ctx := context.Background()
	a, b, _ := twoHandles(t)
	const lease = 300 * time.Millisecond
	sqlite.SetDrainLease(a, lease)
	sqlite.SetDrainLease(b, lease)
	appendEvent(t, a, "m1")

	inside, release := make(chan struct{}), make(chan struct{})
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := a.DrainEvents(ctx, 10, func(ctx context.Context, evs []conversation.Event) (int, error) {
			close(inside)
			select {
			case <-release:
			case <-ctx.Done():
				t.Errorf("fn's context ended while the lease was held: %v", context.Cause(ctx))
			}
			return len(evs), nil
		})
		done <- result{n, err}
	}()
	<-inside
	for end := time.Now().Add(6 * lease); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		_, err := b.DrainEvents(ctx, 10, func(context.Context, []conversation.Event) (int, error) {
			t.Error("another store drained while the first held its lease")
			return 0, nil
		})
		require.ErrorIs(t, err, store.ErrBusy)
	}
	close(release)
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, 1, r.n, "the published event is forgotten: the lease was still held")
	// a keeps the lease while it drains, and gives it up after a moment
	// without drains.
	start := time.Now()
	n, err := drainWhileBusy(t, b, func(_ context.Context, evs []conversation.Event) (int, error) {
		t.Errorf("drained again: %v", evs)
		return len(evs), nil
	})
	require.NoError(t, err, "the lease is given up once a stops draining")
	assert.Zero(t, n)
	t.Logf("b drained %v after a's last drain", time.Since(start).Round(time.Millisecond))
}

// drainWhileBusy drains s, again while another Store holds the lease, for
// up to restartBound.
func drainWhileBusy(t *testing.T, s store.Store, fn func(context.Context, []conversation.Event) (int, error)) (int, error) {
	t.Helper()
	start := time.Now()
	for {
		n, err := s.DrainEvents(context.Background(), 10, fn)
		if !errors.Is(err, store.ErrBusy) || time.Since(start) > restartBound {
			return n, err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// R17: a drain that finds its lease taken by another process (it was
// paused past the lease) stops: fn's context ends, the events stay stored
// for the new holder, and the drain answers store.ErrBusy.
func TestDrainLeaseLost(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	a := open(t, path)
	defer a.Close()
	const lease = 150 * time.Millisecond
	sqlite.SetDrainLease(a, lease)
	appendEvent(t, a, "m1")
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer raw.Close()

	n, err := a.DrainEvents(ctx, 10, func(ctx context.Context, evs []conversation.Event) (int, error) {
		// Another process takes the lease, as it may once this one's has
		// run out.
		_, err := raw.Exec(`UPDATE cc_drain_lock SET holder = 'other', until = ?`, time.Now().Add(time.Hour).UnixMicro())
		require.NoError(t, err)
		select {
		case <-ctx.Done():
			assert.ErrorIs(t, context.Cause(ctx), store.ErrBusy)
		case <-time.After(10 * lease):
			t.Error("fn's context did not end when the lease was lost")
		}
		return len(evs), nil
	})
	assert.ErrorIs(t, err, store.ErrBusy)
	assert.Zero(t, n, "nothing forgotten without the lease")
	var left int
	require.NoError(t, raw.QueryRow(`SELECT count(*) FROM cc_events`).Scan(&left))
	assert.Equal(t, 1, left, "the event stays for the new holder")
}

// A drain whose fn panics releases its lease and stops renewing it: other
// stores drain at once afterwards.
func TestDrainReleasesLeaseWhenFnPanics(t *testing.T) {
	ctx := context.Background()
	a, b, _ := twoHandles(t)
	const lease = 150 * time.Millisecond
	sqlite.SetDrainLease(a, lease)
	appendEvent(t, a, "m1")
	func() {
		defer func() { assert.Equal(t, "publisher bug", recover()) }()
		_, _ = a.DrainEvents(ctx, 10, func(context.Context, []conversation.Event) (int, error) {
			time.Sleep(lease) // long enough for renewals to run
			panic("publisher bug")
		})
	}()
	time.Sleep(lease) // a renewal left running would take the lease again
	n, err := b.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) { return len(evs), nil })
	require.NoError(t, err, "the lease was released and is not renewed")
	assert.Equal(t, 1, n, "the event fn did not publish is still there")
}

// A lease whose holder is a process of this host that still runs is not
// taken over before it runs out; one whose process is gone is taken at
// once. Holders of other hosts, or names this store did not make, wait for
// the lease.
func TestDrainLeaseOfADeadProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	appendEvent(t, s, "m1")
	db := rawDB(t, path)

	done := exec.Command(os.Args[0], "-test.run=^$")
	require.NoError(t, done.Run())
	host, err := os.Hostname()
	require.NoError(t, err)
	for _, tc := range []struct {
		holder string
		busy   bool
	}{
		{fmt.Sprintf("%s/%d/alive", host, os.Getppid()), true},      // the test's parent runs
		{fmt.Sprintf("other-host/%d/gone", done.Process.Pid), true}, // another host's: cannot tell
		{"0123456789abcdef", true},                                  // a name of another make
		{fmt.Sprintf("%s/%d/gone", host, done.Process.Pid), false},  // exited
	} {
		_, err := db.ExecContext(ctx, `INSERT INTO cc_drain_lock (id, holder, until) VALUES (1, ?, ?)
			ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, until = excluded.until`, tc.holder, time.Now().Add(time.Hour).UnixMicro())
		require.NoError(t, err)
		_, err = s.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) { return 0, nil })
		if tc.busy {
			assert.ErrorIs(t, err, store.ErrBusy, tc.holder)
		} else {
			assert.NoError(t, err, tc.holder)
		}
	}
}

// rawDB opens the file at path as another process would, closed when the
// test ends.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// countEvents is how many events the file at path keeps.
func countEvents(t *testing.T, raw *sql.DB) int {
	t.Helper()
	var n int
	require.NoError(t, raw.QueryRow(`SELECT count(*) FROM cc_events`).Scan(&n))
	return n
}

// A drain costs one read: the lease, once taken, is not written again
// before a third of it has passed, and the published events are deleted
// later, in one write; drains read past them meanwhile, so none is
// published twice. A Store that stops draining deletes them and gives the
// lease up; Close does too.
func TestDrainForgetsInBatches(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	sqlite.SetDrainLease(s, time.Hour)
	raw := rawDB(t, path)
	leaseUntil := func() int64 {
		var until int64
		require.NoError(t, raw.QueryRow(`SELECT until FROM cc_drain_lock WHERE id = 1`).Scan(&until))
		return until
	}

	var got []conversation.MessageID
	publish := func(_ context.Context, evs []conversation.Event) (int, error) {
		for _, e := range evs {
			got = append(got, e.Message)
		}
		return len(evs), nil
	}
	appendEvent(t, s, "m0")
	n, err := s.DrainEvents(ctx, 10, publish)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	until := leaseUntil()
	var want []conversation.MessageID
	want = append(want, "m0")
	for i := 1; i <= 20; i++ {
		msg := fmt.Sprint("m", i)
		appendEvent(t, s, msg)
		want = append(want, conversation.MessageID(msg))
		n, err := s.DrainEvents(ctx, 10, publish)
		require.NoError(t, err)
		require.Equal(t, 1, n, "only the new event: the published ones are read past")
	}
	assert.Equal(t, want, got, "each event once, in order")
	assert.Equal(t, until, leaseUntil(), "the lease was not written again")
	assert.Equal(t, 21, countEvents(t, raw), "the published events wait to be deleted in one write")

	require.Eventually(t, func() bool { return countEvents(t, raw) == 0 && leaseUntil() == 0 }, 5*time.Second, 10*time.Millisecond,
		"a Store that stops draining deletes what it published and gives the lease up")

	appendEvent(t, s, "again")
	n, err = s.DrainEvents(ctx, 10, publish)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Eventually(t, func() bool { return countEvents(t, raw) == 0 && leaseUntil() == 0 }, 5*time.Second, 10*time.Millisecond,
		"and again after the next drain")

	appendEvent(t, s, "last")
	n, err = s.DrainEvents(ctx, 10, publish)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoError(t, s.Close())
	assert.Zero(t, countEvents(t, raw), "Close deletes what was published")
	assert.Zero(t, leaseUntil(), "and gives the lease up")
}

// One drain at a time runs per Store: a second call while fn runs answers
// store.ErrBusy. The idle release or Close writing at that moment is no
// drain: a drain waits for it and runs, rather than being turned away.
func TestDrainBusyOnlyWhileADrainRuns(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	storetest.DrainBusyOnlyWhileADrainRuns(t, s, func() func() { return sqlite.HoldDrainLock(s) })
}

// Past forgetAt published events, a drain deletes them in a write of its
// own, without waiting for the lease's next write.
func TestDrainForgetsPastTheBatch(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	sqlite.SetDrainLease(s, time.Hour)
	raw := rawDB(t, path)
	const total = 1500
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		for i := range total {
			if err := tx.AppendEvent(ctx, conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w", Message: conversation.MessageID(fmt.Sprint("m", i))}); err != nil {
				return err
			}
		}
		return nil
	}))
	published := 0
	for published < total {
		n, err := s.DrainEvents(ctx, 100, func(_ context.Context, evs []conversation.Event) (int, error) {
			for i, e := range evs {
				require.Equal(t, conversation.MessageID(fmt.Sprint("m", published+i)), e.Message, "in order, none twice")
			}
			return len(evs), nil
		})
		require.NoError(t, err)
		require.Positive(t, n)
		published += n
	}
	left := countEvents(t, raw)
	assert.Less(t, left, 1024, "deleted once a thousand or so waited")
	assert.Positive(t, left, "the rest waits for a later write")
}

// R17: a drain passes the events its Store committed from memory while
// they follow its cursor without a gap, and reads those another process
// wrote; either way each event comes once, in order, exactly as read
// back from the file (the time to the microsecond, the data as stored).
func TestDrainHandsOnWhatItCommitted(t *testing.T) {
	ctx := context.Background()
	a, b, path := twoHandles(t)
	sqlite.SetDrainLease(a, time.Hour)
	at := time.Date(2026, 12, 2, 9, 0, 0, 123456789, time.UTC)
	appendAt := func(s store.Store, msg string) {
		require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
			return tx.AppendEvent(ctx, conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w", At: at,
				Conversation: "c", Message: conversation.MessageID(msg), Data: map[string]string{"k": msg}})
		}))
	}
	var got []conversation.Event
	publish := func(_ context.Context, evs []conversation.Event) (int, error) {
		got = append(got, evs...)
		return len(evs), nil
	}
	_, err := a.DrainEvents(ctx, 10, publish) // the first drain: a hands its events on from now
	require.NoError(t, err)
	appendAt(a, "a1")
	appendAt(a, "a2")
	appendAt(b, "b1") // another process's: a gap in what a committed
	appendAt(a, "a3")
	for range 4 {
		_, err := a.DrainEvents(ctx, 10, publish)
		require.NoError(t, err)
	}
	require.Len(t, got, 4)
	for i, want := range []string{"a1", "a2", "b1", "a3"} {
		e := got[i]
		assert.Equal(t, conversation.MessageID(want), e.Message, "in commit order, each once")
		assert.Equal(t, at.Truncate(time.Microsecond), e.At, "the time as stored")
		assert.Equal(t, map[string]string{"k": want}, e.Data)
		if i > 0 {
			assert.Equal(t, got[i-1].Seq+1, e.Seq, "the store's seqs")
		}
	}
	// What came from memory is what the file holds.
	raw := rawDB(t, path)
	var n int
	require.NoError(t, raw.QueryRow(`SELECT count(*) FROM cc_events WHERE seq >= ? AND seq <= ?`, got[0].Seq, got[3].Seq).Scan(&n))
	assert.Equal(t, 4, n, "the seqs are the stored events'")
}

// R17: the events a Store hands on from memory carry the seqs the file
// gave them, several in one transaction and around another process's, so
// that they come in commit order, each once, with the seq a drain that
// reads would give. The stored copies are altered behind the Store's back
// (as no store would), so that an event read from the file rather than
// taken from memory shows.
func TestDrainHandsOnExactSeqs(t *testing.T) {
	ctx := context.Background()
	a, b, path := twoHandles(t)
	sqlite.SetDrainLease(a, time.Hour)
	var got []conversation.Event
	publish := func(_ context.Context, evs []conversation.Event) (int, error) {
		got = append(got, evs...)
		return len(evs), nil
	}
	_, err := a.DrainEvents(ctx, 10, publish)
	require.NoError(t, err)
	appendAll := func(s store.Store, msgs ...string) {
		require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
			for _, m := range msgs {
				if err := tx.AppendEvent(ctx, conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w",
					Conversation: "c", Message: conversation.MessageID(m), Detail: "as committed"}); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	appendAll(a, "a1", "a2", "a3")
	appendAll(b, "b1")
	appendAll(a, "a4", "a5")
	// A rolled-back transaction's events are neither stored nor handed on.
	require.Error(t, a.Update(ctx, func(tx store.Tx) error {
		if err := tx.AppendEvent(ctx, conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w", Conversation: "c", Message: "gone"}); err != nil {
			return err
		}
		return errors.New("roll back")
	}))
	appendAll(a, "a6")
	raw := rawDB(t, path)
	stored := map[string]uint64{}
	rows, err := raw.Query(`SELECT seq, message_id FROM cc_events`)
	require.NoError(t, err)
	for rows.Next() {
		var seq uint64
		var msg string
		require.NoError(t, rows.Scan(&seq, &msg))
		stored[msg] = seq
	}
	require.NoError(t, rows.Err())
	rows.Close()
	_, err = raw.Exec(`UPDATE cc_events SET detail = 'read from the file'`)
	require.NoError(t, err)
	for range 8 { // one at a time: a read after the gap reads no further
		_, err := a.DrainEvents(ctx, 1, publish)
		require.NoError(t, err)
	}
	require.Len(t, got, 7)
	for i, want := range []string{"a1", "a2", "a3", "b1", "a4", "a5", "a6"} {
		e := got[i]
		assert.Equal(t, conversation.MessageID(want), e.Message, "in commit order, each once")
		assert.Equal(t, stored[want], e.Seq, "%s: the seq the file gave it", want)
		if want[0] == 'a' {
			assert.Equal(t, "as committed", e.Detail, "%s: from memory", want)
		} else {
			assert.Equal(t, "read from the file", e.Detail, "%s: another process's, read", want)
		}
	}
}

// An erasure scrubs stored events that are not yet published (R21): the
// drain then reads them from the file, not the copies it kept.
func TestDrainAfterErasureReads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	_, err := s.DrainEvents(ctx, 10, func(context.Context, []conversation.Event) (int, error) { return 0, nil })
	require.NoError(t, err)
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateContact(ctx, ticket.Contact{ID: "k", Workspace: "w", Name: "Ana", Version: 1}, "tg", "ext-k"); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, conversation.Event{Type: "bot.notified", Workspace: "w", Conversation: "c", Contact: "k",
			Actor: conversation.Actor{Kind: conversation.ActorContact, ID: "ext-k"}})
	}))
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error { return tx.EraseContact(ctx, "w", "k") }))
	var got []conversation.Event
	_, err = s.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) {
		got = append(got, evs...)
		return len(evs), nil
	})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Empty(t, got[0].Actor.ID, "the erased contact's id is not published")
}

// publishedChildEnv names the database file of a child process that
// publishes every stored event, says so, and waits to be killed before
// it deletes them.
const publishedChildEnv = "CONTACTCENTER_SQLITE_PUBLISHED_CHILD"

// R17, R18: a process killed with kill -9 after it published events and
// before it deleted them (they wait for a batch) loses none: a restarted
// process publishes them again, in order (delivery is at least once), and
// then what comes after.
func TestDrainKilledBeforeDeletion(t *testing.T) {
	if path := os.Getenv(publishedChildEnv); path != "" {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			fmt.Println("open:", err)
			return
		}
		sqlite.SetDrainLease(s, time.Hour)
		n, err := s.DrainEvents(context.Background(), 10, func(_ context.Context, evs []conversation.Event) (int, error) { return len(evs), nil })
		fmt.Println("published", n, err)
		time.Sleep(time.Minute) // killed long before
		return
	}
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	for i := range 3 {
		appendEvent(t, s, fmt.Sprint("m", i))
	}
	require.NoError(t, s.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestDrainKilledBeforeDeletion$", "-test.count=1")
	cmd.Env = append(os.Environ(), publishedChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "published") || strings.HasPrefix(sc.Text(), "open:") {
				line <- sc.Text()
				return
			}
		}
		line <- "no answer"
	}()
	select {
	case got := <-line:
		require.Equal(t, "published 3 <nil>", got, "the child published the three events")
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not publish")
	}
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()

	raw := rawDB(t, path)
	assert.Equal(t, 3, countEvents(t, raw), "the killed process had not deleted them")
	fresh := open(t, path)
	defer fresh.Close()
	appendEvent(t, fresh, "m3")
	var got []conversation.MessageID
	n, err := drainWhileBusy(t, fresh, func(_ context.Context, evs []conversation.Event) (int, error) {
		for _, e := range evs {
			got = append(got, e.Message)
		}
		return len(evs), nil
	})
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, []conversation.MessageID{"m0", "m1", "m2", "m3"}, got, "published again, in order, and what came after")
}
