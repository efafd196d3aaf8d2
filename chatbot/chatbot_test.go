package chatbot_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

func validTurn() chatbot.Turn {
	return chatbot.Turn{
		ID: "t1", Kind: chatbot.TurnMessage, Bot: "faq", Workspace: "ws", Conversation: "c1", Channel: "tg",
		Contact:  chatbot.Contact{ID: "k1", Language: "es"},
		Messages: []chatbot.Inbound{{ID: "m1", Text: "hola"}},
	}
}

// R2: a turn the engine gives a bot has an id, a kind, the conversation and
// the messages its kind needs; anything else is ErrInvalid.
func TestTurnValidate(t *testing.T) {
	if err := validTurn().Validate(); err != nil {
		t.Fatalf("valid turn: %v", err)
	}
	resumed := validTurn()
	resumed.Kind, resumed.Messages = chatbot.TurnResumed, nil
	if err := resumed.Validate(); err != nil {
		t.Errorf("resumed turn without messages: %v", err)
	}
	for name, mod := range map[string]func(*chatbot.Turn){
		"no id":              func(t *chatbot.Turn) { t.ID = "" },
		"long id":            func(t *chatbot.Turn) { t.ID = chatbot.TurnID(strings.Repeat("x", chatbot.MaxIDLen+1)) },
		"no kind":            func(t *chatbot.Turn) { t.Kind = 0 },
		"unknown kind":       func(t *chatbot.Turn) { t.Kind = 99 },
		"no bot":             func(t *chatbot.Turn) { t.Bot = "" },
		"no conversation":    func(t *chatbot.Turn) { t.Conversation = "" },
		"no workspace":       func(t *chatbot.Turn) { t.Workspace = "" },
		"no channel":         func(t *chatbot.Turn) { t.Channel = "" },
		"no contact":         func(t *chatbot.Turn) { t.Contact.ID = "" },
		"message turn empty": func(t *chatbot.Turn) { t.Messages = nil },
		"opened turn empty":  func(t *chatbot.Turn) { t.Kind, t.Messages = chatbot.TurnOpened, nil },
		"state too large":    func(t *chatbot.Turn) { t.State = make(chatbot.State, chatbot.MaxStateBytes+1) },
	} {
		tr := validTurn()
		mod(&tr)
		if err := tr.Validate(); !errors.Is(err, chatbot.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestTurnKindNames(t *testing.T) {
	for k := chatbot.TurnOpened; k <= chatbot.TurnTimedOut; k++ {
		got, err := chatbot.ParseTurnKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseTurnKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := chatbot.ParseTurnKind("nope"); !errors.Is(err, chatbot.ErrInvalid) {
		t.Errorf("unknown kind: %v", err)
	}
	if got := chatbot.TurnKind(9).String(); got != "TurnKind(9)" {
		t.Errorf("unknown kind String = %q", got)
	}
}

func TestActionKindNames(t *testing.T) {
	for k := chatbot.KindHandOff; k <= chatbot.KindTurnOff; k++ {
		got, err := chatbot.ParseActionKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseActionKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := chatbot.ParseActionKind("explode"); !errors.Is(err, chatbot.ErrInvalid) {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestTurnText(t *testing.T) {
	tr := validTurn()
	tr.Messages = append(tr.Messages, chatbot.Inbound{Text: "¿hay alguien?"})
	if got := tr.Text(); got != "hola\n¿hay alguien?" {
		t.Errorf("Text = %q", got)
	}
	tr.Messages = nil
	if got := tr.Text(); got != "" {
		t.Errorf("Text of no messages = %q", got)
	}
}

// R2: every action is validated on its own; a valid one of each kind
// passes, and each invalid one wraps ErrInvalid (and the sentinel of the
// package whose rule it breaks).
func TestActionValidate(t *testing.T) {
	valid := []chatbot.Action{
		chatbot.HandOff{}, chatbot.HandOff{Team: "billing", Note: "refund of order 123"},
		chatbot.Close{Note: conversation.ClosingNote{Category: "faq", Summary: "answered"}},
		chatbot.AssignTeam{Team: "sales"}, chatbot.AssignAgent{Agent: "ana", Note: "VIP"},
		chatbot.Tag{Tag: "faq"}, chatbot.Untag{Tag: "new"},
		chatbot.SetField{Key: "plan", Value: "pro"}, chatbot.UnsetField{Key: "plan"},
		chatbot.SetPriority{Priority: ticket.PriorityUrgent},
		chatbot.SendSnippet{Shortcut: "refunds"}, chatbot.SendTemplate{Name: "welcome"},
		chatbot.SendFile{File: chatbot.File{Name: "menu.pdf", MIME: "application/pdf", Size: 1000, Ref: "https://example.com/menu.pdf"}},
		chatbot.Notify{Name: "lead.qualified", Data: map[string]string{"plan": "pro"}},
		chatbot.TurnOff{},
	}
	seen := map[chatbot.ActionKind]bool{}
	for _, a := range valid {
		seen[a.Kind()] = true
		if err := a.Validate(); err != nil {
			t.Errorf("%#v: %v", a, err)
		}
	}
	for k := chatbot.KindHandOff; k <= chatbot.KindTurnOff; k++ {
		if !seen[k] {
			t.Errorf("no valid %s tested", k)
		}
	}

	type bad struct {
		a    chatbot.Action
		also error
	}
	invalid := []bad{
		{chatbot.HandOff{Note: strings.Repeat("n", chatbot.MaxNoteLen+1)}, nil},
		{chatbot.HandOff{Note: "\xff"}, nil},
		{chatbot.HandOff{Team: " "}, nil},
		{chatbot.Close{Note: conversation.ClosingNote{Category: strings.Repeat("c", conversation.MaxCategoryLen+1)}}, nil},
		{chatbot.Close{Note: conversation.ClosingNote{Summary: strings.Repeat("s", conversation.MaxSummaryLen+1)}}, nil},
		{chatbot.Close{Note: conversation.ClosingNote{Summary: "a\x00b"}}, nil},
		{chatbot.AssignTeam{}, nil},
		{chatbot.AssignAgent{}, nil},
		{chatbot.AssignAgent{Agent: "ana", Note: "\xff"}, nil},
		{chatbot.Tag{Tag: ""}, ticket.ErrInvalid},
		{chatbot.Tag{Tag: strings.Repeat("t", ticket.MaxTagLen+1)}, ticket.ErrInvalid},
		{chatbot.Untag{Tag: "a\tb\n"}, ticket.ErrInvalid},
		{chatbot.SetField{Key: "Plan", Value: "pro"}, ticket.ErrInvalid},
		{chatbot.SetField{Key: "plan", Value: ""}, ticket.ErrInvalid},
		{chatbot.SetField{Key: "plan", Value: strings.Repeat("v", ticket.MaxFieldValueBytes+1)}, ticket.ErrInvalid},
		{chatbot.UnsetField{Key: "9lives"}, ticket.ErrInvalid},
		{chatbot.SetPriority{Priority: 7}, ticket.ErrInvalid},
		{chatbot.SendSnippet{Shortcut: "No Spaces"}, nil},
		{chatbot.SendTemplate{Name: "  "}, nil},
		{chatbot.SendTemplate{Name: strings.Repeat("n", chatbot.MaxNameLen+1)}, nil},
		{chatbot.SendFile{File: chatbot.File{Name: "x"}}, nil},
		{chatbot.SendFile{File: chatbot.File{Ref: "r", Size: conversation.MaxAttachmentSize + 1}}, nil},
		{chatbot.SendFile{File: chatbot.File{Ref: "r"}, Caption: "\xff"}, nil},
		{chatbot.Notify{}, nil},
		{chatbot.Notify{Name: "x", Data: map[string]string{"Bad Key": "v"}}, ticket.ErrInvalid},
		{chatbot.Notify{Name: "x", Data: map[string]string{"k": strings.Repeat("v", chatbot.MaxNotifyValueBytes+1)}}, nil},
	}
	many := map[string]string{}
	for i := range chatbot.MaxNotifyData + 1 {
		many[string(rune('a'+i%26))+strings.Repeat("x", i)] = "v"
	}
	invalid = append(invalid, bad{chatbot.Notify{Name: "x", Data: many}, nil})
	for _, b := range invalid {
		err := b.a.Validate()
		if !errors.Is(err, chatbot.ErrInvalid) {
			t.Errorf("%s %#v: %v, want ErrInvalid", b.a.Kind(), b.a, err)
		}
		if b.also != nil && !errors.Is(err, b.also) {
			t.Errorf("%s %#v: %v, want it to wrap %v too", b.a.Kind(), b.a, err, b.also)
		}
	}
}

// SetField follows ticket.Contact.WithField: what one accepts, the other
// accepts (except the empty value, which WithField takes as a removal and
// SetField refuses in favour of UnsetField).
func TestSetFieldAgreesWithContact(t *testing.T) {
	c, _ := ticket.NewContact("k", "ws", "n", "es", time.Time{})
	for _, f := range []chatbot.SetField{{"plan", "pro"}, {"a_1", "ñ"}, {"_x", "v"}, {"plan", "a\x00"}, {"PLAN", "v"}, {strings.Repeat("k", 65), "v"}} {
		_, werr := c.WithField(f.Key, f.Value)
		serr := f.Validate()
		if (werr == nil) != (serr == nil) {
			t.Errorf("%+v: WithField %v, SetField.Validate %v", f, werr, serr)
		}
	}
}

func TestEndsHold(t *testing.T) {
	ends := map[chatbot.ActionKind]bool{chatbot.KindHandOff: true, chatbot.KindAssignTeam: true, chatbot.KindAssignAgent: true, chatbot.KindClose: true, chatbot.KindTurnOff: true}
	for k := chatbot.KindHandOff; k <= chatbot.KindTurnOff; k++ {
		if k.EndsHold() != ends[k] {
			t.Errorf("%s.EndsHold() = %v", k, k.EndsHold())
		}
	}
}

// R2: an invalid action is refused and recorded; the others apply, in order.
func TestReplyValidateRefusesOnlyTheInvalid(t *testing.T) {
	r := chatbot.Reply{
		Messages: []chatbot.Message{{Text: "Hola"}, {}, {Text: "Te paso con una persona"}},
		Actions: []chatbot.Action{
			chatbot.Tag{Tag: "faq"},
			chatbot.SetField{Key: "Bad Key", Value: "x"},
			chatbot.HandOff{Team: "billing", Note: "refund"},
			nil,
			chatbot.Close{},
			chatbot.SetPriority{Priority: ticket.PriorityHigh},
		},
		State: chatbot.State("s"),
	}
	c, err := r.Validate()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Messages) != 2 || c.Messages[0].Text != "Hola" || c.Messages[1].Text != "Te paso con una persona" {
		t.Errorf("messages %+v", c.Messages)
	}
	wantKinds := []chatbot.ActionKind{chatbot.KindTag, chatbot.KindHandOff, chatbot.KindSetPriority}
	if len(c.Actions) != len(wantKinds) {
		t.Fatalf("actions %+v, want kinds %v", c.Actions, wantKinds)
	}
	for i, k := range wantKinds {
		if c.Actions[i].Kind() != k {
			t.Errorf("action %d is %s, want %s", i, c.Actions[i].Kind(), k)
		}
	}
	if h, ok := c.EndsHold.(chatbot.HandOff); !ok || h.Team != "billing" {
		t.Errorf("EndsHold = %#v", c.EndsHold)
	}
	if string(c.State) != "s" {
		t.Errorf("state %q", c.State)
	}
	type want struct {
		part  chatbot.Part
		index int
		kind  chatbot.ActionKind
		is    error
	}
	wants := []want{
		{chatbot.PartMessage, 1, 0, chatbot.ErrInvalid},
		{chatbot.PartAction, 1, chatbot.KindSetField, ticket.ErrInvalid},
		{chatbot.PartAction, 3, 0, chatbot.ErrInvalid}, // the nil action
		{chatbot.PartAction, 4, chatbot.KindClose, chatbot.ErrSuperseded},
	}
	if len(c.Refused) != len(wants) {
		t.Fatalf("refused %v, want %d", c.Refused, len(wants))
	}
	for i, w := range wants {
		r := c.Refused[i]
		if r.Part != w.part || r.Index != w.index || r.Kind != w.kind || !errors.Is(r, w.is) {
			t.Errorf("refusal %d = %v (%s %d, kind %s), want %s %d, kind %s, wrapping %v", i, r, r.Part, r.Index, r.Kind, w.part, w.index, w.kind, w.is)
		}
		var rf *chatbot.Refusal
		if !errors.As(fmt.Errorf("recorded: %w", r), &rf) || rf != r {
			t.Errorf("refusal %d is not found by errors.As", i)
		}
	}
	if got := c.Refused[3].Error(); got != "chatbot: action 4 (close): the bot no longer holds the conversation: close after hand_off" {
		t.Errorf("refusal message %q", got)
	}
	if got := c.Refused[0].Error(); !strings.HasPrefix(got, "chatbot: message 1: ") {
		t.Errorf("message refusal %q", got)
	}
}

func TestReplyValidateLimits(t *testing.T) {
	var r chatbot.Reply
	for range chatbot.MaxReplyMessages + 2 {
		r.Messages = append(r.Messages, chatbot.Message{Text: "x"})
	}
	for range chatbot.MaxActions + 1 {
		r.Actions = append(r.Actions, chatbot.Tag{Tag: "t"})
	}
	c, err := r.Validate()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Messages) != chatbot.MaxReplyMessages || len(c.Actions) != chatbot.MaxActions || len(c.Refused) != 3 {
		t.Errorf("%d messages, %d actions, %d refused", len(c.Messages), len(c.Actions), len(c.Refused))
	}
	if _, err := (chatbot.Reply{State: make(chatbot.State, chatbot.MaxStateBytes+1)}).Validate(); !errors.Is(err, chatbot.ErrInvalid) {
		t.Errorf("oversized state: %v", err)
	}
	c, err = chatbot.Reply{}.Validate()
	if err != nil || c.EndsHold != nil || len(c.Refused) != 0 {
		t.Errorf("empty reply: %+v, %v", c, err)
	}
}

func TestMessageValidate(t *testing.T) {
	ok := []chatbot.Message{{Text: "hi"}, {Files: []chatbot.File{{Ref: "r"}}}, {Text: "caption", Files: []chatbot.File{{Ref: "r", Size: 10}}}}
	for _, m := range ok {
		if err := m.Validate(); err != nil {
			t.Errorf("%+v: %v", m, err)
		}
	}
	tooMany := make([]chatbot.File, conversation.MaxAttachments+1)
	for i := range tooMany {
		tooMany[i].Ref = "r"
	}
	bad := []chatbot.Message{{}, {Text: strings.Repeat("a", conversation.MaxTextBytes+1)}, {Text: "\xff"}, {Text: "a\x00"}, {Files: tooMany}, {Files: []chatbot.File{{Ref: "r", Size: -1}}}, {Files: []chatbot.File{{Ref: "r", Name: "\xff"}}}}
	for _, m := range bad {
		if err := m.Validate(); !errors.Is(err, chatbot.ErrInvalid) {
			t.Errorf("%.40v: %v, want ErrInvalid", m, err)
		}
	}
}
