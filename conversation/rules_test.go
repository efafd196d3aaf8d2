package conversation_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	cv "github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// Fixed times: t0 is when things were opened, now is when decisions are made.
var (
	t0  = time.Date(2025, time.March, 10, 9, 0, 0, 0, time.UTC)
	t1  = time.Date(2025, time.March, 10, 9, 5, 0, 0, time.UTC)
	now = time.Date(2025, time.March, 10, 10, 0, 0, 0, time.UTC)
)

const ws = ticket.WorkspaceID("ws1")

// Agents of workspace ws1 (alice, bob: plain agents; sue: supervisor) and of
// another workspace (eve).
var (
	alice = cv.Agent{ID: "alice", Workspace: ws, Name: "Alice", Presence: cv.Online, Version: 1}
	bob   = cv.Agent{ID: "bob", Workspace: ws, Name: "Bob", Presence: cv.Online, Version: 1}
	sue   = cv.Agent{ID: "sue", Workspace: ws, Name: "Sue", Role: cv.RoleSupervisor, Presence: cv.Online, Version: 1}
	eve   = cv.Agent{ID: "eve", Workspace: "ws2", Name: "Eve", Role: cv.RoleSupervisor, Presence: cv.Online, Version: 1}

	host = cv.Host()

	sales      = cv.Team{ID: "sales", Workspace: ws, Name: "Ventas"}
	support    = cv.Team{ID: "support", Workspace: ws, Name: "Soporte"}
	otherTeam  = cv.Team{ID: "sales", Workspace: "ws2", Name: "Ventas (ws2)"}
	otherAgent = cv.Agent{ID: "alice", Workspace: "ws2", Name: "Alice in ws2"}
)

// coder is the interface every error of the contract satisfies (R19).
type coder interface{ Code() string }

func codeOf(err error) string {
	var c coder
	if errors.As(err, &c) {
		return c.Code()
	}
	return ""
}

// waitingConv returns an open, unassigned conversation in the general queue.
func waitingConv() cv.Conversation {
	return cv.Conversation{
		ID:                "c1",
		Workspace:         ws,
		Ticket:            "t1",
		TicketNumber:      1432,
		Channel:           "tg",
		Contact:           "k1",
		ContactExternalID: "555001",
		State:             cv.Open,
		WaitingSince:      t0,
		OpenedAt:          t0,
		LastActivity:      t1,
		Version:           3,
	}
}

// assignedConv returns an open conversation assigned to a.
func assignedConv(a cv.AgentID) cv.Conversation {
	c := waitingConv()
	c.Assignee = a
	c.WaitingSince = time.Time{}
	return c
}

// closedConv returns a closed conversation.
func closedConv() cv.Conversation {
	c := waitingConv()
	c.State = cv.Closed
	c.WaitingSince = time.Time{}
	c.ClosedAt = t1
	c.CloseReason = cv.ReasonAgent
	return c
}

func openTicket(id ticket.ID, n ticket.Number) ticket.Ticket {
	return ticket.Ticket{ID: id, Workspace: ws, Number: n, Contact: "k1", Subject: "Factura", Status: ticket.Open, OpenedAt: t0, Version: 2}
}

func closedTicket(id ticket.ID, n ticket.Number) ticket.Ticket {
	tk := openTicket(id, n)
	tk.Status = ticket.Closed
	tk.ClosedAt = t1
	return tk
}

func types(ch *cv.Change) []cv.EventType {
	var out []cv.EventType
	for _, e := range ch.Events() {
		out = append(out, e.Type)
	}
	return out
}

