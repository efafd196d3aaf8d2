package workflow

import (
	"reflect"
	"testing"
)

func TestIndex(t *testing.T) {
	d := &Definition{Steps: []Step{{Do: Close}, {ID: "b", Do: Close}}}
	if d.Index("b") != 1 || d.Index("x") != -1 || d.Index("") != -1 {
		t.Error(d.Index("b"), d.Index("x"), d.Index(""))
	}
}

func TestNextBranches(t *testing.T) {
	d := &Definition{Name: "w", Trigger: Trigger{On: OnConversationOpened}, Steps: []Step{
		{Do: Branch, If: &Condition{Field: "conversation.first", Op: Eq, Value: "true"}, Then: "first", Else: "again"}, // 0
		{ID: "first", Do: Send, Template: "a"},                                                    // 1
		{ID: "again", Do: Branch, If: &Condition{Field: "contact.language", Op: Eq, Value: "es"}}, // 2: no targets
		{Do: Tag, Tag: "t"}, // 3
	}}
	if err := Validate(d, known); err != nil {
		t.Fatal(err)
	}
	s := snapshot()
	p := &Position{}
	step, passed := d.Next(p, s)
	if step != 1 || p.Next != 1 || len(passed) != 1 || !passed[0].Taken || passed[0].To != 1 || passed[0].Trace[0].Path != "steps[0].if" {
		t.Fatalf("%d %+v", step, passed)
	}
	s.First = false
	p = &Position{}
	step, passed = d.Next(p, s)
	want := []Passed{
		{Step: 0, Do: Branch, Taken: false, To: 2, Trace: []Trace{{Path: "steps[0].if", Field: "conversation.first", Op: Eq, Want: "true", Got: "false"}}},
		{Step: 2, Do: Branch, Taken: false, To: 3, Trace: []Trace{{Path: "steps[2].if", Field: "contact.language", Op: Eq, Want: "es", Got: "es-MX"}}},
	}
	if step != 3 || !reflect.DeepEqual(passed, want) {
		t.Errorf("%d %+v", step, passed)
	}
	p = &Position{Next: 3}
	if step, passed := d.Next(p, s); step != 3 || passed != nil {
		t.Errorf("an acting step: %d %+v", step, passed)
	}
	p = &Position{Next: 4}
	if step, _ := d.Next(p, s); step != 4 {
		t.Errorf("done: %d", step)
	}
}

func TestNextBoundedJump(t *testing.T) {
	d := &Definition{Name: "w", Trigger: Trigger{On: OnConversationOpened}, Steps: []Step{
		{ID: "ask", Do: Send, Template: "a"},
		{Do: Wait, Until: OnMessageReceived, Timeout: Duration(60e9)},
		{Do: Jump, To: "ask", Max: 2},
		{Do: Close},
	}}
	if err := Validate(d, known); err != nil {
		t.Fatal(err)
	}
	p := &Position{}
	var visited []int
	for i := 0; i < 20; i++ {
		step, _ := d.Next(p, nil)
		visited = append(visited, step)
		if step == len(d.Steps) {
			break
		}
		p.Next = step + 1
	}
	if want := []int{0, 1, 0, 1, 0, 1, 3, 4}; !reflect.DeepEqual(visited, want) {
		t.Errorf("visited %v, want %v", visited, want)
	}
	if p.Jumps[2] != 2 {
		t.Errorf("jumps %v", p.Jumps)
	}
}

func TestNextTerminatesOnInvalid(t *testing.T) {
	loop := &Condition{Field: "conversation.first", Op: Eq, Value: "false"}
	defs := []*Definition{
		{Steps: []Step{{ID: "a", Do: Branch, If: loop, Then: "a", Else: "a"}}},
		{Steps: []Step{{ID: "a", Do: Jump, To: "a", Max: 1 << 30}}},
		{Steps: []Step{{ID: "a", Do: Jump, To: "b", Max: 1 << 30}, {ID: "b", Do: Jump, To: "a", Max: 1 << 30}}},
		{Steps: []Step{{Do: Jump, To: "nowhere", Max: 3}, {Do: Branch, Then: "nowhere"}}},
	}
	for i, d := range defs {
		p := &Position{}
		step, _ := d.Next(p, &Snapshot{})
		if step != len(d.Steps) || p.Next != step {
			t.Errorf("%d: step %d", i, step)
		}
	}
	if step, _ := defs[3].Next(nil, nil); step != 2 {
		t.Errorf("nil position: %d", step)
	}
	if step, _ := defs[0].Next(&Position{Next: -5}, nil); step != 1 {
		t.Errorf("negative position: %d", step)
	}
}
