package hours_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/hours"
)

// office is an office in Madrid: a lunch break on weekdays, a night line
// on Friday, Good Friday and Christmas closed, a short Christmas Eve, and a
// Saturday holiday that must not cut the Friday night line short.
func office(t testing.TB) *hours.Hours {
	weekday := ivs("09:00-14:00", "15:00-18:00")
	return mustNew(t, hours.Schedule{
		Zone: "Europe/Madrid",
		Weekly: hours.Week{
			time.Monday: weekday, time.Tuesday: weekday, time.Wednesday: weekday, time.Thursday: weekday,
			time.Friday: ivs("22:00-02:00", "09:00-14:00"),
		},
		Holidays:  []hours.Date{date("2026-04-03"), date("2026-06-13"), date("2026-12-25")},
		Overrides: []hours.Override{{Date: date("2026-12-24"), Intervals: ivs("10:00-14:00")}},
	})
}

func TestIsOpen(t *testing.T) {
	h := office(t)
	mad := h.Location()
	tests := []struct {
		name string
		at   string // Madrid wall time
		want bool
	}{
		{"before opening", "2026-03-23 08:59", false},
		{"opening", "2026-03-23 09:00", true},
		{"morning", "2026-03-23 13:59", true},
		{"lunch starts", "2026-03-23 14:00", false},
		{"lunch", "2026-03-23 14:30", false},
		{"afternoon", "2026-03-23 15:00", true},
		{"last minute", "2026-03-23 17:59", true},
		{"closing", "2026-03-23 18:00", false},
		{"night", "2026-03-23 23:00", false},
		{"friday afternoon", "2026-06-12 15:00", false},
		{"friday night starts", "2026-06-12 22:00", true},
		{"friday night on a saturday holiday", "2026-06-13 00:30", true},
		{"friday night ends", "2026-06-13 01:59", true},
		{"friday night ended", "2026-06-13 02:00", false},
		{"saturday without intervals", "2026-06-13 10:00", false},
		{"sunday", "2026-06-14 10:00", false},
		{"good friday", "2026-04-03 10:00", false},
		{"good friday night", "2026-04-03 23:00", false},
		{"after good friday night", "2026-04-04 01:00", false},
		{"christmas eve before the override", "2026-12-24 09:30", false},
		{"christmas eve override", "2026-12-24 10:00", true},
		{"christmas eve override ends", "2026-12-24 14:00", false},
		{"christmas eve afternoon replaced", "2026-12-24 15:30", false},
		{"christmas", "2026-12-25 10:00", false},
		{"christmas night", "2026-12-25 23:00", false},
		{"after christmas night", "2026-12-26 01:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := local(t, mad, tt.at)
			assert.Equal(t, tt.want, h.IsOpen(at))
			assert.Equal(t, tt.want, h.IsOpen(at.UTC()), "in UTC")
			assert.Equal(t, tt.want, h.IsOpen(at.In(zone(t, "Asia/Tokyo"))), "in Tokyo")
		})
	}
}

func TestNextOpen(t *testing.T) {
	h := office(t)
	mad := h.Location()
	tests := []struct {
		name     string
		from     string // Madrid wall time
		want     string // RFC 3339
		duration time.Duration
	}{
		{"open", "2026-03-23 10:00", "2026-03-23T10:00:00+01:00", 0},
		{"lunch", "2026-03-23 14:30", "2026-03-23T15:00:00+01:00", 30 * time.Minute},
		{"early morning", "2026-03-24 06:00", "2026-03-24T09:00:00+01:00", 3 * time.Hour},
		{"friday afternoon", "2026-06-12 15:00", "2026-06-12T22:00:00+02:00", 7 * time.Hour},
		{"friday night tail", "2026-06-13 01:00", "2026-06-13T01:00:00+02:00", 0},
		{"weekend", "2026-06-13 10:00", "2026-06-15T09:00:00+02:00", 47 * time.Hour},
		{"holiday and weekend", "2026-04-02 18:30", "2026-04-06T09:00:00+02:00", 86*time.Hour + 30*time.Minute},
		{"override", "2026-12-23 18:30", "2026-12-24T10:00:00+01:00", 15*time.Hour + 30*time.Minute},
		{"after the override", "2026-12-24 14:00", "2026-12-28T09:00:00+01:00", 91 * time.Hour},
		{"spring forward weekend", "2026-03-28 12:00", "2026-03-30T09:00:00+02:00", 44 * time.Hour},
		{"fall back weekend", "2026-10-24 12:00", "2026-10-26T09:00:00+01:00", 46 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := local(t, mad, tt.from)
			got, ok := h.NextOpen(from.UTC())
			require.True(t, ok)
			assert.Equal(t, tt.want, rfc(got))
			assert.Equal(t, mad, got.Location())
			assert.Equal(t, tt.duration, got.Sub(from))
			assert.True(t, h.IsOpen(got))
		})
	}
}

