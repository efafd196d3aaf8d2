// Command ccsim answers a contact center's staffing question with the
// library's own engine: it simulates customers arriving, waiting in the
// engine's queue and being handed to agents by the channel's assignment
// strategy (R11), on the memory store under a virtual clock (package
// sim), and gives the Erlang C or Erlang A answer beside it.
//
// It runs in one of three modes:
//
//	simulate  (the default) a shift with -agents (or -groups) agents:
//	          per 15-minute interval and overall, the offered load,
//	          answered, abandoned, P(wait), ASA, service level at
//	          -threshold, occupancy and the longest wait
//	staff     with -target (and no -sweep or -svg): the fewest agents that meet the target
//	          service level in each interval (of -forecast, or at
//	          -rate), beside Erlang C's and, with -patience, Erlang A's
//	          answer; -max-occupancy adds a cap, -shrinkage grosses the
//	          answer up for the rota
//	sweep     with -sweep LO-HI (or -svg alone, which sweeps around
//	          Erlang C's answer for -target, default 0.8): service level
//	          and ASA for each number of agents, simulated and by the
//	          formula; -svg writes them as a chart
//
// Output is a text table, or JSON with -format json. The same flags and
// -seed give the same figures.
//
// Usage:
//
//	go run ./cmd/ccsim -rate 200 -aht 180s -agents 14
//	go run ./cmd/ccsim -forecast docs/forecast-example.csv -aht 3m -target 0.8 -patience 2m
//	go run ./cmd/ccsim -rate 200 -aht 180s -sweep 11-17 -svg chart.svg
//
// It exits with status 0 on success, 1 when the run fails (no staffing
// meets the target, an unstable queue) and 2 on invalid flags or input.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/telenet/contactcenter/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks an error in the flags themselves.
var errUsage = errors.New("invalid usage")

// options are the parsed flags.
type options struct {
	cfg       sim.Config
	staff     sim.StaffOptions
	target    float64
	sweepLo   int
	sweepHi   int
	svg       string
	format    string
	title     string
	forecast  string
	groups    string
	staffing  string
	handling  string
	trialSize int
}

// run is the command: it parses args, runs the mode they name and writes
// to stdout, returning the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parse(args, stdin, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintln(stderr, "ccsim:", err)
		if errors.Is(err, errUsage) || errors.Is(err, sim.ErrInvalid) {
			return 2
		}
		return 1
	}
	switch {
	case o.sweepHi > 0 || o.svg != "":
		err = sweepMode(ctx, o, stdout)
	case o.target > 0:
		err = staffMode(ctx, o, stdout)
	default:
		err = simulateMode(ctx, o, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ccsim:", err)
		if errors.Is(err, errUsage) || errors.Is(err, sim.ErrInvalid) {
			return 2
		}
		return 1
	}
	return 0
}

