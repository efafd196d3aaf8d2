package ticket_test

import (
	"errors"
	"fmt"
	"maps"
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
				if got.Version != c.Version+1 {
					t.Errorf("Version = %d, want %d", got.Version, c.Version+1)
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
	if b.Version != c.Version+2 {
		t.Errorf("Version = %d after two changes, want %d", b.Version, c.Version+2)
	}
}
