package contactcenter

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/command"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/hours"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Config configures an Engine. Only Store is required.
type Config struct {
	// Store keeps all state. Several engines may share one store that
	// supports it (the SQL stores); the memory store serves one process.
	Store store.Store
	// Publish receives every event after the change it describes is stored
	// (R17), in commit order. It runs on the goroutine of the command that
	// stored the event, of another command's that was publishing at the
	// time, or of the engine's background publisher, so it should be quick:
	// hand the event to a queue of the host's. It may call the engine. If
	// it returns an error, that event and the ones after it stay stored and
	// are passed again by the background publisher (which backs off while
	// publishing fails), after the next command, or by PublishPending:
	// delivery is at least once, and Event.Seq tells repeats apart. Do not
	// send to a channel from Publish: a repeat would send again; store what
	// must go out (a Reply) and let the engine send it.
	//
	// Without Publish the engine leaves events in the store, for another
	// engine on the same store to publish. If no engine publishes, set
	// Publish to a function that returns nil, so that events do not pile up.
	Publish func(ctx context.Context, e conversation.Event) error
	// PublishBatch, in place of Publish, receives the events a drain of
	// the store passes at once, in commit order, and returns how many of
	// them, from the first, it published, with the error that stopped it.
	// The events it did not publish stay stored and come again, as with
	// Publish. It suits a sink that acknowledges in bulk (a broker's
	// asynchronous publish, events/natsjs). Set Publish or PublishBatch,
	// not both.
	PublishBatch func(ctx context.Context, events []conversation.Event) (int, error)
	// Now returns the current time. Default: time.Now. Tests inject a
	// clock; no rule reads the wall clock.
	Now func() time.Time
	// NewID returns a new unique id for contacts, tickets, conversations
	// and messages. Default: a random 64-bit process prefix and a counter,
	// unique across processes.
	NewID func() string
	// Logger receives diagnostics. Default: discarded.
	Logger *slog.Logger
	// MaxAttempts bounds how often a command is tried when concurrent
	// changes collide (store.ErrConflict, store.ErrDuplicate). Default 20.
	MaxAttempts int
	// RetryBackoff returns how long to wait before the next attempt to send
	// an outbound message that failed temporarily, given the number of
	// attempts made so far. Default: 1s doubling up to 5 minutes.
	RetryBackoff func(attempts int) time.Duration
	// Answers are the texts of the replies to contacts' commands (R6).
	// Default: command.NewAnswers(), English, Spanish and Portuguese.
	Answers *command.Answers
	// HeartbeatGrace is how long an agent who sends heartbeats may miss
	// them before they count as disconnected (R3). Default 90s.
	HeartbeatGrace time.Duration
	// Strategies are the host's own assignment strategies, by the names
	// channel settings give (R11); "round_robin" and "least_busy" are
	// built in.
	Strategies map[string]conversation.Strategy
	// ClaimTimeout is how long an outbound message stays claimed by the
	// engine that is sending it; if that engine stops before it records the
	// result, another sends it after this time (R18). Default 30s.
	ClaimTimeout time.Duration
	// MaxInFlight bounds the outbound messages the engine has on their way
	// to channels at once: sent, or being sent, with the outcome not yet
	// recorded. A process killed while a message is on its way sends it
	// again once its claim lapses, because a channel does not tell whether
	// it took a message whose answer never arrived; MaxInFlight is so the
	// most messages a crash of this engine can double. Raising it raises
	// throughput over a slow network. Default 1.
	MaxInFlight int
	// Reactions are the host's reactions to committed events, which the
	// engine runs durably after the commit (see Reaction).
	Reactions []Reaction
	// ReactionGrace is how long a reaction's job waits for the engine
	// that stored it before another engine takes it. It is also the lease
	// of a key's claim, renewed while the reaction runs: only an engine
	// that cannot renew it for longer than the grace (its store
	// unreachable, or the process gone) may see its key run elsewhere.
	// Default ReactionGrace (10s).
	ReactionGrace time.Duration
	// Timers are the handlers of the host's timer kinds: a timer set with
	// SetTimer fires its kind's handler when it falls due, also after a
	// restart, once across the engines on a store.
	Timers map[conversation.TimerKind]TimerHandler
	// Transports are the transports of channel kinds, each for every
	// account of its kind (Engine.PutTransport gives one for one account):
	// the channels stored for those kinds are served with them.
	Transports map[channel.Kind]channel.Transport
	// Bots are the chatbots channels may name (channel.Bot.Name), by name
	// (R2): a channel whose settings name a bot hands its new
	// conversations to it first. An engine on a store serves the turns of
	// the bots it has; give every engine of a store the same bots.
	Bots map[string]chatbot.Bot
	// WorkflowSteps are the host's workflow steps (workflow.Call), by
	// name (R16); give every engine of a store the same.
	WorkflowSteps map[string]WorkflowStep
	// WorkflowStepTimeout bounds one call of a host's workflow step.
	// Default 30s.
	WorkflowStepTimeout time.Duration
}

