package sim

import (
	"context"
	"fmt"
	"math"
	"time"
)

// StaffRow is the staffing answer for one interval.
type StaffRow struct {
	// Interval is the interval's start as a time of day, or "all" for a
	// constant rate.
	Interval string `json:"interval"`
	// Load is the interval's offered load in Erlangs (after the bot).
	Load float64 `json:"load_erlangs"`
	// Agents is the fewest agents with whom the simulated engine meets
	// the target; Simulated their figures.
	Agents    int   `json:"agents"`
	Simulated Stats `json:"simulated"`
	// Scheduled is Agents grossed up for StaffOptions.Shrinkage (the
	// share of paid time agents are not available: breaks, training,
	// absence), rounded up: the agents to put on the rota. It equals
	// Agents without shrinkage.
	Scheduled int `json:"scheduled"`
	// ErlangC is the fewest agents by the Erlang C formula (0 when the
	// interval has no load), ErlangA by the Erlang A formula when
	// customers have patience (0 otherwise).
	ErlangC int `json:"erlang_c_agents"`
	ErlangA int `json:"erlang_a_agents,omitempty"`
}

// StaffOptions tune Staff's search.
type StaffOptions struct {
	// Target is the service level to meet, in (0, 1); the threshold is
	// the Config's.
	Target float64
	// Conversations is the length of each trial run, in conversations;
	// default 100000. Near a target the answer depends on it: at 10
	// Erlangs and 180 s, 13 agents give 79.6% within 20 s by Erlang C,
	// and runs of 20,000 conversations often put them above 80%.
	Conversations int
	// MaxAgents bounds the search; default 10 more than Erlang C's
	// answer, doubled.
	MaxAgents int
	// MaxOccupancy, when set, in (0, 1], is a second goal: the agents
	// must also be busy no more than this share of their time, which a
	// high-volume interval may need beyond the service level.
	MaxOccupancy float64
	// Shrinkage, in [0, 1), is the share of paid time agents are not
	// available; it turns each answer into StaffRow.Scheduled.
	Shrinkage float64
}

// Staff returns, for each interval of cfg (each of the forecast's, or one
// for a constant rate), the fewest agents with whom the simulated engine
// meets opt.Target (and keeps within opt.MaxOccupancy), beside the Erlang C (and, with patience, Erlang A)
// answer. Each interval is simulated as a steady state at its rate (a run
// of opt.Conversations after a warm-up), with cfg's handling,
// capacity, strategy, patience and bot, and the same seed for every agent
// count, so that the counts are compared on the same customers. cfg's
// Agents, Groups and Staffing are ignored: the agents are alike, of
// cfg.Capacity, in cfg.Team when it is set, all online. No count up to the bound
// meeting the target fails with ErrNoStaffing.
func Staff(ctx context.Context, cfg Config, opt StaffOptions) ([]StaffRow, error) {
	if err := checkTarget(opt.Target, cfg.Threshold); err != nil {
		return nil, err
	}
	if opt.Conversations < 0 || opt.MaxAgents < 0 {
		return nil, invalid("staff", "the trial length and the bound must not be negative")
	}
	if !(opt.MaxOccupancy >= 0 && opt.MaxOccupancy <= 1) {
		return nil, invalid("max-occupancy", "the occupancy cap must lie in (0, 1], not %v", opt.MaxOccupancy)
	}
	if !(opt.Shrinkage >= 0 && opt.Shrinkage < 1) {
		return nil, invalid("shrinkage", "the shrinkage must lie in [0, 1), not %v", opt.Shrinkage)
	}
	// meets tells whether figures s meet the goals.
	meets := func(s Stats) bool {
		return s.ServiceLevel >= opt.Target && (opt.MaxOccupancy == 0 || s.Occupancy <= opt.MaxOccupancy)
	}
	if opt.Conversations == 0 {
		opt.Conversations = 100_000
	}
	norm, err := cfg.withAgents(1).normalize()
	if err != nil {
		return nil, err
	}
	type iv struct {
		label string
		rate  float64 // per hour, before the bot
	}
	var ivs []iv
	if cfg.Forecast == nil {
		ivs = []iv{{"all", cfg.ArrivalsPerHour}}
	} else {
		for i, v := range cfg.Forecast.Volumes {
			ivs = append(ivs, iv{hhmm(cfg.Forecast.Start + time.Duration(i)*cfg.Forecast.Interval), v * float64(time.Hour) / float64(cfg.Forecast.Interval)})
		}
	}
	var out []StaffRow
	for _, v := range ivs {
		row := StaffRow{Interval: v.label}
		perHour := v.rate * (1 - norm.Containment)
		row.Load = perHour / 3600 * norm.AHT.Seconds()
		if perHour == 0 {
			out = append(out, row)
			continue
		}
		// Erlang's answers count agents; an agent with capacity k is
		// taken as k agents there, rounded up.
		slots := float64(norm.Capacity)
		q := Queue{Rate: perHour / 3600, AHT: norm.AHT}
		ec, _, err := ErlangCAgents(q, opt.Target, norm.Threshold)
		if err != nil {
			return nil, err
		}
		// The occupancy cap: Erlang's occupancy is the load over the
		// agents (here, the conversations they can hold at once).
		capped := func(n int) int {
			if opt.MaxOccupancy > 0 {
				n = max(n, int(math.Ceil(row.Load/opt.MaxOccupancy-1e-9)))
			}
			return n
		}
		ec = capped(ec)
		row.ErlangC = int(math.Ceil(float64(ec) / slots))
		if norm.Patience > 0 {
			q.Patience = norm.Patience
			if ea, err := ErlangAAgents(q, opt.Target, norm.Threshold); err == nil {
				row.ErlangA = int(math.Ceil(float64(capped(ea)) / slots))
			}
		}
		bound := opt.MaxAgents
		if bound == 0 {
			bound = 2 * (row.ErlangC + 10)
		}
		trial := func(agents int) (Stats, error) {
			c := cfg.withAgents(agents)
			c.Forecast, c.ArrivalsPerHour, c.Duration = nil, v.rate, 0
			c.Conversations = opt.Conversations
			c.WarmUp = warmUp(perHour, opt.Conversations)
			rep, err := Simulate(ctx, c)
			if err != nil {
				return Stats{}, err
			}
			return rep.Total, nil
		}
		// Start from Erlang's answer and walk to the boundary.
		n := max(1, row.ErlangC)
		if row.ErlangA > 0 {
			n = max(1, row.ErlangA)
		}
		n = min(n, bound)
		s, err := trial(n)
		if err != nil {
			return nil, err
		}
		if meets(s) {
			for n > 1 {
				lower, err := trial(n - 1)
				if err != nil {
					return nil, err
				}
				if !meets(lower) {
					break
				}
				n, s = n-1, lower
			}
		} else {
			for !meets(s) {
				if n >= bound {
					return nil, fmt.Errorf("%w: interval %s: %d agents give %.1f%% at %.1f%% occupancy, short of %.1f%%", ErrNoStaffing, v.label, n, 100*s.ServiceLevel, 100*s.Occupancy, 100*opt.Target)
				}
				n++
				if s, err = trial(n); err != nil {
					return nil, err
				}
			}
		}
		row.Agents, row.Simulated = n, s
		row.Scheduled = scheduled(n, opt.Shrinkage)
		out = append(out, row)
	}
	return out, nil
}

