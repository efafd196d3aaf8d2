package webhook_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/webhook"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

var at = time.Date(2026, 12, 1, 18, 30, 0, 123456789, time.UTC)

func fullTurn() chatbot.Turn {
	return chatbot.Turn{
		ID: "turn-7", Kind: chatbot.TurnMessage, Bot: "support", Workspace: "acme", Conversation: "c-1", Ticket: "t-1", Channel: "telegram",
		Contact: chatbot.Contact{ID: "k-1", Name: "Ana <Pérez>", Language: "es-MX", Fields: map[string]string{"plan": "pro", "city": "Léon"}},
		Messages: []chatbot.Inbound{
			{ID: "m-1", Text: "hola & adiós", At: at},
			{ID: "m-2", Files: []chatbot.File{{Name: "factura.pdf", MIME: "application/pdf", Size: 52311, Ref: "tg:BQACAgQ"}}, At: at.Add(time.Second)},
		},
		State: chatbot.State{0, 1, 2, 0xfe, 0xff, '"', '\\'},
		At:    at.Add(2 * time.Second),
	}
}

// One action of every kind, with every field set.
func everyAction() []chatbot.Action {
	return []chatbot.Action{
		chatbot.HandOff{Team: "billing", Note: "asks about a refund"},
		chatbot.Close{Note: conversation.ClosingNote{Category: "resolved", Summary: "answered from the FAQ"}},
		chatbot.AssignTeam{Team: "sales", Note: "wants the pro plan"},
		chatbot.AssignAgent{Agent: "agent-9", Note: "their usual agent"},
		chatbot.Tag{Tag: "refund"},
		chatbot.Untag{Tag: "new"},
		chatbot.SetField{Key: "order", Value: "123"},
		chatbot.UnsetField{Key: "coupon"},
		chatbot.SetPriority{Priority: ticket.PriorityUrgent},
		chatbot.SendSnippet{Shortcut: "hours"},
		chatbot.SendTemplate{Name: "welcome"},
		chatbot.SendFile{File: chatbot.File{Name: "guide.pdf", MIME: "application/pdf", Size: 1024, Ref: "https://files.example/guide.pdf"}, Caption: "the guide"},
		chatbot.Notify{Name: "lead.qualified", Data: map[string]string{"plan": "pro"}},
		chatbot.TurnOff{},
	}
}

func fullReply() chatbot.Reply {
	return chatbot.Reply{
		Messages: []chatbot.Message{
			{Text: "Un momento <por favor> & gracias"},
			{Text: "Aquí está", Files: []chatbot.File{{Name: "a.png", MIME: "image/png", Size: 10, Ref: "https://files.example/a.png"}}},
		},
		Actions: everyAction(),
		State:   chatbot.State("step=2\x00\xff"),
	}
}

