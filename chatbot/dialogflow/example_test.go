package dialogflow_test

import (
	"fmt"

	"github.com/telenet/contactcenter/chatbot/dialogflow"
)

// An agent's parameters, by the table of the package comment: the agent's
// own slots (order_id) and unfilled parameters make nothing, a value of
// the wrong shape makes a *ParamError, and the hand-off comes last.
func ExampleParamActions() {
	acts, problems := dialogflow.ParamActions(map[string]any{
		"handoff":        "billing",
		"note":           "refund of order 123",
		"add_tag":        []any{"refund", "order"},
		"set_field.plan": "pro",
		"order_id":       "123",
		"snippet":        "",
		"priority":       "superhigh",
	})
	for _, a := range acts {
		fmt.Printf("%s %+v\n", a.Kind(), a)
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	// Output:
	// tag {Tag:refund}
	// tag {Tag:order}
	// set_field {Key:plan Value:pro}
	// hand_off {Team:billing Note:refund of order 123}
	// dialogflow: "priority": Dialogflow parameter makes no action: "superhigh"; want low, normal, high or urgent (or -1 to 2)
}

// A custom payload lists actions in the order the agent wants them.
func ExamplePayloadActions() {
	acts, _ := dialogflow.PayloadActions(map[string]any{"actions": []any{
		map[string]any{"notify": "lead.qualified", "notify_data": map[string]any{"plan": "pro"}},
		map[string]any{"assign_team": "sales", "note": "qualified lead"},
	}})
	for _, a := range acts {
		fmt.Printf("%s %+v\n", a.Kind(), a)
	}
	// Output:
	// notify {Name:lead.qualified Data:map[plan:pro]}
	// assign_team {Team:sales Note:qualified lead}
}
