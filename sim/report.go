package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// Stats are the figures of an interval, or of the whole run. Counts are
// of the conversations that arrived in the interval; times are in
// seconds.
type Stats struct {
	// Interval is the interval's start as a time of day ("08:15"), or
	// "total".
	Interval string `json:"interval"`
	// Agents is the number of agents online (the most in the run, for
	// the total).
	Agents int `json:"agents"`
	// Load is the offered load in Erlangs: conversations offered to the
	// queue times AHT, over the time measured (the interval's length, or
	// its part after the warm-up and before the arrivals end).
	Load float64 `json:"load_erlangs"`
	// Offered counts the conversations that reached the queue; Contained
	// those the bot resolved before.
	Offered   int `json:"offered"`
	Contained int `json:"contained"`
	// Answered counts those an agent got; Abandoned those whose customer
	// left first; Unanswered those still waiting when the run ended with
	// no agent left to answer them (agents gone away, or none in the
	// channel's team online).
	Answered   int `json:"answered"`
	Abandoned  int `json:"abandoned"`
	Unanswered int `json:"unanswered,omitempty"`
	// AbandonRate is Abandoned over Offered.
	AbandonRate float64 `json:"abandon_rate"`
	// PWait is the share of the offered that waited at all.
	PWait float64 `json:"p_wait"`
	// ASA is the mean wait of the answered, in seconds.
	ASA float64 `json:"asa_seconds"`
	// ServiceLevel is the share of the offered answered within the
	// threshold.
	ServiceLevel float64 `json:"service_level"`
	// Occupancy is the conversation-time handled over the time the
	// agents could hold conversations (capacity × time, while online or
	// still holding conversations after going away): with capacity 1,
	// the classic occupancy.
	Occupancy float64 `json:"occupancy"`
	// LongestWait is the longest wait, answered or abandoned, in seconds.
	LongestWait float64 `json:"longest_wait_seconds"`
}

// AgentStats are one agent's figures over the run.
type AgentStats struct {
	ID       string `json:"id"`
	Answered int    `json:"answered"`
	// Occupancy is the share of the agent's time online, or still
	// holding conversations after going away, in which they held at least
	// one.
	Occupancy float64 `json:"occupancy"`
	// Concurrency is the mean number of conversations the agent held
	// while holding any: 1 means one customer at a time.
	Concurrency float64 `json:"concurrency"`
}

// Report is the outcome of a simulation.
type Report struct {
	// Threshold is the service level's answer time, in seconds.
	Threshold float64 `json:"threshold_seconds"`
	// AHT is the mean handling time, in seconds.
	AHT float64 `json:"aht_seconds"`
	// Strategy is the channel's assignment strategy.
	Strategy string `json:"strategy"`
	// Capacity is the agents' capacity (Config.Capacity).
	Capacity int `json:"capacity"`
	// Simulated is the simulated time, in seconds, from the start to the
	// last conversation's end.
	Simulated float64 `json:"simulated_seconds"`
	// Intervals are the figures per interval, after the warm-up.
	Intervals []Stats `json:"intervals"`
	// Total are the figures of the whole run after the warm-up.
	Total Stats `json:"total"`
	// Agents are the figures per agent.
	Agents []AgentStats `json:"agents"`
}

