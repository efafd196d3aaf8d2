package memory

import (
	"context"
	"fmt"
	"hash/maphash"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Timers are one table whatever their kind: the store knows no kinds. A
// contact center keeps a timer per open conversation (its timeout, R7), so
// the table is kept compact: rows live in chunks of a slot array whose free
// slots are reused, kind and workspace are interned names, the key is the
// string the caller gave (no copy), a payload lives beside the rows only
// when there is one, and the index by kind, workspace and key holds slot
// numbers only. A heap of due times finds the earliest.

// timerRow is a slot of the timer table. A free slot has due noTime.
type timerRow struct {
	key string
	due int64 // unix nanoseconds; noTime: the slot is free
	// kind and ws are interned names.
	kind, ws uint32
	// gen counts the slot's occupants, so that the heap's items of an
	// earlier occupant are told apart from the current one's.
	gen uint32
	// hasPayload tells that the timer has a payload, in timerTable.payloads.
	hasPayload bool
}

// timerKey identifies a timer: its key, and its kind and workspace as
// interned names.
type timerKey struct {
	key      string
	kind, ws uint32
}

// timerItem is an entry of the due-time heap. The heap is an index of due
// times that may lag behind them: an item whose due time is no longer its
// timer's is set right when it comes to the top, and an item of a timer
// that is gone (another gen, or a free slot) is dropped then. So moving a
// timer later (a conversation's timeout after each message) costs no heap
// work, and a rolled-back transaction needs no undo on the heap. Every
// timer has an item due no later than it.
type timerItem struct {
	due int64
	pos int32
	gen uint32
}

// timerUndo undoes a change of slot pos. A slot the transaction freed
// keeps its key, kind, ws and gen until it commits, so an undo restores
// only what changes: the due time and whether there is a payload.
type timerUndo struct {
	due        int64 // the due time before (moved, removed)
	pos        int32
	op         timerOp
	hadPayload bool // before (payload, removed)
}

type timerOp uint8

const (
	timerAdded   timerOp = iota // the transaction took the slot
	timerMoved                  // it changed the due time
	timerPayload                // it gave or took the payload
	timerRemoved                // it freed the slot
)

// timerTable is the store's timers, with the undo of the open transaction.
type timerTable struct {
	chunks [][]timerRow
	n      int32   // slots ever used
	free   []int32 // free slots
	// freed are the slots the open transaction freed: they keep their key
	// (the index's undo reads it) and become free when it commits.
	freed    []int32
	undo     []timerUndo
	idx      *index[timerKey]
	payloads *table[int32, string]
	heap     []timerItem
	seed     maphash.Seed
	// claimed is ClaimTimers' scratch space.
	claimed []timerItem
}

func newTimerTable(seed maphash.Seed) *timerTable {
	tt := &timerTable{payloads: newTable[int32, string](), seed: seed}
	tt.idx = newIndex(tt.keyOf, tt.hash)
	return tt
}

func (tt *timerTable) at(pos int32) *timerRow {
	return &tt.chunks[pos>>chunkBits][pos&(chunkSize-1)]
}

func (tt *timerTable) keyOf(pos int32) timerKey {
	r := tt.at(pos)
	return timerKey{r.key, r.kind, r.ws}
}

func (tt *timerTable) hash(k timerKey) uint64 {
	return maphash.String(tt.seed, k.key) ^ (uint64(k.kind)<<32|uint64(k.ws))*0x9e3779b97f4a7c15
}

// live reports whether the item names the timer that now occupies its
// slot, and returns that timer's row.
func (tt *timerTable) live(it timerItem) (*timerRow, bool) {
	r := tt.at(it.pos)
	return r, r.due != noTime && r.gen == it.gen
}

// add stores a new timer in a free slot and returns the slot.
func (tt *timerTable) add(k timerKey, due int64) int32 {
	var pos int32
	if n := len(tt.free); n > 0 {
		pos = tt.free[n-1]
		tt.free = tt.free[:n-1]
	} else {
		if int(tt.n) == len(tt.chunks)*chunkSize {
			tt.chunks = append(tt.chunks, make([]timerRow, chunkSize))
		}
		pos = tt.n
		tt.n++
	}
	r := tt.at(pos)
	tt.undo = append(tt.undo, timerUndo{pos: pos, op: timerAdded})
	*r = timerRow{key: k.key, due: due, kind: k.kind, ws: k.ws, gen: r.gen + 1}
	tt.idx.put(pos)
	tt.push(timerItem{due, pos, r.gen})
	return pos
}

// move sets the due time of the timer at pos.
func (tt *timerTable) move(pos int32, due int64) {
	r := tt.at(pos)
	if r.due == due {
		return
	}
	tt.undo = append(tt.undo, timerUndo{due: r.due, pos: pos, op: timerMoved})
	if due < r.due {
		tt.push(timerItem{due, pos, r.gen})
	}
	r.due = due
}

// setPayload replaces the payload of the timer at pos.
func (tt *timerTable) setPayload(pos int32, p []byte) {
	r := tt.at(pos)
	if len(p) == 0 {
		if r.hasPayload {
			tt.undo = append(tt.undo, timerUndo{pos: pos, op: timerPayload, hadPayload: true})
			r.hasPayload = false
			tt.payloads.del(pos)
		}
		return
	}
	if !r.hasPayload {
		tt.undo = append(tt.undo, timerUndo{pos: pos, op: timerPayload})
		r.hasPayload = true
	}
	tt.payloads.set(pos, string(p))
}

// payload returns a copy of the payload of the timer in row r at pos.
func (tt *timerTable) payload(pos int32, r *timerRow) []byte {
	if !r.hasPayload {
		return nil
	}
	return []byte(tt.payloads.m[pos])
}

// remove deletes the timer at pos.
func (tt *timerTable) remove(pos int32) {
	r := tt.at(pos)
	tt.undo = append(tt.undo, timerUndo{due: r.due, pos: pos, op: timerRemoved, hadPayload: r.hasPayload})
	tt.idx.del(pos)
	if r.hasPayload {
		tt.payloads.del(pos)
		r.hasPayload = false
	}
	r.due = noTime
	tt.freed = append(tt.freed, pos)
}

// rollback undoes the open transaction: the index first, while the rows
// still hold the keys it was written with, then the rows.
func (tt *timerTable) rollback() {
	tt.idx.rollback()
	tt.payloads.rollback()
	for i := len(tt.undo) - 1; i >= 0; i-- {
		u := &tt.undo[i]
		r := tt.at(u.pos)
		switch u.op {
		case timerAdded:
			// The slot is free again; its gen stays, so the heap's items of
			// the rolled-back timer stay stale.
			*r = timerRow{due: noTime, gen: r.gen}
			tt.free = append(tt.free, u.pos)
		case timerMoved:
			r.due = u.due
		case timerPayload:
			r.hasPayload = u.hadPayload
		case timerRemoved:
			r.due, r.hasPayload = u.due, u.hadPayload
		}
	}
	tt.undo = resetUndo(tt.undo)
	tt.freed = tt.freed[:0]
}

func (tt *timerTable) commit() {
	for _, pos := range tt.freed {
		r := tt.at(pos)
		*r = timerRow{due: noTime, gen: r.gen}
		tt.free = append(tt.free, pos)
	}
	tt.freed = resetUndo(tt.freed)
	tt.undo = resetUndo(tt.undo)
	tt.idx.commit()
	tt.payloads.commit()
}

// The heap: a binary min-heap on due, written out rather than through
// container/heap, whose interface boxes every pushed item.

func (tt *timerTable) push(it timerItem) {
	tt.heap = append(tt.heap, it)
	h := tt.heap
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].due <= it.due {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = it
}

func (tt *timerTable) pop() {
	h := tt.heap
	n := len(h) - 1
	h[0] = h[n]
	h[n] = timerItem{}
	tt.heap = h[:n]
	if n > 0 {
		tt.down(0)
	}
}

// down moves the item at i down to its place.
func (tt *timerTable) down(i int) {
	h := tt.heap
	n := len(h)
	it := h[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].due < h[c].due {
			c = r
		}
		if h[c].due >= it.due {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = it
}

// settle brings the heap's top in line with its timer and returns the
// top's due time, if a timer is left.
func (tt *timerTable) settle() (int64, bool) {
	for len(tt.heap) > 0 {
		top := tt.heap[0]
		r, ok := tt.live(top)
		switch {
		case !ok:
			tt.pop()
		case r.due > top.due:
			tt.heap[0].due = r.due
			tt.down(0)
		case r.due < top.due:
			// An earlier due time has an item of its own; this one is old.
			tt.pop()
		default:
			return r.due, true
		}
	}
	return 0, false
}

// lastKind is the timer kind a transaction last looked up, with its
// interned id.
type lastKind struct {
	name store.TimerKind
	id   uint32
	ok   bool
}

// kindID returns the interned id of kind, if it has one.
func (t *tx) kindID(kind store.TimerKind) (uint32, bool) {
	if t.kind.ok && t.kind.name == kind {
		return t.kind.id, true
	}
	id, ok := t.s.names.find(string(kind))
	if ok {
		t.kind = lastKind{kind, id, true}
	}
	return id, ok
}

// timerPos returns the slot of a timer.
func (t *tx) timerPos(kind store.TimerKind, ws ticket.WorkspaceID, key string) (int32, bool) {
	k, ok1 := t.kindID(kind)
	w, ok2 := t.wsID(ws)
	if !ok1 || !ok2 {
		return 0, false
	}
	return t.s.timers.idx.get(timerKey{key, k, w})
}

// SetTimer creates or moves a timer and replaces its payload. A timer that
// is not valid (conversation.Timer.Validate) is refused with
// conversation.ErrInvalid and changes nothing.
func (t *tx) SetTimer(ctx context.Context, tm store.Timer) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if err := tm.Validate(); err != nil {
		return fmt.Errorf("memory store: %w", err)
	}
	due := tm.Due.UnixNano()
	tt := t.s.timers
	pos, ok := t.timerPos(tm.Kind, tm.Workspace, tm.Key)
	if ok {
		tt.move(pos, due)
	} else {
		n := t.s.names
		k := timerKey{tm.Key, n.id(string(tm.Kind), 0), n.id(string(tm.Workspace), 0)}
		pos = tt.add(k, due)
	}
	tt.setPayload(pos, tm.Payload)
	return nil
}

// DeleteTimer deletes a timer, if there is one.
func (t *tx) DeleteTimer(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if pos, ok := t.timerPos(kind, ws, key); ok {
		t.s.timers.remove(pos)
	}
	return nil
}

// DeleteTimerAt deletes a timer if it is due at due, to the nanosecond.
func (t *tx) DeleteTimerAt(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string, due time.Time) (bool, error) {
	if err := t.check(ctx, true); err != nil {
		return false, err
	}
	pos, ok := t.timerPos(kind, ws, key)
	if !ok || due.IsZero() || t.s.timers.at(pos).due != due.UnixNano() {
		return false, nil
	}
	t.s.timers.remove(pos)
	return true, nil
}

// Timer returns a timer with a copy of its payload.
func (t *tx) Timer(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string) (store.Timer, error) {
	if err := t.check(ctx, false); err != nil {
		return store.Timer{}, err
	}
	pos, ok := t.timerPos(kind, ws, key)
	if !ok {
		return store.Timer{}, errNotFound
	}
	tt := t.s.timers
	r := tt.at(pos)
	return store.Timer{Kind: kind, Workspace: ws, Key: key, Due: time.Unix(0, r.due).UTC(), Payload: tt.payload(pos, r)}, nil
}

// ClaimTimers claims due timers, earliest first. A lease below a
// nanosecond counts as one: a timer is claimed once per call.
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.ClaimedTimer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	tt := s.timers
	n := now.UnixNano()
	until := max(now.Add(lease).UnixNano(), n+1)
	// A claimed timer is due again when the lease ends. Claims are made
	// outside a transaction, so rows are written directly. The claimed are
	// gathered first, so that the result is allocated once.
	claimed := tt.claimed[:0]
	for len(claimed) < limit {
		due, ok := tt.settle()
		if !ok || due > n {
			break
		}
		top := tt.heap[0]
		claimed = append(claimed, timerItem{due: due, pos: top.pos})
		tt.at(top.pos).due = until
		tt.heap[0].due = until
		tt.down(0)
	}
	if len(claimed) == 0 {
		tt.claimed = claimed
		return nil, nil
	}
	out := make([]store.ClaimedTimer, len(claimed))
	leaseEnd := time.Unix(0, until).UTC()
	for i, c := range claimed {
		r := tt.at(c.pos)
		out[i] = store.ClaimedTimer{
			Timer: store.Timer{
				Kind: conversation.TimerKind(s.names.str(r.kind)), Workspace: ticket.WorkspaceID(s.names.str(r.ws)),
				Key: r.key, Due: time.Unix(0, c.due).UTC(), Payload: tt.payload(c.pos, r),
			},
			Lease: leaseEnd,
		}
	}
	tt.claimed = resetUndo(claimed)
	return out, nil
}

// NextTimer returns the earliest due time.
func (s *Store) NextTimer(ctx context.Context) (time.Time, bool, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return time.Time{}, false, errClosed
	}
	due, ok := s.timers.settle()
	if !ok {
		return time.Time{}, false, nil
	}
	return time.Unix(0, due).UTC(), true, nil
}
