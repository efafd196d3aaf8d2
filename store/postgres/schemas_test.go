package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
)

func appendEvent(t testing.TB, s store.Store, msg string) {
	t.Helper()
	require.NoError(t, s.Update(context.Background(), func(tx store.Tx) error {
		return tx.AppendEvent(context.Background(), conversation.Event{Type: conversation.EventMessageReceived, Workspace: "w", Message: conversation.MessageID(msg)})
	}))
}

// R17: the partitions' leases belong to the schema whose events they
// drain. Two applications in two schemas of one database drain at the
// same time; two stores on one schema never drain the same partition at
// once, and the second takes the first's share once the first, alone,
// stops draining.
func TestDrainLockPerSchema(t *testing.T) {
	ctx := context.Background()
	dsnA, dsnB := freshSchema(t), freshSchema(t)
	a, again, b := open(t, dsnA), open(t, dsnA), open(t, dsnB)
	defer a.Close()
	defer again.Close()
	defer b.Close()
	appendEvent(t, a, "in-a")
	appendEvent(t, b, "in-b")

	inside, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock() // before the stores close, whatever fails
	done := make(chan error, 1)
	go func() {
		_, err := a.DrainEvents(ctx, 10, func(context.Context, []conversation.Event) (int, error) {
			close(inside)
			<-release
			return 0, nil
		})
		done <- err
	}()
	select {
	case <-inside:
	case err := <-done:
		t.Fatalf("the first drain did not start: %v", err)
	}

	var got []conversation.Event
	n, err := b.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) {
		got = append(got, evs...)
		return len(evs), nil
	})
	require.NoError(t, err, "another schema's drain runs while the first is publishing")
	assert.Equal(t, 1, n)
	require.Len(t, got, 1)
	assert.Equal(t, conversation.MessageID("in-b"), got[0].Message, "each schema drains its own events")

	_, err = again.DrainEvents(ctx, 10, func(context.Context, []conversation.Event) (int, error) {
		t.Error("a second store on the same schema drained while the first was publishing")
		return 0, nil
	})
	assert.ErrorIs(t, err, store.ErrBusy, "the same schema")

	unblock()
	require.NoError(t, <-done)
	start := time.Now()
	for {
		n, err = again.DrainEvents(ctx, 10, func(_ context.Context, evs []conversation.Event) (int, error) { return len(evs), nil })
		if !errors.Is(err, store.ErrBusy) || time.Since(start) > 10*time.Second {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the same schema drains once the first is done")
	share, ok := again.EventShare()
	assert.True(t, ok)
	assert.Equal(t, store.EventShare{Held: store.EventPartitions, Publishers: 1}, share, "the first gave its share up, idle")
}

// Migrations run under a lock of their schema: an Open held up inside its
// migration in one schema does not hold up Open in another.
func TestMigrationLockPerSchema(t *testing.T) {
	ctx := context.Background()
	dsnA := freshSchema(t)
	require.NoError(t, open(t, dsnA).Close())

	// The next Open of schema A takes the migration lock, then waits for
	// the migrations table, which this transaction holds.
	holder, err := pgx.Connect(ctx, dsnA)
	require.NoError(t, err)
	defer holder.Close(ctx)
	tx, err := holder.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, `LOCK TABLE cc_schema_migrations IN ACCESS EXCLUSIVE MODE`)
	require.NoError(t, err)
	opened := make(chan error, 1)
	go func() {
		s, err := postgres.Open(ctx, dsnA)
		if err == nil {
			err = s.Close()
		}
		opened <- err
	}()
	require.Eventually(t, func() bool {
		var waiting int
		err := tx.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE relation = 'cc_schema_migrations'::regclass AND NOT granted`).Scan(&waiting)
		return err == nil && waiting > 0
	}, 10*time.Second, 10*time.Millisecond, "Open of schema A waits inside its migration")

	octx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	b, err := postgres.Open(octx, freshSchema(t))
	require.NoError(t, err, "Open of another schema does not wait for schema A's migration")
	require.NoError(t, b.Close())

	require.NoError(t, tx.Rollback(ctx))
	require.NoError(t, <-opened)
}