func wantEvents(t *testing.T, ch *cv.Change, want ...cv.EventType) {
	t.Helper()
	if got := types(ch); !slices.Equal(got, want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	for i, e := range ch.Events() {
		if !e.At.Equal(now) {
			t.Errorf("event %d (%s) At = %v, want %v", i, e.Type, e.At, now)
		}
		if e.Workspace != ws {
			t.Errorf("event %d (%s) Workspace = %q, want %q", i, e.Type, e.Workspace, ws)
		}
	}
}

// wantErr checks that err wraps target and carries code, and that the
// change is empty.
func wantErr(t *testing.T, ch *cv.Change, err, target error, code string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
	if got := codeOf(err); got != code {
		t.Errorf("Code() = %q, want %q", got, code)
	}
	if !ch.Empty() || len(ch.Events()) != 0 {
		t.Errorf("failed decision returned a non-empty change: %+v, events %v", ch, types(ch))
	}
}

func ptr[T any](v T) *T { return &v }

func unchanged(t *testing.T, what string, before, after any) {
	t.Helper()
	if !reflect.DeepEqual(before, after) {
		t.Errorf("%s was modified:\n got  %+v\n want %+v", what, after, before)
	}
}

// ---------------------------------------------------------------- Receive (R9)

func textInbound(text string) cv.Inbound {
	return cv.Inbound{
		Workspace:         ws,
		Contact:           "k1",
		ContactExternalID: "555001",
		Message:           cv.Message{ID: "m1", Channel: "tg", ExternalID: "upd-100", Kind: cv.KindText, Text: text},
	}
}

func cloneInbound(in cv.Inbound) cv.Inbound {
	in.Message.Attachments = slices.Clone(in.Message.Attachments)
	return in
}

// cloneState returns a deep copy of s, to compare after Receive.
func cloneState(s cv.InboundState) cv.InboundState {
	s.LatestTicket.Tags = slices.Clone(s.LatestTicket.Tags)
	return s
}

func checkStateUnchanged(t *testing.T, s *cv.InboundState, before cv.InboundState) {
	t.Helper()
	unchanged(t, "InboundState", before, *s)
}

// R9: a message joins the contact's open conversation.
func TestReceiveOpenConversation(t *testing.T) {
	for _, start := range []struct {
		name string
		conv cv.Conversation
	}{
		{"waiting", waitingConv()},
		{"assigned", assignedConv("alice")},
	} {
		t.Run(start.name, func(t *testing.T) {
			s := cv.InboundState{Open: start.conv, HasOpen: true, NewConversation: "c-unused", NewTicket: "t-unused", NewTicketNumber: 99}
			in := textInbound("¿Hay novedades?")
			sBefore := cloneState(s)
			inBefore := cloneInbound(in)

			ch, err := cv.Receive(&s, &in, now)
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if s.NeedsTicket() {
				t.Error("NeedsTicket with an open conversation")
			}
			if ch.TicketWrite != cv.Keep {
				t.Errorf("TicketWrite = %v, want Keep: no new ticket", ch.TicketWrite)
			}
			if ch.ConversationWrite != cv.Update {
				t.Errorf("ConversationWrite = %v, want Update", ch.ConversationWrite)
			}
			want := start.conv
			want.LastActivity = now
			want.Version = start.conv.Version + 1
			if ch.Conversation != want {
				t.Errorf("Conversation = %+v\nwant %+v", ch.Conversation, want)
			}
			if ch.MessageWrite != cv.Create {
				t.Errorf("MessageWrite = %v, want Create", ch.MessageWrite)
			}
			m := ch.Message
			if m.ID != "m1" || m.Workspace != ws || m.Conversation != "c1" || m.Ticket != "t1" || m.Channel != "tg" ||
				m.Direction != cv.FromContact || m.Author != (cv.Author{Kind: cv.AuthorContact}) || m.Kind != cv.KindText ||
				m.Text != "¿Hay novedades?" || m.ExternalID != "upd-100" || !m.CreatedAt.Equal(now) ||
				m.Delivery != cv.DeliveryNone || m.Version != 1 {
				t.Errorf("Message = %+v", m)
			}
			wantEvents(t, &ch, cv.EventMessageReceived)
			e := ch.Events()[0]
			if e.Message != "m1" || e.Conversation != "c1" || e.Ticket != "t1" || e.TicketNumber != 1432 {
				t.Errorf("event = %+v", e)
			}
			checkStateUnchanged(t, &s, sBefore)
			unchanged(t, "Inbound", inBefore, in)
		})
	}
}

// R9: with no open conversation, a message opens one on the ticket of the
// contact's latest conversation when that ticket is still open.
func TestReceiveReusesOpenTicket(t *testing.T) {
	latest := closedConv()
	tk := openTicket("t1", 1432)
	tk.Priority = ticket.PriorityHigh
	tk.Tags = []string{"vip"}
	s := cv.InboundState{Latest: latest, LatestTicket: tk, HasLatest: true, NewConversation: "c2", NewTicket: "t-unused", NewTicketNumber: 99}
	in := textInbound("Hola otra vez")
	in.ContactExternalID = "555002"
	sBefore := cloneState(s)
	inBefore := cloneInbound(in)

	if s.NeedsTicket() {
		t.Fatal("NeedsTicket = true with an open latest ticket")
	}
	ch, err := cv.Receive(&s, &in, now)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	// No new ticket: the open one is written with its version bumped, so
	// that closing it at the same moment collides (R12).
	if ch.TicketWrite != cv.Update || ch.Ticket.ID != s.LatestTicket.ID || ch.Ticket.Version != s.LatestTicket.Version+1 ||
		ch.Ticket.Status != ticket.Open || ch.Ticket.Subject != s.LatestTicket.Subject {
		t.Errorf("TicketWrite = %v, ticket %+v; want Update of the same ticket, version+1", ch.TicketWrite, ch.Ticket)
	}
	if ch.ConversationWrite != cv.Create {
		t.Errorf("ConversationWrite = %v, want Create", ch.ConversationWrite)
	}
	want := cv.Conversation{
		ID:                "c2",
		Workspace:         ws,
		Ticket:            "t1",
		TicketNumber:      1432,
		Channel:           "tg",
		Contact:           "k1",
		ContactExternalID: "555002",
		State:             cv.Open,
		Priority:          ticket.PriorityHigh,
		WaitingSince:      now,
		OpenedAt:          now,
		LastActivity:      now,
		Version:           1,
	}
	if ch.Conversation != want {
		t.Errorf("Conversation = %+v\nwant %+v", ch.Conversation, want)
	}
	if !ch.Conversation.Waiting() {
		t.Error("new conversation is not waiting in the queue")
	}
	if ch.Message.Conversation != "c2" || ch.Message.Ticket != "t1" || ch.MessageWrite != cv.Create {
		t.Errorf("Message = %+v (write %v)", ch.Message, ch.MessageWrite)
	}
	wantEvents(t, &ch, cv.EventConversationOpened, cv.EventMessageReceived)
	for _, e := range ch.Events() {
		if e.Conversation != "c2" || e.Ticket != "t1" || e.TicketNumber != 1432 {
			t.Errorf("event %s = %+v", e.Type, e)
		}
	}
	if ch.Events()[1].Message != "m1" {
		t.Errorf("message.received names message %q, want m1", ch.Events()[1].Message)
	}
	checkStateUnchanged(t, &s, sBefore)
	unchanged(t, "Inbound", inBefore, in)
}

// R9: with no open conversation and no open latest ticket, a message opens
// a new ticket and a new conversation on it.
func TestReceiveOpensNewTicket(t *testing.T) {
	tests := []struct {
		name  string
		state cv.InboundState
	}{
		{"first message ever", cv.InboundState{}},
		{"latest ticket closed", cv.InboundState{Latest: closedConv(), LatestTicket: closedTicket("t1", 1432), HasLatest: true}},
		{"latest ticket closed, with tags", cv.InboundState{Latest: closedConv(), LatestTicket: func() ticket.Ticket {
			tk := closedTicket("t1", 1432)
			tk.Tags = []string{"vip"}
			tk.Priority = ticket.PriorityUrgent
			return tk
		}(), HasLatest: true}},
		// The flags decide: values left in the struct without their flag
		// are ignored.
		{"stale values without flags", cv.InboundState{Open: waitingConv(), Latest: closedConv(), LatestTicket: openTicket("t1", 1432)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.state
			s.NewConversation = "c9"
			s.NewTicket = "t9"
			s.NewTicketNumber = 1500
			in := textInbound("  Mi pedido no llegó  \nNúmero 12345\ngracias")
			sBefore := cloneState(s)
			inBefore := cloneInbound(in)

			if !s.NeedsTicket() {
				t.Fatal("NeedsTicket = false, want true")
			}
			ch, err := cv.Receive(&s, &in, now)
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if ch.TicketWrite != cv.Create {
				t.Fatalf("TicketWrite = %v, want Create", ch.TicketWrite)
			}
			tk := ch.Ticket
			if tk.ID != "t9" || tk.Workspace != ws || tk.Number != 1500 || tk.Contact != "k1" ||
				tk.Status != ticket.Open || tk.Version != 1 || !tk.OpenedAt.Equal(now) || !tk.ClosedAt.IsZero() {
				t.Errorf("Ticket = %+v", tk)
			}
			if tk.Subject != "Mi pedido no llegó" {
				t.Errorf("Subject = %q, want the trimmed first line", tk.Subject)
			}
			if ch.ConversationWrite != cv.Create {
				t.Errorf("ConversationWrite = %v, want Create", ch.ConversationWrite)
			}
			c := ch.Conversation
			if c.ID != "c9" || c.Ticket != "t9" || c.TicketNumber != 1500 || c.State != cv.Open ||
				c.Assignee != "" || c.Team != "" || !c.WaitingSince.Equal(now) || !c.OpenedAt.Equal(now) ||
				!c.LastActivity.Equal(now) || c.Version != 1 || c.Channel != "tg" || c.Contact != "k1" ||
				c.ContactExternalID != "555001" || c.Priority != ticket.PriorityNormal {
				t.Errorf("Conversation = %+v", c)
			}
			if !c.Waiting() {
				t.Error("new conversation is not waiting")
			}
			if m := ch.Message; m.Conversation != "c9" || m.Ticket != "t9" || ch.MessageWrite != cv.Create {
				t.Errorf("Message = %+v", m)
			}
			// R17: the ticket opens before its conversation, which opens
			// before its first message.
			wantEvents(t, &ch, cv.EventTicketOpened, cv.EventConversationOpened, cv.EventMessageReceived)
			for _, e := range ch.Events() {
				if e.Ticket != "t9" || e.TicketNumber != 1500 || e.Conversation != "c9" {
					t.Errorf("event %s = %+v", e.Type, e)
				}
			}
			checkStateUnchanged(t, &s, sBefore)
			unchanged(t, "Inbound", inBefore, in)
		})
	}
}

// R9: the new ticket's subject comes from the text or, without text, from
// the attachment's name.
func TestReceiveNewTicketSubject(t *testing.T) {
	att := cv.Attachment{Name: "factura-marzo.pdf", MIME: "application/pdf", Size: 2048, Ref: "file-1"}
	tests := []struct {
		name  string
		kind  cv.Kind
		text  string
		atts  []cv.Attachment
		want  string
		extra string
	}{
		{"text", cv.KindText, "Consulta", nil, "Consulta", ""},
		{"first line of text", cv.KindText, "Primera\r\nSegunda", nil, "Primera", ""},
		{"long text truncated", cv.KindText, strings.Repeat("á", ticket.MaxSubjectLen+20), nil, strings.Repeat("á", ticket.MaxSubjectLen), ""},
		{"file without caption", cv.KindFile, "", []cv.Attachment{att}, "factura-marzo.pdf", ""},
		{"file with blank caption", cv.KindFile, "  \n ", []cv.Attachment{att}, "factura-marzo.pdf", ""},
		{"file with caption", cv.KindFile, "Adjunto la factura", []cv.Attachment{att}, "Adjunto la factura", ""},
		{"image first attachment", cv.KindImage, "", []cv.Attachment{{Name: "foto.jpg", Ref: "p1", Size: 10}, {Name: "otra.jpg", Ref: "p2", Size: 10}}, "foto.jpg", ""},
		{"voice without name", cv.KindVoice, "", []cv.Attachment{{Ref: "v1", Size: 10, Duration: time.Minute}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cv.InboundState{NewConversation: "c9", NewTicket: "t9", NewTicketNumber: 7}
			in := textInbound(tt.text)
			in.Message.Kind = tt.kind
			in.Message.Attachments = tt.atts
			ch, err := cv.Receive(&s, &in, now)
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if ch.Ticket.Subject != tt.want {
				t.Errorf("Subject = %q, want %q", ch.Ticket.Subject, tt.want)
			}
			if ch.Message.Text != tt.text || len(ch.Message.Attachments) != len(tt.atts) {
				t.Errorf("message content changed: %+v", ch.Message)
			}
		})
	}
}

// R9, R13, R18, R19: bad inbound messages are refused with ErrInvalid and
// nothing is written.
func TestReceiveInvalid(t *testing.T) {
	okAtt := cv.Attachment{Name: "a.pdf", Size: 10, Ref: "f1"}
	many := make([]cv.Attachment, cv.MaxAttachments+1)
	for i := range many {
		many[i] = okAtt
	}
	open := waitingConv()
	tests := []struct {
		name   string
		edit   func(*cv.Inbound)
		noConv bool // no open conversation and no id for a new one
	}{
		{"empty text", func(in *cv.Inbound) { in.Message.Text = "" }, false},
		{"empty command", func(in *cv.Inbound) { in.Message.Kind = cv.KindCommand; in.Message.Text = "" }, false},
		{"zero kind", func(in *cv.Inbound) { in.Message.Kind = 0 }, false},
		{"unknown kind", func(in *cv.Inbound) { in.Message.Kind = 42 }, false},
		{"text with attachment", func(in *cv.Inbound) { in.Message.Attachments = []cv.Attachment{okAtt} }, false},
		{"file without attachment", func(in *cv.Inbound) { in.Message.Kind = cv.KindFile }, false},
		{"too many attachments", func(in *cv.Inbound) { in.Message.Kind = cv.KindImage; in.Message.Attachments = many }, false},
		{"attachment negative size", func(in *cv.Inbound) {
			in.Message.Kind = cv.KindFile
			in.Message.Attachments = []cv.Attachment{{Name: "x", Size: -1, Ref: "f"}}
		}, false},
		{"attachment without reference", func(in *cv.Inbound) {
			in.Message.Kind = cv.KindFile
			in.Message.Attachments = []cv.Attachment{{Name: "x", Size: 1}}
		}, false},
		{"attachment negative duration", func(in *cv.Inbound) {
			in.Message.Kind = cv.KindAudio
			in.Message.Attachments = []cv.Attachment{{Name: "x", Size: 1, Ref: "a", Duration: -time.Second}}
		}, false},
		{"missing ExternalID (R18)", func(in *cv.Inbound) { in.Message.ExternalID = "" }, false},
		{"missing message id", func(in *cv.Inbound) { in.Message.ID = "" }, false},
		{"missing channel", func(in *cv.Inbound) { in.Message.Channel = "" }, false},
		{"missing workspace", func(in *cv.Inbound) { in.Workspace = "" }, false},
		{"missing contact", func(in *cv.Inbound) { in.Contact = "" }, false},
		{"missing new conversation id", func(in *cv.Inbound) {}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s cv.InboundState
			if tt.noConv {
				s = cv.InboundState{Latest: closedConv(), LatestTicket: openTicket("t1", 1432), HasLatest: true}
			} else {
				s = cv.InboundState{Open: open, HasOpen: true}
			}
			in := textInbound("hola")
			tt.edit(&in)
			sBefore := cloneState(s)
			inBefore := cloneInbound(in)

			ch, err := cv.Receive(&s, &in, now)
			wantErr(t, &ch, err, cv.ErrInvalid, "invalid")
			checkStateUnchanged(t, &s, sBefore)
			unchanged(t, "Inbound", inBefore, in)
		})
	}
}