func TestNextClose(t *testing.T) {
	h := office(t)
	mad := h.Location()
	tests := []struct {
		name string
		from string // Madrid wall time
		want string // RFC 3339
	}{
		{"morning", "2026-03-23 10:00", "2026-03-23T14:00:00+01:00"},
		{"afternoon", "2026-03-23 15:00", "2026-03-23T18:00:00+01:00"},
		{"closed", "2026-03-23 14:30", "2026-03-23T14:30:00+01:00"},
		{"friday night", "2026-06-12 23:00", "2026-06-13T02:00:00+02:00"},
		{"override", "2026-12-24 11:00", "2026-12-24T14:00:00+01:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := h.NextClose(local(t, mad, tt.from))
			require.True(t, ok)
			assert.Equal(t, tt.want, rfc(got))
			assert.False(t, h.IsOpen(got))
		})
	}
}

func TestNextCloseAcrossMidnight(t *testing.T) {
	// Saturday evening and Sunday night are one open period, as is a whole
	// week of open days.
	h := mustNew(t, hours.Schedule{
		Zone:   "Asia/Tokyo",
		Weekly: hours.Week{time.Saturday: ivs("20:00-24:00"), time.Sunday: ivs("00:00-03:00")},
	})
	got, ok := h.NextClose(local(t, h.Location(), "2026-05-09 21:00"))
	require.True(t, ok)
	assert.Equal(t, "2026-05-10T03:00:00+09:00", rfc(got))

	allDay := ivs("00:00-24:00")
	always := hours.Schedule{Zone: "Europe/Madrid", Weekly: hours.Week{allDay, allDay, allDay, allDay, allDay, allDay, allDay}}
	h = mustNew(t, always)
	from := utc("2026-03-27 12:00")
	_, ok = h.NextClose(from)
	assert.False(t, ok, "always open")
	got, ok = h.NextOpen(from)
	require.True(t, ok)
	assert.True(t, got.Equal(from))

	always.Holidays = []hours.Date{date("2026-04-03")}
	h = mustNew(t, always)
	got, ok = h.NextClose(from)
	require.True(t, ok)
	assert.Equal(t, "2026-04-03T00:00:00+02:00", rfc(got))
	got, ok = h.NextOpen(got)
	require.True(t, ok)
	assert.Equal(t, "2026-04-04T00:00:00+02:00", rfc(got))
}

func TestNeverOpen(t *testing.T) {
	from := utc("2026-01-01 00:00")
	for _, s := range []hours.Schedule{
		{Zone: "UTC"},
		{Zone: "UTC", Overrides: []hours.Override{{Date: date("2025-12-24"), Intervals: ivs("10:00-14:00")}}},
		{Zone: "UTC", Overrides: []hours.Override{{Date: date("2027-06-01")}}, Holidays: mondays(2026, 2028)},
	} {
		h := mustNew(t, s)
		assert.False(t, h.IsOpen(from))
		got, ok := h.NextOpen(from)
		assert.False(t, ok)
		assert.True(t, got.IsZero())
		got, ok = h.NextClose(from)
		assert.True(t, ok)
		assert.True(t, got.Equal(from))
	}
}

func TestNextOpenFarAhead(t *testing.T) {
	// Open on Mondays only, and every Monday of 2026 and 2027 a holiday.
	h := mustNew(t, hours.Schedule{Zone: "America/Bogota", Weekly: hours.Week{time.Monday: ivs("09:00-10:00")}, Holidays: mondays(2026, 2027)})
	got, ok := h.NextOpen(utc("2026-01-01 00:00"))
	require.True(t, ok)
	assert.Equal(t, "2028-01-03T09:00:00-05:00", rfc(got))

	// Closed but for one dated day.
	h = mustNew(t, hours.Schedule{Zone: "America/Bogota", Overrides: []hours.Override{{Date: date("2027-03-15"), Intervals: ivs("08:00-12:00")}}})
	got, ok = h.NextOpen(utc("2026-01-01 00:00"))
	require.True(t, ok)
	assert.Equal(t, "2027-03-15T08:00:00-05:00", rfc(got))
	_, ok = h.NextOpen(got.Add(4 * time.Hour))
	assert.False(t, ok)
}

// mondays returns the Mondays of the years from through to.
func mondays(from, to int) []hours.Date {
	var out []hours.Date
	for d := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= to; d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Monday {
			out = append(out, hours.Date{Year: d.Year(), Month: d.Month(), Day: d.Day()})
		}
	}
	return out
}

