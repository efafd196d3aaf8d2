package sqlite_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/ticket"
)

// holdWriter starts an Update of s that holds the writer until release is
// closed, and returns once it runs.
func holdWriter(t *testing.T, s *sqlite.Store, release <-chan struct{}) <-chan error {
	t.Helper()
	return holdWriterWith(t, s, release, func(store.Tx) error { return nil })
}

// holdWriterWith is holdWriter whose Update then runs fn.
func holdWriterWith(t *testing.T, s *sqlite.Store, release <-chan struct{}, fn func(store.Tx) error) <-chan error {
	t.Helper()
	running := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx store.Tx) error {
			close(running)
			<-release
			return fn(tx)
		})
	}()
	<-running
	return done
}

// warmStore opens a store seeded by seedLookups, with tg/ext-1 in its
// look-up cache.
func warmStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	t.Cleanup(func() { s.Close() })
	seedLookups(t, s)
	warmLookup(t, s)
	return s
}

// waitQueued waits until n Update calls of s wait for the next batch.
func waitQueued(t *testing.T, s *sqlite.Store, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return sqlite.QueuedWrites(s) == n }, 5*time.Second, time.Millisecond)
}

// newContact is a tx function that stores contact id, or fails with fail
// after storing it, or panics after storing it.
func newContact(id string, fail error, panics bool) func(store.Tx) error {
	return func(tx store.Tx) error {
		ctx := context.Background()
		err := tx.CreateContact(ctx, ticket.Contact{ID: ticket.ContactID(id), Workspace: "w", Name: id, CreatedAt: time.Now(), Version: 1}, "tg", "ext-"+id)
		if err != nil {
			return err
		}
		if panics {
			panic("host bug in " + id)
		}
		return fail
	}
}

// drainAll publishes every event s holds, and returns them in the order
// of publication.
func drainAll(t *testing.T, s *sqlite.Store) []conversation.Event {
	t.Helper()
	var got []conversation.Event
	for {
		n, err := s.DrainEvents(context.Background(), 100, func(_ context.Context, events []conversation.Event) (int, error) {
			got = append(got, events...)
			return len(events), nil
		})
		require.NoError(t, err)
		if n == 0 {
			return got
		}
	}
}

// contactStored reports whether s holds contact id.
func contactStored(t *testing.T, s *sqlite.Store, id string) bool {
	t.Helper()
	var found bool
	require.NoError(t, s.View(context.Background(), func(tx store.Tx) error {
		_, err := tx.Contact(context.Background(), "w", ticket.ContactID(id))
		found = err == nil
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}))
	return found
}

// R18: the write transactions of concurrent callers that wait for the
// writer are committed together, in one SQLite transaction; a caller whose
// function fails, or panics, has its own writes rolled back and gets its
// error (or its panic) back, while the others' writes are stored, each
// once.
func TestBatchedWritesKeepEachCallsOutcome(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	before := sqlite.WriterDataVersion(s)
	release := make(chan struct{})
	held := holdWriter(t, s, release)

	errRejected := errors.New("rejected by the host")
	type call struct {
		id     string
		fail   error
		panics bool
	}
	calls := []call{{id: "a"}, {id: "b", fail: errRejected}, {id: "c"}, {id: "d", panics: true}, {id: "e"}}
	results := make([]error, len(calls))
	panics := make([]any, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() {
			defer func() { panics[i] = recover() }()
			results[i] = s.Update(context.Background(), newContact(c.id, c.fail, c.panics))
		})
		waitQueued(t, s, i+1)
	}
	close(release)
	require.NoError(t, <-held)
	wg.Wait()

	for i, c := range calls {
		switch {
		case c.panics:
			assert.Equal(t, "host bug in "+c.id, panics[i], "the panic comes back to its caller")
			assert.False(t, contactStored(t, s, c.id), c.id)
		case c.fail != nil:
			assert.ErrorIs(t, results[i], c.fail)
			assert.False(t, contactStored(t, s, c.id), "a failed call's writes are rolled back: %s", c.id)
		default:
			assert.NoError(t, results[i], c.id)
			assert.Nil(t, panics[i], c.id)
			assert.True(t, contactStored(t, s, c.id), c.id)
		}
	}
	// One commit: the holder's transaction carries the five that waited.
	assert.Equal(t, before+1, sqlite.WriterDataVersion(s), "commits on the writer")
}

