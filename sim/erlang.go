package sim

import (
	"fmt"
	"math"
	"time"
)

// Queue is the analytic model of one queue: Poisson arrivals at Rate per
// second, exponential handling of mean AHT, Agents identical agents who
// each handle one conversation at a time, and, for Erlang A, exponential
// patience of mean Patience (0: customers never leave, Erlang C).
type Queue struct {
	// Rate is the arrival rate, in conversations per second.
	Rate float64
	// AHT is the mean handling time.
	AHT time.Duration
	// Agents is the number of agents.
	Agents int
	// Patience is the mean time a customer waits before leaving; 0 for
	// none (Erlang C).
	Patience time.Duration
}

// Load returns the offered load in Erlangs: Rate × AHT.
func (q Queue) Load() float64 { return q.Rate * q.AHT.Seconds() }

// validate reports the first field of q that no formula can take.
func (q Queue) validate() error {
	switch {
	case !(q.Rate > 0) || math.IsInf(q.Rate, 0):
		return invalid("rate", "the arrival rate must be a positive number, not %v", q.Rate)
	case q.AHT <= 0:
		return invalid("aht", "the average handling time must be positive, not %v", q.AHT)
	case q.Agents <= 0:
		return invalid("agents", "the number of agents must be at least 1, not %d", q.Agents)
	case q.Patience < 0:
		return invalid("patience", "the mean patience must not be negative, not %v", q.Patience)
	}
	return nil
}

// Measures are the steady-state figures of a queue.
type Measures struct {
	// Load is the offered load in Erlangs.
	Load float64 `json:"load_erlangs"`
	// PWait is the probability that a customer waits at all (Erlang C's
	// C(c, A)).
	PWait float64 `json:"p_wait"`
	// PAbandon is the probability that a customer leaves before being
	// answered (0 for Erlang C).
	PAbandon float64 `json:"p_abandon"`
	// ASA is the mean wait of the answered customers, those answered at
	// once included.
	ASA time.Duration `json:"asa_ns"`
	// ServiceLevel is the share of all customers answered within the
	// threshold given to the formula.
	ServiceLevel float64 `json:"service_level"`
	// Occupancy is the share of the agents' time spent handling.
	Occupancy float64 `json:"occupancy"`
}

// ErlangB returns the blocking probability of c servers offered a
// Erlangs (M/M/c/c), by the recursion B(0) = 1,
// B(n) = a·B(n-1) / (n + a·B(n-1)), which neither overflows nor loses
// precision for large c.
func ErlangB(c int, a float64) float64 {
	b := 1.0
	for n := 1; n <= c; n++ {
		b = a * b / (float64(n) + a*b)
	}
	return b
}

// ErlangCProb returns Erlang C's probability of waiting C(c, a) for c
// agents offered a Erlangs: 1 when a >= c (the queue grows without end).
func ErlangCProb(c int, a float64) float64 {
	if a >= float64(c) {
		return 1
	}
	b := ErlangB(c, a)
	return float64(c) * b / (float64(c) - a*(1-b))
}

// ErlangC returns the Erlang C (M/M/c) figures of q, with the service level
// at threshold: P(wait) = C(c, A), ASA = C·AHT/(c − A),
// SL(t) = 1 − C·exp(−(c − A)·t/AHT). q.Patience is ignored. A load of c
// Erlangs or more has no steady state: it fails with ErrUnstable.
func ErlangC(q Queue, threshold time.Duration) (Measures, error) {
	q.Patience = 0
	if err := q.validate(); err != nil {
		return Measures{}, err
	}
	if threshold < 0 {
		return Measures{}, invalid("threshold", "the service-level threshold must not be negative, not %v", threshold)
	}
	a, c := q.Load(), float64(q.Agents)
	if a >= c {
		return Measures{Load: a, PWait: 1, ServiceLevel: 0, Occupancy: 1},
			fmt.Errorf("%w: %.4g Erlangs on %d agents: the queue grows without end (Erlang C needs fewer Erlangs than agents)", ErrUnstable, a, q.Agents)
	}
	pw := ErlangCProb(q.Agents, a)
	aht := q.AHT.Seconds()
	asa := pw * aht / (c - a)
	sl := 1 - pw*math.Exp(-(c-a)*threshold.Seconds()/aht)
	return Measures{Load: a, PWait: pw, ASA: seconds(asa), ServiceLevel: sl, Occupancy: a / c}, nil
}

// ErlangCAgents returns the fewest agents with which Erlang C gives q
// (whose Agents it ignores) a service level of at least target at
// threshold, and the figures with them. target must lie in (0, 1).
func ErlangCAgents(q Queue, target float64, threshold time.Duration) (int, Measures, error) {
	q.Agents = 1
	if err := q.validate(); err != nil {
		return 0, Measures{}, err
	}
	if err := checkTarget(target, threshold); err != nil {
		return 0, Measures{}, err
	}
	for c := max(1, int(math.Floor(q.Load()))+1); ; c++ {
		q.Agents = c
		m, err := ErlangC(q, threshold)
		if err != nil {
			return 0, Measures{}, err
		}
		if m.ServiceLevel >= target {
			return c, m, nil
		}
	}
}

// checkTarget validates a service-level target and its threshold.
func checkTarget(target float64, threshold time.Duration) error {
	if !(target > 0 && target < 1) {
		return invalid("target", "the service-level target must lie strictly between 0 and 1, not %v", target)
	}
	if threshold < 0 {
		return invalid("threshold", "the service-level threshold must not be negative, not %v", threshold)
	}
	return nil
}

// maxChain bounds the queue length at which ErlangA truncates the
// birth-death chain.
const maxChain = 200000

