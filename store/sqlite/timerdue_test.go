package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store"
)

// Due times are kept in nanoseconds since the epoch: one outside their
// range is refused (store.ErrRejected) rather than stored as another time,
// and the transaction stores nothing.
func TestTimerDueOutOfRange(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "cc.db"))
	defer s.Close()
	ok := time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, due := range []time.Time{time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), {}} {
		err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.SetTimer(ctx, store.Timer{Kind: "host.reminder", Workspace: "w", Key: "fine", Due: ok}); err != nil {
				return err
			}
			return tx.SetTimer(ctx, store.Timer{Kind: "host.reminder", Workspace: "w", Key: "far", Due: due})
		})
		assert.ErrorIs(t, err, store.ErrRejected, "%v", due)
	}
	require.NoError(t, s.View(ctx, func(tx store.Tx) error {
		_, err := tx.Timer(ctx, "host.reminder", "w", "fine")
		assert.ErrorIs(t, err, store.ErrNotFound, "rolled back with the refused timer")
		return nil
	}))
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		return tx.SetTimer(ctx, store.Timer{Kind: "host.reminder", Workspace: "w", Key: "fine", Due: ok})
	}))
}
