package hours_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/hours"
)

// ivs parses intervals written "09:00-18:00".
func ivs(ss ...string) []hours.Interval {
	out := make([]hours.Interval, len(ss))
	for i, s := range ss {
		iv, err := hours.ParseInterval(s)
		if err != nil {
			panic(err)
		}
		out[i] = iv
	}
	return out
}

// date parses a date written "2006-01-02".
func date(s string) hours.Date {
	d, err := hours.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// zone loads a time zone.
func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// local returns the instant of a wall time written "2006-01-02 15:04" in
// loc; the wall time must exist once.
func local(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	const layout = "2006-01-02 15:04"
	at, err := time.ParseInLocation(layout, s, loc)
	require.NoError(t, err)
	require.Equal(t, s, at.Format(layout), "wall time skipped by the clocks")
	for _, d := range []time.Duration{-time.Hour, time.Hour} {
		require.NotEqual(t, s, at.Add(d).Format(layout), "wall time shown twice")
	}
	return at
}

// utc returns the instant of a UTC time written "2006-01-02 15:04".
func utc(s string) time.Time {
	at, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return at
}

// mustNew returns the hours of s.
func mustNew(t testing.TB, s hours.Schedule) *hours.Hours {
	t.Helper()
	h, err := hours.New(s)
	require.NoError(t, err)
	return h
}

// rfc formats an instant with its offset, to compare instants and zones.
func rfc(t time.Time) string { return t.Format(time.RFC3339) }
