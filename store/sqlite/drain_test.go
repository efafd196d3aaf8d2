package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
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
	path := filepath.Join(t.TempDir(), "cc.db")
	a, b := open(t, path), open(t, path)
	defer a.Close()
	defer b.Close()
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
	n, err := b.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) {
		t.Errorf("drained again: %v", evs)
		return len(evs), nil
	})
	require.NoError(t, err, "the lease is released at once")
	assert.Zero(t, n)
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
	path := filepath.Join(t.TempDir(), "cc.db")
	a, b := open(t, path), open(t, path)
	defer a.Close()
	defer b.Close()
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
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	defer db.Close()

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
