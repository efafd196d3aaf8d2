package conversation_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	cv "github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// R9, R11, R12: a conversation waits in the queue while open and
// unassigned.
func TestWaiting(t *testing.T) {
	tests := []struct {
		name string
		c    cv.Conversation
		want bool
	}{
		{"open unassigned", waitingConv(), true},
		{"open unassigned in a team", func() cv.Conversation { c := waitingConv(); c.Team = "sales"; return c }(), true},
		{"open assigned", assignedConv("alice"), false},
		{"closed", closedConv(), false},
		{"closed with a stale assignee", func() cv.Conversation { c := closedConv(); c.Assignee = "alice"; return c }(), false},
	}
	for _, tt := range tests {
		if got := tt.c.Waiting(); got != tt.want {
			t.Errorf("%s: Waiting() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// R11: higher priority first, then the one waiting longest, then by id.
func TestBefore(t *testing.T) {
	mk := func(id cv.ID, p ticket.Priority, since time.Time) cv.Conversation {
		return cv.Conversation{ID: id, Workspace: ws, State: cv.Open, Priority: p, WaitingSince: since}
	}
	early, late := t0, t1
	tests := []struct {
		name string
		c, d cv.Conversation
		want bool
	}{
		{"higher priority first despite waiting less", mk("b", ticket.PriorityHigh, late), mk("a", ticket.PriorityNormal, early), true},
		{"lower priority after", mk("a", ticket.PriorityNormal, early), mk("b", ticket.PriorityHigh, late), false},
		{"urgent before high", mk("z", ticket.PriorityUrgent, late), mk("a", ticket.PriorityHigh, early), true},
		{"normal before low", mk("z", ticket.PriorityNormal, late), mk("a", ticket.PriorityLow, early), true},
		{"same priority, older first", mk("z", ticket.PriorityNormal, early), mk("a", ticket.PriorityNormal, late), true},
		{"same priority, newer after", mk("a", ticket.PriorityNormal, late), mk("z", ticket.PriorityNormal, early), false},
		{"tie broken by id", mk("a", ticket.PriorityHigh, early), mk("b", ticket.PriorityHigh, early), true},
		{"tie broken by id, reverse", mk("b", ticket.PriorityHigh, early), mk("a", ticket.PriorityHigh, early), false},
		{"same time in other zone is a tie", mk("a", ticket.PriorityNormal, early), mk("b", ticket.PriorityNormal, early.In(time.FixedZone("UTC-5", -5*3600))), true},
		{"same time in other zone is a tie, reverse", mk("b", ticket.PriorityNormal, early.In(time.FixedZone("UTC-5", -5*3600))), mk("a", ticket.PriorityNormal, early), false},
		{"not before itself", mk("a", ticket.PriorityNormal, early), mk("a", ticket.PriorityNormal, early), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Before(tt.d); got != tt.want {
				t.Errorf("Before = %v, want %v", got, tt.want)
			}
		})
	}
}

// Before is a strict total order: sorting any permutation gives one queue.
func TestBeforeSortsQueue(t *testing.T) {
	queue := []cv.Conversation{
		{ID: "u1", Priority: ticket.PriorityUrgent, WaitingSince: t1},
		{ID: "h1", Priority: ticket.PriorityHigh, WaitingSince: t0},
		{ID: "h2", Priority: ticket.PriorityHigh, WaitingSince: t1},
		{ID: "n1", Priority: ticket.PriorityNormal, WaitingSince: t0},
		{ID: "n2", Priority: ticket.PriorityNormal, WaitingSince: t0},
		{ID: "n3", Priority: ticket.PriorityNormal, WaitingSince: t1},
		{ID: "l1", Priority: ticket.PriorityLow, WaitingSince: t0},
	}
	want := []cv.ID{"u1", "h1", "h2", "n1", "n2", "n3", "l1"}
	perms := [][]int{{6, 5, 4, 3, 2, 1, 0}, {3, 0, 6, 1, 5, 2, 4}, {4, 3, 2, 1, 0, 6, 5}}
	for _, p := range perms {
		q := make([]cv.Conversation, len(p))
		for i, j := range p {
			q[i] = queue[j]
		}
		slices.SortFunc(q, func(a, b cv.Conversation) int {
			switch {
			case a.Before(b):
				return -1
			case b.Before(a):
				return 1
			}
			return 0
		})
		var got []cv.ID
		for _, c := range q {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("sorted %v = %v, want %v", p, got, want)
		}
	}
	for _, a := range queue {
		for _, b := range queue {
			if a.ID != b.ID && a.Before(b) == b.Before(a) {
				t.Errorf("Before not antisymmetric on %s, %s", a.ID, b.ID)
			}
		}
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{cv.Open.String(), "open"},
		{cv.Closed.String(), "closed"},
		{cv.State(9).String(), "State(9)"},
		{cv.FromContact.String(), "inbound"},
		{cv.ToContact.String(), "outbound"},
		{cv.Direction(0).String(), "Direction(0)"},
		{cv.AuthorContact.String(), "contact"},
		{cv.AuthorAgent.String(), "agent"},
		{cv.AuthorBot.String(), "bot"},
		{cv.AuthorSystem.String(), "system"},
		{cv.AuthorKind(0).String(), "AuthorKind(0)"},
		{cv.KindText.String(), "text"},
		{cv.KindVoice.String(), "voice"},
		{cv.KindAudio.String(), "audio"},
		{cv.KindFile.String(), "file"},
		{cv.KindImage.String(), "image"},
		{cv.KindCommand.String(), "command"},
		{cv.Kind(0).String(), "Kind(0)"},
		{cv.Kind(200).String(), "Kind(200)"},
		{cv.DeliveryNone.String(), "none"},
		{cv.DeliveryPending.String(), "pending"},
		{cv.DeliverySent.String(), "sent"},
		{cv.DeliveryFailed.String(), "failed"},
		{cv.Delivery(8).String(), "Delivery(8)"},
		{cv.Offline.String(), "offline"},
		{cv.Online.String(), "online"},
		{cv.Away.String(), "away"},
		{cv.Presence(5).String(), "Presence(5)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("String() = %q, want %q", tt.got, tt.want)
		}
	}
	// Zero values documented by the package.
	var p cv.Presence
	var r cv.Role
	var s cv.State
	if p != cv.Offline || r != cv.RoleAgent || s == cv.Open || s == cv.Closed {
		t.Errorf("zero values: presence %v role %v state %v", p, r, s)
	}
	if (cv.Conversation{}).Waiting() {
		t.Error("a zero Conversation must not count as waiting")
	}
}

func TestKindValid(t *testing.T) {
	for k := range cv.Kind(255) {
		want := k >= cv.KindText && k <= cv.KindCommand
		if got := k.Valid(); got != want {
			t.Errorf("Kind(%d).Valid() = %v, want %v", k, got, want)
		}
	}
}

// R17: event types and close reasons are stable strings meant for webhooks
// and storage.
func TestStableValues(t *testing.T) {
	tests := []struct {
		got  string
		want string
	}{
		{string(cv.EventTicketOpened), "ticket.opened"},
		{string(cv.EventTicketClosed), "ticket.closed"},
		{string(cv.EventConversationOpened), "conversation.opened"},
		{string(cv.EventConversationAssigned), "conversation.assigned"},
		{string(cv.EventConversationUnassigned), "conversation.unassigned"},
		{string(cv.EventConversationClosed), "conversation.closed"},
		{string(cv.EventMessageReceived), "message.received"},
		{string(cv.EventMessageQueued), "message.queued"},
		{string(cv.EventMessageSent), "message.sent"},
		{string(cv.EventMessageFailed), "message.failed"},
		{string(cv.ReasonAgent), "agent"},
		{string(cv.ReasonTicketClosed), "ticket_closed"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("value = %q, want %q", tt.got, tt.want)
		}
	}
}

func TestAgentValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*cv.Agent)
		wantErr bool
	}{
		{"valid agent", func(*cv.Agent) {}, false},
		{"valid supervisor away with capacity", func(a *cv.Agent) { a.Role = cv.RoleSupervisor; a.Presence = cv.Away; a.Capacity = 5 }, false},
		{"empty id", func(a *cv.Agent) { a.ID = "" }, true},
		{"empty workspace", func(a *cv.Agent) { a.Workspace = "" }, true},
		{"unknown role", func(a *cv.Agent) { a.Role = 2 }, true},
		{"unknown presence", func(a *cv.Agent) { a.Presence = 3 }, true},
		{"negative capacity", func(a *cv.Agent) { a.Capacity = -1 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := alice
			a.Teams = []cv.TeamID{"sales"}
			tt.edit(&a)
			err := a.Validate()
			if tt.wantErr {
				if !errors.Is(err, cv.ErrInvalid) || codeOf(err) != "invalid" {
					t.Errorf("Validate = %v, want ErrInvalid", err)
				}
			} else if err != nil {
				t.Errorf("Validate = %v, want nil", err)
			}
		})
	}
}

