package natsjs_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/events/natsjs"
	"github.com/telenet/contactcenter/ticket"
)

// validToken reports whether tok is one token of a subject one can publish
// to: not empty, no '.', whitespace or control byte, not a wildcard, and
// printable ASCII only.
func validToken(tok string) bool {
	if tok == "" || tok == "*" || tok == ">" {
		return false
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c <= ' ' || c >= 0x7f || c == '.' || c == '*' || c == '>' {
			return false
		}
	}
	return true
}

// Ids that would break a subject, or look like one another, get tokens
// that cannot, each its own.
func TestEscapeToken(t *testing.T) {
	cases := map[string]string{
		"":           natsjs.NoneToken,
		"ws1":        "ws1",
		"lk3x9-1a":   "lk3x9-1a",
		"under_line": "under_line",
		"a.b":        "a%2Eb",
		"*":          "%2A",
		">":          "%3E",
		"a b":        "a%20b",
		"tab\there":  "tab%09here",
		"line\n":     "line%0A",
		"%":          "%25",
		"%25":        "%2525",
		"ñ":          "%C3%B1",
		"a/b:c":      "a%2Fb%3Ac",
	}
	seen := map[string]string{}
	for id, want := range cases {
		tok := natsjs.EscapeToken(id)
		assert.Equal(t, want, tok, "id %q", id)
		assert.True(t, validToken(tok), "token %q of %q", tok, id)
		back, err := natsjs.UnescapeToken(tok)
		require.NoError(t, err, "token %q", tok)
		assert.Equal(t, id, back)
		if other, dup := seen[tok]; dup {
			t.Errorf("ids %q and %q share the token %q", id, other, tok)
		}
		seen[tok] = id
	}
}

// Tokens that EscapeToken never gives are refused, so that each token has
// one id and each id one token.
func TestUnescapeTokenRefuses(t *testing.T) {
	for _, tok := range []string{"", "a.b", "a b", "%2", "%2e", "%G0", "%41", "a*", "ñ", "x%", "%%"} {
		_, err := natsjs.UnescapeToken(tok)
		assert.ErrorIs(t, err, natsjs.ErrInvalidSubject, "token %q", tok)
	}
}

// A subject names its workspace and conversation, both read back.
func TestSubject(t *testing.T) {
	s := natsjs.Subject("contactcenter.events", "acme.eu", "c-1")
	assert.Equal(t, "contactcenter.events.acme%2Eeu.c-1", s)
	ws, conv, err := natsjs.ParseSubject("contactcenter.events", s)
	require.NoError(t, err)
	assert.Equal(t, ticket.WorkspaceID("acme.eu"), ws)
	assert.Equal(t, conversation.ID("c-1"), conv)

	none := natsjs.Subject("p", "w", "")
	assert.Equal(t, "p.w.%", none, "an event of no conversation")
	ws, conv, err = natsjs.ParseSubject("p", none)
	require.NoError(t, err)
	assert.Equal(t, ticket.WorkspaceID("w"), ws)
	assert.Empty(t, conv)

	assert.Equal(t, "p.a%3Eb.>", natsjs.WorkspaceSubjects("p", "a>b"))

	for _, bad := range []string{"q.w.c", "p.w", "p.w.c.d", "p.w.a b", "p"} {
		_, _, err := natsjs.ParseSubject("p", bad)
		assert.ErrorIs(t, err, natsjs.ErrInvalidSubject, "subject %q", bad)
	}
}

// checkToken fails t unless id's token is valid and gives id back, and
// the token's id gives the token back (so no two ids share a token).
func checkToken(t *testing.T, id string) {
	tok := natsjs.EscapeToken(id)
	if !validToken(tok) {
		t.Fatalf("EscapeToken(%q) = %q, not a valid token", id, tok)
	}
	back, err := natsjs.UnescapeToken(tok)
	if err != nil || back != id {
		t.Fatalf("UnescapeToken(EscapeToken(%q)) = %q, %v", id, back, err)
	}
	if strings.Contains(tok, ".") || !utf8.ValidString(tok) {
		t.Fatalf("token %q", tok)
	}
}

// Every id has a valid token that gives it back; every token that reads
// as an id is that id's token: the escaping is a bijection between ids
// and the tokens it gives, so it is injective.
func FuzzEscapeToken(f *testing.F) {
	for _, s := range []string{"", "ws", "a.b", "*", ">", " ", "%", "%41", "%2E", "ñ", "\x00", "\xff", "a_b-c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkToken(t, s)
		// s read as a token: if it is one, it is its id's token.
		if id, err := natsjs.UnescapeToken(s); err == nil {
			if got := natsjs.EscapeToken(id); got != s {
				t.Fatalf("token %q reads as %q, whose token is %q", s, id, got)
			}
		} else if !errors.Is(err, natsjs.ErrInvalidSubject) {
			t.Fatalf("UnescapeToken(%q): %v", s, err)
		}
	})
}

// Two ids never share a token, over every id of up to two bytes: a whole
// check of the small cases, with no server.
func TestEscapeTokenInjectiveSmall(t *testing.T) {
	seen := make(map[string]string, 1<<17)
	add := func(id string) {
		tok := natsjs.EscapeToken(id)
		if !validToken(tok) {
			t.Fatalf("EscapeToken(%q) = %q, not a valid token", id, tok)
		}
		if other, dup := seen[tok]; dup {
			t.Fatalf("ids %q and %q share the token %q", id, other, tok)
		}
		seen[tok] = id
	}
	add("")
	for a := range 256 {
		add(string([]byte{byte(a)}))
		for b := range 256 {
			add(string([]byte{byte(a), byte(b)}))
		}
	}
	assert.Len(t, seen, 1+256+256*256)
}