// TestZoneTransitions checks the clock changes the DST tests rely on
// against the zone database.
func TestZoneTransitions(t *testing.T) {
	tests := []struct {
		zone         string
		change       string // UTC
		before, upon string // wall clocks a second before and at the change
	}{
		{"Europe/Madrid", "2026-03-29 01:00", "2026-03-29 01:59:59 CET", "2026-03-29 03:00:00 CEST"},
		{"Europe/Madrid", "2026-10-25 01:00", "2026-10-25 02:59:59 CEST", "2026-10-25 02:00:00 CET"},
		{"America/Santiago", "2026-04-05 03:00", "2026-04-04 23:59:59 -03", "2026-04-04 23:00:00 -04"},
		{"America/Santiago", "2026-09-06 04:00", "2026-09-05 23:59:59 -04", "2026-09-06 01:00:00 -03"},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.change, func(t *testing.T) {
			loc := zone(t, tt.zone)
			change := utc(tt.change)
			const layout = "2006-01-02 15:04:05 MST"
			assert.Equal(t, tt.before, change.Add(-time.Second).In(loc).Format(layout))
			assert.Equal(t, tt.upon, change.In(loc).Format(layout))
			start, _ := change.In(loc).ZoneBounds()
			assert.True(t, start.Equal(change), "the change is at %v", start.UTC())
		})
	}
	for _, name := range []string{"Asia/Tokyo", "America/Bogota"} {
		start, end := utc("2026-06-01 00:00").In(zone(t, name)).ZoneBounds()
		assert.True(t, start.Year() < 2026 && (end.IsZero() || end.Year() > 2027), "%s changes its clocks", name)
	}
}

// TestDST checks intervals on the days the clocks change; the instants are
// given in UTC.
func TestDST(t *testing.T) {
	tests := []struct {
		name   string
		zone   string
		weekly hours.Week
		at     string // UTC
		open   bool
		next   string // NextOpen, RFC 3339
		close  string // NextClose, RFC 3339
	}{
		// Madrid, 29 March 2026: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
		{"start in the gap opens after it", "Europe/Madrid", hours.Week{time.Sunday: ivs("02:30-04:00")},
			"2026-03-29 00:59", false, "2026-03-29T03:00:00+02:00", "2026-03-29T01:59:00+01:00"},
		{"start in the gap, open", "Europe/Madrid", hours.Week{time.Sunday: ivs("02:30-04:00")},
			"2026-03-29 01:00", true, "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"},
		{"end in the gap closes after it", "Europe/Madrid", hours.Week{time.Saturday: ivs("22:00-02:30")},
			"2026-03-29 00:30", true, "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00"},
		{"interval in the gap never opens", "Europe/Madrid", hours.Week{time.Sunday: ivs("02:15-02:45")},
			"2026-03-28 23:00", false, "2026-04-05T02:15:00+02:00", "2026-03-29T00:00:00+01:00"},
		// Madrid, 25 October 2026: 03:00 CEST becomes 02:00 CET at 01:00 UTC.
		{"start in the repeated hour opens at the first", "Europe/Madrid", hours.Week{time.Sunday: ivs("02:30-04:00")},
			"2026-10-25 00:00", false, "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+02:00"},
		{"open through the repeated hour", "Europe/Madrid", hours.Week{time.Sunday: ivs("02:30-04:00")},
			"2026-10-25 01:15", true, "2026-10-25T02:15:00+01:00", "2026-10-25T04:00:00+01:00"},
		{"end in the repeated hour closes at the first", "Europe/Madrid", hours.Week{time.Sunday: ivs("01:00-02:30")},
			"2026-10-25 00:15", true, "2026-10-25T02:15:00+02:00", "2026-10-25T02:30:00+02:00"},
		{"closed in the second repeated hour", "Europe/Madrid", hours.Week{time.Sunday: ivs("01:00-02:30")},
			"2026-10-25 01:15", false, "2026-11-01T01:00:00+01:00", "2026-10-25T02:15:00+01:00"},
		// Santiago, 6 September 2026: 00:00 -04 becomes 01:00 -03 at 04:00 UTC.
		{"no midnight: opens at 01:00", "America/Santiago", hours.Week{time.Sunday: ivs("00:00-02:00")},
			"2026-09-06 01:00", false, "2026-09-06T01:00:00-03:00", "2026-09-05T21:00:00-04:00"},
		{"no midnight: open", "America/Santiago", hours.Week{time.Sunday: ivs("00:00-02:00")},
			"2026-09-06 04:30", true, "2026-09-06T01:30:00-03:00", "2026-09-06T02:00:00-03:00"},
		{"no midnight: 24:00 is the change", "America/Santiago", hours.Week{time.Saturday: ivs("20:00-24:00")},
			"2026-09-06 03:30", true, "2026-09-05T23:30:00-04:00", "2026-09-06T01:00:00-03:00"},
		// Santiago, 5 April 2026: 00:00 -03 becomes 23:00 -04 of the 4th at 03:00 UTC.
		{"end in the repeated hour, first", "America/Santiago", hours.Week{time.Saturday: ivs("22:00-23:30")},
			"2026-04-05 02:00", true, "2026-04-04T23:00:00-03:00", "2026-04-04T23:30:00-03:00"},
		{"end in the repeated hour, second", "America/Santiago", hours.Week{time.Saturday: ivs("22:00-23:30")},
			"2026-04-05 03:15", false, "2026-04-11T22:00:00-04:00", "2026-04-04T23:15:00-04:00"},
		{"midnight after the repeated hour", "America/Santiago", hours.Week{time.Sunday: ivs("00:00-02:00")},
			"2026-04-05 02:45", false, "2026-04-05T00:00:00-04:00", "2026-04-04T23:45:00-03:00"},
		{"24:00 after the repeated hour", "America/Santiago", hours.Week{time.Saturday: ivs("20:00-24:00")},
			"2026-04-05 03:30", true, "2026-04-04T23:30:00-04:00", "2026-04-05T00:00:00-04:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustNew(t, hours.Schedule{Zone: tt.zone, Weekly: tt.weekly})
			at := utc(tt.at)
			assert.Equal(t, tt.open, h.IsOpen(at))
			next, ok := h.NextOpen(at)
			require.True(t, ok)
			assert.Equal(t, tt.next, rfc(next), "NextOpen")
			end, ok := h.NextClose(at)
			require.True(t, ok)
			assert.Equal(t, tt.close, rfc(end), "NextClose")
		})
	}
}

