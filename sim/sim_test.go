package sim

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// The long runs keep a large, growing store: collect less often.
	debug.SetGCPercent(400)
	os.Exit(m.Run())
}

var bg = context.Background()

// The same seed gives the same report; another seed another.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	cfg := Config{ArrivalsPerHour: 120, AHT: 4 * time.Minute, Handling: LogNormal, Spread: 0.8, Agents: 4, Duration: 2 * time.Hour,
		Patience: 3 * time.Minute, Containment: 0.2, Capacity: 2, Strategy: "round_robin", Seed: 5}
	a, err := Simulate(bg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Simulate(bg, cfg)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs of one seed differ")
	}
	var ja, jb bytes.Buffer
	_ = a.WriteJSON(&ja)
	_ = b.WriteJSON(&jb)
	if ja.String() != jb.String() {
		t.Fatal("the JSON differs")
	}
	cfg.Seed = 6
	c, _ := Simulate(bg, cfg)
	if reflect.DeepEqual(a.Total, c.Total) {
		t.Fatal("another seed gave the same total")
	}
	if a.Total.Contained == 0 || a.Total.Abandoned == 0 || len(a.Intervals) != 8 {
		t.Errorf("contained %d, abandoned %d, %d intervals", a.Total.Contained, a.Total.Abandoned, len(a.Intervals))
	}
	// The bot's share: about 20% of the arrivals never reach the queue.
	share := float64(a.Total.Contained) / float64(a.Total.Contained+a.Total.Offered)
	near(t, "containment", share, 0.2, 0.05)
}

