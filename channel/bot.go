package channel

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Bot is a channel's chatbot (R2): the bot that holds the channel's new
// conversations and answers first, and its failure policy, which says what
// the engine does when the bot fails: a turn that returns an error, does
// not answer within TurnTimeout, or returns a reply refused as a whole. A
// bot that never answers must never leave a customer unanswered: after
// MaxFailures failed attempts in a row the engine gives up on the bot for
// the conversation and hands it to humans (Fallback).
//
// The zero Bot is no bot. Zero TurnTimeout and MaxFailures take their
// defaults (DefaultTurnTimeout, DefaultMaxFailures).
type Bot struct {
	// Name names the bot as the host registered it with the engine; ""
	// for no bot.
	Name string
	// TurnTimeout bounds one attempt of a turn: the context given to the
	// bot ends then. At most MaxTurnTimeout; 0 for DefaultTurnTimeout.
	TurnTimeout time.Duration
	// MaxFailures is how many failed attempts of turns in a row, counted
	// per conversation, make the engine give up: at most MaxMaxFailures;
	// 0 for DefaultMaxFailures. A successful turn sets the count back to 0.
	MaxFailures int
	// Fallback is what the engine does when it gives up.
	Fallback Fallback
	// NoHuman, when After is not 0, acts on a conversation the bot handed
	// off (by an action or by Fallback) that no human took in time.
	NoHuman NoHuman
}

// Fallback hands a conversation to humans when the bot has failed.
type Fallback struct {
	// Team is the team whose queue the conversation joins; "" for the
	// queue it would have joined (the workspace's).
	Team string
	// Template names the template sent to the contact as an automatic
	// message ("one moment, a person will answer you"); "" for none.
	Template string
}

// NoHuman acts on a handed-off conversation that no agent took within
// After: it sends Template, gives the conversation back to the bot when
// BackToBot is set, or both. A conversation the bot turned off, or that
// Fallback handed off, is never given back to the bot.
type NoHuman struct {
	// After is the wait, in whole minutes; 0 turns NoHuman off.
	After     time.Duration
	Template  string
	BackToBot bool
}

// Defaults and bounds of a Bot's failure policy.
const (
	DefaultTurnTimeout = 10 * time.Second
	DefaultMaxFailures = 3
	MaxTurnTimeout     = 5 * time.Minute
	MaxMaxFailures     = 100
	// MaxNoHumanAfter bounds NoHuman.After.
	MaxNoHumanAfter = 7 * 24 * time.Hour
	// MaxBotName bounds a bot's and a template's name in a Bot, in bytes.
	MaxBotName = 128
)

// Timeout returns b's turn timeout, its default when unset.
func (b Bot) Timeout() time.Duration {
	if b.TurnTimeout == 0 {
		return DefaultTurnTimeout
	}
	return b.TurnTimeout
}

// Failures returns how many failed attempts make the engine give up on b,
// its default when unset.
func (b Bot) Failures() int {
	if b.MaxFailures == 0 {
		return DefaultMaxFailures
	}
	return b.MaxFailures
}

// Validate checks b: a name within MaxBotName, or no bot at all with no
// policy; TurnTimeout in [0, MaxTurnTimeout]; MaxFailures in [0,
// MaxMaxFailures]; the fallback's team and template names; and, when
// NoHuman.After is not 0, a whole number of minutes up to MaxNoHumanAfter
// that does something (a template, BackToBot or both). Errors wrap
// ErrInvalid.
func (b Bot) Validate() error {
	if b.Name == "" {
		if b != (Bot{}) {
			return fmt.Errorf("%w: a bot's failure policy without a bot (R2)", ErrInvalid)
		}
		return nil
	}
	if err := BotName(b.Name); err != nil {
		return err
	}
	switch {
	case b.TurnTimeout < 0 || b.TurnTimeout > MaxTurnTimeout:
		return fmt.Errorf("%w: bot turn timeout %v: 0 (the default) to %v (R2)", ErrInvalid, b.TurnTimeout, MaxTurnTimeout)
	case b.MaxFailures < 0 || b.MaxFailures > MaxMaxFailures:
		return fmt.Errorf("%w: bot max failures %d: 0 (the default) to %d (R2)", ErrInvalid, b.MaxFailures, MaxMaxFailures)
	}
	if b.Fallback.Team != "" {
		if err := botName("fallback team", b.Fallback.Team); err != nil {
			return err
		}
	}
	if b.Fallback.Template != "" {
		if err := botName("fallback template", b.Fallback.Template); err != nil {
			return err
		}
	}
	n := b.NoHuman
	if n.After == 0 {
		if n.Template != "" || n.BackToBot {
			return fmt.Errorf("%w: a no-human template or back-to-bot without a wait (R2)", ErrInvalid)
		}
		return nil
	}
	switch {
	case n.After < 0 || n.After > MaxNoHumanAfter || n.After%time.Minute != 0:
		return fmt.Errorf("%w: no-human wait %v: whole minutes, at most %v (R2)", ErrInvalid, n.After, MaxNoHumanAfter)
	case n.Template == "" && !n.BackToBot:
		return fmt.Errorf("%w: a no-human wait of %v that neither sends a template nor gives back to the bot (R2)", ErrInvalid, n.After)
	}
	if n.Template != "" {
		return botName("no-human template", n.Template)
	}
	return nil
}

// BotName checks a bot's name: not blank, at most MaxBotName bytes of
// UTF-8 without NUL bytes. Errors wrap ErrInvalid.
func BotName(name string) error { return botName("bot name", name) }

// botName checks a name of a Bot's settings.
func botName(what, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%w: empty %s (R2)", ErrInvalid, what)
	case len(name) > MaxBotName:
		return fmt.Errorf("%w: %s of %d bytes, longer than %d (R2)", ErrInvalid, what, len(name), MaxBotName)
	case !utf8.ValidString(name) || strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("%w: %s is not valid UTF-8 or holds a NUL byte (R2)", ErrInvalid, what)
	}
	return nil
}
