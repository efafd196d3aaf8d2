package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/jackc/pgx/v5"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/telegram/telegramtest"
	"github.com/telenet/contactcenter/ticket"
)

// config is one run's parameters.
type config struct {
	Target    string // helpdesk, sqlite or postgres
	Rounds    int
	Messages  int // per round
	Customers int
	Seed      int64
	DSN       string // postgres: the database; a fresh schema is made in it
	// Rate is how many messages a second the customers send in a burst.
	Rate float64
	// Kill makes each round kill a child with SIGKILL mid-burst.
	Kill bool
	// Settle bounds how long a round waits, after its burst, for all its
	// messages to be delivered; FinalSettle, if longer, the last round's.
	Settle, FinalSettle time.Duration
	// ClaimTimeout is the bare engine's Config.ClaimTimeout.
	ClaimTimeout time.Duration
	// AgentDelay is how long a staff agent takes to answer a copy.
	AgentDelay time.Duration
	// Limits are the fake Bot API's rate limits (and the bare engine's).
	Limits telegramtest.Limits
	// Dir holds the databases, binaries and logs.
	Dir string
	// HelpdeskBin is a built help desk; empty: build it.
	HelpdeskBin string
	// Exe is the binary started as an engine child (with $CRASHSOAK_CHILD).
	Exe string
	// Race builds the help desk with the race detector.
	Race bool
	// StopOnStall skips the rounds after one that did not settle: its
	// figures already fail, and the later rounds would only wait too.
	StopOnStall bool
	// Progress receives a line per step.
	Progress io.Writer
}

func (c config) validate() error {
	switch {
	case c.Target != "helpdesk" && c.Target != "sqlite" && c.Target != "postgres":
		return fmt.Errorf("-target %q: use helpdesk, sqlite or postgres", c.Target)
	case c.Rounds < 1 || c.Messages < 1 || c.Customers < 1 || c.Customers > 999:
		return errors.New("-rounds, -messages and -customers must be positive (-customers at most 999)")
	case c.Rate <= 0:
		return errors.New("-rate must be positive")
	case c.Dir == "":
		return errors.New("no work directory")
	}
	return nil
}

// The fake Telegram's people and bots.
const (
	deskToken     = "7001:soak-desk"
	staffChat     = -100777
	firstCustomer = 5001
	firstAgent    = 9001
	staffAgents   = 3
)

var engineTokens = []string{"7101:soak-a", "7102:soak-b"}

// soak is a run in progress.
type soak struct {
	cfg      config
	srv      *telegramtest.Server
	rec      *recorder
	slots    []*slot
	obs      *observer
	helpdesk bool
	rounds   int      // rounds run
	tokens   []string // bot tokens, by bot index
	channels []channel.ID
	ws       ticket.WorkspaceID
	users    []*telegramtest.User
	group    *telegramtest.Group
	agents   []*telegramtest.User
	refs     []customerRef
	db       string // file or DSN
	dropPG   func()

	mu      sync.Mutex
	inbound []inbound
	byKey   map[key]inbound // customer messages by chat and id

	replied      map[string]bool // help desk: inbound texts answered by staff agents
	agentPending atomic.Int64
	notes        []string
}

func (s *soak) progress(format string, args ...any) {
	if s.cfg.Progress != nil {
		fmt.Fprintf(s.cfg.Progress, format+"\n", args...)
	}
}