// ErlangA returns the Erlang A (Palm's M/M/c+M) figures of q, with the
// service level at threshold. It solves the birth-death chain of the number
// of customers present (births at Rate; deaths at min(n, c)/AHT for the
// handled and max(n − c, 0)/Patience for the waiting, who leave), truncated
// where the stationary probabilities fall below 1e-18 of their largest.
// A customer who finds n = c + k present is answered after k + 1 stages,
// stage j (j customers ahead) ending at rate c/AHT + j/Patience, and leaves
// at rate 1/Patience meanwhile: P(answered) = Π_j (c/AHT + j/Patience) /
// (c/AHT + (j+1)/Patience), and the wait, given answered, is the sum of
// exponentials of rates c/AHT + (j+1)/Patience. The service level, answered
// within the threshold over all customers, takes that sum's distribution by
// uniformization. With Patience 0 it is Erlang C, computed on the chain
// (which ErlangC's closed form checks).
func ErlangA(q Queue, threshold time.Duration) (Measures, error) {
	if err := q.validate(); err != nil {
		return Measures{}, err
	}
	if threshold < 0 {
		return Measures{}, invalid("threshold", "the service-level threshold must not be negative, not %v", threshold)
	}
	lambda := q.Rate
	mu := 1 / q.AHT.Seconds()
	theta := 0.0
	if q.Patience > 0 {
		theta = 1 / q.Patience.Seconds()
	}
	c := q.Agents
	a := q.Load()
	if theta == 0 && a >= float64(c) {
		return Measures{Load: a, PWait: 1, Occupancy: 1},
			fmt.Errorf("%w: %.4g Erlangs on %d agents without abandonment: the queue grows without end", ErrUnstable, a, c)
	}
	death := func(n int) float64 {
		if n <= c {
			return float64(n) * mu
		}
		return float64(c)*mu + float64(n-c)*theta
	}
	// Log-probabilities, unnormalized: log p(n+1) = log p(n) + log(λ/d(n+1)).
	logp := []float64{0}
	top := 0.0
	for n := 0; n < maxChain; n++ {
		next := logp[n] + math.Log(lambda/death(n+1))
		logp = append(logp, next)
		top = math.Max(top, next)
		if n > c && next < top-41.5 { // e^-41.5 ≈ 1e-18
			break
		}
	}
	if len(logp) > maxChain {
		return Measures{}, fmt.Errorf("%w: the chain did not end within %d customers", ErrUnstable, maxChain)
	}
	p := make([]float64, len(logp))
	sum := 0.0
	for n := range logp {
		p[n] = math.Exp(logp[n] - top)
		sum += p[n]
	}
	busy := 0.0
	pw := 0.0
	for n := range p {
		p[n] /= sum
		busy += p[n] * float64(min(n, c))
		if n >= c {
			pw += p[n]
		}
	}
	// A customer who finds c + k present (PASTA) is answered with
	// probability ans[k] after a wait whose mean, given answered, is
	// mean[k].
	K := len(p) - c
	served := 0.0   // P(answered after waiting)
	waitSum := 0.0  // E[wait · 1{answered}]
	stagesIn := 0.0 // sum over j <= k of 1/(rate of stage j with own patience)
	ans := 1.0
	for k := 0; k < K; k++ {
		j := float64(k)
		advance := float64(c)*mu + j*theta
		rate := advance + theta
		ans *= advance / rate
		stagesIn += 1 / rate
		served += p[c+k] * ans
		waitSum += p[c+k] * ans * stagesIn
	}
	answered := (1 - pw) + served
	m := Measures{Load: a, PWait: pw, PAbandon: 1 - answered, Occupancy: busy / float64(c)}
	if answered > 0 {
		m.ASA = seconds(waitSum / answered)
	}
	m.ServiceLevel = (1 - pw) + answeredWithin(p[c:], float64(c)*mu, theta, threshold.Seconds())
	return m, nil
}

// answeredWithin returns P(a customer waits, is answered, and within t
// seconds) given pq[k], the probability of finding k customers waiting
// (all agents busy), agents' total rate cmu and abandonment rate theta. A
// customer with j ahead moves on at rate cmu + j·theta and leaves at rate
// theta; uniformized at the largest stage rate, the stages form a discrete
// chain run for a Poisson number of steps.
func answeredWithin(pq []float64, cmu, theta, t float64) float64 {
	if t == 0 {
		return 0
	}
	K := len(pq)
	big := cmu + float64(K)*theta
	// state[j]: probability of having j customers ahead (still waiting).
	state := make([]float64, K)
	copy(state, pq)
	next := make([]float64, K)
	lt := big * t
	// Poisson weights e^-lt lt^n / n!, iteratively in logs: the mass
	// answered by time t is the sum over n of P(n steps by t) times the
	// mass absorbed as answered within n steps.
	served, total, cum := 0.0, 0.0, 0.0
	logw := -lt
	for n := 0; ; n++ {
		w := math.Exp(logw)
		total += w * served
		cum += w
		if float64(n) > lt && w < 1e-18 {
			// What the remaining steps could add is below their weight.
			total += math.Max(1-cum, 0) * served
			return total
		}
		clear(next)
		for j, v := range state {
			if v == 0 {
				continue
			}
			adv := (cmu + float64(j)*theta) / big
			stay := 1 - (cmu+float64(j+1)*theta)/big
			if j == 0 {
				served += v * adv
			} else {
				next[j-1] += v * adv
			}
			next[j] += v * stay
		}
		state, next = next, state
		logw += math.Log(lt) - math.Log(float64(n+1))
	}
}

// seconds turns a number of seconds into a Duration.
func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
