package contactcenter

import (
	"context"
	"fmt"
	"strings"
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

// automatic adds to ch, the change of a contact's message on channel b,
// the automatic messages the channel sends: the new-conversation template
// when the message opens a conversation (R5), and the out-of-hours template
// when the channel is closed, once per conversation per closed period (R4).
// They are rendered in the contact's language.
func (e *Engine) automatic(ctx context.Context, tx store.Tx, b *boundChannel, ch *conversation.Change, contact *ticket.Contact, now time.Time) error {
	var h conversation.Hours
	if b.hours != nil {
		h = b.hours
	} else if name := b.cfg.Settings.OutOfHours.Service; name != "" && b.cfg.Settings.OutOfHours.Template != "" {
		if sh := e.serviceHours(b.cfg.Workspace, name); sh != nil {
			h = sh
		}
	}
	plan := conversation.PlanAutomatic(ch, b.cfg.Settings.Welcome != "", h, now)
	if plan.Welcome {
		if err := e.addAutomatic(ctx, tx, ch, contact, b.cfg.Settings.Welcome, now); err != nil {
			return err
		}
	}
	if !plan.OutOfHours {
		return nil
	}
	n := len(ch.Automatic())
	if err := e.addAutomatic(ctx, tx, ch, contact, b.cfg.Settings.OutOfHours.Template, now); err != nil || len(ch.Automatic()) == n {
		return err
	}
	ch.MarkOutOfHours(plan.PeriodEnd)
	return nil
}

// addAutomatic renders the template name of the conversation's workspace
// for ch and adds it as an automatic message.
func (e *Engine) addAutomatic(ctx context.Context, tx store.Tx, ch *conversation.Change, contact *ticket.Contact, name string, now time.Time) error {
	t, err := e.Template(ch.Conversation.Workspace, name)
	if err != nil {
		return err
	}
	var tk ticket.Ticket
	if ch.TicketWrite != conversation.Keep {
		tk = ch.Ticket
	}
	d, err := e.templateData(ctx, tx, &ch.Conversation, contact, &tk)
	if err != nil {
		return err
	}
	text := t.Render(contact.Language, d)
	if strings.TrimSpace(text) == "" {
		return nil // every variable fell back to nothing: no message
	}
	return ch.AddAutomatic(conversation.Message{ID: conversation.MessageID(e.newID()), Text: text}, now)
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