func TestAgentInTeam(t *testing.T) {
	a := alice
	a.Teams = []cv.TeamID{"sales", "support"}
	if !a.InTeam("sales") || !a.InTeam("support") {
		t.Error("InTeam false for a team of the agent")
	}
	if a.InTeam("billing") || a.InTeam("") {
		t.Error("InTeam true for a team the agent is not in")
	}
	if alice.InTeam("sales") {
		t.Error("agent without teams is in a team")
	}
}

func TestTeamValidate(t *testing.T) {
	tests := []struct {
		name    string
		team    cv.Team
		wantErr bool
	}{
		{"valid", sales, false},
		{"valid without name", cv.Team{ID: "x", Workspace: ws}, false},
		{"empty id", cv.Team{Workspace: ws, Name: "x"}, true},
		{"empty workspace", cv.Team{ID: "x", Name: "x"}, true},
	}
	for _, tt := range tests {
		err := tt.team.Validate()
		if tt.wantErr != (err != nil) || (tt.wantErr && !errors.Is(err, cv.ErrInvalid)) {
			t.Errorf("%s: Validate = %v, wantErr %v", tt.name, err, tt.wantErr)
		}
	}
}

func TestActor(t *testing.T) {
	if host.Kind != cv.ActorHost || host.Validate() != nil || host.Agent() != "" {
		t.Errorf("Host() = %+v (Validate %v)", host, host.Validate())
	}
	a := cv.By(sue)
	if !a.IsAgent() || a.Agent() != "sue" {
		t.Errorf("By(sue) is not agent sue: %+v", a)
	}
	if a != (cv.Actor{Kind: cv.ActorAgent, ID: "sue", Workspace: ws, Role: cv.RoleSupervisor}) {
		t.Errorf("By(sue) = %+v", a)
	}
	// No meaning in a zero value: the zero Actor is no actor at all.
	if err := (cv.Actor{}).Validate(); !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("zero Actor: Validate = %v, want ErrInvalid", err)
	}
	for _, k := range []cv.ActorKind{cv.ActorAgent, cv.ActorContact, cv.ActorBot, cv.ActorWorkflow} {
		if err := (cv.Actor{Kind: k}).Validate(); !errors.Is(err, cv.ErrInvalid) {
			t.Errorf("%s actor without id: Validate = %v, want ErrInvalid", k, err)
		}
	}
	for _, k := range []cv.ActorKind{cv.ActorHost, cv.ActorAgent, cv.ActorContact, cv.ActorBot, cv.ActorWorkflow, cv.ActorSystem} {
		got, err := cv.ParseActorKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseActorKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := cv.ParseActorKind("robot"); !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("ParseActorKind(robot) = %v, want ErrInvalid", err)
	}
	for _, k := range []cv.CauseKind{cv.CauseCommand, cv.CauseReaction, cv.CauseTimer, cv.CauseWorkflow} {
		got, err := cv.ParseCauseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseCauseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	root := cv.Cause{Kind: cv.CauseCommand, Name: "receive", ID: "c1", Root: "c1"}
	r1 := root.Then("assign", "r1")
	r2 := r1.Then("notify", "r2")
	if r1 != (cv.Cause{Kind: cv.CauseReaction, Name: "assign", ID: "r1", Root: "c1", Depth: 1}) || r2.Root != "c1" || r2.Depth != 2 {
		t.Errorf("chain: %+v then %+v", r1, r2)
	}
}

