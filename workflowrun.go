package contactcenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
	"github.com/telenet/contactcenter/workflow"
)

// A run of a workflow (R16) is a record in the store (store.WorkflowRun)
// that holds where the run is, what it waits for, and its history. It is
// created in the transaction that stores the event that triggers it, so
// that a process that stops right after loses no run, with a timer of
// kind workflow.run keyed by the run, due after the reaction grace: the
// engine that stored the event drives the run at once after the commit,
// and any engine's timers take it when that one stopped first.
//
// A run is driven one step per transaction: the transaction reads the
// run, applies its next step's effect and writes the run, whose version
// the store checks. Two engines that drive one run cannot both apply a
// step: the second one's write fails, and it reads the run again, past
// the step. So each step's effect happens once; only a host's step
// (workflow.Call), which runs outside any transaction, may run again
// after a crash, with the same idempotency key.
//
// A wait is the run's timer, due when the wait ends; a wait for an event
// is ended by the transaction that stores the event. The close of a
// conversation cancels the waits of its runs, unless the definition
// keeps them (KeepOnClose).
//
// Every event of a run's steps carries the run as its cause (Kind
// conversation.CauseWorkflow, Name the workflow, ID the run): a workflow
// never starts on its own runs' events, and a chain of workflows that
// start one another ends at MaxWorkflowDepth. Both are recorded as
// skipped runs.

// The engine's timer kinds of workflows. The prefix is the engine's.
const (
	workflowPrefix = "workflow."
	// timerWorkflowRun drives a run: due after the grace while it runs,
	// at the end of its wait while it waits.
	timerWorkflowRun conversation.TimerKind = workflowPrefix + "run"
	// timerWorkflowClock fires a time-based trigger of one workflow on
	// one conversation, keyed by the conversation and the workflow.
	timerWorkflowClock conversation.TimerKind = workflowPrefix + "clock"
)

// MaxWorkflowDepth bounds a chain of workflows: an event this deep in
// its chain (conversation.Cause.Depth) starts no workflow, and the run it
// would have started is recorded as skipped (R16).
const MaxWorkflowDepth = 8

// EventWorkflowNotified: a workflow's Notify step, for the host: Detail is
// the notification's name, Data its data, Cause the run.
const EventWorkflowNotified conversation.EventType = "workflow.notified"

// ReasonWorkflow is the close reason of a conversation a workflow's Close
// step closed.
const ReasonWorkflow conversation.CloseReason = "workflow"

// RunState is where a run of a workflow is in its life.
type RunState string

// Run states.
const (
	// RunRunning: the run takes its steps.
	RunRunning RunState = "running"
	// RunWaiting: the run waits (a Wait step).
	RunWaiting RunState = "waiting"
	// RunDone: the run took its last step.
	RunDone RunState = "done"
	// RunCancelled: the run's wait was cancelled (its conversation closed).
	RunCancelled RunState = "cancelled"
	// RunFailed: a step failed as often as the engine tries it.
	RunFailed RunState = "failed"
	// RunSkipped: the run did not start, for the reason it gives: the
	// event was its own workflow's, or its chain was too deep.
	RunSkipped RunState = "skipped"
)

// StepOutcome is what one step of a run did.
type StepOutcome string

// Step outcomes.
const (
	// StepDone: the step's change was made.
	StepDone StepOutcome = "done"
	// StepUnchanged: there was nothing to change (a tag the ticket has); no
	// event was published.
	StepUnchanged StepOutcome = "unchanged"
	// StepSkipped: the step could not apply here (no conversation, a
	// closed one), as Detail says.
	StepSkipped StepOutcome = "skipped"
	// StepRefused: the rules refused the step (an unknown team, a missing
	// template), as Detail says; the run goes on.
	StepRefused StepOutcome = "refused"
	// StepPassed: a Branch or a Jump, which went on at Detail.
	StepPassed StepOutcome = "passed"
	// StepWaiting: a Wait began; StepResumed: it ended, by time or by the
	// event it waited for; StepTimedOut: it ended without the event;
	// StepCancelled: the conversation closed during it.
	StepWaiting   StepOutcome = "waiting"
	StepResumed   StepOutcome = "resumed"
	StepTimedOut  StepOutcome = "timed_out"
	StepCancelled StepOutcome = "cancelled"
	// StepFailed: a host's step failed as often as the engine tries it;
	// the run goes on.
	StepFailed StepOutcome = "failed"
)

// WorkflowRun is a run of a workflow, with its history (R16).
type WorkflowRun struct {
	ID        string             `json:"id"`
	Workspace ticket.WorkspaceID `json:"workspace"`
	Workflow  string             `json:"workflow"`
	// Version is the workflow's version the run follows to its end.
	Version      int              `json:"version"`
	Conversation conversation.ID  `json:"conversation,omitempty"`
	Ticket       ticket.ID        `json:"ticket,omitempty"`
	Contact      ticket.ContactID `json:"contact,omitempty"`
	State        RunState         `json:"state"`
	// Reason says why a run was skipped, cancelled or failed.
	Reason string `json:"reason,omitempty"`
	// Trigger is the event that started the run; for a time-based
	// trigger, an event of the trigger's kind at the time it fired.
	Trigger conversation.Event `json:"trigger"`
	// Conditions are the comparisons that started the run. The history
	// keeps their results, not the values compared (a contact's data):
	// Trace.Got is empty.
	Conditions []workflow.Trace `json:"conditions,omitempty"`
	// Steps are the steps the run took, in order.
	Steps     []RunStep `json:"steps,omitempty"`
	StartedAt time.Time `json:"started_at"`
	UpdatedAt time.Time `json:"updated_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`

	// Position is where the run is in its steps.
	Position workflow.Position `json:"position"`
	// Wait is the wait under way, while the run waits.
	Wait *RunWait `json:"wait,omitempty"`
	// Attempts counts the failed attempts of the step under way.
	Attempts int `json:"attempts,omitempty"`
	// Cause is the cause the run's events carry.
	Cause conversation.Cause `json:"cause"`

	version int64 // the store's version of the record
}

// RunStep is one step a run took, or went through.
type RunStep struct {
	// Step is the step's index in the definition, and ID its id.
	Step    int               `json:"step"`
	ID      string            `json:"id,omitempty"`
	Do      workflow.StepKind `json:"do"`
	At      time.Time         `json:"at"`
	Outcome StepOutcome       `json:"outcome"`
	Detail  string            `json:"detail,omitempty"`
	// Trace is a Branch's condition, as the run found it (Got empty).
	Trace []workflow.Trace `json:"trace,omitempty"`
}

// RunWait is a run's wait.
type RunWait struct {
	Step  int                  `json:"step"`
	Until time.Time            `json:"until"`
	Event workflow.TriggerKind `json:"event,omitempty"`
}

