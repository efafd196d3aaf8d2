package contactcenter

import (
	"context"
	"fmt"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/hours"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

type templateKey struct {
	ws   ticket.WorkspaceID
	name string
}

// PutTemplate saves t in workspace ws under its name, replacing the
// template of that name. Channel settings name templates (R4, R5); a
// template must be put before a channel that names it is added.
func (e *Engine) PutTemplate(ws ticket.WorkspaceID, t *template.Template) error {
	if ws == "" || t == nil {
		return wrap("put template", fmt.Errorf("%w: a template needs a workspace and a template", template.ErrInvalid))
	}
	e.mu.Lock()
	e.templates[templateKey{ws, t.Name()}] = t
	e.mu.Unlock()
	return nil
}

// Template returns the template of workspace ws named name.
func (e *Engine) Template(ws ticket.WorkspaceID, name string) (*template.Template, error) {
	e.mu.RLock()
	t := e.templates[templateKey{ws, name}]
	e.mu.RUnlock()
	if t == nil {
		return nil, wrap("template", fmt.Errorf("template %q: %w", name, template.ErrNotFound))
	}
	return t, nil
}

// checkTemplates checks that the templates c's settings name exist.
func (e *Engine) checkTemplates(c channel.Channel) error {
	for _, name := range []string{c.Settings.Welcome, c.Settings.OutOfHours.Template} {
		if name == "" {
			continue
		}
		if _, err := e.Template(c.Workspace, name); err != nil {
			return fmt.Errorf("%w: channel %q names template %q, which does not exist in workspace %q", channel.ErrInvalid, c.ID, name, c.Workspace)
		}
	}
	return nil
}

// Render renders t for conversation id: its contact (and their language),
// ticket, assignee and channel give the values (R14, R15). Agents use it
// for snippets.
func (e *Engine) Render(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID, t *template.Template) (string, error) {
	var out string
	err := e.view(ctx, "render", func(tx store.Tx) error {
		c, err := loadConversation(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		var tk ticket.Ticket
		d, err := e.templateData(ctx, tx, &c, nil, &tk)
		if err != nil {
			return err
		}
		out = t.Render(d.Contact.Language, d)
		return nil
	})
	return out, err
}

// templateData loads the values of conversation c's variables. contact
// and tk may be given (nil: loaded); tk is filled when loaded.
func (e *Engine) templateData(ctx context.Context, tx store.Tx, c *conversation.Conversation, contact *ticket.Contact, tk *ticket.Ticket) (template.Data, error) {
	d := template.Data{Conversation: c, Contact: contact}
	if d.Contact == nil {
		k, err := tx.Contact(ctx, c.Workspace, c.Contact)
		if err != nil {
			return d, err
		}
		d.Contact = &k
	}
	if tk.ID == "" {
		t, err := tx.Ticket(ctx, c.Workspace, c.Ticket)
		if err != nil {
			return d, err
		}
		*tk = t
	}
	d.Ticket = tk
	if c.Assignee != "" {
		a, err := tx.Agent(ctx, c.Workspace, c.Assignee)
		if err == nil {
			d.Agent = &a
		}
	}
	if b, err := e.channel(c.Workspace, c.Channel); err == nil {
		d.Channel = &b.cfg
	}
	return d, nil
}

// automatic loads what the automatic messages of a contact's message on
// channel b need, in state st, before Receive decides (R4, R5): the
// templates of the messages that are due (InboundState.PlanAutomatic),
// their ids, and the values of their variables that the change does not
// carry: the contact (as decided), the channel, and the ticket and the
// assignee of an open conversation the message joins. Receive renders them
// into its change.
func (e *Engine) automatic(ctx context.Context, tx store.Tx, b *boundChannel, st *conversation.InboundState, contact *ticket.Contact, now time.Time) (conversation.Automatic, error) {
	var a conversation.Automatic
	set, ws := &b.cfg.Settings, b.cfg.Workspace
	h := e.businessHours(b)
	plan := st.PlanAutomatic(set.Welcome != "", h, now)
	if !plan.Welcome && !plan.OutOfHours {
		return a, nil
	}
	d := template.Data{Contact: contact, Channel: &b.cfg}
	if st.HasOpen {
		// A new conversation's ticket is in the change, and it has no
		// assignee yet.
		tk, err := tx.Ticket(ctx, ws, st.Open.Ticket)
		if err != nil {
			return a, err
		}
		d.Ticket = &tk
		if st.Open.Assignee != "" {
			if ag, err := tx.Agent(ctx, ws, st.Open.Assignee); err == nil {
				d.Agent = &ag
			}
		}
	}
	if plan.Welcome {
		t, err := e.Template(ws, set.Welcome)
		if err != nil {
			return a, err
		}
		a.Welcome, a.WelcomeID = template.Bound{Template: t, Data: d}, conversation.MessageID(e.newID())
	}
	if plan.OutOfHours {
		t, err := e.Template(ws, set.OutOfHours.Template)
		if err != nil {
			return a, err
		}
		a.OutOfHours, a.OutOfHoursID = template.Bound{Template: t, Data: d}, conversation.MessageID(e.newID())
		a.Hours = h
	}
	return a, nil
}

// businessHours returns the business hours channel b's out-of-hours
// message follows (R4): the channel's own or its service's; nil when it
// sends none.
func (e *Engine) businessHours(b *boundChannel) conversation.Hours {
	if b.hours != nil {
		return b.hours
	}
	if o := b.cfg.Settings.OutOfHours; o.Service != "" && o.Template != "" {
		if sh := e.serviceHours(b.cfg.Workspace, o.Service); sh != nil {
			return sh
		}
	}
	return nil
}

// PutServiceHours saves the business hours of service name in workspace
// ws, replacing those it had (R4: "the channel or its service"). Channels
// whose out-of-hours message names the service
// (channel.OutOfHours.Service) use them from their next message on. Hours
// that break a rule of package hours fail with CodeInvalid and leave the
// ones in place.
func (e *Engine) PutServiceHours(ws ticket.WorkspaceID, name string, s hours.Schedule) error {
	const op = "put service hours"
	if ws == "" || name == "" {
		return wrap(op, fmt.Errorf("%w: service hours need a workspace and a service name", hours.ErrInvalid))
	}
	h, err := hours.New(s)
	if err != nil {
		return wrap(op, fmt.Errorf("service %q: %w", name, err))
	}
	e.mu.Lock()
	e.services[templateKey{ws, name}] = h
	e.mu.Unlock()
	return nil
}

// serviceHours returns the business hours of service name, nil when it
// has none.
func (e *Engine) serviceHours(ws ticket.WorkspaceID, name string) *hours.Hours {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.services[templateKey{ws, name}]
}

// checkService checks that the service c's out-of-hours message names has
// business hours.
func (e *Engine) checkService(c channel.Channel) error {
	o := c.Settings.OutOfHours
	if o.Template == "" || o.Service == "" || e.serviceHours(c.Workspace, o.Service) != nil {
		return nil
	}
	return fmt.Errorf("%w: channel %q names service %q, which has no business hours in workspace %q (PutServiceHours first)", channel.ErrInvalid, c.ID, o.Service, c.Workspace)
}
