package sqlstore

import (
	"testing"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// found is the records of a known sender with an open conversation.
func found() store.InboundRecords {
	return store.InboundRecords{HasContact: true, HasOpen: true,
		Contact: ticket.Contact{ID: "c1", Workspace: "w", Version: 1},
		Open:    conversation.Conversation{ID: "v1", Workspace: "w", State: conversation.Open, Version: 1}}
}

// A transaction that began before the cache was emptied (an erasure, a
// merge or a configuration change committed meanwhile, R21) puts
// nothing back; one that began after does.
func TestInboundCacheGenerations(t *testing.T) {
	k := inboundKey{"w", "ch", "ext-c1"}
	for _, emptiedMeanwhile := range []bool{false, true} {
		c := NewInboundCache("check", 10)
		before := NewTx(nil, nil, true)
		before.UseInboundCache(c)
		before.foundInbound(k, found())
		if emptiedMeanwhile {
			erase := NewTx(nil, nil, true)
			erase.UseInboundCache(c)
			erase.resetInbound()
			erase.InboundDone(true)
		}
		before.InboundDone(true)
		if got, want := c.Len(), map[bool]int{false: 1, true: 0}[emptiedMeanwhile]; got != want {
			t.Errorf("emptied meanwhile %v: %d cached, want %d", emptiedMeanwhile, got, want)
		}
		after := NewTx(nil, nil, true)
		after.UseInboundCache(c)
		after.foundInbound(k, found())
		after.InboundDone(true)
		if c.Len() != 1 {
			t.Errorf("a transaction begun after: %d cached", c.Len())
		}
		c.Close()
		if c.Len() != 0 {
			t.Error("a closed cache keeps entries")
		}
	}
}

// Entries expire after MaxAge: an expired one is not answered, and the
// timer removes it without any transaction.
func TestInboundCacheExpiry(t *testing.T) {
	c := NewInboundCache("check", 10)
	c.MaxAge = 50 * time.Millisecond
	defer c.Close()
	k := inboundKey{"w", "ch", "ext-c1"}
	tx := NewTx(nil, nil, true)
	tx.UseInboundCache(c)
	tx.foundInbound(k, found())
	tx.InboundDone(true)
	if _, ok := c.get(k); !ok {
		t.Fatal("not cached")
	}
	time.Sleep(70 * time.Millisecond)
	if _, ok := c.get(k); ok {
		t.Error("an expired entry was answered")
	}
	tx = NewTx(nil, nil, true)
	tx.UseInboundCache(c)
	tx.foundInbound(k, found())
	tx.InboundDone(true)
	deadline := time.Now().Add(2 * time.Second)
	for c.Len() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if c.Len() != 0 {
		t.Error("the timer left an expired entry")
	}
}
