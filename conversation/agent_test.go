package conversation_test

import (
	"errors"
	"testing"

	cv "github.com/telenet/contactcenter/conversation"
)

// Who may set up a workspace (its agents and teams): the host, the
// engine's rules, the automations and a supervisor of the workspace; not
// an agent who is no supervisor, a supervisor of another workspace or a
// contact; no actor at all is invalid.
func TestMayAdminister(t *testing.T) {
	sol := cv.Agent{ID: "sol", Workspace: ws, Role: cv.RoleSupervisor}
	other := sol
	other.Workspace = "globex"
	tests := []struct {
		name string
		by   cv.Actor
		want error
	}{
		{"host", cv.Host(), nil},
		{"system", cv.System(), nil},
		{"bot", cv.AsBot("triage"), nil},
		{"workflow", cv.AsWorkflow("run-1"), nil},
		{"supervisor", cv.By(sol), nil},
		{"agent", cv.By(cv.Agent{ID: "ana", Workspace: ws}), cv.ErrForbidden},
		{"supervisor of another workspace", cv.By(other), cv.ErrForbidden},
		{"contact", cv.AsContact("k1"), cv.ErrForbidden},
		{"no actor", cv.Actor{}, cv.ErrInvalid},
		{"workflow without id", cv.Actor{Kind: cv.ActorWorkflow}, cv.ErrInvalid},
	}
	for _, tt := range tests {
		err := tt.by.MayAdminister(ws, "put agents")
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// Putting an agent, decided with no store: a new one gets version 1 and a
// presence event unless it starts offline; a replaced one the next version
// and an event only when its presence changes; who may not put agents, and
// an invalid agent, change nothing.
func TestPutAgent(t *testing.T) {
	ana := cv.Agent{ID: "ana", Workspace: ws, Name: "Ana", Presence: cv.Online}
	ch, err := cv.PutAgent(ana, nil, host, now)
	if err != nil || len(ch.Agents) != 1 || ch.Agents[0].Version != 1 || len(ch.Events()) != 1 ||
		ch.Events()[0].Type != cv.EventPresenceChanged || ch.Events()[0].Presence != cv.Online || ch.Events()[0].Agent != "ana" {
		t.Fatalf("new online agent: %+v, %v", ch, err)
	}
	off := cv.Agent{ID: "bruno", Workspace: ws}
	if ch, err := cv.PutAgent(off, nil, host, now); err != nil || len(ch.Events()) != 0 || ch.Agents[0].Version != 1 {
		t.Errorf("new offline agent: %+v, %v; want version 1 and no event", ch, err)
	}
	old := ana
	old.Version = 4
	renamed := ana
	renamed.Name = "Ana María"
	if ch, err := cv.PutAgent(renamed, &old, host, now); err != nil || len(ch.Events()) != 0 || ch.Agents[0].Version != 5 || ch.Agents[0].Name != "Ana María" {
		t.Errorf("renamed: %+v, %v; want version 5, no event", ch, err)
	}
	away := ana
	away.Presence = cv.Away
	if ch, err := cv.PutAgent(away, &old, cv.AsWorkflow("run-1"), now); err != nil || len(ch.Events()) != 1 || ch.Events()[0].Presence != cv.Away {
		t.Errorf("away: %+v, %v; want a presence event", ch, err)
	}
	boss := ana
	boss.Role = cv.RoleSupervisor
	if ch, err := cv.PutAgent(boss, &old, cv.By(old), now); !errors.Is(err, cv.ErrForbidden) || !ch.Empty() {
		t.Errorf("an agent raising their own role: %v, empty %v; want ErrForbidden and nothing", err, ch.Empty())
	}
	bad := ana
	bad.Capacity = -1
	if ch, err := cv.PutAgent(bad, nil, host, now); !errors.Is(err, cv.ErrInvalid) || !ch.Empty() {
		t.Errorf("negative capacity: %v, empty %v", err, ch.Empty())
	}
	if _, err := cv.PutAgent(ana, nil, cv.Actor{}, now); !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("no actor: %v", err)
	}
}
