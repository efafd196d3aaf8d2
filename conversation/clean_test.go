package conversation_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	cv "github.com/telenet/contactcenter/conversation"
)

func TestCleanString(t *testing.T) {
	tests := []struct {
		in, want string
		changed  bool
	}{
		{"hola", "hola", false},
		{"", "", false},
		{"añoñ€😀", "añoñ€😀", false},
		{"ho\x00la", "ho\uFFFDla", true},
		{"\x00", "\uFFFD", true},
		{"hola \xff\xfe", "hola \uFFFD\uFFFD", true},
		{"\xc3\x28", "\uFFFD(", true},                // a cut sequence
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD", true}, // a UTF-16 surrogate, which PostgreSQL refuses too
		{"a\uFFFDb", "a\uFFFDb", false},              // an honest replacement character stays
	}
	for _, tt := range tests {
		got, changed := cv.CleanString(tt.in)
		if got != tt.want || changed != tt.changed {
			t.Errorf("CleanString(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
		}
		if !cv.Storable(got) {
			t.Errorf("CleanString(%q) = %q is not storable", tt.in, got)
		}
	}
}

func TestAlterationString(t *testing.T) {
	for a, want := range map[cv.Alteration]string{
		0:                                     "none",
		cv.AlteredText:                        "text",
		cv.AlteredText | cv.AlteredCut:        "text|cut",
		cv.AlteredOversize | cv.AlteredSender: "sender|oversize",
		cv.AlteredAttachment | 0x80:           "attachment|Alteration(0x80)",
	} {
		if got := a.String(); got != want {
			t.Errorf("Alteration(%d).String() = %q, want %q", uint8(a), got, want)
		}
	}
}

// R18: a contact's message that a store could not hold as it came is
// repaired and stored, flagged, rather than refused: NUL bytes, bytes that
// are not UTF-8, a text beyond MaxTextBytes (cut at a character boundary), a
// file beyond MaxAttachmentSize (kept as metadata, marked Oversize).
func TestReceiveCleans(t *testing.T) {
	big := cv.Attachment{Name: "backup.zip", MIME: "application/zip", Size: 2 << 30, Ref: "file-2g"}
	caption := strings.Repeat("ñ", 4096)
	tests := []struct {
		name    string
		edit    func(*cv.Message)
		check   func(t *testing.T, m *cv.Message)
		altered cv.Alteration
	}{
		{"NUL byte", func(m *cv.Message) { m.Text = "mi pedido\x00 #A-17" }, func(t *testing.T, m *cv.Message) {
			if m.Text != "mi pedido\uFFFD #A-17" {
				t.Errorf("text = %q", m.Text)
			}
		}, cv.AlteredText},
		{"invalid UTF-8", func(m *cv.Message) { m.Text = "hola \xff\xfe" }, func(t *testing.T, m *cv.Message) {
			if m.Text != "hola \uFFFD\uFFFD" {
				t.Errorf("text = %q", m.Text)
			}
		}, cv.AlteredText},
		{"oversized text", func(m *cv.Message) { m.Text = strings.Repeat("a", cv.MaxTextBytes+1) }, func(t *testing.T, m *cv.Message) {
			if m.Text != strings.Repeat("a", cv.MaxTextBytes) {
				t.Errorf("text of %d bytes, want the first %d", len(m.Text), cv.MaxTextBytes)
			}
		}, cv.AlteredCut},
		{"oversized multibyte text", func(m *cv.Message) { m.Text = "a" + strings.Repeat("ñ", cv.MaxTextBytes/2) }, func(t *testing.T, m *cv.Message) {
			if len(m.Text) != cv.MaxTextBytes-1 || !utf8.ValidString(m.Text) {
				t.Errorf("text of %d bytes (valid %v), want %d cut at a character boundary", len(m.Text), utf8.ValidString(m.Text), cv.MaxTextBytes-1)
			}
		}, cv.AlteredCut},
		{"NUL bytes beyond the limit", func(m *cv.Message) { m.Text = strings.Repeat("\x00", cv.MaxTextBytes) }, func(t *testing.T, m *cv.Message) {
			if len(m.Text) > cv.MaxTextBytes || !cv.Storable(m.Text) || !strings.HasPrefix(m.Text, "\uFFFD") {
				t.Errorf("text of %d bytes, storable %v", len(m.Text), cv.Storable(m.Text))
			}
		}, cv.AlteredText | cv.AlteredCut},
		{"2 GB document with a 4,096-character caption", func(m *cv.Message) {
			m.Kind, m.Text, m.Attachments = cv.KindFile, caption, []cv.Attachment{big}
		}, func(t *testing.T, m *cv.Message) {
			want := big
			want.Oversize = true
			if len(m.Attachments) != 1 || m.Attachments[0] != want {
				t.Errorf("attachments = %+v, want %+v", m.Attachments, want)
			}
			if m.Text != caption {
				t.Error("the caption is not kept")
			}
		}, cv.AlteredOversize},
		{"attachment name, MIME type and reference", func(m *cv.Message) {
			m.Kind, m.Text = cv.KindFile, ""
			m.Attachments = []cv.Attachment{{Name: "fac\x00tura.pdf", MIME: "application/\xffpdf", Size: 10, Ref: "f\x00"}}
		}, func(t *testing.T, m *cv.Message) {
			a := m.Attachments[0]
			if a.Name != "fac\uFFFDtura.pdf" || a.MIME != "application/\uFFFDpdf" || a.Ref != "f\uFFFD" || a.Oversize {
				t.Errorf("attachment = %+v", a)
			}
		}, cv.AlteredAttachment},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cv.InboundState{Open: waitingConv(), HasOpen: true}
			in := textInbound("hola")
			tt.edit(&in.Message)
			inBefore := cloneInbound(in)
			ch, err := cv.Receive(&s, &in, now)
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			unchanged(t, "Inbound", inBefore, in)
			m := &ch.Message
			if ch.MessageWrite != cv.Create {
				t.Fatal("message not stored")
			}
			if m.Altered != tt.altered {
				t.Errorf("Altered = %v, want %v", m.Altered, tt.altered)
			}
			if !cv.Storable(m.Text) {
				t.Errorf("stored text %q is not storable", m.Text)
			}
			tt.check(t, m)
			ev := ch.Events()
			if len(ev) != 1 || ev[0].Type != cv.EventMessageReceived || ev[0].Altered != tt.altered {
				t.Errorf("events = %+v, want message.received with Altered %v", ev, tt.altered)
			}
			// Cleaning what is clean changes nothing.
			again := *m
			if cv.Clean(&again) != tt.altered || again.Text != m.Text {
				t.Errorf("Clean of a clean message changed it: %+v", again)
			}
		})
	}
}

