package contactcenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Reaction is an automation that reacts to committed events: R11's
// automatic assignment is one, and hosts add their own (Config.Reactions).
//
// A reaction is durable: the transaction that stores an event also stores
// a job for each reaction the event starts, so a process that stops
// between the event and the reaction loses nothing; the job is due again
// and another engine on the store, or this one when it runs again, takes
// it (Run). Jobs are kept per reaction and key: the events of one key
// start one job, which runs once for all of them.
//
// A key's job runs in one engine at a time, across all the engines on a
// store, and each run sees the events committed before it began: a run
// holds the key's claim, kept in the store, which the transaction that
// stores an event takes when no run holds it. The engine whose
// transaction took the claim runs the job at once, after the commit, in
// the call that stored the events. An event stored while a run holds the
// claim, in this engine or another, is left to that run: the call that
// stored it returns, and the run runs once more when it ends, in the
// background, for the events stored meanwhile. A claim lasts the grace
// (Config.ReactionGrace) and is renewed while React runs; the claim of an
// engine that stopped ends with its lease, and then any engine's timers
// take the job. An engine that cannot renew its claim for longer than the
// grace (its store unreachable) may see the key run by another engine
// meanwhile.
type Reaction struct {
	// Name names the reaction; it is stored with the reaction's jobs, so
	// it stays the same across versions of the host. Names with the
	// engine's prefixes ("reaction.") and the engine's own reactions
	// ("assign", "bot") are taken.
	Name string
	// Key returns the key under which the reaction handles event e, and
	// false for an event it ignores. A conversation's id is the usual
	// key. It runs inside the transaction that stores the event, so it
	// is quick and calls nothing: it looks at e alone.
	Key func(e conversation.Event) (key string, ok bool)
	// React handles the events of one key. It runs at least once after
	// they committed; after a crash, it may run again for events it had
	// handled, so it is written to be repeated (it reads the current state
	// and acts on what is still to do). ctx carries the reaction's cause:
	// the events of the engine's calls made with ctx carry it, one level
	// deeper than Job.Event's (CauseOf), which is how a reaction tells its
	// own doing from others'. An error leaves the job stored: it runs
	// again after the grace, then once a minute while it fails; the
	// key's claim is let go, so that the key's next event runs it at once.
	React func(ctx context.Context, j Job) error
}

// Job is what a Reaction is asked to handle: the events of one key.
type Job struct {
	Reaction  string
	Workspace ticket.WorkspaceID
	Key       string
	// Event is an event that started the job: the first of the
	// transaction that started it, or the latest when events of several
	// transactions wait together. Its Seq is 0: the store numbers an
	// event as it commits, after the job is stored.
	Event conversation.Event
}

// ReactionGrace is the default of Config.ReactionGrace: how long a job
// waits for the engine that stored it before any other engine takes it.
const ReactionGrace = 10 * time.Second

// MaxReactionDepth bounds a chain of reactions: an event whose cause is
// this deep starts no reaction, so reactions that start one another end
// (R16).
const MaxReactionDepth = 16

// reactionPrefix begins the timer kind of a reaction's jobs, claimPrefix
// that of their claims.
const (
	reactionPrefix = "reaction."
	claimPrefix    = "claim." + reactionPrefix
)

// A job is a timer of its reaction's kind, keyed by workspace and key; its
// payload is the event that started it. A run of the job holds its key's
// claim, a timer of the claim kind with the same key, due when the claim's
// lease ends. The claim is taken in a transaction that writes the job too
// (the step that stores the event, or a claim after the job fell due), so
// that the job's row orders the claims of a key across engines: of two
// transactions that store a job of one key, the later sees the claim of
// the earlier. A transaction that stores a job while another run holds
// the claim leaves the run to the holder: the job's due time changes, so
// the holder's deletion at the due time it ran (DeleteTimerAt) fails, and
// the holder lets go of the claim and runs the job again. Every claim
// changes the job's due time, so a run that deletes the job at its due
// time knows that no other run took the claim meanwhile. A claim is due a
// nanosecond before the job as the claim wrote it, so that the timers
// delete a lapsed claim (its holder stopped) before they take the job.

