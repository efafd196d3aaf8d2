package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// searchPerson is a contact the search cases store: its name, fields and
// identities (channel, external id).
type searchPerson struct {
	id     ticket.ContactID
	name   string
	fields map[string]string
	ids    [][2]string
}

// searchPeople are the contacts of the search cases: Spanish names with
// accents and case, words joined by punctuation, letters that fold to two
// (ß), a name that repeats a word, one external id on several channels and
// contacts.
var searchPeople = []searchPerson{
	{"c-jose", "José Muñoz", map[string]string{"plan": "gold", "customer_no": "A-1001"}, [][2]string{{"tg", "5550001"}, {"wa", "+34 600 111 222"}}},
	{"c-ana", "MUÑOZ Pérez, Ana", map[string]string{"plan": "gold"}, [][2]string{{"tg", "5550002"}}},
	{"c-maria", "María José García", map[string]string{"plan": "silver"}, [][2]string{{"tg", "5550003"}, {"sms", "+34 600 111 222"}}},
	{"c-jeanluc", "Jean-Luc O'Brien", map[string]string{"plan": "Gold"}, [][2]string{{"tg", "5550004"}}},
	{"c-strasse", "Herr Straße", nil, [][2]string{{"tg", "5550005"}, {"wa", "5550005"}}},
	{"c-zoe", "ZOË ÅNGSTRÖM", map[string]string{"plan": "gold"}, [][2]string{{"tg", "5550006"}}},
	{"c-anaana", "Ana Ana", nil, [][2]string{{"tg", "5550007"}}},
	{"c-noname", "", map[string]string{"customer_no": "A-1002"}, [][2]string{{"tg", "5550008"}}},
}

// storeSearchPeople stores people in workspace ws.
func storeSearchPeople(t testing.TB, s store.Store, ws ticket.WorkspaceID, people []searchPerson) {
	t.Helper()
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, p := range people {
			c := newContact(ws, p.id)
			c.Name, c.Fields = p.name, p.fields
			if err := tx.CreateContact(ctx(), c, channel.ID(p.ids[0][0]), p.ids[0][1]); err != nil {
				return err
			}
			for _, id := range p.ids[1:] {
				if err := tx.AddContactIdentity(ctx(), ws, c.ID, channel.ID(id[0]), id[1]); err != nil {
					return err
				}
			}
		}
		return nil
	}))
}

// searchAll reads every page of a search, and checks that each page is
// full but the last and that no contact comes twice.
func searchAll(t testing.TB, s store.Store, ws ticket.WorkspaceID, q store.ContactQuery) []ticket.ContactID {
	t.Helper()
	var out []ticket.ContactID
	seen := make(map[ticket.ContactID]bool)
	limit := q.Limit
	if limit == 0 {
		limit = store.DefaultContactPage
	}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 1000, "the pages end")
		var page []ticket.Contact
		var next store.ContactCursor
		require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) {
			page, next, err = tx.SearchContacts(ctx(), ws, q)
			return err
		}))
		for _, c := range page {
			assert.False(t, seen[c.ID], "%+v: contact %s comes once", q, c.ID)
			seen[c.ID] = true
			out = append(out, c.ID)
		}
		if next == "" {
			assert.LessOrEqual(t, len(page), limit)
			return out
		}
		assert.Len(t, page, limit, "a page before the last is full")
		q.After = next
	}
}

