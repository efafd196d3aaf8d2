package sim

import (
	"math"
	"slices"
	"time"
)

// Handling is the distribution of handling times.
type Handling string

// Handling-time distributions.
const (
	// Exponential handling times of mean AHT: Erlang C's and Erlang A's
	// assumption.
	Exponential Handling = "exp"
	// LogNormal handling times of mean AHT and coefficient of variation
	// Spread (standard deviation over mean): what measured handling
	// times usually look like.
	LogNormal Handling = "lognormal"
)

// Strategies are the engine's built-in assignment strategies a
// simulation may name (R11).
var Strategies = []string{"least_busy", "round_robin"}

// Group is a number of alike agents.
type Group struct {
	// Count is the number of agents in the group.
	Count int
	// Capacity is how many conversations each holds at once (R11); 0
	// takes Config.Capacity.
	Capacity int
	// Teams are the teams the agents belong to.
	Teams []string
}

// Config describes a simulation. Give a rate (ArrivalsPerHour) or a
// Forecast, an AHT and agents (Agents or Groups); the rest has defaults.
type Config struct {
	// ArrivalsPerHour is the Poisson arrival rate, in conversations per
	// hour, when there is no Forecast.
	ArrivalsPerHour float64
	// Forecast, when set, gives the arrivals per interval instead of
	// ArrivalsPerHour: Poisson within each interval at its rate.
	Forecast *Forecast
	// Duration is how long customers arrive, when there is no Forecast.
	// Default 8h (unless Conversations bounds the run).
	Duration time.Duration
	// Conversations, when positive, stops arrivals after this many (those
	// the bot contains included).
	Conversations int
	// WarmUp: conversations that arrive before it are simulated but left
	// out of the figures, so that a run that starts empty is measured in
	// its steady state.
	WarmUp time.Duration

	// AHT is the mean handling time.
	AHT time.Duration
	// Handling is the distribution of handling times; default Exponential.
	Handling Handling
	// Spread is LogNormal's coefficient of variation; default 1.
	Spread float64

	// Agents is the number of agents, each with Capacity, in no team,
	// when Groups is empty.
	Agents int
	// Groups are the agents by group, in place of Agents.
	Groups []Group
	// Staffing, when set, is the number of agents online in each
	// interval (the others are away: they finish what they hold but get
	// nothing new); the first agents in Groups' order are the ones
	// online. Its last value holds for the intervals after it. Without it
	// every agent is online all along.
	Staffing []int
	// Capacity is how many conversations an agent holds at once (R11);
	// default 1 (voice-like).
	Capacity int
	// Strategy is the channel's assignment strategy (R11): "least_busy"
	// (default) or "round_robin".
	Strategy string
	// Team, when set, limits the channel's assignment to that team's
	// agents (channel.Assignment.Team).
	Team string

	// Patience is the mean time a customer waits before leaving
	// (exponential: Erlang A); 0 for customers who never leave.
	Patience time.Duration
	// Containment is the share of conversations a bot resolves before they
	// reach the queue, in [0, 1).
	Containment float64

	// Threshold is the service level's answer time; default 20s.
	Threshold time.Duration
	// Interval is the length of a reporting interval; default 15m, and
	// always the Forecast's when there is one.
	Interval time.Duration
	// Seed seeds the random streams: the same Config gives the same
	// Report.
	Seed uint64
}

