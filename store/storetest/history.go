package storetest

import (
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// contactTicketsAll pages through a contact's tickets and returns their
// numbers, asserting that the last page, and only it, has no next cursor.
func contactTicketsAll(t *testing.T, s store.Store, ws ticket.WorkspaceID, c ticket.ContactID, limit int) []ticket.Ticket {
	t.Helper()
	return allPages(t, s, func(tx store.Tx, after store.TicketCursor) ([]ticket.Ticket, store.TicketCursor, error) {
		return tx.ContactTickets(ctx(), ws, c, store.TicketPage{Limit: limit, After: after})
	}, normTicket, func(page []ticket.Ticket) {
		require.NotEmpty(t, page, "a page with a next cursor has tickets")
	})
}

// ticketConversationsAll pages through a ticket's conversations, asserting
// that the last page, and only it, has no next cursor.
func ticketConversationsAll(t *testing.T, s store.Store, ws ticket.WorkspaceID, id ticket.ID, limit int) []conversation.Conversation {
	t.Helper()
	return allPages(t, s, func(tx store.Tx, after store.ConversationCursor) ([]conversation.Conversation, store.ConversationCursor, error) {
		return tx.TicketConversations(ctx(), ws, id, store.ConversationPage{Limit: limit, After: after})
	}, normConversation, func(page []conversation.Conversation) {
		require.NotEmpty(t, page, "a page with a next cursor has conversations")
	})
}

// testContactTickets: a contact's tickets, open and closed, come newest
// first by number, each exactly once across pages of any size; another
// contact's and another workspace's never show; a bad page is
// conversation.ErrInvalid.
func (h *harness) testContactTickets(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("ctickets"))
	other := ticket.WorkspaceID(newWorkspace("ctickets-other"))
	a, b := newContact(ws, "ct-a"), newContact(ws, "ct-b")
	var want []ticket.Ticket // a's, newest first
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, c := range []ticket.Contact{a, b} {
			if err := tx.CreateContact(ctx(), c, "ch", "ext-"+string(c.ID)); err != nil {
				return err
			}
		}
		if err := tx.CreateContact(ctx(), newContact(other, a.ID), "ch", "ext-a"); err != nil {
			return err
		}
		for _, i := range scrambled(17) {
			owner := a.ID
			if i%3 == 2 {
				owner = b.ID
			}
			tk := newTicket(ws, ticket.ID(fmt.Sprintf("ct-%02d", i)), ticket.Number(i+1), owner)
			if i%2 == 0 {
				tk.Status, tk.ClosedAt = ticket.Closed, t0.Add(time.Hour)
			}
			if err := tx.CreateTicket(ctx(), tk); err != nil {
				return err
			}
			if err := tx.CreateTicket(ctx(), newTicket(other, tk.ID, tk.Number, a.ID)); err != nil {
				return err
			}
		}
		return nil
	}))
	for i := 16; i >= 0; i-- {
		if i%3 != 2 {
			tk := newTicket(ws, ticket.ID(fmt.Sprintf("ct-%02d", i)), ticket.Number(i+1), a.ID)
			if i%2 == 0 {
				tk.Status, tk.ClosedAt = ticket.Closed, t0.Add(time.Hour)
			}
			want = append(want, normTicket(tk))
		}
	}
	for _, limit := range []int{1, 4, len(want), 0, store.MaxHistoryPage} {
		assert.Equal(t, want, contactTicketsAll(t, s, ws, a.ID, limit), "limit %d", limit)
	}
	assert.Len(t, contactTicketsAll(t, s, ws, b.ID, 2), 5)
	assert.Empty(t, contactTicketsAll(t, s, ws, "nobody", 2))
	for _, tk := range contactTicketsAll(t, s, other, a.ID, 0) {
		assert.Equal(t, other, tk.Workspace)
	}

	t.Run("cursor stays valid", func(t *testing.T) {
		var first []ticket.Ticket
		var next store.TicketCursor
		require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) {
			first, next, err = tx.ContactTickets(ctx(), ws, a.ID, store.TicketPage{Limit: 3})
			return err
		}))
		require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
			return tx.CreateTicket(ctx(), newTicket(ws, "ct-new", 100, a.ID))
		}))
		var rest []ticket.Ticket
		require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) {
			rest, _, err = tx.ContactTickets(ctx(), ws, a.ID, store.TicketPage{After: next, Limit: 200})
			return err
		}))
		assert.Equal(t, len(want), len(first)+len(rest), "a newer ticket does not move the pages after the cursor")
		assert.Equal(t, want[3].ID, rest[0].ID)
	})

	t.Run("invalid", func(t *testing.T) {
		junk := store.TicketCursor(base64.RawURLEncoding.EncodeToString([]byte("t.x")))
		for _, p := range []store.TicketPage{{Limit: -1}, {Limit: store.MaxHistoryPage + 1}, {After: "?"}, {After: junk}} {
			require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
				page, next, err := tx.ContactTickets(ctx(), ws, a.ID, p)
				assert.ErrorIs(t, err, conversation.ErrInvalid, "%+v", p)
				assert.Empty(t, page)
				assert.Empty(t, next)
				return nil
			}))
		}
	})
}