// run runs the soak and reports what it counted. An error means the
// harness could not run (not that the acceptance failed).
func run(ctx context.Context, cfg config) (*Report, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	s := &soak{cfg: cfg, rec: &recorder{}, helpdesk: cfg.Target == "helpdesk", byKey: map[key]inbound{}, replied: map[string]bool{}}
	defer s.close()
	if err := s.setup(ctx); err != nil {
		return nil, err
	}
	s.rounds = cfg.Rounds
	rng := mrand.New(mrand.NewPCG(uint64(cfg.Seed), 0x5eed))
	var crashes []crash
	settled := make([]*float64, cfg.Rounds+1)
	for r := 1; r <= cfg.Rounds; r++ {
		c, settle, err := s.round(ctx, r, rng)
		if err != nil {
			return nil, err
		}
		if c != nil {
			crashes = append(crashes, *c)
		}
		settled[r] = settle
		if settle == nil && cfg.StopOnStall && r < cfg.Rounds {
			skipped := fmt.Sprintf("round %d", cfg.Rounds)
			if r+1 < cfg.Rounds {
				skipped = fmt.Sprintf("rounds %d–%d", r+1, cfg.Rounds)
			}
			s.note("%s skipped: round %d did not settle", skipped, r)
			s.rounds = r
			break
		}
	}
	for _, c := range crashes {
		if c.FirstStored < 0 || c.FirstStored > maxFirstHandled {
			for _, sl := range s.slots {
				if strings.HasPrefix(c.Restarted, sl.name+"#") {
					s.note("%s did not store a message within %s of its start; its log ends: %s", c.Restarted, maxFirstHandled, sl.logTail(c.Restarted))
				}
			}
		}
	}
	for _, sl := range s.slots {
		sl.stop(15 * time.Second)
	}
	fin, err := s.collect(ctx)
	if err != nil {
		return nil, err
	}
	var notes []string
	for _, sl := range s.slots {
		notes = append(notes, sl.exited()...)
	}
	s.mu.Lock()
	notes = append(notes, s.notes...)
	in := slices.Clone(s.inbound)
	s.mu.Unlock()
	perRound, total, without, notes, failures := analyse(analysis{helpdesk: s.helpdesk, rounds: s.rounds, inbound: in,
		crashes: crashes, final: fin, notes: notes})
	for _, n := range notes {
		if strings.Contains(n, "exited by itself") {
			failures = append(failures, n)
		}
	}
	for i := range perRound {
		perRound[i].SettleS = settled[perRound[i].Round]
	}
	rep := &Report{Target: cfg.Target, Command: commandLine(cfg), Rounds: cfg.Rounds, Messages: cfg.Messages, Customers: cfg.Customers,
		Seed: cfg.Seed, Kill: cfg.Kill, Setup: s.setupLines(), PerRound: perRound, Total: total, DoubledWithoutCrash: without,
		Notes: notes, Failures: failures, ElapsedS: time.Since(start).Seconds()}
	if rep.Failures == nil {
		rep.Failures = []string{}
	}
	return rep, nil
}

func commandLine(c config) string {
	line := fmt.Sprintf("crashsoak -target %s -rounds %d -messages %d -customers %d -seed %d -rate %g -settle %s",
		c.Target, c.Rounds, c.Messages, c.Customers, c.Seed, c.Rate, c.Settle)
	if c.FinalSettle > c.Settle {
		line += " -final-settle " + c.FinalSettle.String()
	}
	if !c.Kill {
		line += " -kill=false"
	}
	return line
}

func (s *soak) setupLines() []string {
	l := s.cfg.Limits
	lines := []string{
		fmt.Sprintf("fake Bot API limits: %d messages/s per bot, %d/s per chat, %d/min per group (Telegram: 30, 1, 20)",
			l.PerSecond, l.PerChatPerSecond, l.PerGroupPerMinute),
		fmt.Sprintf("lost: not stored, copied or delivered when the run ended, %s after the last burst", max(s.cfg.Settle, s.cfg.FinalSettle)),
		fmt.Sprintf("burst: %d messages from %d customers at %g/s; kill -9 at a random point in the first 20–60%% of each burst", s.cfg.Messages, s.cfg.Customers, s.cfg.Rate),
	}
	switch s.cfg.Target {
	case "helpdesk":
		lines = append(lines, fmt.Sprintf("help desk (examples/helpdesk, SQLite) as built; %d staff agents answer each copy after %s; the desk's engine keeps Telegram's own limits and a 30s claim",
			staffAgents, s.cfg.AgentDelay))
	case "sqlite":
		lines = append(lines, fmt.Sprintf("bare engine on SQLite, one process; claim timeout %s; the agent answers from Publish", s.cfg.ClaimTimeout))
	case "postgres":
		lines = append(lines, fmt.Sprintf("two engine processes on one PostgreSQL schema, one bot each, both delivering for both; claim timeout %s; one of the two killed per round, in turn", s.cfg.ClaimTimeout))
	}
	return lines
}

