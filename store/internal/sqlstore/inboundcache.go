package sqlstore

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// InboundCache keeps, for one store handle, the records LookupInbound
// found for senders who are known and have an open conversation, as the
// handle's own committed writes left them. A write transaction that looks
// up such a sender again is answered from it without a read: instead, a
// check goes out with the transaction's writes, in the same round trip as
// its commit, and fails the transaction with store.ErrConflict unless the
// records are still what is stored (the identity still names the contact,
// the contact and the conversation still have the versions cached, the
// conversation is still open, the configuration revision is the same).
// A failed check, or any failure of a transaction that used the cache,
// drops the entry, so that the retry reads (R18: the retry looks for a
// duplicate, and a duplicate is never answered from the cache), and keeps
// the sender out of the cache for a while (DefaultInboundQuiet): a sender
// whose conversation another process writes between their messages (an
// agent answering from another process) is read each time rather than
// cost a failed attempt each time, which costs more than the read saves (a
// failed batch also has the driver prepare its statements again). What
// another handle, or another process, changes is thus seen at commit at
// the latest, as a version check sees it; nothing decided on stale
// records is committed.
//
// Read-only transactions never use it. An entry lives at most MaxAge
// after the handle last committed it, so that what another process
// erases (R21) is not kept in memory longer than that, and a
// transaction that began before the cache was emptied (an erasure, a
// merge, a configuration change committed meanwhile) puts nothing back.
type InboundCache struct {
	check string // CheckArgs's statement: fails unless the records are current
	max   int

	// Quiet is how long a sender whose cached records failed stays out of
	// the cache. Set it before the cache is used.
	Quiet time.Duration
	// MaxAge is how long an entry is kept after it was committed. Set it
	// before the cache is used.
	MaxAge time.Duration

	mu      sync.Mutex
	entries map[inboundKey]cachedInbound
	byConv  map[convKey]inboundKey
	quiet   map[inboundKey]time.Time // until when a sender is not cached
	gen     uint64                   // counts the times the cache was emptied
	swept   time.Time                // the last removal of expired entries
	timer   *time.Timer              // removes expired entries while there are any
	closed  bool
}

type cachedInbound struct {
	rec store.InboundRecords
	at  time.Time // when the handle committed it
}

// DefaultInboundQuiet is InboundCache.Quiet unless set.
const DefaultInboundQuiet = 30 * time.Second

// DefaultInboundMaxAge is InboundCache.MaxAge unless set.
const DefaultInboundMaxAge = 2 * time.Minute

type inboundKey struct {
	ws  ticket.WorkspaceID
	ch  channel.ID
	ext string
}

type convKey struct {
	ws ticket.WorkspaceID
	id conversation.ID
}

// NewInboundCache returns a cache of up to max senders whose entries are
// checked with check, a statement of the store's placeholder style that
// fails the transaction, with an error the store maps to
// store.ErrConflict, unless its arguments (CheckArgs) are current.
func NewInboundCache(check string, max int) *InboundCache {
	return &InboundCache{check: check, max: max, Quiet: DefaultInboundQuiet, MaxAge: DefaultInboundMaxAge,
		entries: map[inboundKey]cachedInbound{}, byConv: map[convKey]inboundKey{}, quiet: map[inboundKey]time.Time{}}
}

// CheckArgs returns the arguments of the check statement of r, the
// records of the sender known on ch by ext: the open conversation's id,
// the workspace, the channel, the external id, the contact's id and
// version, the conversation's version, and the configuration revision.
func CheckArgs(ch channel.ID, ext string, r *store.InboundRecords) []any {
	return []any{string(r.Open.ID), string(r.Contact.Workspace), string(ch), ext, string(r.Contact.ID), r.Contact.Version, r.Open.Version, r.ConfigRevision}
}

// Len returns the number of senders cached.
func (c *InboundCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *InboundCache) get(k inboundKey) (store.InboundRecords, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if ok && time.Since(e.at) > c.MaxAge {
		c.drop(k)
		return store.InboundRecords{}, false
	}
	return e.rec, ok
}

