package workflow

import (
	"strconv"
	"strings"
	"time"

	"github.com/telenet/contactcenter/internal/coded"
)

// Limits of a definition.
const (
	MaxDefinitionBytes = 256 << 10 // the JSON of a definition
	MaxSteps           = 200
	MaxConditionDepth  = 8                   // nesting of groups
	MaxJumps           = 100                 // a Jump's Max
	MaxNameBytes       = 200                 // a workflow's name, a step's id
	MaxWait            = 90 * 24 * time.Hour // a Wait's For or Timeout, a trigger's After
	// MaxJSONDepth is the deepest nesting of JSON objects and arrays
	// Decode reads.
	MaxJSONDepth = 64
)

// ErrInvalid: a definition that cannot be published. The error is an
// *Error, which lists every problem with its position (R19).
var ErrInvalid = coded.New("invalid", "workflow: invalid definition")

// ProblemKind names a kind of problem of a definition. Stable values.
type ProblemKind string

// Kinds of problems. The values are stable and meant to be stored and
// shown to hosts.
const (
	// ProblemSyntax: the JSON cannot be read, or data follows it.
	ProblemSyntax ProblemKind = "syntax"
	// ProblemUnknownField: a JSON field that does not exist where it is.
	ProblemUnknownField ProblemKind = "unknown_field"
	// ProblemDuplicateField: a JSON field given twice in one object.
	ProblemDuplicateField ProblemKind = "duplicate_field"
	// ProblemBadType: a JSON value of the wrong kind (a number for a
	// text, an object for a list).
	ProblemBadType ProblemKind = "bad_type"
	// ProblemTooLarge: beyond MaxDefinitionBytes, MaxSteps,
	// MaxConditionDepth or MaxJSONDepth.
	ProblemTooLarge ProblemKind = "too_large"
	// ProblemMissing: a required value is not given: the name,
	// trigger.on, the steps, a step's do, a comparison's field, op or
	// value, what a step kind requires.
	ProblemMissing ProblemKind = "missing"
	// ProblemBadName: a name or step id too long, holding control
	// characters or not UTF-8.
	ProblemBadName ProblemKind = "bad_name"
	// ProblemUnknownTrigger: a trigger kind that does not exist.
	ProblemUnknownTrigger ProblemKind = "unknown_trigger"
	// ProblemUnknownStep: a step kind that does not exist.
	ProblemUnknownStep ProblemKind = "unknown_step"
	// ProblemNotForKind: a field that the trigger or step kind does not
	// take.
	ProblemNotForKind ProblemKind = "not_for_kind"
	// ProblemUnknownConditionField: a comparison of a field that does
	// not exist.
	ProblemUnknownConditionField ProblemKind = "unknown_condition_field"
	// ProblemUnknownOp: a comparison op that does not exist.
	ProblemUnknownOp ProblemKind = "unknown_op"
	// ProblemBadValue: a value that does not fit where it is: a regular
	// expression that does not compile, a priority, presence, author,
	// state or duration that is none, an op the field does not take,
	// Value and Values mixed up, a tag that is not one.
	ProblemBadValue ProblemKind = "bad_value"
	// ProblemBadGroup: a condition that is both a group and a
	// comparison, or neither, or more than one group, or an empty group.
	ProblemBadGroup ProblemKind = "bad_group"
	// ProblemBadDuration: a duration not above zero or beyond MaxWait,
	// or a time-based trigger without After.
	ProblemBadDuration ProblemKind = "bad_duration"
	// ProblemUnknownTemplate, ProblemUnknownSnippet, ProblemUnknownTeam,
	// ProblemUnknownAgent, ProblemUnknownService, ProblemUnknownStrategy,
	// ProblemUnknownHostStep and ProblemUnknownBot: a name the Catalog
	// does not know.
	ProblemUnknownTemplate ProblemKind = "unknown_template"
	ProblemUnknownSnippet  ProblemKind = "unknown_snippet"
	ProblemUnknownTeam     ProblemKind = "unknown_team"
	ProblemUnknownAgent    ProblemKind = "unknown_agent"
	ProblemUnknownService  ProblemKind = "unknown_service"
	ProblemUnknownStrategy ProblemKind = "unknown_strategy"
	ProblemUnknownHostStep ProblemKind = "unknown_host_step"
	ProblemUnknownBot      ProblemKind = "unknown_bot"
	// ProblemDuplicateID: a step id already given to an earlier step.
	ProblemDuplicateID ProblemKind = "duplicate_id"
	// ProblemUnknownTarget: Then, Else, To or OnTimeout names no step.
	ProblemUnknownTarget ProblemKind = "unknown_target"
	// ProblemBackwardTarget: a Branch's Then or Else, or a Wait's
	// OnTimeout, names the step itself or one before it. Only Jump goes
	// back, and it is bounded (R16: no loops).
	ProblemBackwardTarget ProblemKind = "backward_target"
	// ProblemUnboundedJump: a Jump without Max, or with Max beyond
	// MaxJumps.
	ProblemUnboundedJump ProblemKind = "unbounded_jump"
	// ProblemSelfJump: a Jump to itself.
	ProblemSelfJump ProblemKind = "self_jump"
	// ProblemUnreachable: a step that no path from the first step
	// reaches.
	ProblemUnreachable ProblemKind = "unreachable"
	// ProblemWaitUntilTimeBased: a Wait's Until is a time-based trigger
	// kind.
	ProblemWaitUntilTimeBased ProblemKind = "wait_until_time_based"
	// ProblemAssignTarget: an assign step that does not name exactly one
	// of an Agent, a Team, or a Strategy (with an optional Team).
	ProblemAssignTarget ProblemKind = "assign_target"
)