// reactor is a reaction as the engine runs it: a host's Reaction, or one
// of the engine's own, which runs in steps.
type reactor struct {
	name string
	kind conversation.TimerKind
	// claim is the timer kind of the claims of its keys (addReactions
	// sets it).
	claim conversation.TimerKind
	key   func(e *conversation.Event) (string, bool)
	// react is a host's reaction.
	react func(ctx context.Context, j Job) error
	// step is the engine's own: one transaction of the reaction, which
	// says whether another follows.
	step func(ctx context.Context, tx store.Tx, s *step, j *job) (more bool, err error)
	// async: the job a step started runs in the background after the
	// commit, not in the call that stored its event (a bot's turn, which
	// waits on the bot).
	async bool
}

// job is a stored job of a reactor.
type job struct {
	r       *reactor
	ws      ticket.WorkspaceID
	key     string
	due     time.Time // its timer's due time, for DeleteTimerAt
	payload []byte    // its timer's payload
	event   conversation.Event
	// claimed: the step that stored the job took its key's claim, whose
	// due time is lease.
	claimed bool
	lease   time.Time
	// was is, for a job its timers claimed, the due time it had before
	// the claim.
	was time.Time
	// after is where in the queue the next step of the assignment
	// reaction's run continues (the head: the zero position); a step sets
	// next, which after takes once the step committed.
	after, next store.QueuePosition
}

type jobKey struct {
	kind conversation.TimerKind
	ws   ticket.WorkspaceID
	key  string
}

// jobRun is a key whose job runs in this engine, holding its claim. due is
// the job's due time as the run knows it, lease the due time of its claim;
// both move when this engine's timers claim them, or the run renews its
// claim. again asks for one more run: the job was stored again in this
// engine since the run began.
type jobRun struct {
	due   time.Time
	lease time.Time
	again bool
}

// runOutcome is what a run of a job did.
type runOutcome struct {
	stored bool // events may have been stored
	done   bool // the reaction succeeded and the job it ran is deleted
	again  bool // the job was stored again meanwhile: it runs once more
}

// addReactions checks and registers the host's reactions, and gives every
// reactor the kind of its claims.
func (e *Engine) addReactions(rs []Reaction) error {
	seen := map[string]bool{}
	for _, r := range rs {
		switch {
		case r.Name == "" || r.Key == nil || r.React == nil:
			return fmt.Errorf("%w: reaction %q needs a name, Key and React", conversation.ErrInvalid, r.Name)
		case seen[r.Name] || strings.HasPrefix(r.Name, reactionPrefix) || r.Name == assignReaction || r.Name == botReaction:
			return fmt.Errorf("%w: reaction name %q is taken", conversation.ErrInvalid, r.Name)
		}
		seen[r.Name] = true
		key := r.Key
		e.reactors = append(e.reactors, &reactor{
			name:  r.Name,
			kind:  conversation.TimerKind(reactionPrefix + r.Name),
			key:   func(ev *conversation.Event) (string, bool) { return key(*ev) },
			react: r.React,
		})
	}
	for _, r := range e.reactors {
		r.claim = conversation.TimerKind("claim." + string(r.kind))
	}
	return nil
}

// reactorOf returns the reactor whose jobs, or whose claims (claim), are
// timers of kind, if any.
func (e *Engine) reactorOf(kind conversation.TimerKind) (r *reactor, claim bool) {
	k := string(kind)
	if strings.HasPrefix(k, claimPrefix) {
		k, claim = k[len("claim."):], true
	} else if !strings.HasPrefix(k, reactionPrefix) {
		return nil, false
	}
	for _, r := range e.reactors {
		if string(r.kind) == k {
			return r, claim
		}
	}
	return nil, false
}

// jobNonce keeps the due times that the engines of a process give one key
// apart on a clock that stands still; it starts at random, for the engines
// of other processes on the store.
var jobNonce = func() *atomic.Uint64 {
	var n atomic.Uint64
	n.Store(rand.Uint64())
	return &n
}()

// nonce returns a duration below a millisecond, another each call: a
// multiple of 4ns, so that the due times a nanosecond off it (a claim's
// and its job's) are never another nonce's.
func nonce() time.Duration { return time.Duration(jobNonce.Add(1)%250_000) * 4 }

