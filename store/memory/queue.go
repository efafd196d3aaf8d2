package memory

import (
	"slices"

	"github.com/telenet/contactcenter/ticket"
)

// The queue index keeps each workspace's waiting conversations (open and
// unassigned) in the order they are served (R11, conversation.Before):
// priority, highest first, then longest waiting, then id. Reading the head
// of the queue costs what is read, not what waits: automatic assignment
// reads the head after every new conversation.
//
// A workspace's queue is a sorted sequence cut into blocks of at most
// queueBlock entries, with the blocks in order: an entry is found by a
// binary search over the blocks' last entries, then within its block, and
// a write moves at most a block's entries (and, when a block splits or
// goes, the list of blocks).

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

// queueUndo undoes the adding (added) or removing of an entry of
// workspace ws.
type queueUndo struct {
	e     queueEntry
	ws    uint32
	added bool
}

// queues holds the queue of every workspace that has one, with the undo of
// the open transaction. It must roll back before the arena of rows, whose
// ids order ties.
type queues struct {
	rows *arena[convRow]
	byWS map[uint32]*queue
	undo []queueUndo
}

// queue is the sorted sequence of a workspace's waiting conversations.
type queue struct {
	blocks [][]queueEntry
	n      int
}

func newQueues(rows *arena[convRow]) *queues {
	return &queues{rows: rows, byWS: make(map[uint32]*queue)}
}

// compare orders entries as the queue serves them.
func (qs *queues) compare(a, b queueEntry) int {
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

// add puts e in the queue of workspace ws.
func (qs *queues) add(ws uint32, e queueEntry) {
	qs.undo = append(qs.undo, queueUndo{e, ws, true})
	qs.insert(ws, e)
}

// remove takes e, as it was added, from the queue of workspace ws.
func (qs *queues) remove(ws uint32, e queueEntry) {
	qs.undo = append(qs.undo, queueUndo{e, ws, false})
	qs.delete(ws, e)
}

// locate returns the block that holds e or would: the first whose last
// entry is not before e, or the last block.
func (qs *queues) locate(q *queue, e queueEntry) int {
	bi, _ := slices.BinarySearchFunc(q.blocks, e, func(b []queueEntry, e queueEntry) int {
		return qs.compare(b[len(b)-1], e)
	})
	return min(bi, len(q.blocks)-1)
}

func (qs *queues) insert(ws uint32, e queueEntry) {
	q := qs.byWS[ws]
	if q == nil {
		q = new(queue)
		qs.byWS[ws] = q
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

func (qs *queues) delete(ws uint32, e queueEntry) {
	q := qs.byWS[ws]
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
		delete(qs.byWS, ws)
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

func (qs *queues) rollback() {
	for i := len(qs.undo) - 1; i >= 0; i-- {
		u := qs.undo[i]
		if u.added {
			qs.delete(u.ws, u.e)
		} else {
			qs.insert(u.ws, u.e)
		}
	}
	qs.commit()
}

func (qs *queues) commit() {
	qs.undo = resetUndo(qs.undo)
}
