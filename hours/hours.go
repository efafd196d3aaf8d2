package hours

import (
	"iter"
	"time"

	_ "time/tzdata" // zones load on hosts without a time zone database
)

// Hours is a validated Schedule with its time zone loaded, made by New. It
// answers whether the channel is open at an instant and when it next opens
// or closes. It is immutable and safe for concurrent use.
type Hours struct {
	loc       *time.Location
	weekly    Week
	holidays  map[Date]bool
	overrides map[Date][]Interval
	// lastDated is the midnight (in UTC) of the last holiday or override;
	// from the day after, the schedule repeats every week.
	lastDated time.Time
}

// horizon is how many days past the last dated exception, or past the day
// asked about when that is later, NextOpen and NextClose look: two weeks of
// the weekly schedule, so that a week whose opening a clock change swallows
// is not taken for all of them.
const horizon = 15

// Location returns the time zone of the schedule.
func (h *Hours) Location() *time.Location { return h.loc }

// IsOpen reports whether the channel is open at t. t may be in any location;
// the schedule is read in its own zone.
func (h *Hours) IsOpen(t time.Time) bool {
	day := h.day(t)
	for sp := range h.spans(day.AddDate(0, 0, -1), day.AddDate(0, 0, 1)) {
		if sp.start.After(t) {
			break
		}
		if t.Before(sp.end) {
			return true
		}
	}
	return false
}

// NextOpen returns the first instant at or after t at which the channel is
// open: t itself when it is open at t. It returns false when the channel
// never opens again. The time is in the schedule's location.
//
// While the channel is closed, NextOpen returns the same instant for every
// t of the same closed period, so that instant identifies the period: a
// host sends the out-of-hours message once per closed period by recording
// it with the message.
func (h *Hours) NextOpen(t time.Time) (time.Time, bool) {
	first, last := h.window(t)
	for sp := range h.spans(first, last) {
		if sp.end.After(t) {
			return later(sp.start, t).In(h.loc), true
		}
	}
	return time.Time{}, false
}

// NextClose returns the first instant at or after t at which the channel is
// closed: t itself when it is closed at t, otherwise the end of the open
// period that contains t, across midnight when the next interval starts
// where the last one ends. It returns false when the channel never closes
// again. The time is in the schedule's location.
func (h *Hours) NextClose(t time.Time) (time.Time, bool) {
	first, last := h.window(t)
	end := t
	for sp := range h.spans(first, last) {
		if sp.start.After(end) {
			break
		}
		end = later(end, sp.end)
	}
	if !end.Before(h.instant(last.AddDate(0, 0, 1))) {
		return time.Time{}, false
	}
	return end.In(h.loc), true
}

// span is an interval of one day turned into instants: open from start,
// closed from end.
type span struct{ start, end time.Time }

// spans yields the spans of the intervals that start on the days first
// through last (midnights in UTC standing for the wall clock), in order of
// start. A span is left out when a clock change swallows it.
func (h *Hours) spans(first, last time.Time) iter.Seq[span] {
	return func(yield func(span) bool) {
		for day := first; !day.After(last); day = day.AddDate(0, 0, 1) {
			for _, iv := range h.intervals(day) {
				from, to := iv.minutes()
				sp := span{h.instant(day.Add(time.Duration(from) * time.Minute)), h.instant(day.Add(time.Duration(to) * time.Minute))}
				if sp.start.Before(sp.end) && !yield(sp) {
					return
				}
			}
		}
	}
}

// intervals returns the intervals that start on day, in order of start.
func (h *Hours) intervals(day time.Time) []Interval {
	d := dateOf(day)
	if ivs, ok := h.overrides[d]; ok {
		return ivs
	}
	if h.holidays[d] {
		return nil
	}
	return h.weekly[day.Weekday()]
}

// day returns the date of t in the schedule's zone, as a midnight in UTC.
func (h *Hours) day(t time.Time) time.Time { return dateOf(t.In(h.loc)).midnight() }

// window returns the days whose intervals NextOpen and NextClose search
// from t: from the day before t's, whose overnight intervals may still be
// open, to the horizon.
func (h *Hours) window(t time.Time) (first, last time.Time) {
	day := h.day(t)
	return day.AddDate(0, 0, -1), later(day, h.lastDated).AddDate(0, 0, horizon)
}

// instant returns the instant at which the clocks of the schedule's zone
// show wall, a time in UTC whose fields are the wall clock. A wall time the
// clocks skip when they spring forward gives the first instant after the
// gap, the instant of the change; a wall time they show twice when they
// fall back gives the first of the two.
//
// It walks the zone's periods of constant offset from one that starts
// before any instant with that wall clock: the first period in which the
// wall time exists holds its first occurrence; a period that begins after
// the wall time, before any period held it, begins at the end of a gap.
func (h *Hours) instant(wall time.Time) time.Time {
	t := wall.Add(-30 * time.Hour).In(h.loc) // offsets are within ±15h
	for {
		_, offset := t.Zone()
		start, end := t.ZoneBounds()
		at := wall.Add(-time.Duration(offset) * time.Second)
		if !start.IsZero() && at.Before(start) {
			return start
		}
		if end.IsZero() || at.Before(end) {
			return at.In(h.loc)
		}
		t = end
	}
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