// The engine reserves the id and number of a new ticket (InboundState doc);
// without them Receive must refuse rather than open a broken ticket.
func TestReceiveMissingNewTicketIDs(t *testing.T) {
	tests := []struct {
		name string
		id   ticket.ID
		n    ticket.Number
	}{
		{"no ticket id", "", 5},
		{"no ticket number", "t9", 0},
		{"negative ticket number", "t9", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cv.InboundState{NewConversation: "c9", NewTicket: tt.id, NewTicketNumber: tt.n}
			in := textInbound("hola")
			ch, err := cv.Receive(&s, &in, now)
			// The error comes from ticket.New; either package's ErrInvalid
			// is a clear refusal, and its code is "invalid" (R19).
			if !errors.Is(err, cv.ErrInvalid) && !errors.Is(err, ticket.ErrInvalid) {
				t.Fatalf("error = %v, want ErrInvalid", err)
			}
			if codeOf(err) != "invalid" {
				t.Errorf("Code() = %q, want invalid", codeOf(err))
			}
			if !ch.Empty() || len(ch.Events()) != 0 {
				t.Errorf("non-empty change on error: %+v", ch)
			}
		})
	}
}

// Limits are inclusive: a text of exactly MaxTextBytes and exactly
// MaxAttachments attachments of MaxAttachmentSize are accepted. Inbound
// voice notes are not limited by R13, which is about replies.
func TestReceiveAtLimits(t *testing.T) {
	full := make([]cv.Attachment, cv.MaxAttachments)
	for i := range full {
		full[i] = cv.Attachment{Name: "p.jpg", Size: cv.MaxAttachmentSize, Ref: "p"}
	}
	tests := []struct {
		name string
		edit func(*cv.Inbound)
	}{
		{"text of MaxTextBytes", func(in *cv.Inbound) { in.Message.Text = strings.Repeat("a", cv.MaxTextBytes) }},
		{"MaxAttachments of MaxAttachmentSize", func(in *cv.Inbound) {
			in.Message.Kind = cv.KindImage
			in.Message.Attachments = full
		}},
		{"empty attachment", func(in *cv.Inbound) {
			in.Message.Kind = cv.KindFile
			in.Message.Attachments = []cv.Attachment{{Name: "vacío.txt", Size: 0, Ref: "f"}}
		}},
		{"long inbound voice note", func(in *cv.Inbound) {
			in.Message.Kind = cv.KindVoice
			in.Message.Attachments = []cv.Attachment{{Size: 1, Ref: "v", Duration: 20 * time.Minute}}
		}},
		{"command", func(in *cv.Inbound) { in.Message.Kind = cv.KindCommand; in.Message.Text = "/tickets" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cv.InboundState{Open: waitingConv(), HasOpen: true}
			in := textInbound("hola")
			tt.edit(&in)
			ch, err := cv.Receive(&s, &in, now)
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if ch.MessageWrite != cv.Create || ch.Message.Kind != in.Message.Kind {
				t.Errorf("message not stored: %+v", ch.Message)
			}
		})
	}
}