// normalize returns c with its defaults, or the first error in it.
func (c Config) normalize() (Config, error) {
	if c.Handling == "" {
		c.Handling = Exponential
	}
	if c.Spread == 0 && c.Handling == LogNormal {
		c.Spread = 1
	}
	if c.Capacity == 0 {
		c.Capacity = 1
	}
	if c.Strategy == "" {
		c.Strategy = "least_busy"
	}
	if c.Threshold == 0 {
		c.Threshold = 20 * time.Second
	}
	if c.Forecast != nil {
		c.Interval = c.Forecast.Interval
	}
	if c.Interval == 0 {
		c.Interval = 15 * time.Minute
	}
	if c.Forecast == nil && c.Duration == 0 && c.Conversations == 0 {
		c.Duration = 8 * time.Hour
	}
	switch {
	case c.Forecast == nil && (!(c.ArrivalsPerHour > 0) || math.IsInf(c.ArrivalsPerHour, 0)):
		return c, invalid("rate", "the arrival rate must be a positive number of conversations per hour, not %v", c.ArrivalsPerHour)
	case c.Forecast != nil && c.ArrivalsPerHour != 0:
		return c, invalid("rate", "give an arrival rate or a forecast, not both")
	case c.Forecast != nil && len(c.Forecast.Volumes) == 0:
		return c, invalid("forecast", "the forecast has no interval")
	case c.Duration < 0:
		return c, invalid("duration", "the duration must not be negative, not %v", c.Duration)
	case c.Conversations < 0:
		return c, invalid("conversations", "the number of conversations must not be negative, not %d", c.Conversations)
	case c.WarmUp < 0:
		return c, invalid("warmup", "the warm-up must not be negative, not %v", c.WarmUp)
	case c.AHT <= 0:
		return c, invalid("aht", "the average handling time must be positive, not %v", c.AHT)
	case c.Handling != Exponential && c.Handling != LogNormal:
		return c, invalid("handling", "unknown handling-time distribution %q (want %q or %q)", c.Handling, Exponential, LogNormal)
	case c.Handling == LogNormal && (!(c.Spread > 0) || math.IsInf(c.Spread, 0)):
		return c, invalid("spread", "the log-normal spread (coefficient of variation) must be positive, not %v", c.Spread)
	case len(c.Groups) == 0 && c.Agents <= 0:
		return c, invalid("agents", "the number of agents must be at least 1, not %d", c.Agents)
	case len(c.Groups) > 0 && c.Agents != 0:
		return c, invalid("agents", "give a number of agents or groups, not both")
	case c.Capacity < 0:
		return c, invalid("capacity", "the capacity must be at least 1, not %d", c.Capacity)
	case !slices.Contains(Strategies, c.Strategy):
		return c, invalid("strategy", "unknown assignment strategy %q (want one of %q)", c.Strategy, Strategies)
	case c.Patience < 0:
		return c, invalid("patience", "the mean patience must not be negative, not %v", c.Patience)
	case !(c.Containment >= 0 && c.Containment < 1):
		return c, invalid("containment", "the bot's containment must lie in [0, 1), not %v", c.Containment)
	case c.Threshold < 0:
		return c, invalid("threshold", "the service-level threshold must not be negative, not %v", c.Threshold)
	case c.Interval < time.Second:
		return c, invalid("interval", "the reporting interval must be at least a second, not %v", c.Interval)
	}
	total := 0
	for i, g := range c.Groups {
		switch {
		case g.Count <= 0:
			return c, invalid("groups", "group %d has %d agents; at least 1", i, g.Count)
		case g.Capacity < 0:
			return c, invalid("groups", "group %d has capacity %d; at least 1", i, g.Capacity)
		}
		total += g.Count
	}
	if len(c.Groups) == 0 {
		c.Groups = []Group{{Count: c.Agents}}
		total = c.Agents
	}
	for i := range c.Groups {
		if c.Groups[i].Capacity == 0 {
			c.Groups[i].Capacity = c.Capacity
		}
	}
	if c.Team != "" && !slices.ContainsFunc(c.Groups, func(g Group) bool { return slices.Contains(g.Teams, c.Team) }) {
		return c, invalid("team", "no agent is in team %q, to which the channel assigns", c.Team)
	}
	for i, n := range c.Staffing {
		if n < 0 || n > total {
			return c, invalid("staffing", "interval %d has %d agents online; between 0 and the %d agents", i, n, total)
		}
	}
	return c, nil
}

// rateAt returns the arrival rate per second in interval i.
func (c *Config) rateAt(i int) float64 {
	if c.Forecast == nil {
		return c.ArrivalsPerHour / 3600
	}
	if i >= len(c.Forecast.Volumes) {
		return 0
	}
	return c.Forecast.Volumes[i] / c.Interval.Seconds()
}

// arrivalEnd returns when arrivals stop (0: only Conversations stops
// them).
func (c *Config) arrivalEnd() time.Duration {
	if c.Forecast != nil {
		return time.Duration(len(c.Forecast.Volumes)) * c.Interval
	}
	return c.Duration
}

// online returns the number of agents online in interval i.
func (c *Config) online(i, total int) int {
	if len(c.Staffing) == 0 {
		return total
	}
	return c.Staffing[min(i, len(c.Staffing)-1)]
}

// withAgents returns c with n alike agents of c's capacity, in c's team
// when the channel assigns to one, all online: the staffing Staff and
// Sweep vary.
func (c Config) withAgents(n int) Config {
	c.Agents, c.Groups, c.Staffing = n, nil, nil
	if c.Team != "" {
		c.Agents, c.Groups = 0, []Group{{Count: n, Teams: []string{c.Team}}}
	}
	return c
}
