package ticket_test

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/telenet/contactcenter/ticket"
)

func TestNewContact(t *testing.T) {
	c, err := ticket.NewContact("k1", "ws1", "Ana Pérez", "es-MX", t0)
	if err != nil {
		t.Fatalf("NewContact: %v", err)
	}
	if c.ID != "k1" || c.Workspace != "ws1" || c.Name != "Ana Pérez" || c.Language != "es-MX" {
		t.Errorf("NewContact = %+v", c)
	}
	if !c.CreatedAt.Equal(t0) {
		t.Errorf("CreatedAt = %v, want %v", c.CreatedAt, t0)
	}
	if c.Version != 1 {
		t.Errorf("Version = %d, want 1", c.Version)
	}
	if len(c.Fields) != 0 {
		t.Errorf("Fields = %v, want none", c.Fields)
	}

	// Name and language are optional: a channel does not always give them.
	if _, err := ticket.NewContact("k2", "ws1", "", "", t0); err != nil {
		t.Errorf("NewContact without name and language: %v", err)
	}
}

// R19
func TestNewContactInvalid(t *testing.T) {
	tests := []struct {
		name string
		id   ticket.ContactID
		ws   ticket.WorkspaceID
	}{
		{"empty id", "", "ws1"},
		{"empty workspace", "k1", ""},
		{"both empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ticket.NewContact(tt.id, tt.ws, "Ana", "es", t0)
			if !errors.Is(err, ticket.ErrInvalid) {
				t.Fatalf("error = %v, want ErrInvalid", err)
			}
			if codeOf(err) != "invalid" {
				t.Errorf("Code() = %q, want invalid", codeOf(err))
			}
			if c.ID != "" || c.Version != 0 {
				t.Errorf("NewContact returned %+v with an error, want the zero Contact", c)
			}
		})
	}
}

func contactWith(t *testing.T, fields map[string]string) ticket.Contact {
	t.Helper()
	c, err := ticket.NewContact("k1", "ws1", "Ana", "es", t0)
	if err != nil {
		t.Fatal(err)
	}
	c.Fields = fields
	return c
}

func fullFields() map[string]string {
	m := make(map[string]string, ticket.MaxFields)
	for i := range ticket.MaxFields {
		m[fmt.Sprintf("f%02d", i)] = "v"
	}
	return m
}

func TestWithField(t *testing.T) {
	tests := []struct {
		name    string
		start   map[string]string
		key     string
		value   string
		want    map[string]string
		wantErr bool
	}{
		{"set on nil map", nil, "plan", "gold", map[string]string{"plan": "gold"}, false},
		{"add", map[string]string{"plan": "gold"}, "city", "Lima", map[string]string{"plan": "gold", "city": "Lima"}, false},
		{"update", map[string]string{"plan": "gold"}, "plan", "silver", map[string]string{"plan": "silver"}, false},
		{"empty value deletes", map[string]string{"plan": "gold", "city": "Lima"}, "plan", "", map[string]string{"city": "Lima"}, false},
		{"delete absent", map[string]string{"plan": "gold"}, "city", "", map[string]string{"plan": "gold"}, false},
		{"delete on nil map", nil, "city", "", map[string]string{}, false},
		{"empty key", map[string]string{"plan": "gold"}, "", "x", map[string]string{"plan": "gold"}, true},
		{"empty key and value", nil, "", "", map[string]string{}, true},
		{"too many fields", fullFields(), "new", "x", fullFields(), true},
		{"update when full", fullFields(), "f03", "changed", func() map[string]string { m := fullFields(); m["f03"] = "changed"; return m }(), false},
		{"delete when full", fullFields(), "f03", "", func() map[string]string { m := fullFields(); delete(m, "f03"); return m }(), false},
		{"delete absent when full", fullFields(), "new", "", fullFields(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := contactWith(t, tt.start)
			before := maps.Clone(tt.start)
			got, err := c.WithField(tt.key, tt.value)
			if tt.wantErr {
				if !errors.Is(err, ticket.ErrInvalid) {
					t.Fatalf("WithField(%q, %q) error = %v, want ErrInvalid", tt.key, tt.value, err)
				}
				if got.Version != c.Version {
					t.Errorf("Version = %d after an error, want %d", got.Version, c.Version)
				}
			} else {
				if err != nil {
					t.Fatalf("WithField(%q, %q): %v", tt.key, tt.value, err)
				}
				if got.Version != c.Version {
					t.Errorf("Version = %d, want %d: the decision that writes the contact sets it", got.Version, c.Version)
				}
			}
			if !maps.Equal(got.Fields, tt.want) {
				t.Errorf("Fields = %v, want %v", got.Fields, tt.want)
			}
			if len(got.Fields) > ticket.MaxFields {
				t.Errorf("%d fields, more than MaxFields", len(got.Fields))
			}
			// The original contact's map is not modified.
			if !maps.Equal(c.Fields, before) || (tt.start == nil && c.Fields != nil) {
				t.Errorf("original Fields = %v, want %v", c.Fields, before)
			}
			if got.ID != c.ID || got.Name != c.Name || got.Language != c.Language || !got.CreatedAt.Equal(c.CreatedAt) {
				t.Errorf("WithField changed other fields: %+v", got)
			}
		})
	}
}