// A conversation handed in as Open but actually closed is a conflict.
func TestReceiveClosedOpenConversation(t *testing.T) {
	s := cv.InboundState{Open: closedConv(), HasOpen: true, NewConversation: "c2"}
	in := textInbound("hola")
	sBefore := cloneState(s)
	ch, err := cv.Receive(&s, &in, now)
	wantErr(t, &ch, err, cv.ErrClosed, "conflict")
	if !strings.Contains(err.Error(), "c1") {
		t.Errorf("error %q does not name the conversation", err)
	}
	checkStateUnchanged(t, &s, sBefore)
}

// Fields of the inbound message that Receive owns are overwritten, not
// trusted from the input.
func TestReceiveOverridesOwnedFields(t *testing.T) {
	s := cv.InboundState{Open: waitingConv(), HasOpen: true}
	in := textInbound("hola")
	in.Message.Direction = cv.ToContact
	in.Message.Author = cv.Author{Kind: cv.AuthorAgent, Agent: "alice"}
	in.Message.Delivery = cv.DeliveryPending
	in.Message.Version = 7
	in.Message.Conversation = "other"
	in.Message.Ticket = "other"
	in.Message.Workspace = "ws2"
	ch, err := cv.Receive(&s, &in, now)
	if err != nil {
		t.Fatal(err)
	}
	m := ch.Message
	if m.Direction != cv.FromContact || m.Author != (cv.Author{Kind: cv.AuthorContact}) || m.Delivery != cv.DeliveryNone ||
		m.Version != 1 || m.Conversation != "c1" || m.Ticket != "t1" || m.Workspace != ws {
		t.Errorf("Message = %+v", m)
	}
}

// ------------------------------------------------------------------ Reply (R10)

func textReply(id cv.MessageID, text string) cv.Message {
	return cv.Message{ID: id, Kind: cv.KindText, Text: text}
}

func cloneMessage(m cv.Message) cv.Message {
	m.Attachments = slices.Clone(m.Attachments)
	m.Revisions = slices.Clone(m.Revisions)
	return m
}

func checkQueued(t *testing.T, ch *cv.Change, c cv.Conversation, by cv.AgentID, id cv.MessageID) {
	t.Helper()
	if ch.MessageWrite != cv.Create {
		t.Errorf("MessageWrite = %v, want Create", ch.MessageWrite)
	}
	m := ch.Message
	if m.ID != id || m.Workspace != c.Workspace || m.Conversation != c.ID || m.Ticket != c.Ticket || m.Channel != c.Channel {
		t.Errorf("message ids = %+v", m)
	}
	if m.Direction != cv.ToContact {
		t.Errorf("Direction = %v, want outbound", m.Direction)
	}
	if m.Author != (cv.Author{Kind: cv.AuthorAgent, Agent: by}) {
		t.Errorf("Author = %+v, want agent %q", m.Author, by)
	}
	// R18: stored as pending before it is sent, due at once.
	if m.Delivery != cv.DeliveryPending || m.Attempts != 0 || !m.NextAttempt.Equal(now) || m.ExternalID != "" {
		t.Errorf("delivery = %v attempts %d next %v ext %q, want pending, 0, now, none", m.Delivery, m.Attempts, m.NextAttempt, m.ExternalID)
	}
	if !m.CreatedAt.Equal(now) || m.Version != 1 {
		t.Errorf("CreatedAt %v Version %d, want now and 1", m.CreatedAt, m.Version)
	}
	last := ch.Events()[len(ch.Events())-1]
	if last.Type != cv.EventMessageQueued || last.Message != id || last.Agent != by || last.Conversation != c.ID || last.Ticket != c.Ticket || last.TicketNumber != c.TicketNumber {
		t.Errorf("last event = %+v, want message.queued of %q by %q", last, id, by)
	}
}

// R10: an agent who replies to an unassigned conversation becomes its
// assignee.
func TestReplyUnassignedTakesConversation(t *testing.T) {
	for _, start := range []struct {
		name string
		conv cv.Conversation
	}{
		{"general queue", waitingConv()},
		{"team queue", func() cv.Conversation { c := waitingConv(); c.Team = "sales"; return c }()},
	} {
		t.Run(start.name, func(t *testing.T) {
			c := start.conv
			by := alice
			m := textReply("r1", "¡Hola! Soy Alice.")
			cBefore, byBefore, mBefore := c, by, cloneMessage(m)

			ch, err := cv.Reply(&c, &by, m, now)
			if err != nil {
				t.Fatalf("Reply: %v", err)
			}
			if ch.ConversationWrite != cv.Update || ch.TicketWrite != cv.Keep {
				t.Errorf("writes = conv %v ticket %v", ch.ConversationWrite, ch.TicketWrite)
			}
			want := start.conv
			want.Assignee = "alice"
			want.WaitingSince = time.Time{}
			want.LastActivity = now
			want.Version++
			if ch.Conversation != want {
				t.Errorf("Conversation = %+v\nwant %+v", ch.Conversation, want)
			}
			if ch.Conversation.Waiting() {
				t.Error("conversation still waiting after the reply")
			}
			wantEvents(t, &ch, cv.EventConversationAssigned, cv.EventMessageQueued)
			if e := ch.Events()[0]; e.Agent != "alice" || e.Conversation != "c1" || e.Previous != "" {
				t.Errorf("assigned event = %+v", e)
			}
			checkQueued(t, &ch, start.conv, "alice", "r1")
			if ch.Message.Text != "¡Hola! Soy Alice." {
				t.Errorf("Text = %q", ch.Message.Text)
			}
			unchanged(t, "conversation", cBefore, c)
			unchanged(t, "agent", byBefore, by)
			unchanged(t, "message", mBefore, m)
		})
	}
}

// R10: a reply to a conversation that already has an assignee is delivered
// but does not take it over.
func TestReplyAssigned(t *testing.T) {
	tests := []struct {
		name     string
		assignee cv.AgentID
		by       cv.Agent
	}{
		{"assigned to another agent", "bob", alice},
		{"assigned to the replier", "alice", alice},
		{"supervisor replies", "bob", sue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := assignedConv(tt.assignee)
			by := tt.by
			cBefore := c
			ch, err := cv.Reply(&c, &by, textReply("r2", "respuesta"), now)
			if err != nil {
				t.Fatalf("Reply: %v", err)
			}
			if ch.Conversation.Assignee != tt.assignee {
				t.Errorf("Assignee = %q, want %q unchanged", ch.Conversation.Assignee, tt.assignee)
			}
			if !ch.Conversation.WaitingSince.IsZero() {
				t.Errorf("WaitingSince = %v, want zero", ch.Conversation.WaitingSince)
			}
			if !ch.Conversation.LastActivity.Equal(now) || ch.Conversation.Version != cBefore.Version+1 {
				t.Errorf("LastActivity %v Version %d", ch.Conversation.LastActivity, ch.Conversation.Version)
			}
			wantEvents(t, &ch, cv.EventMessageQueued)
			checkQueued(t, &ch, cBefore, tt.by.ID, "r2")
			unchanged(t, "conversation", cBefore, c)
		})
	}
}

// R10: two agents replying at once; the first decision assigns, the second,
// made on the stored result, is delivered without taking over.
func TestReplyTwoAgents(t *testing.T) {
	c := waitingConv()
	a, b := alice, bob
	first, err := cv.Reply(&c, &a, textReply("r1", "uno"), now)
	if err != nil {
		t.Fatal(err)
	}
	stored := first.Conversation
	second, err := cv.Reply(&stored, &b, textReply("r2", "dos"), now)
	if err != nil {
		t.Fatal(err)
	}
	if second.Conversation.Assignee != "alice" {
		t.Errorf("Assignee = %q after Bob's reply, want alice", second.Conversation.Assignee)
	}
	if second.MessageWrite != cv.Create || second.Message.Author.Agent != "bob" {
		t.Errorf("Bob's reply not queued: %+v", second.Message)
	}
	if got := types(&second); !slices.Equal(got, []cv.EventType{cv.EventMessageQueued}) {
		t.Errorf("second events = %v", got)
	}
	if second.Conversation.Version != c.Version+2 {
		t.Errorf("Version = %d, want %d", second.Conversation.Version, c.Version+2)
	}
}

