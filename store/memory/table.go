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

// replace sets k to v, given the value old (had: present) that the caller
// read from the table in this transaction; it spares a second lookup.
func (t *table[K, V]) replace(k K, v, old V, had bool) {
	t.undo = append(t.undo, undoEntry[K, V]{k, old, had})
	t.m[k] = v
}

// insert sets k to v unless k is present, and reports whether it did.
func (t *table[K, V]) insert(k K, v V) bool {
	if _, had := t.m[k]; had {
		return false
	}
	var zero V
	t.replace(k, v, zero, false)
	return true
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

// maxKeptUndo is the longest undo log kept for reuse after a commit; a
// larger transaction's log is dropped so it does not hold memory for good.
const maxKeptUndo = 4096

// commit forgets the undo log.
func (t *table[K, V]) commit() {
	t.undo = resetUndo(t.undo)
}

// resetUndo empties an undo log for reuse, or drops it if it grew large.
func resetUndo[E any](u []E) []E {
	if cap(u) > maxKeptUndo {
		return nil
	}
	clear(u)
	return u[:0]
}

type undoer interface {
	rollback()
	commit()
}

// arena is an append-only sequence whose writes inside a transaction can be
// undone. Messages live in one, so that storing a message costs no
// allocation of its own, the maps hold only small positions, and growing
// never copies what is stored: items live in fixed-size chunks.
type arena[V any] struct {
	chunks [][]V
	n      int // items stored
	base   int // n at the last commit
	undo   []arenaUndo[V]
}

const (
	chunkBits = 10
	chunkSize = 1 << chunkBits
)

type arenaUndo[V any] struct {
	pos int32
	old V
}

// at returns the item at pos.
func (a *arena[V]) at(pos int32) *V {
	return &a.chunks[pos>>chunkBits][pos&(chunkSize-1)]
}

func (a *arena[V]) add(v V) int32 {
	if a.n == len(a.chunks)*chunkSize {
		a.chunks = append(a.chunks, make([]V, chunkSize))
	}
	pos := int32(a.n)
	*a.at(pos) = v
	a.n++
	return pos
}

func (a *arena[V]) set(pos int32, v V) {
	if int(pos) < a.base {
		a.undo = append(a.undo, arenaUndo[V]{pos, *a.at(pos)})
	}
	*a.at(pos) = v
}

func (a *arena[V]) rollback() {
	for i := len(a.undo) - 1; i >= 0; i-- {
		*a.at(a.undo[i].pos) = a.undo[i].old
	}
	var zero V
	for pos := a.base; pos < a.n; pos++ {
		*a.at(int32(pos)) = zero
	}
	a.n = a.base
	a.undo = resetUndo(a.undo)
}

func (a *arena[V]) commit() {
	a.base = a.n
	a.undo = resetUndo(a.undo)
}
