package workflow

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/telenet/contactcenter/conversation"
)

// Compiled is a Definition made ready to test many events: each
// condition's field is resolved, the values it compares with are folded
// (contains), compiled (matches) or parsed (priorities, durations,
// numbers) once, not for every event. Its Start and Holds give what the
// package's Start and Holds give for the definition, which compile it
// for each call. A Compiled is safe for concurrent use; the Definition it
// was made from must not change afterwards.
type Compiled struct {
	// The parts read for every event come first, and in place: an event
	// is tested against many workflows, whose data is seldom in a cache.
	trig  trigger
	cond  test // of def.If, when it has one (hasIf)
	hasIf bool
	def   *Definition
}

// Compile prepares d for testing events. A definition Validate refuses
// compiles too: what cannot be compared (an unknown field or op, a value
// of the wrong kind) does not hold, and its Trace says why.
func Compile(d *Definition) *Compiled {
	c := &Compiled{def: d}
	if d == nil {
		return c
	}
	c.trig = compileTrigger(&d.Trigger)
	if d.If != nil {
		compileInto(&c.cond, d.If, 0)
		c.hasIf = true
	}
	return c
}

// Definition returns the definition c was compiled from.
func (c *Compiled) Definition() *Definition { return c.def }

// Matches is Trigger.Matches, for the compiled definition's trigger.
func (c *Compiled) Matches(ev *conversation.Event) bool {
	return c.trig.matches(ev) // a nil definition's trigger is none
}

// Start is the package's Start, for the compiled definition.
func (c *Compiled) Start(s *Snapshot) (ok bool, trace []Trace) {
	ok = c.start(s, &trace)
	return ok, trace
}

// Holds is the package's Holds, for the compiled definition: the quick
// test, without a trace, of every event against the workflows it may
// start.
func (c *Compiled) Holds(s *Snapshot) bool { return c.start(s, nil) }

// start is Start, adding to trace when it is not nil.
func (c *Compiled) start(s *Snapshot, trace *[]Trace) bool {
	d := c.def
	if d == nil || s == nil {
		return false
	}
	if c.trig.id != triggerTimed && !c.trig.matches(&s.Event) {
		return false
	}
	if c.trig.id == triggerOutOfHours {
		field := "hours"
		if d.Trigger.Service != "" {
			field = "hours." + d.Trigger.Service
		}
		got, _, why := hoursValue(s, d.Trigger.Service)
		held := got == "closed"
		if trace != nil {
			*trace = append(*trace, Trace{Path: "trigger", Field: field, Op: Eq, Want: "closed", Got: got, Held: held, Err: why})
		}
		if !held {
			return false
		}
	}
	if !c.hasIf {
		return true
	}
	return c.cond.eval("if", s, trace)
}

// testKind is what a compiled condition is.
type testKind uint8

const (
	testCompare testKind = iota
	testAll
	testAny
	testNot
	// testTooDeep stands for a condition nested deeper than
	// MaxConditionDepth, which does not hold.
	testTooDeep
)

// opID is an Op resolved when a condition is compiled.
type opID uint8

const (
	opNone opID = iota // an op that does not exist
	opEq
	opNe
	opIn
	opNotIn
	opContains
	opMatches
	opExists
	opMissing
	opGt
	opGte
	opLt
	opLte
)

// ops resolves the Ops.
var ops = map[Op]opID{Eq: opEq, Ne: opNe, In: opIn, NotIn: opNotIn, Contains: opContains, Matches: opMatches,
	Exists: opExists, Missing: opMissing, Gt: opGt, Gte: opGte, Lt: opLt, Lte: opLte}

// test is a Condition compiled. The parts every test reads come first.
type test struct {
	kind testKind
	op   opID
	// Of a comparison: the field, its kind and key (the contact field's
	// or the service's name), or why there is no such field.
	field fieldID
	fk    fieldKind
	// folded is the Value folded, for contains.
	folded   string
	key      string
	fieldErr string
	kids     []test // All and Any's conditions, Not's one
	c        *Condition
	want     string // Trace.Want: the Value, or the Values joined
	// re is the Value compiled, for matches, or reErr why it does not
	// compile.
	re    *regexp.Regexp
	reErr string
	// value and values are Value and Values parsed for comparing values
	// of the field's kind.
	value  wantValue
	values []wantValue
}

