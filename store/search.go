package store

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/ticket"
)

// Sizes of Tx.SearchContacts.
const (
	// DefaultContactPage is the page size of a ContactQuery whose Limit
	// is 0.
	DefaultContactPage = 50
	// MaxContactPage is the largest Limit a ContactQuery may ask for.
	MaxContactPage = 200
	// MaxNameQuery is the longest name a ContactQuery may search for, in
	// characters once folded (SearchFold); the stores keep each key of a
	// name (ContactNameKeys) to that length.
	MaxNameQuery = 100
	// MaxNameWords is how many words of a contact's name start a key
	// (ContactNameKeys): a search finds a name by any of its first
	// MaxNameWords words.
	MaxNameWords = 10
	// MaxExternalIDQuery is the longest external id a ContactQuery may
	// search for, in bytes.
	MaxExternalIDQuery = 1024
)

// ContactQuery selects a page of a workspace's contacts for
// Tx.SearchContacts. Exactly one kind of search is set: Name, ExternalID
// (with Channel or without) or FieldKey with FieldValue.
type ContactQuery struct {
	// Name finds the contacts whose name holds, from the start of one of
	// its words, the words of Name: both folded by SearchFold, so that
	// case, accents and punctuation do not count ("jose" finds "José
	// Muñoz", "muñoz" and "MUNOZ" find it too, "maria jo" finds "Ana
	// María José"; "ose" finds nothing, as it starts no word). At most
	// MaxNameQuery characters once folded, and not empty.
	Name string
	// ExternalID finds the contacts known by exactly this id on a
	// channel (their identities: CreateContact, AddContactIdentity); on
	// Channel only when Channel is set, on any channel otherwise. At most
	// MaxExternalIDQuery bytes.
	ExternalID string
	// Channel narrows an ExternalID search to one channel; it may be set
	// only with ExternalID.
	Channel channel.ID
	// FieldKey and FieldValue find the contacts whose custom field
	// FieldKey holds exactly FieldValue (compared as stored,
	// case-sensitively). The key must pass ticket.ValidateFieldKey and
	// the value ticket.ValidateFieldValue.
	FieldKey, FieldValue string
	// Limit is the page size: 0 means DefaultContactPage; at most
	// MaxContactPage.
	Limit int
	// After starts the page after this position: the next cursor of the
	// previous page of the same search. The empty cursor starts at the
	// beginning.
	After ContactCursor
}

// ContactSearchKind names the kind of a ContactQuery.
type ContactSearchKind int

// Kinds of contact search.
const (
	// SearchByName: ContactQuery.Name.
	SearchByName ContactSearchKind = iota + 1
	// SearchByExternalID: ContactQuery.ExternalID, with Channel or
	// without.
	SearchByExternalID
	// SearchByField: ContactQuery.FieldKey and FieldValue.
	SearchByField
)

// Kind returns the kind of search q makes, 0 when it sets none or more
// than one.
func (q ContactQuery) Kind() ContactSearchKind {
	var kinds []ContactSearchKind
	if q.Name != "" {
		kinds = append(kinds, SearchByName)
	}
	if q.ExternalID != "" || q.Channel != "" {
		kinds = append(kinds, SearchByExternalID)
	}
	if q.FieldKey != "" || q.FieldValue != "" {
		kinds = append(kinds, SearchByField)
	}
	if len(kinds) != 1 {
		return 0
	}
	return kinds[0]
}

