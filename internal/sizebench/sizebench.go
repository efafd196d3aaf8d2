// Package sizebench measures what a store's query costs on two stores of
// different sizes in one run, for the benchmarks of the SQL stores whose
// goal compares them ("within 2× on 10,000 and on 1,000,000 rows"): the
// sizes are interleaved, so that a noisy machine weighs on both alike.
package sizebench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store"
)

// Sizes returns the two sizes compared: 10,000 and the larger one, from
// environment variable env when set, else 1,000,000.
func Sizes(b *testing.B, env string) []int {
	large := 1_000_000
	if v := os.Getenv(env); v != "" {
		var err error
		large, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	return []int{10_000, large}
}

// Seed makes a store of each size with fill, which opens and seeds one of
// n rows, and logs how long each took.
func Seed[S store.Store](b *testing.B, sizes []int, fill func(n int) S) []store.Store {
	out := make([]store.Store, len(sizes))
	var seeded []string
	for i, n := range sizes {
		start := time.Now()
		out[i] = fill(n)
		seeded = append(seeded, fmt.Sprintf("%d in %v", n, time.Since(start).Round(time.Millisecond)))
	}
	if b.N > 1 {
		b.Logf("seeded %s", strings.Join(seeded, ", "))
	}
	return out
}

// A Case is one query, run in a read transaction of a store.
type Case struct {
	Name string
	Run  func(ctx context.Context, tx store.Tx) error
}

// Compare times each case on every store in each of b.N iterations (the
// median of 5 calls), and reports per case the ratio of the medians over
// the iterations, largest store against smallest ("ratio-<name>"), the
// worst of those ("worst-ratio") and the worst ratio of the minima
// ("worst-min-ratio": on a loaded machine the calls that waited for
// nothing else show the query's own cost best). rows names what the
// sizes count, in the log. Run with -benchtime=7x (at least 2x), say.
func Compare(b *testing.B, stores []store.Store, sizes []int, rows string, cases []Case) {
	ctx := context.Background()
	median := func(s store.Store, c Case) time.Duration {
		ts := make([]time.Duration, 5)
		for i := range ts {
			start := time.Now()
			err := s.View(ctx, func(tx store.Tx) error { return c.Run(ctx, tx) })
			ts[i] = time.Since(start)
			require.NoError(b, err, c.Name)
		}
		slices.Sort(ts)
		return ts[len(ts)/2]
	}
	times := make([][][]time.Duration, len(cases)) // case, size, iteration
	for i := range times {
		times[i] = make([][]time.Duration, len(stores))
	}
	b.ResetTimer()
	for range b.N {
		for i, c := range cases {
			for j, s := range stores {
				times[i][j] = append(times[i][j], median(s, c))
			}
		}
	}
	b.StopTimer()
	if b.N == 1 {
		return // the run that sizes b.N: -benchtime=7x runs again with 7
	}
	last := len(stores) - 1
	worst, worstMin := 0.0, 0.0
	for i, c := range cases {
		meds := make([]time.Duration, len(stores))
		mins := make([]time.Duration, len(stores))
		spread := make([]string, len(stores))
		for j := range stores {
			ts := slices.Clone(times[i][j])
			slices.Sort(ts)
			meds[j], mins[j] = ts[len(ts)/2], ts[0]
			spread[j] = fmt.Sprintf("%v/%v/%v", ts[0].Round(time.Microsecond), meds[j].Round(time.Microsecond), ts[len(ts)-1].Round(time.Microsecond))
		}
		ratio, minRatio := float64(meds[last])/float64(meds[0]), float64(mins[last])/float64(mins[0])
		worst, worstMin = max(worst, ratio), max(worstMin, minRatio)
		b.Logf("%-22s %d %s min/med/max %s, %d %s %s, ratio of medians %.2f, of minima %.2f",
			c.Name, sizes[0], rows, spread[0], sizes[last], rows, spread[last], ratio, minRatio)
		b.ReportMetric(ratio, "ratio-"+strings.ReplaceAll(c.Name, " ", "-"))
	}
	b.ReportMetric(worst, "worst-ratio")
	b.ReportMetric(worstMin, "worst-min-ratio")
}

// ListCase is the first page of the workspace "w"'s conversations with
// filter f, which must be full (store.DefaultConversationPage).
func ListCase(name string, f store.ConversationFilter) Case {
	return Case{Name: name, Run: func(ctx context.Context, tx store.Tx) error {
		page, _, err := tx.Conversations(ctx, "w", f)
		if err == nil && len(page) != store.DefaultConversationPage {
			err = fmt.Errorf("page of %d", len(page))
		}
		return err
	}}
}

// SearchCase is the first page of the workspace "w"'s contacts that q
// finds, which must hold found.
func SearchCase(name string, q store.ContactQuery, found int) Case {
	return Case{Name: name, Run: func(ctx context.Context, tx store.Tx) error {
		page, _, err := tx.SearchContacts(ctx, "w", q)
		if err == nil && len(page) != found {
			err = fmt.Errorf("%+v: page of %d, want %d", q, len(page), found)
		}
		return err
	}}
}
