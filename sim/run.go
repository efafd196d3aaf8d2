package sim

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

// The workspace and channel a simulation runs in.
const (
	simWorkspace ticket.WorkspaceID = "sim"
	simChannel   channel.ID         = "chat"
)

// epoch is the virtual clock's midnight: a Monday.
var epoch = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// Random streams, one per kind of draw, so that the customers (when they
// arrive, how long they take, how patient they are, whether the bot
// resolves them) are the same whatever the staffing: a sweep compares
// agent counts on the same day.
const (
	streamArrivals = iota + 1
	streamHandling
	streamPatience
	streamBot
)

// kinds of simulation events.
const (
	evArrival = iota
	evDone    // an agent ends a conversation's handling
	evLeave   // a waiting customer's patience ends
	evShift   // the start of an interval: agents come and go
)

type event struct {
	at   time.Duration
	seq  uint64
	kind int
	idx  int // conversation index, or interval for evShift
}

type events []event

func (h events) Len() int { return len(h) }
func (h events) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h events) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *events) Push(x any)   { *h = append(*h, x.(event)) }
func (h *events) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// conv is one customer's conversation.
type conv struct {
	id       conversation.ID
	contact  int
	arrival  time.Duration
	handling time.Duration
	patience time.Duration // 0: none
	assigned time.Duration // -1 while waiting
	agent    int           // index in run.agents, -1 while waiting
	state    uint8
}

const (
	waiting uint8 = iota
	handled
	left
	done
)

type agentState struct {
	id       conversation.AgentID
	capacity int
	online   bool
	load     int
	since    time.Duration // last change of load or presence
	busy     time.Duration // time holding at least one conversation
	held     time.Duration // integral of load over time
	avail    time.Duration // time online or still holding conversations
	answered int
}

type run struct {
	ctx   context.Context
	cfg   Config
	eng   *contactcenter.Engine
	now   time.Duration
	base  time.Time
	queue events
	seq   uint64

	arr, hnd, pat, bot *rand.Rand
	logMu, logSigma    float64

	convs   []conv
	byID    map[conversation.ID]int
	free    []int // contacts with no open conversation
	contact int   // contacts made

	agents  []agentState
	agentIx map[conversation.AgentID]int

	mu      sync.Mutex
	pending []conversation.Event
	scratch []conversation.Event

	arrivals    int
	lastArrival time.Duration
	// measureEnd is when arrivals ended (the run's last arrival, or the
	// end of Duration or of the forecast): the figures cover the time
	// from the warm-up to it, not the handling that runs on after.
	measureEnd time.Duration
	ivs        []ivAcc
}

// ivAcc accumulates an interval's figures.
type ivAcc struct {
	offered, contained, answered, abandoned, waited, within, unanswered int
	waitSum, longest                                                    time.Duration
	busy                                                                time.Duration // conversation-time handled in the interval
	slots                                                               time.Duration // capacity × time of the agents online or still holding conversations
	span                                                                time.Duration // the part of the interval measured
	agents                                                              int
}

// Simulate runs cfg on a new engine over a new memory store and returns
// its report. Customers arrive until the arrivals end (Duration, the
// forecast's last interval or Conversations), and the run goes on until
// every conversation is answered and handled or abandoned, or no agent
// is left to answer those still waiting (Stats.Unanswered). The same cfg
// (Seed included) gives the same report.
func Simulate(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	r := &run{ctx: ctx, cfg: cfg, byID: make(map[conversation.ID]int), agentIx: make(map[conversation.AgentID]int), measureEnd: math.MaxInt64}
	if cfg.Forecast != nil {
		r.base = epoch.Add(cfg.Forecast.Start)
	} else {
		r.base = epoch
	}
	r.arr = rand.New(rand.NewPCG(cfg.Seed, streamArrivals))
	r.hnd = rand.New(rand.NewPCG(cfg.Seed, streamHandling))
	r.pat = rand.New(rand.NewPCG(cfg.Seed, streamPatience))
	r.bot = rand.New(rand.NewPCG(cfg.Seed, streamBot))
	r.setDistributions()
	if err := r.setUp(); err != nil {
		return nil, err
	}
	defer r.eng.Close()
	if err := r.loop(); err != nil {
		return nil, err
	}
	return r.report(), nil
}

