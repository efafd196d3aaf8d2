package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/workflow"
)

// Names of the desk's built-in workflows (R16).
const (
	billingWorkflow     = "billing"
	outOfHoursWorkflow  = "out-of-hours-again"
	billingTeam         = "billing"
	outOfHoursRepeatAge = 10 * time.Minute
)

// Workflows are the workflows the desk publishes at start (R16): those of
// the -workflows file, a JSON array of definitions (see package
// workflow), or the built-in ones. The file is kept, so that a problem
// Open finds against the workspace is reported at its line and column in
// the file.
type Workflows struct {
	// File is the file's path, for messages.
	File string
	src  []byte // the file; nil for the built-in workflows
	defs []workflow.Definition
}

// readWorkflows reads the -workflows file at path and checks each
// definition as workflow.Parse does, without the workspace: what it
// names (templates, teams) is checked by Open.
func readWorkflows(path string) (*Workflows, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-workflows: %w", err)
	}
	return parseWorkflows(path, b, workflow.Catalog{})
}

// parseWorkflows reads b, a JSON array of definitions, checking each
// against c. Its errors name the file, the workflow and each problem at
// its line and column in b.
func parseWorkflows(file string, b []byte, c workflow.Catalog) (*Workflows, error) {
	fail := func(off int64, format string, args ...any) error {
		l, col := lineCol(b, int(off))
		return fmt.Errorf("-workflows %s: %d:%d: %s", file, l, col, fmt.Sprintf(format, args...))
	}
	// syntax reports a JSON error of the value that begins at offset
	// start: a *json.SyntaxError counts the bytes read from there, the
	// offending one included.
	syntax := func(err error, start int) error {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return fail(int64(start)+se.Offset-1, "%v", err)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return fail(int64(len(b)), "the JSON ends too soon")
		}
		return fail(int64(start), "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	first := skipSpace(b, 0)
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err, first)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fail(int64(first), "the file is a JSON array of workflows, [{…}, …]")
	}
	w := &Workflows{File: file, src: b}
	names := map[string]int{}
	for dec.More() {
		start := skipSpace(b, int(dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntax(err, start)
		}
		d, err := workflow.Parse(raw, c)
		if err != nil {
			return nil, fmt.Errorf("-workflows %s: workflow %d%s: %s", file, len(w.defs)+1, nameOf(raw), located(err, b, start))
		}
		if prev, ok := names[d.Name]; ok {
			return nil, fail(int64(start), "workflow %q is defined twice (also workflow %d)", d.Name, prev)
		}
		names[d.Name] = len(w.defs) + 1
		w.defs = append(w.defs, d)
	}
	end := skipSpace(b, int(dec.InputOffset()))
	if _, err := dec.Token(); err != nil {
		return nil, syntax(err, end)
	}
	if rest := skipSpace(b, int(dec.InputOffset())); rest < len(b) {
		return nil, fail(int64(rest), "text after the array of workflows")
	}
	return w, nil
}

// nameOf returns ` ("name")` for a definition's JSON that has a name.
func nameOf(raw []byte) string {
	var n struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &n) != nil || n.Name == "" {
		return ""
	}
	return fmt.Sprintf(" (%q)", n.Name)
}

// located returns err's problems with their positions moved to file b,
// where the definition begins at offset start.
func located(err error, b []byte, start int) string {
	line, col := lineCol(b, start)
	var we *workflow.Error
	if !errors.As(err, &we) {
		return err.Error()
	}
	ps := make([]string, len(we.Problems))
	for i, p := range we.Problems {
		if p.Line > 0 {
			if p.Line == 1 {
				p.Column += col - 1
			}
			p.Line += line - 1
		}
		ps[i] = p.String()
	}
	return strings.Join(ps, "; ")
}

// skipSpace returns the offset of the first byte at or after off that is
// not JSON whitespace or a separator.
func skipSpace(b []byte, off int) int {
	for off < len(b) && strings.IndexByte(" \t\r\n,", b[off]) >= 0 {
		off++
	}
	return off
}

// lineCol returns the 1-based line and byte column of offset off in b.
func lineCol(b []byte, off int) (line, col int) {
	off = min(max(off, 0), len(b))
	line = 1 + bytes.Count(b[:off], []byte("\n"))
	return line, off - bytes.LastIndexByte(b[:off], '\n')
}

