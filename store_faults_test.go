package contactcenter_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/faultstore"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

// A reaction that ran, whose job could not be deleted (the connection
// dropped), runs again after its grace and is then gone: nothing is lost,
// and nothing stays due for ever.
func TestReactionJobThroughAFailedDeletion(t *testing.T) {
	fs := faultstore.New(memory.New(), 1)
	clk := &clock{now: t0}
	var runs atomic.Int32
	eng, err := contactcenter.New(contactcenter.Config{Store: fs, Now: clk.Now,
		Reactions: []contactcenter.Reaction{{
			Name: "count",
			Key: func(e conversation.Event) (string, bool) {
				return string(e.Conversation), e.Type == conversation.EventConversationOpened
			},
			React: func(context.Context, contactcenter.Job) error { runs.Add(1); return nil },
		}}})
	require.NoError(t, err)
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	require.NoError(t, fs.Add(faultstore.Rule{Op: faultstore.OpTxDeleteTimerAt, When: faultstore.Before, Next: 1}))
	_, err = eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c1"}, Text: "hi"})
	require.NoError(t, err)
	assert.EqualValues(t, 1, runs.Load())
	assert.Equal(t, 1, fs.Injected(), "the job's deletion failed")

	clk.Advance(contactcenter.ReactionGrace + time.Second)
	n, err := eng.FireTimers(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.EqualValues(t, 2, runs.Load(), "run again: at least once")
	clk.Advance(time.Hour)
	n, err = eng.FireTimers(bg)
	require.NoError(t, err)
	assert.Zero(t, n, "then gone")
}

// A host's timer whose handler ran but whose deletion failed is handled
// again after its lease, then gone.
func TestHostTimerThroughAFailedDeletion(t *testing.T) {
	fs := faultstore.New(memory.New(), 1)
	clk := &clock{now: t0}
	var calls atomic.Int32
	eng, err := contactcenter.New(contactcenter.Config{Store: fs, Now: clk.Now,
		Timers: map[conversation.TimerKind]contactcenter.TimerHandler{"crm.follow_up": func(context.Context, conversation.Timer) error {
			calls.Add(1)
			return nil
		}}})
	require.NoError(t, err)
	require.NoError(t, eng.SetTimer(bg, contactcenter.TimerSetting{Timer: conversation.Timer{Kind: "crm.follow_up", Workspace: ws, Key: "k", Due: t0}, By: conversation.Host()}))
	require.NoError(t, fs.Add(faultstore.Rule{Op: faultstore.OpTxDeleteTimerAt, When: faultstore.Before, Next: 1}))
	n, err := eng.FireTimers(bg)
	require.NoError(t, err)
	assert.Zero(t, n, "the deletion failed: not handled yet")
	assert.EqualValues(t, 1, calls.Load())

	clk.Advance(2 * time.Minute) // past the lease
	n, err = eng.FireTimers(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.EqualValues(t, 2, calls.Load())
	clk.Advance(time.Hour)
	n, err = eng.FireTimers(bg)
	require.NoError(t, err)
	assert.Zero(t, n, "then gone")
	_, err = eng.Timer(bg, "crm.follow_up", ws, "k")
	assert.ErrorIs(t, err, contactcenter.ErrNotFound)
}

// The records a CRM keeps — tags, fields, names, identities, merges —
// under a store that fails: a commit that fails leaves the state as it was
// and publishes nothing (R19); a commit whose answer was lost, tried
// again, is made once, with one event (R18).
func TestRecordsUnderStoreFaults(t *testing.T) {
	type state struct {
		tags     []string
		fields   map[string]string
		name     string
		linked   bool
		contacts int
	}
	cases := []struct {
		name  string
		event conversation.EventType
		do    func(f *fixture, r contactcenter.Received, other ticket.ContactID) error
		// again is the error a retry gives once the first call committed.
		again error
	}{
		{"tag", conversation.EventTicketTagged, func(f *fixture, r contactcenter.Received, _ ticket.ContactID) error {
			_, err := f.eng.TagTicket(bg, contactcenter.Tagging{Workspace: ws, Ticket: r.Conversation.Ticket, Tag: "vip", By: conversation.Host()})
			return err
		}, nil},
		{"field", conversation.EventContactFieldSet, func(f *fixture, r contactcenter.Received, _ ticket.ContactID) error {
			_, err := f.eng.SetContactField(bg, contactcenter.ContactFieldChange{Workspace: ws, Contact: r.Contact.ID, Key: "plan", Value: "gold", By: conversation.Host()})
			return err
		}, nil},
		{"rename", conversation.EventContactRenamed, func(f *fixture, r contactcenter.Received, _ ticket.ContactID) error {
			_, err := f.eng.RenameContact(bg, contactcenter.ContactRenaming{Workspace: ws, Contact: r.Contact.ID, Name: "Lucía Pérez", By: conversation.Host()})
			return err
		}, nil},
		{"link", conversation.EventContactLinked, func(f *fixture, r contactcenter.Received, _ ticket.ContactID) error {
			_, err := f.eng.LinkContact(bg, contactcenter.ContactLink{Workspace: ws, Contact: r.Contact.ID, Channel: "web", ExternalID: "w-1", By: conversation.Host()})
			return err
		}, nil},
		{"merge", conversation.EventContactMerged, func(f *fixture, r contactcenter.Received, other ticket.ContactID) error {
			_, err := f.eng.MergeContacts(bg, contactcenter.ContactMerge{Workspace: ws, Into: r.Contact.ID, From: other, By: conversation.Host()})
			return err
		}, contactcenter.ErrNotFound}, // the contact merged away is gone
	}
	for _, tc := range cases {
		for _, when := range []faultstore.When{faultstore.AtCommit, faultstore.After} {
			t.Run(tc.name+"/"+when.String(), func(t *testing.T) {
				fs := faultstore.New(memory.New(), 1)
				f := newFixtureOn(t, fs, fullCaps)
				require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "web", Workspace: ws, Kind: channel.KindMemory, Account: "site"}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
				r := f.write(t, "c1", "u1", "hola")
				// A second contact, who turns out to be the first (merge).
				o := f.write(t, "c2", "u2", "soy yo otra vez")
				_, err := f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: o.Conversation.ID, By: conversation.Host()})
				require.NoError(t, err)
				other := o.Contact.ID
				read := func() state {
					tk := f.ticket(t, r.Conversation.Ticket)
					c := f.contact(t, r.Contact.ID)
					st := state{tags: tk.Tags, fields: c.Fields, name: c.Name}
					require.NoError(t, f.store.View(bg, func(tx store.Tx) error {
						_, err := tx.ContactByExternalID(bg, ws, "web", "w-1")
						st.linked = err == nil
						if _, err := tx.Contact(bg, ws, other); err == nil {
							st.contacts++
						}
						return nil
					}))
					return st
				}
				f.rec.take()
				before := read()
				// The fault hits the command's own write, not the set-up
				// writes of the merge case.
				require.NoError(t, fs.Add(faultstore.Rule{Op: faultstore.OpUpdate, When: when, Next: 1, Match: func(c faultstore.Call) bool {
					for _, tx := range c.Tx {
						switch tx.Op {
						case faultstore.OpTxUpdateTicket, faultstore.OpTxUpdateContact, faultstore.OpTxMergeContacts:
							return true
						}
					}
					return false
				}}))
				err = tc.do(f, r, other)
				require.Error(t, err)
				assert.ErrorIs(t, err, contactcenter.ErrUnavailable)
				require.Equal(t, 1, fs.Injected())
				if when == faultstore.AtCommit {
					assert.Equal(t, before, read(), "nothing written")
					require.NoError(t, f.eng.PublishPending(bg))
					assert.Zero(t, count(types(f.rec.take()), tc.event), "nothing published")
					require.NoError(t, tc.do(f, r, other), "tried again")
				} else {
					err := tc.do(f, r, other) // the caller tries again
					if tc.again != nil {
						assert.ErrorIs(t, err, tc.again)
					} else {
						require.NoError(t, err)
					}
				}
				require.NoError(t, f.eng.PublishPending(bg))
				assert.Equal(t, 1, count(types(f.rec.take()), tc.event), "made once")
				assert.NotEqual(t, before, read(), "made")
			})
		}
	}
}
