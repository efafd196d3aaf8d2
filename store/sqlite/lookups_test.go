package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/ticket"
)

var errRollBack = errors.New("roll back")

// lookupIn looks up the sender tg/ext in a write transaction of s, as the
// engine's first attempt does (no duplicate check): from s's cache where
// it can.
func lookupIn(t testing.TB, s *sqlite.Store, ext string) store.InboundRecords {
	t.Helper()
	return lookupWith(t, s.Update, ext)
}

// lookupFile looks up the sender tg/ext in a read transaction of s, which
// reads the file.
func lookupFile(t testing.TB, s *sqlite.Store, ext string) store.InboundRecords {
	t.Helper()
	return lookupWith(t, s.View, ext)
}

// lookupWith looks up the sender tg/ext in a transaction that run runs.
func lookupWith(t testing.TB, run func(context.Context, func(store.Tx) error) error, ext string) store.InboundRecords {
	t.Helper()
	ctx := context.Background()
	var r store.InboundRecords
	require.NoError(t, run(ctx, func(tx store.Tx) error {
		var err error
		r, err = store.LookupInbound(ctx, tx, "w", "tg", "", ext)
		return err
	}))
	return r
}

// seedLookups stores, in s, contact k1 (tg/ext-1, with fields) with open
// conversation c1, and contact k2 (tg/ext-2) with none.
func seedLookups(t testing.TB, s *sqlite.Store) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateContact(ctx, ticket.Contact{ID: "k1", Workspace: "w", Name: "Ana", Fields: map[string]string{"plan": "gold"}, CreatedAt: at, Version: 1}, "tg", "ext-1"); err != nil {
			return err
		}
		if err := tx.CreateContact(ctx, ticket.Contact{ID: "k2", Workspace: "w", Name: "Bea", CreatedAt: at, Version: 1}, "tg", "ext-2"); err != nil {
			return err
		}
		return tx.CreateConversation(ctx, conversation.Conversation{ID: "c1", Workspace: "w", Ticket: "t1", TicketNumber: 1, Channel: "tg",
			Contact: "k1", ContactExternalID: "ext-1", State: conversation.Open, OpenedAt: at, LastActivity: at, WaitingSince: at, Version: 1})
	}))
}

// warmLookup fills s's cache with tg/ext-1 and checks that the next
// look-up is answered from it.
func warmLookup(t testing.TB, s *sqlite.Store) store.InboundRecords {
	t.Helper()
	first := lookupIn(t, s, "ext-1")
	require.True(t, first.HasContact && first.HasOpen)
	hits, _, _, _ := sqlite.LookupStats(s)
	again := lookupIn(t, s, "ext-1")
	h, _, _, _ := sqlite.LookupStats(s)
	require.Equal(t, hits+1, h, "the second look-up is the cache's")
	require.Equal(t, first, again)
	return again
}

// closeC1 closes conversation c1 (R12) in tx.
func closeC1(ctx context.Context, tx store.Tx) error {
	c, err := tx.Conversation(ctx, "w", "c1")
	if err != nil {
		return err
	}
	c.State, c.ClosedAt, c.CloseReason = conversation.Closed, time.Now(), conversation.CloseReason("agent")
	c.Version++
	return tx.UpdateConversation(ctx, c)
}

// R9, R12, R18: what another writer of the file commits (another Store,
// as another process opens it) is seen by the next inbound look-up of a
// Store that answered that sender from its cache: a merge of the
// contact, its erasure, its conversation closed, the configuration
// changed, and a new handle of another contact.
func TestLookupCacheSeesOtherStores(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(ctx context.Context, tx store.Tx) error
		check  func(t *testing.T, r store.InboundRecords)
	}{
		{"merge", func(ctx context.Context, tx store.Tx) error { return tx.MergeContacts(ctx, "w", "k2", "k1") },
			func(t *testing.T, r store.InboundRecords) {
				assert.Equal(t, ticket.ContactID("k2"), r.Contact.ID)
				assert.Equal(t, ticket.ContactID("k2"), r.Open.Contact)
			}},
		{"erasure", func(ctx context.Context, tx store.Tx) error { return tx.EraseContact(ctx, "w", "k1") },
			func(t *testing.T, r store.InboundRecords) { assert.False(t, r.HasContact && r.Contact.Name == "Ana") }},
		{"closed", closeC1,
			func(t *testing.T, r store.InboundRecords) { assert.False(t, r.HasOpen) }},
		{"config", func(ctx context.Context, tx store.Tx) error {
			return tx.PutConfig(ctx, store.Config{Workspace: "w", Kind: "channel", Name: "tg2", Version: 1, Body: []byte("{}")})
		}, func(t *testing.T, r store.InboundRecords) { assert.Positive(t, r.ConfigRevision) }},
		{"renamed", func(ctx context.Context, tx store.Tx) error {
			c, err := tx.Contact(ctx, "w", "k1")
			if err != nil {
				return err
			}
			c.Name, c.Version = "Ana María", c.Version+1
			return tx.UpdateContact(ctx, c)
		}, func(t *testing.T, r store.InboundRecords) { assert.Equal(t, "Ana María", r.Contact.Name) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cc.db")
			a, b := open(t, path), open(t, path)
			defer a.Close()
			defer b.Close()
			seedLookups(t, a)
			before := warmLookup(t, a)
			require.NoError(t, b.Update(ctx, func(tx store.Tx) error { return tc.change(ctx, tx) }))
			got := lookupIn(t, a, "ext-1")
			assert.NotEqual(t, before, got, "the change is seen")
			assert.Equal(t, lookupFile(t, a, "ext-1"), got, "what the file holds")
			tc.check(t, got)
		})
	}
}

