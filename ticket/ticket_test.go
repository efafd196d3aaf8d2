package ticket_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/telenet/contactcenter/ticket"
)

var (
	t0  = time.Date(2025, time.March, 10, 9, 30, 0, 0, time.UTC)
	now = time.Date(2025, time.March, 11, 17, 45, 0, 0, time.UTC)
)

// coder is the interface every error of the contract satisfies (R19).
type coder interface{ Code() string }

// codeOf returns the stable code of err, or "" when err carries none.
func codeOf(err error) string {
	var c coder
	if errors.As(err, &c) {
		return c.Code()
	}
	return ""
}

func mustNew(t *testing.T) ticket.Ticket {
	t.Helper()
	tk, err := ticket.New("t1", "ws1", 1432, "k1", "Mi factura", t0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tk
}

// cloneTicket returns a deep copy of tk, to compare inputs after a call.
func cloneTicket(tk ticket.Ticket) ticket.Ticket {
	tk.Tags = slices.Clone(tk.Tags)
	return tk
}

func equalTickets(a, b ticket.Ticket) bool {
	return a.ID == b.ID && a.Workspace == b.Workspace && a.Number == b.Number &&
		a.Contact == b.Contact && a.Subject == b.Subject && a.Status == b.Status &&
		a.Priority == b.Priority && slices.Equal(a.Tags, b.Tags) &&
		a.OpenedAt.Equal(b.OpenedAt) && a.ClosedAt.Equal(b.ClosedAt) && a.Version == b.Version
}

func TestNew(t *testing.T) {
	tk, err := ticket.New("t1", "ws1", 1432, "k1", "  Mi factura no llegó  \nDetalles: …", t0)
	if err != nil {
		t.Fatalf("New: unexpected error %v", err)
	}
	want := ticket.Ticket{
		ID:        "t1",
		Workspace: "ws1",
		Number:    1432,
		Contact:   "k1",
		Subject:   "Mi factura no llegó",
		Status:    ticket.Open,
		Priority:  ticket.PriorityNormal,
		OpenedAt:  t0,
		Version:   1,
	}
	if !equalTickets(tk, want) {
		t.Errorf("New = %+v, want %+v", tk, want)
	}
	if !tk.ClosedAt.IsZero() {
		t.Errorf("ClosedAt = %v, want zero for an open ticket", tk.ClosedAt)
	}
	if len(tk.Tags) != 0 {
		t.Errorf("Tags = %v, want none", tk.Tags)
	}
}

// R19: invalid input gets a typed error and no ticket.
func TestNewInvalid(t *testing.T) {
	tests := []struct {
		name    string
		id      ticket.ID
		ws      ticket.WorkspaceID
		n       ticket.Number
		contact ticket.ContactID
	}{
		{"empty id", "", "ws1", 1, "k1"},
		{"empty workspace", "t1", "", 1, "k1"},
		{"zero number", "t1", "ws1", 0, "k1"},
		{"negative number", "t1", "ws1", -5, "k1"},
		{"empty contact", "t1", "ws1", 1, ""},
		{"everything empty", "", "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk, err := ticket.New(tt.id, tt.ws, tt.n, tt.contact, "subject", t0)
			if !errors.Is(err, ticket.ErrInvalid) {
				t.Fatalf("New error = %v, want ErrInvalid", err)
			}
			if got := codeOf(err); got != "invalid" {
				t.Errorf("Code() = %q, want %q", got, "invalid")
			}
			if tk.ID != "" || tk.Version != 0 {
				t.Errorf("New returned %+v with an error, want the zero Ticket", tk)
			}
		})
	}
}

func TestNewNumberOne(t *testing.T) {
	// The smallest positive number is accepted.
	tk, err := ticket.New("t1", "ws1", 1, "k1", "", t0)
	if err != nil {
		t.Fatalf("New with number 1: %v", err)
	}
	if tk.Number != 1 || tk.Subject != "" {
		t.Errorf("New = %+v, want number 1 and an empty subject", tk)
	}
}

