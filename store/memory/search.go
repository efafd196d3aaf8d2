package memory

import (
	"context"
	"slices"
	"strings"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// found is a contact a search found, by the key of its name it was found
// by (empty for the other kinds of search).
type found struct {
	key string
	id  ticket.ContactID
}

func (a found) less(b found) bool { return store.ContactSearchLess(a.key, a.id, b.key, b.id) }

// SearchContacts implements store.Tx. It reads every contact, identity
// or contact's name keys (store.ContactNameKeys, kept with each write of a
// contact) of the store and keeps the page's best as it goes: time linear
// in the contacts, memory in the page.
func (t *tx) SearchContacts(ctx context.Context, ws ticket.WorkspaceID, q store.ContactQuery) ([]ticket.Contact, store.ContactCursor, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, "", err
	}
	q, err := q.Normalize()
	if err != nil {
		return nil, "", err
	}
	kind := q.Kind()
	var after found
	afterKey, afterID, hasAfter := q.Position()
	if hasAfter {
		after = found{afterKey, afterID}
	}
	page := make([]found, 0, q.Limit+1)
	offer := func(f found) {
		if hasAfter && !after.less(f) {
			return
		}
		if len(page) == cap(page) && !f.less(page[len(page)-1]) {
			return
		}
		i, _ := slices.BinarySearchFunc(page, f, func(a, b found) int {
			if a.less(b) {
				return -1
			}
			return 1
		})
		if len(page) == cap(page) {
			page = page[:len(page)-1]
		}
		page = slices.Insert(page, i, f)
	}
	switch kind {
	case store.SearchByExternalID:
		// One contact may have the id on several channels: it is
		// offered once.
		seen := make(map[ticket.ContactID]bool)
		for k, owner := range t.s.contactExt.m {
			if k.ws != ws || k.ext != q.ExternalID || (q.Channel != "" && k.ch != q.Channel) || seen[owner] {
				continue
			}
			seen[owner] = true
			offer(found{id: owner})
		}
	case store.SearchByName:
		// A contact's keys are sorted: the first with the search as
		// prefix is the one it is found by.
		for k, keys := range t.s.nameKeys.m {
			if k.ws != ws {
				continue
			}
			for _, nk := range keys {
				if strings.HasPrefix(nk, q.Name) {
					offer(found{nk, k.id})
					break
				}
			}
		}
	case store.SearchByField:
		for k, c := range t.s.contacts.m {
			if v, ok := c.Fields[q.FieldKey]; ok && k.ws == ws && v == q.FieldValue {
				offer(found{id: c.ID})
			}
		}
	}
	more := len(page) > q.Limit
	if more {
		page = page[:q.Limit]
	}
	out := make([]ticket.Contact, len(page))
	for i, f := range page {
		c, _ := t.s.contacts.get(key[ticket.ContactID]{ws, f.id})
		out[i] = cloneContact(c)
	}
	var next store.ContactCursor
	if more {
		last := page[len(page)-1]
		next = store.ContactPosition(kind, last.key, last.id)
	}
	return out, next, nil
}
