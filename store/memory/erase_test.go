package memory_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/store/storetest"
)

// After an erasure no row of the store, nor the space it keeps for reuse,
// holds the contact's name, external id, field values or texts; the other
// contact's are all there.
func TestEraseLeavesNoRow(t *testing.T) {
	s := memory.New()
	defer s.Close()
	for _, e := range []storetest.Erasure{storetest.SeedErasure(t, s), storetest.EraseThroughEngine(t, s)} {
		dump := memory.Dump(s)
		assert.Empty(t, e.Find(dump), "erased data found in the store")
		assert.Empty(t, e.Missing(dump), "the other contact's data must stay")
	}
}