// lookupChildEnv names the database file of a child process that closes
// conversation c1 and exits.
const lookupChildEnv = "CONTACTCENTER_SQLITE_LOOKUP_CHILD"

// R12: a conversation that another process closed is not found open by
// the next look-up of a Store that had it in its cache.
func TestLookupCacheSeesOtherProcess(t *testing.T) {
	ctx := context.Background()
	if path := os.Getenv(lookupChildEnv); path != "" {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		if err := s.Update(ctx, func(tx store.Tx) error { return closeC1(ctx, tx) }); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		s.Close()
		return
	}
	path := filepath.Join(t.TempDir(), "cc.db")
	a := open(t, path)
	defer a.Close()
	seedLookups(t, a)
	warmLookup(t, a)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLookupCacheSeesOtherProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), lookupChildEnv+"="+path)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	got := lookupIn(t, a, "ext-1")
	assert.False(t, got.HasOpen, "closed by the other process")
	assert.Equal(t, lookupFile(t, a, "ext-1"), got)
}

// R18: a write on the Store's own writer connection outside its
// transactions (a bare transaction, as the benchmarks run) is seen too.
func TestLookupCacheSeesTheWriterOutsideTx(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	a := open(t, path)
	defer a.Close()
	seedLookups(t, a)
	before := warmLookup(t, a)
	require.NoError(t, sqlite.WithWriter(a, func(c *sql.Conn) error {
		_, err := c.ExecContext(context.Background(), `UPDATE cc_conversations SET version = version + 1 WHERE workspace = 'w' AND id = 'c1'`)
		return err
	}))
	got := lookupIn(t, a, "ext-1")
	assert.Equal(t, before.Open.Version+1, got.Open.Version)
	assert.Equal(t, lookupFile(t, a, "ext-1"), got)
}

// A writer connection opened again counts changes afresh: a Store whose
// connection changed nothing before it was replaced still sees another
// writer's commit.
func TestLookupCacheSeesAReopenedWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	seed := open(t, path)
	seedLookups(t, seed)
	require.NoError(t, seed.Close())
	a, b := open(t, path), open(t, path)
	defer a.Close()
	defer b.Close()
	warmLookup(t, a) // a's writer has changed nothing
	sqlite.ReopenWriter(a)
	require.NoError(t, b.Update(ctx, func(tx store.Tx) error { return closeC1(ctx, tx) }))
	got := lookupIn(t, a, "ext-1")
	assert.False(t, got.HasOpen, "closed by b")
}

