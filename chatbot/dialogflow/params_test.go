package dialogflow_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// R2: each name of the parameter table makes its action; the agent's own
// slots and unfilled parameters make none.
func TestParamActionsTable(t *testing.T) {
	for _, c := range []struct {
		name   string
		params map[string]any
		want   []chatbot.Action
	}{
		{"tag", map[string]any{"tag": "vip"}, []chatbot.Action{chatbot.Tag{Tag: "vip"}}},
		{"add_tag list", map[string]any{"add_tag": []any{"a", "b", ""}}, []chatbot.Action{chatbot.Tag{Tag: "a"}, chatbot.Tag{Tag: "b"}}},
		{"untag", map[string]any{"untag": "old"}, []chatbot.Action{chatbot.Untag{Tag: "old"}}},
		{"remove_tag", map[string]any{"remove_tag": []any{"x"}}, []chatbot.Action{chatbot.Untag{Tag: "x"}}},
		{"set_field.key", map[string]any{"set_field.plan": "pro"}, []chatbot.Action{chatbot.SetField{Key: "plan", Value: "pro"}}},
		{"set_field_key number", map[string]any{"set_field_age": 42.0}, []chatbot.Action{chatbot.SetField{Key: "age", Value: "42"}}},
		{"set_field bool", map[string]any{"set_field.vip": true}, []chatbot.Action{chatbot.SetField{Key: "vip", Value: "true"}}},
		{"contact_field", map[string]any{"contact_field": "city", "contact_value": "Lima"}, []chatbot.Action{chatbot.SetField{Key: "city", Value: "Lima"}}},
		{"unsubscribe", map[string]any{"unsubscribe": true}, []chatbot.Action{chatbot.SetField{Key: dialogflow.UnsubscribedField, Value: "true"}}},
		{"unset_field", map[string]any{"unset_field": []any{"plan", "city"}}, []chatbot.Action{chatbot.UnsetField{Key: "plan"}, chatbot.UnsetField{Key: "city"}}},
		{"priority name", map[string]any{"priority": "Urgent"}, []chatbot.Action{chatbot.SetPriority{Priority: ticket.PriorityUrgent}}},
		{"priority number", map[string]any{"priority": -1.0}, []chatbot.Action{chatbot.SetPriority{Priority: ticket.PriorityLow}}},
		{"priority numeral", map[string]any{"priority": "1"}, []chatbot.Action{chatbot.SetPriority{Priority: ticket.PriorityHigh}}},
		{"snippet", map[string]any{"snippet": "hours"}, []chatbot.Action{chatbot.SendSnippet{Shortcut: "hours"}}},
		{"template", map[string]any{"template": "welcome"}, []chatbot.Action{chatbot.SendTemplate{Name: "welcome"}}},
		{"file", map[string]any{"file": "https://cdn.example/docs/menu.pdf", "file_caption": "Our menu"},
			[]chatbot.Action{chatbot.SendFile{File: chatbot.File{Ref: "https://cdn.example/docs/menu.pdf", Name: "menu.pdf"}, Caption: "Our menu"}}},
		{"file_url", map[string]any{"file_url": []any{"https://cdn.example/a.png"}}, []chatbot.Action{chatbot.SendFile{File: chatbot.File{Ref: "https://cdn.example/a.png", Name: "a.png"}}}},
		{"notify name", map[string]any{"notify": "lead.qualified", "notify_data": map[string]any{"plan": "pro", "seats": 3.0}},
			[]chatbot.Action{chatbot.Notify{Name: "lead.qualified", Data: map[string]string{"plan": "pro", "seats": "3"}}}},
		{"notify object", map[string]any{"notify": map[string]any{"name": "x", "data": map[string]any{"k": "v"}}},
			[]chatbot.Action{chatbot.Notify{Name: "x", Data: map[string]string{"k": "v"}}}},
		{"assign_agent", map[string]any{"assign_agent": "ana", "note": "VIP"}, []chatbot.Action{chatbot.AssignAgent{Agent: "ana", Note: "VIP"}}},
		{"assign_user", map[string]any{"assign_user": "bob"}, []chatbot.Action{chatbot.AssignAgent{Agent: "bob"}}},
		{"assign_team", map[string]any{"assign_team": "billing", "note": "refund"}, []chatbot.Action{chatbot.AssignTeam{Team: "billing", Note: "refund"}}},
		{"handoff true", map[string]any{"handoff": true, "note": "asks for a person"}, []chatbot.Action{chatbot.HandOff{Note: "asks for a person"}}},
		{"handoff team", map[string]any{"handoff": "sales"}, []chatbot.Action{chatbot.HandOff{Team: "sales"}}},
		{"hand_off with handoff_team", map[string]any{"hand_off": "yes", "handoff_team": "support"}, []chatbot.Action{chatbot.HandOff{Team: "support"}}},
		{"human", map[string]any{"human": "true"}, []chatbot.Action{chatbot.HandOff{}}},
		{"close", map[string]any{"close": true, "close_category": "solved", "close_summary": "gave the hours"},
			[]chatbot.Action{chatbot.Close{Note: conversation.ClosingNote{Category: "solved", Summary: "gave the hours"}}}},
		{"mark_done", map[string]any{"mark_done": 1.0}, []chatbot.Action{chatbot.Close{}}},
		{"bot_status off", map[string]any{"bot_status": "OFF"}, []chatbot.Action{chatbot.TurnOff{}}},
		{"bot_status on", map[string]any{"bot_status": "on"}, nil},
		{"turn_off", map[string]any{"turn_off": true}, []chatbot.Action{chatbot.TurnOff{}}},
		{"bot_off", map[string]any{"bot_off": "yes"}, []chatbot.Action{chatbot.TurnOff{}}},
		{"case and hyphen", map[string]any{"Add-Tag": "vip"}, []chatbot.Action{chatbot.Tag{Tag: "vip"}}},
		{"unknown and unfilled", map[string]any{"order_id": "123", "tag": "", "handoff": false, "close": "no", "priority": "", "notify": nil, "snippet": []any{}}, nil},
	} {
		got, errs := dialogflow.ParamActions(c.params)
		if len(errs) != 0 {
			t.Errorf("%s: problems %v", c.name, errs)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %#v, want %#v", c.name, got, c.want)
		}
		checked, err := chatbot.Reply{Actions: got}.Validate()
		if err != nil || len(checked.Refused) != 0 {
			t.Errorf("%s: the engine refuses %v %v", c.name, err, checked.Refused)
		}
	}
}

