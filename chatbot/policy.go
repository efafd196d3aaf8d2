package chatbot

import (
	"time"

	"github.com/telenet/contactcenter/conversation"
)

// FailurePolicy says what the engine does when a channel's bot fails: a
// turn that returns an error, does not answer within TurnTimeout, or
// returns a reply Reply.Validate refuses as a whole. A bot that never
// answers must never leave a customer unanswered (R2): after MaxFailures
// failed attempts the engine gives up on the bot for the conversation and
// carries out Fallback.
//
// The zero FailurePolicy is not valid; DefaultFailurePolicy returns one
// that is.
type FailurePolicy struct {
	// TurnTimeout bounds one attempt of a turn: the context given to
	// Bot.Turn ends then. More than 0, at most MaxTurnTimeout.
	TurnTimeout time.Duration
	// MaxFailures is how many failed attempts of turns in a row, counted
	// per conversation, make the engine give up: at least 1, at most
	// MaxMaxFailures. A successful turn sets the count back to 0.
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
	// workspace's queue.
	Team conversation.TeamID
	// Template names the channel's template sent to the contact as an
	// automatic message ("one moment, a person will answer you"); "" for
	// none.
	Template string
}

// NoHuman acts on a handed-off conversation that no agent took within
// After: it sends Template, gives the conversation back to the bot
// (TurnTimedOut) when BackToBot is set, or both. A conversation the bot
// turned off (TurnOff) or that Fallback handed off is never given back.
type NoHuman struct {
	// After is the wait, in whole minutes; 0 turns NoHuman off.
	After     time.Duration
	Template  string
	BackToBot bool
}

// Bounds of a FailurePolicy.
const (
	MaxTurnTimeout = 5 * time.Minute
	MaxMaxFailures = 100
	// MaxNoHumanAfter bounds NoHuman.After.
	MaxNoHumanAfter = 7 * 24 * time.Hour
)

// DefaultFailurePolicy returns the policy of a channel whose settings name
// a bot and no policy: a turn timeout of 10 seconds, 3 failures, then the
// workspace's queue without a message, and NoHuman off.
func DefaultFailurePolicy() FailurePolicy {
	return FailurePolicy{TurnTimeout: 10 * time.Second, MaxFailures: 3}
}

// Validate checks p: TurnTimeout in (0, MaxTurnTimeout], MaxFailures in
// [1, MaxMaxFailures], the fallback's team id and template name, and, when
// NoHuman.After is not 0, a whole number of minutes up to MaxNoHumanAfter
// that does something (a template, BackToBot or both). Errors wrap
// ErrInvalid.
func (p FailurePolicy) Validate() error {
	switch {
	case p.TurnTimeout <= 0 || p.TurnTimeout > MaxTurnTimeout:
		return invalid("turn timeout %v: more than 0, at most %v", p.TurnTimeout, MaxTurnTimeout)
	case p.MaxFailures < 1 || p.MaxFailures > MaxMaxFailures:
		return invalid("max failures %d: 1 to %d", p.MaxFailures, MaxMaxFailures)
	}
	if p.Fallback.Team != "" {
		if err := validateID("fallback team id", string(p.Fallback.Team)); err != nil {
			return err
		}
	}
	if p.Fallback.Template != "" {
		if err := validateName("fallback template name", p.Fallback.Template); err != nil {
			return err
		}
	}
	n := p.NoHuman
	if n.After == 0 {
		if n.Template != "" || n.BackToBot {
			return invalid("no-human template or back-to-bot without a wait")
		}
		return nil
	}
	switch {
	case n.After < 0 || n.After > MaxNoHumanAfter || n.After%time.Minute != 0:
		return invalid("no-human wait %v: whole minutes, at most %v", n.After, MaxNoHumanAfter)
	case n.Template == "" && !n.BackToBot:
		return invalid("no-human wait of %v that neither sends a template nor gives back to the bot", n.After)
	}
	if n.Template != "" {
		return validateName("no-human template name", n.Template)
	}
	return nil
}