// A result of WithField does not share its map with the contact it came
// from, so later changes to either do not leak into the other.
func TestWithFieldResultsAreIndependent(t *testing.T) {
	c := contactWith(t, map[string]string{"plan": "gold"})
	a, err := c.WithField("city", "Lima")
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.WithField("city", "Quito")
	if err != nil {
		t.Fatal(err)
	}
	if a.Fields["city"] != "Lima" {
		t.Errorf("first result's city = %q after a later WithField, want Lima", a.Fields["city"])
	}
	if b.Fields["city"] != "Quito" || b.Fields["plan"] != "gold" {
		t.Errorf("second result = %v", b.Fields)
	}
	if _, ok := c.Fields["city"]; ok {
		t.Errorf("original contact gained a field: %v", c.Fields)
	}
	if b.Version != c.Version {
		t.Errorf("Version = %d after two changes, want %d: WithField leaves it alone", b.Version, c.Version)
	}
}

// R19: a field key is a template variable's last part, so that every field
// set can be rendered ({{contact.fields.plan}}).
func TestValidateFieldKey(t *testing.T) {
	good := []string{"plan", "a", "customer_no", "x9", "a_", strings.Repeat("k", ticket.MaxFieldKeyLen)}
	for _, k := range good {
		if err := ticket.ValidateFieldKey(k); err != nil {
			t.Errorf("ValidateFieldKey(%q) = %v, want nil", k, err)
		}
	}
	bad := []string{"", "Plan", "9lives", "_plan", "plan.tier", "plan-tier", "plan tier", "plán", "plan\x00",
		strings.Repeat("k", ticket.MaxFieldKeyLen+1)}
	for _, k := range bad {
		err := ticket.ValidateFieldKey(k)
		if !errors.Is(err, ticket.ErrInvalid) || codeOf(err) != "invalid" {
			t.Errorf("ValidateFieldKey(%q) = %v, want ErrInvalid", k, err)
		}
	}
}

func TestValidateFieldValue(t *testing.T) {
	good := []string{"gold", " padded ", "línea 1\nlínea 2", strings.Repeat("v", ticket.MaxFieldValueBytes),
		strings.Repeat("é", ticket.MaxFieldValueBytes/2)}
	for _, v := range good {
		if err := ticket.ValidateFieldValue(v); err != nil {
			t.Errorf("ValidateFieldValue(%.20q) = %v, want nil", v, err)
		}
	}
	bad := []string{"", "go\x00ld", "gold\xff", strings.Repeat("v", ticket.MaxFieldValueBytes+1),
		strings.Repeat("é", ticket.MaxFieldValueBytes/2) + "v"}
	for _, v := range bad {
		if err := ticket.ValidateFieldValue(v); !errors.Is(err, ticket.ErrInvalid) {
			t.Errorf("ValidateFieldValue(%.20q) = %v, want ErrInvalid", v, err)
		}
	}
}

