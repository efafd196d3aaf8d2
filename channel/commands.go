package channel

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Default command words (R6).
const (
	DefaultNewCommand    = "/new"
	DefaultSwitchCommand = "/ticket"
	DefaultListCommand   = "/tickets"
)

// MaxCommandLen is the longest command word, slash included, in characters.
const MaxCommandLen = 64

// Commands are the settings of R6, multiple conversations per contact: a
// contact moves between their open tickets with three commands whose words
// each channel chooses. When Enabled is false, command words are ordinary
// text.
type Commands struct {
	Enabled bool
	// New opens a new ticket (R6.1); Switch moves to another open ticket
	// (R6.2); List lists the contact's open tickets (R6.3). An empty word
	// takes its default: /new, /ticket, /tickets.
	New, Switch, List string
	// ShowSubject shows each ticket's subject beside its number in the list
	// (R6.4); without it the list shows numbers only.
	ShowSubject bool
}

// Words returns the three command words, defaults filled in.
func (c Commands) Words() (newWord, switchWord, listWord string) {
	return orDefault(c.New, DefaultNewCommand), orDefault(c.Switch, DefaultSwitchCommand), orDefault(c.List, DefaultListCommand)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Validate reports the first rule the command words break: each starts
// with "/", has a name after it and no spaces, and the three are distinct
// (compared without case). The error wraps ErrInvalid.
func (c Commands) Validate() error {
	n, s, l := c.Words()
	for _, w := range []string{n, s, l} {
		switch {
		case !strings.HasPrefix(w, "/") || len(w) < 2:
			return fmt.Errorf("%w: command %q must be a slash and a name (R6)", ErrInvalid, w)
		case utf8.RuneCountInString(w) > MaxCommandLen:
			return fmt.Errorf("%w: command %q is longer than %d characters", ErrInvalid, w, MaxCommandLen)
		case !utf8.ValidString(w) || strings.IndexFunc(w, func(r rune) bool { return unicode.IsSpace(r) || r == '@' }) >= 0:
			return fmt.Errorf("%w: command %q contains a space or an @", ErrInvalid, w)
		case strings.Contains(w[1:], "/"):
			return fmt.Errorf("%w: command %q contains a second slash", ErrInvalid, w)
		}
	}
	fn, fs, fl := width.Fold.String(n), width.Fold.String(s), width.Fold.String(l)
	if strings.EqualFold(fn, fs) || strings.EqualFold(fn, fl) || strings.EqualFold(fs, fl) {
		return fmt.Errorf("%w: commands %q, %q and %q must be distinct", ErrInvalid, n, s, l)
	}
	return nil
}