// startReactions stores, in tx, a job for each reaction that event ev
// starts.
func (e *Engine) startReactions(ctx context.Context, tx store.Tx, s *step, ev *conversation.Event) error {
	if len(e.reactors) == 0 {
		return nil
	}
	for _, r := range e.reactors {
		key, ok := r.key(ev)
		if !ok {
			continue
		}
		if ev.Cause.Depth >= MaxReactionDepth {
			e.log.WarnContext(ctx, "a chain of reactions reached its depth; the event starts no reaction",
				"reaction", r.name, "event", ev.Type, "root", ev.Cause.Root, "depth", ev.Cause.Depth)
			continue
		}
		if err := s.start(ctx, tx, r, ev.Workspace, key, ev); err != nil {
			return err
		}
	}
	return nil
}

// start stores in tx a job of reactor r for key, started by event ev,
// unless the step started that job already, and takes the key's claim
// unless a run holds it.
func (s *step) start(ctx context.Context, tx store.Tx, r *reactor, ws ticket.WorkspaceID, key string, ev *conversation.Event) error {
	for i := range s.jobs {
		if j := &s.jobs[i]; j.r == r && j.ws == ws && j.key == key {
			return nil
		}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	// The job is deleted only at its own due time (DeleteTimerAt): the
	// nonce keeps the due times of one key apart.
	now := s.now()
	due := now.Add(s.e.reactionGrace + nonce())
	if err := tx.SetTimer(ctx, store.Timer{Kind: r.kind, Workspace: ws, Key: key, Due: due, Payload: payload}); err != nil {
		return err
	}
	s.timers = true
	j := job{r: r, ws: ws, key: key, due: due, payload: payload, event: *ev}
	// The claim is read after the job is written: on a database that
	// runs transactions side by side, the write waits for any other
	// transaction that writes the job, so the read sees its claim.
	held, err := tx.Timer(ctx, r.claim, ws, key)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && !held.Due.After(now):
		j.claimed, j.lease = true, due.Add(-time.Nanosecond)
		if err := tx.SetTimer(ctx, store.Timer{Kind: r.claim, Workspace: ws, Key: key, Due: j.lease}); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	s.jobs = append(s.jobs, j)
	return nil
}

// eventOf returns the event a job's payload holds; a payload it cannot
// read gives an empty event of workspace ws.
func eventOf(ws ticket.WorkspaceID, payload []byte) conversation.Event {
	var ev conversation.Event
	if len(payload) > 0 {
		_ = json.Unmarshal(payload, &ev)
	}
	ev.Workspace = ws
	return ev
}

// jobOf returns the job that the claimed timer t of reactor r is.
func jobOf(r *reactor, t store.ClaimedTimer) job {
	return job{r: r, ws: t.Workspace, key: t.Key, due: t.Lease, was: t.Due, payload: t.Payload, event: eventOf(t.Workspace, t.Payload)}
}

// runJob runs job j, one run at a time per key across the engines on the
// store: a job whose key's claim the step that stored it took runs at
// once; a job this engine's timers claimed runs once it holds the claim;
// a job whose key runs in this engine is left to that run, which runs once
// more for it, and one whose key another engine's run holds is left to
// that run likewise. The caller runs its own job; what is stored for the
// key meanwhile runs in the background, so that no caller is held up by
// others' jobs. A failure is logged; the job stays and is due again.
func (e *Engine) runJob(ctx context.Context, j *job) (stored, done bool) {
	k := jobKey{j.r.kind, j.ws, j.key}
	e.jobsMu.Lock()
	if run, ok := e.jobsRunning[k]; ok {
		switch {
		case j.claimed:
			// The run's claim had lapsed and the step took it: the run
			// holds it now.
			run.lease, run.again = j.lease, true
		case !j.was.IsZero() && j.was.Equal(run.due):
			run.due = j.due // this engine's timers claimed the job that runs
		default:
			run.again = true
		}
		e.jobsMu.Unlock()
		return false, false
	}
	if !j.claimed && j.was.IsZero() {
		e.jobsMu.Unlock()
		return false, false // another engine's run holds the key
	}
	run := &jobRun{due: j.due, lease: j.lease}
	e.jobsRunning[k] = run
	e.jobsMu.Unlock()

	o := e.runJobOnce(ctx, run, j, !j.claimed)
	e.jobsMu.Lock()
	if !o.again && !run.again {
		delete(e.jobsRunning, k)
		e.jobsMu.Unlock()
		return o.stored, o.done
	}
	select {
	case <-e.closed:
		// The engine closes: the job stays stored, and is due again.
		delete(e.jobsRunning, k)
		e.jobsMu.Unlock()
		return o.stored, o.done
	default:
	}
	e.jobsWG.Add(1) // under jobsMu, so never after Close's Wait began
	e.busy.Add(1)
	e.jobsMu.Unlock()
	go e.runJobsLeft(plainContext{context.WithoutCancel(ctx)}, k, j.r, run, o.again)
	return o.stored, o.done
}

// runJobsLeft runs the job of key k again, claiming it first, while it is
// stored again during its run, until it is not or the engine closes (the
// job stays stored, and is due again).
func (e *Engine) runJobsLeft(ctx context.Context, k jobKey, r *reactor, run *jobRun, again bool) {
	defer e.jobsWG.Done()
	defer e.busy.Add(-1)
	for {
		e.jobsMu.Lock()
		stop := false
		select {
		case <-e.closed:
			stop = true
		default:
		}
		if stop || !again && !run.again {
			delete(e.jobsRunning, k)
			e.jobsMu.Unlock()
			return
		}
		run.again = false
		e.jobsMu.Unlock()
		j := job{r: r, ws: k.ws, key: k.key}
		again = e.runJobOnce(ctx, run, &j, true).again
	}
}

// runJobOnce runs job j once for run, claiming the key first when claim
// is set.
func (e *Engine) runJobOnce(ctx context.Context, run *jobRun, j *job, claim bool) runOutcome {
	r := j.r
	if claim {
		lease := e.reactionGrace
		if !j.was.IsZero() {
			lease = timerLease // a job its timers claimed: once a minute while it fails
		}
		ok, err := e.claimJob(ctx, run, j, lease)
		if err != nil {
			e.log.WarnContext(ctx, "a reaction's job could not be claimed; it runs later", "reaction", r.name, "workspace", j.ws, "key", j.key, "err", err)
		}
		if !ok {
			return runOutcome{}
		}
	}
	rctx := withCause(ctx, j.event.Cause.Then(r.name, e.newID()))
	if r.step != nil {
		var o runOutcome
		renewed := time.Now()
		for {
			more := false
			s, err := e.exec(rctx, r.name, conversation.System(), func(tx store.Tx, s *step) error {
				var err error
				if more, err = r.step(rctx, tx, s, j); err != nil || more {
					return err
				}
				o.again, err = e.finishIn(rctx, tx, run, j)
				return err
			})
			if err != nil {
				e.log.WarnContext(ctx, "a reaction failed; it runs again later", "reaction", r.name, "workspace", j.ws, "key", j.key, "err", err)
				e.release(ctx, run, j)
				return runOutcome{stored: o.stored}
			}
			o.stored = o.stored || s.events > 0
			e.advance(rctx, s)
			if !more {
				o.done = true
				return o
			}
			if time.Since(renewed) >= e.reactionGrace/3 {
				e.renew(ctx, run, j) // a long run of steps keeps its key
				renewed = time.Now()
			}
			j.after = j.next
		}
	}
	stop := e.keepClaim(ctx, run, j)
	err := r.react(rctx, Job{Reaction: r.name, Workspace: j.ws, Key: j.key, Event: j.event})
	stop()
	if err != nil {
		e.log.WarnContext(ctx, "a reaction failed; it runs again later", "reaction", r.name, "workspace", j.ws, "key", j.key, "err", err)
		e.release(ctx, run, j)
		return runOutcome{stored: true}
	}
	var again bool
	if _, err := e.exec(ctx, "reaction done", conversation.System(), func(tx store.Tx, _ *step) error {
		var err error
		again, err = e.finishIn(ctx, tx, run, j)
		return err
	}); err != nil {
		e.log.WarnContext(ctx, "a reaction ran but its job could not be deleted; it runs again later", "reaction", r.name, "key", j.key, "err", err)
		return runOutcome{stored: true}
	}
	return runOutcome{stored: true, done: true, again: again}
}

// claimJob takes, in a transaction, the claim of job j's key for run, for
// lease, unless the job is gone (run already) or another run holds the
// claim; it reports whether it took it. It reads the job as stored: j gets
// its payload and event, and the due time the claim gives it, a
// nanosecond after the claim's.
func (e *Engine) claimJob(ctx context.Context, run *jobRun, j *job, lease time.Duration) (bool, error) {
	r := j.r
	var stored store.Timer
	var until time.Time
	_, err := e.exec(ctx, "claim reaction", conversation.System(), func(tx store.Tx, s *step) error {
		until = time.Time{}
		var err error
		stored, err = tx.Timer(ctx, r.kind, j.ws, j.key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		e.jobsMu.Lock()
		mine := run.lease
		e.jobsMu.Unlock()
		now := s.now()
		held, err := tx.Timer(ctx, r.claim, j.ws, j.key)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		case held.Due.After(now) && !held.Due.Equal(mine):
			return nil // another run holds it
		}
		// Deleting the job at the due time read locks it, and fails when
		// another transaction wrote it since: then the claim is tried
		// again on what that one left.
		if ok, err := tx.DeleteTimerAt(ctx, r.kind, j.ws, j.key, stored.Due); err != nil {
			return err
		} else if !ok {
			return store.ErrConflict
		}
		claim := now.Add(lease + nonce())
		if err := tx.SetTimer(ctx, store.Timer{Kind: r.claim, Workspace: j.ws, Key: j.key, Due: claim}); err != nil {
			return err
		}
		if err := tx.SetTimer(ctx, store.Timer{Kind: r.kind, Workspace: j.ws, Key: j.key, Due: claim.Add(time.Nanosecond), Payload: stored.Payload}); err != nil {
			return err
		}
		until = claim
		return nil
	})
	if err != nil || until.IsZero() {
		return false, err
	}
	j.due, j.payload, j.event = until.Add(time.Nanosecond), stored.Payload, eventOf(j.ws, stored.Payload)
	e.jobsMu.Lock()
	run.due, run.lease = j.due, until
	e.jobsMu.Unlock()
	return true, nil
}

// finishIn deletes, in tx, job j whose run succeeded, and its claim with
// it, unless the job was stored again meanwhile: then it lets go of the
// claim, if the run still holds it, and reports again.
func (e *Engine) finishIn(ctx context.Context, tx store.Tx, run *jobRun, j *job) (again bool, err error) {
	e.jobsMu.Lock()
	due, lease := run.due, run.lease
	e.jobsMu.Unlock()
	ok, err := tx.DeleteTimerAt(ctx, j.r.kind, j.ws, j.key, due)
	if err != nil {
		return false, err
	}
	if ok {
		// No other run took the claim since, or the job's due time would
		// have changed: the claim is this run's, or lapsed.
		return false, tx.DeleteTimer(ctx, j.r.claim, j.ws, j.key)
	}
	_, err = tx.DeleteTimerAt(ctx, j.r.claim, j.ws, j.key, lease)
	return true, err
}

// release lets go of run's claim after its reaction failed, so that the
// next event of the key runs at once; the job stays, due again. A release
// that fails leaves the claim to lapse.
func (e *Engine) release(ctx context.Context, run *jobRun, j *job) {
	_, err := e.exec(ctx, "release reaction", conversation.System(), func(tx store.Tx, _ *step) error {
		e.jobsMu.Lock()
		lease := run.lease
		e.jobsMu.Unlock()
		_, err := tx.DeleteTimerAt(ctx, j.r.claim, j.ws, j.key, lease)
		return err
	})
	if err != nil {
		e.log.DebugContext(ctx, "a failed reaction's claim could not be let go; it lapses", "reaction", j.r.name, "key", j.key, "err", err)
	}
}

// keepClaim renews run's claim every third of the grace while a host's
// reaction runs, so that a reaction slower than the grace keeps its key,
// and moves the job with it while it was not stored again. The function
// it returns stops the renewals, waiting for one under way.
func (e *Engine) keepClaim(ctx context.Context, run *jobRun, j *job) (stop func()) {
	var mu sync.Mutex
	stopped := false
	var t *time.Timer
	every := max(e.reactionGrace/3, time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(every, func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		e.renew(ctx, run, j)
		t.Reset(every)
	})
	return func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
		t.Stop()
	}
}

