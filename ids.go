package contactcenter

import (
	"strconv"
	"sync/atomic"
)

// SequentialIDs returns an id generator for Config.NewID that yields
// prefix1, prefix2, … . It makes examples and tests deterministic; ids are
// unique only within one generator, so production hosts keep the default.
func SequentialIDs(prefix string) func() string {
	var n atomic.Uint64
	return func() string { return prefix + strconv.FormatUint(n.Add(1), 10) }
}
