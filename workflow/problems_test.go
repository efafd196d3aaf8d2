package workflow

import (
	"errors"
	"strings"
	"testing"
)

func TestProblemKinds(t *testing.T) {
	kinds := ProblemKinds()
	if len(kinds) < 22 {
		t.Fatalf("%d kinds", len(kinds))
	}
	seen := map[ProblemKind]bool{}
	for _, k := range kinds {
		if seen[k] {
			t.Errorf("kind %q twice", k)
		}
		seen[k] = true
		for _, r := range k {
			if !(r >= 'a' && r <= 'z' || r == '_') {
				t.Errorf("kind %q is not snake_case", k)
			}
		}
	}
}

func TestParseProblems(t *testing.T) {
	opened := `{"on":"conversation.opened"}`
	close := `{"do":"close"}`
	cond := func(c string) string {
		return `{"name":"w","trigger":{"on":"conversation.opened"},"if":` + c + `,"steps":[{"do":"close"}]}`
	}
	deep := `{"field":"message.text","op":"exists"}`
	for i := 0; i < MaxConditionDepth; i++ {
		deep = `{"not":` + deep + `}`
	}
	many := strings.Repeat(`{"do":"unassign"},`, MaxSteps) + close
	tests := []struct {
		name string
		json string
		cat  Catalog
		kind ProblemKind
		path string
		// marker is the text whose first occurrence is where the
		// problem is; "" is the start.
		marker string
		// count is how many problems there are; 0 is 1.
		count int
	}{
		{"syntax", "{\n\"name\": \"w\" \"x\"}", known, ProblemSyntax, "", `"x"`, 0},
		{"syntax empty", "  ", known, ProblemSyntax, "", "", 0},
		{"syntax truncated", `{"name":"w"`, known, ProblemSyntax, "", "", 0},
		{"trailing data", def(opened, close) + "\n x", known, ProblemSyntax, "", "x", 0},
		{"trailing value", def(opened, close) + "{}", known, ProblemSyntax, "", "{}", 0},
		{"unknown field", def(opened, `{"do":"close","colour":"red"}`), known, ProblemUnknownField, "steps[0].colour", `"colour"`, 0},
		{"unknown field case", `{"Name":"w","name":"w","trigger":{"on":"conversation.opened"},"steps":[{"do":"close"}]}`, known, ProblemUnknownField, "Name", `"Name"`, 0},
		{"duplicate field", `{"name":"w","name":"v","trigger":{"on":"conversation.opened"},"steps":[{"do":"close"}]}`, known, ProblemDuplicateField, "name", `"name":"v"`, 0},
		{"bad type", `{"name":"w","trigger":{"on":"conversation.opened"},"steps":"close"}`, known, ProblemBadType, "steps", `"close"`, 0},
		{"bad type root", `[1]`, known, ProblemBadType, "", "", 0},
		{"bad type max", def(opened, `{"id":"a","do":"close"},{"do":"jump","to":"a","max":1.5}`), known, ProblemBadType, "steps[1].max", `1.5`, 0},
		{"bad type bool", `{"name":"w","trigger":{"on":"conversation.opened"},"steps":[{"do":"close"}],"keep_on_close":"yes"}`, known, ProblemBadType, "keep_on_close", `"yes"`, 0},
		{"bad type object", `{"name":"w","trigger":["conversation.opened"],"steps":[{"do":"close"}]}`, known, ProblemBadType, "trigger", `["conv`, 0},
		{"bad type null duration", def(`{"on":"queue.waiting","after":null}`, `{"do":"close"}`), known, ProblemBadType, "trigger.after", `null`, 0},
		{"bad type number", `{"name":7,"trigger":{"on":"conversation.opened"},"steps":[{"do":"close"}]}`, known, ProblemBadType, "name", `7`, 0},
		{"bad name blank", `{"name":"  ","trigger":{"on":"conversation.opened"},"steps":[{"do":"close"}]}`, known, ProblemBadName, "name", `"name"`, 0},
		{"missing deep", cond(`{"any":[{"field":"message.text","op":"exists"},{"field":"message.text","op":"gt"}]}`), known, ProblemMissing, "if.any[1].value", `{"field":"message.text","op":"gt"`, 0},
		{"too large steps", def(opened, many), known, ProblemTooLarge, "steps", `"steps"`, 0},
		{"too large nesting", cond(`{"not":` + deep + `}`), known, ProblemTooLarge, "if" + strings.Repeat(".not", MaxConditionDepth), `"not":{"not":{"field"`, 0},
		{"missing name", `{"trigger":{"on":"conversation.opened"},"steps":[{"do":"close"}]}`, known, ProblemMissing, "name", "", 0},
		{"missing trigger.on", `{"name":"w","trigger":{},"steps":[{"do":"close"}]}`, known, ProblemMissing, "trigger.on", `"trigger"`, 0},
		{"missing steps", `{"name":"w","trigger":{"on":"conversation.opened"},"steps":[]}`, known, ProblemMissing, "steps", `"steps"`, 0},
		{"missing do", def(opened, `{"id":"x"}`), known, ProblemMissing, "steps[0].do", `{"id"`, 0},
		{"missing value", cond(`{"field":"message.text","op":"eq"}`), known, ProblemMissing, "if.value", `"if"`, 0},
		{"missing op", cond(`{"field":"message.text","value":"x"}`), known, ProblemMissing, "if.op", `"if"`, 0},
		{"bad name", `{"name":"a\u0001b","trigger":{"on":"conversation.opened"},"steps":[{"do":"close"}]}`, known, ProblemBadName, "name", `"name"`, 0},
		{"bad name id", def(opened, `{"id":"`+strings.Repeat("x", MaxNameBytes+1)+`","do":"close"}`), known, ProblemBadName, "steps[0].id", `"id"`, 0},
		{"unknown trigger", def(`{"on":"message.sent"}`, close), known, ProblemUnknownTrigger, "trigger.on", `"on"`, 0},
		{"unknown step", def(opened, `{"do":"dance"}`), known, ProblemUnknownStep, "steps[0].do", `"do"`, 0},
		{"not for kind step", def(opened, `{"do":"tag","tag":"x","team":"a"}`), known, ProblemNotForKind, "steps[0].team", `"team"`, 0},
		{"not for kind trigger", def(`{"on":"message.received","tag":"x"}`, close), known, ProblemNotForKind, "trigger.tag", `"tag"`, 0},
		{"not for kind after", def(`{"on":"conversation.opened","after":"1m"}`, close), known, ProblemNotForKind, "trigger.after", `"after"`, 0},
		{"unknown condition field", cond(`{"all":[{"field":"contact.age","op":"eq","value":"1"}]}`), known, ProblemUnknownConditionField, "if.all[0].field", `"field"`, 0},
		{"unknown op", cond(`{"any":[{"field":"message.text","op":"eq","value":"x"},{"field":"message.text","op":"like","value":"x"}]}`), known, ProblemUnknownOp, "if.any[1].op", `"op":"like"`, 0},
		{"bad value regexp", cond(`{"field":"message.text","op":"matches","value":"a("}`), known, ProblemBadValue, "if.value", `"value"`, 0},
		{"bad value waiting", cond(`{"field":"conversation.waiting","op":"gt","value":"ten"}`), known, ProblemBadValue, "if.value", `"value"`, 0},
		{"bad value priority cond", cond(`{"field":"ticket.priority","op":"in","values":["high","huge"]}`), known, ProblemBadValue, "if.values[1]", `"huge"`, 0},
		{"bad value op for field", cond(`{"field":"hours","op":"gt","value":"open"}`), known, ProblemBadValue, "if.op", `"op"`, 0},
		{"bad value values", cond(`{"field":"message.text","op":"in","value":"x","values":["x"]}`), known, ProblemBadValue, "if.value", `"value"`, 0},
		{"bad value value for eq", cond(`{"field":"message.text","op":"eq","value":"x","values":["x"]}`), known, ProblemBadValue, "if.values", `"values"`, 0},
		{"bad value priority step", def(opened, `{"do":"set_priority","priority":"huge"}`), known, ProblemBadValue, "steps[0].priority", `"priority"`, 0},
		{"bad value presence", def(`{"on":"agent.presence_changed","presence":"busy"}`, close), known, ProblemBadValue, "trigger.presence", `"presence"`, 0},
		{"bad value author", def(`{"on":"message.received","from":"bot"}`, close), known, ProblemBadValue, "trigger.from", `"from"`, 0},
		{"bad value first", cond(`{"field":"conversation.first","op":"eq","value":"yes"}`), known, ProblemBadValue, "if.value", `"value"`, 0},
		{"bad value send both", def(opened, `{"do":"send","template":"a","snippet":"a"}`), known, ProblemBadValue, "steps[0].snippet", `"snippet"`, 0},
		{"bad group both", cond(`{"all":[{"field":"message.text","op":"exists"}],"field":"message.text"}`), known, ProblemBadGroup, "if", `"if"`, 0},
		{"bad group none", cond(`{}`), known, ProblemBadGroup, "if", `"if"`, 0},
		{"bad group empty", cond(`{"all":[]}`), known, ProblemBadGroup, "if", `"if"`, 0},
		{"bad group two", cond(`{"all":[{"field":"message.text","op":"exists"}],"not":{"field":"message.text","op":"exists"}}`), known, ProblemBadGroup, "if", `"if"`, 0},
		{"bad duration after", def(`{"on":"no_reply.contact"}`, close), known, ProblemBadDuration, "trigger.after", `"trigger"`, 0},
		{"bad duration negative", def(opened, `{"do":"wait","for":"-1m"}`), known, ProblemBadDuration, "steps[0].for", `"for"`, 0},
		{"bad duration long", def(opened, `{"do":"wait","for":"2200h"}`), known, ProblemBadDuration, "steps[0].for", `"for"`, 0},
		{"bad duration text", def(opened, `{"do":"wait","for":"soon"}`), known, ProblemBadDuration, "steps[0].for", `"soon"`, 0},
		{"bad duration timeout", def(opened, `{"do":"wait","until":"message.received"}`), known, ProblemBadDuration, "steps[0].timeout", `{"do":"wait"`, 0},
		{"unknown template", def(opened, `{"do":"send","template":"b"}`), known, ProblemUnknownTemplate, "steps[0].template", `"template"`, 0},
		{"unknown snippet", def(opened, `{"do":"send","snippet":"b"}`), known, ProblemUnknownSnippet, "steps[0].snippet", `"snippet"`, 0},
		{"unknown team", def(opened, `{"do":"unassign"},{"do":"assign","team":"b"}`), known, ProblemUnknownTeam, "steps[1].team", `"team"`, 0},
		{"unknown agent", def(opened, `{"do":"assign","agent":"b"}`), known, ProblemUnknownAgent, "steps[0].agent", `"agent"`, 0},
		{"unknown service trigger", def(`{"on":"out_of_hours","service":"b"}`, close), known, ProblemUnknownService, "trigger.service", `"service"`, 0},
		{"unknown service field", cond(`{"field":"hours.b","op":"eq","value":"open"}`), known, ProblemUnknownService, "if.field", `"field"`, 0},
		{"unknown strategy", def(opened, `{"do":"assign","team":"a","strategy":"b"}`), known, ProblemUnknownStrategy, "steps[0].strategy", `"strategy"`, 0},
		{"unknown host step", def(opened, `{"do":"call","name":"b"}`), known, ProblemUnknownHostStep, "steps[0].name", `"name":"b"`, 0},
		{"unknown bot", def(opened, `{"do":"hand_to_bot","name":"b"}`), known, ProblemUnknownBot, "steps[0].name", `"name":"b"`, 0},
		{"duplicate id", def(opened, `{"id":"x","do":"tag","tag":"t"},{"id":"x","do":"close"}`), known, ProblemDuplicateID, "steps[1].id", `"id":"x","do":"close"`, 0},
		{"unknown target", def(opened, `{"do":"branch","if":{"field":"message.text","op":"exists"},"then":"nowhere"},{"do":"close"}`), known, ProblemUnknownTarget, "steps[0].then", `"then"`, 0},
		{"backward target", def(opened, `{"id":"a","do":"tag","tag":"t"},{"do":"branch","if":{"field":"message.text","op":"exists"},"else":"a"},{"do":"close"}`), known, ProblemBackwardTarget, "steps[1].else", `"else"`, 0},
		{"backward target self", def(opened, `{"id":"w","do":"wait","until":"message.received","timeout":"1h","on_timeout":"w"},{"do":"close"}`), known, ProblemBackwardTarget, "steps[0].on_timeout", `"on_timeout"`, 0},
		{"unbounded jump", def(opened, `{"id":"a","do":"tag","tag":"t"},{"do":"jump","to":"a"}`), known, ProblemUnboundedJump, "steps[1].max", `{"do":"jump"`, 0},
		{"unbounded jump max", def(opened, `{"id":"a","do":"tag","tag":"t"},{"do":"jump","to":"a","max":101}`), known, ProblemUnboundedJump, "steps[1].max", `"max"`, 0},
		{"self jump", def(opened, `{"id":"j","do":"jump","to":"j","max":2}`), known, ProblemSelfJump, "steps[0].to", `"to"`, 0},
		{"unreachable after close", def(opened, `{"do":"close"},{"do":"tag","tag":"t"}`), known, ProblemUnreachable, "steps[1]", `{"do":"tag"`, 0},
		{"unreachable skipped", def(opened, `{"do":"branch","if":{"field":"message.text","op":"exists"},"then":"c","else":"c"},{"do":"tag","tag":"t"},{"id":"c","do":"close"}`), known, ProblemUnreachable, "steps[1]", `{"do":"tag"`, 0},
		{"wait until time based", def(opened, `{"do":"wait","until":"queue.waiting","timeout":"1h"}`), known, ProblemWaitUntilTimeBased, "steps[0].until", `"until"`, 0},
		{"wait until presence", def(opened, `{"do":"wait","until":"agent.presence_changed","timeout":"1h"}`), known, ProblemNotForKind, "steps[0].until", `"until"`, 0},
		{"assign target none", def(opened, `{"do":"assign"}`), known, ProblemAssignTarget, "steps[0]", `{"do":"assign"`, 0},
		{"assign target both", def(opened, `{"do":"assign","agent":"a","team":"a"}`), known, ProblemAssignTarget, "steps[0].agent", `"agent"`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.json), tt.cat)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err is %T, not *Error", err)
			}
			want := tt.count
			if want == 0 {
				want = 1
			}
			if len(e.Problems) != want {
				t.Fatalf("problems = %+v, want %d", e.Problems, want)
			}
			line, col := 1, 1
			if tt.marker != "" {
				line, col = at(tt.json, tt.marker)
			}
			if tt.name == "syntax truncated" {
				line, col = lineColumn([]byte(tt.json), len(tt.json))
			}
			if tt.name == "syntax empty" {
				line, col = 1, 3
			}
			p := e.Problems[0]
			if p.Kind != tt.kind || p.Path != tt.path || p.Line != line || p.Column != col {
				t.Errorf("problem = %+v, want %s at %q %d:%d", p, tt.kind, tt.path, line, col)
			}
			if p.Detail == "" {
				t.Errorf("problem %+v has no detail", p)
			}
		})
	}
}

