package contactcenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/internal/coded"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
	"github.com/telenet/contactcenter/workflow"
)

// Workflows (R16) are configuration: each published version of a
// workflow is a record of kind ConfigWorkflowVersion, named "name@N",
// written once and never changed, and the workflow itself is a record of
// kind ConfigWorkflow that says which version takes new runs and whether
// it is enabled. A run keeps the version it started on to its end, so a
// new version changes no run under way.
const (
	// ConfigWorkflow: a workflow's head (PublishWorkflow,
	// SetWorkflowEnabled), named by the workflow. Its Refs are its
	// current version and the templates, snippets and service hours that
	// version names: those cannot be deleted while it is current. A run
	// of an older version whose template was deleted since records its
	// step refused.
	ConfigWorkflow store.ConfigKind = "workflow"
	// ConfigWorkflowVersion: a published version of a workflow, named
	// "name@N".
	ConfigWorkflowVersion store.ConfigKind = "workflow_version"
)

// workflowHead is the stored body of a ConfigWorkflow record.
type workflowHead struct {
	Current  int  `json:"current"`
	Disabled bool `json:"disabled,omitempty"`
}

// versionName is the record name of version n of workflow name.
func versionName(name string, n int) string { return name + "@" + strconv.Itoa(n) }

// compiledWorkflow is a version of a workflow as the engine runs it.
type compiledWorkflow struct {
	// needs is what of a snapshot def reads, and test def compiled, to
	// test events with: first, what every event reads.
	needs workflow.Needs
	test  workflow.Compiled
	// waits: the definition has a Wait step.
	waits   bool
	name    string
	version int
	def     workflow.Definition
}

// wfConfig is what a workspace's configuration holds of workflows: nil
// when it has none.
type wfConfig struct {
	heads    map[string]workflowHead
	versions map[string]*compiledWorkflow // by versionName
	// byEvent holds the current version of each enabled workflow whose
	// trigger matches among events of a type; timed those whose trigger is
	// time-based.
	byEvent map[conversation.EventType][]*compiledWorkflow
	timed   []*compiledWorkflow
	// until holds the event types that a Wait step of any version waits
	// for; waits says whether any version waits at all.
	until map[conversation.EventType]bool
	waits bool
	// fields: an enabled workflow triggers on field changes, whose
	// previous values the steps that change contacts keep.
	fields bool
}

// version returns version n of workflow name, nil when the workspace has
// no such version.
func (w *wfConfig) version(name string, n int) *compiledWorkflow {
	if w == nil {
		return nil
	}
	return w.versions[versionName(name, n)]
}

// current returns the version of workflow name that takes new runs, nil
// when it has none or is disabled.
func (w *wfConfig) current(name string) *compiledWorkflow {
	if w == nil {
		return nil
	}
	h, ok := w.heads[name]
	if !ok || h.Disabled {
		return nil
	}
	return w.version(name, h.Current)
}

// buildWorkflows indexes a workspace's workflow records; it returns nil
// when there are none. A record it cannot read is logged and left out.
func (e *Engine) buildWorkflows(ctx context.Context, ws ticket.WorkspaceID, recs []store.Config) *wfConfig {
	var w *wfConfig
	for _, r := range recs {
		if r.Kind != ConfigWorkflow && r.Kind != ConfigWorkflowVersion {
			continue
		}
		if w == nil {
			w = &wfConfig{heads: map[string]workflowHead{}, versions: map[string]*compiledWorkflow{},
				byEvent: map[conversation.EventType][]*compiledWorkflow{}, until: map[conversation.EventType]bool{}}
		}
		var err error
		if r.Kind == ConfigWorkflow {
			var h workflowHead
			if err = json.Unmarshal(r.Body, &h); err == nil {
				w.heads[r.Name] = h
			}
		} else {
			var cw *compiledWorkflow
			if cw, err = compileVersion(r.Name, r.Body); err == nil {
				w.versions[r.Name] = cw
			}
		}
		if err != nil {
			e.log.ErrorContext(ctx, "a stored workflow record cannot be read; it is left out", "workspace", ws, "kind", r.Kind, "name", r.Name, "err", err)
		}
	}
	if w == nil {
		return nil
	}
	for _, cw := range w.versions {
		if !cw.waits {
			continue
		}
		w.waits = true
		for _, st := range cw.def.Steps {
			if st.Do == workflow.Wait && st.Until != "" {
				t := workflow.Trigger{On: st.Until}
				for _, typ := range t.Events() {
					w.until[typ] = true
				}
			}
		}
	}
	names := make([]string, 0, len(w.heads))
	for name := range w.heads {
		names = append(names, name)
	}
	sort.Strings(names) // the order runs start in
	for _, name := range names {
		cw := w.current(name)
		if cw == nil {
			continue
		}
		if cw.def.Trigger.On.TimeBased() {
			w.timed = append(w.timed, cw)
			continue
		}
		if cw.def.Trigger.On == workflow.OnFieldChanged {
			w.fields = true
		}
		for _, typ := range cw.def.Trigger.Events() {
			w.byEvent[typ] = append(w.byEvent[typ], cw)
		}
	}
	return w
}

