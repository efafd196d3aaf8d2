package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/ticket"
)

// cacheFixture is a schema with a known sender, "ext-c1" on channel "ch",
// whose conversation is open, and two handles on it: a, whose lookups are
// cached, and b, another process.
type cacheFixture struct {
	a, b *postgres.Store
	conv conversation.Conversation
}

func newCacheFixture(t *testing.T) *cacheFixture {
	t.Helper()
	dsn := freshSchema(t)
	f := &cacheFixture{a: open(t, dsn), b: open(t, dsn)}
	t.Cleanup(func() { f.a.Close(); f.b.Close() })
	at := time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.UTC) // nanoseconds, which the store keeps to the microsecond
	c := ticket.Contact{ID: "c1", Workspace: "w", Name: "Ana", Language: "es", CreatedAt: at, Version: 1}
	f.conv = conversation.Conversation{ID: "v1", Workspace: "w", Ticket: "t1", TicketNumber: 1, Channel: "ch", Contact: c.ID,
		ContactExternalID: "ext-c1", State: conversation.Open, WaitingSince: at, OpenedAt: at, LastActivity: at, Version: 1}
	require.NoError(t, f.a.Update(ctx(), func(tx store.Tx) error {
		if err := tx.CreateContact(ctx(), c, "ch", "ext-c1"); err != nil {
			return err
		}
		return tx.CreateConversation(ctx(), f.conv)
	}))
	return f
}

func ctx() context.Context { return context.Background() }

// lookup looks the sender up in a write transaction of s, as an inbound
// message's first attempt does, and returns what it found and the
// transaction's outcome; then, if given, runs more of the transaction.
func lookup(s *postgres.Store, more func(store.Tx, store.InboundRecords) error) (store.InboundRecords, error) {
	var got store.InboundRecords
	err := s.Update(ctx(), func(tx store.Tx) error {
		var err error
		if got, err = store.LookupInbound(ctx(), tx, "w", "ch", "", "ext-c1"); err != nil {
			return err
		}
		if more != nil {
			return more(tx, got)
		}
		return nil
	})
	return got, err
}

// stored is what a read-only transaction, which never uses the cache,
// looks up.
func stored(t *testing.T, s *postgres.Store) store.InboundRecords {
	t.Helper()
	var r store.InboundRecords
	require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) {
		r, err = store.LookupInbound(ctx(), tx, "w", "ch", "", "ext-c1")
		return err
	}))
	return r
}

// message writes an inbound message to the open conversation, as the
// engine does: the conversation's touch and the message.
func message(tx store.Tx, r store.InboundRecords, id conversation.MessageID) error {
	c := r.Open
	c.LastActivity = c.LastActivity.Add(time.Second + 123*time.Nanosecond)
	c.Version++
	if err := tx.UpdateConversation(ctx(), c); err != nil {
		return err
	}
	return tx.CreateMessage(ctx(), conversation.Message{ID: id, Workspace: c.Workspace, Conversation: c.ID, Ticket: c.Ticket, Channel: c.Channel,
		Direction: conversation.FromContact, Author: conversation.Author{Kind: conversation.AuthorContact}, Kind: conversation.KindText,
		Text: "hi", ExternalID: string(id), CreatedAt: c.LastActivity, Version: 1})
}

// After a committed inbound write, the next lookup of the sender in a
// write transaction is answered from the cache, exactly as a read would
// answer it (times to the microsecond), and the write commits.
func TestInboundCacheAnswersAsARead(t *testing.T) {
	f := newCacheFixture(t)
	_, err := lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "m1") })
	require.NoError(t, err)
	assert.Equal(t, 1, postgres.InboundCached(f.a), "the sender is cached")
	var cached store.InboundRecords
	_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error {
		cached = r
		assert.True(t, postgres.UsedInboundCache(tx), "the lookup is answered from the cache")
		return nil
	})
	require.NoError(t, err)
	want := stored(t, f.a)
	assert.Equal(t, want, cached)
	assert.Equal(t, int64(2), cached.Open.Version)
	// And again after a write made on the cached records.
	_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "m2") })
	require.NoError(t, err)
	cached, err = lookup(f.a, nil)
	require.NoError(t, err)
	assert.Equal(t, stored(t, f.a), cached)
	assert.Equal(t, int64(3), cached.Open.Version)
	// A second lookup in one transaction reads, and sees its writes.
	_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error {
		if err := message(tx, r, "m3"); err != nil {
			return err
		}
		again, err := store.LookupInbound(ctx(), tx, "w", "ch", "", "ext-c1")
		if err != nil {
			return err
		}
		assert.Equal(t, r.Open.Version+1, again.Open.Version, "the transaction's own write")
		return nil
	})
	require.NoError(t, err)
}

