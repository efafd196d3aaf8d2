package workflow

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/telenet/contactcenter/ticket"
)

// validator collects the problems of one definition.
type validator struct {
	cat   Catalog
	probs []Problem
}

func (v *validator) add(kind ProblemKind, path, format string, args ...any) {
	v.probs = append(v.probs, Problem{Kind: kind, Path: path, Detail: fmt.Sprintf(format, args...)})
}

// Validate checks d as a whole and returns an *Error (matching
// ErrInvalid) listing every problem, in the order of their paths in the
// definition (R16, R19), or nil. Names are checked against c.
func Validate(d *Definition, c Catalog) error {
	if d == nil {
		return &Error{Problems: []Problem{{Kind: ProblemMissing, Path: "", Detail: "no definition"}}}
	}
	v := &validator{cat: c}
	if d.Name == "" {
		v.add(ProblemMissing, "name", "a workflow needs a name")
	} else {
		v.name("name", d.Name)
	}
	if !utf8.ValidString(d.Description) {
		v.add(ProblemBadName, "description", "the description is not valid UTF-8")
	}
	v.trigger(&d.Trigger)
	if d.If != nil {
		v.condition("if", d.If, 1)
	}
	v.steps(d.Steps)
	if len(v.probs) == 0 {
		return nil
	}
	sort.SliceStable(v.probs, func(i, j int) bool { return pathLess(v.probs[i].Path, v.probs[j].Path) })
	return &Error{Problems: v.probs}
}

// name checks a workflow's name or a step's id.
func (v *validator) name(path, s string) {
	switch {
	case !utf8.ValidString(s):
		v.add(ProblemBadName, path, "%q is not valid UTF-8", s)
	case len(s) > MaxNameBytes:
		v.add(ProblemBadName, path, "longer than %d bytes", MaxNameBytes)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.add(ProblemBadName, path, "%q holds a control character", s)
	case strings.TrimSpace(s) == "":
		v.add(ProblemBadName, path, "only white space")
	}
}

func (v *validator) known(kind ProblemKind, check func(string) bool, path, what, name string) {
	if check != nil && name != "" && !check(name) {
		v.add(kind, path, "unknown %s %q", what, name)
	}
}

func knownTrigger(k TriggerKind) bool {
	switch k {
	case OnConversationOpened, OnMessageReceived, OnConversationClosed, OnTicketOpened,
		OnTicketClosed, OnPresenceChanged, OnOutOfHours, OnTagAdded, OnTagRemoved,
		OnFieldChanged, OnAssigned, OnUnassigned, OnNoContactReply, OnNoAgentReply, OnWaiting:
		return true
	}
	return false
}

func (v *validator) duration(path string, d Duration, what string) {
	switch {
	case d <= 0:
		v.add(ProblemBadDuration, path, "%s must be above zero", what)
	case d.D() > MaxWait:
		v.add(ProblemBadDuration, path, "%s %s is beyond %s", what, d, MaxWait)
	}
}

func (v *validator) trigger(t *Trigger) {
	switch {
	case t.On == "":
		v.add(ProblemMissing, "trigger.on", "a trigger needs on: what starts a run")
	case !knownTrigger(t.On):
		v.add(ProblemUnknownTrigger, "trigger.on", "unknown trigger %q", t.On)
	}
	known := knownTrigger(t.On)
	only := func(field string, set bool, kinds ...TriggerKind) bool {
		if !set || !known {
			return set
		}
		for _, k := range kinds {
			if t.On == k {
				return true
			}
		}
		v.add(ProblemNotForKind, "trigger."+field, "a %s trigger takes no %s", t.On, field)
		return false
	}
	if only("from", t.From != "", OnMessageReceived) {
		switch t.From {
		case FromContact, FromAgent, FromAnyone:
		default:
			v.add(ProblemBadValue, "trigger.from", "from is \"contact\", \"agent\" or \"any\", not %q", t.From)
		}
	}
	if only("tag", t.Tag != "", OnTagAdded, OnTagRemoved) {
		if _, err := ticket.Tag(t.Tag); err != nil {
			v.add(ProblemBadValue, "trigger.tag", "%q is not a tag", t.Tag)
		}
	}
	only("field", t.Field != "", OnFieldChanged)
	if only("presence", t.Presence != "", OnPresenceChanged) {
		switch t.Presence {
		case "online", "away", "offline":
		default:
			v.add(ProblemBadValue, "trigger.presence", "presence is \"online\", \"away\" or \"offline\", not %q", t.Presence)
		}
	}
	if only("service", t.Service != "", OnOutOfHours) {
		v.known(ProblemUnknownService, v.cat.Service, "trigger.service", "service", t.Service)
	}
	if t.On.TimeBased() {
		if t.After == 0 {
			v.add(ProblemBadDuration, "trigger.after", "a %s trigger needs after: how long", t.On)
		} else {
			v.duration("trigger.after", t.After, "after")
		}
	} else {
		only("after", t.After != 0)
	}
}