// setup starts the fake, the proxies and the children, and waits until
// every child polls.
func (s *soak) setup(ctx context.Context) error {
	cfg := s.cfg
	s.srv = telegramtest.NewServer()
	s.srv.SetLimits(cfg.Limits)
	limits := channel.Limits{PerSecond: cfg.Limits.PerSecond, PerChatPerSecond: cfg.Limits.PerChatPerSecond, PerGroupPerMinute: cfg.Limits.PerGroupPerMinute}
	switch cfg.Target {
	case "helpdesk":
		s.tokens = []string{deskToken}
		s.channels = []channel.ID{"telegram"}
		s.ws = "helpdesk"
		s.srv.AddBot(deskToken, "SoakDeskBot")
		s.group = s.srv.Group(staffChat, "Staff")
		for i := range staffAgents {
			s.agents = append(s.agents, s.srv.User(int64(firstAgent+i), fmt.Sprintf("Agent%d", i+1), "en"))
		}
	case "sqlite":
		s.tokens = engineTokens[:1]
		s.channels = []channel.ID{"tg-a"}
		s.ws = soakWorkspace
	case "postgres":
		s.tokens = engineTokens
		s.channels = []channel.ID{"tg-a", "tg-b"}
		s.ws = soakWorkspace
	}
	if !s.helpdesk {
		for i, t := range s.tokens {
			s.srv.AddBot(t, fmt.Sprintf("SoakBot%c", 'A'+i))
		}
	}
	for i := range cfg.Customers {
		u := s.srv.User(int64(firstCustomer+i), customerName(i), "en")
		s.users = append(s.users, u)
		s.refs = append(s.refs, customerRef{Chat: u.ID(), Channel: s.channels[s.botOf(i)]})
	}

	storeKind := "sqlite"
	switch cfg.Target {
	case "helpdesk":
		s.db = filepath.Join(cfg.Dir, "helpdesk.db")
	case "sqlite":
		s.db = filepath.Join(cfg.Dir, "soak.db")
	case "postgres":
		storeKind = "postgres"
		dsn, drop, err := freshSchema(ctx, cfg.DSN)
		if err != nil {
			return err
		}
		s.db, s.dropPG = dsn, drop
	}

	var bots []childBot
	for i, t := range s.tokens {
		bots = append(bots, childBot{Token: t, Channel: s.channels[i]})
	}
	switch cfg.Target {
	case "helpdesk":
		bin := cfg.HelpdeskBin
		if bin == "" {
			s.progress("building examples/helpdesk (race: %v)", cfg.Race)
			var err error
			if bin, err = buildHelpdesk(ctx, cfg.Dir, cfg.Race); err != nil {
				return err
			}
		}
		if err := s.addSlot("helpdesk", func(api string) *exec.Cmd {
			cmd := exec.Command(bin)
			cmd.Dir = cfg.Dir
			cmd.Env = childEnviron("TELEGRAM_TOKEN="+deskToken, "STAFF_CHAT_ID="+strconv.Itoa(staffChat),
				"TELEGRAM_API_URL="+api, "HELPDESK_DB="+s.db)
			return cmd
		}); err != nil {
			return err
		}
	default:
		for i := range s.tokens {
			name := cfg.Target
			if len(s.tokens) > 1 {
				name = fmt.Sprintf("%s-%c", cfg.Target, 'a'+i)
			}
			if err := s.addSlot(name, func(api string) *exec.Cmd {
				spec, _ := json.Marshal(childSpec{Store: storeKind, DB: s.db, API: api, Bots: bots, Poll: i,
					ClaimTimeout: cfg.ClaimTimeout, Limits: limits})
				cmd := exec.Command(cfg.Exe)
				cmd.Dir = cfg.Dir
				cmd.Env = childEnviron(childEnv + "=" + string(spec))
				return cmd
			}); err != nil {
				return err
			}
		}
	}
	for _, sl := range s.slots {
		if err := sl.start(); err != nil {
			return err
		}
	}
	// A child that does not poll is a finding, not a harness failure: the
	// run goes on and counts what that costs.
	for i, t := range s.tokens {
		if !s.srv.WaitUntil(startWait, func() bool { return s.srv.Polling(t) }) {
			inst, _ := s.slots[i].current()
			s.note("%s was not polling %s after it started; its log ends: %s", inst, startWait, s.slots[i].logTail(inst))
		}
	}
	var err error
	if s.obs, err = openObserver(ctx, storeKind, s.db, s.ws, s.helpdesk); err != nil {
		return err
	}
	if s.helpdesk {
		s.startAgents()
	}
	return nil
}

