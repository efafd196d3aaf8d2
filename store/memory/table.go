package memory

// table is a map whose writes inside a transaction can be undone.
type table[K comparable, V any] struct {
	m    map[K]V
	undo []undoEntry[K, V]
}

type undoEntry[K comparable, V any] struct {
	k   K
	old V
	had bool
}

func newTable[K comparable, V any]() *table[K, V] {
	return &table[K, V]{m: make(map[K]V)}
}

func (t *table[K, V]) get(k K) (V, bool) {
	v, ok := t.m[k]
	return v, ok
}

func (t *table[K, V]) set(k K, v V) {
	old, had := t.m[k]
	t.undo = append(t.undo, undoEntry[K, V]{k, old, had})
	t.m[k] = v
}

func (t *table[K, V]) del(k K) {
	old, had := t.m[k]
	if !had {
		return
	}
	t.undo = append(t.undo, undoEntry[K, V]{k, old, had})
	delete(t.m, k)
}

// rollback undoes the writes since the last commit, newest first.
func (t *table[K, V]) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		u := &t.undo[i]
		if u.had {
			t.m[u.k] = u.old
		} else {
			delete(t.m, u.k)
		}
	}
	t.commit()
}

// commit forgets the undo log.
func (t *table[K, V]) commit() {
	clear(t.undo)
	t.undo = t.undo[:0]
}

type undoer interface {
	rollback()
	commit()
}

// arena is an append-only slice whose writes inside a transaction can be
// undone. Messages live in one, so that storing a message costs no
// allocation of its own and the maps hold only small positions.
type arena[V any] struct {
	items []V
	base  int // len(items) at the last commit
	undo  []arenaUndo[V]
}

type arenaUndo[V any] struct {
	pos int32
	old V
}

func (a *arena[V]) add(v V) int32 {
	a.items = append(a.items, v)
	return int32(len(a.items) - 1)
}

func (a *arena[V]) set(pos int32, v V) {
	if int(pos) < a.base {
		a.undo = append(a.undo, arenaUndo[V]{pos, a.items[pos]})
	}
	a.items[pos] = v
}

func (a *arena[V]) rollback() {
	for i := len(a.undo) - 1; i >= 0; i-- {
		a.items[a.undo[i].pos] = a.undo[i].old
	}
	clear(a.items[a.base:])
	a.items = a.items[:a.base]
	clear(a.undo)
	a.undo = a.undo[:0]
}

func (a *arena[V]) commit() {
	a.base = len(a.items)
	clear(a.undo)
	a.undo = a.undo[:0]
}
