package hours_test

import (
	"testing"
	"time"

	"github.com/telenet/contactcenter/hours"
)

// BenchmarkOutOfHoursCheck measures what the engine asks on each contact
// message to a channel with an out-of-hours message (R4): whether the
// channel is open, and when closed, when it opens again.
//
//	go test -run '^$' -bench OutOfHoursCheck -benchmem ./hours
func BenchmarkOutOfHoursCheck(b *testing.B) {
	day := []hours.Interval{{Start: hours.At(9, 0), End: hours.At(14, 0)}, {Start: hours.At(15, 0), End: hours.At(18, 0)}}
	h, err := hours.New(hours.Schedule{Zone: "Europe/Madrid",
		Weekly:   hours.Week{time.Monday: day, time.Tuesday: day, time.Wednesday: day, time.Thursday: day, time.Friday: day},
		Holidays: []hours.Date{{Year: 2026, Month: time.December, Day: 25}}})
	if err != nil {
		b.Fatal(err)
	}
	closed := time.Date(2026, 12, 24, 19, 30, 0, 0, time.UTC) // Thursday night before a holiday
	want := time.Date(2026, 12, 28, 8, 0, 0, 0, time.UTC)     // Monday 09:00 in Madrid
	b.ReportAllocs()
	for b.Loop() {
		if h.IsOpen(closed) {
			b.Fatal("open")
		}
		if next, ok := h.NextOpen(closed); !ok || !next.Equal(want) {
			b.Fatal(next)
		}
	}
}
