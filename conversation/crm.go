package conversation

import (
	"fmt"
	"strings"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/ticket"
)

// mayEdit reports whether actor a may change the records of workspace ws:
// a ticket's priority and tags, a contact's custom fields and name. The
// host, the engine's rules, the automations (a bot's and a workflow's
// "tag" and "set field" steps, R2, R16) and every agent of the workspace
// may; a contact may not, nor an agent of another workspace.
func (a Actor) mayEdit(ws ticket.WorkspaceID, what string) error {
	if err := a.Validate(); err != nil {
		return err
	}
	switch {
	case a.Kind == ActorContact:
		return fmt.Errorf("contact %q may not %s: %w", a.ID, what, ErrForbidden)
	case a.Kind == ActorAgent && a.Workspace != ws:
		return fmt.Errorf("agent %q of another workspace: %w", a.ID, ErrForbidden)
	}
	return nil
}

// ticketRef is the conversation a ticket event names: ticket t's open
// conversation, if any.
func ticketRef(t *ticket.Ticket, open *Conversation) Conversation {
	ref := Conversation{Workspace: t.Workspace, Ticket: t.ID, TicketNumber: t.Number}
	if open != nil {
		ref.ID = open.ID
	}
	return ref
}

// SetPriority sets ticket t's priority, by actor by (mayEdit); its open
// conversation, if any, takes it too, which orders the queue (R11). The
// ticket and the conversation are written with their versions raised by
// one, with a ticket.priority_changed event. Setting the priority the
// ticket has is a no-op: an empty Change.
func SetPriority(t *ticket.Ticket, open *Conversation, by Actor, p ticket.Priority, now time.Time) (Change, error) {
	var ch Change
	if err := by.mayEdit(t.Workspace, "set a ticket's priority"); err != nil {
		return ch, err
	}
	nt, err := t.WithPriority(p)
	if err != nil || t.Priority == p {
		return ch, err
	}
	nt.Version++
	ch.setTicket(nt, Update)
	if open != nil {
		cv := *open
		cv.Priority = p
		cv.Version++
		ch.setConversation(cv, Update)
	}
	ref := ticketRef(t, open)
	ch.emit(EventTicketPriority, &ref, now, Event{Agent: by.Agent()})
	return ch, nil
}

// TagTicket adds tag (ticket.Tag says which tags are valid) to ticket t,
// by actor by (mayEdit), with a ticket.tagged event that names the
// ticket's open conversation, open, if any. A closed ticket may be tagged.
// Adding a tag the ticket has is a no-op: an empty Change.
func TagTicket(t *ticket.Ticket, open *Conversation, by Actor, tag string, now time.Time) (Change, error) {
	var ch Change
	if err := by.mayEdit(t.Workspace, "tag tickets"); err != nil {
		return ch, err
	}
	tag, err := ticket.Tag(tag)
	if err != nil {
		return ch, fmt.Errorf("ticket #%d: %w", t.Number, err)
	}
	if t.HasTag(tag) {
		return ch, nil
	}
	nt, err := t.WithTag(tag)
	if err != nil {
		return ch, fmt.Errorf("ticket #%d: %w", t.Number, err)
	}
	nt.Version++
	ch.setTicket(nt, Update)
	ref := ticketRef(t, open)
	ch.emit(EventTicketTagged, &ref, now, Event{Agent: by.Agent(), Contact: t.Contact, Detail: tag})
	return ch, nil
}

// UntagTicket removes tag from ticket t, by actor by (mayEdit), with a
// ticket.untagged event. Removing a tag the ticket does not have is a
// no-op, but a tag ticket.Tag refuses is an error all the same.
func UntagTicket(t *ticket.Ticket, open *Conversation, by Actor, tag string, now time.Time) (Change, error) {
	var ch Change
	if err := by.mayEdit(t.Workspace, "untag tickets"); err != nil {
		return ch, err
	}
	if !t.HasTag(tag) {
		if _, err := ticket.Tag(tag); err != nil {
			return ch, fmt.Errorf("ticket #%d: %w", t.Number, err)
		}
		return ch, nil
	}
	nt := t.WithoutTag(tag)
	nt.Version++
	ch.setTicket(nt, Update)
	ref := ticketRef(t, open)
	ch.emit(EventTicketUntagged, &ref, now, Event{Agent: by.Agent(), Contact: t.Contact, Detail: strings.TrimSpace(tag)})
	return ch, nil
}

// contactChange returns the change that writes nc, contact c changed, with
// its version raised by one and an event of type typ about it.
func contactChange(c *ticket.Contact, nc ticket.Contact, by Actor, typ EventType, detail string, now time.Time) Change {
	nc.Version = c.Version + 1
	ch := Change{Contact: nc, ContactWrite: Update}
	ch.Emit(Event{Type: typ, Workspace: c.Workspace, At: now, Contact: c.ID, Agent: by.Agent(), Detail: detail})
	return ch
}