// setUp makes the engine, the channel and the agents.
func (r *run) setUp() error {
	eng, err := contactcenter.New(contactcenter.Config{
		Store: memory.New(),
		Now:   func() time.Time { return r.base.Add(r.now) },
		NewID: contactcenter.SequentialIDs("s"),
		Publish: func(_ context.Context, ev conversation.Event) error {
			if ev.Type == conversation.EventConversationAssigned {
				r.mu.Lock()
				r.pending = append(r.pending, ev)
				r.mu.Unlock()
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	r.eng = eng
	ch := channel.Channel{ID: simChannel, Workspace: simWorkspace, Kind: channel.KindTelegram, Account: "sim",
		Settings: channel.Settings{Assignment: channel.Assignment{Strategy: r.cfg.Strategy, Team: r.cfg.Team}}}
	err = eng.PutChannel(r.ctx, contactcenter.ChannelChange{Channel: ch, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()})
	if err != nil {
		return fmt.Errorf("sim: channel: %w", err)
	}
	teams := map[string]bool{}
	for _, g := range r.cfg.Groups {
		for _, t := range g.Teams {
			teams[t] = true
		}
	}
	if r.cfg.Team != "" {
		teams[r.cfg.Team] = true
	}
	for t := range teams {
		if err := eng.PutTeam(r.ctx, contactcenter.TeamChange{Team: conversation.Team{ID: conversation.TeamID(t), Workspace: simWorkspace, Name: t}, By: conversation.Host()}); err != nil {
			return fmt.Errorf("sim: team %q: %w", t, err)
		}
	}
	online := r.cfg.online(0, total(r.cfg.Groups))
	for _, g := range r.cfg.Groups {
		for range g.Count {
			i := len(r.agents)
			id := conversation.AgentID("agent" + strconv.Itoa(i+1))
			a := conversation.Agent{ID: id, Workspace: simWorkspace, Name: string(id), Capacity: g.Capacity, Presence: conversation.Away}
			for _, t := range g.Teams {
				a.Teams = append(a.Teams, conversation.TeamID(t))
			}
			if i < online {
				a.Presence = conversation.Online
			}
			if _, err := eng.PutAgent(r.ctx, contactcenter.AgentChange{Agent: a, By: conversation.Host()}); err != nil {
				return fmt.Errorf("sim: agent %q: %w", id, err)
			}
			r.agents = append(r.agents, agentState{id: id, capacity: g.Capacity, online: i < online})
			r.agentIx[id] = i
		}
	}
	return nil
}

func total(gs []Group) int {
	n := 0
	for _, g := range gs {
		n += g.Count
	}
	return n
}

func (r *run) push(at time.Duration, kind, idx int) {
	r.seq++
	heap.Push(&r.queue, event{at: at, seq: r.seq, kind: kind, idx: idx})
}

// nextArrival schedules the arrival after now, if arrivals go on:
// exponential gaps at the rate of the interval they fall in (the rate is
// piecewise constant, so a gap that crosses into the next interval starts
// again there, memoryless).
func (r *run) nextArrival() {
	if r.cfg.Conversations > 0 && r.arrivals >= r.cfg.Conversations {
		r.measureEnd = min(r.measureEnd, r.now)
		return
	}
	end := r.cfg.arrivalEnd()
	t := r.now
	for {
		iv := int(t / r.cfg.Interval)
		rate := r.cfg.rateAt(iv)
		boundary := time.Duration(iv+1) * r.cfg.Interval
		if end > 0 && t >= end {
			r.measureEnd = min(r.measureEnd, end)
			return
		}
		if rate <= 0 {
			t = boundary
			continue
		}
		gap := seconds(r.arr.ExpFloat64() / rate)
		if r.cfg.Forecast != nil && t+gap >= boundary {
			t = boundary
			continue
		}
		t += gap
		if end > 0 && t >= end {
			r.measureEnd = min(r.measureEnd, end)
			return
		}
		r.arrivals++
		r.push(t, evArrival, -1)
		return
	}
}

func (r *run) loop() error {
	r.nextArrival()
	// Interval starts, where agents come and go.
	if len(r.cfg.Staffing) > 1 {
		for i := 1; i < len(r.cfg.Staffing); i++ {
			r.push(time.Duration(i)*r.cfg.Interval, evShift, i)
		}
	}
	for r.queue.Len() > 0 {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		ev := heap.Pop(&r.queue).(event)
		r.now = ev.at
		var err error
		switch ev.kind {
		case evArrival:
			err = r.arrive()
			r.nextArrival()
		case evDone:
			err = r.finish(ev.idx)
		case evLeave:
			err = r.leave(ev.idx)
		case evShift:
			err = r.shift(ev.idx)
		}
		if err == nil {
			err = r.flush()
		}
		if err != nil {
			return err
		}
	}
	for i := range r.agents {
		r.account(i)
	}
	// Customers still waiting when nothing more can happen (no agent
	// left online to answer them, nor patience to leave) waited to the
	// end, unanswered.
	for i := range r.convs {
		c := &r.convs[i]
		if c.state != waiting {
			continue
		}
		if iv := r.acc(c.arrival); iv != nil {
			iv.unanswered++
			iv.waited++
			iv.longest = max(iv.longest, r.now-c.arrival)
		}
	}
	return nil
}

// arrive makes a customer: the bot resolves it, or it writes to the
// channel through the engine, which opens a conversation in the queue and
// may assign it at once (R9, R11).
func (r *run) arrive() error {
	c := conv{arrival: r.now, assigned: -1, agent: -1}
	r.lastArrival = r.now
	c.handling = r.handlingTime()
	if r.cfg.Patience > 0 {
		c.patience = max(seconds(r.pat.ExpFloat64()*r.cfg.Patience.Seconds()), 1)
	}
	contained := r.cfg.Containment > 0 && r.bot.Float64() < r.cfg.Containment
	iv := r.acc(r.now)
	if contained {
		if iv != nil {
			iv.contained++
		}
		return nil
	}
	if n := len(r.free); n > 0 {
		c.contact = r.free[n-1]
		r.free = r.free[:n-1]
	} else {
		r.contact++
		c.contact = r.contact
	}
	idx := len(r.convs)
	r.convs = append(r.convs, c)
	res, err := r.eng.Receive(r.ctx, contactcenter.Inbound{
		Workspace:  simWorkspace,
		Channel:    simChannel,
		ExternalID: "m" + strconv.Itoa(idx),
		From:       contactcenter.Sender{ExternalID: "c" + strconv.Itoa(c.contact)},
		Text:       "hello",
	})
	if err != nil {
		return fmt.Errorf("sim: a customer's message at %v: %w", r.now, err)
	}
	if !res.Opened {
		return fmt.Errorf("sim: the message of customer %d at %v opened no conversation", c.contact, r.now)
	}
	r.convs[idx].id = res.Conversation.ID
	r.byID[res.Conversation.ID] = idx
	if iv != nil {
		iv.offered++
	}
	if c.patience > 0 {
		r.push(r.now+c.patience, evLeave, idx)
	}
	return nil
}

// setDistributions derives the log-normal's parameters from the mean
// (AHT) and the coefficient of variation (Spread): σ² = ln(1 + CV²),
// μ = ln(mean) − σ²/2.
func (r *run) setDistributions() {
	if r.cfg.Handling == LogNormal {
		s2 := math.Log(1 + r.cfg.Spread*r.cfg.Spread)
		r.logSigma = math.Sqrt(s2)
		r.logMu = math.Log(r.cfg.AHT.Seconds()) - s2/2
	}
}

// handlingTime draws a conversation's handling time.
func (r *run) handlingTime() time.Duration {
	var s float64
	switch r.cfg.Handling {
	case LogNormal:
		s = math.Exp(r.logMu + r.logSigma*r.hnd.NormFloat64())
	default:
		s = r.hnd.ExpFloat64() * r.cfg.AHT.Seconds()
	}
	return max(seconds(s), time.Millisecond)
}

// acc returns the figures of the interval at t, nil during the warm-up.
func (r *run) acc(t time.Duration) *ivAcc {
	if t < r.cfg.WarmUp {
		return nil
	}
	i := int(t / r.cfg.Interval)
	for len(r.ivs) <= i {
		r.ivs = append(r.ivs, ivAcc{})
	}
	return &r.ivs[i]
}

// flush reads the assignments the engine published: each starts a
// handling time.
func (r *run) flush() error {
	r.mu.Lock()
	r.scratch, r.pending = r.pending, r.scratch[:0]
	r.mu.Unlock()
	for _, ev := range r.scratch {
		idx, ok := r.byID[ev.Conversation]
		if !ok {
			return fmt.Errorf("sim: the engine assigned conversation %q, which no customer opened", ev.Conversation)
		}
		c := &r.convs[idx]
		ai, ok := r.agentIx[ev.Agent]
		if !ok || c.state != waiting {
			return fmt.Errorf("sim: the engine assigned conversation %q to %q while it was not waiting", ev.Conversation, ev.Agent)
		}
		at := ev.At.Sub(r.base)
		if at != r.now {
			// The clock moves only with the simulation's events: an
			// assignment stamped at another instant would be one the
			// engine put off, which the figures would not show.
			return fmt.Errorf("sim: the engine assigned conversation %q at %v, during the event at %v", ev.Conversation, at, r.now)
		}
		c.state, c.assigned, c.agent = handled, at, ai
		r.account(ai)
		a := &r.agents[ai]
		a.load++
		if a.capacity > 0 && a.load > a.capacity {
			return fmt.Errorf("sim: the engine gave %q conversation %d above their capacity %d", a.id, a.load, a.capacity)
		}
		if iv := r.acc(c.arrival); iv != nil {
			a.answered++
			w := at - c.arrival
			iv.answered++
			iv.waitSum += w
			if w > 0 {
				iv.waited++
			}
			if w <= r.cfg.Threshold {
				iv.within++
			}
			iv.longest = max(iv.longest, w)
		}
		r.push(at+c.handling, evDone, idx)
	}
	clear(r.scratch)
	r.scratch = r.scratch[:0]
	return nil
}

// account brings agent i's time integrals up to now: call it before the
// agent's load or presence changes.
func (r *run) account(i int) {
	a := &r.agents[i]
	d := r.now - a.since
	if a.load > 0 {
		a.busy += d
	}
	a.held += time.Duration(a.load) * d
	if a.online || a.load > 0 {
		a.avail += d
		r.spread(a.since, r.now, func(iv *ivAcc, d time.Duration) { iv.slots += time.Duration(a.capacity) * d })
	}
	a.since = r.now
}

// finish ends the handling of conversation idx: its agent closes it
// (R12), which gives them room the engine fills from the queue (R11).
func (r *run) finish(idx int) error {
	c := &r.convs[idx]
	_, err := r.eng.CloseConversation(r.ctx, contactcenter.Closing{Workspace: simWorkspace, Conversation: c.id,
		By: conversation.AsAgent(r.agents[c.agent].id)})
	if err != nil {
		return fmt.Errorf("sim: closing conversation %q: %w", c.id, err)
	}
	c.state = done
	r.account(c.agent)
	r.agents[c.agent].load--
	r.addBusy(c.assigned, r.now)
	r.release(idx)
	return nil
}

// addBusy adds the handling of a conversation from start to end to the
// intervals it spans.
func (r *run) addBusy(start, end time.Duration) {
	r.spread(start, end, func(iv *ivAcc, d time.Duration) { iv.busy += d })
}

// spread adds the time from start to end, within the measured time (from
// the warm-up to measureEnd), to the intervals it spans, with add.
func (r *run) spread(start, end time.Duration, add func(*ivAcc, time.Duration)) {
	end = min(end, r.measureEnd)
	for t := max(start, r.cfg.WarmUp); t < end; {
		i := int(t / r.cfg.Interval)
		next := min(time.Duration(i+1)*r.cfg.Interval, end)
		add(r.acc(t), next-t)
		t = next
	}
}

// leave ends the wait of a customer whose patience ran out, if they still
// wait: the conversation is closed, unanswered.
func (r *run) leave(idx int) error {
	c := &r.convs[idx]
	if c.state != waiting {
		return nil
	}
	_, err := r.eng.CloseConversation(r.ctx, contactcenter.Closing{Workspace: simWorkspace, Conversation: c.id, By: conversation.Host(),
		Note: conversation.ClosingNote{Category: "abandoned", Summary: "the customer left the queue"}})
	if err != nil {
		return fmt.Errorf("sim: closing abandoned conversation %q: %w", c.id, err)
	}
	c.state = left
	if iv := r.acc(c.arrival); iv != nil {
		iv.abandoned++
		iv.waited++
		iv.longest = max(iv.longest, r.now-c.arrival)
	}
	r.release(idx)
	return nil
}

// release forgets a closed conversation's id and frees its contact.
func (r *run) release(idx int) {
	c := &r.convs[idx]
	delete(r.byID, c.id)
	r.free = append(r.free, c.contact)
}

// shift sets the presence of the agents at the start of interval i:
// the first Staffing[i] online, the rest away (R11: an agent who comes
// online gets waiting conversations; one who goes away keeps what they
// hold).
func (r *run) shift(i int) error {
	n := r.cfg.online(i, len(r.agents))
	for j := range r.agents {
		a := &r.agents[j]
		want := j < n
		if a.online == want {
			continue
		}
		p := conversation.Away
		if want {
			p = conversation.Online
		}
		if _, err := r.eng.SetPresence(r.ctx, contactcenter.PresenceChange{Workspace: simWorkspace, Agent: a.id, Presence: p, By: conversation.Host()}); err != nil {
			return fmt.Errorf("sim: presence of %q: %w", a.id, err)
		}
		r.account(j)
		a.online = want
	}
	return nil
}