// A caller whose context ends while it waits for the writer leaves at
// once, runs nothing and gets the context's error; the others are
// committed.
func TestBatchedWriteCancelledWhileWaiting(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	release := make(chan struct{})
	held := holdWriter(t, s, release)
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() { gone <- s.Update(ctx, newContact("gone", nil, false)) }()
	waitQueued(t, s, 1)
	var kept error
	var wg sync.WaitGroup
	wg.Go(func() { kept = s.Update(context.Background(), newContact("kept", nil, false)) })
	waitQueued(t, s, 2)
	cancel()
	select {
	case err := <-gone:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled caller waited for the writer")
	}
	assert.Equal(t, 1, sqlite.QueuedWrites(s), "it left the queue")
	close(release)
	require.NoError(t, <-held)
	wg.Wait()
	assert.NoError(t, kept)
	assert.False(t, contactStored(t, s, "gone"))
	assert.True(t, contactStored(t, s, "kept"))
}

// A caller whose context ends while its function writes, in a batch,
// fails at its next statement and is rolled back alone: the statement
// under way is not interrupted (SQLite would roll the whole batch back).
func TestBatchedWriteCancelledWhileWriting(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	release := make(chan struct{})
	held := holdWriterWith(t, s, release, newContact("leader", nil, false))
	var before, slow, after error
	var wg sync.WaitGroup
	wg.Go(func() { before = s.Update(context.Background(), newContact("before", nil, false)) })
	waitQueued(t, s, 1)
	wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		slow = s.Update(ctx, func(tx store.Tx) error {
			for i := 0; ; i++ {
				id := ticket.ContactID(fmt.Sprint("slow-", i))
				if err := tx.CreateContact(ctx, ticket.Contact{ID: id, Workspace: "w", Name: string(id), CreatedAt: time.Now(), Version: 1}, "tg", string(id)); err != nil {
					return err
				}
			}
		})
	})
	waitQueued(t, s, 2)
	wg.Go(func() { after = s.Update(context.Background(), newContact("after", nil, false)) })
	waitQueued(t, s, 3)
	close(release)
	require.NoError(t, <-held)
	wg.Wait()
	assert.ErrorIs(t, slow, context.DeadlineExceeded)
	assert.NoError(t, before)
	assert.NoError(t, after)
	for _, id := range []string{"leader", "before", "after"} {
		assert.True(t, contactStored(t, s, id), id)
	}
	assert.False(t, contactStored(t, s, "slow-0"), "the cancelled call's writes are rolled back")
}

// A function that ends its goroutine (runtime.Goexit, as t.FailNow does)
// in a batch breaks it off: the calls it carried fail with a conflict
// (the engine tries them again), nothing of them is stored, and the
// writer serves the next caller.
func TestBatchedWriteGoexit(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	release := make(chan struct{})
	holdWriter(t, s, release) // its goroutine is the one that exits
	var ok, exits error
	var wg sync.WaitGroup
	wg.Go(func() { ok = s.Update(context.Background(), newContact("ok", nil, false)) })
	waitQueued(t, s, 1)
	wg.Go(func() {
		exits = s.Update(context.Background(), func(tx store.Tx) error {
			if err := newContact("exits", nil, false)(tx); err != nil {
				return err
			}
			runtime.Goexit()
			return nil
		})
	})
	waitQueued(t, s, 2)
	close(release)
	wg.Wait()
	assert.ErrorIs(t, ok, store.ErrConflict)
	assert.ErrorIs(t, exits, store.ErrConflict)
	done := make(chan error, 1)
	go func() { done <- s.Update(context.Background(), newContact("next", nil, false)) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the writer is stuck after a batch was broken off")
	}
	assert.False(t, contactStored(t, s, "ok"))
	assert.False(t, contactStored(t, s, "exits"))
	assert.True(t, contactStored(t, s, "next"))
}

// A transaction kept past the end of its call fails (it does not write,
// nor panic), also while a later call of the batch runs.
func TestBatchedTxUsedAfterItsCall(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	var kept store.Tx
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error { kept = tx; return nil }))
	err := kept.CreateContact(ctx, ticket.Contact{ID: "late", Workspace: "w", Name: "late", CreatedAt: time.Now(), Version: 1}, "tg", "late")
	assert.Error(t, err)
	err = kept.UpdateConversation(ctx, conversation.Conversation{ID: "c", Workspace: "w", Version: 2})
	assert.Error(t, err)
	assert.False(t, contactStored(t, s, "late"))
}