// Engine is the contact center: it loads state from the store, applies the
// rules of the domain packages, commits the result and publishes events.
// Its methods are safe for concurrent use.
type Engine struct {
	store        store.Store
	publish      func(context.Context, conversation.Event) error
	now          func() time.Time
	newID        func() string
	log          *slog.Logger
	maxAttempts  int
	backoff      func(int) time.Duration
	claimTimeout time.Duration
	inFlight     chan struct{} // a slot per message on its way (MaxInFlight)
	deliveryKick chan struct{} // wakes Run's delivery loop
	recorders    sync.WaitGroup
	// busy counts the goroutines of background work under way: the
	// recorders', the jobs' and the background publisher's, which is
	// counted before pubRunning says it runs (Settle waits for none to
	// run).
	busy         atomic.Int64
	unservedSeen sync.Map // chanKey: warned of messages on a channel not served
	answers      *command.Answers
	grace        time.Duration
	strategies   map[string]conversation.Strategy
	timersKick   chan struct{}

	reactors      []*reactor // the engine's reactions, then the host's
	assign        *reactor   // R11's automatic assignment
	timerHandlers map[conversation.TimerKind]timerHandler
	jobState

	workflowSteps map[string]WorkflowStep // Config.WorkflowSteps
	stepTimeout   time.Duration           // Config.WorkflowStepTimeout

	mu         sync.RWMutex
	configs    map[ticket.WorkspaceID]*wsConfig // the stored configuration, by workspace
	transports map[limiterKey]channel.Transport // by kind and account; "" for every account
	// transportGen counts the changes of transports: a copy of the
	// configuration bound with older ones binds again.
	transportGen atomic.Uint64
	limiters     map[limiterKey]*channel.Limiter

	publishFn  func(context.Context, []conversation.Event) (int, error)
	shared     store.SharedEvents // the store, when its event stream is shared
	pubMu      sync.Mutex
	pubDirty   atomic.Bool
	pubRunning atomic.Bool
	closed     chan struct{}
	closeOnce  sync.Once
	// closedCtx ends when the engine closes.
	closedCtx   context.Context
	closeCancel context.CancelFunc

	bots map[string]chatbot.Bot // Config.Bots
	bot  *reactor               // R2's turns
}

type chanKey struct {
	ws ticket.WorkspaceID
	id channel.ID
}

// limiterKey names an account: the rates of an account hold across the
// channels and workspaces that use it.
type limiterKey struct {
	kind    channel.Kind
	account string
}

type boundChannel struct {
	cfg       channel.Channel
	transport channel.Transport
	caps      channel.Capabilities
	limiter   *channel.Limiter // shared by the channels of one account
	hours     *hours.Hours     // business hours of the out-of-hours message (R4)
}