// scheduled grosses n agents up for shrinkage: n / (1 − shrinkage),
// rounded up (a hair of slack keeps 14 / 0.7 at 20).
func scheduled(n int, shrinkage float64) int {
	return int(math.Ceil(float64(n)/(1-shrinkage) - 1e-9))
}

// warmUp is the warm-up of a steady-state trial of n conversations at
// perHour: a tenth of its length.
func warmUp(perHour float64, n int) time.Duration {
	return time.Duration(float64(n) / 10 / perHour * float64(time.Hour))
}

// ErlangAAgents returns the fewest agents with whom Erlang A gives q
// (whose Agents it ignores) a service level of at least target at
// threshold.
func ErlangAAgents(q Queue, target float64, threshold time.Duration) (int, error) {
	q.Agents = 1
	if err := q.validate(); err != nil {
		return 0, err
	}
	if err := checkTarget(target, threshold); err != nil {
		return 0, err
	}
	for c := 1; c < maxChain; c++ {
		q.Agents = c
		m, err := ErlangA(q, threshold)
		if err == nil && m.ServiceLevel >= target {
			return c, nil
		}
	}
	return 0, fmt.Errorf("%w: Erlang A finds no staffing for %.4g Erlangs", ErrNoStaffing, q.Load())
}

// Point is one agent count of a sweep.
type Point struct {
	Agents int `json:"agents"`
	// Simulated are the simulation's figures with that many agents.
	Simulated Stats `json:"simulated"`
	// Formula are Erlang C's figures (Erlang A's when customers have
	// patience); Analytic is false when the formula has none (no steady
	// state, or a forecast).
	Formula  Measures `json:"formula"`
	Analytic bool     `json:"analytic"`
}

// Sweep simulates cfg with each number of agents from lo to hi, on the
// same customers (the same seed), and gives the formula's figures beside.
// As in Staff, the agents are alike (cfg's Agents, Groups and Staffing
// are ignored).
func Sweep(ctx context.Context, cfg Config, lo, hi int) ([]Point, error) {
	if lo < 1 || hi < lo {
		return nil, invalid("sweep", "the agent counts must run from at least 1 upwards, not %d to %d", lo, hi)
	}
	norm, err := cfg.withAgents(lo).normalize()
	if err != nil {
		return nil, err
	}
	var out []Point
	for n := lo; n <= hi; n++ {
		rep, err := Simulate(ctx, cfg.withAgents(n))
		if err != nil {
			return nil, err
		}
		p := Point{Agents: n, Simulated: rep.Total}
		if norm.Forecast == nil {
			q := Queue{Rate: norm.ArrivalsPerHour * (1 - norm.Containment) / 3600, AHT: norm.AHT, Agents: n * norm.Capacity, Patience: norm.Patience}
			var m Measures
			if q.Patience > 0 {
				m, err = ErlangA(q, norm.Threshold)
			} else {
				m, err = ErlangC(q, norm.Threshold)
			}
			p.Formula, p.Analytic = m, err == nil
		}
		out = append(out, p)
	}
	return out, nil
}