// WithField refuses what ValidateFieldKey and ValidateFieldValue refuse
// and leaves the contact as it was.
func TestWithFieldRefuses(t *testing.T) {
	for _, tt := range []struct{ key, value string }{
		{"Plan", "gold"}, {"plan.tier", "gold"}, {"plan", "go\x00ld"}, {"plan", "\xff"},
		{"plan", strings.Repeat("v", ticket.MaxFieldValueBytes+1)},
	} {
		c := contactWith(t, map[string]string{"plan": "silver"})
		got, err := c.WithField(tt.key, tt.value)
		if !errors.Is(err, ticket.ErrInvalid) {
			t.Errorf("WithField(%q, %.20q) error = %v, want ErrInvalid", tt.key, tt.value, err)
		}
		if !maps.Equal(got.Fields, map[string]string{"plan": "silver"}) {
			t.Errorf("WithField(%q, %.20q) with an error gave Fields %v", tt.key, tt.value, got.Fields)
		}
	}
}

func TestWithoutField(t *testing.T) {
	c := contactWith(t, map[string]string{"plan": "gold", "Legacy Key": "x"})
	got, err := c.WithoutField("plan")
	if err != nil || !maps.Equal(got.Fields, map[string]string{"Legacy Key": "x"}) {
		t.Fatalf("WithoutField(plan) = %v, %v", got.Fields, err)
	}
	if c.Fields["plan"] != "gold" {
		t.Errorf("WithoutField modified its receiver: %v", c.Fields)
	}
	// A present key is removed whatever its syntax: data stored before
	// the syntax was checked can still be cleaned up.
	if got, err = c.WithoutField("Legacy Key"); err != nil || len(got.Fields) != 1 {
		t.Errorf("WithoutField(legacy key) = %v, %v", got.Fields, err)
	}
	if got, err = c.WithoutField("city"); err != nil || !maps.Equal(got.Fields, c.Fields) {
		t.Errorf("WithoutField(absent) = %v, %v; want no change", got.Fields, err)
	}
	if _, err = c.WithoutField("Not A Key"); !errors.Is(err, ticket.ErrInvalid) {
		t.Errorf("WithoutField(absent, bad syntax) error = %v, want ErrInvalid", err)
	}
	if got.Version != c.Version {
		t.Errorf("Version = %d, want %d", got.Version, c.Version)
	}
}

func TestRename(t *testing.T) {
	c := contactWith(t, nil)
	for in, want := range map[string]string{
		"Ana María Pérez": "Ana María Pérez", "  Ana \t Pérez ": "Ana Pérez", "李小龍": "李小龍",
		strings.Repeat("é", ticket.MaxNameLen): strings.Repeat("é", ticket.MaxNameLen),
	} {
		got, err := c.Rename(in)
		if err != nil || got.Name != want || !got.Renamed {
			t.Errorf("Rename(%q) = %q (renamed %t), %v; want %q, renamed", in, got.Name, got.Renamed, err, want)
		}
		if got.Version != c.Version {
			t.Errorf("Rename changed Version to %d", got.Version)
		}
	}
	for _, in := range []string{"", " \t\n", "Ana\x00", "Ana\u0007", "Ana\xff", strings.Repeat("é", ticket.MaxNameLen+1)} {
		got, err := c.Rename(in)
		if !errors.Is(err, ticket.ErrInvalid) || codeOf(err) != "invalid" {
			t.Errorf("Rename(%q) error = %v, want ErrInvalid", in, err)
		}
		if got.Name != c.Name || got.Renamed {
			t.Errorf("Rename(%q) with an error gave name %q (renamed %t)", in, got.Name, got.Renamed)
		}
	}
}