// R10, R13, R19: replies that are refused.
func TestReplyInvalid(t *testing.T) {
	voice := func(d time.Duration) cv.Message {
		return cv.Message{ID: "r1", Kind: cv.KindVoice, Attachments: []cv.Attachment{{Name: "nota.ogg", MIME: "audio/ogg", Size: 1000, Ref: "s3://v", Duration: d}}}
	}
	tests := []struct {
		name   string
		conv   cv.Conversation
		by     cv.Agent
		msg    cv.Message
		target error
		code   string
	}{
		{"closed conversation", closedConv(), alice, textReply("r1", "hola"), cv.ErrClosed, "conflict"},
		{"agent of another workspace", waitingConv(), eve, textReply("r1", "hola"), cv.ErrForbidden, "forbidden"},
		{"agent of another workspace, closed", closedConv(), eve, textReply("r1", "hola"), cv.ErrForbidden, "forbidden"},
		{"voice note over 5 minutes (R13)", waitingConv(), alice, voice(cv.MaxVoiceDuration + time.Second), cv.ErrInvalid, "invalid"},
		{"voice note just over 5 minutes (R13)", waitingConv(), alice, voice(cv.MaxVoiceDuration + time.Nanosecond), cv.ErrInvalid, "invalid"},
		{"voice note of an hour (R13)", waitingConv(), alice, voice(time.Hour), cv.ErrInvalid, "invalid"},
		{"second voice attachment too long (R13)", waitingConv(), alice, func() cv.Message {
			m := voice(time.Minute)
			m.Attachments = append(m.Attachments, cv.Attachment{Name: "b.ogg", Size: 1, Ref: "b", Duration: 6 * time.Minute})
			return m
		}(), cv.ErrInvalid, "invalid"},
		{"command", waitingConv(), alice, cv.Message{ID: "r1", Kind: cv.KindCommand, Text: "/tickets"}, cv.ErrInvalid, "invalid"},
		{"empty text", waitingConv(), alice, textReply("r1", ""), cv.ErrInvalid, "invalid"},
		{"unknown kind", waitingConv(), alice, cv.Message{ID: "r1", Kind: 99, Text: "x"}, cv.ErrInvalid, "invalid"},
		{"oversized text", waitingConv(), alice, textReply("r1", strings.Repeat("x", cv.MaxTextBytes+1)), cv.ErrInvalid, "invalid"},
		{"invalid UTF-8", waitingConv(), alice, textReply("r1", "\xc3\x28"), cv.ErrInvalid, "invalid"},
		{"missing id", waitingConv(), alice, textReply("", "hola"), cv.ErrInvalid, "invalid"},
		{"file without attachment", waitingConv(), alice, cv.Message{ID: "r1", Kind: cv.KindFile, Text: "caption"}, cv.ErrInvalid, "invalid"},
		{"attachment too large", waitingConv(), alice, cv.Message{ID: "r1", Kind: cv.KindFile, Attachments: []cv.Attachment{{Name: "x", Size: cv.MaxAttachmentSize + 1, Ref: "x"}}}, cv.ErrInvalid, "invalid"},
		{"attachment marked oversize", waitingConv(), alice, cv.Message{ID: "r1", Kind: cv.KindFile, Attachments: []cv.Attachment{{Name: "x", Size: 10, Ref: "x", Oversize: true}}}, cv.ErrInvalid, "invalid"},
		{"NUL byte in the text", waitingConv(), alice, textReply("r1", "ho\x00la"), cv.ErrInvalid, "invalid"},
		{"NUL byte in a file name", waitingConv(), alice, cv.Message{ID: "r1", Kind: cv.KindFile, Attachments: []cv.Attachment{{Name: "a\x00b", Size: 1, Ref: "x"}}}, cv.ErrInvalid, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, by, m := tt.conv, tt.by, tt.msg
			cBefore, byBefore, mBefore := c, by, cloneMessage(m)
			ch, err := cv.Reply(&c, &by, m, now)
			wantErr(t, &ch, err, tt.target, tt.code)
			unchanged(t, "conversation", cBefore, c)
			unchanged(t, "agent", byBefore, by)
			unchanged(t, "message", mBefore, m)
		})
	}
}

// R13: replies of every kind an agent may send, up to the limits.
func TestReplyKinds(t *testing.T) {
	tests := []struct {
		name string
		msg  cv.Message
	}{
		{"text", textReply("r1", "hola")},
		{"voice note of exactly 5 minutes", cv.Message{ID: "r1", Kind: cv.KindVoice, Attachments: []cv.Attachment{{Name: "n.ogg", Size: 1, Ref: "v", Duration: cv.MaxVoiceDuration}}}},
		{"short voice note", cv.Message{ID: "r1", Kind: cv.KindVoice, Attachments: []cv.Attachment{{Name: "n.ogg", Size: 1, Ref: "v", Duration: 12 * time.Second}}}},
		{"file with caption", cv.Message{ID: "r1", Kind: cv.KindFile, Text: "Su factura", Attachments: []cv.Attachment{{Name: "f.pdf", Size: 100, Ref: "f"}}}},
		{"image", cv.Message{ID: "r1", Kind: cv.KindImage, Attachments: []cv.Attachment{{Name: "i.png", Size: 100, Ref: "i"}}}},
		// R13 limits voice notes; an audio file is a file, not a voice note.
		{"long audio file", cv.Message{ID: "r1", Kind: cv.KindAudio, Attachments: []cv.Attachment{{Name: "a.mp3", Size: 100, Ref: "a", Duration: time.Hour}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := assignedConv("alice")
			by := alice
			ch, err := cv.Reply(&c, &by, tt.msg, now)
			if err != nil {
				t.Fatalf("Reply: %v", err)
			}
			checkQueued(t, &ch, c, "alice", "r1")
			if ch.Message.Kind != tt.msg.Kind || len(ch.Message.Attachments) != len(tt.msg.Attachments) {
				t.Errorf("content changed: %+v", ch.Message)
			}
		})
	}
}

// Fields of the reply that Reply owns are overwritten, not trusted.
func TestReplyOverridesOwnedFields(t *testing.T) {
	c := assignedConv("alice")
	by := alice
	m := textReply("r1", "hola")
	m.Direction = cv.FromContact
	m.Author = cv.Author{Kind: cv.AuthorBot}
	m.Delivery = cv.DeliverySent
	m.Attempts = 4
	m.Channel = "other"
	m.Conversation = "other"
	m.Workspace = "ws2"
	m.Version = 9
	ch, err := cv.Reply(&c, &by, m, now)
	if err != nil {
		t.Fatal(err)
	}
	checkQueued(t, &ch, c, "alice", "r1")
}

// --------------------------------------------- Assign, Unassign, Transfer (R11)

func TestAssign(t *testing.T) {
	tests := []struct {
		name     string
		conv     cv.Conversation
		by       cv.Actor
		to       cv.Agent
		previous cv.AgentID
	}{
		{"host assigns waiting", waitingConv(), host, alice, ""},
		{"host reassigns", assignedConv("bob"), host, alice, "bob"},
		{"supervisor takes from another agent", assignedConv("bob"), cv.By(sue), alice, "bob"},
		{"supervisor takes for themself", assignedConv("bob"), cv.By(sue), sue, "bob"},
		{"agent claims waiting", waitingConv(), cv.By(alice), alice, ""},
		{"agent assigns waiting to a colleague", waitingConv(), cv.By(alice), bob, ""},
		{"agent gives away their own", assignedConv("alice"), cv.By(alice), bob, "alice"},
		{"team conversation keeps its team", func() cv.Conversation { c := assignedConv("bob"); c.Team = "sales"; return c }(), host, alice, "bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, to := tt.conv, tt.to
			cBefore, toBefore := c, to
			ch, err := cv.Assign(&c, tt.by, &to, now)
			if err != nil {
				t.Fatalf("Assign: %v", err)
			}
			if ch.ConversationWrite != cv.Update || ch.TicketWrite != cv.Keep || ch.MessageWrite != cv.Keep {
				t.Errorf("writes = %v %v %v", ch.ConversationWrite, ch.TicketWrite, ch.MessageWrite)
			}
			want := tt.conv
			want.Assignee = tt.to.ID
			want.WaitingSince = time.Time{}
			want.Version++
			if ch.Conversation != want {
				t.Errorf("Conversation = %+v\nwant %+v", ch.Conversation, want)
			}
			if ch.Conversation.Waiting() {
				t.Error("assigned conversation still waiting")
			}
			wantEvents(t, &ch, cv.EventConversationAssigned)
			e := ch.Events()[0]
			if e.Agent != tt.to.ID || e.Previous != tt.previous || e.Team != tt.conv.Team || e.Conversation != "c1" || e.TicketNumber != 1432 {
				t.Errorf("event = %+v", e)
			}
			unchanged(t, "conversation", cBefore, c)
			unchanged(t, "agent", toBefore, to)
		})
	}
}

