package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store"
)

// allPages reads every page through read, each in its own View, from the
// first (the zero cursor) to the one without a next cursor, and returns
// their items normalized by norm. check is called on each page that has a
// next cursor.
func allPages[T any, C comparable](t testing.TB, s store.Store, read func(tx store.Tx, after C) ([]T, C, error),
	norm func(T) T, check func(page []T)) []T {
	t.Helper()
	var out []T
	var after, none C
	for range 100 {
		var page []T
		var next C
		require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) {
			page, next, err = read(tx, after)
			return err
		}))
		for _, it := range page {
			out = append(out, norm(it))
		}
		if next == none {
			return out
		}
		check(page)
		after = next
	}
	t.Fatal("pages do not end")
	return nil
}