// Routing matters (R11). Chat agents with capacity 2, at a load that
// fills less than half their room: least busy gives a new conversation to
// an agent with none, so customers rarely share their agent; round robin
// gives it to the agent who got one longest ago, who often still holds
// it. The measure is concurrency, the mean number of conversations an
// agent holds while holding any (1 is one customer at a time): least busy
// keeps it near 1, round robin well above. The queue itself does not
// change (the waits depend on the room in use, which is the same), which
// the test checks too.
func TestRoutingMatters(t *testing.T) {
	t.Parallel()
	run := func(strategy string) *Report {
		rep, err := Simulate(bg, Config{ArrivalsPerHour: 60, AHT: 5 * time.Minute, Agents: 8, Capacity: 2, Strategy: strategy,
			Conversations: 20_000, WarmUp: 10 * time.Hour, Seed: 11, Interval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	lb, rr := run("least_busy"), run("round_robin")
	conc := func(r *Report) float64 {
		sum, w := 0.0, 0.0
		for _, a := range r.Agents {
			sum += a.Concurrency * a.Occupancy
			w += a.Occupancy
		}
		return sum / w
	}
	cl, cr := conc(lb), conc(rr)
	t.Logf("concurrency least busy %.3f, round robin %.3f; ASA %.2fs vs %.2fs", cl, cr, lb.Total.ASA, rr.Total.ASA)
	if cl > 1.05 {
		t.Errorf("least busy: concurrency %.3f, want near 1", cl)
	}
	if cr < cl+0.1 {
		t.Errorf("round robin: concurrency %.3f, want well above least busy's %.3f", cr, cl)
	}
	near(t, "same ASA", lb.Total.ASA, rr.Total.ASA, 0.5)
	near(t, "same SL", lb.Total.ServiceLevel, rr.Total.ServiceLevel, 0.01)
}

// Per interval of a forecast, and with patience fewer agents than Erlang C.
func TestStaffForecastWithPatience(t *testing.T) {
	t.Parallel()
	f, err := ReadForecast(strings.NewReader("start,volume\n09:00,25\n09:15,50\n09:30,100\n"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Staff(bg, Config{Forecast: f, AHT: 180 * time.Second, Patience: 2 * time.Minute, Seed: 4}, StaffOptions{Target: 0.8, Conversations: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].Interval != "09:00" || rows[2].Interval != "09:30" {
		t.Fatalf("rows %+v", rows)
	}
	for i, r := range rows {
		if r.Agents > r.ErlangC || r.ErlangA >= r.ErlangC || r.Simulated.ServiceLevel < 0.8 || r.Simulated.Abandoned == 0 {
			t.Errorf("row %d: %+v", i, r)
		}
		if i > 0 && r.Agents <= rows[i-1].Agents {
			t.Errorf("more load, no more agents: %+v", rows)
		}
		if d := r.Agents - r.ErlangA; d < -1 || d > 1 {
			t.Errorf("row %d: simulated %d agents, Erlang A %d", i, r.Agents, r.ErlangA)
		}
	}
}

// A forecast drives the arrivals per interval, and Staffing the agents
// online per interval (presence away for the others, R11). 8 Erlangs on 3
// agents in the first quarter hour make nearly everyone wait; then 14
// agents come online, clear the queue and keep the waits short (with the
// first 3 alone the queue would grow without end, and with all 14 from
// the start few would wait in the first quarter); the 11 who come online
// answer.
func TestForecastAndStaffing(t *testing.T) {
	t.Parallel()
	f, err := ReadForecast(strings.NewReader("# a morning\nstart,volume\n08:00,40\n08:15,40\n08:30,40\n08:45,20\n"))
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 5; seed++ {
		rep, err := Simulate(bg, Config{Forecast: f, AHT: 3 * time.Minute, Agents: 14, Staffing: []int{3, 14}, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Intervals) != 4 {
			t.Fatalf("%d intervals", len(rep.Intervals))
		}
		first, last := rep.Intervals[0], rep.Intervals[3]
		if first.Interval != "08:00" || first.Agents != 3 || last.Agents != 14 {
			t.Errorf("intervals %+v", rep.Intervals)
		}
		if first.PWait < 0.6 || last.PWait > 0.3 || last.ASA >= first.ASA {
			t.Errorf("seed %d: P(wait) %.2f then %.2f, ASA %.1f then %.1f: the staffing did not follow the plan", seed, first.PWait, last.PWait, first.ASA, last.ASA)
		}
		if first.Offered < 20 || first.Offered > 65 || last.Offered > 40 {
			t.Errorf("offered %d and %d", first.Offered, last.Offered)
		}
		answeredLate := 0
		for _, a := range rep.Agents[3:] {
			answeredLate += a.Answered
		}
		if answeredLate == 0 {
			t.Errorf("seed %d: the agents who came online at 08:15 answered nothing", seed)
		}
		var tb bytes.Buffer
		if err := rep.WriteTable(&tb); err != nil || !strings.Contains(tb.String(), "08:15") || !strings.Contains(tb.String(), "total") {
			t.Errorf("table %q: %v", tb.String(), err)
		}
	}
}

// Agents who all go away leave the customers still waiting unanswered:
// counted as such, with their waits to the end, not dropped (R11: an
// agent who goes away keeps what they hold).
func TestUnansweredWhenNobodyIsLeft(t *testing.T) {
	t.Parallel()
	f, err := ReadForecast(strings.NewReader("start,volume\n08:00,40\n08:15,40\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Simulate(bg, Config{Forecast: f, AHT: 3 * time.Minute, Agents: 8, Staffing: []int{8, 0}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Agents who went away finish what they hold: occupancy counts the
	// time they still hold conversations, and never exceeds 1.
	for _, s := range append(rep.Intervals, rep.Total) {
		if s.Occupancy > 1 || s.Occupancy <= 0 {
			t.Errorf("%s: occupancy %.3f", s.Interval, s.Occupancy)
		}
	}
	for _, a := range rep.Agents {
		if a.Occupancy > 1 {
			t.Errorf("agent %s occupancy %.3f", a.ID, a.Occupancy)
		}
	}
	second := rep.Intervals[1]
	if second.Offered == 0 || second.Answered != 0 || second.Unanswered != second.Offered || second.PWait != 1 || second.LongestWait <= 0 {
		t.Errorf("08:15 %+v", second)
	}
	if rep.Total.Unanswered != second.Unanswered || rep.Total.Answered+rep.Total.Unanswered != rep.Total.Offered {
		t.Errorf("total %+v", rep.Total)
	}
	var tb bytes.Buffer
	if err := rep.WriteTable(&tb); err != nil || !strings.Contains(tb.String(), "still waiting at the end") {
		t.Errorf("table %q: %v", tb.String(), err)
	}
}

// An interval cut by the warm-up or by the end of the arrivals is
// measured on its part: its load and occupancy are those of a full one.
func TestPartialIntervals(t *testing.T) {
	t.Parallel()
	// 10 Erlangs on 14 agents: occupancy 0.714.
	rep, err := Simulate(bg, Config{ArrivalsPerHour: 200, AHT: 3 * time.Minute, Agents: 14, Duration: 6 * time.Hour, WarmUp: 50 * time.Minute,
		Interval: time.Hour, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Intervals) != 6 {
		t.Fatalf("%d intervals", len(rep.Intervals))
	}
	// The first hour is measured on its last 10 minutes only.
	near(t, "total load", rep.Total.Load, 10, 0.6)
	near(t, "total occupancy", rep.Total.Occupancy, 10.0/14, 0.05)
	for _, s := range rep.Intervals {
		near(t, s.Interval+" load", s.Load, 10, 3)
		near(t, s.Interval+" occupancy", s.Occupancy, 10.0/14, 0.2)
	}
	// Arrivals stopped by a count end inside an interval.
	rep, err = Simulate(bg, Config{ArrivalsPerHour: 200, AHT: 3 * time.Minute, Agents: 14, Conversations: 2050, Interval: time.Hour, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	lastIv := rep.Intervals[len(rep.Intervals)-1]
	near(t, "last interval load", lastIv.Load, 10, 3)
	near(t, "last interval occupancy", lastIv.Occupancy, 10.0/14, 0.2)
}

// The channel's team limits assignment to its members, in Staff and Sweep
// too; a team nobody is in is refused.
func TestTeams(t *testing.T) {
	t.Parallel()
	rep, err := Simulate(bg, Config{ArrivalsPerHour: 100, AHT: 3 * time.Minute, Groups: []Group{{Count: 4, Teams: []string{"chat"}}, {Count: 6, Teams: []string{"voice"}}},
		Team: "chat", Duration: 2 * time.Hour, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range rep.Agents {
		if (i < 4) != (a.Answered > 0) {
			t.Errorf("agent %d answered %d", i, a.Answered)
		}
	}
	pts, err := Sweep(bg, Config{ArrivalsPerHour: 200, AHT: 3 * time.Minute, Team: "chat", Conversations: 3000, Seed: 1}, 13, 14)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts {
		near(t, "sweep SL with a team", p.Simulated.ServiceLevel, p.Formula.ServiceLevel, 0.08)
	}
	rows, err := Staff(bg, Config{ArrivalsPerHour: 150, AHT: 2 * time.Minute, Team: "chat", Seed: 1}, StaffOptions{Target: 0.8, Conversations: 20_000})
	if err != nil || rows[0].Agents != 8 {
		t.Errorf("staff with a team: %+v, %v", rows, err)
	}
	_, err = Simulate(bg, Config{ArrivalsPerHour: 100, AHT: 3 * time.Minute, Agents: 4, Team: "chat"})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field != "team" || !strings.Contains(err.Error(), `"chat"`) {
		t.Errorf("a team with no member: %v", err)
	}
}

// Bad input is a typed error with a clear message.
func TestBadInput(t *testing.T) {
	base := Config{ArrivalsPerHour: 100, AHT: time.Minute, Agents: 3}
	for _, c := range []struct {
		field string
		edit  func(*Config)
	}{
		{"rate", func(c *Config) { c.ArrivalsPerHour = -5 }},
		{"agents", func(c *Config) { c.Agents = 0 }},
		{"strategy", func(c *Config) { c.Strategy = "fastest" }},
		{"aht", func(c *Config) { c.AHT = 0 }},
		{"containment", func(c *Config) { c.Containment = 1 }},
		{"handling", func(c *Config) { c.Handling = "gamma" }},
		{"patience", func(c *Config) { c.Patience = -time.Second }},
		{"staffing", func(c *Config) { c.Staffing = []int{4} }},
	} {
		cfg := base
		c.edit(&cfg)
		_, err := Simulate(bg, cfg)
		var ie *InputError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("%s: %v", c.field, err)
		}
	}
	_, err := Staff(bg, base, StaffOptions{Target: 0})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field != "target" || !strings.Contains(err.Error(), "between 0 and 1") {
		t.Errorf("target 0: %v", err)
	}
	for _, o := range []StaffOptions{{Target: 0.8, MaxOccupancy: 1.5}, {Target: 0.8, Shrinkage: 1}, {Target: 0.8, MaxAgents: -1}} {
		if _, err := Staff(bg, base, o); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v", o, err)
		}
	}
	// A bound below what the target needs: ErrNoStaffing, saying so.
	_, err = Staff(bg, Config{ArrivalsPerHour: 200, AHT: 3 * time.Minute}, StaffOptions{Target: 0.95, MaxAgents: 12, Conversations: 2000})
	if !errors.Is(err, ErrNoStaffing) || !strings.Contains(err.Error(), "12 agents") {
		t.Errorf("bound 12: %v", err)
	}
	for _, c := range []struct {
		csv  string
		line int
		says string
	}{
		{"start,volume\n08:00,10\n08:15,ten\n", 3, "volume"},
		{"start,volume\n08:00,10\n08:45,10\n", 3, "does not follow"},
		{"start,volume\n8h,10\n", 2, "HH:MM"},
		{"when,calls\n", 1, "header"},
		{"start,volume\n08:00,10,3\n", 2, "fields"},
		{"start,volume\n08:00,\"10\n", 2, "quote"},
		{"", 0, "no interval"},
	} {
		_, err := ReadForecast(strings.NewReader(c.csv))
		var fe *ForecastError
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) || fe.Line != c.line || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%q: %v (want line %d, %q)", c.csv, err, c.line, c.says)
		}
	}
}

// A sweep gives a point per agent count, and its chart is an SVG.
func TestSweepChart(t *testing.T) {
	t.Parallel()
	pts, err := Sweep(bg, Config{ArrivalsPerHour: 200, AHT: 3 * time.Minute, Conversations: 3000, Seed: 1}, 11, 16)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 6 || !pts[0].Analytic || pts[0].Agents != 11 {
		t.Fatalf("points %+v", pts)
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].Simulated.ServiceLevel < pts[i-1].Simulated.ServiceLevel || pts[i].Formula.ServiceLevel <= pts[i-1].Formula.ServiceLevel {
			t.Errorf("service level falls with more agents: %+v", pts)
		}
	}
	var b bytes.Buffer
	if err := Chart(&b, pts, 0.8, "10 Erlangs"); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	if !strings.HasPrefix(svg, "<svg") || strings.Count(svg, "<polyline") != 4 || !strings.Contains(svg, "target 80%") {
		t.Errorf("svg %.300s", svg)
	}
	if math.IsNaN(pts[0].Simulated.ASA) {
		t.Error("NaN")
	}
	if _, err := Sweep(bg, Config{ArrivalsPerHour: 200, AHT: 3 * time.Minute}, 0, 3); !errors.Is(err, ErrInvalid) {
		t.Errorf("sweep from 0: %v", err)
	}
}