func TestAssignRefused(t *testing.T) {
	tests := []struct {
		name   string
		conv   cv.Conversation
		by     cv.Actor
		to     cv.Agent
		target error
		code   string
	}{
		{"agent takes another's conversation", assignedConv("bob"), cv.By(alice), alice, cv.ErrForbidden, "forbidden"},
		{"agent moves another's conversation to a third", assignedConv("bob"), cv.By(alice), sue, cv.ErrForbidden, "forbidden"},
		{"agent of another workspace", waitingConv(), cv.By(eve), alice, cv.ErrForbidden, "forbidden"},
		{"supervisor of another workspace", assignedConv("bob"), cv.By(eve), eve, cv.ErrForbidden, "forbidden"},
		{"target agent of another workspace", waitingConv(), host, otherAgent, cv.ErrAgentNotFound, "not_found"},
		{"target agent of another workspace, same id as assignee", assignedConv("alice"), host, otherAgent, cv.ErrAgentNotFound, "not_found"},
		{"closed conversation", closedConv(), host, alice, cv.ErrClosed, "conflict"},
		{"closed conversation, supervisor", closedConv(), cv.By(sue), alice, cv.ErrClosed, "conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, to := tt.conv, tt.to
			cBefore, toBefore := c, to
			ch, err := cv.Assign(&c, tt.by, &to, now)
			wantErr(t, &ch, err, tt.target, tt.code)
			unchanged(t, "conversation", cBefore, c)
			unchanged(t, "agent", toBefore, to)
		})
	}
}

// R11: assigning to the current assignee changes nothing.
func TestAssignNoOp(t *testing.T) {
	for _, by := range []cv.Actor{host, cv.By(alice), cv.By(sue)} {
		c := assignedConv("alice")
		cBefore := c
		to := alice
		ch, err := cv.Assign(&c, by, &to, now)
		if err != nil {
			t.Fatalf("Assign by %+v: %v", by, err)
		}
		if !ch.Empty() || len(ch.Events()) != 0 {
			t.Errorf("Assign to the current assignee by %+v = %+v, want an empty change", by, ch)
		}
		unchanged(t, "conversation", cBefore, c)
	}
}

func TestUnassign(t *testing.T) {
	tests := []struct {
		name string
		conv cv.Conversation
		by   cv.Actor
	}{
		{"agent gives up their own", assignedConv("alice"), cv.By(alice)},
		{"host", assignedConv("bob"), host},
		{"supervisor", assignedConv("bob"), cv.By(sue)},
		{"team conversation stays in its team", func() cv.Conversation { c := assignedConv("bob"); c.Team = "support"; return c }(), host},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.conv
			cBefore := c
			ch, err := cv.Unassign(&c, tt.by, now)
			if err != nil {
				t.Fatalf("Unassign: %v", err)
			}
			want := tt.conv
			want.Assignee = ""
			want.WaitingSince = now
			want.Version++
			if ch.ConversationWrite != cv.Update || ch.Conversation != want {
				t.Errorf("Conversation = %+v (write %v)\nwant %+v", ch.Conversation, ch.ConversationWrite, want)
			}
			if !ch.Conversation.Waiting() {
				t.Error("unassigned conversation is not waiting")
			}
			wantEvents(t, &ch, cv.EventConversationUnassigned)
			if e := ch.Events()[0]; e.Previous != tt.conv.Assignee || e.Team != tt.conv.Team || e.Agent != "" {
				t.Errorf("event = %+v", e)
			}
			unchanged(t, "conversation", cBefore, c)
		})
	}
}

func TestUnassignRefused(t *testing.T) {
	tests := []struct {
		name   string
		conv   cv.Conversation
		by     cv.Actor
		target error
		code   string
	}{
		{"agent unassigns another's", assignedConv("bob"), cv.By(alice), cv.ErrForbidden, "forbidden"},
		{"agent of another workspace", assignedConv("alice"), cv.By(eve), cv.ErrForbidden, "forbidden"},
		{"closed", closedConv(), host, cv.ErrClosed, "conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.conv
			cBefore := c
			ch, err := cv.Unassign(&c, tt.by, now)
			wantErr(t, &ch, err, tt.target, tt.code)
			unchanged(t, "conversation", cBefore, c)
		})
	}
}

// R11: unassigning an unassigned conversation changes nothing; in
// particular it keeps its place in the queue.
func TestUnassignNoOp(t *testing.T) {
	c := waitingConv()
	cBefore := c
	ch, err := cv.Unassign(&c, cv.By(alice), now)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Empty() || len(ch.Events()) != 0 {
		t.Errorf("Unassign of a waiting conversation = %+v, want empty", ch)
	}
	unchanged(t, "conversation", cBefore, c)
}

func TestTransferToTeam(t *testing.T) {
	inSales := waitingConv()
	inSales.Team = "sales"
	tests := []struct {
		name string
		conv cv.Conversation
		by   cv.Actor
		to   cv.Team
	}{
		{"agent transfers their own", assignedConv("alice"), cv.By(alice), sales},
		{"host transfers waiting", waitingConv(), host, sales},
		{"supervisor transfers another's", assignedConv("bob"), cv.By(sue), support},
		{"agent transfers waiting", waitingConv(), cv.By(bob), support},
		{"between teams", inSales, host, support},
		{"assigned, same team", func() cv.Conversation { c := assignedConv("alice"); c.Team = "sales"; return c }(), cv.By(alice), sales},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, to := tt.conv, tt.to
			cBefore, toBefore := c, to
			ch, err := cv.TransferToTeam(&c, tt.by, &to, now)
			if err != nil {
				t.Fatalf("TransferToTeam: %v", err)
			}
			want := tt.conv
			want.Team = tt.to.ID
			want.Assignee = ""
			want.WaitingSince = now
			want.Version++
			if ch.ConversationWrite != cv.Update || ch.Conversation != want {
				t.Errorf("Conversation = %+v (write %v)\nwant %+v", ch.Conversation, ch.ConversationWrite, want)
			}
			if !ch.Conversation.Waiting() {
				t.Error("transferred conversation is not waiting")
			}
			wantEvents(t, &ch, cv.EventConversationTransferred)
			if e := ch.Events()[0]; e.Team != tt.to.ID || e.Previous != tt.conv.Assignee {
				t.Errorf("event = %+v", e)
			}
			unchanged(t, "conversation", cBefore, c)
			unchanged(t, "team", toBefore, to)
		})
	}
}

