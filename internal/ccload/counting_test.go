package ccload

import (
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/telenet/contactcenter/store/postgres"
)

// The engine finds a store's optional capabilities by type assertion, so a
// wrapper that lacks one of the wrapped store's hides it, and the engine
// takes another path than it does in service. CountingStore has every
// method *postgres.Store has but Pool, which only hosts call: a capability
// added to the PostgreSQL store must be passed on by CountingStore too.
func TestCountingStoreHidesNoCapability(t *testing.T) {
	methods := func(v any) []string {
		typ := reflect.TypeOf(v)
		var names []string
		for i := range typ.NumMethod() {
			names = append(names, typ.Method(i).Name)
		}
		return names
	}
	wrapper := methods(&CountingStore{})
	var hidden []string
	for _, m := range methods(&postgres.Store{}) {
		if !slices.Contains(wrapper, m) {
			hidden = append(hidden, m)
		}
	}
	assert.Equal(t, []string{"Pool"}, hidden, "methods of *postgres.Store that CountingStore does not pass on")
}