// renew moves run's claim to the end of a new grace, in a transaction,
// and the job after it if it is as the run took it. A claim that lapsed
// and was taken is left as it is.
func (e *Engine) renew(ctx context.Context, run *jobRun, j *job) {
	r := j.r
	var until time.Time
	var moved bool
	_, err := e.exec(ctx, "renew reaction claim", conversation.System(), func(tx store.Tx, s *step) error {
		until, moved = time.Time{}, false
		e.jobsMu.Lock()
		due, lease := run.due, run.lease
		e.jobsMu.Unlock()
		ok, err := tx.DeleteTimerAt(ctx, r.claim, j.ws, j.key, lease)
		if err != nil || !ok {
			return err // lapsed and taken, or moved by this engine's timers
		}
		claim := s.now().Add(e.reactionGrace + nonce())
		if err := tx.SetTimer(ctx, store.Timer{Kind: r.claim, Workspace: j.ws, Key: j.key, Due: claim}); err != nil {
			return err
		}
		if moved, err = tx.DeleteTimerAt(ctx, r.kind, j.ws, j.key, due); err != nil {
			return err
		}
		if moved {
			if err := tx.SetTimer(ctx, store.Timer{Kind: r.kind, Workspace: j.ws, Key: j.key, Due: claim.Add(time.Nanosecond), Payload: j.payload}); err != nil {
				return err
			}
		}
		until = claim
		return nil
	})
	if err != nil {
		e.log.WarnContext(ctx, "a reaction's claim could not be renewed", "reaction", r.name, "key", j.key, "err", err)
		return
	}
	if until.IsZero() {
		return
	}
	e.jobsMu.Lock()
	run.lease = until
	if moved {
		run.due = until.Add(time.Nanosecond)
	}
	e.jobsMu.Unlock()
}