// The Store's own writes: a conversation it updates is answered as the
// file holds it, one it closes is not found open, and a write of a table
// the look-up reads (a contact renamed) is seen; neither needs a read of
// the file first.
func TestLookupCacheFollowsOwnWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	a := open(t, path)
	defer a.Close()
	seedLookups(t, a)
	warmLookup(t, a)
	// Assigned, reprioritised, with times to the nanosecond.
	at := time.Date(2026, 12, 2, 10, 0, 0, 123456789, time.FixedZone("x", 3600))
	require.NoError(t, a.Update(ctx, func(tx store.Tx) error {
		r, err := store.LookupInbound(ctx, tx, "w", "tg", "", "ext-1")
		if err != nil {
			return err
		}
		c := r.Open
		c.Assignee, c.Priority, c.LastActivity, c.WaitingSince, c.Version = "agent-1", ticket.PriorityHigh, at, time.Time{}, c.Version+1
		c.Ticket, c.OpenedAt = "not written", at // UpdateConversation leaves these as stored
		return tx.UpdateConversation(ctx, c)
	}))
	_, misses, _, _ := sqlite.LookupStats(a)
	got := lookupIn(t, a, "ext-1")
	_, m, _, _ := sqlite.LookupStats(a)
	assert.Equal(t, misses, m, "from the cache")
	assert.Equal(t, lookupFile(t, a, "ext-1"), got, "as the file holds it")
	assert.Equal(t, conversation.AgentID("agent-1"), got.Open.Assignee)

	require.NoError(t, a.Update(ctx, func(tx store.Tx) error {
		if _, err := store.LookupInbound(ctx, tx, "w", "tg", "", "ext-1"); err != nil {
			return err
		}
		return closeC1(ctx, tx)
	}))
	got = lookupIn(t, a, "ext-1")
	assert.False(t, got.HasOpen, "closed")
	assert.Equal(t, lookupFile(t, a, "ext-1"), got)

	require.NoError(t, a.Update(ctx, func(tx store.Tx) error {
		return tx.CreateConversation(ctx, conversation.Conversation{ID: "c2", Workspace: "w", Ticket: "t1", TicketNumber: 1, Channel: "tg",
			Contact: "k1", ContactExternalID: "ext-1", State: conversation.Open, Version: 1})
	}))
	warmLookup(t, a)
	require.NoError(t, a.Update(ctx, func(tx store.Tx) error {
		c, err := tx.Contact(ctx, "w", "k1")
		if err != nil {
			return err
		}
		c.Name, c.Version = "Ana María", c.Version+1
		return tx.UpdateContact(ctx, c)
	}))
	got = lookupIn(t, a, "ext-1")
	assert.Equal(t, "Ana María", got.Contact.Name)
	assert.Equal(t, lookupFile(t, a, "ext-1"), got)
}

// R19: a transaction that rolls back leaves the cache as the file is:
// neither what it looked up and then changed, nor its update.
func TestLookupCacheAfterRollback(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	a := open(t, path)
	defer a.Close()
	seedLookups(t, a)
	for _, warm := range []bool{false, true} {
		if warm {
			warmLookup(t, a)
		}
		err := a.Update(ctx, func(tx store.Tx) error {
			r, err := store.LookupInbound(ctx, tx, "w", "tg", "", "ext-1")
			if err != nil {
				return err
			}
			c := r.Open
			c.Version++
			c.Assignee = "agent-9"
			if err := tx.UpdateConversation(ctx, c); err != nil {
				return err
			}
			return errRollBack
		})
		require.ErrorIs(t, err, errRollBack)
		got := lookupIn(t, a, "ext-1")
		assert.Equal(t, lookupFile(t, a, "ext-1"), got, "warm %v", warm)
		assert.Empty(t, got.Open.Assignee)
	}
}

// What a look-up hands out is the caller's: changing a contact's fields
// changes neither the cache nor the next look-up.
func TestLookupCacheHandsOutCopies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	a := open(t, path)
	defer a.Close()
	seedLookups(t, a)
	first := lookupIn(t, a, "ext-1") // fills the cache
	first.Contact.Fields["plan"] = "changed by the caller"
	hit := lookupIn(t, a, "ext-1")
	assert.Equal(t, "gold", hit.Contact.Fields["plan"])
	hit.Contact.Fields["plan"] = "changed again"
	delete(hit.Contact.Fields, "plan")
	again := lookupIn(t, a, "ext-1")
	assert.Equal(t, map[string]string{"plan": "gold"}, again.Contact.Fields)
}

// The cache holds at most sqlite.MaxLookups entries.
func TestLookupCacheBounded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	a := open(t, path)
	defer a.Close()
	n := sqlite.MaxLookups + 10
	require.NoError(t, a.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			id := fmt.Sprint(i)
			if err := tx.CreateContact(ctx, ticket.Contact{ID: ticket.ContactID("k" + id), Workspace: "w", Version: 1}, "tg", "ext-"+id); err != nil {
				return err
			}
			if err := tx.CreateConversation(ctx, conversation.Conversation{ID: conversation.ID("c" + id), Workspace: "w", Ticket: ticket.ID("t" + id),
				Channel: "tg", Contact: ticket.ContactID("k" + id), State: conversation.Open, Version: 1}); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, a.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			if _, err := store.LookupInbound(ctx, tx, "w", "tg", "", fmt.Sprint("ext-", i)); err != nil {
				return err
			}
		}
		return nil
	}))
	_, _, _, entries := sqlite.LookupStats(a)
	assert.Positive(t, entries)
	assert.LessOrEqual(t, entries, sqlite.MaxLookups)
}

