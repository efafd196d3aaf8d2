package sim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/telenet/contactcenter/sim"
)

// The textbook case: 10 Erlangs (200 chats an hour of 3 minutes) need 14
// agents for 80% answered within 20 seconds.
func ExampleErlangCAgents() {
	q := sim.Queue{Rate: 200.0 / 3600, AHT: 3 * time.Minute}
	agents, m, err := sim.ErlangCAgents(q, 0.8, 20*time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d agents: P(wait) %.1f%%, ASA %.1fs, service level %.1f%%\n", agents, 100*m.PWait, m.ASA.Seconds(), 100*m.ServiceLevel)
	// Output: 14 agents: P(wait) 17.4%, ASA 7.8s, service level 88.8%
}

// A short simulated hour through the real engine: the same seed gives
// the same figures.
func ExampleSimulate() {
	rep, err := sim.Simulate(context.Background(), sim.Config{ArrivalsPerHour: 60, AHT: 4 * time.Minute, Agents: 5,
		Duration: time.Hour, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := sim.Simulate(context.Background(), sim.Config{ArrivalsPerHour: 60, AHT: 4 * time.Minute, Agents: 5,
		Duration: time.Hour, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	t := rep.Total
	fmt.Println("answered all:", t.Answered == t.Offered, "same again:", a.Total == t)
	// Output: answered all: true same again: true
}

// The fewest agents for 80% of chats answered within 20 seconds, found by
// simulating the engine at each count, beside Erlang C's answer.
func ExampleStaff() {
	rows, err := sim.Staff(context.Background(), sim.Config{ArrivalsPerHour: 150, AHT: 2 * time.Minute, Seed: 1},
		sim.StaffOptions{Target: 0.8, Conversations: 20_000})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rows[0]
	fmt.Printf("%.0f Erlangs: %d agents by simulation, %d by Erlang C\n", r.Load, r.Agents, r.ErlangC)
	// Output: 5 Erlangs: 8 agents by simulation, 8 by Erlang C
}
