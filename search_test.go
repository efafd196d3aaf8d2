package contactcenter_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/ticket"
)

// searchIDs searches through the engine and returns the ids found, every
// page read.
func searchIDs(t *testing.T, f *fixture, q store.ContactQuery) []ticket.ContactID {
	t.Helper()
	var out []ticket.ContactID
	for {
		page, next, err := f.eng.SearchContacts(bg, ws, q)
		require.NoError(t, err)
		for _, c := range page {
			out = append(out, c.ID)
		}
		if next == "" {
			return out
		}
		q.After = next
	}
}

// What the engine's commands do to a contact — a name from the channel,
// a rename, a field set and unset, an identity linked, a merge, an
// erasure — is what contact search finds, on the memory store and on
// SQLite.
func TestSearchContactsFollowsCommands(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) store.Store{
		"memory": func(*testing.T) store.Store { return memory.New() },
		"sqlite": func(t *testing.T) store.Store {
			s, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "cc.db"))
			require.NoError(t, err)
			return s
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			f := newFixtureOn(t, s, fullCaps)
			var joseConv conversation.ID
			say := func(chat, name, ext string) ticket.ContactID {
				r, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: ext,
					From: contactcenter.Sender{ExternalID: chat, Name: name, Language: "es"}, Text: "hola"})
				require.NoError(t, err)
				joseConv = r.Conversation.ID
				return r.Contact.ID
			}
			jose := say("111", "José Muñoz", "u1")
			_, err := f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: joseConv, By: conversation.Host()})
			require.NoError(t, err)
			maria := say("222", "María José Núñez", "u2")
			assert.Equal(t, []ticket.ContactID{jose, maria}, searchIDs(t, f, store.ContactQuery{Name: "jose", Limit: 1}))
			assert.Equal(t, []ticket.ContactID{maria}, searchIDs(t, f, store.ContactQuery{Name: "NUNEZ"}))

			_, err = f.eng.RenameContact(bg, contactcenter.ContactRenaming{Workspace: ws, Contact: jose, Name: "Pepe Muñoz", By: conversation.Host()})
			require.NoError(t, err)
			assert.Equal(t, []ticket.ContactID{maria}, searchIDs(t, f, store.ContactQuery{Name: "jose"}))
			assert.Equal(t, []ticket.ContactID{jose}, searchIDs(t, f, store.ContactQuery{Name: "pepe mu"}))

			_, err = f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: jose, Key: "plan", Value: "oro", By: conversation.Host()})
			require.NoError(t, err)
			_, err = f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: maria, Key: "plan", Value: "oro", By: conversation.Host()})
			require.NoError(t, err)
			byID := []ticket.ContactID{jose, maria}
			slices.Sort(byID) // a field search orders by id
			assert.Equal(t, byID, searchIDs(t, f, store.ContactQuery{FieldKey: "plan", FieldValue: "oro", Limit: 1}))
			_, err = f.eng.UnsetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: jose, Key: "plan", By: conversation.Host()})
			require.NoError(t, err)
			assert.Equal(t, []ticket.ContactID{maria}, searchIDs(t, f, store.ContactQuery{FieldKey: "plan", FieldValue: "oro"}))

			_, err = f.eng.LinkContact(bg, contactcenter.ContactLink{Workspace: ws, Contact: jose, Channel: "tg", ExternalID: "+34600111222", By: conversation.Host()})
			require.NoError(t, err)
			assert.Equal(t, []ticket.ContactID{jose}, searchIDs(t, f, store.ContactQuery{ExternalID: "+34600111222"}))
			assert.Equal(t, []ticket.ContactID{jose}, searchIDs(t, f, store.ContactQuery{ExternalID: "111", Channel: "tg"}))

			_, err = f.eng.MergeContacts(bg, contactcenter.ContactMerge{Workspace: ws, Into: maria, From: jose, By: conversation.Host()})
			require.NoError(t, err)
			assert.Empty(t, searchIDs(t, f, store.ContactQuery{Name: "pepe"}), "the merged contact is gone")
			assert.Equal(t, []ticket.ContactID{maria}, searchIDs(t, f, store.ContactQuery{ExternalID: "111"}), "its identities are into's")

			require.NoError(t, f.eng.EraseContact(bg, contactcenter.ContactErasure{Workspace: ws, Contact: maria, By: conversation.Host()}))
			for _, q := range []store.ContactQuery{{Name: "maria"}, {FieldKey: "plan", FieldValue: "oro"}, {ExternalID: "111"}, {ExternalID: "222"}} {
				assert.Empty(t, searchIDs(t, f, q), "the erased contact is found by nothing: %+v", q)
			}
		})
	}
}

// Bad input gets a typed error and reads nothing (R19): an empty or an
// unknown workspace, an empty, oversized or mixed query, a bad page size
// or cursor.
func TestSearchContactsErrors(t *testing.T) {
	f := newFixture(t)
	f.write(t, "chat-1", "u1", "hola")
	_, next, err := f.eng.SearchContacts(bg, ws, store.ContactQuery{Name: "contact", Limit: 1})
	require.NoError(t, err)
	assert.Empty(t, next, "one contact")
	fieldCursor := store.ContactPosition(store.SearchByField, "", "c1")

	for name, c := range map[string]struct {
		ws   ticket.WorkspaceID
		q    store.ContactQuery
		code contactcenter.Code
		is   error
	}{
		"empty workspace":   {"", store.ContactQuery{Name: "jose"}, contactcenter.CodeInvalid, ticket.ErrInvalid},
		"unknown workspace": {"nowhere", store.ContactQuery{Name: "jose"}, contactcenter.CodeNotFound, ticket.ErrWorkspaceNotFound},
		"empty query":       {ws, store.ContactQuery{}, contactcenter.CodeInvalid, ticket.ErrInvalid},
		"blank name":        {ws, store.ContactQuery{Name: " ¡! "}, contactcenter.CodeInvalid, ticket.ErrInvalid},
		"oversized name":    {ws, store.ContactQuery{Name: strings.Repeat("ñ", store.MaxNameQuery+1)}, contactcenter.CodeInvalid, ticket.ErrInvalid},
		"two kinds":         {ws, store.ContactQuery{Name: "jose", FieldKey: "plan", FieldValue: "oro"}, contactcenter.CodeInvalid, ticket.ErrInvalid},
		"page too large":    {ws, store.ContactQuery{Name: "jose", Limit: store.MaxContactPage + 1}, contactcenter.CodeInvalid, ticket.ErrInvalid},
		"bad cursor":        {ws, store.ContactQuery{Name: "jose", After: "%%%"}, contactcenter.CodeInvalid, ticket.ErrInvalid},
		"cursor of a field": {ws, store.ContactQuery{Name: "jose", After: fieldCursor}, contactcenter.CodeInvalid, ticket.ErrInvalid},
		"bad field key":     {ws, store.ContactQuery{FieldKey: "Plan!", FieldValue: "oro"}, contactcenter.CodeInvalid, ticket.ErrInvalid},
	} {
		page, next, err := f.eng.SearchContacts(bg, c.ws, c.q)
		assert.Equal(t, c.code, contactcenter.ErrorCode(err), name)
		assert.ErrorIs(t, err, c.is, name)
		var e *contactcenter.Error
		if assert.True(t, errors.As(err, &e), name) {
			assert.Equal(t, "search contacts", e.Op, name)
		}
		assert.Empty(t, page, name)
		assert.Empty(t, next, name)
	}
}