func TestTransferToTeamRefused(t *testing.T) {
	tests := []struct {
		name   string
		conv   cv.Conversation
		by     cv.Actor
		to     cv.Team
		target error
		code   string
	}{
		{"team of another workspace", waitingConv(), host, otherTeam, cv.ErrTeamNotFound, "not_found"},
		{"agent transfers another's", assignedConv("bob"), cv.By(alice), sales, cv.ErrForbidden, "forbidden"},
		{"agent of another workspace", waitingConv(), cv.By(eve), sales, cv.ErrForbidden, "forbidden"},
		{"closed", closedConv(), host, sales, cv.ErrClosed, "conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, to := tt.conv, tt.to
			cBefore := c
			ch, err := cv.TransferToTeam(&c, tt.by, &to, now)
			wantErr(t, &ch, err, tt.target, tt.code)
			unchanged(t, "conversation", cBefore, c)
		})
	}
}

// R11: transferring a waiting conversation to the team it waits for is a
// no-op and keeps its place in the queue.
func TestTransferToTeamNoOp(t *testing.T) {
	c := waitingConv()
	c.Team = "sales"
	cBefore := c
	to := sales
	ch, err := cv.TransferToTeam(&c, host, &to, now)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Empty() || len(ch.Events()) != 0 {
		t.Errorf("change = %+v, want empty", ch)
	}
	unchanged(t, "conversation", cBefore, c)
}

// ------------------------------------------------------------------ Close (R12)

func TestClose(t *testing.T) {
	tests := []struct {
		name string
		conv cv.Conversation
		by   cv.Actor
		note cv.ClosingNote
		want cv.ClosingNote
	}{
		{"assignee closes with note", assignedConv("alice"), cv.By(alice),
			cv.ClosingNote{Category: "  facturación ", Summary: "\n  Se reenvió la factura.  \n"},
			cv.ClosingNote{Category: "facturación", Summary: "Se reenvió la factura."}},
		{"host closes without note", assignedConv("bob"), host, cv.ClosingNote{}, cv.ClosingNote{}},
		{"supervisor closes another's", assignedConv("bob"), cv.By(sue), cv.ClosingNote{Category: "spam"}, cv.ClosingNote{Category: "spam"}},
		{"agent closes a waiting conversation", waitingConv(), cv.By(bob), cv.ClosingNote{Summary: "duplicado"}, cv.ClosingNote{Summary: "duplicado"}},
		{"note at the limits", assignedConv("alice"), cv.By(alice),
			cv.ClosingNote{Category: strings.Repeat("é", cv.MaxCategoryLen), Summary: strings.Repeat("ü", cv.MaxSummaryLen)},
			cv.ClosingNote{Category: strings.Repeat("é", cv.MaxCategoryLen), Summary: strings.Repeat("ü", cv.MaxSummaryLen)}},
		{"blank note", assignedConv("alice"), cv.By(alice), cv.ClosingNote{Category: "  ", Summary: "\t\n"}, cv.ClosingNote{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, note := tt.conv, tt.note
			cBefore, noteBefore := c, note
			ch, err := cv.Close(&c, tt.by, cv.ReasonAgent, note, now)
			if err != nil {
				t.Fatalf("Close: %v", err)
			}
			want := tt.conv
			want.State = cv.Closed
			want.ClosedAt = now
			want.CloseReason = cv.ReasonAgent
			want.ClosedBy = tt.by.Agent()
			want.ClosingNote = tt.want
			want.Assignee = ""
			want.WaitingSince = time.Time{}
			want.Version++
			if ch.ConversationWrite != cv.Update || ch.Conversation != want {
				t.Errorf("Conversation = %+v (write %v)\nwant %+v", ch.Conversation, ch.ConversationWrite, want)
			}
			if ch.TicketWrite != cv.Keep {
				t.Errorf("TicketWrite = %v, want Keep: closing a conversation leaves its ticket", ch.TicketWrite)
			}
			if ch.Conversation.Waiting() {
				t.Error("closed conversation is waiting")
			}
			wantEvents(t, &ch, cv.EventConversationClosed)
			e := ch.Events()[0]
			if e.Agent != tt.by.Agent() || e.Previous != tt.conv.Assignee || e.Reason != cv.ReasonAgent || e.Conversation != "c1" || e.Ticket != "t1" {
				t.Errorf("event = %+v", e)
			}
			unchanged(t, "conversation", cBefore, c)
			unchanged(t, "note", noteBefore, note)
		})
	}
}

func TestCloseRefused(t *testing.T) {
	tests := []struct {
		name   string
		conv   cv.Conversation
		by     cv.Actor
		note   cv.ClosingNote
		target error
		code   string
	}{
		{"already closed", closedConv(), host, cv.ClosingNote{}, cv.ErrClosed, "conflict"},
		{"agent closes another's", assignedConv("bob"), cv.By(alice), cv.ClosingNote{}, cv.ErrForbidden, "forbidden"},
		{"agent of another workspace", waitingConv(), cv.By(eve), cv.ClosingNote{}, cv.ErrForbidden, "forbidden"},
		{"category too long", assignedConv("alice"), cv.By(alice), cv.ClosingNote{Category: strings.Repeat("c", cv.MaxCategoryLen+1)}, cv.ErrInvalid, "invalid"},
		{"summary too long", assignedConv("alice"), cv.By(alice), cv.ClosingNote{Summary: strings.Repeat("s", cv.MaxSummaryLen+1)}, cv.ErrInvalid, "invalid"},
		{"summary too long multibyte", assignedConv("alice"), cv.By(alice), cv.ClosingNote{Summary: strings.Repeat("ñ", cv.MaxSummaryLen+1)}, cv.ErrInvalid, "invalid"},
		{"invalid UTF-8 note", assignedConv("alice"), cv.By(alice), cv.ClosingNote{Summary: "ok \xff"}, cv.ErrInvalid, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.conv
			cBefore := c
			ch, err := cv.Close(&c, tt.by, cv.ReasonAgent, tt.note, now)
			wantErr(t, &ch, err, tt.target, tt.code)
			unchanged(t, "conversation", cBefore, c)
		})
	}
}

// R12: a closed conversation cannot be closed again.
func TestCloseTwice(t *testing.T) {
	c := assignedConv("alice")
	first, err := cv.Close(&c, cv.By(alice), cv.ReasonAgent, cv.ClosingNote{}, now)
	if err != nil {
		t.Fatal(err)
	}
	closed := first.Conversation
	ch, err := cv.Close(&closed, cv.By(alice), cv.ReasonAgent, cv.ClosingNote{}, now.Add(time.Minute))
	wantErr(t, &ch, err, cv.ErrClosed, "conflict")
	// Once closed, nobody manages it any more (R12).
	for _, name := range []string{"assign", "unassign", "transfer"} {
		var err error
		to, team := bob, sales
		switch name {
		case "assign":
			_, err = cv.Assign(&closed, host, &to, now)
		case "unassign":
			_, err = cv.Unassign(&closed, host, now)
		case "transfer":
			_, err = cv.TransferToTeam(&closed, host, &team, now)
		}
		if !errors.Is(err, cv.ErrClosed) {
			t.Errorf("%s of a closed conversation: error = %v, want ErrClosed", name, err)
		}
	}
}

// ------------------------------------------------------------ CloseTicket (R12)

