// Command ccload measures a contact center that runs as several engine
// processes on one PostgreSQL schema, and checks what they publish.
//
// It makes a fresh schema in the database -dsn names, prepares
// -processes × -writers × -contacts contacts with an open conversation
// each (each process has its own), and starts itself again as -processes
// child processes. Each child runs one contactcenter.Engine on
// store/postgres (with Engine.Run, as a host does) whose -writers writers
// call Engine.Receive for the process's contacts for -duration. Every
// event an engine publishes (Config.PublishBatch) is written to the
// parent as a line, which the parent checks against cc_messages once the
// store holds no event: every inbound message stored has its
// message.received event published at least once, each conversation's
// events are first published in commit order (Seq, and the order of
// cc_messages.seq for its messages), repeats are counted (R17, R18).
//
// Modes (-mode):
//
//	engine    the engine processes; prints msgs/s, events published/s,
//	          publish lag p50/p99/max (published minus the event's At),
//	          DrainEvents calls and their store.ErrBusy answers, and the
//	          checks: order violations, lost, phantom, doubled, duplicates
//	bare      the same processes and writers running the bare transaction
//	          of a message (INSERT the message, UPDATE its conversation):
//	          the database's own ceiling with that many processes
//	compare   interleaved rounds of 1 engine process, 2 engine processes
//	          and 2 bare processes, -rounds times, on one schema, after an
//	          unreported warm-up round (-warmup); prints the ratios
//	          2-engine/1-engine and 2-engine/2-bare, min, median and max
//	kill      the engine processes (3 unless -processes says), one killed
//	          with SIGKILL at -kill-after (or, with -kill-in-publish, as
//	          soon as it publishes after that); prints the longest publish lag of
//	          the events stored after the kill and the longest wait, from
//	          the kill, for the events stored before it, and fails when one
//	          exceeds -bound
//
// It exits with status 1 when a check fails (an event lost, out of order,
// phantom or doubled, events left unpublished, a bound exceeded), 2 when
// the run itself fails.
//
// Usage:
//
//	go run ./cmd/ccload -mode engine -processes 2 -duration 10s
//	go run ./cmd/ccload -mode compare -duration 5s -rounds 3
//	go run ./cmd/ccload -mode kill -duration 9s -json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/telenet/contactcenter/internal/ccload"
)

func main() {
	if os.Getenv(ccload.ChildEnv) != "" {
		if err := ccload.ChildMain(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	os.Exit(loadMain(os.Args[1:], os.Stdout, os.Stderr))
}

// config is the command line.
type config struct {
	DSN       string
	Mode      string
	Processes int
	Writers   int
	Contacts  int
	Duration  time.Duration
	Rounds    int
	Warmup    time.Duration
	KillAfter time.Duration
	InPublish bool
	Bound     time.Duration
	JSON      bool
	Keep      bool
}

// loadMain parses the flags, runs the mode and prints its report; it
// returns the exit status.
func loadMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ccload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.DSN, "dsn", ccload.DefaultDSN(), "PostgreSQL database (a fresh schema is made in it and dropped at the end)")
	fs.StringVar(&cfg.Mode, "mode", "engine", "engine, bare, compare or kill")
	fs.IntVar(&cfg.Processes, "processes", 0, "engine processes (default 2; 3 for -mode kill; compare runs 1 and 2)")
	fs.IntVar(&cfg.Writers, "writers", 8, "concurrent writers per process")
	fs.IntVar(&cfg.Contacts, "contacts", 16, "contacts per writer, each with an open conversation only that writer writes to")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long the writers write, per run")
	fs.IntVar(&cfg.Rounds, "rounds", 3, "rounds of -mode compare")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "-mode compare: an unreported round of this length first, so that the first round does not meet a cold database (0: none)")
	fs.DurationVar(&cfg.KillAfter, "kill-after", 0, "when -mode kill kills process 1, after the writers start (default a third of -duration)")
	fs.BoolVar(&cfg.InPublish, "kill-in-publish", true, "-mode kill: once -kill-after has passed, kill as soon as the process publishes (while its drain may still be forgetting the events)")
	fs.DurationVar(&cfg.Bound, "bound", 10*time.Second, "-mode kill: the longest publish lag allowed after the kill")
	fs.BoolVar(&cfg.JSON, "json", false, "print the results as JSON")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the schema, and print its DSN")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: ccload [flags]\n\nMeasures engine processes on one PostgreSQL schema and checks what they publish (see go doc ./cmd/ccload).\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ccload: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if cfg.Processes == 0 {
		cfg.Processes = 2
		if cfg.Mode == "kill" {
			cfg.Processes = 3
		}
	}
	if cfg.KillAfter == 0 {
		cfg.KillAfter = cfg.Duration / 3
	}
	switch {
	case !slices.Contains([]string{"engine", "bare", "compare", "kill"}, cfg.Mode):
		fmt.Fprintf(stderr, "ccload: unknown -mode %q\n", cfg.Mode)
		return 2
	case cfg.Processes < 1 || cfg.Writers < 1 || cfg.Contacts < 1 || cfg.Duration <= 0 || cfg.Rounds < 1:
		fmt.Fprintln(stderr, "ccload: -processes, -writers, -contacts, -duration and -rounds must be positive")
		return 2
	case cfg.Mode == "kill" && (cfg.Processes < 2 || cfg.KillAfter >= cfg.Duration):
		fmt.Fprintln(stderr, "ccload: -mode kill needs 2 processes or more and -kill-after within -duration")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	status, err := run(ctx, cfg, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "ccload:", err)
		return 2
	}
	return status
}