// What another handle changes is found at commit: the transaction that
// decided on the stale records fails with store.ErrConflict, whether it
// wrote the conversation or not, and the retry reads what is stored.
func TestInboundCacheStaleFailsAtCommit(t *testing.T) {
	changes := map[string]func(t *testing.T, f *cacheFixture){
		"conversation": func(t *testing.T, f *cacheFixture) {
			r := stored(t, f.b)
			c := r.Open
			c.Assignee, c.Version = "agent", c.Version+1
			require.NoError(t, f.b.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), c) }))
		},
		"contact": func(t *testing.T, f *cacheFixture) {
			c := stored(t, f.b).Contact
			c.Name, c.Version = "Ana María", c.Version+1
			require.NoError(t, f.b.Update(ctx(), func(tx store.Tx) error { return tx.UpdateContact(ctx(), c) }))
		},
		"configuration": func(t *testing.T, f *cacheFixture) {
			require.NoError(t, f.b.Update(ctx(), func(tx store.Tx) error {
				return tx.PutConfig(ctx(), store.Config{Workspace: "w", Kind: "template", Name: "welcome", Version: 1})
			}))
		},
		"identity": func(t *testing.T, f *cacheFixture) {
			require.NoError(t, f.b.Update(ctx(), func(tx store.Tx) error {
				if err := tx.CreateContact(ctx(), ticket.Contact{ID: "c2", Workspace: "w", Name: "Ana", Version: 1}, "other", "ext-c2"); err != nil {
					return err
				}
				return tx.MergeContacts(ctx(), "w", "c2", "c1")
			}))
		},
	}
	for name, change := range changes {
		for _, writes := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/writes=%v", name, writes), func(t *testing.T) {
				f := newCacheFixture(t)
				_, err := lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "m1") })
				require.NoError(t, err)
				change(t, f)
				before := stored(t, f.a)
				_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error {
					require.True(t, postgres.UsedInboundCache(tx))
					if writes {
						return message(tx, r, "m2")
					}
					return nil
				})
				require.ErrorIs(t, err, store.ErrConflict, "the stale records are not committed on")
				assert.Equal(t, before, stored(t, f.a), "nothing was written")
				got, err := lookup(f.a, func(tx store.Tx, r store.InboundRecords) error {
					assert.False(t, postgres.UsedInboundCache(tx), "the retry reads")
					return nil
				})
				require.NoError(t, err)
				assert.Equal(t, before, got)
				assert.Equal(t, 0, postgres.InboundCached(f.a), "a sender whose cached records failed is kept out for a while")
			})
		}
	}
}

// A transaction that decided on stale cached records and fails with an
// error of its own answers store.ErrConflict, so that the caller tries
// again on what is stored; on current records its own error comes back.
func TestInboundCacheStaleDecisionIsRetried(t *testing.T) {
	f := newCacheFixture(t)
	postgres.SetInboundQuiet(f.a, 0)
	_, err := lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "m1") })
	require.NoError(t, err)
	refused := errors.New("refused")
	_, err = lookup(f.a, func(store.Tx, store.InboundRecords) error { return refused })
	assert.ErrorIs(t, err, refused, "current records: the transaction's own error")
	assert.Equal(t, 0, postgres.InboundCached(f.a), "a failed transaction drops the sender")
	_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "m2") })
	require.NoError(t, err)
	r := stored(t, f.b)
	c := r.Open
	c.State, c.ClosedAt, c.Version = conversation.Closed, c.LastActivity, c.Version+1
	require.NoError(t, f.b.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), c) }))
	_, err = lookup(f.a, func(store.Tx, store.InboundRecords) error { return refused })
	assert.ErrorIs(t, err, store.ErrConflict, "stale records: tried again")
	got, err := lookup(f.a, nil)
	require.NoError(t, err)
	assert.False(t, got.HasOpen, "the retry sees the conversation closed")
}

// A conversation written without its sender's lookup (an agent's change,
// a close) drops the sender from the cache, and so does closing it in the
// lookup's own transaction: the next lookup reads.
func TestInboundCacheDropsWhatItsHandleChanged(t *testing.T) {
	f := newCacheFixture(t)
	_, err := lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "m1") })
	require.NoError(t, err)
	require.Equal(t, 1, postgres.InboundCached(f.a))
	c := stored(t, f.a).Open
	c.Assignee, c.Version = "agent", c.Version+1
	require.NoError(t, f.a.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), c) }))
	assert.Equal(t, 0, postgres.InboundCached(f.a), "a conversation written elsewhere")
	got, err := lookup(f.a, func(tx store.Tx, r store.InboundRecords) error {
		assert.False(t, postgres.UsedInboundCache(tx))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("agent"), got.Open.Assignee)
	require.Equal(t, 1, postgres.InboundCached(f.a))
	_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error {
		c := r.Open
		c.State, c.ClosedAt, c.Version = conversation.Closed, c.LastActivity, c.Version+1
		return tx.UpdateConversation(ctx(), c)
	})
	require.NoError(t, err)
	assert.Equal(t, 0, postgres.InboundCached(f.a), "a conversation closed")
	// Read-only transactions never fill the cache.
	stored(t, f.a)
	assert.Equal(t, 0, postgres.InboundCached(f.a))
}

