package hours

import (
	"fmt"
	"strings"
	"time"
)

// minutesPerDay is 24:00 as a Clock.
const minutesPerDay = 24 * 60

// Clock is a wall-clock time of day in minutes after midnight, from 0
// (00:00) to 1440 (24:00). 24:00 is valid only as the end of an Interval.
// Its text form is "15:04".
type Clock int

// At returns the Clock of hour:minute.
func At(hour, minute int) Clock { return Clock(hour*60 + minute) }

// ParseClock parses a time of day written with two-digit hours and minutes,
// from "00:00" to "24:00".
func ParseClock(s string) (Clock, error) {
	if len(s) == 5 && s[2] == ':' {
		h, okh := twoDigits(s[:2])
		m, okm := twoDigits(s[3:])
		if c := At(h, m); okh && okm && m < 60 && c <= minutesPerDay {
			return c, nil
		}
	}
	return 0, invalidf("time of day %q: want HH:MM from 00:00 to 24:00", s)
}

// twoDigits returns the number written by the two decimal digits of s.
func twoDigits(s string) (int, bool) {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// String returns c as "15:04", or as "Clock(n)" when it is out of range.
func (c Clock) String() string {
	if c < 0 || c > minutesPerDay {
		return fmt.Sprintf("Clock(%d)", int(c))
	}
	return fmt.Sprintf("%02d:%02d", c/60, c%60)
}

// MarshalText returns c as "15:04"; a Clock out of range is an error.
func (c Clock) MarshalText() ([]byte, error) {
	if c < 0 || c > minutesPerDay {
		return nil, invalidf("time of day %v out of range", c)
	}
	return []byte(c.String()), nil
}

// UnmarshalText parses c as ParseClock does.
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err == nil {
		*c = v
	}
	return err
}

// Interval is a period of opening in wall-clock time: open from Start,
// closed again at End. When End is before Start the interval runs past
// midnight and ends at End on the next day (22:00-02:00); it belongs to the
// day it starts on. 00:00-24:00 is the whole day. Start and End may not be
// equal. Its text form is "09:00-18:00".
type Interval struct {
	Start, End Clock
}

// ParseInterval parses an interval written "09:00-18:00" and checks it.
func ParseInterval(s string) (Interval, error) {
	start, end, ok := strings.Cut(s, "-")
	if !ok {
		return Interval{}, invalidf("interval %q: want HH:MM-HH:MM", s)
	}
	var iv Interval
	var err error
	if iv.Start, err = ParseClock(start); err != nil {
		return Interval{}, err
	}
	if iv.End, err = ParseClock(end); err != nil {
		return Interval{}, err
	}
	if p := iv.problem(); p != "" {
		return Interval{}, invalidf("interval %q: %s", s, p)
	}
	return iv, nil
}

// problem returns why iv is not a valid interval, or "".
func (iv Interval) problem() string {
	switch {
	case iv.Start < 0 || iv.Start >= minutesPerDay:
		return fmt.Sprintf("start %v is not a time of day before 24:00", iv.Start)
	case iv.End < 0 || iv.End > minutesPerDay:
		return fmt.Sprintf("end %v is not a time of day", iv.End)
	case iv.Start == iv.End:
		return "zero length (the whole day is 00:00-24:00)"
	}
	return ""
}

// minutes returns the minutes after the midnight that starts its day at
// which iv opens and closes; an overnight interval closes after 24:00.
func (iv Interval) minutes() (start, end int) {
	start, end = int(iv.Start), int(iv.End)
	if end < start {
		end += minutesPerDay
	}
	return start, end
}

// String returns iv as "09:00-18:00".
func (iv Interval) String() string { return iv.Start.String() + "-" + iv.End.String() }

// MarshalText returns iv as "09:00-18:00"; a Clock out of range is an
// error.
func (iv Interval) MarshalText() ([]byte, error) {
	start, err := iv.Start.MarshalText()
	if err != nil {
		return nil, err
	}
	end, err := iv.End.MarshalText()
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "%s-%s", start, end), nil
}

// UnmarshalText parses iv as ParseInterval does.
func (iv *Interval) UnmarshalText(b []byte) error {
	v, err := ParseInterval(string(b))
	if err == nil {
		*iv = v
	}
	return err
}

// Date is a calendar day in the schedule's time zone. Its text form is
// "2006-01-02".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a date written "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if d := dateOf(t); err == nil && d.valid() {
		return d, nil
	}
	return Date{}, invalidf("date %q: want a calendar date written YYYY-MM-DD", s)
}

// dateOf returns the date of t in t's location.
func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// midnight returns the start of d in UTC, which stands for d's wall clock.
func (d Date) midnight() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// add returns the date n days after d.
func (d Date) add(n int) Date { return dateOf(d.midnight().AddDate(0, 0, n)) }

// valid reports whether d is a day of the calendar with a four-digit year.
func (d Date) valid() bool { return d.Year >= 1 && d.Year <= 9999 && dateOf(d.midnight()) == d }

// String returns d as "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalText returns d as "2006-01-02".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses d as ParseDate does.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err == nil {
		*d = v
	}
	return err
}