func TestSubject(t *testing.T) {
	max := ticket.MaxSubjectLen
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"blank", " \t ", ""},
		{"plain", "Hola", "Hola"},
		{"trimmed", "  \tHola mundo \t ", "Hola mundo"},
		{"first line LF", "Línea uno\nLínea dos", "Línea uno"},
		{"first line CRLF", "Línea uno\r\nLínea dos", "Línea uno"},
		{"first line CR", "Línea uno\rLínea dos", "Línea uno"},
		{"first line trimmed", "   hola  \n  adiós", "hola"},
		{"only newline", "\n", ""},
		{"exactly max", strings.Repeat("a", max), strings.Repeat("a", max)},
		{"one over max", strings.Repeat("a", max+1), strings.Repeat("a", max)},
		{"far over max", strings.Repeat("b", 5*max), strings.Repeat("b", max)},
		{"multibyte exactly max", strings.Repeat("ñ", max), strings.Repeat("ñ", max)},
		{"multibyte over max", strings.Repeat("ñ", max+50), strings.Repeat("ñ", max)},
		{"emoji over max", strings.Repeat("😀", max+1), strings.Repeat("😀", max)},
		{"mixed over max", strings.Repeat("aé", max), strings.Repeat("aé", max/2)},
		{"trailing space after cut trimmed", strings.Repeat("x", max-1) + " yyy", strings.Repeat("x", max-1)},
		{"long second line ignored", "corto\n" + strings.Repeat("z", 3*max), "corto"},
		{"blank first lines skipped", "\n  \r\nHola\nadiós", "Hola"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ticket.Subject(tt.in)
			if got != tt.want {
				t.Errorf("Subject(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > max {
				t.Errorf("Subject has %d runes, more than MaxSubjectLen %d", n, max)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Subject(%q) = %q is not valid UTF-8 (cut inside a rune)", tt.in, got)
			}
		})
	}
}

func TestNewUsesSubject(t *testing.T) {
	long := strings.Repeat("é", ticket.MaxSubjectLen+10) + "\nsecond"
	tk, err := ticket.New("t1", "ws1", 2, "k1", long, t0)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("é", ticket.MaxSubjectLen); tk.Subject != want {
		t.Errorf("Subject has %d runes, want the first %d", utf8.RuneCountInString(tk.Subject), ticket.MaxSubjectLen)
	}
}

// R12: a ticket closes once.
func TestClose(t *testing.T) {
	tk := mustNew(t)
	orig := cloneTicket(tk)

	closed, err := tk.Close(now)
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	if closed.Status != ticket.Closed {
		t.Errorf("Status = %v, want closed", closed.Status)
	}
	if !closed.ClosedAt.Equal(now) {
		t.Errorf("ClosedAt = %v, want %v", closed.ClosedAt, now)
	}
	if closed.Version != orig.Version {
		t.Errorf("Version = %d, want %d: the decision that writes the ticket sets it", closed.Version, orig.Version)
	}
	if closed.ID != orig.ID || closed.Number != orig.Number || closed.Subject != orig.Subject || !closed.OpenedAt.Equal(orig.OpenedAt) {
		t.Errorf("Close changed identity fields: %+v", closed)
	}
	if !equalTickets(tk, orig) {
		t.Errorf("Close modified its receiver: %+v, want %+v", tk, orig)
	}

	later := now.Add(time.Hour)
	again, err := closed.Close(later)
	if !errors.Is(err, ticket.ErrClosed) {
		t.Fatalf("second Close error = %v, want ErrClosed", err)
	}
	if got := codeOf(err); got != "conflict" {
		t.Errorf("Code() = %q, want conflict", got)
	}
	if !strings.Contains(err.Error(), "1432") {
		t.Errorf("error %q does not name ticket #1432", err)
	}
	if again.Version != closed.Version || !again.ClosedAt.Equal(now) {
		t.Errorf("double Close changed the ticket: %+v", again)
	}
}

