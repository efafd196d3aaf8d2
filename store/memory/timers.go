package memory

import (
	"container/heap"
	"context"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Timers live in two places. A conversation's timeout is a field of its
// row, so that moving it after a message writes a row the message just
// wrote; other timers are a table. Each has a heap of due times.

// timerKey identifies a timer of the table; kind and workspace are
// interned names.
type timerKey struct {
	key      string
	kind, ws uint32
}

// findTimer returns the key of a timer, if its names are known.
func (s *Store) findTimer(kind store.TimerKind, ws ticket.WorkspaceID, key string) (timerKey, bool) {
	k, ok1 := s.names.find(string(kind))
	w, ok2 := s.names.find(string(ws))
	return timerKey{key, k, w}, ok1 && ok2
}

// timeoutRow returns the position of the conversation whose timeout the
// timer is, if the timer is one and the conversation is stored.
func (t *tx) timeoutRow(kind store.TimerKind, ws ticket.WorkspaceID, key string) (int32, bool) {
	if kind != store.TimerTimeout {
		return 0, false
	}
	return t.convPos(ws, conversation.ID(key))
}

// dueItem is an entry of a timers' heap. A heap is an index of due times
// that may lag behind them: an item whose due time is no longer its
// timer's is set right when it comes to the top. So moving a timer later
// (a conversation's timeout after each message) costs no heap work, and a
// rolled-back transaction needs no undo on the heap. Every timer has an
// item due no later than it.
type dueItem[R any] struct {
	due int64 // unix nanoseconds
	ref R
}

type dueHeap[R any] []dueItem[R]

func (h dueHeap[R]) Len() int           { return len(h) }
func (h dueHeap[R]) Less(i, j int) bool { return h[i].due < h[j].due }
func (h dueHeap[R]) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap[R]) Push(x any)        { *h = append(*h, x.(dueItem[R])) }
func (h *dueHeap[R]) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// settle brings the top in line with the due times that due reports (false:
// the timer is gone) and returns the top's due time, if a timer is left.
func (h *dueHeap[R]) settle(due func(R) (int64, bool)) (int64, bool) {
	for len(*h) > 0 {
		top := (*h)[0]
		d, ok := due(top.ref)
		switch {
		case !ok:
			heap.Pop(h)
		case d > top.due:
			(*h)[0].due = d
			heap.Fix(h, 0)
		case d < top.due:
			// An earlier due time has an item of its own; this one is old.
			heap.Pop(h)
		default:
			return d, true
		}
	}
	return 0, false
}

// moveTop sets the top item's due time to due.
func (h *dueHeap[R]) moveTop(due int64) {
	(*h)[0].due = due
	heap.Fix(h, 0)
}

func (s *Store) tableDue(k timerKey) (int64, bool) {
	due, ok := s.timers.m[k]
	return due, ok
}

func (s *Store) rowDue(pos int32) (int64, bool) {
	if int(pos) >= s.convs.n {
		return 0, false // rolled back
	}
	due := s.convs.at(pos).timeout
	return due, due != noTime
}

// setTimeout sets the timeout of the conversation at pos and returns the
// one it replaces.
func (s *Store) setTimeout(pos int32, due int64) int64 {
	r := s.convs.at(pos)
	prev := r.timeout
	if prev == due {
		return prev
	}
	if int(pos) < s.convs.base {
		s.timeoutUndo.undo = append(s.timeoutUndo.undo, timeoutUndo{pos, prev})
	}
	r.timeout = due
	return prev
}

// timeoutLog undoes changes of the timeouts in conversation rows. It rolls
// back after the rows' arena, whose undo entries may hold timeouts of the
// middle of the transaction: the log's oldest entry for a row is its value
// before it.
type timeoutLog struct {
	rows *arena[convRow]
	undo []timeoutUndo
}

type timeoutUndo struct {
	pos int32
	old int64
}

func (l *timeoutLog) rollback() {
	for i := len(l.undo) - 1; i >= 0; i-- {
		u := l.undo[i]
		l.rows.at(u.pos).timeout = u.old
	}
	l.commit()
}

func (l *timeoutLog) commit() {
	l.undo = resetUndo(l.undo)
}

func (t *tx) SetTimer(ctx context.Context, tm store.Timer) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	due := tm.Due.UnixNano()
	if pos, ok := t.timeoutRow(tm.Kind, tm.Workspace, tm.Key); ok {
		prev := t.s.setTimeout(pos, due)
		if prev == noTime || due < prev {
			heap.Push(&t.s.rowTimers, dueItem[int32]{due, pos})
		}
		return nil
	}
	k := timerKey{tm.Key, t.s.names.id(string(tm.Kind), 0), t.s.names.id(string(tm.Workspace), 0)}
	prev, had := t.s.timers.get(k)
	t.s.timers.replace(k, due, prev, had)
	if !had || due < prev {
		heap.Push(&t.s.timerHeap, dueItem[timerKey]{due, k})
	}
	return nil
}

func (t *tx) DeleteTimer(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	if pos, ok := t.timeoutRow(kind, ws, key); ok {
		t.s.setTimeout(pos, noTime)
		return nil
	}
	if k, ok := t.s.findTimer(kind, ws, key); ok {
		t.s.timers.del(k)
	}
	return nil
}

func (t *tx) Timer(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string) (store.Timer, error) {
	if err := t.check(ctx, false); err != nil {
		return store.Timer{}, err
	}
	var due int64
	found := false
	if pos, ok := t.timeoutRow(kind, ws, key); ok {
		due, found = t.s.rowDue(pos)
	} else if k, ok := t.s.findTimer(kind, ws, key); ok {
		due, found = t.s.timers.get(k)
	}
	if !found {
		return store.Timer{}, errNotFound
	}
	return store.Timer{Kind: kind, Workspace: ws, Key: key, Due: time.Unix(0, due).UTC()}, nil
}

// ClaimTimers claims due timers, earliest first.
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	var out []store.Timer
	n, until := now.UnixNano(), now.Add(lease).UnixNano()
	// A claimed timer is due again when the lease ends. Claims are made
	// outside a transaction, so rows and table are written directly.
	for len(out) < limit {
		rd, rok := s.rowTimers.settle(s.rowDue)
		td, tok := s.timerHeap.settle(s.tableDue)
		switch {
		case rok && rd <= n && (!tok || rd <= td):
			r := s.convs.at(s.rowTimers[0].ref)
			out = append(out, store.Timer{Kind: store.TimerTimeout, Workspace: ticket.WorkspaceID(s.names.str(r.ws)), Key: string(r.id), Due: time.Unix(0, rd).UTC()})
			r.timeout = until
			s.rowTimers.moveTop(until)
		case tok && td <= n:
			k := s.timerHeap[0].ref
			out = append(out, store.Timer{Kind: store.TimerKind(s.names.str(k.kind)), Workspace: ticket.WorkspaceID(s.names.str(k.ws)), Key: k.key, Due: time.Unix(0, td).UTC()})
			s.timers.m[k] = until
			s.timerHeap.moveTop(until)
		default:
			return out, nil
		}
	}
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
	rd, rok := s.rowTimers.settle(s.rowDue)
	td, tok := s.timerHeap.settle(s.tableDue)
	switch {
	case rok && (!tok || rd <= td):
		return time.Unix(0, rd).UTC(), true, nil
	case tok:
		return time.Unix(0, td).UTC(), true, nil
	}
	return time.Time{}, false, nil
}
