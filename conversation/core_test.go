package conversation_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/telenet/contactcenter/channel"
	cv "github.com/telenet/contactcenter/conversation"
)

// A decision may produce any number of events and messages: a Change's
// lists grow, and the exported builders never run out of room.
func TestChangeWithoutLimits(t *testing.T) {
	c := waitingConv()
	ch, err := cv.Unassign(&c, host, now) // a no-op: an empty Change to build on
	if err != nil || !ch.Empty() {
		t.Fatalf("Unassign of a waiting conversation = %+v, %v", ch, err)
	}
	ch.Conversation = c
	for i := range 100 {
		if err := ch.AddAutomatic(cv.Message{ID: cv.MessageID(fmt.Sprintf("a%d", i)), Text: fmt.Sprintf("note %d", i)}, now); err != nil {
			t.Fatalf("AddAutomatic %d: %v", i, err)
		}
	}
	for i := range 100 {
		ch.Emit(cv.Event{Type: cv.EventPresenceChanged, Workspace: ws, Agent: cv.AgentID(fmt.Sprintf("ag%d", i))})
	}
	if n := len(ch.Automatic()); n != 100 {
		t.Errorf("%d automatic messages, want 100", n)
	}
	if n := len(ch.Events()); n != 200 {
		t.Errorf("%d events, want 200: a message.queued per message and 100 more", n)
	}
	for i, m := range ch.Automatic() {
		if want := fmt.Sprintf("note %d", i); m.Text != want || m.Direction != cv.ToContact || m.Delivery != cv.DeliveryPending {
			t.Fatalf("automatic %d = %q (%v, %v), want %q pending to the contact", i, m.Text, m.Direction, m.Delivery, want)
		}
	}
	for i, e := range ch.Events()[:100] {
		if e.Type != cv.EventMessageQueued || e.Message != ch.Automatic()[i].ID || e.Conversation != c.ID {
			t.Fatalf("event %d = %+v, want message.queued of %s", i, e, ch.Automatic()[i].ID)
		}
	}
	if ch.Empty() {
		t.Error("a change with messages and events is Empty")
	}
	// One answer per change; more messages go as automatic ones.
	if err := ch.AddAnswer(cv.Message{ID: "ans1", Text: "one"}, now); err != nil {
		t.Fatalf("AddAnswer: %v", err)
	}
	for range 9 {
		if err := ch.AddAnswer(cv.Message{ID: "ans2", Text: "two"}, now); !errors.Is(err, cv.ErrInvalid) {
			t.Fatalf("second AddAnswer = %v, want ErrInvalid", err)
		}
	}
	if ch.Answer.ID != "ans1" || len(ch.Events()) != 201 {
		t.Errorf("after refused answers: answer %q, %d events; want ans1, 201", ch.Answer.ID, len(ch.Events()))
	}
}

// R7, decided with no store: an open conversation's timeout timer is due at
// its last activity plus the channel's timeout; a closed one has none; a
// channel without timeout changes nothing.
func TestTimeoutTimer(t *testing.T) {
	c := waitingConv()
	c.LastActivity = t1
	tc, ok := cv.TimeoutTimer(&c, 30*time.Minute)
	if !ok || tc.Clear || tc.Kind != cv.TimerTimeout || tc.Key != string(c.ID) || tc.Workspace != ws || !tc.Due.Equal(t1.Add(30*time.Minute)) {
		t.Errorf("open: %+v, %v", tc, ok)
	}
	if _, ok := cv.TimeoutTimer(&c, 0); ok {
		t.Error("a channel without timeout sets or clears a timer")
	}
	c.State = cv.Closed
	if tc, ok := cv.TimeoutTimer(&c, 30*time.Minute); !ok || !tc.Clear || tc.Key != string(c.ID) {
		t.Errorf("closed: %+v, %v, want the timer cleared", tc, ok)
	}
	c.State = cv.Open
	c.LastActivity = now
	if tc, _ := cv.TimeoutTimer(&c, time.Hour); !tc.Due.Equal(now.Add(time.Hour)) {
		t.Errorf("after a message: due %v, want %v", tc.Due, now.Add(time.Hour))
	}
	if err := (&cv.Timer{Kind: "k", Workspace: ws, Key: "x", Due: now, Payload: make([]byte, cv.MaxTimerPayload+1)}).Validate(); !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("oversized payload: %v", err)
	}
	for _, tm := range []cv.Timer{{Workspace: ws, Key: "x", Due: now}, {Kind: "k", Key: "x", Due: now}, {Kind: "k", Workspace: ws, Due: now}, {Kind: "k", Workspace: ws, Key: "x"}} {
		if err := tm.Validate(); !errors.Is(err, cv.ErrInvalid) {
			t.Errorf("%+v: Validate = %v, want ErrInvalid", tm, err)
		}
	}
}