// report turns the run's accumulators into a Report.
func (r *run) report() *Report {
	cfg := &r.cfg
	out := &Report{Threshold: cfg.Threshold.Seconds(), AHT: cfg.AHT.Seconds(), Strategy: cfg.Strategy, Capacity: cfg.Capacity, Simulated: r.now.Seconds()}
	start := time.Duration(0)
	if cfg.Forecast != nil {
		start = cfg.Forecast.Start
	}
	var all ivAcc
	// The intervals measured run from the warm-up to the end of the
	// arrivals; the handling that runs on after is left out, and an
	// interval cut by either is measured on its part.
	end := r.measureEnd
	if end == math.MaxInt64 {
		end = r.lastArrival
	}
	first := int(cfg.WarmUp / cfg.Interval)
	last := int((end + cfg.Interval - 1) / cfg.Interval)
	for len(r.ivs) < last {
		r.ivs = append(r.ivs, ivAcc{})
	}
	r.ivs = r.ivs[:max(last, 0)]
	for i := first; i < len(r.ivs); i++ {
		iv := r.ivs[i]
		from, to := time.Duration(i)*cfg.Interval, time.Duration(i+1)*cfg.Interval
		iv.span = max(min(to, end)-max(from, cfg.WarmUp), 0)
		iv.agents = cfg.online(i, len(r.agents))
		out.Intervals = append(out.Intervals, iv.stats(hhmm(start+from), cfg))
		all.add(&iv)
	}
	out.Total = all.stats("total", cfg)
	for _, a := range r.agents {
		st := AgentStats{ID: string(a.id), Answered: a.answered}
		if a.avail > 0 {
			st.Occupancy = a.busy.Seconds() / a.avail.Seconds()
		}
		if a.busy > 0 {
			st.Concurrency = a.held.Seconds() / a.busy.Seconds()
		}
		out.Agents = append(out.Agents, st)
	}
	return out
}

func (a *ivAcc) add(b *ivAcc) {
	a.offered += b.offered
	a.contained += b.contained
	a.answered += b.answered
	a.abandoned += b.abandoned
	a.unanswered += b.unanswered
	a.span += b.span
	a.waited += b.waited
	a.within += b.within
	a.waitSum += b.waitSum
	a.longest = max(a.longest, b.longest)
	a.busy += b.busy
	a.slots += b.slots
	a.agents = max(a.agents, b.agents)
}

func (a *ivAcc) stats(label string, cfg *Config) Stats {
	s := Stats{Interval: label, Agents: a.agents, Offered: a.offered, Contained: a.contained, Answered: a.answered, Abandoned: a.abandoned,
		Unanswered: a.unanswered, LongestWait: a.longest.Seconds()}
	if a.span > 0 {
		s.Load = float64(a.offered) * cfg.AHT.Seconds() / a.span.Seconds()
	}
	if a.offered > 0 {
		s.AbandonRate = float64(a.abandoned) / float64(a.offered)
		s.PWait = float64(a.waited) / float64(a.offered)
		s.ServiceLevel = float64(a.within) / float64(a.offered)
	}
	if a.answered > 0 {
		s.ASA = a.waitSum.Seconds() / float64(a.answered)
	}
	if a.slots > 0 {
		s.Occupancy = a.busy.Seconds() / a.slots.Seconds()
	}
	return s
}

// WriteTable writes the report as a text table: a line per interval, then
// the total.
func (rep *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "interval\tagents\tload(E)\toffered\tanswered\tabandoned\tP(wait)\tASA(s)\tSL(%gs)\toccupancy\tlongest(s)\t\n", rep.Threshold)
	line := func(s Stats) {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%d\t%d\t%d\t%.1f%%\t%.1f\t%.1f%%\t%.1f%%\t%.0f\t\n",
			s.Interval, s.Agents, s.Load, s.Offered, s.Answered, s.Abandoned, 100*s.PWait, s.ASA, 100*s.ServiceLevel, 100*s.Occupancy, s.LongestWait)
	}
	for _, s := range rep.Intervals {
		line(s)
	}
	line(rep.Total)
	if err := tw.Flush(); err != nil {
		return err
	}
	if c := rep.Total.Contained; c > 0 {
		if _, err := fmt.Fprintf(w, "contained by the bot: %d\n", c); err != nil {
			return err
		}
	}
	if u := rep.Total.Unanswered; u > 0 {
		if _, err := fmt.Fprintf(w, "still waiting at the end, with no agent left to answer: %d\n", u); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes the report as indented JSON.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// String returns the report's total in one line.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "agents=%d load=%.2fE offered=%d answered=%d abandoned=%d P(wait)=%.1f%% ASA=%.1fs SL=%.1f%% occupancy=%.1f%% longest=%.0fs",
		s.Agents, s.Load, s.Offered, s.Answered, s.Abandoned, 100*s.PWait, s.ASA, 100*s.ServiceLevel, 100*s.Occupancy, s.LongestWait)
	return b.String()
}
