package memory

import (
	"slices"

	"github.com/telenet/contactcenter/ticket"
)

// The queue index keeps each workspace's waiting conversations (open,
// unassigned and held by no bot, R2: convRow.waiting) in the order they
// are served (R11, conversation.Before): priority, highest first, then
// longest waiting, then id. Reading the head of the queue costs what is
// read, not what waits: automatic assignment reads the head after every
// new conversation.
//
// A workspace's queue is a sorted sequence cut into blocks of at most
// queueBlock entries, with the blocks in order: an entry is found by a
// binary search over the blocks' last entries, then within its block, and
// a write moves at most a block's entries (and, when a block splits or
// goes, the list of blocks).

// Each workspace's queue is kept twice: whole, by workspace, for Queue,
// and cut into its groups (store.QueueGroup: channel, team, abandoned),
// for QueuePage, which merges the heads of the groups it is asked for
// after a position: a page costs what it reads and the number of groups,
// whatever waits before it or in other groups.

// groupKey is a group of a workspace's queue: the interned workspace,
// channel and team, and whether abandoned.
type groupKey struct {
	ws, ch, team uint32
	abandoned    bool
}

func groupOf(r *convRow) groupKey {
	return groupKey{ws: r.ws, ch: r.ch, team: r.team, abandoned: r.abandoned}
}

// queueBlock is the most entries a block holds.
const queueBlock = 256

// queueEntry is a waiting conversation: its place in the order and its
// arena position. The id, which breaks ties, is read from the row; it never
// changes. Priority and waiting time are copied, so that an entry is found
// by the values it was stored with, whatever the row holds meanwhile.
type queueEntry struct {
	waitingSince int64
	pos          int32
	priority     ticket.Priority
}

func entryOf(pos int32, r *convRow) queueEntry {
	return queueEntry{waitingSince: r.waitingSince, pos: pos, priority: r.priority}
}

// queueUndo undoes the adding (added) or removing of an entry of the
// queue of key k.
type queueUndo[K comparable] struct {
	e     queueEntry
	k     K
	added bool
}

// queues holds the queues of every key that has one (a workspace, or a
// group of a workspace's queue), with the undo of the open transaction. It
// must roll back before the arena of rows, whose ids order ties.
type queues[K comparable] struct {
	rows  *arena[convRow]
	byKey map[K]*queue
	undo  []queueUndo[K]
}

// queue is the sorted sequence of a workspace's waiting conversations.
type queue struct {
	blocks [][]queueEntry
	n      int
}

func newQueues[K comparable](rows *arena[convRow]) *queues[K] {
	return &queues[K]{rows: rows, byKey: make(map[K]*queue)}
}