// lapsed acts on claimed timer t, a claim of reactor r whose lease ended:
// a run of this engine that holds it keeps it (its timers moved it), and
// the claim of a run that stopped is deleted, so that the job goes to the
// next claim.
func (e *Engine) lapsed(ctx context.Context, r *reactor, t store.ClaimedTimer) {
	k := jobKey{r.kind, t.Workspace, t.Key}
	e.jobsMu.Lock()
	if run := e.jobsRunning[k]; run != nil && run.lease.Equal(t.Due) {
		run.lease = t.Lease
		e.jobsMu.Unlock()
		return
	}
	e.jobsMu.Unlock()
	if _, err := e.exec(ctx, "lapsed reaction claim", conversation.System(), func(tx store.Tx, _ *step) error {
		_, err := tx.DeleteTimerAt(ctx, r.claim, t.Workspace, t.Key, t.Lease)
		return err
	}); err != nil {
		e.log.WarnContext(ctx, "a lapsed claim could not be deleted; it is due again after its lease", "reaction", r.name, "key", t.Key, "err", err)
	}
}

// jobState holds the engine's running jobs.
type jobState struct {
	jobsMu        sync.Mutex
	jobsRunning   map[jobKey]*jobRun
	jobsWG        sync.WaitGroup // runJobsLeft
	reactionGrace time.Duration  // Config.ReactionGrace
}

// runJobAsync runs job j in the background, as runJob does, and
// publishes what it stored; a job of an engine that closes stays stored,
// and is due again.
func (e *Engine) runJobAsync(ctx context.Context, j job) {
	e.background(ctx, func(ctx context.Context) {
		if stored, _ := e.runJob(ctx, &j); stored {
			_ = e.publishEvents(ctx) // failures are logged; the change is committed
		}
	})
}

// background runs fn on its own goroutine, which Close waits for, with a
// context of ctx's values that Close cancels: what fn has not committed
// then stays to do. An engine that closes starts nothing.
func (e *Engine) background(ctx context.Context, fn func(ctx context.Context)) {
	e.jobsMu.Lock()
	select {
	case <-e.closed:
		e.jobsMu.Unlock()
		return
	default:
	}
	e.jobsWG.Add(1) // under jobsMu, so never after Close's Wait began
	e.busy.Add(1)
	e.jobsMu.Unlock()
	go func() {
		defer e.jobsWG.Done()
		defer e.busy.Add(-1)
		ctx, cancel := context.WithCancel(plainContext{context.WithoutCancel(ctx)})
		defer cancel()
		stop := context.AfterFunc(e.closedCtx, cancel)
		defer stop()
		fn(ctx)
	}()
}