// Ended reports whether the run has ended.
func (r *WorkflowRun) Ended() bool { return r.State != RunRunning && r.State != RunWaiting }

// forever is the end of a wait for an event without a timeout.
var forever = sessionDue

// record returns r as the store keeps it.
func (r *WorkflowRun) record() (store.WorkflowRun, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return store.WorkflowRun{}, err
	}
	return store.WorkflowRun{Workspace: r.Workspace, ID: r.ID, Workflow: r.Workflow, Conversation: r.Conversation,
		Open: !r.Ended(), StartedAt: r.StartedAt, Version: r.version, Body: b}, nil
}

// runOf reads a stored run.
func runOf(rec store.WorkflowRun) (WorkflowRun, error) {
	var r WorkflowRun
	if err := json.Unmarshal(rec.Body, &r); err != nil {
		return r, fmt.Errorf("workflow run %q: stored record unreadable: %w", rec.ID, err)
	}
	r.version = rec.Version
	return r, nil
}

// saveRun writes run r in tx, created when new, with its timer: due at
// the end of its wait while it waits, due (when moved) while it runs,
// deleted once it ended.
func (s *step) saveRun(ctx context.Context, tx store.Tx, r *WorkflowRun, due time.Time) error {
	r.UpdatedAt = s.now()
	created := r.version == 0
	r.version++
	rec, err := r.record()
	if err != nil {
		return err
	}
	if created {
		err = tx.CreateWorkflowRun(ctx, rec)
	} else {
		err = tx.UpdateWorkflowRun(ctx, rec)
	}
	if err != nil {
		return err
	}
	switch {
	case r.Ended():
		if !created {
			return tx.DeleteTimer(ctx, timerWorkflowRun, r.Workspace, r.ID)
		}
		return nil
	case r.State == RunWaiting:
		due = r.Wait.Until
	}
	if due.IsZero() {
		return nil
	}
	s.timers = true
	return tx.SetTimer(ctx, store.Timer{Kind: timerWorkflowRun, Workspace: r.Workspace, Key: r.ID, Due: due})
}

// plain returns trace without the values compared, for a run's history.
func plain(trace []workflow.Trace) []workflow.Trace {
	out := make([]workflow.Trace, len(trace))
	for i, t := range trace {
		t.Got = ""
		out[i] = t
	}
	return out
}

// workflowsOn starts, in tx, the runs that event ev triggers, and ends
// the waits it ends or cancels.
func (s *step) workflowsOn(ctx context.Context, tx store.Tx, ev *conversation.Event) error {
	cfg, err := s.config(ctx, tx, ev.Workspace)
	if err != nil || cfg.wf == nil {
		return err
	}
	w := cfg.wf
	var l *snapLoader
	for _, cw := range w.byEvent[ev.Type] {
		if !cw.test.Matches(ev) {
			continue
		}
		if l == nil {
			// One loader per step, made again for each event: the
			// events of a step are tested one after another, each as of
			// its time.
			s.loader = snapLoader{s: s, tx: tx, cfg: cfg, ev: ev, now: ev.At}
			l = &s.loader
		}
		if err := s.startRun(ctx, tx, cw, l); err != nil {
			return err
		}
	}
	if w.waits && (ev.Conversation != "" || ev.Contact != "") && (w.until[ev.Type] || ev.Type == conversation.EventConversationClosed) {
		return s.wakeRuns(ctx, tx, cfg, ev)
	}
	return nil
}

// startRun starts in tx a run of workflow version cw for the event of l,
// if the event's cause and cw's conditions allow, or records it skipped.
func (s *step) startRun(ctx context.Context, tx store.Tx, cw *compiledWorkflow, l *snapLoader) error {
	ev := l.ev
	var reason string
	switch {
	case ev.Cause.Kind == conversation.CauseWorkflow && ev.Cause.Name == cw.name:
		reason = "the event is of a run of this workflow (R16)"
	case ev.Cause.Depth >= MaxWorkflowDepth:
		reason = fmt.Sprintf("the chain of workflows is %d deep, the most there may be (R16)", MaxWorkflowDepth)
	}
	snap, err := l.load(ctx, cw.needs)
	if err != nil {
		return err
	}
	// A skip is recorded only for a run that would have started.
	if !cw.test.Holds(snap) {
		return nil
	}
	var trace []workflow.Trace
	if reason == "" {
		_, trace = cw.test.Start(snap)
	}
	if snap, err = l.load(ctx, workflow.Needs{Conversation: true}); err != nil {
		return err
	}
	now := s.now()
	root := ev.Cause.Root
	if root == "" {
		root = ev.Cause.ID
	}
	r := &WorkflowRun{ID: s.e.newID(), Workspace: ev.Workspace, Workflow: cw.name, Version: cw.version,
		State: RunRunning, StartedAt: now, Trigger: *ev, Conditions: plain(trace)}
	r.Trigger.Data = nil
	r.Cause = conversation.Cause{Kind: conversation.CauseWorkflow, Name: cw.name, ID: r.ID, Root: root, Depth: ev.Cause.Depth + 1}
	if c := snap.Conversation; c != nil {
		r.Conversation, r.Ticket, r.Contact = c.ID, c.Ticket, c.Contact
	} else if ev.Contact != "" {
		r.Contact = ev.Contact
	}
	if reason != "" {
		r.State, r.Reason, r.EndedAt = RunSkipped, reason, now
		s.e.log.InfoContext(ctx, "a workflow run is skipped", "workflow", cw.name, "reason", reason, "event", ev.Type)
		return s.saveRun(ctx, tx, r, time.Time{})
	}
	if err := s.saveRun(ctx, tx, r, now.Add(s.e.reactionGrace+nonce())); err != nil {
		return err
	}
	s.runs = append(s.runs, runRef{r.Workspace, r.ID})
	return nil
}