// compileCondition compiles c, which is depth groups deep.
func compileCondition(c *Condition, depth int) *test {
	t := &test{}
	compileInto(t, c, depth)
	return t
}

func compileInto(t *test, c *Condition, depth int) {
	t.c = c
	if depth > MaxConditionDepth {
		t.kind = testTooDeep
		return
	}
	group := func(kind testKind, cs []Condition) {
		t.kind = kind
		t.kids = make([]test, len(cs))
		for i := range cs {
			compileInto(&t.kids[i], &cs[i], depth+1)
		}
	}
	switch {
	case c.All != nil:
		group(testAll, c.All)
		return
	case c.Any != nil:
		group(testAny, c.Any)
		return
	case c.Not != nil:
		t.kind = testNot
		t.kids = make([]test, 1)
		compileInto(&t.kids[0], c.Not, depth+1)
		return
	}
	t.kind = testCompare
	t.op = ops[c.Op]
	t.want = c.Value
	if c.Op == In || c.Op == NotIn {
		t.want = strings.Join(c.Values, ", ")
	}
	var ok bool
	t.field, t.key, t.fk, ok = lookupField(c.Field)
	if !ok {
		t.fieldErr = "unknown field " + strconv.Quote(c.Field)
		return
	}
	switch c.Op {
	case Contains:
		t.folded = fold(c.Value)
	case Matches:
		re, err := compile(c.Value)
		if err != nil {
			t.reErr = "not a regular expression: " + err.Error()
		}
		t.re = re
	case In, NotIn:
		t.values = make([]wantValue, len(c.Values))
		for i, v := range c.Values {
			t.values[i] = parseWant(t.fk, v)
		}
	default:
		t.value = parseWant(t.fk, c.Value)
	}
}

// eval tests t, which is at path, against s, adding to trace when it is
// not nil. All stops at the first condition that does not hold and Any at
// the first that does.
func (t *test) eval(path string, s *Snapshot, trace *[]Trace) bool {
	// Without a trace (Holds), no path is made.
	at := func(kind string, i int) string {
		if trace == nil {
			return ""
		}
		if i < 0 {
			return path + kind
		}
		return path + kind + "[" + strconv.Itoa(i) + "]"
	}
	switch t.kind {
	case testAll:
		for i := range t.kids {
			if !t.kids[i].eval(at(".all", i), s, trace) {
				return false
			}
		}
		return true
	case testAny:
		for i := range t.kids {
			if t.kids[i].eval(at(".any", i), s, trace) {
				return true
			}
		}
		return false
	case testNot:
		return !t.kids[0].eval(at(".not", -1), s, trace)
	case testTooDeep:
		if trace != nil {
			*trace = append(*trace, Trace{Path: path, Err: "conditions nested too deep"})
		}
		return false
	}
	held, got, err := t.compare(s)
	if trace != nil {
		c := t.c
		*trace = append(*trace, Trace{Path: path, Field: c.Field, Op: c.Op, Want: t.want, Got: got, Held: held, Err: err})
	}
	return held
}

// compare makes the comparison t of a snapshot's value: whether it
// holds, the value, and why it could not be made.
func (t *test) compare(s *Snapshot) (held bool, got, err string) {
	if t.fieldErr != "" {
		return false, "", t.fieldErr
	}
	got, tags, why := value(t.field, t.key, s)
	if why != "" {
		return false, got, why
	}
	held, err = t.test(s, got, tags)
	return held && err == "", got, err
}

