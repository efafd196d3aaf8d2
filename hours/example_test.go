package hours_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/telenet/contactcenter/hours"
)

// Business hours in Madrid with a lunch break, over Good Friday and over the
// night of 29 March 2026, when the clocks go forward an hour: the intervals
// keep their local times, so the weekend is an hour shorter.
func Example() {
	weekday := []hours.Interval{
		{Start: hours.At(9, 0), End: hours.At(14, 0)},
		{Start: hours.At(15, 0), End: hours.At(18, 0)},
	}
	h, err := hours.New(hours.Schedule{
		Zone: "Europe/Madrid",
		Weekly: hours.Week{
			time.Monday: weekday, time.Tuesday: weekday, time.Wednesday: weekday,
			time.Thursday: weekday, time.Friday: weekday,
		},
		Holidays: []hours.Date{{Year: 2026, Month: time.April, Day: 3}}, // Good Friday
	})
	if err != nil {
		panic(err)
	}

	const layout = "Mon 2 Jan 15:04 MST"
	for _, at := range []time.Time{
		time.Date(2026, 3, 27, 17, 30, 0, 0, time.UTC), // Friday evening
		time.Date(2026, 3, 30, 8, 0, 0, 0, time.UTC),   // Monday morning
		time.Date(2026, 3, 30, 12, 30, 0, 0, time.UTC), // Monday lunch
		time.Date(2026, 4, 2, 16, 0, 0, 0, time.UTC),   // Thursday before Good Friday
	} {
		at = at.In(h.Location())
		if h.IsOpen(at) {
			closes, _ := h.NextClose(at)
			fmt.Printf("%s: open, closes %s\n", at.Format(layout), closes.Format(layout))
			continue
		}
		opens, _ := h.NextOpen(at)
		fmt.Printf("%s: closed, opens %s, in %v\n", at.Format(layout), opens.Format(layout), opens.Sub(at))
	}
	// Output:
	// Fri 27 Mar 18:30 CET: closed, opens Mon 30 Mar 09:00 CEST, in 61h30m0s
	// Mon 30 Mar 10:00 CEST: open, closes Mon 30 Mar 14:00 CEST
	// Mon 30 Mar 14:30 CEST: closed, opens Mon 30 Mar 15:00 CEST, in 30m0s
	// Thu 2 Apr 18:00 CEST: closed, opens Mon 6 Apr 09:00 CEST, in 87h0m0s
}

// The out-of-hours message goes once per conversation per closed period.
// NextOpen gives the same instant throughout a closed period, so the host
// records it with the message and sends again only for another. Here the
// period spans the night of 6 September 2026, when Santiago has no
// midnight.
func Example_outOfHours() {
	weekday := []hours.Interval{{Start: hours.At(8, 0), End: hours.At(20, 0)}}
	h, err := hours.New(hours.Schedule{
		Zone: "America/Santiago",
		Weekly: hours.Week{
			time.Monday: weekday, time.Tuesday: weekday, time.Wednesday: weekday,
			time.Thursday: weekday, time.Friday: weekday, time.Saturday: weekday,
		},
	})
	if err != nil {
		panic(err)
	}

	told := map[string]time.Time{} // conversation → end of the closed period it was told about
	inbound := []struct {
		conversation string
		at           time.Time
	}{
		{"c1", time.Date(2026, 9, 5, 21, 0, 0, 0, h.Location())},
		{"c1", time.Date(2026, 9, 5, 23, 30, 0, 0, h.Location())},
		{"c2", time.Date(2026, 9, 6, 12, 0, 0, 0, h.Location())},
		{"c1", time.Date(2026, 9, 7, 7, 0, 0, 0, h.Location())},
		{"c1", time.Date(2026, 9, 7, 9, 0, 0, 0, h.Location())},
		{"c1", time.Date(2026, 9, 7, 20, 30, 0, 0, h.Location())},
	}
	for _, m := range inbound {
		fmt.Printf("%s %s: ", m.conversation, m.at.Format("Mon 2 Jan 15:04 MST"))
		if h.IsOpen(m.at) {
			fmt.Println("open")
			continue
		}
		opens, _ := h.NextOpen(m.at)
		if last, ok := told[m.conversation]; ok && last.Equal(opens) {
			fmt.Println("closed, already told")
			continue
		}
		told[m.conversation] = opens
		fmt.Println("closed, tell: we open", opens.Format("Mon 2 Jan 15:04"))
	}
	// Output:
	// c1 Sat 5 Sep 21:00 -04: closed, tell: we open Mon 7 Sep 08:00
	// c1 Sat 5 Sep 23:30 -04: closed, already told
	// c2 Sun 6 Sep 12:00 -03: closed, tell: we open Mon 7 Sep 08:00
	// c1 Mon 7 Sep 07:00 -03: closed, already told
	// c1 Mon 7 Sep 09:00 -03: open
	// c1 Mon 7 Sep 20:30 -03: closed, tell: we open Tue 8 Sep 08:00
}

// A host loads a channel's business hours from its settings. The Friday
// night line belongs to Friday, so it stays open into a Saturday holiday.
func ExampleSchedule_json() {
	const settings = `{
		"zone": "Asia/Tokyo",
		"weekly": {
			"friday": ["09:00-18:00", "22:00-02:00"],
			"saturday": ["10:00-14:00"]
		},
		"holidays": ["2026-05-02"]
	}`
	var s hours.Schedule
	if err := json.Unmarshal([]byte(settings), &s); err != nil {
		panic(err)
	}
	h, err := hours.New(s)
	if err != nil {
		panic(err)
	}

	for _, at := range []time.Time{
		time.Date(2026, 5, 2, 1, 0, 0, 0, h.Location()),
		time.Date(2026, 5, 2, 11, 0, 0, 0, h.Location()),
	} {
		opens, _ := h.NextOpen(at)
		closes, _ := h.NextClose(opens)
		fmt.Printf("%s open: %t; open %s to %s\n", at.Format("Mon 2 Jan 15:04"), h.IsOpen(at),
			opens.Format("Mon 2 Jan 15:04"), closes.Format("Mon 2 Jan 15:04"))
	}
	// Output:
	// Sat 2 May 01:00 open: true; open Sat 2 May 01:00 to Sat 2 May 02:00
	// Sat 2 May 11:00 open: false; open Fri 8 May 09:00 to Fri 8 May 18:00
}
