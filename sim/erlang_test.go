package sim

import (
	"errors"
	"math"
	"testing"
	"time"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g ± %.3g", what, got, want, tol)
	}
}

// The textbook case: 100 calls in half an hour, 180 s AHT, 10 Erlangs, a
// target of 80% in 20 s. Call Centre Helper's worked example ("Erlang C
// Formula – Made Simple With an Easy Worked Example") finds 14 agents, a
// probability of waiting of 17.4% and an ASA of 7.8 s.
func TestErlangCTextbook(t *testing.T) {
	q := Queue{Rate: 100.0 / 1800, AHT: 180 * time.Second, Agents: 14}
	m, err := ErlangC(q, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "load", m.Load, 10, 1e-12)
	near(t, "P(wait)", m.PWait, 0.174, 0.0005)
	near(t, "ASA", m.ASA.Seconds(), 7.8, 0.05)
	near(t, "occupancy", m.Occupancy, 10.0/14, 1e-12)
	if m.ServiceLevel < 0.8 {
		t.Errorf("SL with 14 agents = %v, want at least 80%%", m.ServiceLevel)
	}
	n, m13, err := ErlangCAgents(q, 0.8, 20*time.Second)
	if err != nil || n != 14 {
		t.Fatalf("agents for 80/20 = %d, %v; want 14", n, err)
	}
	q.Agents = 13
	m13, _ = ErlangC(q, 20*time.Second)
	if m13.ServiceLevel >= 0.8 {
		t.Errorf("13 agents already give %v", m13.ServiceLevel)
	}
}

// Erlang B's recursion against the classic table value B(10, 5 E) =
// 0.018385 (Erlang B tables, e.g. Cooper, "Introduction to Queueing
// Theory", table of the Erlang loss function), and against its definition
// (A^c/c!)/Σ A^k/k! computed directly.
func TestErlangB(t *testing.T) {
	near(t, "B(10, 5)", ErlangB(10, 5), 0.018385, 5e-6)
	for _, c := range []int{1, 3, 8, 20} {
		a := 0.7 * float64(c)
		num, den, term := 0.0, 0.0, 1.0
		for k := 0; k <= c; k++ {
			if k > 0 {
				term *= a / float64(k)
			}
			den += term
			num = term
		}
		near(t, "B", ErlangB(c, a), num/den, 1e-12)
	}
	// Large c neither overflows nor loses the answer.
	b := ErlangB(2000, 1900)
	if math.IsNaN(b) || b <= 0 || b >= 1 {
		t.Errorf("B(2000, 1900) = %v", b)
	}
}

// Erlang A's chain with no abandonment is Erlang C: the birth-death
// chain and the closed form, two independent computations, agree.
func TestErlangAWithoutPatienceIsErlangC(t *testing.T) {
	for _, q := range []Queue{
		{Rate: 2.0 / 180, AHT: 180 * time.Second, Agents: 4},
		{Rate: 10.0 / 180, AHT: 180 * time.Second, Agents: 14},
		{Rate: 48.0 / 240, AHT: 240 * time.Second, Agents: 55},
		{Rate: 50.0 / 60, AHT: 60 * time.Second, Agents: 53},
	} {
		c, err1 := ErlangC(q, 20*time.Second)
		a, err2 := ErlangA(q, 20*time.Second)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		near(t, "P(wait)", a.PWait, c.PWait, 1e-9)
		near(t, "ASA", a.ASA.Seconds(), c.ASA.Seconds(), 1e-6)
		near(t, "SL", a.ServiceLevel, c.ServiceLevel, 1e-9)
		near(t, "occupancy", a.Occupancy, c.Occupancy, 1e-9)
		near(t, "abandon", a.PAbandon, 0, 1e-12)
	}
}

