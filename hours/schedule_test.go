package hours_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/hours"
)

func TestValidate(t *testing.T) {
	valid := func() hours.Schedule {
		return hours.Schedule{
			Zone: "Europe/Madrid",
			Weekly: hours.Week{
				time.Monday:   ivs("09:00-14:00", "15:00-18:00"),
				time.Thursday: ivs("22:00-02:00"),
				time.Friday:   ivs("02:00-04:00", "22:00-24:00"),
				time.Saturday: ivs("00:00-24:00"),
				time.Sunday:   ivs("00:00-01:00"),
			},
			Holidays:  []hours.Date{date("2026-12-25"), date("2026-01-01")},
			Overrides: []hours.Override{{Date: date("2026-12-24"), Intervals: ivs("10:00-14:00")}, {Date: date("2026-12-31")}},
		}
	}
	require.NoError(t, valid().Validate())

	tests := []struct {
		name   string
		change func(*hours.Schedule)
		want   string
	}{
		{"missing zone", func(s *hours.Schedule) { s.Zone = "" }, "zone: missing"},
		{"unknown zone", func(s *hours.Schedule) { s.Zone = "Europe/Madird" }, `zone: unknown time zone "Europe/Madird"`},
		{"host zone", func(s *hours.Schedule) { s.Zone = "Local" }, `zone: "Local" depends on the host`},
		{"start out of range", func(s *hours.Schedule) {
			s.Weekly[time.Monday][1] = hours.Interval{Start: -1, End: hours.At(18, 0)}
		}, "weekly.monday[1]: start Clock(-1) is not a time of day before 24:00"},
		{"start at 24:00", func(s *hours.Schedule) {
			s.Weekly[time.Tuesday] = []hours.Interval{{Start: hours.At(24, 0), End: hours.At(2, 0)}}
		}, "weekly.tuesday[0]: start 24:00 is not a time of day before 24:00"},
		{"end out of range", func(s *hours.Schedule) {
			s.Weekly[time.Monday][0].End = hours.At(24, 30)
		}, "weekly.monday[0]: end Clock(1470) is not a time of day"},
		{"zero length", func(s *hours.Schedule) {
			s.Weekly[time.Monday][0].End = hours.At(9, 0)
		}, "weekly.monday[0]: zero length"},
		{"overlap", func(s *hours.Schedule) { s.Weekly[time.Monday] = ivs("13:00-18:00", "09:00-14:00") },
			"weekly.monday[1]: 09:00-14:00 overlaps weekly.monday[0] 13:00-18:00"},
		{"overlap with an overnight interval", func(s *hours.Schedule) { s.Weekly[time.Monday] = ivs("09:00-14:00", "17:00-01:00", "15:00-18:00") },
			"weekly.monday[2]: 15:00-18:00 overlaps weekly.monday[1] 17:00-01:00"},
		{"overlap after midnight", func(s *hours.Schedule) { s.Weekly[time.Thursday] = ivs("22:00-03:00") },
			"weekly.thursday[0]: 22:00-03:00 overlaps weekly.friday[0] 02:00-04:00"},
		{"overlap after midnight on Sunday", func(s *hours.Schedule) { s.Weekly[time.Saturday] = ivs("09:00-00:30") },
			"weekly.saturday[0]: 09:00-00:30 overlaps weekly.sunday[0] 00:00-01:00"},
		{"not a date", func(s *hours.Schedule) { s.Holidays[1] = hours.Date{Year: 2026, Month: time.February, Day: 29} },
			"holidays[1]: 2026-02-29 is not a date"},
		{"zero date", func(s *hours.Schedule) { s.Overrides[1].Date = hours.Date{} }, "overrides[1]: 0000-00-00 is not a date"},
		{"holiday twice", func(s *hours.Schedule) { s.Holidays = append(s.Holidays, date("2026-12-25")) },
			"holidays[2]: 2026-12-25 is listed twice"},
		{"override twice", func(s *hours.Schedule) { s.Overrides[1].Date = date("2026-12-24") },
			"overrides[1]: 2026-12-24 is listed twice"},
		{"override on a holiday", func(s *hours.Schedule) { s.Overrides[1].Date = date("2026-01-01") },
			"overrides[1]: 2026-01-01 is also a holiday"},
		{"bad override interval", func(s *hours.Schedule) {
			s.Overrides[1].Intervals = []hours.Interval{{Start: hours.At(10, 0), End: hours.At(10, 0)}}
		}, "overrides[1][0]: zero length"},
		{"override overlaps overnight of the day before", func(s *hours.Schedule) {
			// Friday 2027-01-08, after Thursday's 22:00-02:00.
			s.Overrides = append(s.Overrides, hours.Override{Date: date("2027-01-08"), Intervals: ivs("01:00-05:00")})
		}, "weekly.thursday[0] on 2027-01-07: 22:00-02:00 overlaps overrides[2][0] 01:00-05:00"},
		{"override overnight overlaps the day after", func(s *hours.Schedule) {
			// Thursday 2027-01-07, before Friday's 02:00-04:00.
			s.Overrides = append(s.Overrides, hours.Override{Date: date("2027-01-07"), Intervals: ivs("20:00-03:00")})
		}, "overrides[2][0]: 20:00-03:00 overlaps weekly.friday[0] on 2027-01-08 02:00-04:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.change(&s)
			err := s.Validate()
			require.ErrorIs(t, err, hours.ErrInvalid)
			assert.ErrorContains(t, err, tt.want)
			h, err := hours.New(s)
			assert.Nil(t, h)
			assert.ErrorIs(t, err, hours.ErrInvalid)
		})
	}
}