// stepFields are a step's fields other than id and do, in their order,
// with whether a step has each set.
var stepFields = []struct {
	name string
	set  func(*Step) bool
}{
	{"agent", func(s *Step) bool { return s.Agent != "" }},
	{"team", func(s *Step) bool { return s.Team != "" }},
	{"strategy", func(s *Step) bool { return s.Strategy != "" }},
	{"template", func(s *Step) bool { return s.Template != "" }},
	{"snippet", func(s *Step) bool { return s.Snippet != "" }},
	{"tag", func(s *Step) bool { return s.Tag != "" }},
	{"field", func(s *Step) bool { return s.Field != "" }},
	{"value", func(s *Step) bool { return s.Value != "" }},
	{"priority", func(s *Step) bool { return s.Priority != "" }},
	{"note", func(s *Step) bool { return s.Note != "" }},
	{"for", func(s *Step) bool { return s.For != 0 }},
	{"until", func(s *Step) bool { return s.Until != "" }},
	{"timeout", func(s *Step) bool { return s.Timeout != 0 }},
	{"on_timeout", func(s *Step) bool { return s.OnTimeout != "" }},
	{"if", func(s *Step) bool { return s.If != nil }},
	{"then", func(s *Step) bool { return s.Then != "" }},
	{"else", func(s *Step) bool { return s.Else != "" }},
	{"to", func(s *Step) bool { return s.To != "" }},
	{"max", func(s *Step) bool { return s.Max != 0 }},
	{"name", func(s *Step) bool { return s.Name != "" }},
	{"data", func(s *Step) bool { return s.Data != nil }},
}

// stepTakes lists the fields each step kind takes besides id and do.
// HandToBot's Name names the bot, "" the channel's.
var stepTakes = map[StepKind][]string{
	Assign:      {"agent", "team", "strategy"},
	Unassign:    nil,
	Send:        {"template", "snippet"},
	Tag:         {"tag"},
	Untag:       {"tag"},
	SetField:    {"field", "value"},
	UnsetField:  {"field"},
	SetPriority: {"priority"},
	Close:       {"note"},
	Wait:        {"for", "until", "timeout", "on_timeout"},
	Branch:      {"if", "then", "else"},
	Jump:        {"to", "max"},
	HandToBot:   {"name"},
	Notify:      {"name", "data"},
	Call:        {"name", "data"},
}

func (v *validator) steps(steps []Step) {
	if len(steps) == 0 {
		v.add(ProblemMissing, "steps", "a workflow needs at least one step")
		return
	}
	if len(steps) > MaxSteps {
		v.add(ProblemTooLarge, "steps", "%d steps, more than %d", len(steps), MaxSteps)
	}
	ids := map[string]int{}
	for i, s := range steps {
		if s.ID == "" {
			continue
		}
		p := fmt.Sprintf("steps[%d].id", i)
		if j, ok := ids[s.ID]; ok {
			v.add(ProblemDuplicateID, p, "id %q is already step %d's", s.ID, j)
			continue
		}
		v.name(p, s.ID)
		ids[s.ID] = i
	}
	for i := range steps {
		v.step(i, &steps[i], ids)
	}
	reach := reachable(steps, ids)
	for i := range steps {
		if !reach[i] {
			v.add(ProblemUnreachable, fmt.Sprintf("steps[%d]", i), "no path from the first step reaches step %d", i)
		}
	}
}