// testSearchContacts checks Tx.SearchContacts: what a name search
// matches (folded case and accents, from the start of any word, several
// words in a row), its order (the key found by, then id), an external id
// on any channel or on one, a field's exact value, paging at every size,
// workspace isolation, and the contacts the searches return whole.
func (h *harness) testSearchContacts(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("search"))
	other := ticket.WorkspaceID(newWorkspace("search-other"))
	storeSearchPeople(t, s, ws, searchPeople)
	storeSearchPeople(t, s, other, []searchPerson{{"c-jose", "José Muñoz", map[string]string{"plan": "gold"}, [][2]string{{"tg", "5550001"}}}})

	cases := []struct {
		q    store.ContactQuery
		want []ticket.ContactID
	}{
		// "jose garcia" (María José García) before "jose munoz".
		{store.ContactQuery{Name: "jose"}, []ticket.ContactID{"c-maria", "c-jose"}},
		{store.ContactQuery{Name: "José"}, []ticket.ContactID{"c-maria", "c-jose"}},
		{store.ContactQuery{Name: "JOSE"}, []ticket.ContactID{"c-maria", "c-jose"}},
		{store.ContactQuery{Name: "jo"}, []ticket.ContactID{"c-maria", "c-jose"}},
		// "munoz" (José Muñoz) before "munoz perez ana".
		{store.ContactQuery{Name: "muñoz"}, []ticket.ContactID{"c-jose", "c-ana"}},
		{store.ContactQuery{Name: "MUÑOZ"}, []ticket.ContactID{"c-jose", "c-ana"}},
		{store.ContactQuery{Name: "munoz"}, []ticket.ContactID{"c-jose", "c-ana"}},
		{store.ContactQuery{Name: "jose munoz"}, []ticket.ContactID{"c-jose"}},
		{store.ContactQuery{Name: "  José   MUÑOZ "}, []ticket.ContactID{"c-jose"}},
		{store.ContactQuery{Name: "maria jo"}, []ticket.ContactID{"c-maria"}},
		{store.ContactQuery{Name: "munoz perez, an"}, []ticket.ContactID{"c-ana"}},
		// "ana" (Ana Ana, found once), "ana ana", "ana" (MUÑOZ Pérez, Ana).
		{store.ContactQuery{Name: "ana"}, []ticket.ContactID{"c-ana", "c-anaana"}},
		{store.ContactQuery{Name: "ana ana"}, []ticket.ContactID{"c-anaana"}},
		{store.ContactQuery{Name: "luc"}, []ticket.ContactID{"c-jeanluc"}},
		{store.ContactQuery{Name: "jean luc"}, []ticket.ContactID{"c-jeanluc"}},
		{store.ContactQuery{Name: "o'bri"}, []ticket.ContactID{"c-jeanluc"}},
		{store.ContactQuery{Name: "strasse"}, []ticket.ContactID{"c-strasse"}},
		{store.ContactQuery{Name: "STRASSE"}, []ticket.ContactID{"c-strasse"}},
		{store.ContactQuery{Name: "zoe angstrom"}, []ticket.ContactID{"c-zoe"}},
		{store.ContactQuery{Name: "ｊｏｓé"}, []ticket.ContactID{"c-maria", "c-jose"}}, // full-width letters
		{store.ContactQuery{Name: "ose"}, nil},                                      // starts no word
		{store.ContactQuery{Name: "munoz jose"}, nil},                               // words in the name's order
		{store.ContactQuery{Name: "josé muñozz"}, nil},
		{store.ContactQuery{Name: "ExternalID"}, nil},

		{store.ContactQuery{ExternalID: "+34 600 111 222"}, []ticket.ContactID{"c-jose", "c-maria"}},
		{store.ContactQuery{ExternalID: "+34 600 111 222", Channel: "wa"}, []ticket.ContactID{"c-jose"}},
		{store.ContactQuery{ExternalID: "+34 600 111 222", Channel: "sms"}, []ticket.ContactID{"c-maria"}},
		{store.ContactQuery{ExternalID: "+34 600 111 222", Channel: "tg"}, nil},
		{store.ContactQuery{ExternalID: "5550005"}, []ticket.ContactID{"c-strasse"}}, // on two channels, once
		{store.ContactQuery{ExternalID: "555000"}, nil},                              // exact, not a prefix
		{store.ContactQuery{ExternalID: "5550001"}, []ticket.ContactID{"c-jose"}},

		{store.ContactQuery{FieldKey: "plan", FieldValue: "gold"}, []ticket.ContactID{"c-ana", "c-jose", "c-zoe"}},
		{store.ContactQuery{FieldKey: "plan", FieldValue: "Gold"}, []ticket.ContactID{"c-jeanluc"}},
		{store.ContactQuery{FieldKey: "plan", FieldValue: "gol"}, nil},
		{store.ContactQuery{FieldKey: "customer_no", FieldValue: "A-1002"}, []ticket.ContactID{"c-noname"}},
		{store.ContactQuery{FieldKey: "customer_no", FieldValue: "gold"}, nil},
	}
	for _, c := range cases {
		for _, limit := range []int{0, 1, 2, 3} {
			q := c.q
			q.Limit = limit
			got := searchAll(t, s, ws, q)
			assert.Equal(t, c.want, got, "%+v", q)
		}
	}

	// The contacts come whole, as Contact reads them.
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		page, next, err := tx.SearchContacts(ctx(), ws, store.ContactQuery{Name: "jose"})
		require.NoError(t, err)
		assert.Empty(t, next)
		require.Len(t, page, 2)
		for _, got := range page {
			want, err := tx.Contact(ctx(), ws, got.ID)
			require.NoError(t, err)
			assert.Equal(t, normContact(want), normContact(got))
		}
		return nil
	}))

	t.Run("unknown workspace", func(t *testing.T) {
		assert.Empty(t, searchAll(t, s, ticket.WorkspaceID(newWorkspace("search-none")), store.ContactQuery{Name: "jose"}))
	})
	t.Run("other workspace", func(t *testing.T) {
		for _, q := range []store.ContactQuery{{Name: "jose"}, {ExternalID: "5550001"}, {FieldKey: "plan", FieldValue: "gold"}} {
			assert.Equal(t, []ticket.ContactID{"c-jose"}, searchAll(t, s, other, q), "%+v", q)
		}
	})
}