// test applies t's op to got (tags for ticket.tags), a value of s.
func (t *test) test(s *Snapshot, got string, tags []string) (bool, string) {
	c := t.c
	if t.fk == fieldTags {
		switch t.op {
		case opEq, opContains:
			return hasTag(tags, c.Value), ""
		case opNe:
			return !hasTag(tags, c.Value), ""
		case opIn, opNotIn:
			found := false
			for _, v := range c.Values {
				found = found || hasTag(tags, v)
			}
			return found == (t.op == opIn), ""
		case opExists:
			return len(tags) > 0, ""
		case opMissing:
			return len(tags) == 0, ""
		}
		return false, "op " + string(c.Op) + " does not apply to ticket.tags"
	}
	equal := func(w *wantValue) bool {
		if t.fk == fieldDuration || t.fk == fieldPriority {
			o, err := order(t.fk, got, w)
			return err == "" && o == 0
		}
		return got == w.s
	}
	switch t.op {
	case opEq:
		return equal(&t.value), ""
	case opNe:
		return !equal(&t.value), ""
	case opIn, opNotIn:
		found := false
		for i := range t.values {
			found = found || equal(&t.values[i])
		}
		return found == (t.op == opIn), ""
	case opContains:
		// The text is folded once per snapshot: every workflow that
		// tests the message's text tests the same text.
		return strings.Contains(s.folded(got), t.folded), ""
	case opMatches:
		if t.reErr != "" {
			return false, t.reErr
		}
		return t.re.MatchString(got), ""
	case opExists:
		return got != "", ""
	case opMissing:
		return got == "", ""
	case opGt, opGte, opLt, opLte:
		if got == "" && (t.fk == fieldPriority || t.fk == fieldDuration) {
			return false, ""
		}
		o, err := order(t.fk, got, &t.value)
		if err != "" {
			return false, err
		}
		switch t.op {
		case opGt:
			return o > 0, ""
		case opGte:
			return o >= 0, ""
		case opLt:
			return o < 0, ""
		}
		return o <= 0, ""
	}
	return false, "unknown op " + strconv.Quote(string(c.Op))
}

// wantValue is a value a comparison compares with, parsed once for the
// field's kind.
type wantValue struct {
	s string
	// n is the value as a number: a priority's rank, a duration's
	// nanoseconds, or a text that reads as a number (num).
	n   float64
	num bool
	// err says why the value is not of the field's kind.
	err string
}

// parseWant parses want for comparing values of a field of kind k.
func parseWant(k fieldKind, want string) wantValue {
	w := wantValue{s: want}
	switch k {
	case fieldPriority:
		r, ok := priorityRank(want)
		if !ok {
			w.err = strconv.Quote(want) + " is not a priority"
		}
		w.n = float64(r)
	case fieldDuration:
		d, err := time.ParseDuration(want)
		if err != nil {
			w.err = strconv.Quote(want) + " is not a duration"
		}
		w.n = float64(d)
	default:
		f, err := strconv.ParseFloat(want, 64)
		w.n, w.num = f, err == nil
	}
	return w
}

// order compares got and want as the field's kind orders its values: -1,
// 0, 1; err says why they do not compare.
func order(kind fieldKind, got string, want *wantValue) (int, string) {
	switch kind {
	case fieldPriority:
		if want.err != "" {
			return 0, want.err
		}
		g, ok := priorityRank(got)
		if !ok {
			return 0, "no priority"
		}
		return cmp(float64(g), want.n), ""
	case fieldDuration:
		if want.err != "" {
			return 0, want.err
		}
		g, err := time.ParseDuration(got)
		if err != nil {
			return 0, "no duration"
		}
		return cmp(float64(g), want.n), ""
	}
	if want.num {
		if g, err := strconv.ParseFloat(got, 64); err == nil {
			return cmp(g, want.n), ""
		}
	}
	return strings.Compare(got, want.s), ""
}

// fieldID names a condition field, resolved when a condition is
// compiled.
type fieldID uint8

const (
	fieldNone fieldID = iota
	fieldContactName
	fieldContactLanguage
	fieldContactChannel
	fieldContactField // contact.field.<key>
	fieldTicketPriority
	fieldTicketTags
	fieldTicketSubject
	fieldConversationState
	fieldConversationAssignee
	fieldConversationTeam
	fieldConversationBot
	fieldConversationWaiting
	fieldConversationFirst
	fieldMessageText
	fieldPrevious
	fieldHoursOf // hours, hours.<service>
)

