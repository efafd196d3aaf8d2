package hours

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstant(t *testing.T) {
	tests := []struct {
		name string
		zone string
		wall string // wall clock
		want string // RFC 3339
	}{
		{"utc", "UTC", "2026-03-29 02:30", "2026-03-29T02:30:00Z"},
		{"standard time", "Europe/Madrid", "2026-03-28 02:30", "2026-03-28T02:30:00+01:00"},
		{"summer time", "Europe/Madrid", "2026-03-29 03:00", "2026-03-29T03:00:00+02:00"},
		{"last minute before the gap", "Europe/Madrid", "2026-03-29 01:59", "2026-03-29T01:59:00+01:00"},
		{"start of the gap", "Europe/Madrid", "2026-03-29 02:00", "2026-03-29T03:00:00+02:00"},
		{"in the gap", "Europe/Madrid", "2026-03-29 02:30", "2026-03-29T03:00:00+02:00"},
		{"repeated, first", "Europe/Madrid", "2026-10-25 02:00", "2026-10-25T02:00:00+02:00"},
		{"repeated", "Europe/Madrid", "2026-10-25 02:59", "2026-10-25T02:59:00+02:00"},
		{"after the repeated hour", "Europe/Madrid", "2026-10-25 03:00", "2026-10-25T03:00:00+01:00"},
		{"no midnight", "America/Santiago", "2026-09-06 00:00", "2026-09-06T01:00:00-03:00"},
		{"after the missing midnight", "America/Santiago", "2026-09-06 01:00", "2026-09-06T01:00:00-03:00"},
		{"repeated before midnight", "America/Santiago", "2026-04-04 23:30", "2026-04-04T23:30:00-03:00"},
		{"midnight after the repeated hour", "America/Santiago", "2026-04-05 00:00", "2026-04-05T00:00:00-04:00"},
		{"no change", "Asia/Tokyo", "2026-03-29 02:30", "2026-03-29T02:30:00+09:00"},
		// Samoa skipped 30 December 2011, moving across the date line.
		{"skipped day", "Pacific/Apia", "2011-12-30 12:00", "2011-12-31T00:00:00+14:00"},
		{"before the skipped day", "Pacific/Apia", "2011-12-29 23:59", "2011-12-29T23:59:00-10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			require.NoError(t, err)
			wall, err := time.Parse("2006-01-02 15:04", tt.wall)
			require.NoError(t, err)
			got := (&Hours{loc: loc}).instant(wall)
			assert.Equal(t, tt.want, got.Format(time.RFC3339))
			assert.Equal(t, loc, got.Location())
		})
	}
}

// TestSkippedDay checks a day that a zone skipped altogether: its
// intervals never open, and the previous night's interval ends when the day
// after begins.
func TestSkippedDay(t *testing.T) {
	h, err := New(Schedule{Zone: "Pacific/Apia", Weekly: Week{
		time.Thursday: {{Start: At(22, 0), End: At(2, 0)}},
		time.Friday:   {{Start: At(9, 0), End: At(17, 0)}},
		time.Saturday: {{Start: At(9, 0), End: At(17, 0)}},
	}})
	require.NoError(t, err)
	thursday := time.Date(2011, 12, 29, 23, 0, 0, 0, h.loc)
	assert.True(t, h.IsOpen(thursday))
	end, ok := h.NextClose(thursday)
	require.True(t, ok)
	assert.Equal(t, "2011-12-31T00:00:00+14:00", end.Format(time.RFC3339))
	next, ok := h.NextOpen(end)
	require.True(t, ok)
	assert.Equal(t, "2011-12-31T09:00:00+14:00", next.Format(time.RFC3339))
}
