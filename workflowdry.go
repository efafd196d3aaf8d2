package contactcenter

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
	"github.com/telenet/contactcenter/workflow"
)

// DryRun is a request to see what an event would do to workflows, for
// Engine.DryRun.
type DryRun struct {
	Workspace ticket.WorkspaceID
	// Event is a recorded event (one the host was published) or one made
	// by hand. Its Workspace is the request's. For a time-based trigger,
	// give an event whose Type is the trigger's kind ("queue.waiting").
	Event conversation.Event
	// Definitions are tried instead of the workspace's published
	// workflows: drafts, checked as PublishWorkflow checks them. Empty:
	// the current version of each enabled workflow.
	Definitions []workflow.Definition
	// Now is the time of the test; zero is the engine's now.
	Now time.Time
}

// DryRunResult is what an event would do to each workflow.
type DryRunResult struct {
	Workflows []DryRunWorkflow
}

// DryRunWorkflow is what an event would do to one workflow.
type DryRunWorkflow struct {
	Name string
	// Version is the published version tried; 0 for a draft.
	Version int
	// Triggered: the event is of the workflow's trigger.
	Triggered bool
	// Started: a run would start.
	Started bool
	// Skip says why no run would start, when none would.
	Skip string
	// Conditions is every comparison made, with the values found.
	Conditions []workflow.Trace
	// Steps are the steps the run would take, as the state is now; those
	// after a wait are decided when the wait ends, and are shown as the
	// state would take them now.
	Steps []DryRunStep
}

// DryRunStep is one step a run would take.
type DryRunStep struct {
	Step int
	ID   string
	Do   workflow.StepKind
	// What says what the step would do.
	What string
	// AfterWait: the step comes after a wait.
	AfterWait bool
	// Trace is a Branch's condition.
	Trace []workflow.Trace
}

// DryRun says which workflows r.Event would start, each condition's value
// and the steps each run would take, changing nothing: it reads the
// state in one read-only transaction, stores nothing and publishes
// nothing (R16). An invalid draft fails with CodeInvalid and its
// *workflow.Error.
func (e *Engine) DryRun(ctx context.Context, r DryRun) (DryRunResult, error) {
	const op = "dry run"
	var out DryRunResult
	ev := r.Event
	ev.Workspace = r.Workspace
	now := r.Now
	if now.IsZero() {
		now = e.now()
	}
	err := e.view(ctx, op, func(tx store.Tx) error {
		out = DryRunResult{}
		cfg, err := e.config(ctx, tx, r.Workspace, true)
		if err != nil {
			return err
		}
		var tries []*compiledWorkflow
		if len(r.Definitions) > 0 {
			for i := range r.Definitions {
				d := r.Definitions[i]
				if err := e.validateWorkflow(ctx, tx, r.Workspace, &d); err != nil {
					return err
				}
				cw := &compiledWorkflow{name: d.Name, def: d, needs: d.Needs()}
				cw.test = *workflow.Compile(&cw.def)
				tries = append(tries, cw)
			}
		} else if cfg.wf != nil {
			names := make([]string, 0, len(cfg.wf.heads))
			for name := range cfg.wf.heads {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				if cw := cfg.wf.current(name); cw != nil {
					tries = append(tries, cw)
				}
			}
		}
		s := &step{e: e, op: op, cfg: cfg}
		l := &snapLoader{s: s, tx: tx, cfg: cfg, ev: &ev, now: now}
		for _, cw := range tries {
			w, err := dryOne(ctx, l, cw, &ev)
			if err != nil {
				return err
			}
			out.Workflows = append(out.Workflows, w)
		}
		return nil
	})
	if err != nil {
		return DryRunResult{}, wrap(op, err)
	}
	return out, nil
}

// dryOne tries workflow cw on event ev.
func dryOne(ctx context.Context, l *snapLoader, cw *compiledWorkflow, ev *conversation.Event) (DryRunWorkflow, error) {
	d := &cw.def
	w := DryRunWorkflow{Name: cw.name, Version: cw.version}
	if d.Trigger.On.TimeBased() {
		w.Triggered = ev.Type == conversation.EventType(d.Trigger.On)
	} else {
		w.Triggered = cw.test.Matches(ev)
	}
	switch {
	case !w.Triggered:
		w.Skip = "the event is not of the trigger"
		return w, nil
	case ev.Cause.Kind == conversation.CauseWorkflow && ev.Cause.Name == cw.name:
		w.Skip = "the event is of a run of this workflow (R16)"
		return w, nil
	case ev.Cause.Depth >= MaxWorkflowDepth:
		w.Skip = fmt.Sprintf("the chain of workflows is %d deep, the most there may be (R16)", MaxWorkflowDepth)
		return w, nil
	}
	needs := cw.needs
	needs.Conversation = true
	snap, err := l.load(ctx, needs)
	if err != nil {
		return w, err
	}
	w.Started, w.Conditions = cw.test.Start(snap)
	if !w.Started {
		w.Skip = "the conditions do not hold"
		return w, nil
	}
	var pos workflow.Position
	afterWait := false
	for range maxRunSteps {
		idx, passed := d.Next(&pos, snap)
		for _, p := range passed {
			w.Steps = append(w.Steps, DryRunStep{Step: p.Step, ID: d.Steps[p.Step].ID, Do: p.Do, AfterWait: afterWait,
				What: fmt.Sprintf("%s taken: %t; goes on at step %d", p.Do, p.Taken, p.To), Trace: p.Trace})
		}
		if idx < 0 || idx >= len(d.Steps) {
			break
		}
		st := &d.Steps[idx]
		w.Steps = append(w.Steps, DryRunStep{Step: idx, ID: st.ID, Do: st.Do, What: describeStep(st), AfterWait: afterWait})
		if st.Do == workflow.Wait {
			afterWait = true
		}
		pos.Next = idx + 1
	}
	return w, nil
}

// describeStep says what step st would do, for people.
func describeStep(st *workflow.Step) string {
	switch st.Do {
	case workflow.Assign:
		switch {
		case st.Strategy != "" && st.Team != "":
			return fmt.Sprintf("assign to an agent of team %s by %s", st.Team, st.Strategy)
		case st.Strategy != "":
			return "assign to an agent by " + st.Strategy
		case st.Agent != "":
			return "assign to agent " + st.Agent
		}
		return "move to the queue of team " + st.Team
	case workflow.Unassign:
		return "return to the queue"
	case workflow.Send:
		if st.Snippet != "" {
			return "send snippet " + st.Snippet
		}
		return "send template " + st.Template
	case workflow.Tag:
		return "tag the ticket " + st.Tag
	case workflow.Untag:
		return "untag the ticket " + st.Tag
	case workflow.SetField:
		return fmt.Sprintf("set the contact's field %s to %q", st.Field, st.Value)
	case workflow.UnsetField:
		return "unset the contact's field " + st.Field
	case workflow.SetPriority:
		return "set the ticket's priority to " + st.Priority
	case workflow.Close:
		return "close the conversation"
	case workflow.Wait:
		if st.Until != "" {
			var b strings.Builder
			b.WriteString("wait until " + string(st.Until))
			if st.Timeout > 0 {
				b.WriteString(", at most " + st.Timeout.String())
			}
			return b.String()
		}
		return "wait " + st.For.String()
	case workflow.HandToBot:
		return "hand to the channel's chatbot"
	case workflow.Notify:
		return "notify the host: " + st.Name
	case workflow.Call:
		return "call the host's step " + st.Name
	}
	return string(st.Do)
}
