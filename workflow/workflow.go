package workflow

import (
	"encoding/json"
	"fmt"
	"time"
)

// Definition is a workflow as its author writes it: a trigger, the
// conditions a triggering event must meet, and the steps a run takes. It
// is data: it round-trips through JSON (Decode, json.Marshal), and is
// checked as a whole by Validate before it is published.
type Definition struct {
	// Name names the workflow in its workspace; the versions of one
	// workflow share it.
	Name string `json:"name"`
	// Description is for people.
	Description string `json:"description,omitempty"`
	// Trigger says which events start a run.
	Trigger Trigger `json:"trigger"`
	// If is the condition a triggering event must meet for a run to
	// start; nil always holds.
	If *Condition `json:"if,omitempty"`
	// Steps are what a run does, in order, from the first.
	Steps []Step `json:"steps"`
	// KeepOnClose keeps a run waiting when its conversation closes; by
	// default a close cancels the run's wait, and the run ends there.
	KeepOnClose bool `json:"keep_on_close,omitempty"`
}

// TriggerKind names what starts a run. The values are stable and meant to
// be stored.
type TriggerKind string

// Triggers (R16). Those with After are time-based: they fire when a state
// has lasted that long, and only once for each time it began.
const (
	// OnConversationOpened: a conversation opened.
	OnConversationOpened TriggerKind = "conversation.opened"
	// OnMessageReceived: a message was stored in the conversation: a
	// contact's (Trigger.From "contact", the default), an agent's
	// ("agent") or either ("any").
	OnMessageReceived TriggerKind = "message.received"
	// OnConversationClosed: a conversation closed.
	OnConversationClosed TriggerKind = "conversation.closed"
	// OnTicketOpened and OnTicketClosed: a ticket opened, or closed.
	OnTicketOpened TriggerKind = "ticket.opened"
	OnTicketClosed TriggerKind = "ticket.closed"
	// OnPresenceChanged: an agent's presence changed (to
	// Trigger.Presence, when given). It concerns no conversation: a run
	// of it has none, and its steps that need one are skipped.
	OnPresenceChanged TriggerKind = "agent.presence_changed"
	// OnOutOfHours: a contact's message came while the service hours
	// (Trigger.Service, or the channel's out-of-hours service) are
	// closed.
	OnOutOfHours TriggerKind = "out_of_hours"
	// OnTagAdded and OnTagRemoved: a tag (Trigger.Tag, or any) was added
	// to the conversation's ticket, or removed.
	OnTagAdded   TriggerKind = "tag.added"
	OnTagRemoved TriggerKind = "tag.removed"
	// OnFieldChanged: a field (Trigger.Field, or any) of the contact was
	// set or unset; the condition field "previous" is its value before.
	OnFieldChanged TriggerKind = "field.changed"
	// OnAssigned and OnUnassigned: the conversation got an assignee, or
	// lost it.
	OnAssigned   TriggerKind = "conversation.assigned"
	OnUnassigned TriggerKind = "conversation.unassigned"
	// OnNoContactReply: an agent's message got no reply from the contact
	// for Trigger.After.
	OnNoContactReply TriggerKind = "no_reply.contact"
	// OnNoAgentReply: a contact's message got no reply from an agent for
	// Trigger.After, counted from the first message without a reply; it
	// fires once until an agent replies.
	OnNoAgentReply TriggerKind = "no_reply.agent"
	// OnWaiting: the conversation waited in the queue for Trigger.After.
	OnWaiting TriggerKind = "queue.waiting"
)

// Author says whose message triggers OnMessageReceived.
type Author string

// Authors of a message.
const (
	FromContact Author = "contact"
	FromAgent   Author = "agent"
	FromAnyone  Author = "any"
)

// Trigger says which events start a run of a workflow.
type Trigger struct {
	On TriggerKind `json:"on"`
	// From: OnMessageReceived only; "" is FromContact.
	From Author `json:"from,omitempty"`
	// Tag: OnTagAdded and OnTagRemoved only; "" is any tag.
	Tag string `json:"tag,omitempty"`
	// Field: OnFieldChanged only; "" is any field.
	Field string `json:"field,omitempty"`
	// Presence: OnPresenceChanged only ("online", "away", "offline"); ""
	// is any change.
	Presence string `json:"presence,omitempty"`
	// Service: OnOutOfHours only: the service hours to check; "" is the
	// channel's out-of-hours service.
	Service string `json:"service,omitempty"`
	// After: the time-based triggers only, and required for them.
	After Duration `json:"after,omitempty"`
}

// TimeBased reports whether the trigger fires after a state lasted
// Trigger.After rather than on an event.
func (k TriggerKind) TimeBased() bool {
	return k == OnNoContactReply || k == OnNoAgentReply || k == OnWaiting
}

// Op is a comparison of a condition.
type Op string