// builtinWorkflows returns the desk's workflows when it has no -workflows
// file: "billing", a customer's message that mentions "factura" goes to
// team billing at high priority; and "out-of-hours-again", when the desk
// has an out-of-hours message (template outOfHours, "" for none): a
// conversation that has waited 10 minutes while the business hours are
// closed gets it again.
func builtinWorkflows(outOfHours string) *Workflows {
	w := &Workflows{File: "(built in)"}
	w.defs = append(w.defs, workflow.Definition{
		Name:        billingWorkflow,
		Description: "A customer's message that mentions \"factura\" goes to team billing, at high priority.",
		Trigger:     workflow.Trigger{On: workflow.OnMessageReceived, From: workflow.FromContact},
		If:          &workflow.Condition{Field: "message.text", Op: workflow.Contains, Value: "factura"},
		Steps: []workflow.Step{
			{Do: workflow.Assign, Team: billingTeam},
			{Do: workflow.SetPriority, Priority: "high"},
		},
	})
	if outOfHours != "" {
		w.defs = append(w.defs, workflow.Definition{
			Name:        outOfHoursWorkflow,
			Description: "A conversation that has waited 10 minutes out of hours gets the out-of-hours message again.",
			Trigger:     workflow.Trigger{On: workflow.OnWaiting, After: workflow.Duration(outOfHoursRepeatAge)},
			If:          &workflow.Condition{Field: "hours", Op: workflow.Eq, Value: "closed"},
			Steps:       []workflow.Step{{Do: workflow.Send, Template: outOfHours}},
		})
	}
	return w
}

// publishWorkflows publishes the desk's workflows at start (R16): the
// teams they assign to are created when absent, each definition is
// checked against the workspace (a problem of a -workflows file is
// reported at its line and column), and a workflow is published as a new
// version only when its definition differs from its current one, so
// that a restart with the same workflows keeps their versions.
func (d *Desk) publishWorkflows(ctx context.Context, w *Workflows) error {
	for _, def := range w.defs {
		for _, st := range def.Steps {
			if st.Do == workflow.Assign && st.Team != "" {
				if err := d.ensureTeam(ctx, conversation.TeamID(st.Team)); err != nil {
					return err
				}
			}
		}
	}
	if w.src != nil {
		// The file again, now against the workspace, for positions.
		if _, err := parseWorkflows(w.File, w.src, d.catalog(ctx)); err != nil {
			return err
		}
	}
	for _, def := range w.defs {
		cur, err := d.eng.Workflow(ctx, workspace, def.Name)
		switch {
		case err == nil && sameDefinition(cur.Definition, def):
			d.log.InfoContext(ctx, "workflow unchanged", "workflow", def.Name, "version", cur.Version, "enabled", cur.Enabled)
			continue
		case err != nil && contactcenter.ErrorCode(err) != contactcenter.CodeNotFound:
			return fmt.Errorf("workflow %q: %w", def.Name, err)
		}
		info, err := d.eng.PublishWorkflow(ctx, contactcenter.WorkflowPublishing{Workspace: workspace, Definition: def, By: conversation.Host()})
		if err != nil {
			return fmt.Errorf("-workflows %s: workflow %q: %w", w.File, def.Name, err)
		}
		d.log.InfoContext(ctx, "workflow published", "workflow", info.Name, "version", info.Version, "enabled", info.Enabled)
	}
	return nil
}

// sameDefinition reports whether a and b are the same definition, as
// their JSON.
func sameDefinition(a, b workflow.Definition) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// catalog tells workflow.Parse what the desk's workspace has: its
// templates, teams and agents, and the engine's assignment strategies and
// the desk's bot. What it does not check, PublishWorkflow does.
func (d *Desk) catalog(ctx context.Context) workflow.Catalog {
	exists := func(f func(store.Tx) error) bool {
		return d.store.View(ctx, f) == nil
	}
	return workflow.Catalog{
		Template: func(n string) bool { _, err := d.eng.Template(ctx, workspace, n); return err == nil },
		Team: func(n string) bool {
			return exists(func(tx store.Tx) error { _, err := tx.Team(ctx, workspace, conversation.TeamID(n)); return err })
		},
		Agent: func(n string) bool {
			return exists(func(tx store.Tx) error { _, err := tx.Agent(ctx, workspace, conversation.AgentID(n)); return err })
		},
		Strategy: func(n string) bool { return n == "least_busy" || n == "round_robin" },
	}
}

// ensureTeam creates team id when the workspace has none by that id.
func (d *Desk) ensureTeam(ctx context.Context, id conversation.TeamID) error {
	err := d.store.View(ctx, func(tx store.Tx) error { _, err := tx.Team(ctx, workspace, id); return err })
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("team %q: %w", id, err)
	}
	if err := d.eng.PutTeam(ctx, contactcenter.TeamChange{Team: conversation.Team{ID: id, Workspace: workspace, Name: string(id)}, By: conversation.Host()}); err != nil {
		return fmt.Errorf("team %q: %w", id, err)
	}
	d.log.InfoContext(ctx, "team created for the workflows", "team", id)
	return nil
}
