package contactcenter_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// A contact's history: its tickets, the closed one too, newest first, and
// each ticket's conversations; unknown ids are typed not-found errors and
// bad pages typed invalid ones.
func TestEngineContactHistory(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		f := newFixtureOn(t, s, fullCaps)
		first := f.write(t, "c1", "u-1", "hola")
		_, err := f.eng.CloseTicket(bg, contactcenter.TicketClosing{Workspace: ws, Ticket: first.Conversation.Ticket, By: conversation.AsAgent("ana")})
		require.NoError(t, err)
		f.clock.Advance(time.Hour)
		second := f.write(t, "c1", "u-2", "otra vez")
		require.True(t, second.NewTicket)
		f.write(t, "c2", "u-3", "hola") // another contact's

		var got []ticket.Ticket
		p := store.TicketPage{Limit: 1}
		for {
			page, next, err := f.eng.ContactTickets(bg, ws, first.Contact.ID, p)
			require.NoError(t, err)
			got = append(got, page...)
			if next == "" {
				break
			}
			p.After = next
		}
		require.Len(t, got, 2)
		assert.Equal(t, second.Conversation.Ticket, got[0].ID, "newest first")
		assert.Equal(t, first.Conversation.Ticket, got[1].ID)
		assert.Equal(t, ticket.Closed, got[1].Status)

		convs, next, err := f.eng.TicketConversations(bg, ws, first.Conversation.Ticket, store.ConversationPage{})
		require.NoError(t, err)
		assert.Empty(t, next)
		require.Len(t, convs, 1)
		assert.Equal(t, first.Conversation.ID, convs[0].ID)
		assert.Equal(t, conversation.Closed, convs[0].State)

		_, _, err = f.eng.ContactTickets(bg, ws, "nobody", store.TicketPage{})
		assert.ErrorIs(t, err, ticket.ErrContactNotFound)
		_, _, err = f.eng.TicketConversations(bg, ws, "no-such", store.ConversationPage{})
		assert.ErrorIs(t, err, ticket.ErrNotFound)
		var e *contactcenter.Error
		require.True(t, errors.As(err, &e), "%v", err)
		assert.Equal(t, contactcenter.CodeNotFound, e.Code)

		_, _, err = f.eng.ContactTickets(bg, ws, first.Contact.ID, store.TicketPage{Limit: store.MaxHistoryPage + 1})
		assert.ErrorIs(t, err, conversation.ErrInvalid)
		require.True(t, errors.As(err, &e), "%v", err)
		assert.Equal(t, contactcenter.CodeInvalid, e.Code)
		_, _, err = f.eng.TicketConversations(bg, ws, first.Conversation.Ticket, store.ConversationPage{After: "?"})
		assert.ErrorIs(t, err, conversation.ErrInvalid)
	})
}
