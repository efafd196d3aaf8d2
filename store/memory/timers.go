package memory

import (
	"container/heap"
	"context"
	"time"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

type timerKey struct {
	kind store.TimerKind
	ws   ticket.WorkspaceID
	key  string
}

// timerItem is an entry of the timers' heap. The heap is an index of the
// timers table that may lag behind it: an item whose due time is no longer
// its timer's is set right when it comes to the top. So moving a timer later
// (a conversation's timeout after each message) costs one map write and no
// heap work, and a rolled-back transaction needs no undo on the heap.
type timerItem struct {
	due int64 // unix nanoseconds
	key timerKey
}

type timerHeap []timerItem

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].due < h[j].due }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerItem)) }
func (h *timerHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

func (t *tx) SetTimer(ctx context.Context, tm store.Timer) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	k := timerKey{tm.Kind, tm.Workspace, tm.Key}
	due := tm.Due.UnixNano()
	prev, had := t.s.timers.get(k)
	t.s.timers.replace(k, due, prev, had)
	if !had || due < prev {
		heap.Push(&t.s.timerHeap, timerItem{due, k})
	}
	return nil
}

func (t *tx) DeleteTimer(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	t.s.timers.del(timerKey{kind, ws, key})
	return nil
}

func (t *tx) Timer(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string) (store.Timer, error) {
	if err := t.check(ctx, false); err != nil {
		return store.Timer{}, err
	}
	due, ok := t.s.timers.get(timerKey{kind, ws, key})
	if !ok {
		return store.Timer{}, errNotFound
	}
	return store.Timer{Kind: kind, Workspace: ws, Key: key, Due: time.Unix(0, due).UTC()}, nil
}

// settleTop brings the heap's top in line with the table: it drops items of
// deleted timers and moves items whose timer is due later. It returns
// whether a timer is left. The caller holds s.mu.
func (s *Store) settleTop() bool {
	for len(s.timerHeap) > 0 {
		top := s.timerHeap[0]
		due, ok := s.timers.m[top.key]
		switch {
		case !ok:
			heap.Pop(&s.timerHeap)
		case due > top.due:
			s.timerHeap[0].due = due
			heap.Fix(&s.timerHeap, 0)
		case due < top.due:
			// An earlier due time has an item of its own; this one is old.
			heap.Pop(&s.timerHeap)
		default:
			return true
		}
	}
	return false
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
	for len(out) < limit && s.settleTop() && s.timerHeap[0].due <= n {
		it := s.timerHeap[0]
		out = append(out, store.Timer{Kind: it.key.kind, Workspace: it.key.ws, Key: it.key.key, Due: time.Unix(0, it.due).UTC()})
		// Claimed: due again when the lease ends. Outside a transaction,
		// so the table is written directly.
		s.timers.m[it.key] = until
		s.timerHeap[0].due = until
		heap.Fix(&s.timerHeap, 0)
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
	if !s.settleTop() {
		return time.Time{}, false, nil
	}
	return time.Unix(0, s.timerHeap[0].due).UTC(), true, nil
}