// run makes and prepares the schema and runs the mode.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) (int, error) {
	dsn, drop, err := ccload.FreshSchema(ctx, cfg.DSN, "ccload_")
	if err != nil {
		return 0, err
	}
	if cfg.Keep {
		fmt.Fprintln(stderr, "ccload: schema kept:", dsn)
	} else {
		defer func() {
			if err := drop(); err != nil {
				fmt.Fprintln(stderr, err)
			}
		}()
	}
	procs := cfg.Processes
	if cfg.Mode == "compare" {
		procs = 2
	}
	if err := ccload.Prepare(ctx, dsn, procs, cfg.Writers, cfg.Contacts); err != nil {
		return 0, err
	}
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	r := &ccload.Runner{DSN: dsn, Writers: cfg.Writers, Contacts: cfg.Contacts, Stderr: stderr,
		Command: func() *exec.Cmd { return exec.Command(self) }}
	switch cfg.Mode {
	case "compare":
		return compare(ctx, cfg, r, stdout)
	case "kill":
		res, err := r.Run(ctx, ccload.RunSpec{Mode: ccload.ModeEngine, Processes: cfg.Processes, Duration: cfg.Duration,
			Kill: &ccload.Kill{Proc: 1, After: cfg.KillAfter, InPublish: cfg.InPublish}})
		if err != nil {
			return 0, err
		}
		problems := res.Problems()
		if k := res.Analysis.AfterKill; k.MaxLag >= cfg.Bound || k.MaxResume >= cfg.Bound {
			problems = append(problems, fmt.Sprintf("publication after the kill took longer than -bound %v", cfg.Bound))
		}
		if k := res.Analysis.AfterKill; k.StoredAfter == 0 {
			problems = append(problems, "no event was stored after the kill")
		}
		return report(stdout, cfg.JSON, res, problems)
	default:
		res, err := r.Run(ctx, ccload.RunSpec{Mode: cfg.Mode, Processes: cfg.Processes, Duration: cfg.Duration})
		if err != nil {
			return 0, err
		}
		return report(stdout, cfg.JSON, res, res.Problems())
	}
}

// report prints one run's result and its problems, and returns the exit
// status.
func report(w io.Writer, asJSON bool, res *ccload.Result, problems []string) (int, error) {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Result   *ccload.Result `json:"result"`
			Problems []string       `json:"problems"`
		}{res, problems}); err != nil {
			return 0, err
		}
	} else {
		fmt.Fprint(w, describe(res))
		for _, p := range problems {
			fmt.Fprintln(w, "FAIL:", p)
		}
	}
	if len(problems) > 0 {
		return 1, nil
	}
	return 0, nil
}

