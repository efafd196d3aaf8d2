package storetest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// testMergeContacts: MergeContacts moves every identity, ticket and
// conversation of one contact to another and deletes the first; the
// lookups by contact (open and latest conversation per channel, open
// tickets) see the merged contact. Two open conversations on one channel
// are ErrDuplicate, and a refused or rolled back merge moves nothing.
func (h *harness) testMergeContacts(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("merge"))
	t1, t2, t3 := newTicket(ws, "t1", 1, "c1"), newTicket(ws, "t2", 2, "c2"), newTicket(ws, "t3", 3, "c2")
	v1, v2, v3 := newConversation(ws, "v1", t1, "tg"), newConversation(ws, "v2", t2, "tg"), newConversation(ws, "v3", t3, "web")
	v1.State, v3.State = conversation.Closed, conversation.Closed
	t4 := newTicket(ws, "t4", 4, "c3")
	v4 := newConversation(ws, "v4", t4, "tg")
	t5 := newTicket(ws, "t5", 5, "c4")
	v5 := newConversation(ws, "v5", t5, "web")
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, c := range []struct {
			id  ticket.ContactID
			ch  channel.ID
			ext string
		}{{"c1", "tg", "1"}, {"c2", "tg", "2"}, {"c3", "tg", "3"}, {"c4", "web", "w4"}} {
			if err := tx.CreateContact(ctx(), newContact(ws, c.id), c.ch, c.ext); err != nil {
				return err
			}
		}
		if err := tx.AddContactIdentity(ctx(), ws, "c2", "web", "w2"); err != nil {
			return err
		}
		for _, tk := range []ticket.Ticket{t1, t2, t3, t4, t5} {
			if err := tx.CreateTicket(ctx(), tk); err != nil {
				return err
			}
		}
		for _, cv := range []conversation.Conversation{v1, v2, v3, v4, v5} {
			if err := tx.CreateConversation(ctx(), cv); err != nil {
				return err
			}
		}
		return nil
	}))
	merge := func(into, from ticket.ContactID) error {
		return s.Update(ctx(), func(tx store.Tx) error { return tx.MergeContacts(ctx(), ws, into, from) })
	}
	require.NoError(t, merge("c1", "c2"))

	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		for _, id := range [][2]string{{"tg", "1"}, {"tg", "2"}, {"web", "w2"}} {
			c, err := tx.ContactByExternalID(ctx(), ws, channel.ID(id[0]), id[1])
			require.NoError(t, err, id)
			assert.Equal(t, ticket.ContactID("c1"), c.ID, id)
		}
		_, err := tx.Contact(ctx(), ws, "c2")
		assert.ErrorIs(t, err, store.ErrNotFound, "the merged contact is gone")
		open, err := tx.OpenTickets(ctx(), ws, "c1")
		require.NoError(t, err)
		require.Len(t, open, 3, "every ticket kept")
		for i, want := range []ticket.Ticket{t1, t2, t3} {
			assert.Equal(t, want.ID, open[i].ID)
			assert.Equal(t, ticket.ContactID("c1"), open[i].Contact)
		}
		assert.Equal(t, t2.Version+1, open[1].Version, "a moved ticket's version grows")
		assert.Equal(t, t1.Version, open[0].Version, "into's own tickets are untouched")
		none, err := tx.OpenTickets(ctx(), ws, "c2")
		require.NoError(t, err)
		assert.Empty(t, none)
		got, err := tx.Conversation(ctx(), ws, "v2")
		require.NoError(t, err)
		assert.Equal(t, ticket.ContactID("c1"), got.Contact)
		assert.Equal(t, v2.Version+1, got.Version)
		got, err = tx.OpenConversation(ctx(), ws, "tg", "c1")
		require.NoError(t, err)
		assert.Equal(t, v2.ID, got.ID)
		got, err = tx.LatestConversation(ctx(), ws, "tg", "c1")
		require.NoError(t, err)
		assert.Equal(t, v2.ID, got.ID, "the later of the two")
		got, err = tx.LatestConversation(ctx(), ws, "web", "c1")
		require.NoError(t, err)
		assert.Equal(t, v3.ID, got.ID)
		got, err = tx.TicketConversation(ctx(), ws, "t2")
		require.NoError(t, err)
		assert.Equal(t, v2.ID, got.ID)
		_, err = tx.OpenConversation(ctx(), ws, "tg", "c2")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = tx.LatestConversation(ctx(), ws, "web", "c2")
		assert.ErrorIs(t, err, store.ErrNotFound)
		return nil
	}))

	// Both have an open conversation on tg: refused, nothing moves.
	assert.ErrorIs(t, merge("c1", "c3"), store.ErrDuplicate)
	// A merge rolled back with its transaction moves nothing either.
	boom := errors.New("boom")
	err := s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.MergeContacts(ctx(), ws, "c1", "c4"); err != nil {
			return err
		}
		return boom
	})
	assert.ErrorIs(t, err, boom)
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		for _, k := range []struct {
			id  ticket.ContactID
			ch  channel.ID
			ext string
			cv  conversation.ID
		}{{"c3", "tg", "3", "v4"}, {"c4", "web", "w4", "v5"}} {
			c, err := tx.ContactByExternalID(ctx(), ws, k.ch, k.ext)
			require.NoError(t, err)
			assert.Equal(t, k.id, c.ID)
			got, err := tx.OpenConversation(ctx(), ws, k.ch, k.id)
			require.NoError(t, err, k.id)
			assert.Equal(t, k.cv, got.ID)
			assert.Equal(t, k.id, got.Contact)
			got, err = tx.LatestConversation(ctx(), ws, k.ch, k.id)
			require.NoError(t, err, k.id)
			assert.Equal(t, k.cv, got.ID)
			open, err := tx.OpenTickets(ctx(), ws, k.id)
			require.NoError(t, err)
			assert.Len(t, open, 1)
		}
		got, err := tx.LatestConversation(ctx(), ws, "web", "c1")
		require.NoError(t, err)
		assert.Equal(t, v3.ID, got.ID, "c1's latest on web unchanged")
		_, err = tx.OpenConversation(ctx(), ws, "web", "c1")
		assert.ErrorIs(t, err, store.ErrNotFound)
		open, err := tx.OpenTickets(ctx(), ws, "c1")
		require.NoError(t, err)
		assert.Len(t, open, 3)
		return nil
	}))

	assert.ErrorIs(t, merge("c1", "nobody"), store.ErrNotFound)
	assert.ErrorIs(t, merge("nobody", "c1"), store.ErrNotFound)
	assert.ErrorIs(t, merge("c1", "c1"), store.ErrSameContact)

	// A merge that succeeds after all: c4's open conversation on web is the
	// latest there now.
	require.NoError(t, merge("c1", "c4"))
	require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
		got, err := tx.LatestConversation(ctx(), ws, "web", "c1")
		require.NoError(t, err)
		assert.Equal(t, v5.ID, got.ID)
		got, err = tx.OpenConversation(ctx(), ws, "web", "c1")
		require.NoError(t, err)
		assert.Equal(t, v5.ID, got.ID)
		return nil
	}))
}