// SetContactField sets contact c's custom field key to value, by actor by
// (mayEdit), with a contact.field_set event. The key must pass
// ticket.ValidateFieldKey and the value ticket.ValidateFieldValue; an
// empty value is refused (UnsetContactField removes a field), so that each
// event says what was done. Setting the value the field has is a no-op:
// an empty Change.
func SetContactField(c *ticket.Contact, by Actor, key, value string, now time.Time) (Change, error) {
	if err := by.mayEdit(c.Workspace, "set contact fields"); err != nil {
		return Change{}, err
	}
	if value == "" {
		return Change{}, fmt.Errorf("%w: empty value for field %q of contact %q: UnsetContactField removes a field", ErrInvalid, key, c.ID)
	}
	nc, err := c.WithField(key, value)
	if err != nil {
		return Change{}, fmt.Errorf("contact %q: %w", c.ID, err)
	}
	if old, ok := c.Fields[key]; ok && old == value {
		return Change{}, nil
	}
	return contactChange(c, nc, by, EventContactFieldSet, key, now), nil
}

// UnsetContactField removes contact c's custom field key, by actor by
// (mayEdit), with a contact.field_unset event. Removing a field the contact
// does not have is a no-op, but a key ticket.ValidateFieldKey refuses is
// an error all the same.
func UnsetContactField(c *ticket.Contact, by Actor, key string, now time.Time) (Change, error) {
	if err := by.mayEdit(c.Workspace, "unset contact fields"); err != nil {
		return Change{}, err
	}
	nc, err := c.WithoutField(key)
	if err != nil {
		return Change{}, fmt.Errorf("contact %q: %w", c.ID, err)
	}
	if _, ok := c.Fields[key]; !ok {
		return Change{}, nil
	}
	return contactChange(c, nc, by, EventContactFieldUnset, key, now), nil
}

// RenameContact gives contact c the name name, as ticket.ContactName makes
// it, by actor by (mayEdit), with a contact.renamed event; the contact is
// then Renamed, and the name their channel gives no longer replaces it.
// Giving a renamed contact the name they have is a no-op: an empty Change.
func RenameContact(c *ticket.Contact, by Actor, name string, now time.Time) (Change, error) {
	if err := by.mayEdit(c.Workspace, "rename contacts"); err != nil {
		return Change{}, err
	}
	nc, err := c.Rename(name)
	if err != nil {
		return Change{}, fmt.Errorf("contact %q: %w", c.ID, err)
	}
	if nc.Name == c.Name && c.Renamed {
		return Change{}, nil
	}
	return contactChange(c, nc, by, EventContactRenamed, "", now), nil
}

// LinkContact decides that contact c becomes known on channel ch by
// externalID as well, by actor by (mayEdit), with a contact.linked event
// whose Detail is the channel. The contact is written with its version
// raised, so that two changes of one contact at once collide; the caller
// stores the identity. The channel and the external id must be
// non-empty UTF-8 text without NUL bytes (Storable).
func LinkContact(c *ticket.Contact, by Actor, ch channel.ID, externalID string, now time.Time) (Change, error) {
	if err := by.mayEdit(c.Workspace, "link contacts"); err != nil {
		return Change{}, err
	}
	if ch == "" || externalID == "" || !Storable(string(ch)) || !Storable(externalID) {
		return Change{}, fmt.Errorf("%w: contact %q: a channel and an external id (UTF-8 text without NUL bytes) are required", ErrInvalid, c.ID)
	}
	return contactChange(c, *c, by, EventContactLinked, string(ch), now), nil
}

// MergeContacts decides that contact from is merged into contact into,
// by actor by (mayEdit), with one contact.merged event about into whose
// Detail is from's id. Into is written with its version raised; the
// caller moves from's identities, tickets and conversations and deletes
// from. A contact cannot be merged into itself, nor across workspaces.
func MergeContacts(into, from *ticket.Contact, by Actor, now time.Time) (Change, error) {
	if err := by.mayEdit(into.Workspace, "merge contacts"); err != nil {
		return Change{}, err
	}
	switch {
	case into.ID == from.ID:
		return Change{}, fmt.Errorf("%w: contact %q cannot be merged into itself", ErrInvalid, into.ID)
	case into.Workspace != from.Workspace:
		return Change{}, fmt.Errorf("%w: contacts %q and %q are of different workspaces", ErrInvalid, into.ID, from.ID)
	}
	return contactChange(into, *into, by, EventContactMerged, string(from.ID), now), nil
}