// A contact manages no conversation; automations do, as the host does.
func TestActorMayManage(t *testing.T) {
	c := cv.Conversation{ID: "c1", Workspace: ws, State: cv.Open, Assignee: "alice", Version: 1}
	for _, by := range []cv.Actor{cv.Host(), cv.System(), cv.AsBot("greeter"), cv.AsWorkflow("run-1")} {
		if _, err := cv.Unassign(&c, by, now); err != nil {
			t.Errorf("Unassign by %s: %v", by, err)
		}
	}
	if _, err := cv.Unassign(&c, cv.AsContact("k1"), now); !errors.Is(err, cv.ErrForbidden) {
		t.Errorf("Unassign by a contact = %v, want ErrForbidden", err)
	}
	if _, err := cv.Unassign(&c, cv.Actor{}, now); !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("Unassign by no actor = %v, want ErrInvalid", err)
	}
}

// R9: when a message needs a new ticket.
func TestNeedsTicket(t *testing.T) {
	open, closed := openTicket("t1", 1), closedTicket("t1", 1)
	c := waitingConv()
	tests := []struct {
		name string
		s    cv.InboundState
		want bool
	}{
		{"nothing known", cv.InboundState{}, true},
		{"open conversation", cv.InboundState{Open: c, HasOpen: true}, false},
		{"open conversation, latest ticket closed", cv.InboundState{Open: c, HasOpen: true, Latest: c, LatestTicket: closed, HasLatest: true}, false},
		{"latest ticket open", cv.InboundState{Latest: c, LatestTicket: open, HasLatest: true}, false},
		{"latest ticket closed", cv.InboundState{Latest: c, LatestTicket: closed, HasLatest: true}, true},
		{"open ticket without HasLatest", cv.InboundState{Latest: c, LatestTicket: open}, true},
		{"open conversation without HasOpen, closed latest", cv.InboundState{Open: c, Latest: c, LatestTicket: closed, HasLatest: true}, true},
	}
	for _, tt := range tests {
		if got := tt.s.NeedsTicket(); got != tt.want {
			t.Errorf("%s: NeedsTicket = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestChangeZero(t *testing.T) {
	var ch cv.Change
	if !ch.Empty() {
		t.Error("zero Change is not empty")
	}
	if len(ch.Events()) != 0 {
		t.Errorf("zero Change has events %v", ch.Events())
	}
	ch.MessageWrite = cv.Create
	if ch.Empty() {
		t.Error("Change with a message write is empty")
	}
}

// R19: every error has a stable code, reachable through wrapping.
func TestErrorCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"ErrNotFound", cv.ErrNotFound, "not_found"},
		{"ErrMessageNotFound", cv.ErrMessageNotFound, "not_found"},
		{"ErrAgentNotFound", cv.ErrAgentNotFound, "not_found"},
		{"ErrTeamNotFound", cv.ErrTeamNotFound, "not_found"},
		{"ErrClosed", cv.ErrClosed, "conflict"},
		{"ErrForbidden", cv.ErrForbidden, "forbidden"},
		{"ErrInvalid", cv.ErrInvalid, "invalid"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrapped := fmt.Errorf("engine: assign: %w", tt.err)
			if !errors.Is(wrapped, tt.err) {
				t.Error("errors.Is through wrapping failed")
			}
			if got := codeOf(wrapped); got != tt.code {
				t.Errorf("Code() = %q, want %q", got, tt.code)
			}
			if tt.err.Error() == "" {
				t.Error("empty message")
			}
			for j, other := range tests {
				if i != j && errors.Is(tt.err, other.err) {
					t.Errorf("%s matches %s", tt.name, other.name)
				}
			}
		})
	}
}
