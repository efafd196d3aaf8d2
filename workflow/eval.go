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
	if s == nil {
		s = &Snapshot{}
	}
	var trace []Trace
	held := compileCondition(c, 0).eval(path, s, &trace)
	return held, trace
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

// Matches reports whether event ev is of the trigger's kind, with its
// filters (From, Tag, Field, Presence). Time-based triggers match no
// event. OnOutOfHours matches a contact's message; Start checks the hours.
//
// An agent's reply is stored as a message.queued event naming its agent;
// automatic and bots' messages name none, and no trigger matches them.
func (t *Trigger) Matches(ev *conversation.Event) bool {
	m := compileTrigger(t)
	return m.matches(ev)
}

// triggerID is a TriggerKind resolved when a trigger is compiled.
type triggerID uint8

const (
	triggerNone triggerID = iota // a kind that does not exist
	triggerOpened
	triggerMessage
	triggerClosed
	triggerTicketOpened
	triggerTicketClosed
	triggerPresence
	triggerOutOfHours
	triggerTagAdded
	triggerTagRemoved
	triggerField
	triggerAssigned
	triggerUnassigned
	triggerTimed // the time-based kinds
)

// trigger is a Trigger compiled: its kind, and for OnMessageReceived who
// may write the message.
type trigger struct {
	t              *Trigger
	id             triggerID
	contact, agent bool
}

// compileTrigger compiles t.
func compileTrigger(t *Trigger) trigger {
	m := trigger{t: t}
	switch t.On {
	case OnConversationOpened:
		m.id = triggerOpened
	case OnMessageReceived:
		m.id = triggerMessage
		switch t.From {
		case "", FromContact:
			m.contact = true
		case FromAgent:
			m.agent = true
		case FromAnyone:
			m.contact, m.agent = true, true
		}
	case OnConversationClosed:
		m.id = triggerClosed
	case OnTicketOpened:
		m.id = triggerTicketOpened
	case OnTicketClosed:
		m.id = triggerTicketClosed
	case OnPresenceChanged:
		m.id = triggerPresence
	case OnOutOfHours:
		m.id = triggerOutOfHours
	case OnTagAdded:
		m.id = triggerTagAdded
	case OnTagRemoved:
		m.id = triggerTagRemoved
	case OnFieldChanged:
		m.id = triggerField
	case OnAssigned:
		m.id = triggerAssigned
	case OnUnassigned:
		m.id = triggerUnassigned
	case OnNoContactReply, OnNoAgentReply, OnWaiting:
		m.id = triggerTimed
	}
	return m
}

// matches is Trigger.Matches.
func (m *trigger) matches(ev *conversation.Event) bool {
	if ev == nil {
		return false
	}
	t := m.t
	switch m.id {
	case triggerOpened:
		return ev.Type == conversation.EventConversationOpened
	case triggerMessage:
		return m.contact && ev.Type == conversation.EventMessageReceived ||
			m.agent && ev.Type == conversation.EventMessageQueued && ev.Agent != ""
	case triggerClosed:
		return ev.Type == conversation.EventConversationClosed
	case triggerTicketOpened:
		return ev.Type == conversation.EventTicketOpened
	case triggerTicketClosed:
		return ev.Type == conversation.EventTicketClosed
	case triggerPresence:
		return ev.Type == conversation.EventPresenceChanged && (t.Presence == "" || ev.Presence.String() == t.Presence)
	case triggerOutOfHours:
		return ev.Type == conversation.EventMessageReceived
	case triggerTagAdded:
		return ev.Type == conversation.EventTicketTagged && (t.Tag == "" || ev.Detail == strings.TrimSpace(t.Tag))
	case triggerTagRemoved:
		return ev.Type == conversation.EventTicketUntagged && (t.Tag == "" || ev.Detail == strings.TrimSpace(t.Tag))
	case triggerField:
		return (ev.Type == conversation.EventContactFieldSet || ev.Type == conversation.EventContactFieldUnset) &&
			(t.Field == "" || ev.Detail == t.Field)
	case triggerAssigned:
		return ev.Type == conversation.EventConversationAssigned
	case triggerUnassigned:
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
// It compiles d for the call: a caller that tests many events against
// one definition compiles it once (Compile).
func Start(d *Definition, s *Snapshot) (ok bool, trace []Trace) {
	return Compile(d).Start(s)
}

// Holds reports what Start reports, without the trace: the quick test of
// every event against the workflows it may start. Like Start, it compiles
// d for the call.
func Holds(d *Definition, s *Snapshot) bool { return Compile(d).Holds(s) }