// parse reads the flags into options; it reads the forecast too.
func parse(args []string, stdin io.Reader, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("ccsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ccsim [flags]

Simulates a contact center on the library's own engine and answers how
many agents it needs. Modes: simulate (default, give -agents or -groups),
staff (give -target), sweep (give -sweep LO-HI and/or -svg FILE).

Flags:
`)
		fs.PrintDefaults()
	}
	c := &o.cfg
	fs.Float64Var(&c.ArrivalsPerHour, "rate", 0, "Poisson arrival rate, conversations per hour (or give -forecast)")
	fs.StringVar(&o.forecast, "forecast", "", "CSV `file` of start,volume per 15-minute interval (- reads standard input)")
	fs.DurationVar(&c.Duration, "duration", 0, "how long customers arrive at -rate (default 8h)")
	fs.IntVar(&c.Conversations, "conversations", 0, "stop arrivals after this many conversations")
	fs.DurationVar(&c.WarmUp, "warmup", 0, "leave out of the figures the conversations that arrive before this")
	fs.DurationVar(&c.AHT, "aht", 0, "average handling time, e.g. 180s (required)")
	fs.StringVar(&o.handling, "handling", "exp", "handling-time distribution: exp or lognormal")
	fs.Float64Var(&c.Spread, "spread", 0, "log-normal coefficient of variation (standard deviation over mean; default 1)")
	fs.IntVar(&c.Agents, "agents", 0, "number of agents (simulate mode)")
	fs.StringVar(&o.groups, "groups", "", "agents by group instead of -agents: COUNT[xCAPACITY][@TEAM[+TEAM...]],... e.g. 6x2@chat,4@voice")
	fs.StringVar(&o.staffing, "staffing", "", "agents online per interval, comma-separated (the last holds on)")
	fs.IntVar(&c.Capacity, "capacity", 1, "conversations an agent holds at once")
	fs.StringVar(&c.Strategy, "strategy", "least_busy", "assignment strategy: least_busy or round_robin")
	fs.StringVar(&c.Team, "team", "", "limit assignment to this team's agents")
	fs.DurationVar(&c.Patience, "patience", 0, "mean patience before a customer leaves (exponential, Erlang A); 0: nobody leaves")
	fs.Float64Var(&c.Containment, "containment", 0, "share of conversations the bot resolves before the queue, in [0, 1)")
	fs.DurationVar(&c.Threshold, "threshold", 20*time.Second, "service-level answer time")
	fs.DurationVar(&c.Interval, "interval", 0, "reporting interval (default 15m; a forecast's is 15m)")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed: the same seed gives the same figures")
	fs.Float64Var(&o.target, "target", 0, "staff mode: the service level to meet, e.g. 0.8 (in sweep mode, the chart's target line; default 0.8)")
	fs.Float64Var(&o.staff.MaxOccupancy, "max-occupancy", 0, "staff mode: also keep occupancy at or below this, e.g. 0.85")
	fs.Float64Var(&o.staff.Shrinkage, "shrinkage", 0, "staff mode: share of paid time agents are unavailable, e.g. 0.3")
	fs.IntVar(&o.staff.MaxAgents, "max-agents", 0, "staff mode: the most agents to try (default twice Erlang C's answer plus 20)")
	fs.IntVar(&o.trialSize, "trial", 0, "staff mode: conversations per trial run (default 100000)")
	sweep := fs.String("sweep", "", "sweep mode: the agent counts LO-HI to simulate")
	fs.StringVar(&o.svg, "svg", "", "sweep mode: write the chart of service level and ASA to this `file`")
	fs.StringVar(&o.title, "title", "", "the chart's title (default: the load and handling time)")
	fs.StringVar(&o.format, "format", "table", "output: table or json")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if c.Capacity < 1 {
		return nil, fmt.Errorf("%w: -capacity %d: an agent holds at least 1 conversation", errUsage, c.Capacity)
	}
	if c.Threshold <= 0 {
		return nil, fmt.Errorf("%w: -threshold %v: the service level's answer time must be positive", errUsage, c.Threshold)
	}
	if (o.target > 0 || *sweep != "" || o.svg != "") && (o.groups != "" || o.staffing != "" || c.Agents != 0) {
		return nil, fmt.Errorf("%w: -agents, -groups and -staffing describe one shift (simulate mode); the staff and sweep modes vary the number of alike agents, with -capacity and -team", errUsage)
	}
	if o.format != "table" && o.format != "json" {
		return nil, fmt.Errorf("%w: -format %q: want table or json", errUsage, o.format)
	}
	c.Handling = sim.Handling(o.handling)
	if *sweep != "" {
		lo, hi, ok := strings.Cut(*sweep, "-")
		var err1, err2 error
		o.sweepLo, err1 = strconv.Atoi(lo)
		o.sweepHi, err2 = strconv.Atoi(hi)
		if !ok || err1 != nil || err2 != nil || o.sweepLo < 1 || o.sweepHi < o.sweepLo {
			return nil, fmt.Errorf("%w: -sweep %q: want LO-HI, two agent counts from 1 up, e.g. 11-17", errUsage, *sweep)
		}
	}
	if o.groups != "" {
		gs, err := parseGroups(o.groups)
		if err != nil {
			return nil, err
		}
		c.Groups = gs
	}
	if o.staffing != "" {
		for f := range strings.SplitSeq(o.staffing, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return nil, fmt.Errorf("%w: -staffing %q: %q is not a number of agents", errUsage, o.staffing, f)
			}
			c.Staffing = append(c.Staffing, n)
		}
	}
	o.staff.Target = o.target
	o.staff.Conversations = o.trialSize
	if o.forecast != "" {
		f, err := readForecast(o.forecast, stdin)
		if err != nil {
			return nil, err
		}
		c.Forecast = f
	}
	return o, nil
}

// readForecast reads the forecast file name (- for in).
func readForecast(name string, in io.Reader) (*sim.Forecast, error) {
	r := in
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("%w: -forecast: %v", errUsage, err)
		}
		defer f.Close()
		r = f
	}
	fc, err := sim.ReadForecast(r)
	if err != nil {
		return nil, fmt.Errorf("-forecast %s: %w", name, err)
	}
	return fc, nil
}

// parseGroups reads -groups: COUNT[xCAPACITY][@TEAM[+TEAM...]], comma
// separated.
func parseGroups(s string) ([]sim.Group, error) {
	var out []sim.Group
	for f := range strings.SplitSeq(s, ",") {
		spec := strings.TrimSpace(f)
		bad := func(why string) error {
			return fmt.Errorf("%w: -groups: %q: %s (want COUNT[xCAPACITY][@TEAM[+TEAM]], e.g. 6x2@chat)", errUsage, spec, why)
		}
		var g sim.Group
		head, teams, hasTeams := strings.Cut(spec, "@")
		if hasTeams {
			for t := range strings.SplitSeq(teams, "+") {
				if t = strings.TrimSpace(t); t == "" {
					return nil, bad("an empty team")
				}
				g.Teams = append(g.Teams, t)
			}
		}
		count, capacity, hasCap := strings.Cut(head, "x")
		n, err := strconv.Atoi(count)
		if err != nil || n < 1 {
			return nil, bad("the count must be a whole number from 1 up")
		}
		g.Count = n
		if hasCap {
			k, err := strconv.Atoi(capacity)
			if err != nil || k < 1 {
				return nil, bad("the capacity must be a whole number from 1 up")
			}
			g.Capacity = k
		}
		out = append(out, g)
	}
	return out, nil
}

// simulateMode runs one simulation and writes its report.
func simulateMode(ctx context.Context, o *options, w io.Writer) error {
	if o.cfg.Agents == 0 && len(o.cfg.Groups) == 0 {
		return fmt.Errorf("%w: give -agents or -groups to simulate, -target to find the staffing, or -sweep to compare counts", errUsage)
	}
	rep, err := sim.Simulate(ctx, o.cfg)
	if err != nil {
		return err
	}
	if o.format == "json" {
		return rep.WriteJSON(w)
	}
	return rep.WriteTable(w)
}

// staffMode finds the staffing per interval and writes it.
func staffMode(ctx context.Context, o *options, w io.Writer) error {
	rows, err := sim.Staff(ctx, o.cfg, o.staff)
	if err != nil {
		return err
	}
	if o.format == "json" {
		return writeJSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	erlang := "Erlang C"
	if o.cfg.Patience > 0 {
		erlang = "Erlang C\tErlang A"
	}
	fmt.Fprintf(tw, "interval\tload(E)\tagents\tscheduled\t%s\tSL(%gs)\tASA(s)\tabandoned\toccupancy\t\n", erlang, o.cfg.Threshold.Seconds())
	for _, r := range rows {
		formula := strconv.Itoa(r.ErlangC)
		if o.cfg.Patience > 0 {
			formula += "\t" + strconv.Itoa(r.ErlangA)
		}
		s := r.Simulated
		fmt.Fprintf(tw, "%s\t%.2f\t%d\t%d\t%s\t%.1f%%\t%.1f\t%.1f%%\t%.1f%%\t\n", r.Interval, r.Load, r.Agents, r.Scheduled, formula,
			100*s.ServiceLevel, s.ASA, 100*s.AbandonRate, 100*s.Occupancy)
	}
	return tw.Flush()
}

// sweepMode simulates each agent count of the sweep, writes the figures,
// and the chart when -svg asks.
func sweepMode(ctx context.Context, o *options, w io.Writer) error {
	if o.cfg.Forecast != nil {
		return fmt.Errorf("%w: a sweep runs at a constant -rate, not on a forecast", errUsage)
	}
	target := o.target
	if target == 0 {
		target = 0.8
	}
	lo, hi := o.sweepLo, o.sweepHi
	if hi == 0 {
		// Around Erlang C's answer for the target.
		n, _, err := sim.ErlangCAgents(sim.Queue{Rate: o.cfg.ArrivalsPerHour * (1 - o.cfg.Containment) / 3600, AHT: o.cfg.AHT}, target, o.cfg.Threshold)
		if err != nil {
			return err
		}
		capacity := max(o.cfg.Capacity, 1)
		n = (n + capacity - 1) / capacity
		lo, hi = max(1, n-3), n+3
	}
	if o.cfg.Conversations == 0 && o.cfg.Duration == 0 {
		o.cfg.Conversations = 20000
	}
	pts, err := sim.Sweep(ctx, o.cfg, lo, hi)
	if err != nil {
		return err
	}
	if o.svg != "" {
		title := o.title
		if title == "" {
			load := o.cfg.ArrivalsPerHour * (1 - o.cfg.Containment) / 3600 * o.cfg.AHT.Seconds()
			title = fmt.Sprintf("%.3g Erlangs, AHT %g s: service level (%g s) and ASA by agents", load, o.cfg.AHT.Seconds(), o.cfg.Threshold.Seconds())
		}
		if err := writeChart(o.svg, pts, target, title); err != nil {
			return err
		}
	}
	if o.format == "json" {
		return writeJSON(w, pts)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "agents\tSL(%gs)\tformula SL\tASA(s)\tformula ASA(s)\tP(wait)\tabandoned\toccupancy\t\n", o.cfg.Threshold.Seconds())
	for _, p := range pts {
		fsl, fasa := "-", "-"
		if p.Analytic {
			fsl = fmt.Sprintf("%.1f%%", 100*p.Formula.ServiceLevel)
			fasa = fmt.Sprintf("%.1f", p.Formula.ASA.Seconds())
		}
		s := p.Simulated
		fmt.Fprintf(tw, "%d\t%.1f%%\t%s\t%.1f\t%s\t%.1f%%\t%.1f%%\t%.1f%%\t\n", p.Agents, 100*s.ServiceLevel, fsl, s.ASA, fasa, 100*s.PWait, 100*s.AbandonRate, 100*s.Occupancy)
	}
	return tw.Flush()
}

// writeChart writes the sweep's chart to the file name, whole or not at
// all: into a temporary file renamed over it.
func writeChart(name string, pts []sim.Point, target float64, title string) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".ccsim-*.svg")
	if err != nil {
		return fmt.Errorf("-svg: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := sim.Chart(tmp, pts, target, title); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("-svg: %w", err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("-svg: %w", err)
	}
	return nil
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
