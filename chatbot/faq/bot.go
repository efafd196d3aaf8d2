package faq

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
)

// Reason says why Match chose as it did.
type Reason uint8

// Reasons of a Match.
const (
	// Answered: the best entry is confident enough.
	Answered Reason = iota + 1
	// AskedForHuman: the text holds a hand-off word of the language.
	AskedForHuman
	// LowScore: the best score is below MinScore (or nothing matched).
	LowScore
	// TooClose: the best score is below MinLead times the second's.
	TooClose
)

var reasonNames = [...]string{Answered: "answered", AskedForHuman: "asked for a human", LowScore: "low score", TooClose: "too close to another answer"}

// String names r.
func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Match is the outcome of matching a text.
type Match struct {
	Reason Reason
	// Language is the base language matched in.
	Language string
	// Entry is the position in Set.Entries of the best entry, or -1.
	Entry int
	// Answer is the best entry's answer when Reason is Answered.
	Answer string
	// Score and Second are the BM25 scores of the best entry and of the
	// best other entry.
	Score, Second float64
}

// HandOff reports whether the match hands the conversation to humans.
func (m Match) HandOff() bool { return m.Reason != Answered }

// Match matches text in the contact's language lang (a BCP 47 tag). When
// lang is "" or has no entries the bot matches in DefaultLanguage or, with
// none, in every language and takes the best score (the earliest language
// in alphabetical order on a tie). The hand-off words of every language
// count, whatever the contact's language: a channel's idea of a contact's
// language is often their phone's.
func (b *Bot) Match(lang, text string) Match {
	ws := words(text)
	tried := b.order
	if d, err := base(lang); err == nil && b.langs[d] != nil {
		tried = []string{d}
	} else if b.def != "" {
		tried = []string{b.def}
	}
	for _, d := range b.order {
		if hasPhrase(ws, b.hand[d]) {
			return Match{Reason: AskedForHuman, Language: tried[0], Entry: -1}
		}
	}
	m := Match{Reason: LowScore, Language: tried[0], Entry: -1}
	for _, d := range tried {
		ix := b.langs[d]
		if ix == nil {
			continue
		}
		e, s, second := ix.best(ws)
		if e >= 0 && s > m.Score {
			m.Language, m.Entry, m.Score, m.Second = d, e, s, second
		}
	}
	switch {
	case m.Entry < 0 || m.Score < b.set.MinScore:
		m.Reason = LowScore
	case m.Score < b.set.MinLead*m.Second:
		m.Reason = TooClose
	default:
		m.Reason, m.Answer = Answered, b.set.Entries[m.Entry].Answer
	}
	return m
}

func hasPhrase(ws []string, phrases [][]string) bool {
	for _, p := range phrases {
	scan:
		for i := 0; i+len(p) <= len(ws); i++ {
			for j, w := range p {
				if ws[i+j] != w {
					continue scan
				}
			}
			return true
		}
	}
	return false
}

// Turn answers a turn: the contact's messages, joined, are matched
// (Match) in the contact's language, and the reply is the entry's answer,
// or, on a hand-off, the language's HandOffMessage and a chatbot.HandOff
// to HandOffTeam with a note that says why. The first turn of a
// conversation (chatbot.TurnOpened) is preceded by the language's
// Greeting. A turn without messages (resumed, timed out) gets an empty
// reply. State is returned unchanged. A turn that chatbot.Turn.Validate
// refuses is an error wrapping chatbot.ErrInvalid.
func (b *Bot) Turn(_ context.Context, t chatbot.Turn) (chatbot.Reply, error) {
	if err := t.Validate(); err != nil {
		return chatbot.Reply{}, err
	}
	r := chatbot.Reply{State: t.State}
	if len(t.Messages) == 0 {
		return r, nil
	}
	text := t.Text()
	m := b.Match(t.Contact.Language, text)
	l := b.set.Languages[m.Language]
	if t.Kind == chatbot.TurnOpened && l.Greeting != "" {
		r.Messages = append(r.Messages, chatbot.Message{Text: l.Greeting})
	}
	if !m.HandOff() {
		r.Messages = append(r.Messages, chatbot.Message{Text: m.Answer})
		return r, nil
	}
	if l.HandOffMessage != "" {
		r.Messages = append(r.Messages, chatbot.Message{Text: l.HandOffMessage})
	}
	var note string
	switch m.Reason {
	case AskedForHuman:
		note = fmt.Sprintf("FAQ bot: the contact asked for a person: %q", quote(text))
	case TooClose:
		note = fmt.Sprintf("FAQ bot: two answers fit equally (%.2f and %.2f): %q", m.Score, m.Second, quote(text))
	default:
		note = fmt.Sprintf("FAQ bot: no answer fits (best score %.2f): %q", m.Score, quote(text))
	}
	r.Actions = []chatbot.Action{chatbot.HandOff{Team: conversation.TeamID(b.set.HandOffTeam), Note: note}}
	return r, nil
}

// quote cuts text to 200 characters for a note.
func quote(text string) string {
	const n = 200
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)
	return string(r[:n]) + "…"
}

var _ chatbot.Bot = (*Bot)(nil)
