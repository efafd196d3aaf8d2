package memory

// index maps keys to positions in an arena, for rows whose keys are fields
// of the rows themselves. It is an open-addressing hash table of positions
// only: a key is found by hashing it and comparing it with the keys of the
// rows its probe sequence meets, so an entry costs a few bytes where a Go
// map would hold the key too. Keys must be fields that do not change while
// the row is in the index. Writes inside a transaction can be undone; the
// arena the rows live in must roll back after the index.
type index[K comparable] struct {
	keyOf func(pos int32) K
	hash  func(K) uint64

	slots []int32 // pos+1; 0 empty, tombstone deleted
	live  int     // entries
	used  int     // entries and tombstones
	undo  []indexUndo
}

const tombstone = -1

// indexUndo restores the entry of the key of row pos to old (-1: none).
type indexUndo struct {
	pos, old int32
}

func newIndex[K comparable](keyOf func(int32) K, hash func(K) uint64) *index[K] {
	return &index[K]{keyOf: keyOf, hash: hash, slots: make([]int32, 8)}
}

// find returns the slot of k, or -1.
func (x *index[K]) find(k K) int {
	mask := len(x.slots) - 1
	for i := int(x.hash(k)) & mask; ; i = (i + 1) & mask {
		switch s := x.slots[i]; s {
		case 0:
			return -1
		case tombstone:
		default:
			if x.keyOf(s-1) == k {
				return i
			}
		}
	}
}

// get returns the position k maps to.
func (x *index[K]) get(k K) (int32, bool) {
	if i := x.find(k); i >= 0 {
		return x.slots[i] - 1, true
	}
	return 0, false
}

// put maps the key of row pos to pos.
func (x *index[K]) put(pos int32) {
	x.undo = append(x.undo, indexUndo{pos, x.write(x.keyOf(pos), pos)})
}

// del removes the entry of the key of row pos.
func (x *index[K]) del(pos int32) {
	x.undo = append(x.undo, indexUndo{pos, x.write(x.keyOf(pos), -1)})
}

// write maps k to pos (-1: removes k) and returns what k mapped to (-1:
// nothing).
func (x *index[K]) write(k K, pos int32) int32 {
	if i := x.find(k); i >= 0 {
		old := x.slots[i] - 1
		if pos < 0 {
			x.slots[i] = tombstone
			x.live--
		} else {
			x.slots[i] = pos + 1
		}
		return old
	}
	if pos < 0 {
		return -1
	}
	if 4*(x.used+1) > 3*len(x.slots) {
		x.rehash()
	}
	mask := len(x.slots) - 1
	i := int(x.hash(k)) & mask
	for x.slots[i] > 0 {
		i = (i + 1) & mask
	}
	if x.slots[i] == 0 {
		x.used++
	}
	x.slots[i] = pos + 1
	x.live++
	return -1
}

// rehash moves the entries to a table sized for them, dropping tombstones.
func (x *index[K]) rehash() {
	n := len(x.slots)
	if 2*(x.live+1) > n {
		n *= 2
	}
	old := x.slots
	x.slots = make([]int32, n)
	mask := n - 1
	for _, s := range old {
		if s <= 0 {
			continue
		}
		i := int(x.hash(x.keyOf(s-1))) & mask
		for x.slots[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = s
	}
	x.used = x.live
}

func (x *index[K]) rollback() {
	for i := len(x.undo) - 1; i >= 0; i-- {
		u := x.undo[i]
		x.write(x.keyOf(u.pos), u.old)
	}
	x.commit()
}

func (x *index[K]) commit() {
	x.undo = resetUndo(x.undo)
}
