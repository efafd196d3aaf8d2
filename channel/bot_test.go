package channel_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/channel"
)

// R2: a channel's bot and its failure policy: no bot is valid, a full
// policy is, zero values take the defaults, and out-of-range settings are
// refused with ErrInvalid.
func TestBotValidate(t *testing.T) {
	if err := (channel.Bot{}).Validate(); err != nil {
		t.Fatalf("no bot: %v", err)
	}
	plain := channel.Bot{Name: "faq"}
	if err := plain.Validate(); err != nil {
		t.Fatalf("bot with defaults: %v", err)
	}
	if plain.Timeout() != channel.DefaultTurnTimeout || plain.Failures() != channel.DefaultMaxFailures {
		t.Fatalf("defaults: %v, %d", plain.Timeout(), plain.Failures())
	}
	full := channel.Bot{
		Name: "faq", TurnTimeout: 5 * time.Second, MaxFailures: 2,
		Fallback: channel.Fallback{Team: "support", Template: "bot_down"},
		NoHuman:  channel.NoHuman{After: 10 * time.Minute, Template: "still_waiting", BackToBot: true},
	}
	if err := full.Validate(); err != nil {
		t.Fatalf("full: %v", err)
	}
	if full.Timeout() != 5*time.Second || full.Failures() != 2 {
		t.Fatalf("set: %v, %d", full.Timeout(), full.Failures())
	}
	for name, mod := range map[string]func(*channel.Bot){
		"policy without bot": func(b *channel.Bot) { b.Name = "" },
		"blank name":         func(b *channel.Bot) { b.Name = " " },
		"long name":          func(b *channel.Bot) { b.Name = strings.Repeat("b", channel.MaxBotName+1) },
		"negative timeout":   func(b *channel.Bot) { b.TurnTimeout = -time.Second },
		"long timeout":       func(b *channel.Bot) { b.TurnTimeout = channel.MaxTurnTimeout + 1 },
		"negative failures":  func(b *channel.Bot) { b.MaxFailures = -1 },
		"many failures":      func(b *channel.Bot) { b.MaxFailures = channel.MaxMaxFailures + 1 },
		"blank team":         func(b *channel.Bot) { b.Fallback.Team = " " },
		"blank template":     func(b *channel.Bot) { b.Fallback.Template = " " },
		"wait not minutes":   func(b *channel.Bot) { b.NoHuman.After = 90 * time.Second },
		"wait too long":      func(b *channel.Bot) { b.NoHuman.After = channel.MaxNoHumanAfter + time.Minute },
		"negative wait":      func(b *channel.Bot) { b.NoHuman.After = -time.Minute },
		"wait that does nothing": func(b *channel.Bot) {
			b.NoHuman.Template, b.NoHuman.BackToBot = "", false
		},
		"template without wait": func(b *channel.Bot) { b.NoHuman.After = 0 },
		"NUL in template":       func(b *channel.Bot) { b.NoHuman.Template = "a\x00b" },
	} {
		b := full
		mod(&b)
		if err := b.Validate(); !errors.Is(err, channel.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
		c := channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindMemory, Account: "a", Settings: channel.Settings{Bot: b}}
		if err := c.Validate(); !errors.Is(err, channel.ErrInvalid) {
			t.Errorf("%s: channel: %v, want ErrInvalid", name, err)
		}
	}
}
