package workflow

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// validDefinitions are definitions Parse accepts with the known catalog.
var validDefinitions = []string{
	`{"name":"welcome","trigger":{"on":"conversation.opened"},"steps":[{"do":"send","template":"a"}]}`,
	`{"name":"billing","description":"route billing","trigger":{"on":"message.received","from":"contact"},
	  "if":{"all":[{"field":"message.text","op":"contains","value":"factura"},{"not":{"field":"ticket.tags","op":"contains","value":"vip"}},
	  {"any":[{"field":"contact.language","op":"in","values":["es","es-MX"]},{"field":"contact.field.plan","op":"matches","value":"^gold"}]}]},
	  "steps":[{"do":"tag","tag":"billing"},{"do":"assign","team":"a","strategy":"a"},{"do":"set_priority","priority":"high"}],"keep_on_close":true}`,
	`{"name":"nudge","trigger":{"on":"no_reply.contact","after":"1h"},"steps":[
	  {"id":"ask","do":"send","snippet":"a"},
	  {"do":"wait","until":"message.received","timeout":"30m","on_timeout":"again"},
	  {"do":"close","note":"answered"},
	  {"id":"again","do":"branch","if":{"field":"conversation.state","op":"eq","value":"open"},"else":"end"},
	  {"do":"jump","to":"ask","max":2},
	  {"id":"end","do":"close","note":"no answer"}]}`,
	`{"name":"ooh","trigger":{"on":"out_of_hours","service":"a"},"if":{"field":"hours.a","op":"eq","value":"closed"},"steps":[{"do":"send","template":"a"},{"do":"wait","for":"10m"},{"do":"hand_to_bot"}]}`,
	`{"name":"fields","trigger":{"on":"field.changed","field":"plan"},"if":{"field":"previous","op":"ne","value":"gold"},"steps":[{"do":"set_field","field":"x","value":"1"},{"do":"unset_field","field":"y"},{"do":"notify","name":"plan","data":{"a":"b"}},{"do":"call","name":"a","data":{"k":"v"}}]}`,
	`{"name":"tags","trigger":{"on":"tag.added","tag":"vip"},"steps":[{"do":"assign","agent":"a"},{"do":"untag","tag":"new"},{"do":"unassign"}]}`,
	`{"name":"presence","trigger":{"on":"agent.presence_changed","presence":"away"},"steps":[{"do":"notify","name":"away"}]}`,
	`{"name":"waiting","trigger":{"on":"queue.waiting","after":"5m"},"if":{"field":"conversation.waiting","op":"gte","value":"5m"},"steps":[{"do":"set_priority","priority":"urgent"},{"do":"assign","strategy":"a"}]}`,
}

func TestRoundTrip(t *testing.T) {
	for _, b := range validDefinitions {
		d, err := Parse([]byte(b), known)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := Decode(out)
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if !reflect.DeepEqual(d, d2) {
			t.Errorf("round trip of %s:\n%#v\n%#v", b, d, d2)
		}
		if err := Validate(&d2, known); err != nil {
			t.Errorf("%s: %v", out, err)
		}
	}
}

func TestRoundTripBuilt(t *testing.T) {
	d := Definition{
		Name:    "built",
		Trigger: Trigger{On: OnNoAgentReply, After: Duration(90 * 60e9)},
		If:      &Condition{Any: []Condition{{Field: "ticket.priority", Op: Gt, Value: "normal"}, {Field: "conversation.first", Op: Eq, Value: "true"}}},
		Steps:   []Step{{Do: Assign, Team: "a"}, {Do: Wait, For: Duration(60e9)}, {Do: Notify, Name: "late", Data: map[string]string{"x": "y"}}},
	}
	if err := Validate(&d, known); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"after":"1h30m0s"`; !strings.Contains(string(b), want) {
		t.Errorf("%s lacks %s", b, want)
	}
	d2, err := Parse(b, known)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d, d2) {
		t.Errorf("round trip:\n%#v\n%#v", d, d2)
	}
}

func TestDecodeNormalizesEmpty(t *testing.T) {
	d, err := Decode([]byte(`{"name":"w","trigger":{"on":"conversation.opened"},"if":{"all":[{"field":"message.text","op":"in","values":["a"]}],"any":[]},"steps":[{"do":"notify","name":"n","data":{}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if d.If.Any != nil || d.Steps[0].Data != nil {
		t.Errorf("empty lists kept: %#v", d)
	}
}
