package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/telegram"
)

// -find-chat prints the staff group's chat id from the waiting updates,
// and leaves them for the desk.
func TestFindChats(t *testing.T) {
	w := newWorld(t)
	b, err := telegram.New(token, telegram.WithAPIURL(w.srv.URL()))
	require.NoError(t, err)

	// Nothing from a group yet: it ends with ctx, saying what to do.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	w.lucia.Send(token, "Hola")
	var out bytes.Buffer
	err = findChats(ctx, b, &out, 200*time.Millisecond)
	cancel()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "add the bot to the staff group")
	assert.Empty(t, out.String())

	w.group.Send(token, w.ana, "¿Quién es este bot?", 0)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, findChats(ctx, b, &out, time.Second))
	assert.Equal(t, "STAFF_CHAT_ID=-1001   # group \"Staff\"\n", out.String())
	assert.Equal(t, 2, w.srv.Pending(token), "the updates wait for the desk")
	assert.Zero(t, w.srv.Confirmed(token))
}
