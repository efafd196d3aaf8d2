// Command crashsoak kills processes that run the contact center with
// SIGKILL in the middle of a burst of customer messages, restarts them, and
// then counts every message in both directions (R18).
//
// It runs a fake Telegram Bot API in its own process (telegram/telegramtest)
// and one of three targets as child processes against it:
//
//	-target helpdesk   examples/helpdesk on SQLite, built with go build;
//	                   staff agents in the staff group answer each copy
//	-target sqlite     a bare engine on store/sqlite, one process
//	-target postgres   two bare engine processes on one PostgreSQL schema,
//	                   each polling its own bot and delivering for both
//
// The bare engine is this binary, started again as a child: a
// contactcenter.Engine with telegram.Receiver, Bot.Poll and Engine.Run, and
// an agent that answers every customer message from Publish with a reply
// whose id is derived from the message's, so that an event published again
// replies once.
//
// Each round, customers send -messages messages at -rate a second; at a
// random point in the first 20–60% of the burst one child is killed with
// SIGKILL and started again at once. The round then waits (up to -settle)
// until every message is answered. At the end the store and the fake are
// read and the report gives, per round and in total: customer messages
// sent, stored exactly once, lost and doubled; replies stored, delivered,
// lost and doubled; for the help desk the staff-group copies and headers;
// per crash the messages the channel had accepted but the killed process
// had not recorded (the only ones a restart may send again), the doubles
// the crash caused and whether they were among those, and the time from
// the restart to the first message stored, relayed and answered.
//
// It exits with status 1 when an acceptance point fails: a message lost
// in either direction, more than one message doubled by a crash or one
// that was not on its way at the kill, or a first message handled more
// than 5 s after a restart. Status 2 means the run itself failed.
//
// The fake Bot API keeps rate limits (-limits) far above Telegram's, so
// that a round takes seconds: with Telegram's 20 messages a minute per
// group, 500 staff copies would take 25 minutes.
//
// Usage:
//
//	go run ./cmd/crashsoak -target helpdesk -rounds 5 -messages 500 -customers 50
//	go run ./cmd/crashsoak -target postgres -dsn postgres://127.0.0.1:5432/test
//	go run ./cmd/crashsoak -target sqlite -kill=false   # the harness alone: 0 lost, 0 doubled
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/telenet/contactcenter/telegram/telegramtest"
)

func main() {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	os.Exit(soakMain(os.Args[1:], os.Stdout, os.Stderr))
}

// soakMain parses the flags, runs the soak and prints the report; it
// returns the exit status.
func soakMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("crashsoak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.Target, "target", "sqlite", "what to crash: helpdesk, sqlite or postgres")
	fs.IntVar(&cfg.Rounds, "rounds", 5, "rounds, one kill -9 each")
	fs.IntVar(&cfg.Messages, "messages", 500, "customer messages per round")
	fs.IntVar(&cfg.Customers, "customers", 50, "customers")
	fs.Int64Var(&cfg.Seed, "seed", 1, "seed of the message order and the kill points")
	fs.StringVar(&cfg.DSN, "dsn", defaultDSN(), "PostgreSQL database for -target postgres (a fresh schema is made in it)")
	fs.Float64Var(&cfg.Rate, "rate", 100, "customer messages per second in a burst")
	fs.BoolVar(&cfg.Kill, "kill", true, "kill a child mid-burst each round (false: check the harness itself)")
	fs.DurationVar(&cfg.Settle, "settle", 60*time.Second, "how long a round waits after its burst for every message to be delivered")
	fs.DurationVar(&cfg.FinalSettle, "final-settle", 0, "how long the last round waits, if longer than -settle (to tell late from lost)")
	fs.DurationVar(&cfg.ClaimTimeout, "claim", 3*time.Second, "the bare engine's ClaimTimeout")
	fs.DurationVar(&cfg.AgentDelay, "agent-delay", 200*time.Millisecond, "help desk: how long a staff agent takes to answer a copy")
	limits := fs.String("limits", "1000,200,12000", "the fake Bot API's rate limits: messages per second per bot, per second per chat, per minute per group (0: none)")
	fs.StringVar(&cfg.HelpdeskBin, "helpdesk-bin", "", "a built examples/helpdesk (default: go build it)")
	jsonOut := fs.Bool("json", false, "print the report as JSON")
	keep := fs.Bool("keep", false, "keep the work directory (databases and the children's logs)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	if cfg.Limits, err = parseLimits(*limits); err != nil {
		fmt.Fprintln(stderr, "crashsoak:", err)
		return 2
	}
	if cfg.Exe, err = os.Executable(); err != nil {
		fmt.Fprintln(stderr, "crashsoak:", err)
		return 2
	}
	if cfg.Dir, err = os.MkdirTemp("", "crashsoak-"); err != nil {
		fmt.Fprintln(stderr, "crashsoak:", err)
		return 2
	}
	if *keep {
		fmt.Fprintln(stderr, "crashsoak: work directory", cfg.Dir)
	} else {
		defer os.RemoveAll(cfg.Dir)
	}
	cfg.Race = raceEnabled
	cfg.Progress = stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "crashsoak:", err)
		return 2
	}
	if *jsonOut {
		if err := rep.writeJSON(stdout); err != nil {
			fmt.Fprintln(stderr, "crashsoak:", err)
			return 2
		}
	} else {
		rep.writeText(stdout)
	}
	if !rep.Passed() {
		return 1
	}
	return 0
}

// parseLimits reads "per-second,per-chat-per-second,per-group-per-minute".
func parseLimits(s string) (telegramtest.Limits, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return telegramtest.Limits{}, fmt.Errorf("-limits %q: want three numbers, e.g. 30,1,20", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return telegramtest.Limits{}, fmt.Errorf("-limits %q: %q is not a count", s, p)
		}
		n[i] = v
	}
	return telegramtest.Limits{PerSecond: n[0], PerChatPerSecond: n[1], PerGroupPerMinute: n[2]}, nil
}