// Two engines on one database: after another engine closes the
// conversation an engine's cache holds open, the sender's next message
// opens a new conversation, as it does without the cache (the stale
// attempt fails its check and is tried again).
func TestInboundCacheEngines(t *testing.T) {
	dsn := freshSchema(t)
	engine := func() *contactcenter.Engine {
		s := open(t, dsn)
		t.Cleanup(func() { s.Close() })
		e, err := contactcenter.New(contactcenter.Config{Store: s, Publish: func(context.Context, conversation.Event) error { return nil }})
		require.NoError(t, err)
		t.Cleanup(func() { e.Close() })
		return e
	}
	a, b := engine(), engine()
	require.NoError(t, a.PutChannel(ctx(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "w", Kind: channel.KindMemory, Account: "bot"},
		Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}))
	receive := func(ext string) contactcenter.Received {
		t.Helper()
		r, err := a.Receive(ctx(), contactcenter.Inbound{Workspace: "w", Channel: "tg", ExternalID: ext, From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "hello"})
		require.NoError(t, err)
		return r
	}
	first := receive("m1")
	second := receive("m2")
	require.Equal(t, first.Conversation.ID, second.Conversation.ID)
	_, err := b.CloseConversation(ctx(), contactcenter.Closing{Workspace: "w", Conversation: first.Conversation.ID, By: conversation.Host()})
	require.NoError(t, err)
	third := receive("m3")
	assert.NotEqual(t, first.Conversation.ID, third.Conversation.ID, "a new conversation")
	assert.True(t, third.Opened)
	fourth := receive("m4")
	assert.Equal(t, third.Conversation.ID, fourth.Conversation.ID)
	// A repeat of a message is answered as the one stored (R18).
	again := receive("m4")
	assert.True(t, again.Duplicate)
	assert.Equal(t, fourth.Message.ID, again.Message.ID)
}

// A sender whose cached records failed is read, not cached, for the quiet
// time, and cached again after it.
func TestInboundCacheQuietAfterStale(t *testing.T) {
	f := newCacheFixture(t)
	postgres.SetInboundQuiet(f.a, 300*time.Millisecond)
	_, err := lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "m1") })
	require.NoError(t, err)
	bump := func() {
		c := stored(t, f.b).Open
		c.Assignee, c.Version = "agent", c.Version+1
		require.NoError(t, f.b.Update(ctx(), func(tx store.Tx) error { return tx.UpdateConversation(ctx(), c) }))
	}
	bump()
	_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "m2") })
	require.ErrorIs(t, err, store.ErrConflict)
	start := time.Now()
	for i := 3; time.Since(start) < 200*time.Millisecond; i++ {
		_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error {
			assert.False(t, postgres.UsedInboundCache(tx), "quiet: read")
			return message(tx, r, conversation.MessageID(fmt.Sprint("m", i)))
		})
		require.NoError(t, err)
		bump() // another process writes between the sender's messages
	}
	time.Sleep(150 * time.Millisecond)
	_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "after") })
	require.NoError(t, err)
	assert.Equal(t, 1, postgres.InboundCached(f.a), "cached again after the quiet time")
	_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error {
		assert.True(t, postgres.UsedInboundCache(tx))
		return message(tx, r, "cached")
	})
	require.NoError(t, err)
}

// What another process erases (R21) is kept in a handle's cache no longer
// than its maximum age, even when no transaction runs meanwhile; an
// expired entry is never used.
func TestInboundCacheForgetsWithinMaxAge(t *testing.T) {
	f := newCacheFixture(t)
	postgres.SetInboundMaxAge(f.a, 150*time.Millisecond)
	_, err := lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "m1") })
	require.NoError(t, err)
	require.Equal(t, 1, postgres.InboundCached(f.a))
	require.NoError(t, f.b.Update(ctx(), func(tx store.Tx) error { return tx.EraseContact(ctx(), "w", "c1") }))
	assert.Eventually(t, func() bool { return postgres.InboundCached(f.a) == 0 }, 2*time.Second, 10*time.Millisecond,
		"the erased contact's records leave the cache without any traffic")
	// Cached again, then expired: the next lookup reads.
	require.NoError(t, f.a.Update(ctx(), func(tx store.Tx) error {
		c := ticket.Contact{ID: "c2", Workspace: "w", Name: "Bea", Version: 1, CreatedAt: time.Now()}
		if err := tx.CreateContact(ctx(), c, "ch", "ext-c1"); err != nil {
			return err
		}
		v := f.conv
		v.ID, v.Contact, v.Ticket, v.Version = "v2", c.ID, "t2", 1
		return tx.CreateConversation(ctx(), v)
	}))
	_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error { return message(tx, r, "m2") })
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)
	_, err = lookup(f.a, func(tx store.Tx, r store.InboundRecords) error {
		assert.False(t, postgres.UsedInboundCache(tx), "an expired entry is read again")
		return nil
	})
	require.NoError(t, err)
}