// sweepLocked removes the expired entries, at most once per MaxAge
// unless forced.
func (c *InboundCache) sweepLocked(now time.Time, force bool) {
	if !force && now.Sub(c.swept) < c.MaxAge {
		return
	}
	c.swept = now
	for k, e := range c.entries {
		if now.Sub(e.at) > c.MaxAge {
			c.drop(k)
		}
	}
}

// armLocked makes sure expired entries are removed without waiting for
// the next transaction: a timer runs while the cache holds any.
func (c *InboundCache) armLocked() {
	if c.timer != nil || c.closed || len(c.entries) == 0 || c.MaxAge <= 0 {
		return
	}
	c.timer = time.AfterFunc(c.MaxAge, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.timer = nil
		c.sweepLocked(time.Now(), true)
		c.armLocked()
	})
}

// Close empties the cache and stops its timer; a closed cache keeps
// nothing.
func (c *InboundCache) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	clear(c.entries)
	clear(c.byConv)
}

// apply records what a transaction committed (or, if !committed, that it
// failed): the entries it used or found, as its writes left them, and the
// conversations and contacts it wrote otherwise.
func (c *InboundCache) apply(t *Tx, committed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if !committed {
		for _, p := range t.inbound {
			c.drop(p.key)
			if p.cached && c.Quiet > 0 {
				if len(c.quiet) >= c.max {
					for k, until := range c.quiet {
						if !now.Before(until) {
							delete(c.quiet, k)
						}
					}
					if len(c.quiet) >= c.max {
						clear(c.quiet)
					}
				}
				c.quiet[p.key] = now.Add(c.Quiet)
			}
		}
		return
	}
	if t.inboundReset {
		clear(c.entries)
		clear(c.byConv)
		c.gen++
		return
	}
	c.sweepLocked(now, false)
	// A transaction that began before the cache was last emptied may
	// hold records from before what emptied it: it keeps nothing.
	stale := t.cacheGen != c.gen || c.closed
	defer c.armLocked()
	for _, k := range t.convsWritten {
		if key, ok := c.byConv[k]; ok {
			c.drop(key)
		}
	}
	if len(t.contactsWritten) > 0 {
		for key, e := range c.entries {
			for _, id := range t.contactsWritten {
				if e.rec.Contact.Workspace == id.ws && e.rec.Contact.ID == id.id {
					c.drop(key)
				}
			}
		}
	}
	for _, p := range t.inbound {
		if until, ok := c.quiet[p.key]; ok {
			if now.Before(until) {
				p.drop = true
			} else {
				delete(c.quiet, p.key)
			}
		}
		if p.drop || stale {
			c.drop(p.key)
			continue
		}
		if _, ok := c.entries[p.key]; !ok && len(c.entries) >= c.max {
			for key := range c.entries { // any one: the cache only saves reads
				c.drop(key)
				break
			}
		}
		c.drop(p.key)
		c.entries[p.key] = cachedInbound{rec: p.rec, at: now}
		c.byConv[convKey{p.rec.Open.Workspace, p.rec.Open.ID}] = p.key
	}
}

func (c *InboundCache) drop(k inboundKey) {
	if e, ok := c.entries[k]; ok {
		delete(c.entries, k)
		ck := convKey{e.rec.Open.Workspace, e.rec.Open.ID}
		if c.byConv[ck] == k {
			delete(c.byConv, ck)
		}
	}
}

// pendingInbound is a sender's records as a transaction found or used
// them, updated by its writes.
type pendingInbound struct {
	key    inboundKey
	rec    store.InboundRecords
	cached bool // answered from the cache
	drop   bool // the transaction closed the conversation, or wrote what the records no longer show
}

type contactKey struct {
	ws ticket.WorkspaceID
	id ticket.ContactID
}