// The actions come in the table's order, whatever the map's, with the
// actions that end the bot's hold last.
func TestParamActionsOrder(t *testing.T) {
	params := map[string]any{
		"turn_off": true, "close": true, "handoff": true, "assign_team": "t", "assign_agent": "a",
		"notify": "n", "file": "https://x/f", "template": "tp", "snippet": "sn", "priority": "high",
		"unset_field": "u", "unsubscribe": true, "contact_field": "c", "contact_value": "v",
		"set_field.b": "2", "set_field.a": "1", "untag": "o", "tag": "t",
	}
	want := []chatbot.ActionKind{chatbot.KindTag, chatbot.KindUntag, chatbot.KindSetField, chatbot.KindSetField,
		chatbot.KindSetField, chatbot.KindSetField, chatbot.KindUnsetField, chatbot.KindSetPriority, chatbot.KindSendSnippet,
		chatbot.KindSendTemplate, chatbot.KindSendFile, chatbot.KindNotify, chatbot.KindAssignAgent, chatbot.KindAssignTeam,
		chatbot.KindHandOff, chatbot.KindClose, chatbot.KindTurnOff}
	for range 20 {
		got, errs := dialogflow.ParamActions(params)
		if len(errs) != 0 {
			t.Fatalf("problems: %v", errs)
		}
		var kinds []chatbot.ActionKind
		for _, a := range got {
			kinds = append(kinds, a.Kind())
		}
		if !reflect.DeepEqual(kinds, want) {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
		if got[2] != (chatbot.SetField{Key: "a", Value: "1"}) || got[3] != (chatbot.SetField{Key: "b", Value: "2"}) {
			t.Fatalf("set_field.<key> not by key: %v %v", got[2], got[3])
		}
	}
}

// A value of the wrong shape makes no action and a *ParamError wrapping
// ErrParam that names the parameter; the other parameters still act.
func TestParamActionsProblems(t *testing.T) {
	for name, params := range map[string]map[string]any{
		"priority":      {"priority": "superhigh"},
		"priority 1.5":  {"priority": 1.5},
		"bot_status":    {"bot_status": "maybe"},
		"tag":           {"tag": map[string]any{"a": 1.0}},
		"close":         {"close": "later"},
		"contact_field": {"contact_field": "city"},
		"notify":        {"notify": map[string]any{"data": map[string]any{}}},
		"notify_data":   {"notify": "n", "notify_data": "x"},
		"handoff":       {"handoff": []any{true}},
		"note":          {"assign_team": "t", "note": []any{"x"}},
	} {
		params["tag"+"_ok"] = "ignored slot"
		params["add_tag"] = "kept"
		got, errs := dialogflow.ParamActions(params)
		if len(errs) != 1 {
			t.Errorf("%s: %d problems %v, want 1", name, len(errs), errs)
			continue
		}
		var pe *dialogflow.ParamError
		if !errors.As(errs[0], &pe) || !errors.Is(errs[0], dialogflow.ErrParam) || !strings.HasPrefix(name, pe.Name) {
			t.Errorf("%s: %v (name %v)", name, errs[0], pe)
		}
		if len(got) == 0 || got[0] != (chatbot.Tag{Tag: "kept"}) {
			t.Errorf("%s: the other parameters do not act: %v", name, got)
		}
	}
}

// Values the table maps but the engine's rules refuse are passed on, so
// the engine refuses and records them (chatbot.Reply.Validate).
func TestParamActionsLeaveRulesToEngine(t *testing.T) {
	got, errs := dialogflow.ParamActions(map[string]any{"set_field.Plan": "pro", "snippet": "Not A Shortcut"})
	if len(errs) != 0 || len(got) != 2 {
		t.Fatalf("%v %v", got, errs)
	}
	checked, err := chatbot.Reply{Actions: got}.Validate()
	if err != nil || len(checked.Refused) != 2 || !errors.Is(checked.Refused[0], chatbot.ErrInvalid) {
		t.Fatalf("engine: %v %v", err, checked.Refused)
	}
}

// A payload's "actions" list maps each object in order; without it the
// payload's own keys are mapped; a payload for something else is ignored.
func TestPayloadActions(t *testing.T) {
	got, errs := dialogflow.PayloadActions(map[string]any{"actions": []any{
		map[string]any{"handoff": "billing", "note": "refund"},
		map[string]any{"tag": "refund"},
		"not an object",
	}})
	want := []chatbot.Action{chatbot.HandOff{Team: "billing", Note: "refund"}, chatbot.Tag{Tag: "refund"}}
	if !reflect.DeepEqual(got, want) || len(errs) != 1 || !errors.Is(errs[0], dialogflow.ErrParam) {
		t.Errorf("actions list: %v %v", got, errs)
	}
	got, errs = dialogflow.PayloadActions(map[string]any{"tag": "vip", "priority": "high"})
	if !reflect.DeepEqual(got, []chatbot.Action{chatbot.Tag{Tag: "vip"}, chatbot.SetPriority{Priority: ticket.PriorityHigh}}) || errs != nil {
		t.Errorf("top-level keys: %v %v", got, errs)
	}
	got, errs = dialogflow.PayloadActions(map[string]any{"facebook": map[string]any{"attachment": "card"}})
	if got != nil || errs != nil {
		t.Errorf("foreign payload: %v %v", got, errs)
	}
	if _, errs = dialogflow.PayloadActions(map[string]any{"actions": "tag"}); len(errs) != 1 {
		t.Errorf("actions not a list: %v", errs)
	}
}

func TestHoldLast(t *testing.T) {
	got := dialogflow.HoldLast([]chatbot.Action{chatbot.HandOff{}, chatbot.Tag{Tag: "a"}, chatbot.Close{}, chatbot.Untag{Tag: "b"}})
	want := []chatbot.Action{chatbot.Tag{Tag: "a"}, chatbot.Untag{Tag: "b"}, chatbot.HandOff{}, chatbot.Close{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
}

func TestKnown(t *testing.T) {
	for _, n := range []string{"tag", "Add-Tag", "note", "set_field.plan", "set_field_plan", "bot_status", "close_summary"} {
		if !dialogflow.Known(n) {
			t.Errorf("Known(%q) = false", n)
		}
	}
	for _, n := range []string{"order_id", "tags", "set_fieldplan", ""} {
		if dialogflow.Known(n) {
			t.Errorf("Known(%q) = true", n)
		}
	}
}

func TestFileAt(t *testing.T) {
	for ref, name := range map[string]string{"https://x/a/b.pdf?sig=1": "b.pdf", "https://x": "", "https://x/": "", "storage-key": "storage-key"} {
		if f := dialogflow.FileAt(ref); f.Ref != ref || f.Name != name {
			t.Errorf("FileAt(%q) = %+v, want name %q", ref, f, name)
		}
	}
}