// compare orders entries as the queue serves them.
func (qs *queues[K]) compare(a, b queueEntry) int {
	switch {
	case a.priority != b.priority:
		if a.priority > b.priority {
			return -1
		}
		return 1
	case a.waitingSince != b.waitingSince:
		if a.waitingSince < b.waitingSince {
			return -1
		}
		return 1
	case a.pos == b.pos:
		return 0
	}
	x, y := qs.rows.at(a.pos).id, qs.rows.at(b.pos).id
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// add puts e in the queue of key k.
func (qs *queues[K]) add(k K, e queueEntry) {
	qs.undo = append(qs.undo, queueUndo[K]{e, k, true})
	qs.insert(k, e)
}

// remove takes e, as it was added, from the queue of key k.
func (qs *queues[K]) remove(k K, e queueEntry) {
	qs.undo = append(qs.undo, queueUndo[K]{e, k, false})
	qs.delete(k, e)
}

// locate returns the block that holds e or would: the first whose last
// entry is not before e, or the last block.
func (qs *queues[K]) locate(q *queue, e queueEntry) int {
	bi, _ := slices.BinarySearchFunc(q.blocks, e, func(b []queueEntry, e queueEntry) int {
		return qs.compare(b[len(b)-1], e)
	})
	return min(bi, len(q.blocks)-1)
}

func (qs *queues[K]) insert(k K, e queueEntry) {
	q := qs.byKey[k]
	if q == nil {
		q = new(queue)
		qs.byKey[k] = q
	}
	q.n++
	if len(q.blocks) == 0 {
		q.blocks = append(q.blocks, append(make([]queueEntry, 0, queueBlock), e))
		return
	}
	bi := qs.locate(q, e)
	b := q.blocks[bi]
	i, _ := slices.BinarySearchFunc(b, e, qs.compare)
	if len(b) < queueBlock {
		q.blocks[bi] = slices.Insert(b, i, e)
		return
	}
	// The block is full. Past the end of the queue (newer conversations of
	// one priority come there), start a block, so that blocks filled in
	// order stay full; elsewhere, split it in two.
	if i == len(b) && bi == len(q.blocks)-1 {
		q.blocks = append(q.blocks, append(make([]queueEntry, 0, queueBlock), e))
		return
	}
	half := len(b) / 2
	right := append(make([]queueEntry, 0, queueBlock), b[half:]...)
	clear(b[half:])
	left := b[:half]
	if i <= half {
		left = slices.Insert(left, i, e)
	} else {
		right = slices.Insert(right, i-half, e)
	}
	q.blocks[bi] = left
	q.blocks = slices.Insert(q.blocks, bi+1, right)
}

func (qs *queues[K]) delete(k K, e queueEntry) {
	q := qs.byKey[k]
	if q == nil || len(q.blocks) == 0 {
		panic("memory store: queue entry missing")
	}
	bi := qs.locate(q, e)
	b := q.blocks[bi]
	i, found := slices.BinarySearchFunc(b, e, qs.compare)
	if !found {
		panic("memory store: queue entry missing")
	}
	b = slices.Delete(b, i, i+1)
	q.blocks[bi] = b
	q.n--
	switch {
	case q.n == 0:
		delete(qs.byKey, k)
	case len(b) == 0:
		q.blocks = slices.Delete(q.blocks, bi, bi+1)
	case len(b) < queueBlock/4:
		// A small block joins a neighbour it fits in, so that blocks stay
		// a quarter full or more.
		if bi+1 < len(q.blocks) && len(b)+len(q.blocks[bi+1]) <= queueBlock {
			q.blocks[bi] = append(b, q.blocks[bi+1]...)
			q.blocks = slices.Delete(q.blocks, bi+1, bi+2)
		} else if bi > 0 && len(b)+len(q.blocks[bi-1]) <= queueBlock {
			q.blocks[bi-1] = append(q.blocks[bi-1], b...)
			q.blocks = slices.Delete(q.blocks, bi, bi+1)
		}
	}
}

// cursor is a place in a queue: block b, entry i of it.
type cursor struct {
	q    *queue
	b, i int
}

// entry returns the entry at c, which is not past the end of its queue.
func (c *cursor) entry() queueEntry { return c.q.blocks[c.b][c.i] }

// next moves c to the following entry, and reports whether there is one.
func (c *cursor) next() bool {
	if c.i++; c.i == len(c.q.blocks[c.b]) {
		c.b, c.i = c.b+1, 0
	}
	return c.b < len(c.q.blocks)
}

// position is a place in the queue's order to seek: priority, waiting
// since, id. An empty id is before every entry.
type position struct {
	waitingSince int64
	id           string
	priority     ticket.Priority
}

// follows reports whether e comes after p in the queue's order.
func (qs *queues[K]) follows(e queueEntry, p position) bool {
	switch {
	case p.id == "":
		return true
	case e.priority != p.priority:
		return e.priority < p.priority
	case e.waitingSince != p.waitingSince:
		return e.waitingSince > p.waitingSince
	}
	return string(qs.rows.at(e.pos).id) > p.id
}

// seek returns a cursor at the first entry of q that follows p: a binary
// search over the blocks' last entries, then within the block.
func (qs *queues[K]) seek(q *queue, p position) cursor {
	b, _ := slices.BinarySearchFunc(q.blocks, p, func(b []queueEntry, p position) int {
		if qs.follows(b[len(b)-1], p) {
			return 1
		}
		return -1
	})
	if b == len(q.blocks) {
		return cursor{q: q, b: b}
	}
	i, _ := slices.BinarySearchFunc(q.blocks[b], p, func(e queueEntry, p position) int {
		if qs.follows(e, p) {
			return 1
		}
		return -1
	})
	return cursor{q: q, b: b, i: i}
}

// merge returns the positions of up to limit entries of the queues of keys
// that follow p, in the queue's order: the heads of the queues merged.
func (qs *queues[K]) merge(keys []K, p position, limit int) []int32 {
	var heads []cursor
	for _, k := range keys {
		if q := qs.byKey[k]; q != nil {
			if c := qs.seek(q, p); c.b < len(q.blocks) {
				heads = append(heads, c)
			}
		}
	}
	var out []int32
	for len(out) < limit && len(heads) > 0 {
		first, e := 0, heads[0].entry()
		for i := 1; i < len(heads); i++ {
			if f := heads[i].entry(); qs.compare(f, e) < 0 {
				first, e = i, f
			}
		}
		out = append(out, e.pos)
		if !heads[first].next() {
			heads = slices.Delete(heads, first, first+1)
		}
	}
	return out
}

func (qs *queues[K]) rollback() {
	for i := len(qs.undo) - 1; i >= 0; i-- {
		u := qs.undo[i]
		if u.added {
			qs.delete(u.k, u.e)
		} else {
			qs.insert(u.k, u.e)
		}
	}
	qs.commit()
}

func (qs *queues[K]) commit() {
	qs.undo = resetUndo(qs.undo)
}