// A message stored as it came carries no alteration.
func TestReceiveUnaltered(t *testing.T) {
	s := cv.InboundState{Open: waitingConv(), HasOpen: true}
	in := textInbound("hola")
	ch, err := cv.Receive(&s, &in, now)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Message.Altered != 0 || ch.Events()[0].Altered != 0 {
		t.Errorf("Altered = %v, event %v", ch.Message.Altered, ch.Events()[0].Altered)
	}
}

// A contact's command is cleaned like any of their messages.
func TestCommandCleaned(t *testing.T) {
	c := waitingConv()
	cmd := cv.Message{ID: "m1", Channel: "tg", ExternalID: "u1", Text: "/tickets\x00"}
	ch, err := cv.Command(&c, cmd, cv.Message{ID: "a1", Text: "answer"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Message.Text != "/tickets\uFFFD" || ch.Message.Altered != cv.AlteredText {
		t.Errorf("command stored as %q, %v", ch.Message.Text, ch.Message.Altered)
	}
}

// A contact's edit is cleaned as their message was; an agent's text must be
// storable as it is.
func TestEditCleansContactText(t *testing.T) {
	m := cv.Message{ID: "m1", Workspace: ws, Conversation: "c1", Channel: "tg", Direction: cv.FromContact,
		Author: cv.Author{Kind: cv.AuthorContact}, Kind: cv.KindText, Text: "hola", ExternalID: "u1", Version: 1}
	ch, err := cv.Edit(&m, m.Author, "hola\x00 de nuevo", now)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Message.Text != "hola\uFFFD de nuevo" || ch.Message.Altered != cv.AlteredText {
		t.Errorf("edit stored as %q, %v", ch.Message.Text, ch.Message.Altered)
	}
	if ev := ch.Events(); len(ev) != 1 || ev[0].Altered != cv.AlteredText {
		t.Errorf("events = %+v", ev)
	}

	sent := cv.Message{ID: "m2", Workspace: ws, Conversation: "c1", Channel: "tg", Direction: cv.ToContact,
		Author: cv.Author{Kind: cv.AuthorAgent, Agent: "alice"}, Kind: cv.KindText, Text: "hola", ExternalID: "7",
		Delivery: cv.DeliverySent, Version: 2}
	_, err = cv.Edit(&sent, sent.Author, "ho\x00la", now)
	if !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("an agent's edit with a NUL byte: %v, want ErrInvalid", err)
	}
}

// A refused message is recorded as a RejectedMessage and a
// message.rejected event that every store can hold.
func TestReject(t *testing.T) {
	m, e, err := cv.Reject(cv.Rejection{Workspace: ws, Channel: "tg", ExternalID: "42:\x007", From: "4\xff2",
		Reason: strings.Repeat("why\x00", 1000)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if e.Type != cv.EventMessageRejected || e.Workspace != ws || e.Channel != "tg" || e.ExternalID != "42:\uFFFD7" || !e.At.Equal(now) {
		t.Errorf("event = %+v", e)
	}
	if len(e.Detail) > cv.MaxRejectionDetail || !cv.Storable(e.Detail) || !strings.HasPrefix(e.Detail, "why\uFFFD") {
		t.Errorf("detail of %d bytes: %q", len(e.Detail), e.Detail[:20])
	}
	want := cv.RejectedMessage{Workspace: ws, Channel: "tg", ExternalID: "42:\uFFFD7", From: "4\uFFFD2", Reason: e.Detail, At: now}
	if m != want {
		t.Errorf("record = %+v, want %+v", m, want)
	}
	for _, r := range []cv.Rejection{
		{Channel: "tg", ExternalID: "1"},
		{Workspace: ws, ExternalID: "1"},
		{Workspace: ws, Channel: "tg"},
		{Workspace: "w\x00", Channel: "tg", ExternalID: "1"},
	} {
		if _, _, err := cv.Reject(r, now); !errors.Is(err, cv.ErrInvalid) {
			t.Errorf("Reject(%+v) = %v, want ErrInvalid", r, err)
		}
	}
}
