package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/telenet/contactcenter/telegram"
)

// findChats helps set STAFF_CHAT_ID: it looks at the updates waiting for
// the bot, without taking them (telegram.Bot.Peek: the desk still gets
// them), until it sees one from a group, and writes each group's chat id
// and title to out, as many as the waiting updates show. A message in
// the group after the bot was added to it is such an update; with the
// bot's privacy mode on, a command such as /start@bot is. It ends with
// ctx, with an error, when no group showed up.
func findChats(ctx context.Context, b *telegram.Bot, out io.Writer, wait time.Duration) error {
	seen := map[int64]bool{}
	for {
		ups, err := b.Peek(ctx, wait)
		if ctx.Err() != nil {
			if len(seen) == 0 {
				return fmt.Errorf("no group showed up: add the bot to the staff group and write there: %w", ctx.Err())
			}
			return nil
		}
		if err != nil {
			return err
		}
		found := false
		for _, u := range ups {
			c := groupOf(u)
			if c == nil || seen[c.ID] {
				continue
			}
			seen[c.ID], found = true, true
			fmt.Fprintf(out, "STAFF_CHAT_ID=%d   # %s %q\n", c.ID, c.Type, c.Title)
		}
		if found {
			return nil
		}
		if len(ups) > 0 {
			// Only others' updates wait, and they stay: look again later,
			// not at once.
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// groupOf returns the group or supergroup an update comes from, nil for
// others (private chats, channels).
func groupOf(u *models.Update) *models.Chat {
	for _, m := range []*models.Message{u.Message, u.EditedMessage} {
		if m != nil && (m.Chat.Type == models.ChatTypeGroup || m.Chat.Type == models.ChatTypeSupergroup) {
			return &m.Chat
		}
	}
	if u.MyChatMember != nil && (u.MyChatMember.Chat.Type == models.ChatTypeGroup || u.MyChatMember.Chat.Type == models.ChatTypeSupergroup) {
		return &u.MyChatMember.Chat
	}
	return nil
}
