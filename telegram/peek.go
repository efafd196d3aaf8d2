package telegram

import (
	"context"
	"time"

	"github.com/go-telegram/bot/models"
)

// Peek returns the updates waiting for the bot, waiting up to wait for
// one to come, and confirms none: Poll receives them all the same. It is
// for looking before a receiver runs, such as finding the chat id of a
// group the bot was added to. It fails as getUpdates does, for instance
// while the bot has a webhook.
func (b *Bot) Peek(ctx context.Context, wait time.Duration) ([]*models.Update, error) {
	updates, _, err := b.getUpdates(ctx, 0, maxBatch, wait)
	return updates, err
}