// New returns an Engine. It fails with CodeInvalid when cfg has no Store.
func New(cfg Config) (*Engine, error) {
	if cfg.Store == nil {
		return nil, &Error{Op: "new", Code: CodeInvalid, Err: errors.New("config: no store")}
	}
	e := &Engine{
		store:        cfg.Store,
		publish:      cfg.Publish,
		now:          cfg.Now,
		newID:        cfg.NewID,
		log:          cfg.Logger,
		maxAttempts:  cfg.MaxAttempts,
		backoff:      cfg.RetryBackoff,
		claimTimeout: cfg.ClaimTimeout,
		answers:      cfg.Answers,
		grace:        cfg.HeartbeatGrace,
		strategies:   map[string]conversation.Strategy{"round_robin": conversation.RoundRobin, "least_busy": conversation.LeastBusy},
		timersKick:   make(chan struct{}, 1),
		configs:      make(map[ticket.WorkspaceID]*wsConfig),
		transports:   make(map[limiterKey]channel.Transport),
		closed:       make(chan struct{}),
		limiters:     make(map[limiterKey]*channel.Limiter),
	}
	e.shared, _ = cfg.Store.(store.SharedEvents)
	switch {
	case cfg.Publish != nil && cfg.PublishBatch != nil:
		return nil, &Error{Op: "new", Code: CodeInvalid, Err: errors.New("config: both Publish and PublishBatch are set")}
	case cfg.Publish != nil:
		e.publishFn = e.publishAll
	case cfg.PublishBatch != nil:
		e.publishFn = cfg.PublishBatch
	}
	for kind, t := range cfg.Transports {
		if err := e.PutTransport(kind, "", t); err != nil {
			return nil, wrap("new", err)
		}
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.newID == nil {
		e.newID = newIDGenerator()
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.maxAttempts <= 0 {
		e.maxAttempts = 20
	}
	if e.backoff == nil {
		e.backoff = DefaultBackoff
	}
	for name, s := range cfg.Strategies {
		e.strategies[name] = s
	}
	if e.grace <= 0 {
		e.grace = 90 * time.Second
	}
	if e.answers == nil {
		e.answers = command.NewAnswers()
	}
	if e.claimTimeout <= 0 {
		e.claimTimeout = 30 * time.Second
	}
	e.inFlight = make(chan struct{}, max(cfg.MaxInFlight, 1))
	e.deliveryKick = make(chan struct{}, 1)
	e.jobsRunning = make(map[jobKey]*jobRun)
	e.reactionGrace = cfg.ReactionGrace
	if e.reactionGrace <= 0 {
		e.reactionGrace = ReactionGrace
	}
	e.closedCtx, e.closeCancel = context.WithCancel(context.Background())
	e.bots = make(map[string]chatbot.Bot, len(cfg.Bots))
	for name, b := range cfg.Bots {
		if err := channel.BotName(name); err != nil || b == nil {
			return nil, wrap("new", fmt.Errorf("%w: bot %q needs a valid name and a chatbot.Bot", conversation.ErrInvalid, name))
		}
		e.bots[name] = b
	}
	e.workflowSteps = make(map[string]WorkflowStep, len(cfg.WorkflowSteps))
	for name, h := range cfg.WorkflowSteps {
		if name == "" || h == nil {
			return nil, wrap("new", fmt.Errorf("%w: workflow step %q needs a name and a function", conversation.ErrInvalid, name))
		}
		e.workflowSteps[name] = h
	}
	e.stepTimeout = cfg.WorkflowStepTimeout
	if e.stepTimeout <= 0 {
		e.stepTimeout = 30 * time.Second
	}
	e.assign = e.assignReactor()
	e.bot = e.botReactor()
	e.reactors = []*reactor{e.assign, e.bot}
	if err := e.addReactions(cfg.Reactions); err != nil {
		return nil, wrap("new", err)
	}
	if err := e.addTimerHandlers(cfg.Timers); err != nil {
		return nil, wrap("new", err)
	}
	return e, nil
}

// DefaultBackoff waits 1s after the first failed attempt and doubles the
// wait after each further one, up to 5 minutes.
func DefaultBackoff(attempts int) time.Duration {
	const max = 5 * time.Minute
	if attempts < 1 {
		attempts = 1
	}
	if attempts > 9 {
		return max
	}
	return min(time.Second<<(attempts-1), max)
}

// newIDGenerator returns ids made of a random process prefix and a counter.
func newIDGenerator() func() string {
	var b [8]byte
	_, _ = crand.Read(b[:])
	prefix := strconv.AppendUint(nil, binary.BigEndian.Uint64(b[:]), 36)
	prefix = append(prefix, '-')
	var n atomic.Uint64
	return func() string {
		var buf [40]byte
		out := append(buf[:0], prefix...)
		return string(strconv.AppendUint(out, n.Add(1), 36))
	}
}

// ChannelChange is a request to store a channel, for Engine.PutChannel.
type ChannelChange struct {
	// Channel is the channel as it is to be, in its workspace.
	Channel channel.Channel
	// Transport, when not nil, becomes the transport of the channel's kind
	// and account (as Engine.PutTransport); nil uses the one the engine
	// has.
	Transport channel.Transport
	// By is who puts the channel: the host, a supervisor of the channel's
	// workspace, an automation (bot, workflow). An agent who is not a
	// supervisor, and a contact, may not (CodeForbidden). Required.
	By conversation.Actor
}

// PutChannel stores channel r.Channel (R1, R20), replacing the channel of
// the same workspace and id, in the store every engine on it shares: each
// serves it from its next message on, with r.Transport when given. A
// channel that breaks a rule, names a template or service the workspace
// does not have, has no transport or one that cannot send text, or whose
// account the transport rejects (channel.AccountChecker, asked with ctx),
// and a missing actor, fail with CodeInvalid, and the channel in place, if
// any, stays; an actor who may not set up the workspace fails with
// CodeForbidden (ChannelChange.By). The change publishes config.changed
// with r.By as its actor.
func (e *Engine) PutChannel(ctx context.Context, r ChannelChange) error {
	const op = "put channel"
	c, t := r.Channel, r.Transport
	if err := c.Validate(); err != nil {
		return wrap(op, err)
	}
	if err := mayConfigure(r.By, c.Workspace, "put channels"); err != nil {
		return wrap(op, err)
	}
	if t == nil {
		t = e.transport(c.Kind, c.Account)
	}
	if t == nil {
		return wrap(op, fmt.Errorf("%w: channel %q: kind %q, account %q: %w (Engine.PutTransport)", channel.ErrInvalid, c.ID, c.Kind, c.Account, channel.ErrNoTransport))
	}
	if !t.Capabilities().Text {
		return wrap(op, fmt.Errorf("%w: channel %q: transport cannot send text", channel.ErrInvalid, c.ID))
	}
	if s := c.Settings.Assignment.Strategy; s != "" && e.strategies[s] == nil {
		return wrap(op, fmt.Errorf("%w: channel %q: unknown assignment strategy %q (R11)", channel.ErrInvalid, c.ID, s))
	}
	if b := c.Settings.Bot.Name; b != "" && e.bots[b] == nil {
		return wrap(op, fmt.Errorf("%w: channel %q: bot %q is not registered with the engine (Config.Bots, R2)", channel.ErrInvalid, c.ID, b))
	}
	if ac, ok := t.(channel.AccountChecker); ok {
		if err := ac.CheckAccount(ctx, c.Account); err != nil {
			return wrap(op, fmt.Errorf("channel %q: account %q: %w", c.ID, c.Account, err))
		}
	}
	body, err := json.Marshal(c)
	if err != nil {
		return wrap(op, err)
	}
	var refs []store.ConfigRef
	for _, name := range channelTemplates(&c) {
		if name != "" && !slices.Contains(refs, store.ConfigRef{Kind: ConfigTemplate, Name: name}) {
			refs = append(refs, store.ConfigRef{Kind: ConfigTemplate, Name: name})
		}
	}
	if o := c.Settings.OutOfHours; o.Template != "" && o.Service != "" {
		refs = append(refs, store.ConfigRef{Kind: ConfigServiceHours, Name: o.Service})
	}
	err = e.putConfig(ctx, op, r.By, "put channels", c.Workspace, ConfigChannel, string(c.ID), body, refs, func(tx store.Tx, s *step) error {
		if err := checkChannelRefs(ctx, tx, c); err != nil {
			return err
		}
		if set := c.Settings; set.Assignment.Strategy != "" {
			// R11: the conversations already waiting on a channel that
			// assigns now are assigned, once the change committed.
			return s.startAssign(ctx, tx, c.Workspace)
		}
		return nil
	}, func() {
		// Once committed, before the step's reactions run: they serve the
		// channel with its transport.
		if t != e.transport(c.Kind, c.Account) {
			_ = e.PutTransport(c.Kind, c.Account, t) // kind and t are checked above
		}
	})
	return err
}

// channelTemplates returns the names of the templates c's settings name:
// the welcome (R5), the out-of-hours message (R4) and its bot's (R2); ""
// for those it has not.
func channelTemplates(c *channel.Channel) []string {
	set := &c.Settings
	return []string{set.Welcome, set.OutOfHours.Template, set.Bot.Fallback.Template, set.Bot.NoHuman.Template}
}

// checkChannelRefs checks in tx that the templates and the service c's
// settings name exist.
func checkChannelRefs(ctx context.Context, tx store.Tx, c channel.Channel) error {
	for _, name := range channelTemplates(&c) {
		if name == "" {
			continue
		}
		if err := exists(ctx, tx, c.Workspace, ConfigTemplate, name); err != nil {
			return fmt.Errorf("%w: channel %q names template %q, which does not exist in workspace %q: %w", channel.ErrInvalid, c.ID, name, c.Workspace, err)
		}
	}
	if o := c.Settings.OutOfHours; o.Template != "" && o.Service != "" {
		if err := exists(ctx, tx, c.Workspace, ConfigServiceHours, o.Service); err != nil {
			return fmt.Errorf("%w: channel %q names service %q, which has no business hours in workspace %q (PutServiceHours first): %w", channel.ErrInvalid, c.ID, o.Service, c.Workspace, err)
		}
	}
	return nil
}

// exists checks that tx holds the record; a missing one is
// store.ErrNotFound.
func exists(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, kind store.ConfigKind, name string) error {
	_, err := tx.Config(ctx, ws, kind, name)
	return err
}

// ChannelDeletion is a request to delete a channel, for
// Engine.DeleteChannel.
type ChannelDeletion struct {
	Workspace ticket.WorkspaceID
	Channel   channel.ID
	// By is who deletes the channel, as ChannelChange.By. Required.
	By conversation.Actor
}

// DeleteChannel deletes channel r.Channel of workspace r.Workspace from
// the store, made by r.By: no engine serves it after its next message. Its
// conversations stay. An unknown channel fails with CodeNotFound
// (channel.ErrNotFound), no actor with CodeInvalid, an actor who may not
// set up the workspace with CodeForbidden. The change publishes
// config.deleted with r.By as its actor.
func (e *Engine) DeleteChannel(ctx context.Context, r ChannelDeletion) error {
	return e.deleteConfig(ctx, "delete channel", r.By, "delete channels", r.Workspace, ConfigChannel, string(r.Channel), channel.ErrNotFound)
}

// Channel returns channel id of workspace ws as stored: CodeNotFound
// (channel.ErrNotFound) when there is none.
func (e *Engine) Channel(ctx context.Context, ws ticket.WorkspaceID, id channel.ID) (channel.Channel, error) {
	var ch channel.Channel
	err := e.view(ctx, "channel", func(tx store.Tx) error {
		r, err := tx.Config(ctx, ws, ConfigChannel, string(id))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("channel %q: %w", id, channel.ErrNotFound)
		} else if err != nil {
			return err
		}
		return json.Unmarshal(r.Body, &ch)
	})
	return ch, err
}

// channel returns the channel id of c: channel.ErrNotFound when it is not
// stored, channel.ErrNoTransport when the engine cannot serve it.
func (c *wsConfig) channel(id channel.ID) (*boundChannel, error) {
	if b := c.channels[id]; b != nil {
		return b, nil
	}
	if err := c.unbound[id]; err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("channel %q: %w", id, channel.ErrNotFound)
}

// channelIn returns channel id of workspace ws as of tx (nil: a read of
// its own), from the engine's copy when it was checked lately.
// A channel the copy does not have is looked for in the revision as of
// now, so that a channel another engine just stored is served at once.
func (e *Engine) channelIn(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, id channel.ID) (*boundChannel, error) {
	c, err := e.config(ctx, tx, ws, false)
	if err != nil {
		return nil, err
	}
	b, err := c.channel(id)
	if errors.Is(err, channel.ErrNotFound) {
		if c, err = e.config(ctx, tx, ws, true); err != nil {
			return nil, err
		}
		return c.channel(id)
	}
	return b, err
}

// apply runs fn in a store transaction, again while concurrent changes
// collide. When they collide MaxAttempts times it fails with
// CodeContention: trying again later may succeed.
func (e *Engine) apply(ctx context.Context, op string, fn func(store.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = e.store.Update(ctx, fn)
		if err == nil || !retryable(err) || attempt >= e.maxAttempts {
			break
		}
		e.log.DebugContext(ctx, "retrying after a collision", "op", op, "attempt", attempt, "err", err)
		if err = pause(ctx, attempt); err != nil {
			break
		}
	}
	return wrap(op, err)
}

func retryable(err error) bool {
	return errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrDuplicate)
}