// testTicketConversations: a ticket's conversations, open and closed,
// come by opening time then id (times repeat), each exactly once across
// pages of any size; another ticket's and another workspace's never show;
// a bad page is conversation.ErrInvalid.
func (h *harness) testTicketConversations(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("tconvs"))
	other := ticket.WorkspaceID(newWorkspace("tconvs-other"))
	const n = 11
	var want []conversation.Conversation
	require.NoError(t, s.Update(ctx(), func(tx store.Tx) error {
		for _, w := range []ticket.WorkspaceID{ws, other} {
			c := newContact(w, "tc")
			if err := tx.CreateContact(ctx(), c, "ch", "ext-tc"); err != nil {
				return err
			}
			for _, id := range []ticket.ID{"tc-1", "tc-2"} {
				tk := newTicket(w, id, ticket.Number(len(id)+int(id[3])), c.ID)
				if err := tx.CreateTicket(ctx(), tk); err != nil {
					return err
				}
				for _, i := range scrambled(n) {
					cv := newConversation(w, conversation.ID(fmt.Sprintf("%s-v%02d", id, i)), tk, "ch")
					cv.OpenedAt = t0.Add(time.Duration(i/2) * time.Minute)
					if i != n-1 || id != "tc-1" {
						cv.State, cv.ClosedAt, cv.CloseReason, cv.WaitingSince = conversation.Closed, cv.OpenedAt.Add(time.Minute), conversation.ReasonAgent, time.Time{}
					}
					if err := tx.CreateConversation(ctx(), cv); err != nil {
						return err
					}
					if w == ws && id == "tc-1" {
						want = append(want, cv)
					}
				}
			}
		}
		return nil
	}))
	sortConversations(want)
	for i := range want {
		want[i] = normConversation(want[i])
	}
	for _, limit := range []int{1, 3, n, 0} {
		assert.Equal(t, want, ticketConversationsAll(t, s, ws, "tc-1", limit), "limit %d", limit)
	}
	assert.Len(t, ticketConversationsAll(t, s, ws, "tc-2", 4), n)
	assert.Empty(t, ticketConversationsAll(t, s, ws, "no-such", 4))
	for _, c := range ticketConversationsAll(t, s, other, "tc-1", 0) {
		assert.Equal(t, other, c.Workspace)
	}

	t.Run("invalid", func(t *testing.T) {
		for _, p := range []store.ConversationPage{{Limit: -1}, {Limit: store.MaxHistoryPage + 1}, {After: "?"}} {
			require.NoError(t, s.View(ctx(), func(tx store.Tx) error {
				page, next, err := tx.TicketConversations(ctx(), ws, "tc-1", p)
				assert.ErrorIs(t, err, conversation.ErrInvalid, "%+v", p)
				assert.Empty(t, page)
				assert.Empty(t, next)
				return nil
			}))
		}
	})
}

func sortConversations(cs []conversation.Conversation) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && store.ConversationLess(cs[j], cs[j-1]); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}