// Comparisons. Values are compared as text, except durations
// (conversation.waiting, compared as durations), priorities
// (ticket.priority, in the order low < normal < high < urgent) and
// numbers of text that reads as one.
const (
	Eq       Op = "eq"       // equal to Value
	Ne       Op = "ne"       // not equal to Value
	In       Op = "in"       // equal to one of Values
	NotIn    Op = "not_in"   // equal to none of Values
	Contains Op = "contains" // contains Value, ignoring case and accents; for tags: has the tag
	Matches  Op = "matches"  // matches the regular expression Value (RE2)
	Exists   Op = "exists"   // is set: not empty
	Missing  Op = "missing"  // is not set: empty
	Gt       Op = "gt"       // greater than Value
	Gte      Op = "gte"      // greater than or equal to Value
	Lt       Op = "lt"       // less than Value
	Lte      Op = "lte"      // less than or equal to Value
)

// Condition is a test of a run's snapshot: a group (All, Any, Not) or a
// comparison of one Field with Op and Value (or Values). Exactly one of
// them is given.
//
// Fields:
//
//	contact.name, contact.language, contact.channel, contact.field.KEY
//	ticket.priority, ticket.tags, ticket.subject
//	conversation.state ("open", "closed"), conversation.assignee,
//	conversation.team, conversation.waiting (a duration: how long it has
//	waited in the queue), conversation.first ("true" for the contact's
//	first conversation), conversation.bot
//	message.text (the triggering message's)
//	hours ("open" or "closed": the channel's out-of-hours service),
//	hours.SERVICE (the named service's)
//	previous (the value before the change of OnFieldChanged; the previous
//	assignee of OnAssigned and OnUnassigned)
type Condition struct {
	All []Condition `json:"all,omitempty"`
	Any []Condition `json:"any,omitempty"`
	Not *Condition  `json:"not,omitempty"`

	Field  string   `json:"field,omitempty"`
	Op     Op       `json:"op,omitempty"`
	Value  string   `json:"value,omitempty"`
	Values []string `json:"values,omitempty"`
}

// StepKind names what a step does. The values are stable and meant to be
// stored.
type StepKind string

// Steps (R16).
const (
	// Assign: to Agent; or to Team's queue; or, with Strategy, to an
	// agent of Team (or of the workspace) chosen now by the named
	// assignment strategy ("round_robin", "least_busy", or the host's).
	Assign StepKind = "assign"
	// Unassign: back to the queue.
	Unassign StepKind = "unassign"
	// Send: the Template, or the Snippet, rendered for the conversation,
	// as an automatic message.
	Send StepKind = "send"
	// Tag and Untag: the ticket's Tag.
	Tag   StepKind = "tag"
	Untag StepKind = "untag"
	// SetField and UnsetField: the contact's Field, to Value.
	SetField   StepKind = "set_field"
	UnsetField StepKind = "unset_field"
	// SetPriority: the ticket's Priority ("low", "normal", "high",
	// "urgent").
	SetPriority StepKind = "set_priority"
	// Close: closes the conversation with Note.
	Close StepKind = "close"
	// Wait: For a duration; or Until an event of the conversation (a
	// trigger kind that is not time-based) for at most Timeout, then
	// goes on at OnTimeout (a step's id; "" is the next step).
	Wait StepKind = "wait"
	// Branch: If the condition holds, goes on at Then, else at Else
	// (steps' ids after this one; "" is the next step).
	Branch StepKind = "branch"
	// Jump: goes on at To, at most Max times in a run; the time after,
	// goes on at the next step.
	Jump StepKind = "jump"
	// HandToBot: gives the conversation to its channel's chatbot (R2).
	HandToBot StepKind = "hand_to_bot"
	// Notify: publishes an event for the host named Name, with Data.
	Notify StepKind = "notify"
	// Call: calls the host's step registered under Name with Data: the
	// extension point for HTTP calls and CRM actions.
	Call StepKind = "call"
)

// Step is one step of a workflow. Which fields it takes depends on its
// kind (Do); Validate refuses the others.
type Step struct {
	// ID names the step for Branch, Jump and Wait's OnTimeout; unique in
	// the workflow. Optional for steps no one names.
	ID string   `json:"id,omitempty"`
	Do StepKind `json:"do"`

	Agent    string `json:"agent,omitempty"`
	Team     string `json:"team,omitempty"`
	Strategy string `json:"strategy,omitempty"`

	Template string `json:"template,omitempty"`
	Snippet  string `json:"snippet,omitempty"`

	Tag      string `json:"tag,omitempty"`
	Field    string `json:"field,omitempty"`
	Value    string `json:"value,omitempty"`
	Priority string `json:"priority,omitempty"`
	Note     string `json:"note,omitempty"`

	For       Duration    `json:"for,omitempty"`
	Until     TriggerKind `json:"until,omitempty"`
	Timeout   Duration    `json:"timeout,omitempty"`
	OnTimeout string      `json:"on_timeout,omitempty"`

	If   *Condition `json:"if,omitempty"`
	Then string     `json:"then,omitempty"`
	Else string     `json:"else,omitempty"`

	To  string `json:"to,omitempty"`
	Max int    `json:"max,omitempty"`

	Name string            `json:"name,omitempty"`
	Data map[string]string `json:"data,omitempty"`
}

// Duration is a time.Duration written in JSON as Go writes durations:
// "10m", "1h30m".
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String returns d as Go writes durations.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration written as Go writes them.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"10m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