// With patience as long as the handling (θ = μ) every customer present
// leaves at the same rate, in the queue or handled: the number present is
// that of an M/M/∞ queue, Poisson with mean A. So P(wait) = P(N ≥ c), and
// by Little's law on the waiting, P(abandon) = θ·E[(N − c)+]/λ.
func TestErlangAPoissonCase(t *testing.T) {
	const a, c = 12.0, 11
	q := Queue{Rate: a / 200, AHT: 200 * time.Second, Agents: c, Patience: 200 * time.Second}
	m, err := ErlangA(q, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	pw, excess := 0.0, 0.0
	p := math.Exp(-a)
	for n := 0; n < 200; n++ {
		if n > 0 {
			p *= a / float64(n)
		}
		if n >= c {
			pw += p
			excess += float64(n-c) * p
		}
	}
	near(t, "P(wait)", m.PWait, pw, 1e-9)
	near(t, "P(abandon)", m.PAbandon, excess/200/q.Rate, 1e-9)
	near(t, "occupancy", m.Occupancy, (a-(excess))/c, 1e-9)
}

// Erlang A against a published value: pyworkforce's regression snapshot
// (queuing/tests/test_abandonment.py, test_erlanga_regression_metrics):
// 100 calls per half hour, AHT 3 min, mean patience 5 min, 14 agents,
// threshold 20 s give P(wait) 0.14526, abandonment 0.013984, occupancy
// 0.704297, service level 0.916792, and an average speed of answer of
// 0.069919 min, which it takes as the mean queue over the arrival rate:
// the mean wait of every customer, who left included. Exponential patience
// makes that P(abandon) × mean patience (those who leave do so at rate
// θ from the queue), which the test checks too.
func TestErlangAPublished(t *testing.T) {
	q := Queue{Rate: 100.0 / 1800, AHT: 3 * time.Minute, Agents: 14, Patience: 5 * time.Minute}
	m, err := ErlangA(q, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "P(wait)", m.PWait, 0.14526, 5e-6)
	near(t, "P(abandon)", m.PAbandon, 0.013984, 5e-7)
	near(t, "occupancy", m.Occupancy, 0.704297, 5e-7)
	near(t, "service level", m.ServiceLevel, 0.916792, 5e-7)
	near(t, "mean wait of all (min)", m.PAbandon*q.Patience.Minutes(), 0.069919, 5e-7)
	c, _ := ErlangC(Queue{Rate: q.Rate, AHT: q.AHT, Agents: 14}, 20*time.Second)
	if m.PWait >= c.PWait || m.ServiceLevel <= c.ServiceLevel {
		t.Errorf("patience should shorten the queue: Erlang A %+v, Erlang C %+v", m, c)
	}
}

// Erlang A conserves customers on any load, overloaded too: those
// answered, λ(1 − P(abandon)), are what the busy agents finish (the ASA
// is checked against an integration below).
func TestErlangAConservation(t *testing.T) {
	q := Queue{Rate: 60.0 / 300, AHT: 300 * time.Second, Agents: 55, Patience: 120 * time.Second}
	m, err := ErlangA(q, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The occupancy is what is answered: busy agents × μ = λ(1 − P(ab)).
	near(t, "throughput", m.Occupancy*55/300, q.Rate*(1-m.PAbandon), 1e-9)
	if m.PAbandon <= 0 || m.PAbandon >= 1 || m.ServiceLevel <= 0 || m.ServiceLevel >= 1 {
		t.Errorf("overloaded Erlang A: %+v", m)
	}
	// Patience makes things better than Erlang C could on the same
	// staffing, and an overload has a steady state.
	if _, err := ErlangC(q, 20*time.Second); !errors.Is(err, ErrUnstable) {
		t.Errorf("Erlang C of an overload: %v, want ErrUnstable", err)
	}
}

// Erlang A's service level against an independent computation: a
// Monte Carlo of the tagged customer would be noisy, so the stage sum is
// integrated on a fine time grid instead (the customer's remaining stages
// evolve as the rate equations dp/dt).
func TestErlangAServiceLevelByIntegration(t *testing.T) {
	q := Queue{Rate: 10.0 / 180, AHT: 180 * time.Second, Agents: 11, Patience: 90 * time.Second}
	m, err := ErlangA(q, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Recompute the stationary distribution and integrate with Euler
	// steps of 1 ms.
	lambda, mu, theta, c := q.Rate, 1/180.0, 1/90.0, 11
	p := []float64{1}
	for n := 0; n < 400; n++ {
		d := float64(min(n+1, c))*mu + float64(max(n+1-c, 0))*theta
		p = append(p, p[n]*lambda/d)
	}
	sum := 0.0
	for _, v := range p {
		sum += v
	}
	state := make([]float64, len(p)-c)
	within := 0.0
	for n := range p {
		p[n] /= sum
		if n < c {
			within += p[n]
		} else {
			state[n-c] = p[n]
		}
	}
	const dt = 0.001
	for step := 0; step < 30000; step++ {
		next := make([]float64, len(state))
		for j, v := range state {
			adv := float64(c)*mu + float64(j)*theta
			out := (adv + theta) * v * dt
			next[j] += v - out
			if j == 0 {
				within += adv * v * dt
			} else {
				next[j-1] += adv * v * dt
			}
		}
		state = next
	}
	near(t, "SL by integration", m.ServiceLevel, within, 2e-4)

	// The ASA the same way, integrated until the customers who find the
	// queue are all answered or gone: the mean wait of the answered
	// (those answered at once included, with a wait of 0).
	state = state[:0]
	for n := c; n < c+80 && n < len(p); n++ {
		state = append(state, p[n])
	}
	const dt2 = 0.005
	waitMass := 0.0
	next := make([]float64, len(state))
	for step := 0; step < 400_000; step++ {
		clear(next)
		tm := float64(step) * dt2
		for j, v := range state {
			adv := float64(c)*mu + float64(j)*theta
			next[j] += v - (adv+theta)*v*dt2
			if j == 0 {
				waitMass += tm * adv * v * dt2
			} else {
				next[j-1] += adv * v * dt2
			}
		}
		state, next = next, state
	}
	asa := waitMass / (1 - m.PAbandon)
	near(t, "ASA by integration / formula", asa/m.ASA.Seconds(), 1, 2e-3)
}

// Bad input to the formulas is a typed error.
func TestErlangBadInput(t *testing.T) {
	var ie *InputError
	for _, q := range []Queue{
		{Rate: -1, AHT: time.Minute, Agents: 3},
		{Rate: 1, AHT: 0, Agents: 3},
		{Rate: 1, AHT: time.Minute, Agents: 0},
		{Rate: 1, AHT: time.Minute, Agents: 3, Patience: -time.Second},
	} {
		_, err := ErlangA(q, 20*time.Second)
		if !errors.Is(err, ErrInvalid) || !errors.As(err, &ie) {
			t.Errorf("%+v: %v, want an *InputError", q, err)
		}
	}
	_, _, err := ErlangCAgents(Queue{Rate: 1, AHT: time.Second}, 1.2, 20*time.Second)
	if !errors.As(err, &ie) || ie.Field != "target" {
		t.Errorf("target 1.2: %v", err)
	}
	_, err = ErlangC(Queue{Rate: 1, AHT: 10 * time.Second, Agents: 10}, 20*time.Second)
	if !errors.Is(err, ErrUnstable) {
		t.Errorf("10 E on 10 agents: %v, want ErrUnstable", err)
	}
}
