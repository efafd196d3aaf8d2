// Package hours holds the business hours of a channel (R4): the wall-clock
// intervals of each weekday in an IANA time zone, with dated holidays and
// overrides, and the answers the engine needs for the out-of-hours message:
// whether the channel is open at an instant, and when it next opens or
// closes.
//
// A Schedule is the configuration, as a host stores it with the channel's
// settings; its JSON form is
//
//	{
//	  "zone": "Europe/Madrid",
//	  "weekly": {"monday": ["09:00-14:00", "15:00-18:00"], "friday": ["09:00-15:00", "22:00-02:00"]},
//	  "holidays": ["2026-12-25"],
//	  "overrides": [{"date": "2026-12-24", "intervals": ["10:00-14:00"]}]
//	}
//
// New validates a Schedule and loads its zone once; the *Hours it returns
// is immutable and safe for concurrent use. Instants may be given in any
// location: the schedule is read in its own zone.
//
// # Days and midnight
//
// An interval whose end is before its start runs past midnight: 22:00-02:00
// closes at 02:00 the next day, even when that day has no intervals of its
// own. An interval belongs to the day it starts on: the weekday, holiday or
// override of that date decide whether it applies, and a holiday on the next
// day does not cut its end short. The whole day is 00:00-24:00; an interval
// that starts where it ends is invalid. A holiday closes the intervals of
// its date; an override replaces them with its own.
//
// # Daylight saving time
//
// Times of day are wall-clock times on their date, so an interval keeps its
// local times across clock changes and its length in hours changes with
// them. A time the clocks skip when they spring forward (02:30 on the day
// they jump from 02:00 to 03:00) means the first instant after the gap, the
// instant of the change: an interval starting then opens at 03:00, one
// ending then closes at 03:00, and one that lies wholly within the gap does
// not open. A time the clocks show twice when they fall back means the
// first of the two, for starts and ends alike.
//
// # Closed periods
//
// The out-of-hours message is sent once per conversation per closed period.
// A closed period is identified by the instant it ends: NextOpen returns
// the same instant for every instant of the period, and the zero time with
// false for the last, endless one. A host records that instant when it
// sends the message and sends again only when a closed instant gives
// another.
//
// NextOpen and NextClose search day by day up to two weeks past the last
// holiday or override (or past the day asked about, when that is later):
// from there on the schedule repeats every week, so the answer false means
// never.
//
// The zone database is embedded (time/tzdata), so zones load on hosts
// without one; a host's own database, when there is one, is used first.
package hours