// Normalize returns q as stores apply it: Limit defaulted, Name folded
// (SearchFold). It fails with ticket.ErrInvalid for a query that sets no
// kind of search or more than one, an empty name (nothing left once
// folded), a name longer than MaxNameQuery characters once folded, an
// empty external id or one longer than MaxExternalIDQuery bytes or not
// UTF-8 text without NUL bytes, a Channel without ExternalID, a field key
// or value the ticket package refuses, a Limit below 0 or above
// MaxContactPage, or a cursor that no ContactPosition of the same search
// made.
func (q ContactQuery) Normalize() (ContactQuery, error) {
	switch {
	case q.Limit < 0 || q.Limit > MaxContactPage:
		return q, fmt.Errorf("%w: page size %d outside 0…%d", ticket.ErrInvalid, q.Limit, MaxContactPage)
	case q.Limit == 0:
		q.Limit = DefaultContactPage
	}
	switch q.Kind() {
	case SearchByName:
		// A name longer than this cannot fold to MaxNameQuery
		// characters or fewer; refusing it first bounds the work.
		if len(q.Name) > 16*MaxNameQuery {
			return q, fmt.Errorf("%w: contact search of %d bytes, longer than %d characters", ticket.ErrInvalid, len(q.Name), MaxNameQuery)
		}
		if !utf8.ValidString(q.Name) {
			return q, fmt.Errorf("%w: contact search is not valid UTF-8", ticket.ErrInvalid)
		}
		folded := SearchFold(q.Name)
		switch n := utf8.RuneCountInString(folded); {
		case n == 0:
			return q, fmt.Errorf("%w: contact search %q holds no letter or digit", ticket.ErrInvalid, q.Name)
		case n > MaxNameQuery:
			return q, fmt.Errorf("%w: contact search of %d characters, longer than %d", ticket.ErrInvalid, n, MaxNameQuery)
		}
		q.Name = folded
	case SearchByExternalID:
		switch {
		case q.ExternalID == "":
			return q, fmt.Errorf("%w: contact search by channel %q without an external id", ticket.ErrInvalid, q.Channel)
		case len(q.ExternalID) > MaxExternalIDQuery:
			return q, fmt.Errorf("%w: external id of %d bytes, longer than %d", ticket.ErrInvalid, len(q.ExternalID), MaxExternalIDQuery)
		case !utf8.ValidString(q.ExternalID) || strings.IndexByte(q.ExternalID, 0) >= 0:
			return q, fmt.Errorf("%w: external id is not UTF-8 text without NUL bytes", ticket.ErrInvalid)
		}
	case SearchByField:
		if err := ticket.ValidateFieldKey(q.FieldKey); err != nil {
			return q, err
		}
		if err := ticket.ValidateFieldValue(q.FieldValue); err != nil {
			return q, fmt.Errorf("field %q: %w", q.FieldKey, err)
		}
	default:
		return q, fmt.Errorf("%w: a contact search sets exactly one of a name, an external id, a field", ticket.ErrInvalid)
	}
	if _, _, _, err := q.After.position(q.Kind()); err != nil {
		return q, err
	}
	return q, nil
}

// Position returns the position of the cursor in the order of q's kind of
// search: the key the contact was found by (SearchByName; empty for the
// other kinds) and its id. The empty cursor has ok false. q must be
// normalized.
func (q ContactQuery) Position() (key string, id ticket.ContactID, ok bool) {
	key, id, ok, _ = q.After.position(q.Kind())
	return key, id, ok
}

// ContactCursor is an opaque position in the order of one kind of
// Tx.SearchContacts: for a name, by the key a contact was found by
// (ContactNameKeys), then id; for an external id or a field, by id. A
// cursor stays valid while contacts are added or changed: the next page
// starts after the contact it was taken from, wherever the others moved.
type ContactCursor string

// ContactPosition returns the cursor just after contact c, found by key
// (its smallest name key with the search as prefix; empty for the other
// kinds), in the order of a search of kind k.
func ContactPosition(k ContactSearchKind, key string, c ticket.ContactID) ContactCursor {
	s := strconv.Itoa(int(k)) + "." + strconv.Itoa(len(key)) + "." + key + string(c)
	return ContactCursor(base64.RawURLEncoding.EncodeToString([]byte(s)))
}

