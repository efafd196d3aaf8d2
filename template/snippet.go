package template

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Snippet is a saved reply that agents pick by its shortcut (R14).
type Snippet struct {
	// Shortcut is what agents type to find it: lower-case letters,
	// digits, '-' and '_', at most 32.
	Shortcut string
	Template *Template
}

// Snippets is a set of snippets looked up by shortcut. It is safe for
// concurrent use.
type Snippets struct {
	mu     sync.RWMutex
	byName []Snippet // sorted by shortcut
}

// MaxShortcutLen bounds a snippet's shortcut.
const MaxShortcutLen = 32

// ValidShortcut reports why s cannot be a shortcut, as an error wrapping
// ErrInvalid, or nil.
func ValidShortcut(s string) error {
	if s == "" || len(s) > MaxShortcutLen {
		return fmt.Errorf("%w: shortcut %q: 1 to %d characters", ErrInvalid, s, MaxShortcutLen)
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%w: shortcut %q: only lower-case letters, digits, - and _", ErrInvalid, s)
		}
	}
	return nil
}

// Put saves sn, replacing the snippet with the same shortcut.
func (s *Snippets) Put(sn Snippet) error {
	if err := ValidShortcut(sn.Shortcut); err != nil {
		return err
	}
	if sn.Template == nil {
		return fmt.Errorf("%w: snippet %q without a template", ErrInvalid, sn.Shortcut)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, found := slices.BinarySearchFunc(s.byName, sn.Shortcut, byShortcut)
	if found {
		s.byName[i] = sn
	} else {
		s.byName = slices.Insert(s.byName, i, sn)
	}
	return nil
}

// Delete removes the snippet with shortcut and reports whether there was one.
func (s *Snippets) Delete(shortcut string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, found := slices.BinarySearchFunc(s.byName, shortcut, byShortcut)
	if found {
		s.byName = slices.Delete(s.byName, i, i+1)
	}
	return found
}

// Get returns the snippet with shortcut.
func (s *Snippets) Get(shortcut string) (Snippet, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, found := slices.BinarySearchFunc(s.byName, shortcut, byShortcut)
	if !found {
		return Snippet{}, false
	}
	return s.byName[i], true
}

// Find returns the snippets whose shortcut starts with prefix (ignoring
// case and a leading '/'), in shortcut order, at most limit (0: all).
func (s *Snippets) Find(prefix string, limit int) []Snippet {
	prefix = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(prefix), "/"))
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, _ := slices.BinarySearchFunc(s.byName, prefix, byShortcut)
	var out []Snippet
	for ; i < len(s.byName) && strings.HasPrefix(s.byName[i].Shortcut, prefix); i++ {
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, s.byName[i])
	}
	return out
}

func byShortcut(sn Snippet, shortcut string) int { return strings.Compare(sn.Shortcut, shortcut) }