// wakeRuns ends, in tx, the waits of conversation ev.Conversation's runs
// that event ev ends: a wait for an event of its kind resumes; a close
// cancels the others, unless their definition keeps them.
func (s *step) wakeRuns(ctx context.Context, tx store.Tx, cfg *wsConfig, ev *conversation.Event) error {
	conv := ev.Conversation
	if conv == "" {
		// An event about a contact (a field changed) is about the
		// contact's open conversation, as for the runs it starts.
		l := &snapLoader{s: s, tx: tx, cfg: cfg, ev: ev}
		c, err := l.conversation(ctx)
		if err != nil || c == nil {
			return err
		}
		conv = c.ID
	}
	f := store.RunFilter{Conversation: conv, OpenOnly: true, Limit: store.MaxRunPage}
	now := s.now()
	for {
		recs, next, err := tx.WorkflowRuns(ctx, ev.Workspace, f)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			r, err := runOf(rec)
			if err != nil {
				// One unreadable run holds up no event: it is left where
				// the history shows it.
				s.e.log.ErrorContext(ctx, "a workflow run cannot be read; it is left as it is", "run", rec.ID, "err", err)
				continue
			}
			if r.State != RunWaiting || r.Wait == nil {
				continue
			}
			cw := cfg.wf.version(r.Workflow, r.Version)
			if cw == nil {
				if fresh, err := s.e.config(ctx, tx, ev.Workspace, true); err != nil {
					return err
				} else if cw = fresh.wf.version(r.Workflow, r.Version); cw != nil {
					cfg = fresh
				}
			}
			st := RunStep{Step: r.Wait.Step, Do: workflow.Wait, At: now}
			switch {
			case r.Wait.Event != "" && (&workflow.Trigger{On: r.Wait.Event}).Matches(ev):
				st.Outcome, st.Detail = StepResumed, "event "+string(ev.Type)
				r.Position.Next = r.Wait.Step + 1
				r.State, r.Wait = RunRunning, nil
				s.runs = append(s.runs, runRef{r.Workspace, r.ID})
			case ev.Type == conversation.EventConversationClosed && (cw == nil || !cw.def.KeepOnClose):
				st.Outcome, st.Detail = StepCancelled, "the conversation closed"
				r.State, r.Reason, r.Wait, r.EndedAt = RunCancelled, "the conversation closed during a wait", nil, now
			default:
				continue
			}
			if cw != nil {
				st.ID = cw.def.Steps[st.Step].ID
			}
			r.Steps = append(r.Steps, st)
			if err := s.saveRun(ctx, tx, &r, now.Add(s.e.reactionGrace+nonce())); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		f.After = next
	}
}

// snapLoader loads, in a transaction, the parts of an event's snapshot
// that workflows need, each once.
type snapLoader struct {
	s     *step
	tx    store.Tx
	cfg   *wsConfig
	ev    *conversation.Event
	snap  workflow.Snapshot
	done  workflow.Needs
	begun bool // the event's parts are in snap
	conv  bool // the conversation was looked for
	now   time.Time
}

// load returns the snapshot with the parts of n loaded. The
// conversation is loaded for every part that is about it, and for a run
// (Needs.Conversation): a test of the event alone (a message's text) reads
// nothing more.
func (l *snapLoader) load(ctx context.Context, n workflow.Needs) (*workflow.Snapshot, error) {
	tx, ev, sn := l.tx, l.ev, &l.snap
	if !l.begun {
		l.begun = true
		if l.now.IsZero() {
			l.now = l.s.now()
		}
		sn.Event, sn.Now = *ev, l.now
		sn.Previous = string(ev.Previous)
		if ev.Type == conversation.EventContactFieldSet || ev.Type == conversation.EventContactFieldUnset {
			sn.Previous = l.s.prevField(ev.Contact, ev.Detail)
		}
	}
	if !l.conv && (n.Conversation || n.Contact || n.Ticket || n.First || n.Hours) {
		l.conv = true
		c, err := l.conversation(ctx)
		if err != nil {
			return nil, err
		}
		sn.Conversation = c
	}
	if n.Hours && sn.Hours == nil {
		cfg := l.cfg
		sn.Hours = func(service string) (open, ok bool) {
			h := cfg.serviceHours(service, sn.Conversation)
			if h == nil {
				return false, false
			}
			return h.IsOpen(sn.Now), true
		}
	}
	c := sn.Conversation
	contactID := ev.Contact
	if c != nil {
		contactID = c.Contact
	}
	if n.Ticket && !l.done.Ticket {
		l.done.Ticket = true
		id := ev.Ticket
		if c != nil {
			id = c.Ticket
		}
		if id != "" {
			t, err := tx.Ticket(ctx, ev.Workspace, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			} else if err == nil {
				sn.Ticket = &t
			}
		}
	}
	if n.Contact && !l.done.Contact && contactID != "" {
		l.done.Contact = true
		k, err := tx.Contact(ctx, ev.Workspace, contactID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		} else if err == nil {
			sn.Contact = &k
		}
	}
	if n.Message && !l.done.Message && ev.Message != "" {
		l.done.Message = true
		if w := l.s.writing; w != nil && w.MessageWrite != conversation.Keep && w.Message.ID == ev.Message {
			sn.Message = &w.Message // as the step writes it; the snapshot only reads
			return sn, nil
		}
		m, err := tx.Message(ctx, ev.Workspace, ev.Message)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		} else if err == nil {
			sn.Message = &m
		}
	}
	if n.First && !l.done.First && c != nil {
		l.done.First = true
		first, err := firstConversation(ctx, tx, c)
		if err != nil {
			return nil, err
		}
		sn.First = first
	}
	return sn, nil
}