func TestTooLargeBytes(t *testing.T) {
	b := []byte(`{"name":"` + strings.Repeat("x", MaxDefinitionBytes) + `"}`)
	_, err := Decode(b)
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 1 || e.Problems[0].Kind != ProblemTooLarge {
		t.Fatalf("err = %v", err)
	}
}

func TestTooLargeJSONNesting(t *testing.T) {
	b := `{"name":"w","if":` + strings.Repeat(`{"not":`, 30000) + `{}` + strings.Repeat(`}`, 30000) + `}`
	_, err := Decode([]byte(b))
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 1 || e.Problems[0].Kind != ProblemTooLarge {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasPrefix(e.Problems[0].Path, "if.not.not") {
		t.Errorf("problem %+v", e.Problems[0])
	}
}

func TestValidateCollectsAllInOrder(t *testing.T) {
	d := &Definition{
		Trigger: Trigger{On: OnMessageReceived, From: "bot", Tag: "x"},
		If:      &Condition{All: []Condition{{Field: "nope", Op: Eq, Value: "1"}, {Field: "message.text", Op: "like", Value: "x"}}},
		Steps: []Step{
			{Do: Assign, Team: "b"},
			{Do: "dance"},
			{ID: "j", Do: Jump, To: "j"},
		},
	}
	err := Validate(d, known)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	var got []string
	for _, p := range e.Problems {
		got = append(got, string(p.Kind)+" "+p.Path)
		if p.Line != 0 || p.Column != 0 {
			t.Errorf("Validate gave a position: %+v", p)
		}
	}
	want := []string{
		"missing name",
		"bad_value trigger.from",
		"not_for_kind trigger.tag",
		"unknown_condition_field if.all[0].field",
		"unknown_op if.all[1].op",
		"unknown_team steps[0].team",
		"unknown_step steps[1].do",
		"self_jump steps[2].to",
		"unbounded_jump steps[2].max",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(err.Error(), `steps[0].team: unknown team "b"`) || !strings.HasPrefix(err.Error(), "workflow: invalid definition: ") {
		t.Errorf("Error() = %s", err)
	}
}

func TestParseOrdersByPosition(t *testing.T) {
	b := "{\n  \"steps\": [{\"do\": \"assign\", \"team\": \"b\"}],\n  \"trigger\": {\"on\": \"nope\"},\n  \"name\": \"w\"\n}"
	_, err := Parse([]byte(b), known)
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 2 {
		t.Fatalf("err = %v", err)
	}
	p0, p1 := e.Problems[0], e.Problems[1]
	if p0.Path != "steps[0].team" || p0.Line != 2 || p0.Column != 30 {
		t.Errorf("first = %+v", p0)
	}
	if p1.Path != "trigger.on" || p1.Line != 3 || p1.Column != 15 {
		t.Errorf("second = %+v", p1)
	}
	if want := `2:30: steps[0].team: unknown team "b"`; p0.String() != want {
		t.Errorf("String() = %q, want %q", p0.String(), want)
	}
}

func TestValidDefinitions(t *testing.T) {
	for _, b := range validDefinitions {
		if _, err := Parse([]byte(b), known); err != nil {
			t.Errorf("%s: %v", b, err)
		}
	}
}

func TestNilCatalogChecksNothing(t *testing.T) {
	b := def(`{"on":"out_of_hours","service":"zz"}`, `{"do":"assign","agent":"zz"},{"do":"send","template":"zz"},{"do":"call","name":"zz"},{"do":"hand_to_bot","name":"zz"}`)
	if _, err := Parse([]byte(b), Catalog{}); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNil(t *testing.T) {
	if err := Validate(nil, known); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
}

func TestDecodeRefusesUnknownFields(t *testing.T) {
	b := def(`{"on":"conversation.opened","when":"now"}`, `{"do":"close"}`)
	d, err := Decode([]byte(b))
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 1 || e.Problems[0].Kind != ProblemUnknownField || e.Problems[0].Path != "trigger.when" {
		t.Fatalf("err = %v", err)
	}
	if d.Name != "" {
		t.Errorf("Decode returned %+v with its error", d)
	}
	d, err = Parse([]byte(b), known)
	if !errors.As(err, &e) || len(e.Problems) != 1 || d.Name != "w" {
		t.Errorf("Parse: %+v %v", d, err)
	}
}