// testSearchContactsWrites: what a search finds follows every write of
// a contact — a rename, a field set and unset, an identity added, a merge,
// an erasure — and a rolled back write changes nothing; a cursor stays
// valid while contacts are added before and after it.
func (h *harness) testSearchContactsWrites(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("search-writes"))
	storeSearchPeople(t, s, ws, searchPeople)
	find := func(q store.ContactQuery) []ticket.ContactID { t.Helper(); return searchAll(t, s, ws, q) }
	get := func(id ticket.ContactID) ticket.Contact {
		t.Helper()
		var c ticket.Contact
		require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) { c, err = tx.Contact(ctx(), ws, id); return err }))
		return c
	}
	update := func(c ticket.Contact) {
		t.Helper()
		c.Version++
		require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.UpdateContact(ctx(), c) }))
	}

	// A rolled back rename and field change leave the searches as they were.
	boom := errors.New("boom")
	jose := get("c-jose")
	renamed := jose
	renamed.Name, renamed.Fields = "Pepe Núñez", map[string]string{"plan": "bronze"}
	require.ErrorIs(t, s.Update(ctx(), func(tx store.Tx) error {
		c := renamed
		c.Version++
		if err := tx.UpdateContact(ctx(), c); err != nil {
			return err
		}
		page, _, err := tx.SearchContacts(ctx(), ws, store.ContactQuery{Name: "nunez"})
		require.NoError(t, err)
		require.Len(t, page, 1, "a transaction searches its own writes")
		return boom
	}), boom)
	assert.Equal(t, []ticket.ContactID{"c-jose"}, find(store.ContactQuery{Name: "jose munoz"}))
	assert.Empty(t, find(store.ContactQuery{Name: "nunez"}))
	assert.Empty(t, find(store.ContactQuery{FieldKey: "plan", FieldValue: "bronze"}))

	// A rename: the old name finds it no more, the new one does.
	update(renamed)
	assert.Empty(t, find(store.ContactQuery{Name: "jose munoz"}))
	assert.Equal(t, []ticket.ContactID{"c-maria"}, find(store.ContactQuery{Name: "jose"}))
	assert.Equal(t, []ticket.ContactID{"c-jose"}, find(store.ContactQuery{Name: "núñez"}))
	assert.Equal(t, []ticket.ContactID{"c-jose"}, find(store.ContactQuery{Name: "pepe"}))
	assert.Equal(t, []ticket.ContactID{"c-ana", "c-zoe"}, find(store.ContactQuery{FieldKey: "plan", FieldValue: "gold"}))
	assert.Equal(t, []ticket.ContactID{"c-jose"}, find(store.ContactQuery{FieldKey: "plan", FieldValue: "bronze"}))
	assert.Empty(t, find(store.ContactQuery{FieldKey: "customer_no", FieldValue: "A-1001"}), "an unset field finds it no more")

	// A field set, then unset.
	ana := get("c-ana")
	ana, err := ana.WithField("vip", "yes")
	require.NoError(t, err)
	update(ana)
	assert.Equal(t, []ticket.ContactID{"c-ana"}, find(store.ContactQuery{FieldKey: "vip", FieldValue: "yes"}))
	ana = get("c-ana")
	ana, err = ana.WithoutField("vip")
	require.NoError(t, err)
	update(ana)
	assert.Empty(t, find(store.ContactQuery{FieldKey: "vip", FieldValue: "yes"}))
	assert.Equal(t, []ticket.ContactID{"c-ana", "c-zoe"}, find(store.ContactQuery{FieldKey: "plan", FieldValue: "gold"}), "the other fields stay")

	// An identity added.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.AddContactIdentity(ctx(), ws, "c-ana", "viber", "+34 600 111 222") }))
	assert.Equal(t, []ticket.ContactID{"c-ana", "c-jose", "c-maria"}, find(store.ContactQuery{ExternalID: "+34 600 111 222"}))

	// A merge: from is found by nothing of its own, its identities find
	// into, which keeps its name and fields.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.MergeContacts(ctx(), ws, "c-ana", "c-zoe") }))
	assert.Empty(t, find(store.ContactQuery{Name: "zoe"}))
	assert.Equal(t, []ticket.ContactID{"c-ana"}, find(store.ContactQuery{FieldKey: "plan", FieldValue: "gold"}))
	assert.Equal(t, []ticket.ContactID{"c-ana"}, find(store.ContactQuery{ExternalID: "5550006"}))
	assert.Equal(t, []ticket.ContactID{"c-ana"}, find(store.ContactQuery{Name: "munoz"}))

	// An erasure: found by nothing.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.EraseContact(ctx(), ws, "c-maria") }))
	for _, q := range []store.ContactQuery{{Name: "maria"}, {Name: "garcia"}, {ExternalID: "5550003"}, {FieldKey: "plan", FieldValue: "silver"}} {
		assert.Empty(t, find(q), "%+v", q)
	}
	assert.Equal(t, []ticket.ContactID{"c-ana", "c-jose"}, find(store.ContactQuery{ExternalID: "+34 600 111 222"}))

	// A cursor outlives writes: contacts added before it and after it;
	// the next page starts after the contact it was taken from.
	var first []ticket.Contact
	var next store.ContactCursor
	q := store.ContactQuery{Name: "ana", Limit: 1}
	require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) { first, next, err = tx.SearchContacts(ctx(), ws, q); return err }))
	require.Len(t, first, 1)
	require.Equal(t, ticket.ContactID("c-ana"), first[0].ID) // found by "ana"
	require.NotEmpty(t, next)
	storeSearchPeople(t, s, ws, []searchPerson{
		{"c-aaa", "Ana", nil, [][2]string{{"tg", "5559001"}}},      // key "ana", id before c-ana: before the cursor
		{"c-zzz", "Ana Zeta", nil, [][2]string{{"tg", "5559002"}}}, // key "ana zeta": after it
	})
	q.After, q.Limit = next, 0
	var rest []ticket.ContactID
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		page, next, err := tx.SearchContacts(ctx(), ws, q)
		require.NoError(t, err)
		assert.Empty(t, next)
		for _, c := range page {
			rest = append(rest, c.ID)
		}
		return nil
	}))
	assert.Equal(t, []ticket.ContactID{"c-anaana", "c-zzz"}, rest)
}