func TestCloseTicketWithOpenConversation(t *testing.T) {
	tests := []struct {
		name string
		by   cv.Actor
		conv cv.Conversation
	}{
		{"assignee", cv.By(alice), assignedConv("alice")},
		{"host", host, assignedConv("bob")},
		{"supervisor", cv.By(sue), assignedConv("bob")},
		{"agent, waiting conversation", cv.By(bob), waitingConv()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := openTicket("t1", 1432)
			tk.Tags = []string{"vip"}
			open := tt.conv
			note := cv.ClosingNote{Category: " resuelto ", Summary: "  listo "}
			tkBefore := tk
			tkBefore.Tags = slices.Clone(tk.Tags)
			openBefore := open

			ch, err := cv.CloseTicket(&tk, &open, tt.by, note, now)
			if err != nil {
				t.Fatalf("CloseTicket: %v", err)
			}
			if ch.TicketWrite != cv.Update {
				t.Errorf("TicketWrite = %v, want Update", ch.TicketWrite)
			}
			if ch.Ticket.Status != ticket.Closed || !ch.Ticket.ClosedAt.Equal(now) || ch.Ticket.Version != tkBefore.Version+1 || ch.Ticket.ID != "t1" {
				t.Errorf("Ticket = %+v", ch.Ticket)
			}
			want := tt.conv
			want.State = cv.Closed
			want.ClosedAt = now
			want.CloseReason = cv.ReasonTicketClosed
			want.ClosedBy = tt.by.Agent()
			want.ClosingNote = cv.ClosingNote{Category: "resuelto", Summary: "listo"}
			want.Assignee = ""
			want.WaitingSince = time.Time{}
			want.Version++
			if ch.ConversationWrite != cv.Update || ch.Conversation != want {
				t.Errorf("Conversation = %+v (write %v)\nwant %+v", ch.Conversation, ch.ConversationWrite, want)
			}
			if ch.MessageWrite != cv.Keep {
				t.Errorf("MessageWrite = %v, want Keep", ch.MessageWrite)
			}
			// R17: the conversation closes before its ticket.
			wantEvents(t, &ch, cv.EventConversationClosed, cv.EventTicketClosed)
			ev := ch.Events()
			if ev[0].Reason != cv.ReasonTicketClosed || ev[0].Conversation != "c1" || ev[0].Previous != tt.conv.Assignee || ev[0].Agent != tt.by.Agent() {
				t.Errorf("conversation.closed = %+v", ev[0])
			}
			if ev[1].Ticket != "t1" || ev[1].TicketNumber != 1432 || ev[1].Conversation != "c1" || ev[1].Agent != tt.by.Agent() {
				t.Errorf("ticket.closed = %+v", ev[1])
			}
			unchanged(t, "ticket", tkBefore, tk)
			unchanged(t, "conversation", openBefore, open)
		})
	}
}

func TestCloseTicketWithoutConversation(t *testing.T) {
	tk := openTicket("t1", 1432)
	tkBefore := tk
	ch, err := cv.CloseTicket(&tk, nil, cv.By(alice), cv.ClosingNote{}, now)
	if err != nil {
		t.Fatalf("CloseTicket: %v", err)
	}
	if ch.TicketWrite != cv.Update || ch.Ticket.Status != ticket.Closed || !ch.Ticket.ClosedAt.Equal(now) || ch.Ticket.Version != tkBefore.Version+1 {
		t.Errorf("Ticket = %+v (write %v)", ch.Ticket, ch.TicketWrite)
	}
	if ch.ConversationWrite != cv.Keep {
		t.Errorf("ConversationWrite = %v, want Keep", ch.ConversationWrite)
	}
	wantEvents(t, &ch, cv.EventTicketClosed)
	if e := ch.Events()[0]; e.Ticket != "t1" || e.TicketNumber != 1432 || e.Conversation != "" || e.Agent != "alice" {
		t.Errorf("ticket.closed = %+v", e)
	}
	unchanged(t, "ticket", tkBefore, tk)
}

func TestCloseTicketRefused(t *testing.T) {
	otherTicketConv := assignedConv("alice")
	otherTicketConv.Ticket = "t2"
	tests := []struct {
		name   string
		tk     ticket.Ticket
		open   *cv.Conversation
		by     cv.Actor
		note   cv.ClosingNote
		target error
		code   string
	}{
		{"ticket already closed", closedTicket("t1", 1432), nil, host, cv.ClosingNote{}, ticket.ErrClosed, "conflict"},
		{"conversation of another ticket", openTicket("t1", 1432), &otherTicketConv, host, cv.ClosingNote{}, cv.ErrInvalid, "invalid"},
		{"conversation already closed", openTicket("t1", 1432), ptr(closedConv()), host, cv.ClosingNote{}, cv.ErrInvalid, "invalid"},
		{"agent of another workspace", openTicket("t1", 1432), nil, cv.By(eve), cv.ClosingNote{}, cv.ErrForbidden, "forbidden"},
		{"agent of another workspace with conversation", openTicket("t1", 1432), ptr(waitingConv()), cv.By(eve), cv.ClosingNote{}, cv.ErrForbidden, "forbidden"},
		{"agent closes ticket of another's conversation", openTicket("t1", 1432), ptr(assignedConv("bob")), cv.By(alice), cv.ClosingNote{}, cv.ErrForbidden, "forbidden"},
		{"note too long", openTicket("t1", 1432), ptr(assignedConv("alice")), cv.By(alice), cv.ClosingNote{Category: strings.Repeat("x", cv.MaxCategoryLen+1)}, cv.ErrInvalid, "invalid"},
		{"note too long, no conversation", openTicket("t1", 1432), nil, host, cv.ClosingNote{Summary: strings.Repeat("x", cv.MaxSummaryLen+1)}, cv.ErrInvalid, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := tt.tk
			tkBefore := tk
			var openBefore cv.Conversation
			if tt.open != nil {
				openBefore = *tt.open
			}
			ch, err := cv.CloseTicket(&tk, tt.open, tt.by, tt.note, now)
			wantErr(t, &ch, err, tt.target, tt.code)
			unchanged(t, "ticket", tkBefore, tk)
			if tt.open != nil {
				unchanged(t, "conversation", openBefore, *tt.open)
			}
		})
	}
}

// R9: a latest conversation passed without its ticket is a caller's error,
// not a conversation on an empty ticket.
func TestReceiveLatestWithoutTicket(t *testing.T) {
	st := cv.InboundState{
		HasLatest:       true,
		Latest:          cv.Conversation{ID: "old", Workspace: "acme", Ticket: "t1", State: cv.Closed},
		NewConversation: "c2",
	}
	_, err := cv.Receive(&st, &cv.Inbound{Workspace: "acme", Contact: "k",
		Message: cv.Message{ID: "m", Channel: "tg", ExternalID: "u", Kind: cv.KindText, Text: "hi"}}, now)
	if !errors.Is(err, cv.ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid", err)
	}
}

// R10, R11: an agent without id neither replies nor is assigned.
func TestAgentWithoutID(t *testing.T) {
	c := cv.Conversation{ID: "c", Workspace: "acme", State: cv.Open, WaitingSince: now}
	nobody := cv.Agent{Workspace: "acme"}
	if _, err := cv.Reply(&c, &nobody, cv.Message{ID: "m", Kind: cv.KindText, Text: "hi"}, now); !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("Reply: got %v, want ErrInvalid", err)
	}
	if _, err := cv.Assign(&c, cv.Host(), &nobody, now); !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("Assign: got %v, want ErrInvalid", err)
	}
	if !c.Waiting() || !c.WaitingSince.Equal(now) {
		t.Error("the conversation changed")
	}
}
