package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Forecast is the number of conversations expected in each of a run of
// consecutive intervals, the usual output of a workforce-management
// forecast.
type Forecast struct {
	// Start is the time of day of the first interval (08:00 is 8h).
	Start time.Duration
	// Interval is the length of each interval: 15 minutes in a CSV.
	Interval time.Duration
	// Volumes are the conversations expected per interval.
	Volumes []float64
}

// ForecastInterval is the length of the intervals of a CSV forecast.
const ForecastInterval = 15 * time.Minute

// ReadForecast reads a forecast CSV: a header line "start,volume", then
// one line per 15-minute interval with its start time of day (HH:MM) and
// the conversations expected in it, the intervals consecutive. Blank
// lines and lines starting with # are skipped. A line that cannot be
// read fails with a *ForecastError that gives its number.
func ReadForecast(r io.Reader) (*Forecast, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	f := &Forecast{Interval: ForecastInterval}
	header := false
	var prev time.Duration
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ForecastError{Line: pe.Line, Reason: pe.Err.Error()}
			}
			return nil, &ForecastError{Reason: err.Error()}
		}
		if len(rec) != 2 {
			return nil, &ForecastError{Line: line, Reason: fmt.Sprintf("%d fields; want 2 (start,volume)", len(rec))}
		}
		if !header {
			header = true
			if strings.EqualFold(strings.TrimSpace(rec[0]), "start") && strings.EqualFold(strings.TrimSpace(rec[1]), "volume") {
				continue
			}
			return nil, &ForecastError{Line: line, Reason: fmt.Sprintf("the header must be \"start,volume\", not %q", strings.Join(rec, ","))}
		}
		start, err := clock(strings.TrimSpace(rec[0]))
		if err != nil {
			return nil, &ForecastError{Line: line, Reason: err.Error()}
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, &ForecastError{Line: line, Reason: fmt.Sprintf("volume %q is not a number of conversations (0 or more)", rec[1])}
		}
		if len(f.Volumes) == 0 {
			f.Start = start
		} else if start != prev+ForecastInterval {
			return nil, &ForecastError{Line: line, Reason: fmt.Sprintf("interval %s does not follow %s by 15 minutes", rec[0], hhmm(prev))}
		}
		prev = start
		f.Volumes = append(f.Volumes, v)
	}
	if len(f.Volumes) == 0 {
		return nil, &ForecastError{Reason: "no interval (want a header \"start,volume\" and a line per 15 minutes)"}
	}
	return f, nil
}

// clock reads a time of day HH:MM.
func clock(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return 0, fmt.Errorf("start %q is not a time of day HH:MM", s)
	}
	if mm%15 != 0 {
		return 0, fmt.Errorf("start %q is not on a quarter hour", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// hhmm formats a time of day (wrapping past midnight).
func hhmm(d time.Duration) string {
	d %= 24 * time.Hour
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
