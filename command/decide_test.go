package command_test

import (
	"testing"

	"github.com/telenet/contactcenter/command"
	"github.com/telenet/contactcenter/ticket"
)

// R6, decided with no store: what each command answers and where it takes
// the contact; a ticket that is not the contact's open one gets the same
// answer however it is not (R6.2).
func TestDecide(t *testing.T) {
	const ws, me = ticket.WorkspaceID("acme"), ticket.ContactID("k1")
	mine := ticket.Ticket{ID: "t2", Workspace: ws, Number: 2, Contact: me, Status: ticket.Open}
	sw := command.Command{Kind: command.Switch, Number: 2}
	tests := []struct {
		name string
		s    command.Situation
		want command.Outcome
	}{
		{"usage", command.Situation{Command: sw, Usage: command.ErrUsage}, command.Outcome{Answer: command.KeyUsage}},
		{"new", command.Situation{Command: command.Command{Kind: command.New}}, command.Outcome{Answer: command.KeyOpened, Move: command.MoveNew}},
		{"list", command.Situation{Command: command.Command{Kind: command.List}}, command.Outcome{}},
		{"switch to mine", command.Situation{Command: sw, Workspace: ws, Contact: me, Current: "t1", Target: mine, HasTarget: true},
			command.Outcome{Answer: command.KeySwitched, Move: command.MoveSwitch}},
		{"switch without a current conversation", command.Situation{Command: sw, Workspace: ws, Contact: me, Target: mine, HasTarget: true},
			command.Outcome{Answer: command.KeySwitched, Move: command.MoveSwitch}},
		{"switch to the current one", command.Situation{Command: sw, Workspace: ws, Contact: me, Current: "t2", Target: mine, HasTarget: true},
			command.Outcome{Answer: command.KeyAlready}},
		{"switch to one answered elsewhere", command.Situation{Command: sw, Workspace: ws, Contact: me, Current: "t1", Target: mine, HasTarget: true, TargetBusy: true},
			command.Outcome{Answer: command.KeyElsewhere}},
		{"switch to the current one, busy", command.Situation{Command: sw, Workspace: ws, Contact: me, Current: "t2", Target: mine, HasTarget: true, TargetBusy: true},
			command.Outcome{Answer: command.KeyAlready}},
	}
	notMine := map[string]command.Situation{
		"no such ticket":        {Command: sw, Workspace: ws, Contact: me, Current: "t1"},
		"another contact's":     {Command: sw, Workspace: ws, Contact: me, Current: "t1", Target: with(mine, func(t *ticket.Ticket) { t.Contact = "k9" }), HasTarget: true},
		"another workspace's":   {Command: sw, Workspace: ws, Contact: me, Current: "t1", Target: with(mine, func(t *ticket.Ticket) { t.Workspace = "other" }), HasTarget: true},
		"closed":                {Command: sw, Workspace: ws, Contact: me, Current: "t1", Target: with(mine, func(t *ticket.Ticket) { t.Status = ticket.Closed }), HasTarget: true},
		"another's, and busy":   {Command: sw, Workspace: ws, Contact: me, Target: with(mine, func(t *ticket.Ticket) { t.Contact = "k9" }), HasTarget: true, TargetBusy: true},
		"another's, current id": {Command: sw, Workspace: ws, Contact: me, Current: "t2", Target: with(mine, func(t *ticket.Ticket) { t.Contact = "k9" }), HasTarget: true},
	}
	for name, s := range notMine {
		tests = append(tests, struct {
			name string
			s    command.Situation
			want command.Outcome
		}{name, s, command.Outcome{Answer: command.KeyNotFound}})
	}
	for _, tt := range tests {
		if got := command.Decide(tt.s); got != tt.want {
			t.Errorf("%s: Decide = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func with(t ticket.Ticket, f func(*ticket.Ticket)) ticket.Ticket {
	f(&t)
	return t
}
