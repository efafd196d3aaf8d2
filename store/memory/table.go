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