// startWait bounds the wait for the children to poll at the start.
const startWait = 30 * time.Second

func (s *soak) note(format string, args ...any) {
	s.mu.Lock()
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

func (s *soak) addSlot(name string, command func(api string) *exec.Cmd) error {
	p, err := newProxy(s.srv.URL(), s.rec)
	if err != nil {
		return err
	}
	s.slots = append(s.slots, &slot{name: name, dir: s.cfg.Dir, proxy: p, command: command})
	return nil
}

// customerName is the name of customer i (from 0): "c001".
func customerName(i int) string { return fmt.Sprintf("c%03d", i+1) }

// botOf returns the bot customer i writes to.
func (s *soak) botOf(i int) int { return i % len(s.tokens) }

func (s *soak) close() {
	for _, sl := range s.slots {
		sl.stop(5 * time.Second)
		sl.proxy.close()
	}
	if s.obs != nil {
		s.obs.close()
	}
	if s.srv != nil {
		s.srv.Close()
	}
	if s.dropPG != nil {
		s.dropPG()
	}
}

// startAgents has the staff agents answer each customer message they see
// copied in the staff group, once, by replying to the copy.
func (s *soak) startAgents() {
	copies := make(chan send, 1<<16)
	s.rec.subscribe(copies)
	go func() {
		for c := range copies {
			if c.Method != "copymessage" || c.Chat != staffChat {
				continue
			}
			s.mu.Lock()
			in, ok := s.byKey[key{c.FromChat, c.FromID}]
			first := ok && !s.replied[in.Text]
			if first {
				s.replied[in.Text] = true
			}
			s.mu.Unlock()
			if !first {
				continue
			}
			s.agentPending.Add(1)
			agent := s.agents[in.Customer%len(s.agents)]
			copyID := c.ID
			time.AfterFunc(s.cfg.AgentDelay, func() {
				defer s.agentPending.Add(-1)
				s.group.Send(deskToken, agent, replyText(in.Text), copyID)
			})
		}
	}()
}

// round runs one burst, with a kill -9 and restart in it, and waits for
// its messages to settle.
func (s *soak) round(ctx context.Context, r int, rng *mrand.Rand) (*crash, *float64, error) {
	cfg := s.cfg
	order := make([]int, 0, cfg.Messages)
	for i := range cfg.Messages {
		order = append(order, i%cfg.Customers)
	}
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	burst := time.Duration(float64(cfg.Messages) / cfg.Rate * float64(time.Second))
	killAt := time.Duration((0.2 + 0.4*rng.Float64()) * float64(burst))
	victim := s.slots[(r-1)%len(s.slots)]
	victimBot := (r - 1) % len(s.slots)
	if s.helpdesk || len(s.slots) == 1 {
		victimBot = 0
	}

	t0 := time.Now()
	s.progress("round %d: %d messages over %s", r, cfg.Messages, burst.Round(time.Millisecond))
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		seq := make([]int, cfg.Customers)
		for i, c := range order {
			if d := time.Until(t0.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))); d > 0 {
				time.Sleep(d)
			}
			seq[c]++
			text := fmt.Sprintf("r%d %s n%03d", r, customerName(c), seq[c])
			bot := s.botOf(c)
			m := s.users[c].Send(s.tokens[bot], text)
			in := inbound{Round: r, Customer: c, Chat: s.users[c].ID(), Bot: bot, Text: text, ID: m.ID, At: time.Now()}
			s.mu.Lock()
			s.inbound = append(s.inbound, in)
			s.byKey[key{in.Chat, in.ID}] = in
			s.mu.Unlock()
		}
	}()

	var c *crash
	measureCtx, stopMeasure := context.WithCancel(ctx)
	defer stopMeasure()
	var measured sync.WaitGroup
	if cfg.Kill {
		select {
		case <-time.After(time.Until(t0.Add(killAt))):
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
		var err error
		if c, err = s.crash(ctx, r, victim, victimBot, time.Since(t0)); err != nil {
			return nil, nil, err
		}
		s.progress("round %d: kill -9 of %s %.2fs into the burst, %d sent but unrecorded; restarted as %s", r, c.Victim,
			c.BurstOffset.Seconds(), len(c.InFlight), c.Restarted)
		measured.Go(func() { s.measure(measureCtx, c) })
	}
	<-sent
	end := time.Now()
	limit := cfg.Settle
	if r == cfg.Rounds {
		limit = max(limit, cfg.FinalSettle)
	}
	settle := s.settle(ctx, end.Add(limit))
	var settleS *float64
	if settle {
		v := time.Since(end).Seconds()
		settleS = &v
		s.progress("round %d: settled %.1fs after the burst", r, v)
	} else {
		s.progress("round %d: not settled %s after the burst", r, limit)
	}
	stopMeasure()
	measured.Wait()
	return c, settleS, ctx.Err()
}