// R17: a call rolled back to its savepoint leaves no event behind: the
// events the drain is handed from memory, and those it reads, are the
// others', in order and without a gap in their seqs.
func TestBatchedRollbackLeavesNoEvent(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	var got []conversation.Event
	drain := func() { got = append(got, drainAll(t, s)...) }
	event := func(msg string, fail error) func(store.Tx) error {
		return func(tx store.Tx) error {
			if err := tx.AppendEvent(ctx, conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w", At: time.Now(), Conversation: "c1", Message: conversation.MessageID(msg)}); err != nil {
				return err
			}
			return fail
		}
	}
	require.NoError(t, s.Update(ctx, event("m0", nil)))
	drain() // the Store now hands its events to the drain
	release := make(chan struct{})
	held := holdWriterWith(t, s, release, event("m1", nil))
	var failed, kept error
	var wg sync.WaitGroup
	wg.Go(func() { failed = s.Update(ctx, event("rolled-back", errRollBack)) })
	waitQueued(t, s, 1)
	wg.Go(func() { kept = s.Update(ctx, event("m2", nil)) })
	waitQueued(t, s, 2)
	close(release)
	require.NoError(t, <-held)
	wg.Wait()
	require.ErrorIs(t, failed, errRollBack)
	require.NoError(t, kept)
	drain()
	var msgs []conversation.MessageID
	for i, e := range got {
		msgs = append(msgs, e.Message)
		if i > 0 {
			assert.Equal(t, got[i-1].Seq+1, e.Seq, "seqs without a gap")
		}
	}
	assert.Equal(t, []conversation.MessageID{"m0", "m1", "m2"}, msgs)
}

// A batch whose first call fails is rolled back, and the calls after it
// run in a transaction of their own.
func TestBatchedWriteFirstCallFails(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	release := make(chan struct{})
	held := holdWriterWith(t, s, release, newContact("h", errRollBack, false))
	var x, y error
	var wg sync.WaitGroup
	wg.Go(func() { x = s.Update(context.Background(), newContact("x", nil, false)) })
	waitQueued(t, s, 1)
	wg.Go(func() { y = s.Update(context.Background(), newContact("y", nil, false)) })
	waitQueued(t, s, 2)
	close(release)
	assert.ErrorIs(t, <-held, errRollBack)
	wg.Wait()
	assert.NoError(t, x)
	assert.NoError(t, y)
	assert.False(t, contactStored(t, s, "h"))
	assert.True(t, contactStored(t, s, "x"))
	assert.True(t, contactStored(t, s, "y"))
}

// R12, R9: within a batch, a look-up follows what the calls before it
// wrote: a conversation an earlier call closed is not answered open from
// the cache, and the cache holds it closed afterwards.
func TestBatchedLookupSeesEarlierCalls(t *testing.T) {
	ctx := context.Background()
	s := warmStore(t)
	release := make(chan struct{})
	held := holdWriter(t, s, release)
	var closeErr, lookErr error
	var seen store.InboundRecords
	var wg sync.WaitGroup
	wg.Go(func() { closeErr = s.Update(ctx, func(tx store.Tx) error { return closeC1(ctx, tx) }) })
	waitQueued(t, s, 1)
	wg.Go(func() {
		lookErr = s.Update(ctx, func(tx store.Tx) error {
			var err error
			seen, err = store.LookupInbound(ctx, tx, "w", "tg", "", "ext-1")
			return err
		})
	})
	waitQueued(t, s, 2)
	close(release)
	require.NoError(t, <-held)
	wg.Wait()
	require.NoError(t, closeErr)
	require.NoError(t, lookErr)
	assert.True(t, seen.HasContact)
	assert.False(t, seen.HasOpen, "closed by the call before in the batch")
	assert.Equal(t, lookupFile(t, s, "ext-1"), lookupIn(t, s, "ext-1"))
}

