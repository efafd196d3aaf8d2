package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/telenet/contactcenter/sim"
)

// ccsim runs the command with args and returns its status, stdout and
// stderr.
func ccsim(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// -h prints the usage and exits 0.
func TestHelp(t *testing.T) {
	code, out, errs := ccsim(t, "", "-h")
	if code != 0 || out != "" || !strings.Contains(errs, "Usage: ccsim") || !strings.Contains(errs, "-forecast") || !strings.Contains(errs, "-target") {
		t.Fatalf("status %d, stdout %q, stderr %q", code, out, errs)
	}
}

// Simulate mode: a table per interval and a total, the same for the same
// seed; JSON carries the same figures.
func TestSimulateTableAndJSON(t *testing.T) {
	args := []string{"-rate", "120", "-aht", "3m", "-agents", "8", "-duration", "1h", "-seed", "3"}
	code, table, errs := ccsim(t, "", args...)
	if code != 0 || errs != "" {
		t.Fatalf("status %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 6 || !strings.Contains(lines[0], "SL(20s)") || !strings.Contains(lines[1], "00:00") || !strings.HasPrefix(strings.TrimSpace(lines[5]), "total") {
		t.Fatalf("table:\n%s", table)
	}
	_, again, _ := ccsim(t, "", args...)
	if again != table {
		t.Error("the same seed printed another table")
	}
	code, js, _ := ccsim(t, "", append(args, "-format", "json")...)
	var rep sim.Report
	if code != 0 || json.Unmarshal([]byte(js), &rep) != nil {
		t.Fatalf("status %d, json %.200s", code, js)
	}
	if len(rep.Intervals) != 4 || rep.Total.Offered == 0 || rep.Total.Answered != rep.Total.Offered || rep.Strategy != "least_busy" {
		t.Errorf("report %+v", rep.Total)
	}
	if !strings.Contains(lines[5], " "+strconv.Itoa(rep.Total.Offered)+" ") {
		t.Errorf("the table's total %q is not the JSON's %d offered", lines[5], rep.Total.Offered)
	}
}

// Groups with capacity and teams, the channel's team, patience, a bot and
// round robin all reach the simulation.
func TestSimulateGroupsTeamsPatienceBot(t *testing.T) {
	code, js, errs := ccsim(t, "", "-rate", "300", "-aht", "4m", "-groups", "3x2@chat,4@voice+chat,5@voice", "-team", "chat",
		"-strategy", "round_robin", "-patience", "1m", "-containment", "0.25", "-handling", "lognormal", "-spread", "0.6",
		"-duration", "2h", "-format", "json")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errs)
	}
	var rep sim.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Agents) != 12 || rep.Strategy != "round_robin" || rep.Total.Contained == 0 || rep.Total.Abandoned == 0 {
		t.Fatalf("report %+v, %d agents", rep.Total, len(rep.Agents))
	}
	// Only the chat team (the first 7 agents) gets conversations.
	for i, a := range rep.Agents {
		if (i < 7) != (a.Answered > 0) {
			t.Errorf("agent %d (%s) answered %d", i, a.ID, a.Answered)
		}
	}
}

// Staff mode: 150 chats an hour of 120 s (5 Erlangs) need 8 agents for
// 80% within 20 s, as Erlang C says, and 12 on the rota with 30%
// shrinkage (8 / 0.7, rounded up). The published cases are the sim
// package's (TestAgreesWithPublishedStaffing).
func TestStaffMode(t *testing.T) {
	code, out, errs := ccsim(t, "", "-rate", "150", "-aht", "120s", "-target", "0.8", "-shrinkage", "0.3", "-trial", "10000")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "Erlang C") || !strings.Contains(lines[0], "scheduled") {
		t.Fatalf("output:\n%s", out)
	}
	if f := strings.Fields(lines[1]); len(f) < 5 || f[0] != "all" || f[1] != "5.00" || f[2] != "8" || f[3] != "12" || f[4] != "8" {
		t.Errorf("row %q: want load 5.00, 8 agents, 12 scheduled, Erlang C 8", lines[1])
	}
}

// Staff mode on a forecast, with patience: a row per interval, Erlang A
// beside, in JSON.
func TestStaffForecastJSON(t *testing.T) {
	csv := "start,volume\n09:00,20\n09:15,60\n"
	code, js, errs := ccsim(t, csv, "-forecast", "-", "-aht", "3m", "-target", "0.8", "-patience", "2m", "-trial", "5000", "-format", "json")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errs)
	}
	var rows []sim.StaffRow
	if err := json.Unmarshal([]byte(js), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Interval != "09:00" || rows[1].Agents <= rows[0].Agents || rows[1].ErlangA == 0 || rows[1].ErlangA > rows[1].ErlangC {
		t.Errorf("rows %+v", rows)
	}
}

