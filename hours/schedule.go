package hours

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Schedule is the configuration of a channel's business hours, in the wall
// clock of one time zone. Its zero value is invalid: it has no zone.
type Schedule struct {
	// Zone is the IANA name of the time zone of all times and dates of the
	// schedule, such as "Europe/Madrid" or "UTC".
	Zone string `json:"zone"`
	// Weekly holds the opening intervals of each day of the week.
	Weekly Week `json:"weekly"`
	// Holidays are dates closed all day: the weekly intervals of that day
	// do not apply.
	Holidays []Date `json:"holidays,omitempty"`
	// Overrides are dates with intervals of their own that replace the
	// weekly ones of that day.
	Overrides []Override `json:"overrides,omitempty"`
}

// Week holds the opening intervals of each day of the week, indexed by
// time.Weekday: Week{time.Monday: {...}}. Its JSON form is an object keyed by
// lower-case English day names: {"monday": ["09:00-14:00", "15:00-18:00"]}.
type Week [7][]Interval

// Override is a date with opening intervals of its own, such as a shorter
// day before a holiday. Without intervals the date is closed all day, like a
// holiday.
type Override struct {
	Date      Date       `json:"date"`
	Intervals []Interval `json:"intervals"`
}

// MarshalJSON returns w as an object keyed by day name, Monday first, with
// the days without intervals left out.
func (w Week) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i := range w {
		d := time.Weekday(i+1) % 7
		if len(w[d]) == 0 {
			continue
		}
		ivs, err := json.Marshal(w[d])
		if err != nil {
			return nil, err
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%q:%s", dayName(d), ivs)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON sets w from an object keyed by day name; a key that is not
// a lower-case English day name is an error.
func (w *Week) UnmarshalJSON(b []byte) error {
	var days map[string][]Interval
	if err := json.Unmarshal(b, &days); err != nil {
		return err
	}
	*w = Week{}
	for name, ivs := range days {
		d, ok := weekday(name)
		if !ok {
			return invalidf("weekly: %q is not a day of the week", name)
		}
		w[d] = ivs
	}
	return nil
}

// weekday returns the day called name in JSON.
func weekday(name string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if dayName(d) == name {
			return d, true
		}
	}
	return 0, false
}

// Validate checks s: the zone must be an IANA zone name; every time of day
// must be in range and no interval may be empty; the intervals of a day may
// not overlap one another nor the part after midnight of the previous day's
// intervals; dates must exist and be listed once among the holidays and
// overrides. The error wraps ErrInvalid and names the field at fault, as in
// "weekly.friday[0]" or "overrides[2]".
func (s Schedule) Validate() error {
	_, err := New(s)
	return err
}

// New validates s as Validate does, loads its time zone and returns the
// business hours it describes.
func New(s Schedule) (*Hours, error) {
	loc, err := loadZone(s.Zone)
	if err != nil {
		return nil, err
	}
	if err := checkWeek(s.Weekly); err != nil {
		return nil, err
	}
	h := &Hours{loc: loc, holidays: make(map[Date]bool), overrides: make(map[Date][]Interval)}
	for i, d := range s.Holidays {
		field := fmt.Sprintf("holidays[%d]", i)
		switch {
		case !d.valid():
			return nil, invalidf("%s: %v is not a date", field, d)
		case h.holidays[d]:
			return nil, invalidf("%s: %v is listed twice", field, d)
		}
		h.holidays[d] = true
		h.lastDated = later(h.lastDated, d.midnight())
	}
	overrides := make(map[Date]int, len(s.Overrides)) // index in s.Overrides
	for i, o := range s.Overrides {
		field := fmt.Sprintf("overrides[%d]", i)
		_, dup := overrides[o.Date]
		switch {
		case !o.Date.valid():
			return nil, invalidf("%s: %v is not a date", field, o.Date)
		case dup:
			return nil, invalidf("%s: %v is listed twice", field, o.Date)
		case h.holidays[o.Date]:
			return nil, invalidf("%s: %v is also a holiday", field, o.Date)
		}
		if err := checkIntervals(field, o.Intervals); err != nil {
			return nil, err
		}
		overrides[o.Date] = i
		h.overrides[o.Date] = sorted(o.Intervals)
		h.lastDated = later(h.lastDated, o.Date.midnight())
	}
	if err := s.checkOverrides(overrides); err != nil {
		return nil, err
	}
	for d, ivs := range s.Weekly {
		h.weekly[d] = sorted(ivs)
	}
	return h, nil
}

// checkWeek checks the intervals of each day of w, and that they overlap
// neither one another nor those of the previous day that run past
// midnight.
func checkWeek(w Week) error {
	for d, ivs := range w {
		if err := checkIntervals(weeklyField(time.Weekday(d)), ivs); err != nil {
			return err
		}
	}
	for d := range w {
		next := (d + 1) % 7
		err := checkOverlaps(
			slots(weeklyField(time.Weekday(d)), "", w[d], 0),
			slots(weeklyField(time.Weekday(next)), "", w[next], minutesPerDay))
		if err != nil {
			return err
		}
	}
	return nil
}

// checkOverrides checks that the intervals of each override overlap
// neither those of the day before that run past midnight nor those of the
// day after. index holds the index of each override date in s.Overrides.
func (s Schedule) checkOverrides(index map[Date]int) error {
	// on places the intervals that start on d base minutes after the
	// midnight that starts the two days checked.
	on := func(d Date, base int) []slot {
		if i, ok := index[d]; ok {
			return slots(fmt.Sprintf("overrides[%d]", i), "", s.Overrides[i].Intervals, base)
		}
		if slices.Contains(s.Holidays, d) {
			return nil
		}
		wd := d.midnight().Weekday()
		return slots(weeklyField(wd), fmt.Sprintf(" on %v", d), s.Weekly[wd], base)
	}
	for _, o := range s.Overrides {
		if err := checkOverlaps(on(o.Date.add(-1), 0), on(o.Date, minutesPerDay)); err != nil {
			return err
		}
		if err := checkOverlaps(on(o.Date, 0), on(o.Date.add(1), minutesPerDay)); err != nil {
			return err
		}
	}
	return nil
}

// loadZone loads the time zone called name.
func loadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, invalidf("zone: missing")
	case "Local":
		return nil, invalidf("zone: %q depends on the host; name an IANA time zone", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, invalidf("zone: unknown time zone %q", name)
	}
	return loc, nil
}

