package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/ticket"
)

// A backup taken while the desk serves a burst is a consistent copy: a
// desk started on it has every ticket the copy holds, with its staff
// group's links, and the copy passes SQLite's integrity check.
func TestBackupWhileRunning(t *testing.T) {
	w := newWorld(t)
	desk := w.start(t)
	ctx := context.Background()
	w.lucia.Send(token, "Hola, mi pedido no llegó")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })

	// Customers keep writing while the backup runs.
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 20 {
			w.marta.Send(token, "Olá de novo")
		}
	})
	to := filepath.Join(t.TempDir(), "backup.db")
	require.NoError(t, backup(ctx, w.db, to))
	wg.Wait()
	require.NoError(t, checkFile(ctx, to))

	// A second backup to the same file is refused and leaves it as it is.
	before, err := os.ReadFile(to)
	require.NoError(t, err)
	err = backup(ctx, w.db, to)
	require.ErrorIs(t, err, ErrBackupExists)
	after, err := os.ReadFile(to)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	require.Error(t, backup(ctx, filepath.Join(t.TempDir(), "none.db"), filepath.Join(t.TempDir(), "x.db")), "no desk file")

	// The desk restored from the copy knows ticket #1 and its header.
	desk.stop()
	restored := &world{srv: w.srv, group: w.group, lucia: w.lucia, marta: w.marta, ana: w.ana, bruno: w.bruno, db: to}
	again := restored.start(t)
	tk, err := again.d.eng.TicketByNumber(ctx, workspace, 1)
	require.NoError(t, err)
	assert.True(t, tk.ClosedAt.IsZero(), "ticket #1 is open in the copy")
	assert.Equal(t, ticket.Number(1), tk.Number)
	var headers int
	require.NoError(t, again.d.links.QueryRowContext(ctx, `SELECT count(*) FROM helpdesk_headers`).Scan(&headers))
	assert.GreaterOrEqual(t, headers, 1)
}

// -backup needs no token and writes the copy; -find-chat needs the token
// only; runOnce does them, and leaves serving to the desk.
func TestConfigureOneShots(t *testing.T) {
	ctx := context.Background()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	w := newWorld(t)
	r := w.start(t)
	r.stop()
	to := filepath.Join(t.TempDir(), "copy.db")
	cfg, err := configure([]string{"-backup", to}, env(map[string]string{"HELPDESK_DB": w.db}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, to, cfg.BackupTo)
	var out bytes.Buffer
	done, err := runOnce(ctx, cfg, &out)
	require.True(t, done)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "a checked copy of "+w.db)
	require.NoError(t, checkFile(ctx, to))
	done, err = runOnce(ctx, cfg, &out)
	assert.True(t, done)
	assert.ErrorIs(t, err, ErrBackupExists)

	_, err = configure([]string{"-find-chat"}, env(nil), io.Discard)
	assert.ErrorContains(t, err, "TELEGRAM_TOKEN is required")
	cfg, err = configure([]string{"-find-chat"}, env(map[string]string{"TELEGRAM_TOKEN": token, "TELEGRAM_API_URL": w.srv.URL()}), io.Discard)
	require.NoError(t, err, "no STAFF_CHAT_ID needed")
	assert.True(t, cfg.FindChat)
	w.group.Send(token, w.ana, "hola", 0)
	out.Reset()
	done, err = runOnce(ctx, cfg, &out)
	require.True(t, done)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "STAFF_CHAT_ID=-1001")

	cfg, err = configure(nil, env(map[string]string{"TELEGRAM_TOKEN": token, "STAFF_CHAT_ID": "-1001"}), io.Discard)
	require.NoError(t, err)
	done, err = runOnce(ctx, cfg, &out)
	assert.False(t, done, "serving is the desk's")
	assert.NoError(t, err)
}
