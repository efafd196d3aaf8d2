package workflow

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode checks that Decode and Parse never panic, that every problem
// has a kind and a position, and that a definition Decode reads comes
// back equal from json.Marshal; one that Parse accepts also validates
// again, and its walk with Next ends.
func FuzzDecode(f *testing.F) {
	for _, b := range validDefinitions {
		f.Add([]byte(b))
	}
	for _, b := range []string{
		``, `{`, `[]`, `null`, `{"name":1}`, `{"name":"w"} x`,
		`{"name":"w","trigger":{"on":"nope"},"steps":[{"do":"jump","to":"a"}]}`,
		`{"name":"w","trigger":{"on":"conversation.opened"},"if":{"all":[]},"steps":[{"do":"close","x":1}]}`,
		`{"name":"w","trigger":{"on":"no_reply.agent","after":"-1s"},"steps":[{"id":"a","do":"branch","then":"a"}]}`,
		`{"name":"w","trigger":{"on":"conversation.opened"},"steps":[{"do":"notify","name":"n","data":{"a":null,"a":"b"}}]}`,
		`{"name":"\u0000","steps":[{"do":"wait","for":"1h","until":"queue.waiting","timeout":"x"}]}`,
		`{"if":{"not":{"not":{"not":{"field":"hours.","op":"matches","value":"("}}}}}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) || len(e.Problems) == 0 {
				t.Fatalf("Decode error %v", err)
			}
			for _, p := range e.Problems {
				if p.Kind == "" || p.Line < 1 || p.Column < 1 {
					t.Fatalf("problem %+v", p)
				}
			}
		} else {
			out, err := json.Marshal(d)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			d2, err := Decode(out)
			if err != nil {
				t.Fatalf("Decode of %s: %v", out, err)
			}
			if !reflect.DeepEqual(d, d2) {
				t.Fatalf("round trip of %s:\n%#v\n%#v", out, d, d2)
			}
		}
		pd, err := Parse(b, known)
		if err == nil {
			if verr := Validate(&pd, known); verr != nil {
				t.Fatalf("Parse accepted, Validate refuses: %v", verr)
			}
		}
		if err == nil || errors.Is(err, ErrInvalid) {
			pd.Needs()
			Start(&pd, &Snapshot{})
			p := &Position{}
			for i := 0; i < 1000; i++ {
				step, _ := pd.Next(p, &Snapshot{})
				if step >= len(pd.Steps) {
					break
				}
				p.Next = step + 1
			}
		}
	})
}