// R9: the steady inbound case, a message of a known contact to their open
// conversation, is answered from the cache, including after another
// contact's first message (a new contact, ticket and conversation) and
// the drain's writes of its lease and deletions.
func TestLookupCacheServesTheEngine(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cc.db")
	a := open(t, path)
	defer a.Close()
	eng, err := contactcenter.New(contactcenter.Config{Store: a, Publish: func(context.Context, conversation.Event) error { return nil }})
	require.NoError(t, err)
	defer eng.Close()
	require.NoError(t, eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindMemory, Account: "bot"},
		Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	send := func(from, ext string) {
		_, err := eng.Receive(ctx, contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: ext, From: contactcenter.Sender{ExternalID: from}, Text: "hi"})
		require.NoError(t, err)
	}
	send("chat-1", "m1")
	send("chat-1", "m2") // fills the cache
	require.NoError(t, eng.PublishPending(ctx))
	hits, misses, _, _ := sqlite.LookupStats(a)
	for i := range 20 {
		send("chat-1", fmt.Sprint("n", i))
		if i == 10 {
			send("chat-2", "first of chat-2")
		}
		require.NoError(t, eng.PublishPending(ctx))
	}
	h, m, _, _ := sqlite.LookupStats(a)
	assert.Equal(t, hits+20, h, "each of chat-1's messages from the cache")
	assert.Equal(t, misses+1, m, "chat-2's first message missed")
	ms, err := eng.Messages(ctx, "w", lookupIn(t, a, "chat-1").Open.ID)
	require.NoError(t, err)
	assert.Len(t, ms, 22, "each message stored once, in the open conversation")
}

// R9, R18: after a look-up, a conversation update that changes only the
// last activity writes that and the version (the steady inbound message);
// one that changes anything else writes every column; either fails with
// store.ErrConflict when the stored version moved on, and a read gives
// back exactly what was written. Each case runs on a cached look-up and
// on one read from the file.
func TestUpdateAfterLookupWritesWhatChanged(t *testing.T) {
	ctx := context.Background()
	later := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	for _, warm := range []bool{false, true} {
		for name, change := range map[string]func(c *conversation.Conversation){
			"activity":  func(c *conversation.Conversation) {},
			"priority":  func(c *conversation.Conversation) { c.Priority = ticket.PriorityHigh },
			"assignee":  func(c *conversation.Conversation) { c.Assignee = "ana" },
			"waiting":   func(c *conversation.Conversation) { c.WaitingSince = later },
			"note":      func(c *conversation.Conversation) { c.ClosingNote.Summary = "asked for a refund" },
			"bot":       func(c *conversation.Conversation) { c.Bot = "faq" },
			"abandoned": func(c *conversation.Conversation) { c.Abandoned = true },
			"closed": func(c *conversation.Conversation) {
				c.State, c.ClosedAt, c.CloseReason, c.ClosedBy = conversation.Closed, later, conversation.ReasonAgent, "ana"
			},
		} {
			t.Run(fmt.Sprintf("%s/cached=%t", name, warm), func(t *testing.T) {
				s := open(t, filepath.Join(t.TempDir(), "u.db"))
				seedLookups(t, s)
				if warm {
					warmLookup(t, s)
				}
				var want conversation.Conversation
				require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
					r, err := store.LookupInbound(ctx, tx, "w", "tg", "", "ext-1")
					if err != nil {
						return err
					}
					want = r.Open
					want.LastActivity, want.Version = later, want.Version+1
					change(&want)
					return tx.UpdateConversation(ctx, want)
				}))
				var got conversation.Conversation
				require.NoError(t, s.View(ctx, func(tx store.Tx) error {
					var err error
					got, err = tx.Conversation(ctx, "w", "c1")
					return err
				}))
				assert.Equal(t, want, got)

				// The same update again finds version 2 stored, not 1.
				err := s.Update(ctx, func(tx store.Tx) error {
					r, err := store.LookupInbound(ctx, tx, "w", "tg", "", "ext-1")
					if err != nil {
						return err
					}
					stale := r.Open
					stale.Version = 2 // as if read at version 1
					return tx.UpdateConversation(ctx, stale)
				})
				if want.State == conversation.Open {
					assert.ErrorIs(t, err, store.ErrConflict)
				}
			})
		}
	}
}