func TestWithPriority(t *testing.T) {
	tests := []struct {
		name    string
		p       ticket.Priority
		wantErr bool
	}{
		{"low", ticket.PriorityLow, false},
		{"normal", ticket.PriorityNormal, false},
		{"high", ticket.PriorityHigh, false},
		{"urgent", ticket.PriorityUrgent, false},
		{"below low", ticket.PriorityLow - 1, true},
		{"above urgent", ticket.PriorityUrgent + 1, true},
		{"far out", ticket.Priority(100), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := mustNew(t)
			orig := cloneTicket(tk)
			got, err := tk.WithPriority(tt.p)
			if !equalTickets(tk, orig) {
				t.Errorf("WithPriority modified its receiver")
			}
			if tt.wantErr {
				if !errors.Is(err, ticket.ErrInvalid) {
					t.Fatalf("error = %v, want ErrInvalid", err)
				}
				if codeOf(err) != "invalid" {
					t.Errorf("Code() = %q, want invalid", codeOf(err))
				}
				if !equalTickets(got, orig) {
					t.Errorf("WithPriority returned a changed ticket with an error: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if got.Priority != tt.p || got.Version != orig.Version {
				t.Errorf("got priority %v version %d, want %v version %d", got.Priority, got.Version, tt.p, orig.Version)
			}
		})
	}
}

func withTags(t *testing.T, tags ...string) ticket.Ticket {
	t.Helper()
	tk := mustNew(t)
	for _, tag := range tags {
		var err error
		if tk, err = tk.WithTag(tag); err != nil {
			t.Fatalf("WithTag(%q): %v", tag, err)
		}
	}
	return tk
}

func TestWithTag(t *testing.T) {
	full := make([]string, ticket.MaxTags)
	for i := range full {
		full[i] = fmt.Sprintf("tag%02d", i)
	}
	tests := []struct {
		name    string
		start   []string
		add     string
		want    []string
		wantErr bool
	}{
		{"first tag", nil, "vip", []string{"vip"}, false},
		{"sorted insert middle", []string{"a", "c"}, "b", []string{"a", "b", "c"}, false},
		{"sorted insert front", []string{"m", "z"}, "a", []string{"a", "m", "z"}, false},
		{"sorted insert end", []string{"a", "b"}, "z", []string{"a", "b", "z"}, false},
		{"duplicate is no-op", []string{"a", "vip"}, "vip", []string{"a", "vip"}, false},
		{"duplicate after trim is no-op", []string{"vip"}, "  vip ", []string{"vip"}, false},
		{"trimmed", nil, "  urgente\t", []string{"urgente"}, false},
		{"case sensitive", []string{"vip"}, "VIP", []string{"VIP", "vip"}, false},
		{"max length", nil, strings.Repeat("t", ticket.MaxTagLen), []string{strings.Repeat("t", ticket.MaxTagLen)}, false},
		{"max length multibyte", nil, strings.Repeat("é", ticket.MaxTagLen), []string{strings.Repeat("é", ticket.MaxTagLen)}, false},
		{"empty", []string{"a"}, "", []string{"a"}, true},
		{"blank", []string{"a"}, " \t\n", []string{"a"}, true},
		{"too long", nil, strings.Repeat("t", ticket.MaxTagLen+1), nil, true},
		{"too long multibyte", nil, strings.Repeat("é", ticket.MaxTagLen+1), nil, true},
		{"NUL byte", []string{"a"}, "v\x00ip", []string{"a"}, true},
		{"newline inside", []string{"a"}, "v\nip", []string{"a"}, true},
		{"invalid UTF-8", []string{"a"}, "v\xffip", []string{"a"}, true},
		{"inner space kept", nil, "follow up", []string{"follow up"}, false},
		{"too many tags", full, "zzz", full, true},
		{"present tag when full is no-op", full, "tag05", full, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := withTags(t, tt.start...)
			orig := cloneTicket(tk)
			got, err := tk.WithTag(tt.add)
			if tt.wantErr {
				if !errors.Is(err, ticket.ErrInvalid) {
					t.Fatalf("WithTag(%q) error = %v, want ErrInvalid", tt.add, err)
				}
			} else if err != nil {
				t.Fatalf("WithTag(%q): %v", tt.add, err)
			}
			if !slices.Equal(got.Tags, tt.want) && !(len(got.Tags) == 0 && len(tt.want) == 0) {
				t.Errorf("Tags = %q, want %q", got.Tags, tt.want)
			}
			if !slices.IsSorted(got.Tags) {
				t.Errorf("Tags %q are not sorted", got.Tags)
			}
			if got.Version != orig.Version {
				t.Errorf("Version = %d, want %d: the decision that writes the ticket sets it", got.Version, orig.Version)
			}
			if !equalTickets(tk, orig) {
				t.Errorf("WithTag modified its receiver: Tags %q, want %q", tk.Tags, orig.Tags)
			}
		})
	}
}

// The original ticket's Tags must not change, even when its slice has spare
// capacity that an append or insert could write into.
func TestWithTagDoesNotMutateOriginal(t *testing.T) {
	tags := make([]string, 2, 16)
	tags[0], tags[1] = "a", "c"
	tk := mustNew(t)
	tk.Tags = tags

	got, err := tk.WithTag("b")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(got.Tags, want) {
		t.Errorf("new Tags = %q, want %q", got.Tags, want)
	}
	if want := []string{"a", "c"}; !slices.Equal(tk.Tags, want) {
		t.Errorf("original Tags = %q, want %q", tk.Tags, want)
	}
	if spare := tags[:cap(tags)]; spare[2] != "" {
		t.Errorf("WithTag wrote %q into the original's spare capacity", spare[2])
	}
	got2, err := tk.WithTag("z")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(got.Tags, want) {
		t.Errorf("second WithTag on the original changed the first result: %q", got.Tags)
	}
	if want := []string{"a", "c", "z"}; !slices.Equal(got2.Tags, want) {
		t.Errorf("second result = %q, want %q", got2.Tags, want)
	}
}

func TestHasTag(t *testing.T) {
	tk := withTags(t, "billing", "vip")
	for tag, want := range map[string]bool{"vip": true, " vip ": true, "billing": true, "VIP": false, "": false, "other": false} {
		if got := tk.HasTag(tag); got != want {
			t.Errorf("HasTag(%q) = %v, want %v", tag, got, want)
		}
	}
}

