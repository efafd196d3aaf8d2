package workflow

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/internal/textfold"
	"github.com/telenet/contactcenter/ticket"
)

// priorityRank returns the order of a priority's name: low < normal <
// high < urgent.
func priorityRank(name string) (int, bool) {
	for _, p := range []ticket.Priority{ticket.PriorityLow, ticket.PriorityNormal, ticket.PriorityHigh, ticket.PriorityUrgent} {
		if p.String() == name {
			return int(p), true
		}
	}
	return 0, false
}

// fold returns s case-folded and without accents, for Contains.
func fold(s string) string { return textfold.Fold(s) }

// maxCachedPatterns bounds the cache of compiled regular expressions.
const maxCachedPatterns = 1024

// patterns caches the regular expressions of Matches, compiled once each.
var patterns struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}

// compile returns the compiled pattern, from the cache when it is there.
func compile(pattern string) (*regexp.Regexp, error) {
	patterns.Lock()
	re, ok := patterns.m[pattern]
	patterns.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	patterns.Lock()
	if patterns.m == nil {
		patterns.m = map[string]*regexp.Regexp{}
	}
	if len(patterns.m) < maxCachedPatterns {
		patterns.m[pattern] = re
	}
	patterns.Unlock()
	return re, nil
}

// Eval tests c against s. Its traces' paths begin with "if", as for a
// Definition's If; EvalAt takes another.
func (c *Condition) Eval(s *Snapshot) (bool, []Trace) {
	return c.EvalAt("if", s)
}

// EvalAt tests c, which is at path in its definition ("if",
// "steps[2].if"), against s, and returns a Trace of every comparison made,
// in order. A nil condition holds. All stops at the first condition that
// does not hold and Any at the first that does; a comparison that cannot
// be made (a field or op that does not exist, a value of the wrong kind)
// does not hold and says why in its Trace's Err. Parts of s that are nil
// read as empty values.
func (c *Condition) EvalAt(path string, s *Snapshot) (bool, []Trace) {
	if c == nil {
		return true, nil
	}
	var trace []Trace
	held := c.eval(path, s, &trace, 0)
	return held, trace
}