// ProblemKinds lists every ProblemKind, in the order they are declared.
func ProblemKinds() []ProblemKind {
	return []ProblemKind{
		ProblemSyntax, ProblemUnknownField, ProblemDuplicateField, ProblemBadType,
		ProblemTooLarge, ProblemMissing, ProblemBadName, ProblemUnknownTrigger,
		ProblemUnknownStep, ProblemNotForKind, ProblemUnknownConditionField,
		ProblemUnknownOp, ProblemBadValue, ProblemBadGroup, ProblemBadDuration,
		ProblemUnknownTemplate, ProblemUnknownSnippet, ProblemUnknownTeam,
		ProblemUnknownAgent, ProblemUnknownService, ProblemUnknownStrategy,
		ProblemUnknownHostStep, ProblemUnknownBot, ProblemDuplicateID,
		ProblemUnknownTarget, ProblemBackwardTarget, ProblemUnboundedJump,
		ProblemSelfJump, ProblemUnreachable, ProblemWaitUntilTimeBased,
		ProblemAssignTarget,
	}
}

// Problem is one problem of a definition.
type Problem struct {
	Kind ProblemKind `json:"kind"`
	// Path is where: "steps[2].team", "if.any[1].op", "trigger.after".
	Path string `json:"path"`
	// Line and Column (1-based) are where in the JSON, when the
	// definition was read by Parse or Decode; 0 otherwise. Column counts
	// bytes.
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Detail string `json:"detail"`
}

// String returns the problem as `steps[2].team: unknown team "b"`,
// preceded by its line and column when it has them.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		b.WriteString(strconv.Itoa(p.Line))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Column))
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	if p.Detail != "" {
		b.WriteString(p.Detail)
	} else {
		b.WriteString(string(p.Kind))
	}
	return b.String()
}

// Error lists the problems of a definition. It matches ErrInvalid.
type Error struct{ Problems []Problem }

// Error returns ErrInvalid's text followed by the problems, separated by
// "; ".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalid.Error())
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Code returns "invalid": the code a host's UI shows for a definition that
// cannot be published.
func (e *Error) Code() string { return "invalid" }

// Catalog tells Validate what the workspace has. A nil function checks
// nothing of its kind.
type Catalog struct {
	Template, Snippet, Team, Agent, Service, Strategy, Step, Bot func(name string) bool
}