// R2: every action kind there is survives EncodeReply and DecodeReply, as
// do messages with files and state bytes that are not text.
func TestReplyRoundTripEveryAction(t *testing.T) {
	r := fullReply()
	var kinds []chatbot.ActionKind
	for _, a := range r.Actions {
		kinds = append(kinds, a.Kind())
	}
	for k := chatbot.ActionKind(1); !strings.HasPrefix(k.String(), "ActionKind("); k++ {
		if !slices.Contains(kinds, k) {
			t.Errorf("the test's reply has no %s action", k)
		}
	}
	body, err := webhook.EncodeReply(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := webhook.DecodeReply(body)
	if err != nil {
		t.Fatalf("DecodeReply(%s): %v", body, err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, r)
	}
	// Pointers to actions encode as their values.
	ptr, err := webhook.EncodeReply(chatbot.Reply{Actions: []chatbot.Action{&chatbot.Tag{Tag: "vip"}}})
	if err != nil || string(ptr) != `{"messages":[],"actions":[{"type":"tag","tag":"vip"}]}` {
		t.Errorf("pointer action: %s, %v", ptr, err)
	}
}

// The reply's JSON is the documented schema, byte for byte: snake_case
// names, the action's name as "type", optional fields left out, state in
// standard base64, no HTML escaping.
func TestReplySchema(t *testing.T) {
	body, err := webhook.EncodeReply(chatbot.Reply{
		Messages: []chatbot.Message{{Text: "Hi <b>&"}},
		Actions: []chatbot.Action{
			chatbot.HandOff{}, chatbot.Close{}, chatbot.SetPriority{Priority: ticket.PriorityLow},
			chatbot.SendFile{File: chatbot.File{Ref: "r"}}, chatbot.Notify{Name: "n"}, chatbot.TurnOff{},
		},
		State: chatbot.State{0xff, 0, 'a'},
	})
	want := `{"messages":[{"text":"Hi <b>&"}],"actions":[{"type":"hand_off"},{"type":"close"},{"type":"set_priority","priority":"low"},` +
		`{"type":"send_file","file":{"name":"","mime":"","size":0,"ref":"r"}},{"type":"notify","name":"n"},{"type":"turn_off"}],"state":"/wBh"}`
	if err != nil || string(body) != want {
		t.Errorf("EncodeReply:\n got %s, %v\nwant %s", body, err, want)
	}
	empty, err := webhook.EncodeReply(chatbot.Reply{})
	if err != nil || string(empty) != `{"messages":[],"actions":[]}` {
		t.Errorf("empty reply: %s, %v", empty, err)
	}
	r, err := webhook.DecodeReply([]byte(`{}`))
	if err != nil || !reflect.DeepEqual(r, chatbot.Reply{}) {
		t.Errorf("DecodeReply({}) = %#v, %v", r, err)
	}
	r, err = webhook.DecodeReply([]byte(` {"messages":null,"actions":null,"state":null} `))
	if err != nil || !reflect.DeepEqual(r, chatbot.Reply{}) {
		t.Errorf("DecodeReply(nulls) = %#v, %v", r, err)
	}
}

// R2: a turn survives EncodeTurn and DecodeTurn, and its JSON has the
// documented names and formats.
func TestTurnRoundTrip(t *testing.T) {
	for _, kind := range []chatbot.TurnKind{chatbot.TurnOpened, chatbot.TurnMessage, chatbot.TurnResumed, chatbot.TurnTimedOut} {
		tr := fullTurn()
		tr.Kind = kind
		body, err := webhook.EncodeTurn(tr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := webhook.DecodeTurn(body)
		if err != nil {
			t.Fatalf("DecodeTurn(%s): %v", body, err)
		}
		if !reflect.DeepEqual(got, tr) {
			t.Errorf("%s round trip:\n got %#v\nwant %#v", kind, got, tr)
		}
	}

	body, err := webhook.EncodeTurn(fullTurn())
	if err != nil {
		t.Fatal(err)
	}
	var j map[string]any
	if err := json.Unmarshal(body, &j); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	if got, want := keys(j), []string{"at", "bot", "channel", "contact", "conversation", "id", "kind", "messages", "state", "ticket", "workspace"}; !slices.Equal(got, want) {
		t.Errorf("turn keys %v, want %v", got, want)
	}
	contact := j["contact"].(map[string]any)
	if got, want := keys(contact), []string{"fields", "id", "language", "name"}; !slices.Equal(got, want) {
		t.Errorf("contact keys %v, want %v", got, want)
	}
	msg := j["messages"].([]any)[1].(map[string]any)
	if got, want := keys(msg), []string{"at", "files", "id", "text"}; !slices.Equal(got, want) {
		t.Errorf("message keys %v, want %v", got, want)
	}
	file := msg["files"].([]any)[0].(map[string]any)
	if got, want := keys(file), []string{"mime", "name", "ref", "size"}; !slices.Equal(got, want) {
		t.Errorf("file keys %v, want %v", got, want)
	}
	if j["kind"] != "message" || j["state"] != "AAEC/v8iXA==" || j["at"] != "2026-12-01T18:30:02.123456789Z" || j["ticket"] != "t-1" {
		t.Errorf("kind %v, state %v, at %v, ticket %v", j["kind"], j["state"], j["at"], j["ticket"])
	}

	// A turn without state, fields, files or times: state and the times
	// are left out, fields is an empty object, messages an empty array.
	bare := chatbot.Turn{ID: "t", Kind: chatbot.TurnResumed, Bot: "b", Workspace: "w", Conversation: "c", Channel: "ch", Contact: chatbot.Contact{ID: "k"}}
	body, err = webhook.EncodeTurn(bare)
	want := `{"id":"t","kind":"resumed","bot":"b","workspace":"w","conversation":"c","ticket":"","channel":"ch",` +
		`"contact":{"id":"k","name":"","language":"","fields":{}},"messages":[]}`
	if err != nil || string(body) != want {
		t.Errorf("bare turn:\n got %s, %v\nwant %s", body, err, want)
	}
	got, err := webhook.DecodeTurn(body)
	if err != nil || !reflect.DeepEqual(got, bare) {
		t.Errorf("bare round trip: %#v, %v", got, err)
	}

	// A turn in another time zone is written in UTC.
	tr := fullTurn()
	tr.At = time.Date(2026, 12, 1, 12, 0, 0, 0, time.FixedZone("CST", -6*3600))
	body, _ = webhook.EncodeTurn(tr)
	if !strings.Contains(string(body), `"at":"2026-12-01T18:00:00Z"`) {
		t.Errorf("turn time not in UTC: %s", body)
	}
}

// DecodeTurn ignores fields it does not know, so that turns may gain some.
func TestDecodeTurnLenient(t *testing.T) {
	body := `{"id":"t","kind":"opened","bot":"b","workspace":"w","conversation":"c","channel":"ch","contact":{"id":"k","vip":true},` +
		`"messages":[{"id":"m","text":"hi","reactions":[]}],"priority":"high"}`
	got, err := webhook.DecodeTurn([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "t" || got.Kind != chatbot.TurnOpened || got.Contact.ID != "k" || got.Text() != "hi" {
		t.Errorf("DecodeTurn = %#v", got)
	}
}

// Bodies that are not the schema's JSON are refused with an error that
// wraps chatbot.ErrInvalid and says what is wrong.
func TestDecodeReplyRefuses(t *testing.T) {
	for _, c := range []struct{ name, body, says string }{
		{"empty", ``, "empty body"},
		{"spaces", " \n", "empty body"},
		{"null", `null`, "not a JSON object"},
		{"array", `[]`, "not a JSON object"},
		{"string", `"hi"`, "not a JSON object"},
		{"truncated", `{"messages":[`, "malformed JSON"},
		{"syntax", `{"messages":[}`, "malformed JSON at byte 14"},
		{"trailing", `{} {}`, "data after the JSON object"},
		{"trailing garbage", `{}x`, "data after the JSON object"},
		{"unknown field", `{"mesages":[]}`, `unknown field "mesages"`},
		{"messages not array", `{"messages":{"text":"hi"}}`, `field "messages" is a JSON object, want an array`},
		{"text not string", `{"messages":[{"text":5}]}`, `field "messages.text" is a JSON number, want a string`},
		{"size not number", `{"messages":[{"files":[{"ref":"r","size":"10"}]}]}`, `field "messages.files.size" is a JSON string, want a number`},
		{"unknown message field", `{"messages":[{"txt":"hi"}]}`, `unknown field "txt"`},
		{"state not base64", `{"state":"%%%"}`, `field "state" is not standard base64`},
		{"state not string", `{"state":[1,2]}`, `field "state" is a JSON array, want a base64 string`},
		{"action not object", `{"actions":["tag"]}`, "reply: actions[0]: not a JSON object"},
		{"action null", `{"actions":[null]}`, "reply: actions[0]: not a JSON object"},
		{"no type", `{"actions":[{"tag":"x"}]}`, "actions[0]: an action without a type"},
		{"type not string", `{"actions":[{"type":5}]}`, `field "type" is a JSON number, want a string`},
		{"unknown type", `{"actions":[{"type":"tag"},{"type":"escalate"}]}`, `actions[1]: unknown action type "escalate"`},
		{"type case", `{"actions":[{"type":"Hand_Off"}]}`, `unknown action type "Hand_Off"`},
		{"field of another action", `{"actions":[{"type":"hand_off","tean":"billing"}]}`, `actions[0] (hand_off): unknown field "tean"`},
		{"turn_off with field", `{"actions":[{"type":"turn_off","note":"x"}]}`, `(turn_off): unknown field "note"`},
		{"tag not string", `{"actions":[{"type":"tag","tag":7}]}`, `actions[0] (tag): field "tag" is a JSON number, want a string`},
		{"priority number", `{"actions":[{"type":"set_priority","priority":2}]}`, `field "priority" is a JSON number, want a string`},
		{"priority unknown", `{"actions":[{"type":"set_priority","priority":"critical"}]}`, `unknown priority "critical"`},
		{"notify data not strings", `{"actions":[{"type":"notify","name":"n","data":{"a":1}}]}`, `actions[0] (notify): field "data`},
		{"file not object", `{"actions":[{"type":"send_file","file":"x"}]}`, `field "file" is a JSON string, want an object`},
	} {
		_, err := webhook.DecodeReply([]byte(c.body))
		if !errors.Is(err, chatbot.ErrInvalid) {
			t.Errorf("%s: DecodeReply(%s) = %v, want chatbot.ErrInvalid", c.name, c.body, err)
			continue
		}
		if !strings.Contains(err.Error(), c.says) || !strings.HasPrefix(err.Error(), "webhook: ") {
			t.Errorf("%s: %q does not say %q", c.name, err, c.says)
		}
	}
}

// A reply of the right shape decodes even when the engine will refuse
// some of it: validity is chatbot.Reply.Validate's, one action at a time.
func TestDecodeReplyLeavesValidationToTheEngine(t *testing.T) {
	r, err := webhook.DecodeReply([]byte(`{"messages":[{"text":""}],"actions":[{"type":"tag"},{"type":"tag","tag":"ok"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Validate()
	if err != nil || len(c.Refused) != 2 || len(c.Actions) != 1 || c.Actions[0] != (chatbot.Tag{Tag: "ok"}) {
		t.Errorf("Validate = %#v, %v; want the empty message and the empty tag refused", c, err)
	}
}

func TestDecodeTurnRefuses(t *testing.T) {
	valid := func(mod string) string {
		return `{"id":"t","kind":"message","bot":"b","workspace":"w","conversation":"c","channel":"ch","contact":{"id":"k"},` + mod + `}`
	}
	for _, c := range []struct{ name, body, says string }{
		{"empty", ``, "empty body"},
		{"array", `[]`, "not a JSON object"},
		{"malformed", `{"id":`, "malformed JSON"},
		{"unknown kind", valid(`"messages":[{"id":"m","text":"x"}],"kind":"closed"`), `unknown kind "closed"`},
		{"no message", valid(`"messages":[]`), "without a message"},
		{"bad time", valid(`"messages":[{"id":"m","text":"x","at":"yesterday"}]`), `field "at" "yesterday" is not an RFC 3339 time`},
		{"time not string", valid(`"messages":[{"id":"m","text":"x"}],"at":12`), `field "at" is a JSON number, want an RFC 3339 string`},
		{"id not string", valid(`"messages":[{"id":"m","text":"x"}],"id":1`), `field "id" is a JSON number, want a string`},
	} {
		_, err := webhook.DecodeTurn([]byte(c.body))
		if !errors.Is(err, chatbot.ErrInvalid) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: DecodeTurn = %v, want chatbot.ErrInvalid saying %q", c.name, err, c.says)
		}
	}
}

// What the schema cannot hold is refused when encoding.
func TestEncodeRefuses(t *testing.T) {
	for name, r := range map[string]chatbot.Reply{
		"nil action":         {Actions: []chatbot.Action{chatbot.Tag{Tag: "a"}, nil}},
		"nil pointer action": {Actions: []chatbot.Action{(*chatbot.Tag)(nil)}},
		"unknown priority":   {Actions: []chatbot.Action{chatbot.SetPriority{Priority: 9}}},
	} {
		if _, err := webhook.EncodeReply(r); !errors.Is(err, chatbot.ErrInvalid) {
			t.Errorf("%s: EncodeReply = %v, want chatbot.ErrInvalid", name, err)
		}
	}
	tr := fullTurn()
	tr.Kind = 0
	if _, err := webhook.EncodeTurn(tr); !errors.Is(err, chatbot.ErrInvalid) {
		t.Errorf("EncodeTurn of a turn without a kind = %v, want chatbot.ErrInvalid", err)
	}
}

// Whatever the body, DecodeReply returns a reply or an ErrInvalid, and a
// reply it returns encodes and decodes to itself.
func FuzzDecodeReply(f *testing.F) {
	for _, seed := range []string{`{}`, `{"actions":[{"type":"tag","tag":"x"}]}`, `{"state":"AAE="}`, `{"messages":[{"text":"a","files":[{"ref":"r","size":1}]}]}`, `[`, `{"actions":[{"type":"set_priority","priority":"low"},{"type":"notify","name":"n","data":{"k":"v"}}]}`} {
		f.Add([]byte(seed))
	}
	body, _ := webhook.EncodeReply(fullReply())
	f.Add(body)
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := webhook.DecodeReply(body)
		if err != nil {
			if !errors.Is(err, chatbot.ErrInvalid) {
				t.Fatalf("DecodeReply(%q) = %v, not ErrInvalid", body, err)
			}
			return
		}
		again, err := webhook.EncodeReply(r)
		if err != nil {
			t.Fatalf("EncodeReply of a decoded reply: %v", err)
		}
		r2, err := webhook.DecodeReply(again)
		if err != nil || !reflect.DeepEqual(r, r2) {
			t.Fatalf("%q: decoded %#v, then %#v, %v", body, r, r2, err)
		}
	})
}