// fields are the condition fields without a key, with their kinds.
var fields = map[string]struct {
	id   fieldID
	kind fieldKind
}{
	"contact.name":          {fieldContactName, fieldText},
	"contact.language":      {fieldContactLanguage, fieldText},
	"contact.channel":       {fieldContactChannel, fieldText},
	"ticket.priority":       {fieldTicketPriority, fieldPriority},
	"ticket.tags":           {fieldTicketTags, fieldTags},
	"ticket.subject":        {fieldTicketSubject, fieldText},
	"conversation.state":    {fieldConversationState, fieldState},
	"conversation.assignee": {fieldConversationAssignee, fieldText},
	"conversation.team":     {fieldConversationTeam, fieldText},
	"conversation.bot":      {fieldConversationBot, fieldText},
	"conversation.waiting":  {fieldConversationWaiting, fieldDuration},
	"conversation.first":    {fieldConversationFirst, fieldBool},
	"message.text":          {fieldMessageText, fieldText},
	"previous":              {fieldPrevious, fieldText},
	"hours":                 {fieldHoursOf, fieldHours},
}

// lookupField resolves condition field f: its id, its key (the name after
// "contact.field." or "hours."), its kind, and whether there is such a
// field.
func lookupField(f string) (fieldID, string, fieldKind, bool) {
	if x, ok := fields[f]; ok {
		return x.id, "", x.kind, true
	}
	if k, ok := strings.CutPrefix(f, "contact.field."); ok && k != "" {
		return fieldContactField, k, fieldText, true
	}
	if s, ok := strings.CutPrefix(f, "hours."); ok && s != "" {
		return fieldHoursOf, s, fieldHours, true
	}
	return fieldNone, "", 0, false
}

// value returns the snapshot's value of field f (with its key), and for
// ticket.tags the tags; why says why there is no value.
func value(f fieldID, key string, s *Snapshot) (got string, tags []string, why string) {
	ct, tk, cv := s.Contact, s.Ticket, s.Conversation
	switch f {
	case fieldContactName:
		if ct != nil {
			return ct.Name, nil, ""
		}
	case fieldContactLanguage:
		if ct != nil {
			return ct.Language, nil, ""
		}
	case fieldContactChannel:
		if cv != nil && cv.Channel != "" {
			return string(cv.Channel), nil, ""
		}
		return string(s.Event.Channel), nil, ""
	case fieldContactField:
		if ct != nil {
			return ct.Fields[key], nil, ""
		}
	case fieldTicketPriority:
		if tk != nil {
			return tk.Priority.String(), nil, ""
		}
	case fieldTicketTags:
		if tk != nil {
			return strings.Join(tk.Tags, ", "), tk.Tags, ""
		}
	case fieldTicketSubject:
		if tk != nil {
			return tk.Subject, nil, ""
		}
	case fieldConversationState:
		if cv != nil && cv.State != 0 {
			return cv.State.String(), nil, ""
		}
	case fieldConversationAssignee:
		if cv != nil {
			return string(cv.Assignee), nil, ""
		}
	case fieldConversationTeam:
		if cv != nil {
			return string(cv.Team), nil, ""
		}
	case fieldConversationBot:
		if cv != nil {
			return cv.Bot, nil, ""
		}
	case fieldConversationWaiting:
		var d time.Duration
		if cv != nil && !cv.WaitingSince.IsZero() {
			d = s.Now.Sub(cv.WaitingSince)
		}
		return d.String(), nil, ""
	case fieldConversationFirst:
		return strconv.FormatBool(s.First), nil, ""
	case fieldMessageText:
		if s.Message != nil {
			return s.Message.Text, nil, ""
		}
	case fieldPrevious:
		return s.Previous, nil, ""
	case fieldHoursOf:
		return hoursValue(s, key)
	}
	return "", nil, ""
}
