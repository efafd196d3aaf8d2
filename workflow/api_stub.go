package workflow

import (
	"errors"
	"time"

	"github.com/telenet/contactcenter/conversation"
)

// Limits of a definition.
const (
	MaxDefinitionBytes = 256 << 10 // the JSON of a definition
	MaxSteps           = 200
	MaxConditionDepth  = 8                   // nesting of groups
	MaxJumps           = 100                 // a Jump's Max
	MaxNameBytes       = 200                 // a workflow's name, a step's id
	MaxWait            = 90 * 24 * time.Hour // a Wait's For or Timeout, a trigger's After
)

// ErrInvalid: a definition that cannot be published. The error is an
// *Error, which lists every problem with its position.
var ErrInvalid = errors.New("workflow: invalid definition")

// ProblemKind names a kind of problem of a definition. Stable values.
type ProblemKind string

// (the helper lists the kinds here, at least 20)

// Problem is one problem of a definition.
type Problem struct {
	Kind ProblemKind `json:"kind"`
	// Path is where: "steps[2].team", "if.any[1].op", "trigger.after".
	Path string `json:"path"`
	// Line and Column (1-based) are where in the JSON, when the
	// definition was read by Parse or Decode; 0 otherwise.
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Detail string `json:"detail"`
}

// Error lists the problems of a definition. It matches ErrInvalid.
type Error struct{ Problems []Problem }

func (e *Error) Error() string        { panic("todo") }
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Catalog tells Validate what the workspace has. A nil function checks
// nothing of its kind.
type Catalog struct {
	Template, Snippet, Team, Agent, Service, Strategy, Step, Bot func(name string) bool
}

// Decode reads a definition from JSON, strictly: unknown fields, trailing
// data and a body beyond MaxDefinitionBytes are problems, with their line
// and column.
func Decode(b []byte) (Definition, error) { panic("todo") }

// Parse is Decode, then Validate, with the problems Validate finds given
// their line and column in b.
func Parse(b []byte, c Catalog) (Definition, error) { panic("todo") }

// Validate checks d as a whole.
func Validate(d *Definition, c Catalog) error { panic("todo") }

// Matches reports whether event ev is of the trigger's kind, with its
// filters (From, Tag, Field, Presence). Time-based triggers match no
// event. OnOutOfHours matches a contact's message; Start checks the hours.
func (t *Trigger) Matches(ev *conversation.Event) bool { panic("todo") }

// Events returns the event types that the trigger matches among.
func (t *Trigger) Events() []conversation.EventType { panic("todo") }

// Needs returns the parts of a Snapshot that d's trigger and conditions
// (If and the branches') read.
func (d *Definition) Needs() Needs { panic("todo") }

// Start reports whether s starts a run of d: its event matches the
// trigger (a time-based trigger's event is the engine's, and matches), the
// trigger's own test holds (OnOutOfHours) and d.If holds; trace is every
// comparison made, in order.
func Start(d *Definition, s *Snapshot) (ok bool, trace []Trace) { panic("todo") }

// Eval tests c against s.
func (c *Condition) Eval(s *Snapshot) (bool, []Trace) { panic("todo") }

// Next moves p past the Branch and Jump steps from p.Next, testing their
// conditions against s, to the next step that acts (any other kind), and
// returns its index: len(d.Steps) when the run is done.
func (d *Definition) Next(p *Position, s *Snapshot) (step int, passed []Passed) { panic("todo") }

// Index returns the index of the step with id, or -1.
func (d *Definition) Index(id string) int { panic("todo") }
