package telegram_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Peek shows the waiting updates and confirms none: Poll gets them all.
func TestPeekConfirmsNothing(t *testing.T) {
	srv, b := newBot(t)
	group, ana := srv.Group(-1001, "Staff"), srv.User(7, "Ana", "es")
	group.Send(token, ana, "hola", 0)
	srv.User(42, "Lucía", "es").Send(token, "buenas")
	for range 2 {
		ups, err := b.Peek(bg, time.Second)
		require.NoError(t, err)
		require.Len(t, ups, 2)
		assert.Equal(t, int64(-1001), ups[0].Message.Chat.ID)
		assert.Equal(t, "buenas", ups[1].Message.Text)
	}
	assert.Zero(t, srv.Confirmed(token))
	assert.Equal(t, 2, srv.Pending(token))

	rec := &updateRecorder{}
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- b.Poll(ctx, rec) }()
	require.True(t, srv.WaitUntil(10*time.Second, func() bool { return len(rec.seen()) == 2 && srv.Confirmed(token) == 2 }))
	cancel()
	<-done

	// Nothing waiting, and no wait: Peek answers with none.
	ups, err := b.Peek(bg, 0)
	require.NoError(t, err)
	assert.Empty(t, ups)
}