func weeklyField(d time.Weekday) string { return "weekly." + dayName(d) }

// dayName returns the name of d in JSON, "monday".
func dayName(d time.Weekday) string { return strings.ToLower(d.String()) }

// checkIntervals checks each interval of the list called field.
func checkIntervals(field string, ivs []Interval) error {
	for i, iv := range ivs {
		if p := iv.problem(); p != "" {
			return invalidf("%s[%d]: %s", field, i, p)
		}
	}
	return nil
}

// slot is an interval placed on a line of minutes, for overlap checks.
type slot struct {
	field    string
	iv       Interval
	from, to int
}

// slots places the intervals of the list called field base minutes on;
// their names end with suffix.
func slots(field, suffix string, ivs []Interval, base int) []slot {
	out := make([]slot, len(ivs))
	for i, iv := range ivs {
		from, to := iv.minutes()
		out[i] = slot{fmt.Sprintf("%s[%d]%s", field, i, suffix), iv, base + from, base + to}
	}
	return out
}

// checkOverlaps returns an error naming two slots of the lists that overlap,
// if any do.
func checkOverlaps(lists ...[]slot) error {
	all := slices.Concat(lists...)
	slices.SortStableFunc(all, func(a, b slot) int { return cmp.Compare(a.from, b.from) })
	for i, last := 1, 0; i < len(all); i++ {
		if a, b := all[last], all[i]; b.from < a.to {
			return invalidf("%s: %v overlaps %s %v", a.field, a.iv, b.field, b.iv)
		}
		if all[i].to > all[last].to {
			last = i
		}
	}
	return nil
}

// sorted returns a copy of ivs in order of start.
func sorted(ivs []Interval) []Interval {
	return slices.SortedFunc(slices.Values(ivs), func(a, b Interval) int { return cmp.Compare(a.Start, b.Start) })
}
