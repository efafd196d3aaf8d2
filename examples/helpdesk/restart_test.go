package main

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store/sqlite"
)

// A desk restarted after kill -9 mid-publish serves at once: it polls and
// stores what customers send while the killed process's drain lease runs
// out, and relays to the staff group once it has.
func TestRestartServesWhileKilledDrainHolds(t *testing.T) {
	w := newWorld(t)
	s, err := sqlite.Open(context.Background(), w.db)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	// What a process killed inside its drain leaves behind.
	const held = 4 * time.Second
	raw, err := sql.Open("sqlite", w.db)
	require.NoError(t, err)
	_, err = raw.Exec(`INSERT OR REPLACE INTO cc_drain_lock (id, holder, until) VALUES (1, 'killed', ?)`, time.Now().Add(held).UnixMicro())
	require.NoError(t, err)
	require.NoError(t, raw.Close())

	start := time.Now()
	desk := w.start(t)
	assert.Less(t, time.Since(start), held/2, "the desk polls without waiting for the killed drain")
	w.lucia.Send(token, "Hola")
	require.True(t, w.srv.WaitUntil(held/2, func() bool {
		_, err := desk.d.eng.TicketByNumber(context.Background(), workspace, 1)
		return err == nil
	}), "the message is stored while the killed drain holds")
	w.wait(t, "the copy in the staff group", func() bool { return len(w.inStaff()) == 2 })
	t.Logf("staff copy %v after the restart (drain held for %v)", time.Since(start).Round(time.Millisecond), held)
	assert.Equal(t, "Hola", texts(w.inStaff())[1])
}