func TestValidateAllowsTouching(t *testing.T) {
	for _, weekly := range []hours.Week{
		{time.Monday: ivs("09:00-14:00", "14:00-18:00")},
		{time.Friday: ivs("22:00-02:00"), time.Saturday: ivs("02:00-05:00")},
		{time.Saturday: ivs("12:00-24:00"), time.Sunday: ivs("00:00-12:00")},
		{time.Saturday: ivs("12:00-00:00"), time.Sunday: ivs("00:00-12:00")},
	} {
		assert.NoError(t, hours.Schedule{Zone: "UTC", Weekly: weekly}.Validate(), "%v", weekly)
	}
	// A holiday or override the day before removes the overnight interval
	// that would overlap.
	s := hours.Schedule{
		Zone:      "UTC",
		Weekly:    hours.Week{time.Thursday: ivs("22:00-02:00")},
		Holidays:  []hours.Date{date("2026-12-31")},
		Overrides: []hours.Override{{Date: date("2027-01-01"), Intervals: ivs("00:00-12:00")}},
	}
	assert.NoError(t, s.Validate())
}

func TestParse(t *testing.T) {
	for s, want := range map[string]hours.Clock{"00:00": 0, "09:05": hours.At(9, 5), "23:59": hours.At(23, 59), "24:00": 1440} {
		got, err := hours.ParseClock(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, got, s)
		assert.Equal(t, s, got.String())
	}
	for _, s := range []string{"", "9:00", "09:0", "24:01", "25:00", "09:60", "+9:00", "0900", "ab:cd", "09:00:00", " 9:00"} {
		_, err := hours.ParseClock(s)
		assert.ErrorIs(t, err, hours.ErrInvalid, s)
	}

	for s, want := range map[string]hours.Interval{
		"09:00-18:00": {Start: hours.At(9, 0), End: hours.At(18, 0)},
		"22:00-02:00": {Start: hours.At(22, 0), End: hours.At(2, 0)},
		"00:00-24:00": {Start: 0, End: hours.At(24, 0)},
	} {
		got, err := hours.ParseInterval(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, got, s)
		assert.Equal(t, s, got.String())
	}
	for _, s := range []string{"", "09:00", "09:00-", "-18:00", "09:00–18:00", "09:00-18:00-20:00", "24:00-02:00", "09:00-09:00", "00:00-00:00"} {
		_, err := hours.ParseInterval(s)
		assert.ErrorIs(t, err, hours.ErrInvalid, s)
	}

	d, err := hours.ParseDate("2026-12-25")
	require.NoError(t, err)
	assert.Equal(t, hours.Date{Year: 2026, Month: time.December, Day: 25}, d)
	assert.Equal(t, "2026-12-25", d.String())
	for _, s := range []string{"", "2026-02-29", "2026-2-5", "0000-01-01", "25/12/2026", "2026-12-25T00:00:00Z"} {
		_, err := hours.ParseDate(s)
		assert.ErrorIs(t, err, hours.ErrInvalid, s)
	}
}

func TestJSON(t *testing.T) {
	const doc = `{
		"zone": "Europe/Madrid",
		"weekly": {"monday": ["09:00-14:00", "15:00-18:00"], "friday": ["09:00-15:00", "22:00-02:00"]},
		"holidays": ["2026-12-25"],
		"overrides": [{"date": "2026-12-24", "intervals": ["10:00-14:00"]}]
	}`
	var s hours.Schedule
	require.NoError(t, json.Unmarshal([]byte(doc), &s))
	want := hours.Schedule{
		Zone:      "Europe/Madrid",
		Weekly:    hours.Week{time.Monday: ivs("09:00-14:00", "15:00-18:00"), time.Friday: ivs("09:00-15:00", "22:00-02:00")},
		Holidays:  []hours.Date{date("2026-12-25")},
		Overrides: []hours.Override{{Date: date("2026-12-24"), Intervals: ivs("10:00-14:00")}},
	}
	assert.Equal(t, want, s)
	require.NoError(t, s.Validate())

	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.JSONEq(t, doc, string(b))
	assert.Contains(t, string(b), `{"monday":["09:00-14:00","15:00-18:00"],"friday"`, "days in order, Monday first")

	_, err = json.Marshal(hours.Schedule{Zone: "UTC", Weekly: hours.Week{time.Monday: {{Start: hours.At(9, 0), End: hours.At(25, 0)}}}})
	assert.ErrorIs(t, err, hours.ErrInvalid)

	for _, bad := range []string{
		`{"zone": "UTC", "weekly": {"mondy": ["09:00-14:00"]}}`,
		`{"zone": "UTC", "weekly": {"monday": ["09:00-09:00"]}}`,
		`{"zone": "UTC", "weekly": {"monday": ["9-14"]}}`,
		`{"zone": "UTC", "holidays": ["2026-02-30"]}`,
		`{"zone": "UTC", "overrides": [{"date": "2026-12-24", "intervals": ["10:00-25:00"]}]}`,
	} {
		var s hours.Schedule
		err := json.Unmarshal([]byte(bad), &s)
		assert.ErrorIs(t, err, hours.ErrInvalid, bad)
	}
}