// TestNoDST checks a zone without clock changes: the weekend lasts the same
// every week.
func TestNoDST(t *testing.T) {
	weekday := ivs("09:00-12:00", "13:00-17:30")
	h := mustNew(t, hours.Schedule{Zone: "Asia/Tokyo", Weekly: hours.Week{
		time.Monday: weekday, time.Tuesday: weekday, time.Wednesday: weekday, time.Thursday: weekday, time.Friday: weekday,
	}})
	for _, friday := range []string{"2026-03-27", "2026-10-23", "2026-12-18"} {
		from := local(t, h.Location(), friday+" 17:30")
		assert.False(t, h.IsOpen(from))
		next, ok := h.NextOpen(from)
		require.True(t, ok)
		assert.Equal(t, 63*time.Hour+30*time.Minute, next.Sub(from), friday)
		assert.Equal(t, "09:00 Mon", next.Format("15:04 Mon"))
	}
	assert.True(t, h.IsOpen(utc("2026-03-27 00:30")), "09:30 in Tokyo")
}

// TestConsistency checks IsOpen, NextOpen and NextClose against each other
// minute by minute over the weeks of the clock changes.
func TestConsistency(t *testing.T) {
	weekday := ivs("09:00-14:00", "15:00-18:00")
	weekly := hours.Week{
		time.Sunday:   ivs("00:00-01:30", "02:30-03:00"),
		time.Monday:   weekday,
		time.Tuesday:  ivs("23:00-24:00"),
		time.Thursday: weekday,
		time.Friday:   ivs("09:00-14:00", "22:00-02:30"),
		time.Saturday: ivs("02:30-04:00", "23:30-00:00"),
	}
	for _, tt := range []struct{ zone, from string }{
		{"Europe/Madrid", "2026-03-25 00:00"},
		{"Europe/Madrid", "2026-10-21 00:00"},
		{"America/Santiago", "2026-04-01 00:00"},
		{"America/Santiago", "2026-09-02 00:00"},
		{"America/Bogota", "2026-06-01 00:00"},
	} {
		t.Run(tt.zone+" "+tt.from, func(t *testing.T) {
			h := mustNew(t, hours.Schedule{Zone: tt.zone, Weekly: weekly, Holidays: []hours.Date{date(tt.from[:10])}})
			from := utc(tt.from).In(h.Location())
			const n = 10 * 24 * 60
			open := make([]bool, n)
			for m := range open {
				open[m] = h.IsOpen(from.Add(time.Duration(m) * time.Minute))
			}
			nextOpen, nextClose := n, n
			for m := n - 1; m >= 0; m-- {
				if open[m] {
					nextOpen = m
				} else {
					nextClose = m
				}
				at := from.Add(time.Duration(m) * time.Minute)
				if nextOpen < n {
					got, ok := h.NextOpen(at)
					require.True(t, ok)
					require.Equal(t, rfc(from.Add(time.Duration(nextOpen)*time.Minute)), rfc(got), "NextOpen(%v)", at)
				}
				if nextClose < n {
					got, ok := h.NextClose(at)
					require.True(t, ok)
					require.Equal(t, rfc(from.Add(time.Duration(nextClose)*time.Minute)), rfc(got), "NextClose(%v)", at)
				}
			}
		})
	}
}