// compileVersion reads a stored version record.
func compileVersion(recName string, body []byte) (*compiledWorkflow, error) {
	at := strings.LastIndexByte(recName, '@')
	if at < 0 {
		return nil, fmt.Errorf("record name %q has no version", recName)
	}
	n, err := strconv.Atoi(recName[at+1:])
	if err != nil {
		return nil, fmt.Errorf("record name %q: %w", recName, err)
	}
	d, err := workflow.Decode(body)
	if err != nil {
		return nil, err
	}
	cw := &compiledWorkflow{name: recName[:at], version: n, def: d, needs: d.Needs()}
	cw.test = *workflow.Compile(&cw.def)
	for _, st := range d.Steps {
		if st.Do == workflow.Wait {
			cw.waits = true
		}
	}
	return cw, nil
}

// WorkflowPublishing is a request to publish a new version of a
// workflow, for Engine.PublishWorkflow.
type WorkflowPublishing struct {
	Workspace  ticket.WorkspaceID
	Definition workflow.Definition
	// Disabled publishes the version without enabling the workflow; a
	// workflow published before keeps the state it had unless Disabled is
	// set.
	Disabled bool
	// By is who publishes: the host, a supervisor of the workspace, an
	// automation. Required.
	By conversation.Actor
}

// WorkflowInfo is a workflow as the workspace has it.
type WorkflowInfo struct {
	Name string
	// Version is the version that takes new runs; Definition is it.
	Version    int
	Definition workflow.Definition
	Enabled    bool
}