// conversation returns the conversation the loader's event is about:
// its own, or, for an event about a contact, the contact's open one.
func (l *snapLoader) conversation(ctx context.Context) (*conversation.Conversation, error) {
	ev, tx := l.ev, l.tx
	if w := l.s.writing; w != nil && w.ConversationWrite != conversation.Keep && w.Conversation.ID == ev.Conversation && ev.Conversation != "" {
		return &w.Conversation, nil // as the step writes it; the snapshot only reads
	}
	if ev.Conversation != "" {
		c, err := tx.Conversation(ctx, ev.Workspace, ev.Conversation)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return &c, err
	}
	if ev.Contact == "" {
		return nil, nil
	}
	tks, err := tx.OpenTickets(ctx, ev.Workspace, ev.Contact)
	if err != nil {
		return nil, err
	}
	for _, t := range tks {
		c, err := tx.TicketConversation(ctx, ev.Workspace, t.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if c.State == conversation.Open {
			return &c, nil
		}
	}
	return nil, nil
}

// firstConversation reports whether c is its contact's first
// conversation: the only one of the contact's only ticket.
func firstConversation(ctx context.Context, tx store.Tx, c *conversation.Conversation) (bool, error) {
	tks, _, err := tx.ContactTickets(ctx, c.Workspace, c.Contact, store.TicketPage{Limit: 2})
	if err != nil || len(tks) != 1 {
		return false, err
	}
	convs, _, err := tx.TicketConversations(ctx, c.Workspace, tks[0].ID, store.ConversationPage{Limit: 2})
	if err != nil {
		return false, err
	}
	return len(convs) == 1 && convs[0].ID == c.ID, nil
}

// serviceHours returns the business hours named service, or, for "", the
// out-of-hours hours of conversation c's channel (its own or its
// service's); nil when there are none.
func (c *wsConfig) serviceHours(service string, conv *conversation.Conversation) conversation.Hours {
	if service != "" {
		if h := c.services[service]; h != nil {
			return h
		}
		return nil
	}
	if conv == nil {
		return nil
	}
	b, err := c.channel(conv.Channel)
	if err != nil {
		return nil
	}
	if b.hours != nil {
		return b.hours
	}
	if o := b.cfg.Settings.OutOfHours; o.Service != "" {
		if h := c.services[o.Service]; h != nil {
			return h
		}
	}
	return nil
}

// keepPrevious notes, before change ch writes its contact, the values of
// the contact's fields, for the OnFieldChanged triggers of the field
// events ch publishes ("previous").
func (s *step) keepPrevious(ctx context.Context, tx store.Tx, ch *conversation.Change) error {
	k := &ch.Contact
	fields := false
	for _, ev := range ch.Events() {
		fields = fields || ev.Type == conversation.EventContactFieldSet || ev.Type == conversation.EventContactFieldUnset
	}
	if !fields {
		return nil
	}
	cfg, err := s.config(ctx, tx, k.Workspace)
	if err != nil || cfg.wf == nil || !cfg.wf.fields {
		return err
	}
	old, err := tx.Contact(ctx, k.Workspace, k.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if s.previous == nil {
		s.previous = map[ticket.ContactID]map[string]string{}
	}
	if _, ok := s.previous[k.ID]; !ok {
		s.previous[k.ID] = old.Fields
	}
	return nil
}

// prevField returns the value field key of contact id had before the
// step changed it.
func (s *step) prevField(id ticket.ContactID, key string) string {
	return s.previous[id][key]
}

// clockState is the payload of a clock timer: when the state it measures
// began, and whether the trigger fired for it. A clock that fired stays,
// due never, until the state ends, so that the trigger fires once for
// each time the state began (R16).
type clockState struct {
	// On is the trigger kind the clock measures for.
	On    workflow.TriggerKind `json:"on"`
	Since time.Time            `json:"since"`
	Fired bool                 `json:"fired,omitempty"`
}

// clockOf reads a clock timer's payload; the zero state when it has
// none.
func clockOf(t *store.Timer) clockState {
	var st clockState
	_ = json.Unmarshal(t.Payload, &st)
	return st
}

// sameInstant reports whether a and b are one instant as the stores keep
// times (to the microsecond).
func sameInstant(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// workflowClocks keeps, in tx, the timers of the workspace's time-based
// workflows on the conversation change ch writes: a conversation that
// begins to wait in the queue starts OnWaiting's clock; a contact's
// message starts OnNoAgentReply's and stops OnNoContactReply's; an
// agent's message does the reverse; a closed conversation stops them all.
// A write during a state keeps its clock, and a clock that fired for the
// state stays fired. A clock of another trigger kind (a workflow's earlier
// version) counts as none.
func (s *step) workflowClocks(ctx context.Context, tx store.Tx, ch *conversation.Change) error {
	if ch.ConversationWrite == conversation.Keep && ch.MessageWrite != conversation.Create {
		return nil
	}
	c := &ch.Conversation
	if c.ID == "" {
		return nil
	}
	cfg, err := s.config(ctx, tx, c.Workspace)
	if err != nil || cfg.wf == nil || len(cfg.wf.timed) == 0 {
		return err
	}
	if p := &ch.Previous; ch.PreviousWrite != conversation.Keep && p.ID != "" && p.State != conversation.Open {
		// The conversation the change closes before it opens c (R6).
		for _, cw := range cfg.wf.timed {
			if err := tx.DeleteTimer(ctx, timerWorkflowClock, p.Workspace, string(p.ID)+"/"+cw.name); err != nil {
				return err
			}
		}
	}
	var fromContact, fromAgent bool
	if ch.MessageWrite == conversation.Create && ch.Message.Conversation == c.ID {
		m := &ch.Message
		fromContact = m.Direction == conversation.FromContact && m.Kind != conversation.KindCommand
		fromAgent = m.Direction == conversation.ToContact && m.Author.Kind == conversation.AuthorAgent
	}
	for _, cw := range cfg.wf.timed {
		key := string(c.ID) + "/" + cw.name
		on, after := cw.def.Trigger.On, cw.def.Trigger.After.D()
		set := func(since time.Time) error {
			b, err := json.Marshal(clockState{On: on, Since: since})
			if err != nil {
				return err
			}
			s.timers = true
			return tx.SetTimer(ctx, store.Timer{Kind: timerWorkflowClock, Workspace: c.Workspace, Key: key, Due: since.Add(after), Payload: b})
		}
		clear := func() error { return tx.DeleteTimer(ctx, timerWorkflowClock, c.Workspace, key) }
		if c.State != conversation.Open {
			if err := clear(); err != nil {
				return err
			}
			continue
		}
		var err error
		switch on {
		case workflow.OnWaiting:
			switch {
			case c.Waiting():
				if ch.ConversationWrite == conversation.Keep {
					break
				}
				// The same wait keeps its clock, running or fired.
				old, terr := tx.Timer(ctx, timerWorkflowClock, c.Workspace, key)
				switch {
				case terr == nil:
					if st := clockOf(&old); st.On == on && sameInstant(st.Since, c.WaitingSince) && (st.Fired || sameInstant(old.Due, c.WaitingSince.Add(after))) {
						break
					}
					err = set(c.WaitingSince)
				case errors.Is(terr, store.ErrNotFound):
					err = set(c.WaitingSince)
				default:
					err = terr
				}
			case ch.ConversationWrite != conversation.Keep:
				err = clear()
			}
		case workflow.OnNoAgentReply:
			switch {
			case fromContact:
				// The clock runs from the first message without a reply,
				// and fires once until an agent replies.
				old, terr := tx.Timer(ctx, timerWorkflowClock, c.Workspace, key)
				switch {
				case terr == nil:
					if clockOf(&old).On != on {
						err = set(ch.Message.CreatedAt)
					}
				case errors.Is(terr, store.ErrNotFound):
					err = set(ch.Message.CreatedAt)
				default:
					err = terr
				}
			case fromAgent:
				err = clear()
			}
		case workflow.OnNoContactReply:
			switch {
			case fromAgent:
				err = set(ch.Message.CreatedAt)
			case fromContact:
				err = clear()
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// clockFired acts on a time-based trigger that fell due: if the state it
// measures still holds, the workflow's current version starts a run on
// an event of the trigger's kind, and the clock stays as fired for that
// state.
func (e *Engine) clockFired(ctx context.Context, cause conversation.Cause, t store.ClaimedTimer) error {
	convID, name, ok := strings.Cut(t.Key, "/")
	if !ok {
		return e.dropTimer(ctx, t)
	}
	_, err := e.runAs(ctx, "workflow clock", conversation.System(), cause, func(tx store.Tx, s *step) error {
		deleted, err := tx.DeleteTimerAt(ctx, t.Kind, t.Workspace, t.Key, t.Lease)
		if err != nil || !deleted {
			return err // !deleted: the clock was moved or stopped since the claim
		}
		c, err := tx.Conversation(ctx, t.Workspace, conversation.ID(convID))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		cfg, err := s.config(ctx, tx, c.Workspace)
		if err != nil {
			return err
		}
		cw := cfg.wf.current(name)
		st := clockOf(&t.Timer)
		if cw == nil || !cw.def.Trigger.On.TimeBased() || c.State != conversation.Open || st.On != cw.def.Trigger.On {
			return nil // st.On: the clock measured for an earlier version's trigger
		}
		now := s.now()
		if cw.def.Trigger.On == workflow.OnWaiting {
			if !c.Waiting() {
				return nil
			}
			st.Since = c.WaitingSince
			if due := c.WaitingSince.Add(cw.def.Trigger.After.D()); now.Before(due) {
				b, err := json.Marshal(st)
				if err != nil {
					return err
				}
				s.timers = true
				return tx.SetTimer(ctx, store.Timer{Kind: timerWorkflowClock, Workspace: c.Workspace, Key: t.Key, Due: due, Payload: b})
			}
		}
		st.Fired = true
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if err := tx.SetTimer(ctx, store.Timer{Kind: timerWorkflowClock, Workspace: c.Workspace, Key: t.Key, Due: forever, Payload: b}); err != nil {
			return err
		}
		s.identify()
		ev := conversation.Event{Type: conversation.EventType(cw.def.Trigger.On), Workspace: c.Workspace, At: now,
			Conversation: c.ID, Ticket: c.Ticket, TicketNumber: c.TicketNumber, Contact: c.Contact, Channel: c.Channel,
			Actor: s.actor, Cause: s.cause}
		return s.startRun(ctx, tx, cw, &snapLoader{s: s, tx: tx, cfg: cfg, ev: &ev})
	})
	return err
}

// dropTimer deletes claimed timer t, which the engine cannot read.
func (e *Engine) dropTimer(ctx context.Context, t store.ClaimedTimer) error {
	e.log.WarnContext(ctx, "a timer the engine cannot read is deleted", "kind", t.Kind, "key", t.Key)
	_, err := e.exec(ctx, "drop timer", conversation.System(), func(tx store.Tx, _ *step) error {
		_, err := tx.DeleteTimerAt(ctx, t.Kind, t.Workspace, t.Key, t.Lease)
		return err
	})
	return err
}

// runFired drives the run whose timer fell due: its wait ended, or the
// engine that drove it stopped.
func (e *Engine) runFired(ctx context.Context, _ conversation.Cause, t store.ClaimedTimer) error {
	return e.driveRun(ctx, t.Workspace, t.Key, true, true)
}

// Bounds of a run.
const (
	// maxRunAttempts is how often a step that fails is tried before the
	// run fails (a host's step: before it is recorded failed and the run
	// goes on).
	maxRunAttempts = 5
	// maxRunSteps bounds the steps one drive takes; a run with more
	// goes on from its timer.
	maxRunSteps = 1000
)

// WorkflowStep is a host's step (workflow.Call), registered by name in
// Config.WorkflowSteps: the extension point for HTTP calls and CRM
// actions. It runs outside any store transaction, at least once per step
// of a run: a process that stops after it returned and before the
// outcome was stored calls it again with the same WorkflowCall.Key, which
// a step with effects elsewhere uses to do them once. An error is tried
// again, after a backoff, up to five attempts in all; then the step is
// recorded failed and the run goes on.
type WorkflowStep func(ctx context.Context, c WorkflowCall) error

// WorkflowCall is what a host's step is given.
type WorkflowCall struct {
	// Key is the same for every attempt of one step of one run, and
	// another for each time a run comes back to the step (a Jump).
	Key          string
	Workspace    ticket.WorkspaceID
	Workflow     string
	Version      int
	Run          string
	Step         int
	Conversation conversation.ID
	Ticket       ticket.ID
	Contact      ticket.ContactID
	// Name and Data are the step's.
	Name    string
	Data    map[string]string
	Attempt int
	// Cause is the run's: ctx carries it too, so that the events of the
	// engine's calls the step makes with ctx are the run's, and start no
	// run of its workflow again (R16).
	Cause conversation.Cause

	visit int // the run's steps recorded before the call
}

// driveAction is what a drive's transaction leaves to do after it
// committed.
type driveAction int

const (
	driveStop driveAction = iota // the run ended, waits, or is another's
	driveNext                    // a step was taken: the next follows
	driveCall                    // a host's step is to be called
)

// driveRun drives run id of workspace ws: one transaction per step until
// it ends, waits or reaches a host's step, which a background drive (bg)
// calls and any other drive leaves to one. fromTimer: the run's timer
// was claimed, and is set again to what the run is.
func (e *Engine) driveRun(ctx context.Context, ws ticket.WorkspaceID, id string, bg, fromTimer bool) error {
	for range maxRunSteps {
		var act driveAction
		var call WorkflowCall
		st, err := e.exec(ctx, "workflow step", conversation.System(), func(tx store.Tx, s *step) error {
			var err error
			act, call, err = s.runStep(ctx, tx, ws, id, bg, fromTimer)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			e.log.WarnContext(ctx, "a workflow run's step failed; it is tried again", "run", id, "err", err)
			return e.runStepFailed(ctx, ws, id, err)
		}
		e.advance(ctx, st)
		fromTimer = false
		switch act {
		case driveStop:
			return nil
		case driveCall:
			if !bg {
				e.driveRunAsync(ctx, ws, id)
				return nil
			}
			if err := e.callStep(ctx, call); err != nil {
				return err
			}
		}
	}
	return nil
}

// driveRunAsync drives run id in the background; a run of an engine that
// closes stays stored, and its timer drives it later.
func (e *Engine) driveRunAsync(ctx context.Context, ws ticket.WorkspaceID, id string) {
	e.background(ctx, func(ctx context.Context) {
		_ = e.driveRun(ctx, ws, id, true, false) // failures are logged and retried from the timer
		_ = e.publishEvents(ctx)
	})
}

// runRef names a run.
type runRef struct {
	ws ticket.WorkspaceID
	id string
}

// driveRuns drives the runs a committed step started or resumed.
func (e *Engine) driveRuns(ctx context.Context, runs []runRef) {
	for _, r := range runs {
		_ = e.driveRun(ctx, r.ws, r.id, false, false) // failures are logged and retried from the timer
	}
}

// runStepFailed counts a failed attempt of run id's step: the run's timer
// tries it again after a backoff, and after maxRunAttempts the run fails.
func (e *Engine) runStepFailed(ctx context.Context, ws ticket.WorkspaceID, id string, cause error) error {
	_, err := e.exec(ctx, "workflow step failed", conversation.System(), func(tx store.Tx, s *step) error {
		rec, err := tx.WorkflowRun(ctx, ws, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		r, err := runOf(rec)
		if err != nil || r.Ended() {
			return err
		}
		r.Attempts++
		if r.Attempts >= maxRunAttempts {
			r.State, r.Reason, r.EndedAt, r.Wait = RunFailed, fmt.Sprintf("step %d failed %d times: %v", r.Position.Next, r.Attempts, cause), s.now(), nil
		}
		return s.saveRun(ctx, tx, &r, s.now().Add(min(e.backoff(r.Attempts), maxWorkflowRetry)))
	})
	if err != nil {
		return err
	}
	return cause
}

// runStep takes, in tx, run id's next step, if it is due.
func (s *step) runStep(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, id string, bg, fromTimer bool) (driveAction, WorkflowCall, error) {
	rec, err := tx.WorkflowRun(ctx, ws, id)
	if errors.Is(err, store.ErrNotFound) {
		if fromTimer {
			return driveStop, WorkflowCall{}, tx.DeleteTimer(ctx, timerWorkflowRun, ws, id)
		}
		return driveStop, WorkflowCall{}, nil
	} else if err != nil {
		return driveStop, WorkflowCall{}, err
	}
	r, err := runOf(rec)
	if err != nil {
		// A poison record is put aside: its timer is deleted, the record
		// stays where the history shows it.
		s.e.log.ErrorContext(ctx, "a workflow run cannot be read; it is left as it is and driven no more", "run", id, "err", err)
		return driveStop, WorkflowCall{}, tx.DeleteTimer(ctx, timerWorkflowRun, ws, id)
	}
	s.actor, s.cause = conversation.AsWorkflow(r.Workflow), r.Cause
	now := s.now()
	if r.Ended() {
		if fromTimer {
			return driveStop, WorkflowCall{}, tx.DeleteTimer(ctx, timerWorkflowRun, ws, id)
		}
		return driveStop, WorkflowCall{}, nil
	}
	cfg, err := s.config(ctx, tx, ws)
	if err != nil {
		return driveStop, WorkflowCall{}, err
	}
	cw := cfg.wf.version(r.Workflow, r.Version)
	if cw == nil {
		if cfg, err = s.e.config(ctx, tx, ws, true); err != nil {
			return driveStop, WorkflowCall{}, err
		}
		s.cfg = cfg
		if cw = cfg.wf.version(r.Workflow, r.Version); cw == nil {
			r.State, r.Reason, r.EndedAt = RunFailed, fmt.Sprintf("version %d of workflow %q is gone", r.Version, r.Workflow), now
			return driveStop, WorkflowCall{}, s.saveRun(ctx, tx, &r, time.Time{})
		}
	}
	steps := cw.def.Steps
	if r.State == RunWaiting {
		w := r.Wait
		if now.Before(w.Until) {
			if fromTimer {
				return driveStop, WorkflowCall{}, s.saveRun(ctx, tx, &r, time.Time{})
			}
			return driveStop, WorkflowCall{}, nil
		}
		if !cw.def.KeepOnClose && r.Conversation != "" {
			// A close that this engine's copy of the workflows missed
			// cancels the wait all the same.
			c, err := tx.Conversation(ctx, ws, r.Conversation)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return driveStop, WorkflowCall{}, err
			}
			if err == nil && c.State == conversation.Closed {
				r.Steps = append(r.Steps, RunStep{Step: w.Step, ID: steps[w.Step].ID, Do: workflow.Wait, At: now, Outcome: StepCancelled, Detail: "the conversation closed"})
				r.State, r.Reason, r.Wait, r.EndedAt = RunCancelled, "the conversation closed during a wait", nil, now
				return driveStop, WorkflowCall{}, s.saveRun(ctx, tx, &r, time.Time{})
			}
		}
		st := RunStep{Step: w.Step, ID: steps[w.Step].ID, Do: workflow.Wait, At: now, Outcome: StepResumed, Detail: "the wait ended"}
		r.Position.Next = w.Step + 1
		if w.Event != "" {
			st.Outcome, st.Detail = StepTimedOut, "no "+string(w.Event)+" came in time"
			if to := steps[w.Step].OnTimeout; to != "" {
				r.Position.Next = cw.def.Index(to)
			}
		}
		r.Steps = append(r.Steps, st)
		r.State, r.Wait = RunRunning, nil
	}
	l := &snapLoader{s: s, tx: tx, cfg: cfg, ev: &r.Trigger}
	if r.Conversation != "" {
		l.ev = &conversation.Event{}
		*l.ev = r.Trigger
		l.ev.Conversation = r.Conversation
	}
	needs := cw.needs
	needs.Conversation = true
	snap, err := l.load(ctx, needs)
	if err != nil {
		return driveStop, WorkflowCall{}, err
	}
	idx, passed := cw.def.Next(&r.Position, snap)
	for _, p := range passed {
		to := "the end"
		if p.To < len(steps) {
			to = "step " + strconv.Itoa(p.To)
			if steps[p.To].ID != "" {
				to += " (" + steps[p.To].ID + ")"
			}
		}
		r.Steps = append(r.Steps, RunStep{Step: p.Step, ID: steps[p.Step].ID, Do: p.Do, At: now, Outcome: StepPassed,
			Detail: fmt.Sprintf("taken: %t; on at %s", p.Taken, to), Trace: plain(p.Trace)})
	}
	if idx < 0 || idx >= len(steps) {
		r.State, r.EndedAt, r.Attempts = RunDone, now, 0
		return driveStop, WorkflowCall{}, s.saveRun(ctx, tx, &r, time.Time{})
	}
	st := &steps[idx]
	rs := RunStep{Step: idx, ID: st.ID, Do: st.Do, At: now}
	switch st.Do {
	case workflow.Wait:
		w := &RunWait{Step: idx, Event: st.Until}
		switch {
		case st.Until == "":
			w.Until = now.Add(st.For.D())
			rs.Detail = "for " + st.For.String()
		case st.Timeout > 0:
			w.Until = now.Add(st.Timeout.D())
			rs.Detail = "until " + string(st.Until) + ", at most " + st.Timeout.String()
		default:
			w.Until = forever
			rs.Detail = "until " + string(st.Until)
		}
		rs.Outcome = StepWaiting
		r.Steps = append(r.Steps, rs)
		r.State, r.Wait, r.Attempts = RunWaiting, w, 0
		return driveStop, WorkflowCall{}, s.saveRun(ctx, tx, &r, time.Time{})
	case workflow.Call:
		if !bg {
			if len(passed) > 0 || fromTimer {
				return driveCall, WorkflowCall{}, s.saveRun(ctx, tx, &r, now.Add(s.e.reactionGrace+nonce()))
			}
			return driveCall, WorkflowCall{}, nil
		}
		// The position, past the branches, is kept before the call, and
		// the run's timer moved past the call's timeout, so that another
		// engine does not call it meanwhile.
		if err := s.saveRun(ctx, tx, &r, now.Add(s.e.stepTimeout+s.e.reactionGrace+nonce())); err != nil {
			return driveStop, WorkflowCall{}, err
		}
		visit := len(r.Steps)
		return driveCall, WorkflowCall{Key: r.ID + ":" + strconv.Itoa(idx) + ":" + strconv.Itoa(visit), visit: visit, Cause: r.Cause, Workspace: ws, Workflow: r.Workflow, Version: r.Version,
			Run: r.ID, Step: idx, Conversation: r.Conversation, Ticket: r.Ticket, Contact: r.Contact, Name: st.Name, Data: st.Data,
			Attempt: r.Attempts + 1}, nil
	}
	rs.Outcome, rs.Detail, err = s.workflowEffect(ctx, tx, cfg, &r, st)
	if err != nil {
		return driveStop, WorkflowCall{}, err
	}
	r.Steps = append(r.Steps, rs)
	r.Position.Next, r.Attempts = idx+1, 0
	return driveNext, WorkflowCall{}, s.saveRun(ctx, tx, &r, time.Time{})
}

// callStep calls the host's step of call, then records its outcome in
// its run, if the run is still at that step: done, and the run goes on;
// or a failed attempt, tried again from the run's timer, and after
// maxRunAttempts recorded failed, and the run goes on.
func (e *Engine) callStep(ctx context.Context, call WorkflowCall) error {
	h := e.workflowSteps[call.Name]
	var cerr error
	if h == nil {
		cerr = fmt.Errorf("host step %q is not registered with this engine (Config.WorkflowSteps)", call.Name)
	} else {
		cctx, cancel := context.WithTimeout(ctx, e.stepTimeout)
		cerr = func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("host step %q panicked: %v", call.Name, p)
				}
			}()
			return h(withCause(cctx, call.Cause), call)
		}()
		cancel()
	}
	if ctx.Err() != nil {
		return ctx.Err() // the engine closes: the step stays to do
	}
	if cerr != nil {
		e.log.WarnContext(ctx, "a workflow's host step failed", "step", call.Name, "run", call.Run, "attempt", call.Attempt, "err", cerr)
	}
	var retry bool
	st, err := e.exec(ctx, "workflow call", conversation.System(), func(tx store.Tx, s *step) error {
		retry = false
		rec, err := tx.WorkflowRun(ctx, call.Workspace, call.Run)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		r, err := runOf(rec)
		if err != nil || r.Ended() || r.State != RunRunning || r.Position.Next != call.Step || len(r.Steps) != call.visit {
			return err // another drive recorded it
		}
		s.actor, s.cause = conversation.AsWorkflow(r.Workflow), r.Cause
		now := s.now()
		rs := RunStep{Step: call.Step, Do: workflow.Call, At: now, Outcome: StepDone, Detail: call.Name}
		if cw := s.cfgWorkflows(call.Workspace).version(r.Workflow, r.Version); cw != nil && call.Step < len(cw.def.Steps) {
			rs.ID = cw.def.Steps[call.Step].ID
		}
		if cerr != nil {
			r.Attempts++
			if r.Attempts < maxRunAttempts {
				retry = true
				return s.saveRun(ctx, tx, &r, now.Add(min(e.backoff(r.Attempts), maxWorkflowRetry)))
			}
			rs.Outcome, rs.Detail = StepFailed, fmt.Sprintf("%s: %d attempts: %v", call.Name, r.Attempts, cerr)
		}
		r.Steps = append(r.Steps, rs)
		r.Position.Next, r.Attempts = call.Step+1, 0
		return s.saveRun(ctx, tx, &r, time.Time{})
	})
	if err != nil {
		return err
	}
	e.advance(ctx, st)
	if retry {
		return cerr
	}
	return nil
}

// errNoConversation: a step that needs a conversation, in a run about
// none.
var errNoConversation = errors.New("the run is about no conversation")

// workflowEffect applies step st of run r in tx, with actor the workflow
// (R16), and says what it did. A step the rules refuse is recorded and
// the run goes on; what fails in the store fails the transaction.
func (s *step) workflowEffect(ctx context.Context, tx store.Tx, cfg *wsConfig, r *WorkflowRun, st *workflow.Step) (StepOutcome, string, error) {
	now, by := s.now(), s.actor
	if st.Do == workflow.Notify {
		ev := conversation.Event{Type: EventWorkflowNotified, Workspace: r.Workspace, At: now, Conversation: r.Conversation,
			Ticket: r.Ticket, Contact: r.Contact, Detail: st.Name}
		if len(st.Data) > 0 {
			ev.Data = make(map[string]string, len(st.Data))
			for k, v := range st.Data {
				ev.Data[k] = v
			}
		}
		return StepDone, st.Name, s.emitOne(ctx, tx, ev)
	}
	if r.Conversation == "" {
		return StepSkipped, errNoConversation.Error(), nil
	}
	c, err := tx.Conversation(ctx, r.Workspace, r.Conversation)
	if errors.Is(err, store.ErrNotFound) {
		return StepSkipped, "the conversation is gone", nil
	} else if err != nil {
		return "", "", err
	}
	var open *conversation.Conversation
	if c.State == conversation.Open {
		open = &c
	}
	needsOpen := st.Do == workflow.Assign || st.Do == workflow.Unassign || st.Do == workflow.Send || st.Do == workflow.Close || st.Do == workflow.HandToBot
	if needsOpen && open == nil {
		return StepSkipped, "the conversation is closed", nil
	}
	var ch conversation.Change
	detail := ""
	switch st.Do {
	case workflow.Assign:
		switch {
		case st.Strategy != "":
			return s.assignByStrategy(ctx, tx, &c, st)
		case st.Agent != "":
			a, lerr := tx.Agent(ctx, c.Workspace, conversation.AgentID(st.Agent))
			if lerr != nil {
				err = notFoundAs(lerr, conversation.ErrAgentNotFound, "agent", st.Agent)
				break
			}
			ch, err = conversation.Assign(&c, by, &a, now)
			detail = "agent " + st.Agent
		default:
			t, lerr := tx.Team(ctx, c.Workspace, conversation.TeamID(st.Team))
			if lerr != nil {
				err = notFoundAs(lerr, conversation.ErrTeamNotFound, "team", st.Team)
				break
			}
			ch, err = conversation.TransferToTeam(&c, by, &t, now)
			detail = "team " + st.Team
		}
	case workflow.Unassign:
		ch, err = conversation.Unassign(&c, by, now)
	case workflow.Send:
		var t *template.Template
		if st.Snippet != "" {
			sn, found := cfg.snippets.Get(st.Snippet)
			if !found {
				err = fmt.Errorf("snippet %q: %w", st.Snippet, template.ErrNotFound)
				break
			}
			t, detail = sn.Template, "snippet "+st.Snippet
		} else {
			if t, err = cfg.template(st.Template); err != nil {
				break
			}
			detail = "template " + st.Template
		}
		text, rerr := s.render(ctx, tx, cfg, &c, t)
		if rerr != nil {
			return "", "", rerr
		}
		if strings.TrimSpace(text) == "" {
			err = fmt.Errorf("%w: the template renders blank", conversation.ErrInvalid)
			break
		}
		ch = conversation.Change{Conversation: c}
		err = ch.AddAutomatic(conversation.Message{ID: conversation.MessageID(s.e.newID()), Text: text}, now)
	case workflow.Tag, workflow.Untag, workflow.SetPriority:
		tk, lerr := tx.Ticket(ctx, c.Workspace, c.Ticket)
		if errors.Is(lerr, store.ErrNotFound) {
			return StepSkipped, "the ticket is gone", nil
		} else if lerr != nil {
			return "", "", lerr
		}
		switch st.Do {
		case workflow.Tag:
			ch, err = conversation.TagTicket(&tk, open, by, st.Tag, now)
			detail = st.Tag
		case workflow.Untag:
			ch, err = conversation.UntagTicket(&tk, open, by, st.Tag, now)
			detail = st.Tag
		default:
			p, perr := parsePriority(st.Priority)
			if perr != nil {
				err = perr
				break
			}
			ch, err = conversation.SetPriority(&tk, open, by, p, now)
			detail = st.Priority
		}
	case workflow.SetField, workflow.UnsetField:
		k, lerr := tx.Contact(ctx, c.Workspace, c.Contact)
		if errors.Is(lerr, store.ErrNotFound) {
			return StepSkipped, "the contact is gone", nil
		} else if lerr != nil {
			return "", "", lerr
		}
		detail = st.Field
		if st.Do == workflow.SetField {
			ch, err = conversation.SetContactField(&k, by, st.Field, st.Value, now)
		} else {
			ch, err = conversation.UnsetContactField(&k, by, st.Field, now)
		}
	case workflow.Close:
		ch, err = conversation.Close(&c, by, ReasonWorkflow, conversation.ClosingNote{Summary: st.Note}, now)
	case workflow.HandToBot:
		b, berr := cfg.channel(c.Channel)
		if berr != nil {
			err = berr
			break
		}
		bot := st.Name
		if bot == "" {
			bot = b.cfg.Settings.Bot.Name
		}
		if bot == "" {
			err = fmt.Errorf("%w: channel %q has no bot (R2)", conversation.ErrInvalid, c.Channel)
			break
		}
		if c.Held() && c.Bot == bot {
			return StepUnchanged, "bot " + bot, nil
		}
		if err := s.handToBot(ctx, tx, &c, bot, "", chatbot.TurnResumed); err != nil {
			if refusal(err) {
				return StepRefused, err.Error(), nil
			}
			return "", "", err
		}
		return StepDone, "bot " + bot, nil
	default:
		err = fmt.Errorf("%w: step %q", conversation.ErrInvalid, st.Do)
	}
	if err != nil {
		if refusal(err) {
			return StepRefused, err.Error(), nil
		}
		return "", "", err
	}
	if ch.Empty() {
		return StepUnchanged, detail, nil
	}
	return StepDone, detail, s.add(ctx, tx, &ch)
}

// assignByStrategy assigns conversation c to an agent of step st's team
// (or of the workspace) whom the named strategy chooses among those with
// room now; with none, the conversation waits in the team's queue.
func (s *step) assignByStrategy(ctx context.Context, tx store.Tx, c *conversation.Conversation, st *workflow.Step) (StepOutcome, string, error) {
	strategy := s.e.strategies[st.Strategy]
	if strategy == nil {
		return StepRefused, fmt.Sprintf("%v: strategy %q is not the engine's", conversation.ErrInvalid, st.Strategy), nil
	}
	var team *conversation.Team
	if st.Team != "" {
		t, err := tx.Team(ctx, c.Workspace, conversation.TeamID(st.Team))
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return StepRefused, notFoundAs(err, conversation.ErrTeamNotFound, "team", st.Team).Error(), nil
			}
			return "", "", err
		}
		team = &t
	}
	agents, err := tx.Agents(ctx, c.Workspace)
	if err != nil {
		return "", "", err
	}
	loads, err := store.Workload(ctx, tx, c.Workspace)
	if err != nil {
		return "", "", err
	}
	tid := c.Team
	if team != nil {
		tid = team.ID
	}
	now := s.now()
	ch, agent, ok, err := conversation.AutoAssign(c, strategy, conversation.Eligible(c, tid, agents, loads), now)
	if err != nil {
		if refusal(err) {
			return StepRefused, err.Error(), nil
		}
		return "", "", err
	}
	if ok {
		return StepDone, "agent " + string(agent.ID) + " by " + st.Strategy, s.add(ctx, tx, &ch)
	}
	if team == nil || c.Team == team.ID {
		return StepUnchanged, "no agent has room; it waits", nil
	}
	ch, err = conversation.TransferToTeam(c, s.actor, team, now)
	if err != nil {
		if refusal(err) {
			return StepRefused, err.Error(), nil
		}
		return "", "", err
	}
	return StepDone, "no agent has room; it waits for team " + st.Team, s.add(ctx, tx, &ch)
}

// cfgWorkflows returns the workflows of the engine's copy of workspace
// ws's configuration; nil when it has none.
func (s *step) cfgWorkflows(ws ticket.WorkspaceID) *wfConfig {
	if c := s.e.cached(ws); c != nil {
		return c.wf
	}
	return nil
}

// parsePriority reads a priority's name (ticket.Priority.String).
func parsePriority(name string) (ticket.Priority, error) {
	for p := ticket.PriorityLow; p <= ticket.PriorityUrgent; p++ {
		if p.String() == name {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%w: priority %q", ticket.ErrInvalid, name)
}

// WorkflowRun returns a run of a workflow with its history; CodeNotFound
// for an unknown id.
func (e *Engine) WorkflowRun(ctx context.Context, ws ticket.WorkspaceID, id string) (WorkflowRun, error) {
	var out WorkflowRun
	err := e.view(ctx, "workflow run", func(tx store.Tx) error {
		rec, err := tx.WorkflowRun(ctx, ws, id)
		if err != nil {
			return err
		}
		out, err = runOf(rec)
		return err
	})
	return out, err
}

// WorkflowRuns returns a page of the workspace's runs, newest first: of
// one workflow, of one conversation, or only those under way, as f says
// (R16's history). A malformed cursor or a limit beyond
// store.MaxRunPage fails with CodeInvalid.
func (e *Engine) WorkflowRuns(ctx context.Context, ws ticket.WorkspaceID, f store.RunFilter) ([]WorkflowRun, store.RunCursor, error) {
	var out []WorkflowRun
	var next store.RunCursor
	err := e.view(ctx, "workflow runs", func(tx store.Tx) error {
		out = out[:0]
		recs, n, err := tx.WorkflowRuns(ctx, ws, f)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			r, err := runOf(rec)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		next = n
		return nil
	})
	return out, next, err
}