// UseInboundCache has t, a write transaction, answer LookupInbound from c
// where it can, and keep c current with what it commits; the store calls
// InboundDone once t committed or failed.
func (t *Tx) UseInboundCache(c *InboundCache) {
	if t.write {
		t.cache = c
		c.mu.Lock()
		t.cacheGen = c.gen
		c.mu.Unlock()
	}
}

// InboundDone tells the cache t uses whether t committed.
func (t *Tx) InboundDone(committed bool) {
	if t.cache != nil && (len(t.inbound) > 0 || len(t.convsWritten) > 0 || len(t.contactsWritten) > 0 || t.inboundReset) {
		t.cache.apply(t, committed)
	}
}

// UsedInboundCache reports whether t answered a LookupInbound from the
// cache, whose check has yet to run.
func (t *Tx) UsedInboundCache() bool { return t.cachedCheck }

// cachedLookup answers a lookup without a duplicate check from the cache,
// queueing the check with the writes.
func (t *Tx) cachedLookup(ctx context.Context, k inboundKey) (store.InboundRecords, bool, error) {
	if t.cache == nil {
		return store.InboundRecords{}, false, nil
	}
	for _, p := range t.inbound {
		if p.key == k {
			// Looked up before in t: a read sees t's own writes.
			return store.InboundRecords{}, false, nil
		}
	}
	r, ok := t.cache.get(k)
	if !ok {
		return r, false, nil
	}
	if err := t.exec(ctx, t.cache.check, nil, CheckArgs(k.ch, k.ext, &r)...); err != nil {
		return store.InboundRecords{}, true, err
	}
	t.cachedCheck = true
	t.inbound = append(t.inbound, pendingInbound{key: k, rec: r, cached: true})
	r.Contact.Fields = maps.Clone(r.Contact.Fields)
	return r, true, nil
}

// foundInbound notes the records a lookup read, to be cached if t
// commits.
func (t *Tx) foundInbound(k inboundKey, r store.InboundRecords) {
	if t.cache == nil {
		return
	}
	if !r.HasContact || !r.HasOpen || r.HasDuplicate {
		t.inbound = append(t.inbound, pendingInbound{key: k, drop: true})
		return
	}
	r.Contact.Fields = maps.Clone(r.Contact.Fields)
	t.inbound = append(t.inbound, pendingInbound{key: k, rec: r})
}

// wroteConversation keeps the records t holds current with a write of c.
func (t *Tx) wroteConversation(c *conversation.Conversation) {
	if t.cache == nil {
		return
	}
	mine := false
	for i := range t.inbound {
		p := &t.inbound[i]
		if !p.drop && p.rec.Open.Workspace == c.Workspace && p.rec.Open.ID == c.ID {
			mine = true
			if c.State != conversation.Open {
				p.drop = true
				continue
			}
			p.rec.Open = UpdatedConversation(p.rec.Open, *c)
		}
	}
	if !mine {
		t.convsWritten = append(t.convsWritten, convKey{c.Workspace, c.ID})
	}
}

// wroteContact keeps the records t holds current with a write of c.
func (t *Tx) wroteContact(c *ticket.Contact) {
	if t.cache == nil {
		return
	}
	mine := false
	for i := range t.inbound {
		p := &t.inbound[i]
		if !p.drop && p.rec.Contact.Workspace == c.Workspace && p.rec.Contact.ID == c.ID {
			mine = true
			p.rec.Contact = storedContact(*c)
		}
	}
	if !mine {
		t.contactsWritten = append(t.contactsWritten, contactKey{c.Workspace, c.ID})
	}
}

// resetInbound has the cache emptied if t commits: t changed what many
// entries hold (configuration, identities, erasure).
func (t *Tx) resetInbound() { t.inboundReset = true }

// storedContact is c as a read returns it once written.
func storedContact(c ticket.Contact) ticket.Contact {
	c.CreatedAt = fromMicros(micros(c.CreatedAt))
	if len(c.Fields) == 0 {
		c.Fields = nil
	} else {
		c.Fields = maps.Clone(c.Fields)
	}
	return c
}