// describe is a run's result for people.
func describe(res *ccload.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %d processes × %d writers, %v (window %v):\n", res.Mode, res.Processes, res.Writers, res.Duration, res.Window.Round(time.Millisecond))
	fmt.Fprintf(&b, "  messages  %.0f/s: %d stored; writers %d ok, %d failed\n", res.MsgsPerSec, res.Stored, res.Sent, res.Failed)
	a := res.Analysis
	if a == nil {
		return b.String()
	}
	fmt.Fprintf(&b, "  events    %.0f/s published: %d events, %d publications, %d duplicates, %d unpublished; settled %v after the writers\n",
		a.EventsPerSec, a.Events, a.Publications, a.Duplicates, res.Unpublished, res.Settle.Round(time.Millisecond))
	fmt.Fprintf(&b, "            first published by process: %v\n", a.PublishedBy)
	fmt.Fprintf(&b, "  lag       p50 %v  p99 %v  max %v\n", ms(a.LagP50), ms(a.LagP99), ms(a.LagMax))
	fmt.Fprintf(&b, "  drains    %d, of which ErrBusy %d (%.0f%%); %d events forgotten as published\n", res.Drains, res.Busy, pct(res.Busy, res.Drains), res.Forgotten)
	fmt.Fprintf(&b, "  checks    order violations %d, seq violations %d, lost %d, phantom %d, doubled %d\n",
		a.OrderViolations, a.SeqViolations, a.Lost, a.Phantom, a.Doubled)
	if k, after := res.Killed, a.AfterKill; k != nil && after != nil {
		how := "at a time"
		if k.InPublish {
			how = "as it published"
		}
		fmt.Fprintf(&b, "  kill      process %d at %v, %s: %d of its messages stored; %d lines cut short\n", k.Proc, k.At.Format(time.StampMilli), how, k.Stored, res.Torn)
		fmt.Fprintf(&b, "            %d events stored after the kill, longest lag %v; %d stored before and published after, the last %v after the kill\n",
			after.StoredAfter, ms(after.MaxLag), after.Stranded, ms(after.MaxResume))
	}
	for _, e := range a.Examples {
		fmt.Fprintln(&b, "  e.g.", e)
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

func pct(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

// round is one round of -mode compare.
type round struct {
	Engine1  *ccload.Result `json:"engine1"`
	Engine2  *ccload.Result `json:"engine2"`
	Bare2    *ccload.Result `json:"bare2"`
	E2OverE1 float64        `json:"engine2_over_engine1"`
	E2OverB2 float64        `json:"engine2_over_bare2"`
}

// spread is the min, median and max of a ratio over the rounds.
type spread struct {
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

func spreadOf(v []float64) spread {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return spread{s[0], med, s[n-1]}
}

// compare runs the interleaved rounds on one schema: the runs of a round
// meet the same database (its size, checkpoints, vacuum), and the rounds
// show the spread of a shared, noisy machine.
func compare(ctx context.Context, cfg config, r *ccload.Runner, stdout io.Writer) (int, error) {
	var rounds []round
	var problems []string
	if cfg.Warmup > 0 {
		for _, mode := range []string{ccload.ModeEngine, ccload.ModeBare} {
			if _, err := r.Run(ctx, ccload.RunSpec{Mode: mode, Processes: 2, Duration: cfg.Warmup}); err != nil {
				return 0, err
			}
		}
	}
	for i := range cfg.Rounds {
		var rd round
		for _, step := range []struct {
			res   **ccload.Result
			mode  string
			procs int
		}{{&rd.Engine1, ccload.ModeEngine, 1}, {&rd.Engine2, ccload.ModeEngine, 2}, {&rd.Bare2, ccload.ModeBare, 2}} {
			res, err := r.Run(ctx, ccload.RunSpec{Mode: step.mode, Processes: step.procs, Duration: cfg.Duration})
			if err != nil {
				return 0, err
			}
			*step.res = res
			for _, p := range res.Problems() {
				problems = append(problems, fmt.Sprintf("round %d, %s×%d: %s", i+1, step.mode, step.procs, p))
			}
		}
		rd.E2OverE1 = rd.Engine2.MsgsPerSec / rd.Engine1.MsgsPerSec
		rd.E2OverB2 = rd.Engine2.MsgsPerSec / rd.Bare2.MsgsPerSec
		rounds = append(rounds, rd)
		if !cfg.JSON {
			fmt.Fprintf(stdout, "round %d: engine×1 %.0f msgs/s (lag p99 %s, ErrBusy %d/%d)  engine×2 %.0f msgs/s (lag p99 %s, ErrBusy %d/%d)  bare×2 %.0f msgs/s  2e/1e %.2f  2e/2b %.2f\n",
				i+1, rd.Engine1.MsgsPerSec, ms(rd.Engine1.Analysis.LagP99), rd.Engine1.Busy, rd.Engine1.Drains,
				rd.Engine2.MsgsPerSec, ms(rd.Engine2.Analysis.LagP99), rd.Engine2.Busy, rd.Engine2.Drains,
				rd.Bare2.MsgsPerSec, rd.E2OverE1, rd.E2OverB2)
		}
	}
	var e2e1, e2b2 []float64
	for _, rd := range rounds {
		e2e1 = append(e2e1, rd.E2OverE1)
		e2b2 = append(e2b2, rd.E2OverB2)
	}
	ratios := struct {
		E2OverE1 spread `json:"engine2_over_engine1"`
		E2OverB2 spread `json:"engine2_over_bare2"`
	}{spreadOf(e2e1), spreadOf(e2b2)}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Rounds   []round  `json:"rounds"`
			Ratios   any      `json:"ratios"`
			Problems []string `json:"problems"`
		}{rounds, ratios, problems}); err != nil {
			return 0, err
		}
	} else {
		fmt.Fprintf(stdout, "2-engine/1-engine: min %.2f  median %.2f  max %.2f\n", ratios.E2OverE1.Min, ratios.E2OverE1.Median, ratios.E2OverE1.Max)
		fmt.Fprintf(stdout, "2-engine/2-bare:   min %.2f  median %.2f  max %.2f\n", ratios.E2OverB2.Min, ratios.E2OverB2.Median, ratios.E2OverB2.Max)
		for _, p := range problems {
			fmt.Fprintln(stdout, "FAIL:", p)
		}
	}
	if len(problems) > 0 {
		return 1, nil
	}
	return 0, nil
}
