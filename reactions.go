package contactcenter

import (
	"context"
	"encoding/json"
	"fmt"
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
// start one job, which runs once for all of them, and the jobs of one key
// run one at a time in an engine, in the order their events committed.
// The engine that stored the events runs the job at once, after the
// commit, in the call that stored them (or, when a job of the key is
// running already, right after that one, in the background); when it
// stopped first, a job waits its grace
// (Config.ReactionGrace) before another engine takes it. A React that runs
// longer than the grace may meanwhile be run by another engine too: keep
// reactions quick, or raise the grace.
type Reaction struct {
	// Name names the reaction; it is stored with the reaction's jobs, so
	// it stays the same across versions of the host. Names with the
	// engine's prefixes ("reaction.", the engine's own reactions) are
	// taken.
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
	// again after the grace, then once a minute while it fails.
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

// reactionPrefix begins the timer kind of a reaction's jobs.
const reactionPrefix = "reaction."

// reactor is a reaction as the engine runs it: a host's Reaction, or one
// of the engine's own, which runs in steps.
type reactor struct {
	name string
	kind conversation.TimerKind
	key  func(e *conversation.Event) (string, bool)
	// react is a host's reaction.
	react func(ctx context.Context, j Job) error
	// step is the engine's own: one transaction of the reaction, which
	// says whether another follows.
	step func(ctx context.Context, tx store.Tx, s *step, j *job) (more bool, err error)
}

// job is a stored job of a reactor.
type job struct {
	r     *reactor
	ws    ticket.WorkspaceID
	key   string
	due   time.Time // its timer's due time, for DeleteTimerAt
	event conversation.Event
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

// jobRun is a key whose jobs run in this engine. again asks for one more
// run, of next, a job stored since the run began; lease is set when this
// engine's timers claimed the very job that runs (so the run deletes it at
// the claim's due time, and does not run again).
type jobRun struct {
	due   time.Time // the due time of the job that runs
	again bool
	next  job
	lease time.Time
}

// addReactions checks and registers the host's reactions.
func (e *Engine) addReactions(rs []Reaction) error {
	seen := map[string]bool{}
	for _, r := range rs {
		switch {
		case r.Name == "" || r.Key == nil || r.React == nil:
			return fmt.Errorf("%w: reaction %q needs a name, Key and React", conversation.ErrInvalid, r.Name)
		case seen[r.Name] || strings.HasPrefix(r.Name, reactionPrefix) || r.Name == assignReaction:
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
	return nil
}

// reactorOf returns the reactor whose jobs are timers of kind, if any.
func (e *Engine) reactorOf(kind conversation.TimerKind) *reactor {
	if !strings.HasPrefix(string(kind), reactionPrefix) {
		return nil
	}
	for _, r := range e.reactors {
		if r.kind == kind {
			return r
		}
	}
	return nil
}

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
// unless the step started that job already.
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
	// A nonce below a microsecond keeps the due times of one key apart
	// even on a clock that stands still, since the job is deleted only at
	// its own due time (DeleteTimerAt).
	due := s.now().Add(s.e.reactionGrace + time.Duration(s.e.jobNonce.Add(1)%1000))
	if err := tx.SetTimer(ctx, store.Timer{Kind: r.kind, Workspace: ws, Key: key, Due: due, Payload: payload}); err != nil {
		return err
	}
	s.timers = true
	s.jobs = append(s.jobs, job{r: r, ws: ws, key: key, due: due, event: *ev})
	return nil
}

// jobOf returns the job that the claimed timer t of reactor r is.
func jobOf(r *reactor, t store.ClaimedTimer) job {
	j := job{r: r, ws: t.Workspace, key: t.Key, due: t.Lease, was: t.Due}
	if len(t.Payload) > 0 {
		_ = json.Unmarshal(t.Payload, &j.event) // a payload it cannot read leaves the event empty
	}
	j.event.Workspace = t.Workspace
	return j
}

// runJob runs job j, one run at a time per key in the engine. A job whose
// key is running is left to that run, which runs once more for it. The
// caller runs its own job; what is stored for the key meanwhile runs in
// the background, so that no caller is held up by others' jobs. Once a run
// succeeds its job is deleted, unless it was stored again meanwhile. It
// reports whether events may have been stored. A failure is logged; the
// job stays and is due again.
func (e *Engine) runJob(ctx context.Context, j *job) (stored bool) {
	k := jobKey{j.r.kind, j.ws, j.key}
	e.jobsMu.Lock()
	if run, ok := e.jobsRunning[k]; ok {
		if !j.was.IsZero() && j.was.Equal(run.due) {
			run.lease = j.due // this engine's timers claimed the job that runs
		} else {
			run.again, run.next = true, *j
		}
		e.jobsMu.Unlock()
		return false
	}
	run := &jobRun{due: j.due}
	e.jobsRunning[k] = run
	e.jobsMu.Unlock()

	stored = e.runJobOnce(ctx, k, j)
	e.jobsMu.Lock()
	if !run.again {
		delete(e.jobsRunning, k)
		e.jobsMu.Unlock()
		return stored
	}
	e.jobsMu.Unlock()
	e.jobsWG.Add(1)
	go e.runJobsLeft(plainContext{context.WithoutCancel(ctx)}, k, run)
	return stored
}

// runJobsLeft runs the jobs stored for key k while its run was busy, until
// none is left or the engine closes (they stay stored, and are due again).
func (e *Engine) runJobsLeft(ctx context.Context, k jobKey, run *jobRun) {
	defer e.jobsWG.Done()
	for {
		e.jobsMu.Lock()
		stop := false
		select {
		case <-e.closed:
			stop = true
		default:
		}
		if stop || !run.again {
			delete(e.jobsRunning, k)
			e.jobsMu.Unlock()
			return
		}
		cur := run.next
		run.again, run.due, run.lease = false, cur.due, time.Time{}
		e.jobsMu.Unlock()
		e.runJobOnce(ctx, k, &cur)
	}
}

// doneDue returns the due time at which the job of key k that ran is
// deleted: its own, or that of this engine's claim of it meanwhile.
func (e *Engine) doneDue(k jobKey, j *job) time.Time {
	e.jobsMu.Lock()
	defer e.jobsMu.Unlock()
	if run := e.jobsRunning[k]; run != nil && !run.lease.IsZero() {
		return run.lease
	}
	return j.due
}

// runJobOnce runs job j of key k once.
func (e *Engine) runJobOnce(ctx context.Context, k jobKey, j *job) (stored bool) {
	r := j.r
	rctx := withCause(ctx, j.event.Cause.Then(r.name, e.newID()))
	if r.step != nil {
		for {
			more := false
			s, err := e.exec(rctx, r.name, conversation.System(), func(tx store.Tx, s *step) error {
				var err error
				if more, err = r.step(rctx, tx, s, j); err != nil || more {
					return err
				}
				_, err = tx.DeleteTimerAt(rctx, r.kind, j.ws, j.key, e.doneDue(k, j))
				return err
			})
			if err != nil {
				e.log.WarnContext(ctx, "a reaction failed; it runs again later", "reaction", r.name, "workspace", j.ws, "key", j.key, "err", err)
				return stored
			}
			stored = stored || s.events > 0
			e.advance(rctx, s)
			if !more {
				return stored
			}
			j.after = j.next
		}
	}
	err := r.react(rctx, Job{Reaction: r.name, Workspace: j.ws, Key: j.key, Event: j.event})
	if err != nil {
		e.log.WarnContext(ctx, "a reaction failed; it runs again later", "reaction", r.name, "workspace", j.ws, "key", j.key, "err", err)
		return true
	}
	due := e.doneDue(k, j)
	if _, err := e.exec(ctx, "reaction done", conversation.System(), func(tx store.Tx, _ *step) error {
		_, err := tx.DeleteTimerAt(ctx, r.kind, j.ws, j.key, due)
		return err
	}); err != nil {
		e.log.WarnContext(ctx, "a reaction ran but its job could not be deleted; it runs again later", "reaction", r.name, "key", j.key, "err", err)
	}
	return true
}

// jobState holds the engine's running jobs.
type jobState struct {
	jobsMu        sync.Mutex
	jobsRunning   map[jobKey]*jobRun
	jobsWG        sync.WaitGroup // runJobsLeft
	jobNonce      atomic.Uint64
	reactionGrace time.Duration // Config.ReactionGrace
}