// testSearchContactsInvalid: a query Normalize refuses fails with
// ticket.ErrInvalid, as Normalize says.
func (h *harness) testSearchContactsInvalid(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("search-invalid"))
	storeSearchPeople(t, s, ws, searchPeople[:2])
	var valid store.ContactCursor
	require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) {
		_, valid, err = tx.SearchContacts(ctx(), ws, store.ContactQuery{Name: "munoz", Limit: 1})
		return err
	}))
	require.NotEmpty(t, valid)
	long := strings.Repeat("a", store.MaxNameQuery+1)
	for name, q := range map[string]store.ContactQuery{
		"empty":                   {},
		"blank name":              {Name: "   "},
		"punctuation only":        {Name: "¡¿!?-'"},
		"marks only":              {Name: "\u0301\u0303"},
		"name too long":           {Name: long},
		"name too long, spaced":   {Name: strings.Repeat("a ", store.MaxNameQuery/2+1)},
		"name huge":               {Name: strings.Repeat("é", 100_000)},
		"name not UTF-8":          {Name: "jos\xff"},
		"two kinds":               {Name: "jose", ExternalID: "5550001"},
		"three kinds":             {Name: "jose", ExternalID: "5550001", FieldKey: "plan", FieldValue: "gold"},
		"channel alone":           {Channel: "tg"},
		"external id too long":    {ExternalID: strings.Repeat("1", store.MaxExternalIDQuery+1)},
		"external id NUL":         {ExternalID: "55\x0001"},
		"field key without value": {FieldKey: "plan"},
		"field value without key": {FieldValue: "gold"},
		"bad field key":           {FieldKey: "Plan", FieldValue: "gold"},
		"field value too long":    {FieldKey: "plan", FieldValue: strings.Repeat("g", ticket.MaxFieldValueBytes+1)},
		"negative limit":          {Name: "jose", Limit: -1},
		"limit too large":         {Name: "jose", Limit: store.MaxContactPage + 1},
		"garbage cursor":          {Name: "jose", After: "!!"},
		"cursor not ours":         {Name: "jose", After: store.ContactCursor("bm90IGEgY3Vyc29y")},
		"cursor of another kind":  {ExternalID: "5550001", After: valid},
		"cursor of a field":       {FieldKey: "plan", FieldValue: "gold", After: valid},
		"name cursor without key": {Name: "jose", After: store.ContactPosition(store.SearchByName, "", "c-jose")},
		"id cursor with a key":    {ExternalID: "5550001", After: store.ContactPosition(store.SearchByExternalID, "jose", "c-jose")},
		"cursor without id":       {Name: "jose", After: store.ContactPosition(store.SearchByName, "jose", "")},
	} {
		_, err := q.Normalize()
		assert.ErrorIs(t, err, ticket.ErrInvalid, "Normalize: %s", name)
		err = s.View(ctx(), func(tx store.Tx) error {
			_, _, err := tx.SearchContacts(ctx(), ws, q)
			return err
		})
		assert.ErrorIs(t, err, ticket.ErrInvalid, "%s", name)
	}
	// The longest name is searched.
	assert.Empty(t, searchAll(t, s, ws, store.ContactQuery{Name: long[1:]}))
	assert.Equal(t, []ticket.ContactID{"c-ana"}, searchAll(t, s, ws, store.ContactQuery{Name: "munoz", After: valid}), "a valid cursor")
}

