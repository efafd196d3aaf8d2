package command

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/internal/coded"
	"github.com/telenet/contactcenter/ticket"
)

// Kind is what a command asks for.
type Kind uint8

// Commands.
const (
	// New closes the current conversation and opens a new ticket (R6.1).
	New Kind = iota + 1
	// Switch closes the current conversation and opens one on another of
	// the contact's open tickets (R6.2).
	Switch
	// List lists the contact's open tickets (R6.3).
	List
)

// String returns "new", "switch" or "list".
func (k Kind) String() string {
	switch k {
	case New:
		return "new"
	case Switch:
		return "switch"
	case List:
		return "list"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Command is a parsed command.
type Command struct {
	Kind Kind
	// Word is the channel's word for the command, as configured ("/ticket").
	Word string
	// Subject is the text after a New command, trimmed, as the contact
	// wrote it; possibly empty.
	Subject string
	// Number is the ticket a Switch command names.
	Number ticket.Number
}

// ErrUsage is returned by Parse for a switch command without a valid
// ticket number; the contact gets the usage answer (R6.2).
var ErrUsage error = coded.New("invalid", "command usage")

// maxNumberDigits bounds the digits of a ticket number.
const maxNumberDigits = 18

// Parse reads text as a contact's command under a channel's command
// settings. ok is false for ordinary text, which includes every text when
// the settings are off, unknown commands, and commands addressed to another
// bot (/cmd@OtherBot; bot is this bot's name, "" to accept any). For a
// switch command whose number is missing or malformed, Parse returns ok and
// an error wrapping ErrUsage.
//
// Words are compared without case; full-width forms count as their ASCII
// twins (／ｔｉｃｋｅｔ　＃１４３２); extra spaces are ignored.
func Parse(text string, s channel.Commands, bot string) (c Command, ok bool, err error) {
	if !s.Enabled || !mayBeCommand(text) {
		return Command{}, false, nil
	}
	text = strings.TrimSpace(text)
	first, rest, _ := strings.Cut(text, " ")
	if i := strings.IndexFunc(first, unicode.IsSpace); i >= 0 {
		first, rest = first[:i], first[i:]+" "+rest
	}
	word := foldWidth(first)
	if i := strings.IndexFunc(word, unicode.IsSpace); i >= 0 {
		// A full-width space folded to an ASCII one inside the first token.
		rest = word[i:] + " " + rest
		word = word[:i]
	}
	rest = strings.TrimSpace(rest)
	if name, target, found := strings.Cut(word, "@"); found {
		if bot != "" && !strings.EqualFold(target, strings.TrimPrefix(bot, "@")) {
			return Command{}, false, nil
		}
		word = name
	}
	newWord, switchWord, listWord := s.Words()
	switch {
	case sameWord(word, newWord):
		return Command{Kind: New, Word: newWord, Subject: rest}, true, nil
	case sameWord(word, listWord):
		return Command{Kind: List, Word: listWord}, true, nil
	case sameWord(word, switchWord):
		c = Command{Kind: Switch, Word: switchWord}
		num := rest
		if strings.ContainsFunc(num, unicode.IsSpace) {
			num = strings.Join(strings.Fields(num), " ")
		}
		n, err := parseNumber(foldWidth(num))
		if err != nil {
			return c, true, fmt.Errorf("%s %q: %w", switchWord, rest, err)
		}
		c.Number = n
		return c, true, nil
	}
	return Command{}, false, nil
}

// sameWord reports whether typed, already folded, is the configured word:
// without case, full-width forms as their ASCII twins.
func sameWord(typed, word string) bool {
	return strings.EqualFold(typed, foldWidth(word))
}

// foldWidth returns s with its full-width forms as their ASCII twins
// (width.Fold), and ASCII text as it is, without the cost of a
// transformer: the commands contacts type are ASCII.
func foldWidth(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return width.Fold.String(s)
		}
	}
	return s
}

// mayBeCommand reports whether text starts, after spaces, with a slash or
// a full-width slash: the only texts worth parsing.
func mayBeCommand(text string) bool {
	for i, r := range text {
		if r == '/' || r == '／' {
			return true
		}
		if !unicode.IsSpace(r) {
			return false
		}
		if i > 64 {
			return false
		}
	}
	return false
}

// parseNumber reads a ticket number: digits, optionally after a "#".
func parseNumber(s string) (ticket.Number, error) {
	s = strings.TrimSpace(strings.TrimPrefix(s, "#"))
	if s == "" {
		return 0, fmt.Errorf("%w: no ticket number", ErrUsage)
	}
	if len(s) > maxNumberDigits || !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, fmt.Errorf("%w: %q is not a ticket number", ErrUsage, s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: %q is not a ticket number", ErrUsage, s)
	}
	return ticket.Number(n), nil
}