func (c *Condition) eval(path string, s *Snapshot, trace *[]Trace, depth int) bool {
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
	if depth > MaxConditionDepth {
		if trace != nil {
			*trace = append(*trace, Trace{Path: path, Err: "conditions nested too deep"})
		}
		return false
	}
	switch {
	case c.All != nil:
		for i := range c.All {
			if !c.All[i].eval(at(".all", i), s, trace, depth+1) {
				return false
			}
		}
		return true
	case c.Any != nil:
		for i := range c.Any {
			if c.Any[i].eval(at(".any", i), s, trace, depth+1) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !c.Not.eval(at(".not", -1), s, trace, depth+1)
	}
	t := c.compare(s)
	if trace != nil {
		t.Path = path
		*trace = append(*trace, t)
	}
	return t.Held
}

// value returns the snapshot's value of field f, and for ticket.tags the
// tags.
func value(f string, s *Snapshot) (string, []string, string) {
	if s == nil {
		s = &Snapshot{}
	}
	ct, tk, cv := s.Contact, s.Ticket, s.Conversation
	switch f {
	case "contact.name":
		if ct != nil {
			return ct.Name, nil, ""
		}
	case "contact.language":
		if ct != nil {
			return ct.Language, nil, ""
		}
	case "contact.channel":
		if cv != nil && cv.Channel != "" {
			return string(cv.Channel), nil, ""
		}
		return string(s.Event.Channel), nil, ""
	case "ticket.priority":
		if tk != nil {
			return tk.Priority.String(), nil, ""
		}
	case "ticket.tags":
		if tk != nil {
			return strings.Join(tk.Tags, ", "), tk.Tags, ""
		}
	case "ticket.subject":
		if tk != nil {
			return tk.Subject, nil, ""
		}
	case "conversation.state":
		if cv != nil && cv.State != 0 {
			return cv.State.String(), nil, ""
		}
	case "conversation.assignee":
		if cv != nil {
			return string(cv.Assignee), nil, ""
		}
	case "conversation.team":
		if cv != nil {
			return string(cv.Team), nil, ""
		}
	case "conversation.bot":
		if cv != nil {
			return cv.Bot, nil, ""
		}
	case "conversation.waiting":
		var d time.Duration
		if cv != nil && !cv.WaitingSince.IsZero() {
			d = s.Now.Sub(cv.WaitingSince)
		}
		return d.String(), nil, ""
	case "conversation.first":
		return strconv.FormatBool(s.First), nil, ""
	case "message.text":
		if s.Message != nil {
			return s.Message.Text, nil, ""
		}
	case "previous":
		return s.Previous, nil, ""
	default:
		if k, ok := strings.CutPrefix(f, "contact.field."); ok && k != "" {
			if ct != nil {
				return ct.Fields[k], nil, ""
			}
			return "", nil, ""
		}
		if f == "hours" || strings.HasPrefix(f, "hours.") && len(f) > len("hours.") {
			return hoursValue(s, strings.TrimPrefix(strings.TrimPrefix(f, "hours"), "."))
		}
		return "", nil, "unknown field"
	}
	return "", nil, ""
}

// hoursValue returns "open" or "closed" for the service hours, or why
// there is no value.
func hoursValue(s *Snapshot, service string) (string, []string, string) {
	if s.Hours == nil {
		return "", nil, "no service hours in the snapshot"
	}
	open, ok := s.Hours(service)
	switch {
	case !ok && service == "":
		return "", nil, "the channel has no out-of-hours service"
	case !ok:
		return "", nil, "no service " + strconv.Quote(service)
	case open:
		return "open", nil, ""
	}
	return "closed", nil, ""
}

// compare makes the comparison c of a snapshot's value.
func (c *Condition) compare(s *Snapshot) Trace {
	t := Trace{Field: c.Field, Op: c.Op, Want: c.Value}
	if c.Op == In || c.Op == NotIn {
		t.Want = strings.Join(c.Values, ", ")
	}
	kind, ok := conditionField(c.Field)
	if !ok {
		t.Err = "unknown field " + strconv.Quote(c.Field)
		return t
	}
	got, tags, why := value(c.Field, s)
	t.Got = got
	if why != "" {
		t.Err = why
		return t
	}
	var held bool
	var err string
	if c.Op == Contains && kind != fieldTags {
		// The text compared is folded once per snapshot: every workflow
		// that tests the message's text tests the same text.
		held = strings.Contains(s.folded(got), fold(c.Value))
	} else {
		held, err = c.test(kind, got, tags)
	}
	t.Held = held && err == ""
	t.Err = err
	return t
}

// order compares got and want as the field's kind orders its values: -1,
// 0, 1; err says why they do not compare.
func order(kind fieldKind, got, want string) (int, string) {
	switch kind {
	case fieldPriority:
		w, ok := priorityRank(want)
		if !ok {
			return 0, strconv.Quote(want) + " is not a priority"
		}
		g, ok := priorityRank(got)
		if !ok {
			return 0, "no priority"
		}
		return cmp(g, w), ""
	case fieldDuration:
		w, err := time.ParseDuration(want)
		if err != nil {
			return 0, strconv.Quote(want) + " is not a duration"
		}
		g, err := time.ParseDuration(got)
		if err != nil {
			return 0, "no duration"
		}
		return cmp(g, w), ""
	}
	g, errG := strconv.ParseFloat(got, 64)
	w, errW := strconv.ParseFloat(want, 64)
	if errG == nil && errW == nil {
		return cmp(g, w), ""
	}
	return strings.Compare(got, want), ""
}

func cmp[T int | float64 | time.Duration](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func hasTag(tags []string, tag string) bool {
	tag = strings.TrimSpace(tag)
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// test applies c's op to got (tags for ticket.tags).
func (c *Condition) test(kind fieldKind, got string, tags []string) (bool, string) {
	if kind == fieldTags {
		switch c.Op {
		case Eq, Contains:
			return hasTag(tags, c.Value), ""
		case Ne:
			return !hasTag(tags, c.Value), ""
		case In, NotIn:
			found := false
			for _, v := range c.Values {
				found = found || hasTag(tags, v)
			}
			return found == (c.Op == In), ""
		case Exists:
			return len(tags) > 0, ""
		case Missing:
			return len(tags) == 0, ""
		}
		return false, "op " + string(c.Op) + " does not apply to ticket.tags"
	}
	equal := func(want string) bool {
		if kind == fieldDuration || kind == fieldPriority {
			o, err := order(kind, got, want)
			return err == "" && o == 0
		}
		return got == want
	}
	switch c.Op {
	case Eq:
		return equal(c.Value), ""
	case Ne:
		return !equal(c.Value), ""
	case In, NotIn:
		found := false
		for _, v := range c.Values {
			found = found || equal(v)
		}
		return found == (c.Op == In), ""
	case Contains:
		return strings.Contains(fold(got), fold(c.Value)), ""
	case Matches:
		re, err := compile(c.Value)
		if err != nil {
			return false, "not a regular expression: " + err.Error()
		}
		return re.MatchString(got), ""
	case Exists:
		return got != "", ""
	case Missing:
		return got == "", ""
	case Gt, Gte, Lt, Lte:
		if got == "" && (kind == fieldPriority || kind == fieldDuration) {
			return false, ""
		}
		o, err := order(kind, got, c.Value)
		if err != "" {
			return false, err
		}
		switch c.Op {
		case Gt:
			return o > 0, ""
		case Gte:
			return o >= 0, ""
		case Lt:
			return o < 0, ""
		}
		return o <= 0, ""
	}
	return false, "unknown op " + strconv.Quote(string(c.Op))
}

// Matches reports whether event ev is of the trigger's kind, with its
// filters (From, Tag, Field, Presence). Time-based triggers match no
// event. OnOutOfHours matches a contact's message; Start checks the hours.
//
// An agent's reply is stored as a message.queued event naming its agent;
// automatic and bots' messages name none, and no trigger matches them.
func (t *Trigger) Matches(ev *conversation.Event) bool {
	if ev == nil {
		return false
	}
	switch t.On {
	case OnConversationOpened:
		return ev.Type == conversation.EventConversationOpened
	case OnMessageReceived:
		contact := ev.Type == conversation.EventMessageReceived
		agent := ev.Type == conversation.EventMessageQueued && ev.Agent != ""
		switch t.From {
		case "", FromContact:
			return contact
		case FromAgent:
			return agent
		case FromAnyone:
			return contact || agent
		}
		return false
	case OnConversationClosed:
		return ev.Type == conversation.EventConversationClosed
	case OnTicketOpened:
		return ev.Type == conversation.EventTicketOpened
	case OnTicketClosed:
		return ev.Type == conversation.EventTicketClosed
	case OnPresenceChanged:
		return ev.Type == conversation.EventPresenceChanged && (t.Presence == "" || ev.Presence.String() == t.Presence)
	case OnOutOfHours:
		return ev.Type == conversation.EventMessageReceived
	case OnTagAdded:
		return ev.Type == conversation.EventTicketTagged && (t.Tag == "" || ev.Detail == strings.TrimSpace(t.Tag))
	case OnTagRemoved:
		return ev.Type == conversation.EventTicketUntagged && (t.Tag == "" || ev.Detail == strings.TrimSpace(t.Tag))
	case OnFieldChanged:
		return (ev.Type == conversation.EventContactFieldSet || ev.Type == conversation.EventContactFieldUnset) &&
			(t.Field == "" || ev.Detail == t.Field)
	case OnAssigned:
		return ev.Type == conversation.EventConversationAssigned
	case OnUnassigned:
		return ev.Type == conversation.EventConversationUnassigned
	}
	return false
}

// Events returns the event types that the trigger matches among: none
// for a time-based trigger or a kind that does not exist.
func (t *Trigger) Events() []conversation.EventType {
	switch t.On {
	case OnConversationOpened:
		return []conversation.EventType{conversation.EventConversationOpened}
	case OnMessageReceived:
		switch t.From {
		case "", FromContact:
			return []conversation.EventType{conversation.EventMessageReceived}
		case FromAgent:
			return []conversation.EventType{conversation.EventMessageQueued}
		case FromAnyone:
			return []conversation.EventType{conversation.EventMessageReceived, conversation.EventMessageQueued}
		}
	case OnConversationClosed:
		return []conversation.EventType{conversation.EventConversationClosed}
	case OnTicketOpened:
		return []conversation.EventType{conversation.EventTicketOpened}
	case OnTicketClosed:
		return []conversation.EventType{conversation.EventTicketClosed}
	case OnPresenceChanged:
		return []conversation.EventType{conversation.EventPresenceChanged}
	case OnOutOfHours:
		return []conversation.EventType{conversation.EventMessageReceived}
	case OnTagAdded:
		return []conversation.EventType{conversation.EventTicketTagged}
	case OnTagRemoved:
		return []conversation.EventType{conversation.EventTicketUntagged}
	case OnFieldChanged:
		return []conversation.EventType{conversation.EventContactFieldSet, conversation.EventContactFieldUnset}
	case OnAssigned:
		return []conversation.EventType{conversation.EventConversationAssigned}
	case OnUnassigned:
		return []conversation.EventType{conversation.EventConversationUnassigned}
	}
	return nil
}

// Needs returns the parts of a Snapshot that d's trigger and conditions
// (If and the branches') read.
func (d *Definition) Needs() Needs {
	var n Needs
	if d.Trigger.On == OnOutOfHours {
		n.Hours = true
	}
	d.If.needs(&n, 0)
	for i := range d.Steps {
		if d.Steps[i].Do == Branch {
			d.Steps[i].If.needs(&n, 0)
		}
	}
	return n
}

func (c *Condition) needs(n *Needs, depth int) {
	if c == nil || depth > MaxConditionDepth {
		return
	}
	for i := range c.All {
		c.All[i].needs(n, depth+1)
	}
	for i := range c.Any {
		c.Any[i].needs(n, depth+1)
	}
	c.Not.needs(n, depth+1)
	switch f := c.Field; {
	case f == "message.text":
		n.Message = true
	case f == "hours" || strings.HasPrefix(f, "hours."):
		n.Hours = true
	case f == "conversation.first":
		n.First = true
	case f == "contact.channel", strings.HasPrefix(f, "conversation."):
		n.Conversation = true
	case strings.HasPrefix(f, "contact."):
		n.Contact = true
	case strings.HasPrefix(f, "ticket."):
		n.Ticket = true
	}
}

// Start reports whether s starts a run of d: its event matches the
// trigger (a time-based trigger's event is the engine's, and matches), the
// trigger's own test holds (OnOutOfHours: the service hours are closed; a
// service there is none of starts nothing, and says so in a Trace of path
// "trigger") and d.If holds; trace is every comparison made, in order.
func Start(d *Definition, s *Snapshot) (ok bool, trace []Trace) {
	ok = start(d, s, &trace)
	return ok, trace
}

// Holds reports what Start reports, without the trace: the quick test of
// every event against the workflows it may start.
func Holds(d *Definition, s *Snapshot) bool { return start(d, s, nil) }

// start is Start, adding to trace when it is not nil.
func start(d *Definition, s *Snapshot, trace *[]Trace) bool {
	if d == nil || s == nil {
		return false
	}
	if !d.Trigger.On.TimeBased() && !d.Trigger.Matches(&s.Event) {
		return false
	}
	if d.Trigger.On == OnOutOfHours {
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
	if d.If == nil {
		return true
	}
	return d.If.eval("if", s, trace, 0)
}