// The example forecast the README uses reads.
func TestExampleForecastReads(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "docs", "forecast-example.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fc, err := sim.ReadForecast(f)
	if err != nil || len(fc.Volumes) != 16 {
		t.Fatalf("forecast %+v: %v", fc, err)
	}
}

// Sweep mode writes the figures and the chart, whole.
func TestSweepWritesChart(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "chart.svg")
	code, out, errs := ccsim(t, "", "-rate", "200", "-aht", "180s", "-sweep", "12-15", "-conversations", "3000", "-svg", svg, "-title", "ten Erlangs")
	if code != 0 {
		t.Fatalf("status %d: %s", code, errs)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 5 || !strings.HasPrefix(strings.TrimSpace(lines[1]), "12") {
		t.Errorf("output:\n%s", out)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.HasPrefix(s, "<svg") || !strings.HasSuffix(strings.TrimSpace(s), "</svg>") || !strings.Contains(s, "ten Erlangs") || !strings.Contains(s, "target 80%") {
		t.Errorf("svg %.300s", s)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".ccsim-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// -svg alone sweeps around Erlang C's answer (14): 11 to 17.
	code, out, errs = ccsim(t, "", "-rate", "200", "-aht", "180s", "-conversations", "2000", "-svg", svg, "-format", "json")
	var pts []sim.Point
	if code != 0 || json.Unmarshal([]byte(out), &pts) != nil {
		t.Fatalf("status %d: %s %.200s", code, errs, out)
	}
	if len(pts) != 7 || pts[0].Agents != 11 || pts[6].Agents != 17 {
		t.Errorf("%d points from %d", len(pts), pts[0].Agents)
	}
}

// Bad flags and bad input exit 2 with a message that names the problem;
// a target nobody can meet exits 1.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("start,volume\n09:00,10\n09:15,ten\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"-rate", "200", "-aht", "3m"}, "give -agents"},
		{[]string{"-rate", "200", "-agents", "3"}, "aht"},
		{[]string{"-rate", "-1", "-aht", "3m", "-agents", "3"}, "rate"},
		{[]string{"-rate", "200", "-aht", "3m", "-agents", "14", "-strategy", "fastest"}, "fastest"},
		{[]string{"-rate", "200", "-aht", "3m", "-groups", "3x0"}, "capacity"},
		{[]string{"-rate", "200", "-aht", "3m", "-groups", "two"}, "count"},
		{[]string{"-rate", "200", "-aht", "3m", "-groups", "2@"}, "empty team"},
		{[]string{"-rate", "200", "-aht", "3m", "-agents", "3", "-staffing", "2,x"}, "staffing"},
		{[]string{"-rate", "200", "-aht", "3m", "-sweep", "9"}, "LO-HI"},
		{[]string{"-rate", "200", "-aht", "3m", "-sweep", "9-3"}, "LO-HI"},
		{[]string{"-rate", "200", "-aht", "3m", "-agents", "14", "-format", "xml"}, "format"},
		{[]string{"-rate", "200", "-aht", "3m", "-target", "1.5"}, "target"},
		{[]string{"-rate", "200", "-aht", "3m", "-target", "0.8", "-shrinkage", "1"}, "shrinkage"},
		{[]string{"-forecast", bad, "-aht", "3m", "-agents", "3"}, "line 3"},
		{[]string{"-forecast", filepath.Join(dir, "none.csv"), "-aht", "3m", "-agents", "3"}, "none.csv"},
		{[]string{"-forecast", bad, "-aht", "3m", "-sweep", "3-4"}, "line 3"},
		{[]string{"-rate", "200", "-aht", "3m", "-agents", "3", "extra"}, "extra"},
		{[]string{"-nosuchflag"}, "nosuchflag"},
		{[]string{"-rate", "200", "-aht", "3m", "-agents", "14", "-capacity", "0"}, "capacity"},
		{[]string{"-rate", "200", "-aht", "3m", "-agents", "14", "-threshold", "0s"}, "threshold"},
		{[]string{"-rate", "200", "-aht", "3m", "-target", "0.8", "-groups", "4@chat"}, "one shift"},
		{[]string{"-rate", "200", "-aht", "3m", "-sweep", "3-5", "-staffing", "3,4"}, "one shift"},
		{[]string{"-rate", "200", "-aht", "3m", "-agents", "3", "-team", "chat"}, "team"},
	} {
		code, out, errs := ccsim(t, "", c.args...)
		if code != 2 || out != "" || !strings.Contains(errs, c.says) {
			t.Errorf("%q: status %d, stdout %q, stderr %q (want 2 and %q)", c.args, code, out, errs, c.says)
		}
	}
	code, _, errs := ccsim(t, "", "-rate", "200", "-aht", "3m", "-target", "0.95", "-max-agents", "12", "-trial", "2000")
	if code != 1 || !strings.Contains(errs, "no staffing meets the target") || !strings.Contains(errs, "12 agents") {
		t.Errorf("a target beyond the bound: status %d, %q", code, errs)
	}
}