// hoursAt is business hours open from opens to closes each day, in UTC.
type hoursAt struct{ opens, closes int }

func (h hoursAt) IsOpen(t time.Time) bool { return t.Hour() >= h.opens && t.Hour() < h.closes }
func (h hoursAt) NextOpen(t time.Time) (time.Time, bool) {
	d := time.Date(t.Year(), t.Month(), t.Day(), h.opens, 0, 0, 0, time.UTC)
	if !d.After(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d, true
}

type never struct{}

func (never) IsOpen(time.Time) bool                { return false }
func (never) NextOpen(time.Time) (time.Time, bool) { return time.Time{}, false }

// R4 and R5, decided with no store: the welcome for a message that opens a
// conversation; the out-of-hours message while the channel is closed, once
// per conversation and closed period.
func TestPlanAutomatic(t *testing.T) {
	office := hoursAt{9, 18}
	night := time.Date(2025, 3, 10, 22, 0, 0, 0, time.UTC)
	nextMorning := time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)
	opened := func() cv.Change {
		st := cv.InboundState{NewConversation: "c1", NewTicket: "t1", NewTicketNumber: 1}
		ch, err := cv.Receive(&st, &cv.Inbound{Workspace: ws, Contact: "k1", Message: cv.Message{ID: "m1", Channel: "tg", ExternalID: "u1", Kind: cv.KindText, Text: "hi"}}, night)
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	joined := func(until time.Time) cv.Change {
		c := waitingConv()
		c.OutOfHoursUntil = until
		st := cv.InboundState{Open: c, HasOpen: true}
		ch, err := cv.Receive(&st, &cv.Inbound{Workspace: ws, Contact: c.Contact, Message: cv.Message{ID: "m2", Channel: c.Channel, ExternalID: "u2", Kind: cv.KindText, Text: "again"}}, night)
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	at := func(h int) time.Time { return time.Date(2025, 3, 10, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		ch      cv.Change
		welcome bool
		hours   cv.Hours
		now     time.Time
		want    cv.AutomaticPlan
	}{
		{"opened, in hours", opened(), true, office, at(10), cv.AutomaticPlan{Welcome: true}},
		{"opened, no welcome set", opened(), false, office, at(10), cv.AutomaticPlan{}},
		{"opened, out of hours", opened(), true, office, night, cv.AutomaticPlan{Welcome: true, OutOfHours: true, PeriodEnd: nextMorning}},
		{"joined, out of hours", joined(time.Time{}), true, office, night, cv.AutomaticPlan{OutOfHours: true, PeriodEnd: nextMorning}},
		{"joined, told already this period", joined(nextMorning), true, office, night, cv.AutomaticPlan{}},
		{"joined, told in an earlier period", joined(nextMorning.AddDate(0, 0, -1)), true, office, night, cv.AutomaticPlan{OutOfHours: true, PeriodEnd: nextMorning}},
		{"joined, no hours", joined(time.Time{}), true, nil, night, cv.AutomaticPlan{}},
		{"never opens", joined(time.Time{}), true, never{}, night, cv.AutomaticPlan{OutOfHours: true, PeriodEnd: cv.NeverOpens}},
	}
	for _, tt := range tests {
		if got := cv.PlanAutomatic(&tt.ch, tt.welcome, tt.hours, tt.now); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// R11 and R3, decided with no store: the channel's strategy assigns; an
// abandoned conversation on a channel that reassigns goes to the least
// busy agent even without one; the queue is served in order, counting the
// assignments made before.
func TestAssignQueue(t *testing.T) {
	set := channel.Settings{}
	set.Assignment.Strategy = "least_busy"
	strategies := map[string]cv.Strategy{"least_busy": cv.LeastBusy}
	c := waitingConv()
	if p := cv.PolicyFor(&c, set, strategies); p.Strategy == nil || p.Team != "" {
		t.Errorf("channel strategy: %+v", p)
	}
	if p := cv.PolicyFor(&c, channel.Settings{}, strategies); p.Strategy != nil {
		t.Errorf("no strategy: %+v, want the conversation to wait", p)
	}
	abandoned := c
	abandoned.Abandoned = true
	if p := cv.PolicyFor(&abandoned, channel.Settings{ReassignAbandoned: true}, strategies); p.Strategy == nil {
		t.Error("R3: an abandoned conversation on a channel that reassigns waits")
	}
	teamSet := set
	teamSet.Assignment.Team = "sales"
	if p := cv.PolicyFor(&c, teamSet, strategies); p.Team != "sales" {
		t.Errorf("the channel's team: %+v", p)
	}

	a, b := alice, bob
	a.Capacity, b.Capacity = 2, 1
	queue := make([]cv.Conversation, 4)
	for i := range queue {
		queue[i] = waitingConv()
		queue[i].ID = cv.ID(fmt.Sprintf("c%d", i+1))
		queue[i].WaitingSince = t0.Add(time.Duration(i) * time.Minute)
	}
	policy := func(*cv.Conversation) cv.Policy { return cv.Policy{Strategy: cv.LeastBusy} }
	changes, err := cv.AssignQueue(queue, []cv.Agent{a, b}, map[cv.AgentID]int{"alice": 1}, policy, 10, now)
	if err != nil {
		t.Fatal(err)
	}
	// bob (load 0) gets c1; then alice and bob both hold 1 and bob is full:
	// alice gets c2 and is full too; c3 and c4 wait.
	var got []string
	for _, ch := range changes {
		got = append(got, string(ch.Conversation.ID)+"→"+string(ch.Conversation.Assignee))
		if len(ch.Agents) != 1 || ch.Agents[0].ID != ch.Conversation.Assignee || !ch.Agents[0].LastAssigned.Equal(now) {
			t.Errorf("%s: agents %+v, want the assignee with LastAssigned now", ch.Conversation.ID, ch.Agents)
		}
	}
	if fmt.Sprint(got) != "[c1→bob c2→alice]" {
		t.Errorf("assignments %v, want [c1→bob c2→alice]", got)
	}
	if changes[1].Agents[0].Version != alice.Version+1 {
		t.Errorf("alice's version %d, want %d", changes[1].Agents[0].Version, alice.Version+1)
	}
	// At most max assignments.
	if changes, _ := cv.AssignQueue(queue, []cv.Agent{alice, bob}, nil, policy, 1, now); len(changes) != 1 {
		t.Errorf("max 1: %d assignments", len(changes))
	}
	// A conversation whose policy has no strategy waits, and the next is served.
	wait1 := func(c *cv.Conversation) cv.Policy {
		if c.ID == "c1" {
			return cv.Policy{}
		}
		return cv.Policy{Strategy: cv.LeastBusy}
	}
	if changes, _ := cv.AssignQueue(queue, []cv.Agent{b}, nil, wait1, 10, now); len(changes) != 1 || changes[0].Conversation.ID != "c2" {
		t.Errorf("c1 waits for a person: %+v", changes)
	}
}

// R3, decided with no store: the conversations of an agent who went offline
// return to the queue, flagged abandoned, on the channels that reassign.
func TestDisconnect(t *testing.T) {
	held := []cv.Conversation{waitingConv(), waitingConv()}
	held[0].ID, held[0].Assignee, held[0].Channel = "c1", "alice", "tg"
	held[1].ID, held[1].Assignee, held[1].Channel = "c2", "alice", "mail"
	changes, err := cv.Disconnect(held, func(c *cv.Conversation) bool { return c.Channel == "tg" }, now)
	if err != nil || len(changes) != 1 {
		t.Fatalf("Disconnect = %d changes, %v; want 1", len(changes), err)
	}
	c := changes[0].Conversation
	if c.ID != "c1" || c.Assignee != "" || !c.Abandoned || !c.WaitingSince.Equal(now) {
		t.Errorf("abandoned = %+v", c)
	}
	if ev := changes[0].Events(); len(ev) != 1 || ev[0].Type != cv.EventConversationAbandoned || ev[0].Previous != "alice" {
		t.Errorf("events %+v", ev)
	}
}