// crash kills the victim, notes what it had sent but not recorded, and
// starts it again.
func (s *soak) crash(ctx context.Context, r int, victim *slot, bot int, offset time.Duration) (*crash, error) {
	killedAt, inst, err := victim.kill()
	if err != nil {
		return nil, err
	}
	c := &crash{Round: r, Victim: inst, Bot: bot, KilledAt: killedAt, BurstOffset: offset, InFlight: map[key]bool{},
		FirstStored: -1, FirstRelayed: -1, FirstReplied: -1}
	recorded := map[key]bool{}
	convs, err := s.obs.conversations(ctx, s.refs)
	if err != nil {
		return nil, fmt.Errorf("reading the store after the kill: %w", err)
	}
	for chat, msgs := range convs {
		for _, m := range msgs {
			if m.Direction != conversation.ToContact || m.ExternalID == "" {
				continue
			}
			if id, err := strconv.Atoi(m.ExternalID); err == nil {
				recorded[key{chat, id}] = true
			}
		}
	}
	var staff map[int]bool
	staffKnown := false
	if s.helpdesk {
		if staff, staffKnown, err = s.obs.staffRecorded(ctx); err != nil {
			return nil, fmt.Errorf("reading the help desk's links after the kill: %w", err)
		}
		if !staffKnown {
			c.InFlightUnknown = "staff copies and headers: the desk has no helpdesk_links table"
		}
	}
	for _, sn := range s.rec.all() {
		if sn.Instance != inst {
			continue
		}
		switch {
		case sn.Chat > 0:
			if !recorded[sn.key()] {
				c.InFlight[sn.key()] = true
			}
		case sn.Chat == staffChat && staffKnown && (sn.Method == "copymessage" || headerCustomer(sn.Text) != ""):
			if !staff[sn.ID] {
				c.InFlight[sn.key()] = true
			}
		}
	}
	if err := victim.start(); err != nil {
		return nil, err
	}
	c.Restarted, c.RestartAt = victim.current()
	return c, nil
}