func TestWithoutTag(t *testing.T) {
	tests := []struct {
		name   string
		start  []string
		remove string
		want   []string
	}{
		{"remove middle", []string{"a", "b", "c"}, "b", []string{"a", "c"}},
		{"remove first", []string{"a", "b", "c"}, "a", []string{"b", "c"}},
		{"remove last", []string{"a", "b", "c"}, "c", []string{"a", "b"}},
		{"remove only", []string{"vip"}, "vip", []string{}},
		{"trimmed argument", []string{"vip"}, "  vip ", []string{}},
		{"absent is no-op", []string{"a", "b"}, "x", []string{"a", "b"}},
		{"case sensitive", []string{"vip"}, "VIP", []string{"vip"}},
		{"from no tags", nil, "vip", []string{}},
		{"empty argument", []string{"a"}, "", []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := withTags(t, tt.start...)
			orig := cloneTicket(tk)
			got := tk.WithoutTag(tt.remove)
			if !slices.Equal(got.Tags, tt.want) && !(len(got.Tags) == 0 && len(tt.want) == 0) {
				t.Errorf("Tags = %q, want %q", got.Tags, tt.want)
			}
			if got.Version != orig.Version {
				t.Errorf("Version = %d, want %d: the decision that writes the ticket sets it", got.Version, orig.Version)
			}
			if !equalTickets(tk, orig) {
				t.Errorf("WithoutTag modified its receiver: Tags %q, want %q", tk.Tags, orig.Tags)
			}
		})
	}
}

func TestStatusString(t *testing.T) {
	tests := []struct {
		s    ticket.Status
		want string
	}{
		{ticket.Open, "open"},
		{ticket.Closed, "closed"},
		{ticket.Status(7), "Status(7)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("Status(%d).String() = %q, want %q", uint8(tt.s), got, tt.want)
		}
	}
	var zero ticket.Status
	if zero == ticket.Open || zero == ticket.Closed {
		t.Errorf("zero Status = %v, want neither open nor closed", zero)
	}
}

func TestPriority(t *testing.T) {
	tests := []struct {
		p     ticket.Priority
		want  string
		valid bool
	}{
		{ticket.PriorityLow, "low", true},
		{ticket.PriorityNormal, "normal", true},
		{ticket.PriorityHigh, "high", true},
		{ticket.PriorityUrgent, "urgent", true},
		{ticket.Priority(-2), "Priority(-2)", false},
		{ticket.Priority(3), "Priority(3)", false},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("Priority(%d).String() = %q, want %q", int8(tt.p), got, tt.want)
		}
		if got := tt.p.Valid(); got != tt.valid {
			t.Errorf("Priority(%d).Valid() = %v, want %v", int8(tt.p), got, tt.valid)
		}
	}
	var zero ticket.Priority
	if zero != ticket.PriorityNormal {
		t.Errorf("zero Priority = %v, want normal", zero)
	}
	// R11: a higher priority is served first, so the constants are ordered.
	if !(ticket.PriorityLow < ticket.PriorityNormal && ticket.PriorityNormal < ticket.PriorityHigh && ticket.PriorityHigh < ticket.PriorityUrgent) {
		t.Error("priorities are not ordered low < normal < high < urgent")
	}
}

func TestNumberString(t *testing.T) {
	tests := []struct {
		n    ticket.Number
		want string
	}{
		{1, "1"},
		{1432, "1432"},
		{9007199254740993, "9007199254740993"},
		{-3, "-3"},
	}
	for _, tt := range tests {
		if got := tt.n.String(); got != tt.want {
			t.Errorf("Number(%d).String() = %q, want %q", int64(tt.n), got, tt.want)
		}
	}
}

// R19: every sentinel has a stable code the host can map.
func TestErrorCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"ErrNotFound", ticket.ErrNotFound, "not_found"},
		{"ErrContactNotFound", ticket.ErrContactNotFound, "not_found"},
		{"ErrClosed", ticket.ErrClosed, "conflict"},
		{"ErrInvalid", ticket.ErrInvalid, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrapped := fmt.Errorf("store: load #12: %w", tt.err)
			if !errors.Is(wrapped, tt.err) {
				t.Errorf("errors.Is through wrapping failed")
			}
			if got := codeOf(wrapped); got != tt.code {
				t.Errorf("Code() = %q, want %q", got, tt.code)
			}
			if tt.err.Error() == "" {
				t.Errorf("empty message")
			}
		})
	}
	if errors.Is(ticket.ErrNotFound, ticket.ErrContactNotFound) || errors.Is(ticket.ErrContactNotFound, ticket.ErrNotFound) {
		t.Error("ErrNotFound and ErrContactNotFound must be distinct sentinels")
	}
}