func (v *validator) target(i int, path, field, id string, ids map[string]int, forward bool) {
	if id == "" {
		return
	}
	j, ok := ids[id]
	switch {
	case !ok:
		v.add(ProblemUnknownTarget, path+"."+field, "no step has id %q", id)
	case forward && j <= i:
		v.add(ProblemBackwardTarget, path+"."+field, "%s %q is not after this step: only a jump goes back", field, id)
	}
}

func (v *validator) step(i int, s *Step, ids map[string]int) {
	p := fmt.Sprintf("steps[%d]", i)
	takes, known := stepTakes[s.Do]
	switch {
	case s.Do == "":
		v.add(ProblemMissing, p+".do", "a step needs do: what it does")
		return
	case !known:
		v.add(ProblemUnknownStep, p+".do", "unknown step %q", s.Do)
		return
	}
	for _, f := range stepFields {
		if !f.set(s) {
			continue
		}
		ok := false
		for _, t := range takes {
			ok = ok || t == f.name
		}
		if !ok {
			v.add(ProblemNotForKind, p+"."+f.name, "a %s step takes no %s", s.Do, f.name)
		}
	}
	switch s.Do {
	case Assign:
		switch {
		case s.Agent != "" && s.Team == "" && s.Strategy == "":
			v.known(ProblemUnknownAgent, v.cat.Agent, p+".agent", "agent", s.Agent)
		case s.Agent == "" && s.Strategy == "" && s.Team != "":
			v.known(ProblemUnknownTeam, v.cat.Team, p+".team", "team", s.Team)
		case s.Agent == "" && s.Strategy != "":
			v.known(ProblemUnknownTeam, v.cat.Team, p+".team", "team", s.Team)
			v.known(ProblemUnknownStrategy, v.cat.Strategy, p+".strategy", "strategy", s.Strategy)
		case s.Agent == "" && s.Team == "" && s.Strategy == "":
			v.add(ProblemAssignTarget, p, "an assign step names an agent, a team, or a strategy")
		default:
			v.add(ProblemAssignTarget, p+".agent", "an assign step names an agent, a team, or a strategy (with a team), not both an agent and a team or strategy")
		}
	case Send:
		switch {
		case s.Template == "" && s.Snippet == "":
			v.add(ProblemMissing, p+".template", "a send step needs a template or a snippet")
		case s.Template != "" && s.Snippet != "":
			v.add(ProblemBadValue, p+".snippet", "a send step takes a template or a snippet, not both")
		}
		v.known(ProblemUnknownTemplate, v.cat.Template, p+".template", "template", s.Template)
		v.known(ProblemUnknownSnippet, v.cat.Snippet, p+".snippet", "snippet", s.Snippet)
	case Tag, Untag:
		if s.Tag == "" {
			v.add(ProblemMissing, p+".tag", "a %s step needs a tag", s.Do)
		} else if _, err := ticket.Tag(s.Tag); err != nil {
			v.add(ProblemBadValue, p+".tag", "%q is not a tag", s.Tag)
		}
	case SetField, UnsetField:
		if s.Field == "" {
			v.add(ProblemMissing, p+".field", "a %s step needs a field", s.Do)
		}
	case SetPriority:
		if s.Priority == "" {
			v.add(ProblemMissing, p+".priority", "a set_priority step needs a priority")
		} else if _, ok := priorityRank(s.Priority); !ok {
			v.add(ProblemBadValue, p+".priority", "priority is \"low\", \"normal\", \"high\" or \"urgent\", not %q", s.Priority)
		}
	case Wait:
		switch {
		case s.For == 0 && s.Until == "":
			v.add(ProblemMissing, p+".for", "a wait step needs for (a duration) or until (an event)")
		case s.For != 0 && s.Until != "":
			v.add(ProblemBadValue, p+".until", "a wait step takes for or until, not both")
		case s.For != 0:
			v.duration(p+".for", s.For, "for")
			if s.Timeout != 0 {
				v.add(ProblemNotForKind, p+".timeout", "a wait for a duration takes no timeout")
			}
			if s.OnTimeout != "" {
				v.add(ProblemNotForKind, p+".on_timeout", "a wait for a duration takes no on_timeout")
			}
		default:
			switch {
			case !knownTrigger(s.Until):
				v.add(ProblemUnknownTrigger, p+".until", "unknown event %q", s.Until)
			case s.Until.TimeBased():
				v.add(ProblemWaitUntilTimeBased, p+".until", "a wait cannot be until %q, a time-based trigger", s.Until)
			case s.Until == OnPresenceChanged:
				v.add(ProblemNotForKind, p+".until", "a wait is for an event of its conversation; %q is about none", s.Until)
			}
			if s.Timeout == 0 {
				v.add(ProblemBadDuration, p+".timeout", "a wait until an event needs a timeout")
			} else {
				v.duration(p+".timeout", s.Timeout, "timeout")
			}
			v.target(i, p, "on_timeout", s.OnTimeout, ids, true)
		}
	case Branch:
		if s.If == nil {
			v.add(ProblemMissing, p+".if", "a branch step needs a condition")
		} else {
			v.condition(p+".if", s.If, 1)
		}
		v.target(i, p, "then", s.Then, ids, true)
		v.target(i, p, "else", s.Else, ids, true)
	case Jump:
		switch {
		case s.To == "":
			v.add(ProblemMissing, p+".to", "a jump step needs to: the id of a step")
		case s.To == s.ID:
			v.add(ProblemSelfJump, p+".to", "a jump cannot go to itself")
		default:
			v.target(i, p, "to", s.To, ids, false)
		}
		if s.Max <= 0 || s.Max > MaxJumps {
			v.add(ProblemUnboundedJump, p+".max", "a jump needs max, from 1 to %d: how many times it is taken in a run", MaxJumps)
		}
	case HandToBot:
		v.known(ProblemUnknownBot, v.cat.Bot, p+".name", "bot", s.Name)
	case Notify:
		if s.Name == "" {
			v.add(ProblemMissing, p+".name", "a notify step needs the name of its event")
		}
	case Call:
		if s.Name == "" {
			v.add(ProblemMissing, p+".name", "a call step needs the name of the host's step")
		}
		v.known(ProblemUnknownHostStep, v.cat.Step, p+".name", "host step", s.Name)
	}
}