// SearchBackfilled checks, for a SQL store's own test of migration 0010,
// that the contacts stored before it are found as every store finds
// them: workspace "w" holds contacts "k-0000"… named "Cliente NNNN",
// "k-0007" named "José Muñoz" with fields plan=gold and customer_no=A-7,
// "k-1100" named "MARÍA JOSÉ", each known on channel "tg" as "x" and its
// number, and another workspace a "José Muñoz" too.
func SearchBackfilled(t testing.TB, s store.Store) {
	t.Helper()
	for _, c := range []struct {
		q    store.ContactQuery
		want []ticket.ContactID
	}{
		{store.ContactQuery{Name: "jose"}, []ticket.ContactID{"k-1100", "k-0007"}}, // "jose" < "jose munoz"
		{store.ContactQuery{Name: "MUÑOZ"}, []ticket.ContactID{"k-0007"}},
		{store.ContactQuery{Name: "cliente 1201"}, []ticket.ContactID{"k-1201"}},
		{store.ContactQuery{Name: "0004"}, []ticket.ContactID{"k-0004"}},
		{store.ContactQuery{FieldKey: "plan", FieldValue: "gold"}, []ticket.ContactID{"k-0007"}},
		{store.ContactQuery{FieldKey: "customer_no", FieldValue: "A-7"}, []ticket.ContactID{"k-0007"}},
		{store.ContactQuery{ExternalID: "x1100"}, []ticket.ContactID{"k-1100"}},
	} {
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
			page, _, err := tx.SearchContacts(ctx(), "w", c.q)
			require.NoError(t, err)
			var got []ticket.ContactID
			for _, p := range page {
				got = append(got, p.ID)
			}
			assert.Equal(t, c.want, got, "%+v", c.q)
			return nil
		}))
	}
}