// PublishWorkflow validates r.Definition against the workspace (its
// templates, snippets, service hours, teams, agents, the engine's
// strategies, bots and host steps) and publishes it as the workflow's
// next version, 1 for a new workflow: new runs start on it, while the
// runs under way finish on the version they started on (R16). The
// definition is stored in the store, shared by every engine on it.
//
// An invalid definition fails with CodeInvalid and a *workflow.Error
// (errors.As) that lists every problem with its position; nothing is
// stored. An agent who is not a supervisor, and a contact, may not
// (CodeForbidden).
func (e *Engine) PublishWorkflow(ctx context.Context, r WorkflowPublishing) (WorkflowInfo, error) {
	const op = "publish workflow"
	d := r.Definition
	ws := r.Workspace
	if err := checkConfigName(ConfigWorkflow, ws, d.Name); err != nil {
		return WorkflowInfo{}, wrap(op, err)
	}
	if err := mayConfigure(r.By, ws, op); err != nil {
		return WorkflowInfo{}, wrap(op, err)
	}
	body, err := json.Marshal(d)
	if err != nil {
		return WorkflowInfo{}, wrap(op, err)
	}
	var out WorkflowInfo
	st, err := e.exec(ctx, op, r.By, func(tx store.Tx, s *step) error {
		if err := configBy(ctx, tx, ws, r.By, op); err != nil {
			return err
		}
		if err := e.validateWorkflow(ctx, tx, ws, &d); err != nil {
			return err
		}
		head, hv := workflowHead{Disabled: r.Disabled}, int64(1)
		switch old, err := tx.Config(ctx, ws, ConfigWorkflow, d.Name); {
		case err == nil:
			var h workflowHead
			if err := json.Unmarshal(old.Body, &h); err != nil {
				return fmt.Errorf("workflow %q: stored head unreadable: %w", d.Name, err)
			}
			head.Current = h.Current
			head.Disabled = h.Disabled || r.Disabled
			hv = old.Version + 1
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		head.Current++
		vname := versionName(d.Name, head.Current)
		if err := tx.PutConfig(ctx, store.Config{Workspace: ws, Kind: ConfigWorkflowVersion, Name: vname, Version: 1, Body: body}); err != nil {
			return err
		}
		hb, err := json.Marshal(head)
		if err != nil {
			return err
		}
		if err := tx.PutConfig(ctx, store.Config{Workspace: ws, Kind: ConfigWorkflow, Name: d.Name, Version: hv, Body: hb,
			Refs: append([]store.ConfigRef{{Kind: ConfigWorkflowVersion, Name: vname}}, workflowRefs(&d)...)}); err != nil {
			return err
		}
		out = WorkflowInfo{Name: d.Name, Version: head.Current, Definition: d, Enabled: !head.Disabled}
		if err := s.emit(ctx, tx, &conversation.Event{Type: EventConfigChanged, Workspace: ws, At: s.now(), Detail: ConfigDetail(ConfigWorkflowVersion, vname, 1)}); err != nil {
			return err
		}
		return s.emit(ctx, tx, &conversation.Event{Type: EventConfigChanged, Workspace: ws, At: s.now(), Detail: ConfigDetail(ConfigWorkflow, d.Name, hv)})
	})
	e.changed(ctx, ws, st, nil)
	if err != nil {
		return WorkflowInfo{}, wrap(op, err)
	}
	return out, nil
}

// workflowRefs returns the configuration records definition d names.
func workflowRefs(d *workflow.Definition) []store.ConfigRef {
	seen := map[store.ConfigRef]bool{}
	var refs []store.ConfigRef
	add := func(kind store.ConfigKind, name string) {
		r := store.ConfigRef{Kind: kind, Name: name}
		if name != "" && !seen[r] {
			seen[r] = true
			refs = append(refs, r)
		}
	}
	add(ConfigServiceHours, d.Trigger.Service)
	var conds func(c *workflow.Condition)
	conds = func(c *workflow.Condition) {
		if c == nil {
			return
		}
		if svc, ok := strings.CutPrefix(c.Field, "hours."); ok {
			add(ConfigServiceHours, svc)
		}
		for i := range c.All {
			conds(&c.All[i])
		}
		for i := range c.Any {
			conds(&c.Any[i])
		}
		conds(c.Not)
	}
	conds(d.If)
	for i := range d.Steps {
		st := &d.Steps[i]
		add(ConfigTemplate, st.Template)
		add(ConfigSnippet, st.Snippet)
		conds(st.If)
	}
	return refs
}

// validateWorkflow checks definition d against workspace ws in tx.
func (e *Engine) validateWorkflow(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, d *workflow.Definition) error {
	cfg, err := e.config(ctx, tx, ws, true)
	if err != nil {
		return err
	}
	var storeErr error
	exists := func(err error) bool {
		if err != nil && !errors.Is(err, store.ErrNotFound) && storeErr == nil {
			storeErr = err
		}
		return err == nil
	}
	cat := workflow.Catalog{
		Template: func(n string) bool { _, err := cfg.template(n); return err == nil },
		Snippet:  func(n string) bool { _, ok := cfg.snippets.Get(n); return ok },
		Service:  func(n string) bool { return cfg.services[n] != nil },
		Team: func(n string) bool {
			_, err := tx.Team(ctx, ws, conversation.TeamID(n))
			return exists(err)
		},
		Agent: func(n string) bool {
			_, err := tx.Agent(ctx, ws, conversation.AgentID(n))
			return exists(err)
		},
		Strategy: func(n string) bool { return e.strategies[n] != nil },
		Step:     func(n string) bool { return e.workflowSteps[n] != nil },
		Bot:      func(n string) bool { return e.bots[n] != nil },
	}
	verr := workflow.Validate(d, cat)
	if storeErr != nil {
		return storeErr
	}
	return verr
}

// WorkflowSwitch is a request to enable or disable a workflow, for
// Engine.SetWorkflowEnabled.
type WorkflowSwitch struct {
	Workspace ticket.WorkspaceID
	Name      string
	Enabled   bool
	// By is who switches, as WorkflowPublishing.By. Required.
	By conversation.Actor
}

// SetWorkflowEnabled enables or disables a workflow. A disabled workflow
// starts no run; the runs under way go on to their end, waits included,
// so that disabling and enabling again loses none. CodeNotFound for a
// workflow the workspace does not have.
func (e *Engine) SetWorkflowEnabled(ctx context.Context, r WorkflowSwitch) (WorkflowInfo, error) {
	const op = "set workflow enabled"
	ws := r.Workspace
	if err := checkConfigName(ConfigWorkflow, ws, r.Name); err != nil {
		return WorkflowInfo{}, wrap(op, err)
	}
	if err := mayConfigure(r.By, ws, op); err != nil {
		return WorkflowInfo{}, wrap(op, err)
	}
	var out WorkflowInfo
	st, err := e.exec(ctx, op, r.By, func(tx store.Tx, s *step) error {
		if err := configBy(ctx, tx, ws, r.By, op); err != nil {
			return err
		}
		old, err := tx.Config(ctx, ws, ConfigWorkflow, r.Name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("workflow %q of workspace %q: %w", r.Name, ws, errWorkflowNotFound)
		} else if err != nil {
			return err
		}
		var h workflowHead
		if err := json.Unmarshal(old.Body, &h); err != nil {
			return fmt.Errorf("workflow %q: stored head unreadable: %w", r.Name, err)
		}
		d, err := storedVersion(ctx, tx, ws, r.Name, h.Current)
		if err != nil {
			return err
		}
		out = WorkflowInfo{Name: r.Name, Version: h.Current, Definition: d, Enabled: r.Enabled}
		if h.Disabled == !r.Enabled {
			return nil
		}
		h.Disabled = !r.Enabled
		hb, err := json.Marshal(h)
		if err != nil {
			return err
		}
		if err := tx.PutConfig(ctx, store.Config{Workspace: ws, Kind: ConfigWorkflow, Name: r.Name, Version: old.Version + 1, Body: hb, Refs: old.Refs}); err != nil {
			return err
		}
		return s.emit(ctx, tx, &conversation.Event{Type: EventConfigChanged, Workspace: ws, At: s.now(), Detail: ConfigDetail(ConfigWorkflow, r.Name, old.Version+1)})
	})
	e.changed(ctx, ws, st, nil)
	if err != nil {
		return WorkflowInfo{}, wrap(op, err)
	}
	return out, nil
}

// errWorkflowNotFound: no workflow, or no version of one, by that name
// (CodeNotFound).
var errWorkflowNotFound = coded.New("not_found", "workflow not found")

// storedVersion reads version n of workflow name in tx.
func storedVersion(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, name string, n int) (workflow.Definition, error) {
	rec, err := tx.Config(ctx, ws, ConfigWorkflowVersion, versionName(name, n))
	if errors.Is(err, store.ErrNotFound) {
		return workflow.Definition{}, fmt.Errorf("version %d of workflow %q of workspace %q: %w", n, name, ws, errWorkflowNotFound)
	} else if err != nil {
		return workflow.Definition{}, err
	}
	return workflow.Decode(rec.Body)
}

// Workflows returns the workspace's workflows, by name.
func (e *Engine) Workflows(ctx context.Context, ws ticket.WorkspaceID) ([]WorkflowInfo, error) {
	var out []WorkflowInfo
	err := e.view(ctx, "workflows", func(tx store.Tx) error {
		out = out[:0]
		heads, err := tx.Configs(ctx, ws, ConfigWorkflow)
		if err != nil {
			return err
		}
		for _, r := range heads {
			info, err := workflowInfo(ctx, tx, ws, r)
			if err != nil {
				return err
			}
			out = append(out, info)
		}
		return nil
	})
	return out, err
}

// Workflow returns a workflow of the workspace; CodeNotFound when it has
// none by that name.
func (e *Engine) Workflow(ctx context.Context, ws ticket.WorkspaceID, name string) (WorkflowInfo, error) {
	var out WorkflowInfo
	err := e.view(ctx, "workflow", func(tx store.Tx) error {
		r, err := tx.Config(ctx, ws, ConfigWorkflow, name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("workflow %q of workspace %q: %w", name, ws, errWorkflowNotFound)
		} else if err != nil {
			return err
		}
		out, err = workflowInfo(ctx, tx, ws, r)
		return err
	})
	return out, err
}

// WorkflowVersion returns version n of a workflow, as it was published;
// CodeNotFound when there is no such version.
func (e *Engine) WorkflowVersion(ctx context.Context, ws ticket.WorkspaceID, name string, n int) (workflow.Definition, error) {
	var out workflow.Definition
	err := e.view(ctx, "workflow version", func(tx store.Tx) error {
		var err error
		out, err = storedVersion(ctx, tx, ws, name, n)
		return err
	})
	return out, err
}

// workflowInfo reads the workflow whose head is record r.
func workflowInfo(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, r store.Config) (WorkflowInfo, error) {
	var h workflowHead
	if err := json.Unmarshal(r.Body, &h); err != nil {
		return WorkflowInfo{}, fmt.Errorf("workflow %q: stored head unreadable: %w", r.Name, err)
	}
	d, err := storedVersion(ctx, tx, ws, r.Name, h.Current)
	if err != nil {
		return WorkflowInfo{}, err
	}
	return WorkflowInfo{Name: r.Name, Version: h.Current, Definition: d, Enabled: !h.Disabled}, nil
}

// maxWorkflowRetry bounds the wait before a run's step that failed is
// tried again.
const maxWorkflowRetry = 5 * time.Minute
