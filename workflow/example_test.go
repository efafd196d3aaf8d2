package workflow_test

import (
	"errors"
	"fmt"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
	"github.com/telenet/contactcenter/workflow"
)

// A definition is read from JSON and checked against the workspace's
// names; every problem comes with its path, line and column.
func ExampleParse() {
	teams := func(name string) bool { return name == "billing" }
	src := `{
  "name": "route billing",
  "trigger": {"on": "message.received", "tag": "x"},
  "if": {"field": "message.text", "op": "contains", "value": "factura"},
  "steps": [
    {"do": "assign", "team": "sales"},
    {"do": "close", "colour": "red"}
  ]
}`
	_, err := workflow.Parse([]byte(src), workflow.Catalog{Team: teams})
	var e *workflow.Error
	if errors.As(err, &e) {
		for _, p := range e.Problems {
			fmt.Println(p.Kind, p)
		}
	}
	src = `{"name": "route billing", "trigger": {"on": "message.received"},
  "steps": [{"do": "assign", "team": "billing"}]}`
	d, err := workflow.Parse([]byte(src), workflow.Catalog{Team: teams})
	fmt.Println(d.Steps[0].Team, err)
	// Output:
	// not_for_kind 3:41: trigger.tag: a message.received trigger takes no tag
	// unknown_team 6:22: steps[0].team: unknown team "sales"
	// unknown_field 7:21: steps[1].colour: unknown field "colour"
	// billing <nil>
}

// Validate reports every problem of a definition built in code, in the
// order of their paths.
func ExampleValidate() {
	d := workflow.Definition{
		Name:    "loop",
		Trigger: workflow.Trigger{On: workflow.OnConversationOpened},
		Steps: []workflow.Step{
			{ID: "a", Do: workflow.Tag, Tag: "seen"},
			{Do: workflow.Branch, If: &workflow.Condition{Field: "contact.name", Op: workflow.Exists}, Then: "a"},
			{Do: workflow.Assign, Team: "support"},
		},
	}
	err := workflow.Validate(&d, workflow.Catalog{Team: func(string) bool { return false }})
	fmt.Println(errors.Is(err, workflow.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// workflow: invalid definition: steps[1].then: then "a" is not after this step: only a jump goes back; steps[2].team: unknown team "support"
}

// Eval tests a condition against a snapshot and traces each comparison.
func ExampleCondition_Eval() {
	c := &workflow.Condition{All: []workflow.Condition{
		{Field: "message.text", Op: workflow.Contains, Value: "factura"},
		{Field: "ticket.priority", Op: workflow.Gte, Value: "high"},
	}}
	s := &workflow.Snapshot{
		Message: &conversation.Message{Text: "¿Dónde está mi FÁCTURA?"},
		Ticket:  &ticket.Ticket{Priority: ticket.PriorityNormal},
	}
	held, trace := c.Eval(s)
	fmt.Println(held)
	for _, t := range trace {
		fmt.Printf("%s %s %s %q: got %q, held %v\n", t.Path, t.Field, t.Op, t.Want, t.Got, t.Held)
	}
	// Output:
	// false
	// if.all[0] message.text contains "factura": got "¿Dónde está mi FÁCTURA?", held true
	// if.all[1] ticket.priority gte "high": got "normal", held false
}

// A dry walk: Next passes branches and jumps to each step that acts; the
// engine would take that step, then go on after it.
func ExampleDefinition_Next() {
	d, err := workflow.Parse([]byte(`{"name": "nudge", "trigger": {"on": "no_reply.contact", "after": "1h"},
  "steps": [
    {"id": "ask", "do": "send", "template": "still_there"},
    {"do": "wait", "for": "30m"},
    {"do": "branch", "if": {"field": "conversation.state", "op": "eq", "value": "closed"}, "then": "end"},
    {"do": "jump", "to": "ask", "max": 1},
    {"id": "end", "do": "close", "note": "no reply"}
  ]}`), workflow.Catalog{})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := &workflow.Snapshot{Conversation: &conversation.Conversation{State: conversation.Open}}
	p := &workflow.Position{}
	for {
		step, passed := d.Next(p, s)
		for _, x := range passed {
			fmt.Printf("  passed %d %s taken=%v to %d\n", x.Step, x.Do, x.Taken, x.To)
		}
		if step == len(d.Steps) {
			fmt.Println("done")
			break
		}
		fmt.Println(step, d.Steps[step].Do)
		p.Next = step + 1
	}
	// Output:
	// 0 send
	// 1 wait
	//   passed 2 branch taken=false to 3
	//   passed 3 jump taken=true to 0
	// 0 send
	// 1 wait
	//   passed 2 branch taken=false to 3
	//   passed 3 jump taken=false to 4
	// 4 close
	// done
}

// An engine compiles each published version once and tests every event
// against it: the condition's text is folded and its pattern compiled
// then, not for each event.
func ExampleCompile() {
	c := workflow.Compile(&workflow.Definition{
		Name:    "billing",
		Trigger: workflow.Trigger{On: workflow.OnMessageReceived},
		If:      &workflow.Condition{Field: "message.text", Op: workflow.Contains, Value: "FACTURA"},
		Steps:   []workflow.Step{{Do: workflow.Assign, Team: "billing"}},
	})
	for _, text := range []string{"¿Dónde está mi fáctura?", "Hola"} {
		ev := conversation.Event{Type: conversation.EventMessageReceived, Message: "m1"}
		s := &workflow.Snapshot{Event: ev, Message: &conversation.Message{ID: "m1", Text: text}}
		fmt.Println(c.Matches(&ev), c.Holds(s))
	}
	// Output:
	// true true
	// true false
}