// measure times, from the restart, the first message sent after the kill
// to the restarted child's bot that is stored, relayed and answered.
func (s *soak) measure(ctx context.Context, c *crash) {
	_, from := s.rec.since(0)
	var sends []send
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		var cands []inbound
		for _, in := range s.inbound {
			if in.Bot == c.Bot && in.At.After(c.KilledAt) {
				cands = append(cands, in)
			}
		}
		s.mu.Unlock()
		if c.FirstStored < 0 && len(cands) > 0 {
			var chs []channel.ID
			var ids []string
			for _, in := range cands[:min(len(cands), 16)] {
				chs = append(chs, s.channels[in.Bot])
				ids = append(ids, fmt.Sprintf("%d:%d", in.Chat, in.ID))
			}
			if ok, err := s.obs.storedInbound(ctx, chs, ids); err == nil && slices.Contains(ok, true) {
				c.FirstStored = time.Since(c.RestartAt)
			}
		}
		var more []send
		more, from = s.rec.since(from)
		sends = append(sends, more...)
		byKey := map[key]bool{}
		byReply := map[string]bool{}
		for _, in := range cands {
			byKey[key{in.Chat, in.ID}] = true
			byReply[replyText(in.Text)] = true
		}
		for _, sn := range sends {
			switch {
			case c.FirstRelayed < 0 && sn.Method == "copymessage" && byKey[key{sn.FromChat, sn.FromID}]:
				c.FirstRelayed = sn.Done.Sub(c.RestartAt)
			case c.FirstReplied < 0 && sn.Chat > 0 && byReply[sn.Text]:
				c.FirstReplied = sn.Done.Sub(c.RestartAt)
			}
		}
		if c.FirstStored >= 0 && c.FirstReplied >= 0 && (!s.helpdesk || c.FirstRelayed >= 0) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// settle waits until every customer message so far is answered (and, for
// the help desk, copied), no reply is pending in the store and the bot
// has been quiet for a moment; it reports whether that came before
// deadline.
func (s *soak) settle(ctx context.Context, deadline time.Time) bool {
	const quiet = 300 * time.Millisecond
	for {
		if s.complete(ctx) && time.Since(s.rec.lastAt()) >= quiet {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *soak) complete(ctx context.Context) bool {
	if s.agentPending.Load() > 0 {
		return false
	}
	replies := map[string]bool{}
	copied := map[key]bool{}
	for _, sn := range s.rec.all() {
		if sn.Method == "copymessage" {
			copied[key{sn.FromChat, sn.FromID}] = true
		} else if sn.Chat > 0 {
			replies[sn.Text] = true
		}
	}
	s.mu.Lock()
	in := slices.Clone(s.inbound)
	s.mu.Unlock()
	for _, m := range in {
		if !replies[replyText(m.Text)] || (s.helpdesk && !copied[key{m.Chat, m.ID}]) {
			return false
		}
	}
	convs, err := s.obs.conversations(ctx, s.refs)
	if err != nil {
		return false
	}
	for _, msgs := range convs {
		for _, m := range msgs {
			if m.Direction == conversation.ToContact && m.Delivery == conversation.DeliveryPending {
				return false
			}
		}
	}
	return true
}

// collect reads what the run left in the store and the fake.
func (s *soak) collect(ctx context.Context) (final, error) {
	convs, err := s.obs.conversations(ctx, s.refs)
	if err != nil {
		return final{}, fmt.Errorf("reading the store: %w", err)
	}
	f := final{Convs: convs, Chats: map[int64][]models.Message{}, Sends: s.rec.all()}
	for i, u := range s.users {
		f.Chats[u.ID()] = s.srv.Sent(s.tokens[s.botOf(i)], u.ID())
	}
	if s.helpdesk {
		f.Staff = s.srv.Sent(deskToken, staffChat)
	}
	s.mu.Lock()
	f.Replied = maps.Clone(s.replied)
	s.mu.Unlock()
	return f, nil
}

// freshSchema makes a new schema in the database dsn names and returns a
// DSN that uses it, and a function that drops it.
func freshSchema(ctx context.Context, dsn string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at %s: %w", dsn, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "crashsoak_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	}
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return dsn + " search_path=" + schema, drop, nil
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// defaultDSN is the test database: $CONTACTCENTER_POSTGRES_DSN or the
// local server.
func defaultDSN() string {
	if dsn := os.Getenv("CONTACTCENTER_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return "postgres://127.0.0.1:5432/test?sslmode=disable"
}
