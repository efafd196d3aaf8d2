package store_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// SearchFold folds case (fully: ß is ss), compatibility forms and
// accents, and cuts words at what is no letter nor digit; folding twice
// is folding once.
func TestSearchFold(t *testing.T) {
	for in, want := range map[string]string{
		"José":                 "jose",
		"MUÑOZ":                "munoz",
		"muñoz":                "munoz",
		"María José  García":   "maria jose garcia",
		"Jean-Luc O'Brien":     "jean luc o brien",
		"Straße":               "strasse",
		"ZOË ÅNGSTRÖM":         "zoe angstrom",
		"Ｊｏｓé":                 "jose",
		"İstanbul":             "istanbul",
		"Ĳsselmeer ﬁnca":       "ijsselmeer finca",
		"Łódź Øre":             "łodz øre",
		"Σίσυφος":              "σισυφοσ",
		"Иван Петров":          "иван петров",
		"  ¡Hola!, ¿qué tal? ": "hola que tal",
		"n\u0303":              "n",
		"007 Bond":             "007 bond",
		"":                     "",
		"!!!":                  "",
	} {
		got := store.SearchFold(in)
		assert.Equal(t, want, got, "%q", in)
		assert.Equal(t, got, store.SearchFold(got), "folding %q again", in)
	}
}

// A name's keys are the folded name from each of its first MaxNameWords
// words, cut to MaxNameQuery characters, sorted, without repeats.
func TestContactNameKeys(t *testing.T) {
	assert.Equal(t, []string{"jose munoz", "munoz"}, store.ContactNameKeys("José Muñoz"))
	assert.Equal(t, []string{"ana", "ana ana"}, store.ContactNameKeys("Ana Ana"))
	assert.Equal(t, []string{"garcia", "jose garcia", "maria jose garcia"}, store.ContactNameKeys("María José García"))
	assert.Empty(t, store.ContactNameKeys(""))
	assert.Empty(t, store.ContactNameKeys(" -- "))

	words := make([]string, store.MaxNameWords+3)
	for i := range words {
		words[i] = string(rune('a' + i))
	}
	keys := store.ContactNameKeys(strings.Join(words, " "))
	assert.Len(t, keys, store.MaxNameWords, "the first MaxNameWords words start keys")
	assert.Equal(t, strings.Join(words, " "), keys[0])

	long := strings.Repeat("ñ", 150) + " x"
	keys = store.ContactNameKeys(long)
	require.Len(t, keys, 2)
	assert.Equal(t, store.MaxNameQuery, utf8.RuneCountInString(keys[0]), "cut to MaxNameQuery characters")
	assert.Equal(t, "x", keys[1])
	q, err := store.ContactQuery{Name: strings.Repeat("n", store.MaxNameQuery)}.Normalize()
	require.NoError(t, err)
	_, ok := store.ContactMatchKey(q, ticket.Contact{Name: long})
	assert.True(t, ok, "the longest search finds the cut key")
	assert.Less(t, keys[0], store.NamePrefixEnd(q.Name))
}

// A cursor names its kind of search: it decodes for that kind, and only
// for it.
func TestContactCursor(t *testing.T) {
	for _, c := range []struct {
		q   store.ContactQuery
		key string
	}{
		{store.ContactQuery{Name: "Jo"}, "jose munoz"},
		{store.ContactQuery{Name: "Jo"}, "jo.5.x"},
		{store.ContactQuery{ExternalID: "42"}, ""},
		{store.ContactQuery{FieldKey: "plan", FieldValue: "oro"}, ""},
	} {
		q, err := c.q.Normalize()
		require.NoError(t, err)
		assert.Equal(t, store.DefaultContactPage, q.Limit)
		q.After = store.ContactPosition(q.Kind(), c.key, "c.7.é")
		q, err = q.Normalize()
		require.NoError(t, err)
		key, id, ok := q.Position()
		assert.True(t, ok)
		assert.Equal(t, c.key, key)
		assert.Equal(t, ticket.ContactID("c.7.é"), id)
	}
	q, err := store.ContactQuery{Name: "Jo"}.Normalize()
	require.NoError(t, err)
	assert.Equal(t, "jo", q.Name)
	_, _, ok := q.Position()
	assert.False(t, ok, "no cursor")
}

// The way SearchFold takes for ASCII text answers what the way for any
// text answers.
func TestSearchFoldASCII(t *testing.T) {
	var all strings.Builder
	for c := 0; c < utf8.RuneSelf; c++ {
		all.WriteByte(byte(c))
	}
	for _, s := range []string{all.String(), "  Jean-Luc  O'Brien 007 ", "ABC\x00def\tGHI", "K", "a"} {
		// A character beyond ASCII that folds to nothing and separates
		// nothing sends s the other way.
		assert.Equal(t, store.SearchFold(s+"\u0301"), store.SearchFold(s), "%q", s)
	}
}