// Many concurrent writers: every message stored once, every event
// published once and in order, whatever the batches were.
func TestBatchedWritesUnderLoad(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	const writers, each = 8, 40
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		for w := range writers {
			id := ticket.ContactID(fmt.Sprint("k", w))
			if err := tx.CreateContact(ctx, ticket.Contact{ID: id, Workspace: "w", Name: string(id), CreatedAt: at, Version: 1}, "tg", string(id)); err != nil {
				return err
			}
			if err := tx.CreateConversation(ctx, conversation.Conversation{ID: conversation.ID(fmt.Sprint("c", w)), Workspace: "w", Ticket: ticket.ID(fmt.Sprint("t", w)),
				TicketNumber: ticket.Number(w + 1), Channel: "tg", Contact: id, ContactExternalID: string(id), State: conversation.Open,
				OpenedAt: at, LastActivity: at, WaitingSince: at, Version: 1}); err != nil {
				return err
			}
		}
		return nil
	}))
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			conv := conversation.ID(fmt.Sprint("c", w))
			for i := range each {
				id := conversation.MessageID(fmt.Sprintf("m-%d-%d", w, i))
				err := s.Update(ctx, func(tx store.Tx) error {
					if err := tx.CreateMessage(ctx, conversation.Message{ID: id, Workspace: "w", Conversation: conv, Channel: "tg", Direction: conversation.FromContact,
						Author: conversation.Author{Kind: conversation.AuthorContact}, Kind: conversation.KindText, Text: string(id), ExternalID: string(id), CreatedAt: at, Version: 1}); err != nil {
						return err
					}
					return tx.AppendEvent(ctx, conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w", At: at, Conversation: conv, Message: id})
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got := drainAll(t, s)
	require.Len(t, got, writers*each)
	next := map[conversation.ID]int{}
	for i, e := range got {
		if i > 0 {
			require.Greater(t, e.Seq, got[i-1].Seq, "published in seq order")
		}
		want := conversation.MessageID(fmt.Sprintf("m-%s-%d", string(e.Conversation)[1:], next[e.Conversation]))
		require.Equal(t, want, e.Message, "R17: each conversation's events in order")
		next[e.Conversation]++
	}
	for w := range writers {
		var msgs []conversation.Message
		require.NoError(t, s.View(ctx, func(tx store.Tx) error {
			var err error
			msgs, err = tx.Messages(ctx, "w", conversation.ID(fmt.Sprint("c", w)))
			return err
		}))
		assert.Len(t, msgs, each, "every message stored once")
	}
}

// batchChildEnv names the database file of a child process that is
// killed inside a batch, after its calls wrote and before they commit.
const batchChildEnv = "CONTACTCENTER_SQLITE_BATCH_CHILD"

// R18: a process killed with kill -9 while a batch of write transactions
// runs, after every call of it wrote and before the commit, stores none of
// them (none was acknowledged), and the restarted process writes at once.
func TestBatchKilledBeforeCommit(t *testing.T) {
	if path := os.Getenv(batchChildEnv); path != "" {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			fmt.Println("open:", err)
			return
		}
		release := make(chan struct{})
		held := make(chan struct{})
		go func() {
			_ = s.Update(context.Background(), func(tx store.Tx) error {
				close(held)
				<-release
				return newContact("h", nil, false)(tx)
			})
		}()
		<-held
		for _, id := range []string{"a", "b"} {
			go func() { _ = s.Update(context.Background(), newContact(id, nil, false)) }()
		}
		go func() {
			_ = s.Update(context.Background(), func(tx store.Tx) error {
				if err := newContact("c", nil, false)(tx); err != nil {
					return err
				}
				fmt.Println("in batch")
				time.Sleep(time.Minute) // killed long before
				return nil
			})
		}()
		for sqlite.QueuedWrites(s) < 3 {
			time.Sleep(time.Millisecond)
		}
		close(release)
		time.Sleep(time.Minute)
		return
	}
	path := filepath.Join(t.TempDir(), "cc.db")
	require.NoError(t, open(t, path).Close())
	cmd := exec.Command(os.Args[0], "-test.run=^TestBatchKilledBeforeCommit$", "-test.count=1")
	cmd.Env = append(os.Environ(), batchChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "in batch" || strings.HasPrefix(sc.Text(), "open:") {
				line <- sc.Text()
				return
			}
		}
		line <- "no answer"
	}()
	select {
	case got := <-line:
		require.Equal(t, "in batch", got)
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the child never reached the batch")
	}
	require.NoError(t, cmd.Process.Kill()) // SIGKILL
	_ = cmd.Wait()

	s := open(t, path)
	defer s.Close()
	for _, id := range []string{"h", "a", "b", "c"} {
		assert.False(t, contactStored(t, s, id), "%s was not committed", id)
	}
	done := make(chan error, 1)
	go func() { done <- s.Update(context.Background(), newContact("after", nil, false)) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(restartBound):
		t.Fatal("the restarted process could not write")
	}
	assert.True(t, contactStored(t, s, "after"))
}

// R9, R18: two calls of one batch that each look up the same sender and
// touch its open conversation both succeed: the second is not answered
// the records as they were before the first's update (whose narrow write
// would then find the version moved on), and the conversation ends at
// the second's activity, two versions on.
func TestBatchedTouchesOfOneConversation(t *testing.T) {
	ctx := context.Background()
	s := warmStore(t)
	base := lookupFile(t, s, "ext-1").Open
	touch := func(at time.Time) func(store.Tx) error {
		return func(tx store.Tx) error {
			r, err := store.LookupInbound(ctx, tx, "w", "tg", "", "ext-1")
			if err != nil {
				return err
			}
			c := r.Open
			c.LastActivity, c.Version = at, c.Version+1
			return tx.UpdateConversation(ctx, c)
		}
	}
	first, second := base.LastActivity.Add(time.Minute), base.LastActivity.Add(2*time.Minute)
	release := make(chan struct{})
	held := holdWriter(t, s, release)
	var errs [2]error
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = s.Update(ctx, touch(first)) })
	waitQueued(t, s, 1)
	wg.Go(func() { errs[1] = s.Update(ctx, touch(second)) })
	waitQueued(t, s, 2)
	close(release)
	require.NoError(t, <-held)
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	got := lookupFile(t, s, "ext-1").Open
	assert.Equal(t, base.Version+2, got.Version)
	assert.True(t, second.Equal(got.LastActivity), "last activity %v", got.LastActivity)
	assert.Equal(t, got, lookupIn(t, s, "ext-1").Open, "the cache holds what is stored")
}
