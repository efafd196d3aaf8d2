package storetest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// testContactIdentities: AddContactIdentity makes a contact known on
// another channel; the external id stays unique per channel whoever holds
// it, an unknown contact is ErrNotFound, and a failed transaction leaves no
// identity behind. LookupInbound finds the contact by the new identity,
// with its open conversation on that channel, and EraseContact removes
// every identity.
func (h *harness) testContactIdentities(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("identities"))
	other := ticket.WorkspaceID(newWorkspace("identities-other"))
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.CreateContact(ctx(), newContact(ws, "c1"), "tg", "42"); err != nil {
			return err
		}
		if err := tx.CreateContact(ctx(), newContact(ws, "c2"), "tg", "43"); err != nil {
			return err
		}
		return tx.CreateContact(ctx(), newContact(other, "c9"), "tg", "42")
	}))
	add := func(ws ticket.WorkspaceID, id ticket.ContactID, ch channel.ID, ext string) error {
		return s.Update(ctx(), func(tx store.Tx) error { return tx.AddContactIdentity(ctx(), ws, id, ch, ext) })
	}
	require.NoError(t, add(ws, "c1", "web", "w-1"))
	require.NoError(t, add(ws, "c1", "web", "w-2"), "two ids on one channel")
	owner := func(ws ticket.WorkspaceID, ch channel.ID, ext string) ticket.ContactID {
		t.Helper()
		var id ticket.ContactID
		require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
			c, err := tx.ContactByExternalID(ctx(), ws, ch, ext)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			id = c.ID
			return err
		}))
		return id
	}
	assert.Equal(t, ticket.ContactID("c1"), owner(ws, "tg", "42"))
	assert.Equal(t, ticket.ContactID("c1"), owner(ws, "web", "w-1"))
	assert.Equal(t, ticket.ContactID("c1"), owner(ws, "web", "w-2"))
	assert.Empty(t, owner(other, "web", "w-1"), "another workspace")

	assert.ErrorIs(t, add(ws, "c2", "web", "w-1"), store.ErrDuplicate, "another contact's id")
	assert.ErrorIs(t, add(ws, "c1", "web", "w-1"), store.ErrDuplicate, "the contact's own id")
	assert.ErrorIs(t, add(ws, "c2", "tg", "42"), store.ErrDuplicate, "the id the contact was created with")
	assert.ErrorIs(t, add(ws, "nobody", "web", "w-3"), store.ErrNotFound)
	assert.ErrorIs(t, add(other, "c1", "web", "w-3"), store.ErrNotFound, "a contact of another workspace")
	assert.Empty(t, owner(ws, "web", "w-3"))
	assert.Equal(t, ticket.ContactID("c1"), owner(ws, "web", "w-1"), "unchanged")

	// Rolled back with its transaction.
	boom := errors.New("boom")
	err := s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.AddContactIdentity(ctx(), ws, "c2", "web", "w-4"); err != nil {
			return err
		}
		return boom
	})
	assert.ErrorIs(t, err, boom)
	assert.Empty(t, owner(ws, "web", "w-4"))

	// LookupInbound sees the contact by its new identity, and its open
	// conversation on that channel.
	tk := newTicket(ws, "t1", 1, "c1")
	cv := newConversation(ws, "v1", tk, "web")
	cv.ContactExternalID = "w-1"
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.CreateTicket(ctx(), tk); err != nil {
			return err
		}
		return tx.CreateConversation(ctx(), cv)
	}))
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		r, err := store.LookupInbound(ctx(), tx, ws, "web", "m1", "w-1")
		require.NoError(t, err)
		assert.True(t, r.HasContact)
		assert.Equal(t, ticket.ContactID("c1"), r.Contact.ID)
		assert.True(t, r.HasOpen)
		assert.Equal(t, cv.ID, r.Open.ID)
		r, err = store.LookupInbound(ctx(), tx, ws, "tg", "m1", "42")
		require.NoError(t, err)
		assert.Equal(t, ticket.ContactID("c1"), r.Contact.ID)
		assert.False(t, r.HasOpen, "no open conversation on tg")
		return nil
	}))

	// Erasure removes every identity of the contact.
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error { return tx.EraseContact(ctx(), ws, "c1") }))
	for _, id := range [][2]string{{"tg", "42"}, {"web", "w-1"}, {"web", "w-2"}} {
		assert.Empty(t, owner(ws, channel.ID(id[0]), id[1]), "erased %v", id)
	}
	assert.Equal(t, ticket.ContactID("c2"), owner(ws, "tg", "43"))
}
