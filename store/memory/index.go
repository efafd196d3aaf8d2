package memory

// index maps keys to positions in an arena, for rows whose keys are fields
// of the rows themselves. It is an open-addressing hash table of positions
// only: a key is found by hashing it and comparing it with the keys of the
// rows its probe sequence meets, so an entry costs a few bytes where a Go
// map would hold the key too. Each slot keeps a byte of its key's hash, so
// that a probe reads only the rows whose byte matches (a row read is a
// cache miss when the rows are many), and slots come in groups of twelve
// that fill a cache line with their bytes: a lookup mostly reads one line
// of the index and one row. Keys must be fields that do not change while
// the row is in the index. Writes inside a transaction can be undone; the
// arena the rows live in must roll back after the index.
type index[K comparable] struct {
	keyOf func(pos int32) K
	hash  func(K) uint64

	// groups hold the slots: slot i is lane i%groupSize of group
	// i/groupSize. A key's probe sequence starts at the first slot of the
	// group its hash picks and goes on slot by slot.
	groups []slotGroup
	live   int // entries
	used   int // entries and tombstones
	undo   []indexUndo[K]
}

const groupSize = 12

// slotGroup is 64 bytes: a cache line.
type slotGroup struct {
	pos  [groupSize]int32 // pos+1; 0 empty, tombstone deleted
	tags [groupSize]uint8 // the top byte of the hash of each entry's key
	_    [64 - 5*groupSize]byte
}

const tombstone = -1

// indexUndo restores the entry of key to old (-1: none). The key is kept,
// not read again from its row at rollback, since a row's key may change
// (a contact merged into another, MergeContacts).
type indexUndo[K comparable] struct {
	key K
	old int32
}

func newIndex[K comparable](keyOf func(int32) K, hash func(K) uint64) *index[K] {
	return &index[K]{keyOf: keyOf, hash: hash, groups: make([]slotGroup, 1)}
}

// start returns the first slot of the probe sequence of hash h.
func (x *index[K]) start(h uint64) int {
	return int(h&uint64(len(x.groups)-1)) * groupSize
}

// next returns the slot after i in a probe sequence.
func (x *index[K]) next(i int) int {
	if i++; i == len(x.groups)*groupSize {
		return 0
	}
	return i
}

// find returns the slot of k, whose hash is h, or -1.
func (x *index[K]) find(k K, h uint64) int {
	tag := uint8(h >> 56)
	for i := x.start(h); ; i = x.next(i) {
		g := &x.groups[i/groupSize]
		switch s := g.pos[i%groupSize]; s {
		case 0:
			return -1
		case tombstone:
		default:
			if g.tags[i%groupSize] == tag && x.keyOf(s-1) == k {
				return i
			}
		}
	}
}

// slot returns the position word of slot i.
func (x *index[K]) slot(i int) *int32 { return &x.groups[i/groupSize].pos[i%groupSize] }

// get returns the position k maps to.
func (x *index[K]) get(k K) (int32, bool) {
	if i := x.find(k, x.hash(k)); i >= 0 {
		return *x.slot(i) - 1, true
	}
	return 0, false
}

// put maps the key of row pos to pos.
func (x *index[K]) put(pos int32) {
	k := x.keyOf(pos)
	x.undo = append(x.undo, indexUndo[K]{k, x.write(k, pos)})
}

// del removes the entry of the key of row pos.
func (x *index[K]) del(pos int32) {
	k := x.keyOf(pos)
	x.undo = append(x.undo, indexUndo[K]{k, x.write(k, -1)})
}

// write maps k to pos (-1: removes k) and returns what k mapped to (-1:
// nothing).
func (x *index[K]) write(k K, pos int32) int32 {
	h := x.hash(k)
	if i := x.find(k, h); i >= 0 {
		s := x.slot(i)
		old := *s - 1
		if pos < 0 {
			*s = tombstone
			x.live--
		} else {
			*s = pos + 1
		}
		return old
	}
	if pos < 0 {
		return -1
	}
	if 4*(x.used+1) > 3*len(x.groups)*groupSize {
		x.rehash()
	}
	x.insert(h, pos+1)
	x.live++
	return -1
}

// insert puts slot value s, of a key with hash h that is not in the index,
// in the first free slot of its probe sequence.
func (x *index[K]) insert(h uint64, s int32) {
	i := x.start(h)
	for *x.slot(i) > 0 {
		i = x.next(i)
	}
	g := &x.groups[i/groupSize]
	if g.pos[i%groupSize] == 0 {
		x.used++
	}
	g.pos[i%groupSize] = s
	g.tags[i%groupSize] = uint8(h >> 56)
}

// rehash moves the entries to a table sized for them, dropping tombstones.
func (x *index[K]) rehash() {
	n := len(x.groups)
	if 2*(x.live+1) > n*groupSize {
		n *= 2
	}
	old := x.groups
	x.groups = make([]slotGroup, n)
	x.used = 0
	for gi := range old {
		for _, s := range old[gi].pos {
			if s > 0 {
				x.insert(x.hash(x.keyOf(s-1)), s)
			}
		}
	}
}

func (x *index[K]) rollback() {
	for i := len(x.undo) - 1; i >= 0; i-- {
		u := x.undo[i]
		x.write(u.key, u.old)
	}
	x.commit()
}

func (x *index[K]) commit() {
	x.undo = resetUndo(x.undo)
}
