// Package textfold folds text for comparisons that ignore case and
// accents: what a contact writes ("FÁCTURA") matches what an author wrote
// ("factura").
package textfold

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// tableSize bounds the runes folded from a table: Latin, Greek,
// Cyrillic, Armenian, Hebrew and Arabic, where each rune folds alone.
const tableSize = 0x800

// table holds each rune below tableSize as Fold makes it, built once.
var table = sync.OnceValue(func() *[tableSize]string {
	var t [tableSize]string
	for r := range rune(tableSize) {
		t[r] = chain(string(r))
	}
	return &t
})

// Fold returns s case-folded and without accents: decomposed (NFD), its
// combining marks removed, case-folded and composed again (NFC). Text of
// runes below U+0800, the most common, is folded rune by rune from a
// table, which gives what those steps give. It is safe for concurrent
// use.
func Fold(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder // one allocation: the folded text
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	t := table()
	for i < len(s) {
		c := s[i]
		switch {
		case c < utf8.RuneSelf:
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
		case c >= 0xC2 && c <= 0xDF && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			// Two bytes: a rune below U+0800, in the table.
			b.WriteString(t[rune(c&0x1F)<<6|rune(s[i+1]&0x3F)])
			i += 2
		default:
			return chain(s)
		}
	}
	return b.String()
}

// chain is Fold as one chain of x/text transformers, made per call: a
// chain holds buffers and is not safe for concurrent use.
func chain(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), cases.Fold(), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}