// pause waits a little before attempt+1 of a collided command: nothing for
// the first retries, then a random wait that grows with the attempt.
func pause(ctx context.Context, attempt int) error {
	if attempt < 3 {
		return ctx.Err()
	}
	d := time.Duration(rand.Int64N(int64(min(attempt, 10)) * int64(time.Millisecond)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// publishBatch is the number of events passed to the store's drain at once.
const publishBatch = 256

// inlineDrains bounds the drains a command makes before it leaves the rest
// to the background publisher.
const inlineDrains = 3

// publishPace is how long the background publisher lets events gather
// between drains while commands keep committing.
const publishPace = 5 * time.Millisecond

// publishEvents publishes the stored events. Commands call it after they
// commit. When no drain is running, the command drains at once, so a
// command that runs alone returns after its events are published. When one
// is running, the command leaves its events to it; and when commands keep
// committing while a drain runs, a background goroutine takes over and,
// while the load lasts, drains at a pace, carrying the events of many
// commands in each drain.
// Publishing never waits for itself, so Publish may call the engine.
func (e *Engine) publishEvents(ctx context.Context) error {
	if e.publishFn == nil {
		return nil
	}
	e.pubDirty.Store(true)
	if e.pubRunning.Load() || !e.pubMu.TryLock() {
		return nil
	}
	if ctx.Done() != nil {
		// The change is stored: its events go out even if the caller
		// leaves now.
		ctx = context.WithoutCancel(ctx)
	}
	var err error
	// A few rounds catch what was stored meanwhile, such as the changes
	// Publish itself made through the engine.
	for round := 0; err == nil && round < inlineDrains && e.pubDirty.Swap(false); round++ {
		_, err = e.drain(ctx)
	}
	e.pubMu.Unlock()
	if err != nil {
		e.pubDirty.Store(true)
	}
	if e.pubDirty.Load() || e.sharedStream() {
		e.startPublisher()
	}
	switch {
	case errors.Is(err, store.ErrBusy):
		return nil // another drain publishes; the background one follows
	case err != nil:
		e.log.WarnContext(ctx, "publishing events failed; they stay stored and are published later", "err", err)
	}
	return err
}

// startPublisher starts the background publisher unless it runs.
func (e *Engine) startPublisher() {
	e.busy.Add(1)
	if e.pubRunning.CompareAndSwap(false, true) {
		go e.publishLoop()
		return
	}
	e.busy.Add(-1)
}

// publishLoop drains at a pace while there is something to publish, and
// backs off while publishing fails (the host's Publish, the store, or
// another process's drain), until it succeeds or the engine closes. While
// the store's event stream is shared with other publishers
// (store.SharedEvents), it keeps draining, every sharedPoll when there is
// nothing to publish: the others store events in the partitions this
// engine publishes.
func (e *Engine) publishLoop() {
	defer e.busy.Add(-1)
	ctx := context.Background()
	pause := publishPace
	for {
		for e.pubDirty.Load() || e.sharedStream() {
			select {
			case <-e.closed:
				e.pubRunning.Store(false)
				return
			case <-time.After(pause):
			}
			e.pubMu.Lock()
			e.pubDirty.Store(false)
			n, err := e.drain(ctx)
			e.pubMu.Unlock()
			switch {
			case err == nil && n == 0 && e.sharedStream():
				pause = sharedPoll
				continue
			case err == nil:
				pause = publishPace
				continue
			case errors.Is(err, store.ErrBusy) && e.sharedStream():
				// This engine waits for its share of a shared stream:
				// the others give it up at their next drains.
				pause = sharedPoll
			case errors.Is(err, store.ErrBusy):
				// Another drain runs, or a killed process's lock has yet
				// to end: asking is cheap, and the events should go out
				// soon after it ends.
				pause = min(2*pause, maxBusyPause)
			default:
				e.log.WarnContext(ctx, "publishing events failed; they stay stored and are published later", "err", err)
				pause = min(2*pause, maxPublishPause)
			}
			e.pubDirty.Store(true)
		}
		e.pubRunning.Store(false)
		// A command may have stored events after the last check and seen
		// this loop still running: look once more.
		if !(e.pubDirty.Load() || e.sharedStream()) || !e.pubRunning.CompareAndSwap(false, true) {
			return
		}
	}
}

// sharedPoll is how often an engine that shares the store's event stream
// with other publishers drains when it found nothing to publish: an event
// another engine stores in a partition this one holds waits about this
// long.
const sharedPoll = 20 * time.Millisecond

// sharedStream reports whether the store's event stream is shared with
// other publishers, or this engine publishes part of it only, so that it
// drains now and then.
func (e *Engine) sharedStream() bool {
	if e.shared == nil {
		return false
	}
	share, ok := e.shared.EventShare()
	return ok && share.Shared()
}

// maxPublishPause is the longest wait between drains while publishing fails.
const maxPublishPause = 5 * time.Second

// maxBusyPause is the longest wait between drains while another drain
// holds the store.
const maxBusyPause = time.Second

// publishStored has the background publisher publish whatever the store
// holds, such as the events a stopped process stored but did not publish.
func (e *Engine) publishStored() {
	if e.publishFn == nil {
		return
	}
	e.pubDirty.Store(true)
	e.startPublisher()
}

// Close stops the engine's background work: publishing, the recording of
// sends whose callers left while the store failed, and the reactions left
// to run in the background, which it waits for. Events not yet published
// stay stored, for PublishPending or another engine; a send whose outcome
// could not be recorded goes again once its claim lapses; a reaction's job
// not yet run stays stored and is due again.
func (e *Engine) Close() error {
	e.jobsMu.Lock() // runJob starts no background run once closed
	e.closeOnce.Do(func() { close(e.closed) })
	e.jobsMu.Unlock()
	e.closeCancel()
	e.recorders.Wait()
	e.jobsWG.Wait()
	return nil
}

// drain passes the store's events to Publish until none is left, and
// says how many it published.
func (e *Engine) drain(ctx context.Context) (int, error) {
	// Publish gets no reaction's or timer's cause: what it calls is a
	// command of its own.
	if ctx.Value(causeKey{}) != nil || ctx.Value(deferKey{}) != nil {
		ctx = plainContext{ctx}
	}
	total := 0
	for {
		n, err := e.store.DrainEvents(ctx, publishBatch, e.publishFn)
		total += n
		if err != nil || n < publishBatch {
			return total, err
		}
	}
}

// publishAll publishes events in order and says how many it published.
func (e *Engine) publishAll(ctx context.Context, events []conversation.Event) (int, error) {
	for i := range events {
		if err := e.publish(ctx, events[i]); err != nil {
			return i, err
		}
	}
	return len(events), nil
}

// settlePoll is how often Settle looks whether the background work ended.
const settlePoll = time.Millisecond

// Settle waits until the engine has no work under way in the background,
// and publishes what is stored (PublishPending): the reactions and bot
// turns (R2) a command left to run after it returned, the workflow runs
// it drives (R16), the recording of sends whose callers left, and the
// background publication of events. A command that returns while such
// work runs, or while the background publisher gathers the events of
// several commands, may return before its own events are published;
// after Settle they are, and a command that then runs alone publishes its
// events before it returns. It is for tests and scripted runs, whose
// steps should each begin after the consequences of the last one: a host
// serving traffic needs none of it, since that work goes on by itself.
//
// Work that starts later (a timer that fires, Run's loops, another
// process) is not waited for; where the store shares its event stream
// among engines (store.SharedEvents), the publisher of this engine's
// share runs until Close, and Settle does not wait for it to stop. It
// returns ctx's error if ctx ends first, and PublishPending's if
// publishing fails (while the host's Publish fails, the background
// publisher goes on trying, and would never end). It must not be called
// from what it waits for: the host's Publish, a reaction, a bot's turn or
// a workflow step.
func (e *Engine) Settle(ctx context.Context) error {
	t := time.NewTicker(settlePoll)
	defer t.Stop()
	for {
		// busy counts the publisher before pubRunning says it runs, and
		// until after it says it stopped: a count of 1 with the publisher
		// running is the publisher alone.
		n := e.busy.Load()
		alone := n == 1 && e.pubRunning.Load()
		if n == 0 || alone {
			// Nothing else runs that would publish: PublishPending's
			// drain meets no command's.
			if err := e.PublishPending(ctx); err != nil {
				return wrap("settle", err)
			}
			if n = e.busy.Load(); n == 0 || n == 1 && e.pubRunning.Load() && e.sharedStream() {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return wrap("settle", ctx.Err())
		case <-t.C:
		}
	}
}

// PublishPending publishes the events that are stored but not published:
// those whose publication failed, and those a stopped process stored but
// did not publish. It returns once the store holds no event for this
// engine to publish, or publishing fails; while another drain holds the
// store, it waits its turn, which after a process was killed while it
// drained lasts as long as the store keeps that drain's lease (a few
// seconds). Where the store shares its event stream among the engines that
// publish (store.SharedEvents: PostgreSQL), "the events for this engine"
// are those of its share, which it takes as it starts publishing, and the
// others publish theirs; the engine then goes on draining its share in
// the background until it closes.
//
// Run publishes those events in the background as it starts, so a host
// that runs Run needs no PublishPending to start serving. A host that
// does not run Run calls PublishPending at start, and may call it after a
// failure of its Publish function; the engine also tries again by itself
// in the background.
func (e *Engine) PublishPending(ctx context.Context) error {
	if e.publishFn == nil {
		return nil
	}
	for {
		e.pubMu.Lock()
		e.pubDirty.Store(false)
		_, err := e.drain(ctx)
		e.pubMu.Unlock()
		if !errors.Is(err, store.ErrBusy) {
			if err != nil {
				e.pubDirty.Store(true)
			}
			if err != nil || e.pubDirty.Load() || e.sharedStream() {
				// Failed events are tried again; so are those a command
				// stored during the drain and left to it; a share of a
				// shared stream is drained from now on.
				e.startPublisher()
			}
			return wrap("publish pending", err)
		}
		select {
		case <-ctx.Done():
			return wrap("publish pending", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