// reachable reports which steps a path from the first reaches: the next
// step (but not after a Close, nor after a Jump that is unbounded), and
// the targets Then, Else, To and OnTimeout.
func reachable(steps []Step, ids map[string]int) []bool {
	seen := make([]bool, len(steps))
	stack := []int{0}
	push := func(j int) {
		if j >= 0 && j < len(steps) && !seen[j] {
			stack = append(stack, j)
		}
	}
	target := func(id string, i int) {
		if id == "" {
			push(i + 1)
		} else if j, ok := ids[id]; ok {
			push(j)
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[i] {
			continue
		}
		seen[i] = true
		s := &steps[i]
		switch s.Do {
		case Close:
		case Jump:
			if j, ok := ids[s.To]; ok && s.To != "" {
				push(j)
			}
			if s.Max > 0 && s.Max <= MaxJumps {
				push(i + 1)
			}
		case Branch:
			target(s.Then, i)
			target(s.Else, i)
		case Wait:
			push(i + 1)
			if s.Until != "" {
				target(s.OnTimeout, i)
			}
		default:
			push(i + 1)
		}
	}
	return seen
}

// fieldKind is what a condition field holds, which decides the ops it
// takes and how values compare.
type fieldKind uint8

const (
	fieldText fieldKind = iota
	fieldTags
	fieldPriority
	fieldDuration
	fieldBool
	fieldState
	fieldHours
)

// conditionField returns the kind of field f, and whether there is one.
func conditionField(f string) (fieldKind, bool) {
	_, _, k, ok := lookupField(f)
	return k, ok
}

func knownOp(op Op) bool {
	switch op {
	case Eq, Ne, In, NotIn, Contains, Matches, Exists, Missing, Gt, Gte, Lt, Lte:
		return true
	}
	return false
}

// opFor reports whether a field of kind k takes op.
func opFor(k fieldKind, op Op) bool {
	switch k {
	case fieldTags:
		return op == Eq || op == Ne || op == Contains || op == In || op == NotIn || op == Exists || op == Missing
	case fieldPriority, fieldDuration:
		return op == Eq || op == Ne || op == In || op == NotIn || op == Gt || op == Gte || op == Lt || op == Lte
	case fieldBool, fieldHours:
		return op == Eq || op == Ne
	case fieldState:
		return op == Eq || op == Ne || op == In || op == NotIn
	}
	return true
}

// checkValue returns why value v does not fit a field of kind k, or "".
func checkValue(k fieldKind, v string) string {
	switch k {
	case fieldPriority:
		if _, ok := priorityRank(v); !ok {
			return fmt.Sprintf("%q is not a priority: \"low\", \"normal\", \"high\" or \"urgent\"", v)
		}
	case fieldDuration:
		if _, err := time.ParseDuration(v); err != nil {
			return fmt.Sprintf("%q is not a duration such as \"10m\"", v)
		}
	case fieldBool:
		if v != "true" && v != "false" {
			return fmt.Sprintf("%q is not \"true\" or \"false\"", v)
		}
	case fieldState:
		if v != "open" && v != "closed" {
			return fmt.Sprintf("%q is not a state: \"open\" or \"closed\"", v)
		}
	case fieldHours:
		if v != "open" && v != "closed" {
			return fmt.Sprintf("%q is not \"open\" or \"closed\"", v)
		}
	}
	return ""
}

func (v *validator) condition(p string, c *Condition, depth int) {
	if depth > MaxConditionDepth {
		v.add(ProblemTooLarge, p, "conditions nested deeper than %d", MaxConditionDepth)
		return
	}
	groups := 0
	if c.All != nil {
		groups++
	}
	if c.Any != nil {
		groups++
	}
	if c.Not != nil {
		groups++
	}
	comparison := c.Field != "" || c.Op != "" || c.Value != "" || c.Values != nil
	switch {
	case groups > 0 && comparison:
		v.add(ProblemBadGroup, p, "a condition is a group (all, any, not) or a comparison (field, op, value), not both")
		return
	case groups > 1:
		v.add(ProblemBadGroup, p, "a condition is one group: all, any or not")
		return
	case groups == 0 && !comparison:
		v.add(ProblemBadGroup, p, "an empty condition")
		return
	case c.All != nil && len(c.All) == 0, c.Any != nil && len(c.Any) == 0:
		v.add(ProblemBadGroup, p, "an empty group")
		return
	}
	for i := range c.All {
		v.condition(fmt.Sprintf("%s.all[%d]", p, i), &c.All[i], depth+1)
	}
	for i := range c.Any {
		v.condition(fmt.Sprintf("%s.any[%d]", p, i), &c.Any[i], depth+1)
	}
	if c.Not != nil {
		v.condition(p+".not", c.Not, depth+1)
	}
	if !comparison {
		return
	}
	kind, fieldOK := conditionField(c.Field)
	switch {
	case c.Field == "":
		v.add(ProblemMissing, p+".field", "a comparison needs a field")
	case !fieldOK:
		v.add(ProblemUnknownConditionField, p+".field", "unknown field %q", c.Field)
	case kind == fieldHours && c.Field != "hours":
		v.known(ProblemUnknownService, v.cat.Service, p+".field", "service", strings.TrimPrefix(c.Field, "hours."))
	}
	switch {
	case c.Op == "":
		v.add(ProblemMissing, p+".op", "a comparison needs an op")
		return
	case !knownOp(c.Op):
		v.add(ProblemUnknownOp, p+".op", "unknown op %q", c.Op)
		return
	case fieldOK && !opFor(kind, c.Op):
		v.add(ProblemBadValue, p+".op", "field %s takes no op %s", c.Field, c.Op)
		return
	}
	switch c.Op {
	case In, NotIn:
		if c.Value != "" {
			v.add(ProblemBadValue, p+".value", "op %s takes values, a list, not value", c.Op)
		}
		if len(c.Values) == 0 {
			v.add(ProblemMissing, p+".values", "op %s needs values", c.Op)
		}
		for i, x := range c.Values {
			if fieldOK {
				if why := checkValue(kind, x); why != "" {
					v.add(ProblemBadValue, fmt.Sprintf("%s.values[%d]", p, i), "%s", why)
				}
			}
		}
	case Exists, Missing:
		if c.Value != "" {
			v.add(ProblemBadValue, p+".value", "op %s takes no value", c.Op)
		}
		if c.Values != nil {
			v.add(ProblemBadValue, p+".values", "op %s takes no values", c.Op)
		}
	default:
		if c.Values != nil {
			v.add(ProblemBadValue, p+".values", "op %s takes value, not values", c.Op)
		}
		switch {
		case c.Value == "":
			v.add(ProblemMissing, p+".value", "op %s needs a value", c.Op)
		case c.Op == Matches:
			if _, err := regexp.Compile(c.Value); err != nil {
				v.add(ProblemBadValue, p+".value", "not a regular expression: %v", err)
			}
		case fieldOK:
			if why := checkValue(kind, c.Value); why != "" {
				v.add(ProblemBadValue, p+".value", "%s", why)
			}
		}
	}
}

// fieldRanks orders the JSON fields of each part of a definition as the
// types declare them, for sorting problems by their paths.
var fieldRanks = map[string]map[string]int{
	"definition": ranks("name description trigger if steps keep_on_close"),
	"trigger":    ranks("on from tag field presence service after"),
	"condition":  ranks("all any not field op value values"),
	"step":       ranks("id do agent team strategy template snippet tag field value priority note for until timeout on_timeout if then else to max name data"),
}

func ranks(names string) map[string]int {
	m := map[string]int{}
	for i, n := range strings.Fields(names) {
		m[n] = i
	}
	return m
}

// pathSegment is one element of a path: a field name, or an index.
type pathSegment struct {
	name  string
	index int // -1 for a name
}

func splitPath(p string) []pathSegment {
	var out []pathSegment
	for p != "" {
		switch {
		case p[0] == '.':
			p = p[1:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return append(out, pathSegment{name: p, index: -1})
			}
			n, _ := strconv.Atoi(p[1:end])
			out = append(out, pathSegment{index: n})
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out = append(out, pathSegment{name: p[:end], index: -1})
			p = p[end:]
		}
	}
	return out
}

// pathLess orders paths by where they are in a definition: fields in the
// order the types declare them, list elements by index, an element before
// what it holds.
func pathLess(a, b string) bool {
	sa, sb := splitPath(a), splitPath(b)
	ctx := "definition"
	for i := 0; i < len(sa) && i < len(sb); i++ {
		x, y := sa[i], sb[i]
		if x != y {
			if x.index >= 0 && y.index >= 0 {
				return x.index < y.index
			}
			if x.index >= 0 || y.index >= 0 {
				return x.index >= 0
			}
			rx, okx := fieldRanks[ctx][x.name]
			ry, oky := fieldRanks[ctx][y.name]
			if okx && oky {
				return rx < ry
			}
			return x.name < y.name
		}
		if x.index < 0 {
			switch {
			case ctx == "definition" && x.name == "trigger":
				ctx = "trigger"
			case ctx == "definition" && x.name == "steps":
				ctx = "step"
			case x.name == "if", x.name == "not", x.name == "all", x.name == "any":
				ctx = "condition"
			case x.name == "data":
				ctx = "data"
			}
		}
	}
	return len(sa) < len(sb)
}