// position decodes the cursor for a search of kind k: one made for
// another kind of search, or by no ContactPosition, fails with
// ticket.ErrInvalid.
func (c ContactCursor) position(k ContactSearchKind) (key string, id ticket.ContactID, ok bool, err error) {
	if c == "" {
		return "", "", false, nil
	}
	bad := fmt.Errorf("%w: malformed contact search cursor", ticket.ErrInvalid)
	raw, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil {
		return "", "", false, bad
	}
	kind, rest, ok1 := strings.Cut(string(raw), ".")
	n, rest, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || kind != strconv.Itoa(int(k)) {
		return "", "", false, bad
	}
	keyLen, err := strconv.Atoi(n)
	if err != nil || keyLen < 0 || strconv.Itoa(keyLen) != n || keyLen > len(rest) {
		return "", "", false, bad
	}
	key, id = rest[:keyLen], ticket.ContactID(rest[keyLen:])
	if id == "" || (k == SearchByName) != (key != "") {
		return "", "", false, bad
	}
	return key, id, true, nil
}

// SearchFold returns s as contact search compares names: case folded
// (Unicode full case folding: "ß" is "ss"), compatibility forms made
// plain (full-width letters, ligatures), accents and other combining
// marks removed ("José" is "jose", "Muñoz" is "munoz"), and cut into words
// at anything that is not a letter or a digit, the words joined by one
// space ("Jean-Luc  O'Brien" is "jean luc o brien"). Letters that carry
// no separate mark stay as they are ("ø", "ł"). It is the same on every
// store, computed in Go.
func SearchFold(s string) string {
	if ascii(s) {
		// What the steps below make of ASCII text: lower case, words of
		// letters and digits.
		var b strings.Builder
		b.Grow(len(s))
		space := false
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			default:
				space = b.Len() > 0
				continue
			}
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteByte(c)
		}
		return b.String()
	}
	folded := cases.Fold().String(s)
	folded = norm.NFKD.String(folded)
	folded = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, folded)
	folded = norm.NFC.String(folded)
	words := strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	return strings.Join(words, " ")
}

// ascii reports whether s is ASCII text.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ContactNameKeys returns the keys the stores index a contact's name by,
// in ascending order without repeats: for each of its first
// MaxNameWords words (SearchFold), the folded name from that word to the
// end, cut to MaxNameQuery characters. A ContactQuery's Name finds the
// contact when it is a prefix of one of them; as a search is at most
// MaxNameQuery characters, cutting the keys loses no match. An empty
// name has no keys.
func ContactNameKeys(name string) []string {
	folded := SearchFold(name)
	if folded == "" {
		return nil
	}
	var keys []string
	for i := 0; i < MaxNameWords; i++ {
		keys = append(keys, cutRunes(folded, MaxNameQuery))
		_, rest, ok := strings.Cut(folded, " ")
		if !ok {
			break
		}
		folded = rest
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// cutRunes returns the first n characters of s.
func cutRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// NamePrefixEnd returns the end of the range of keys a name search of
// prefix reads: every key that starts with prefix is at least prefix and
// less than NamePrefixEnd(prefix), in byte order (keys never hold
// U+10FFFF, which is no letter nor digit).
func NamePrefixEnd(prefix string) string { return prefix + string(rune(unicode.MaxRune)) }

// ContactMatchKey returns the key by which a normalized name search q
// finds contact c, the smallest of c's keys that q.Name is a prefix of,
// and whether it does. A store without an index of keys (the memory
// store) finds contacts with it.
func ContactMatchKey(q ContactQuery, c ticket.Contact) (string, bool) {
	for _, k := range ContactNameKeys(c.Name) {
		if strings.HasPrefix(k, q.Name) {
			return k, true
		}
	}
	return "", false
}

// ContactSearchLess reports whether contact a, found by key ka, comes
// before b, found by kb, in the order of Tx.SearchContacts: by key, then
// id, in byte order.
func ContactSearchLess(ka string, a ticket.ContactID, kb string, b ticket.ContactID) bool {
	if ka != kb {
		return ka < kb
	}
	return a < b
}
