package contactcenter

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/hours"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// TemplateChange is a request to store a template, for
// Engine.PutTemplate.
type TemplateChange struct {
	Workspace ticket.WorkspaceID
	// Template is stored under its name.
	Template *template.Template
	// By is who puts the template: the host, a supervisor of the
	// workspace, an automation (bot, workflow). An agent who is not a
	// supervisor, and a contact, may not (CodeForbidden). Required.
	By conversation.Actor
}

// PutTemplate stores template r.Template in workspace r.Workspace under
// its name, replacing the template of that name, in the store every engine
// on it shares: each uses it from its next message on (R20). Channel
// settings name templates (R4, R5); a template must be put before a
// channel that names it. No workspace, no template or no actor fails with
// CodeInvalid; an actor who may not set up the workspace with
// CodeForbidden (TemplateChange.By). The change publishes config.changed
// with r.By as its actor.
func (e *Engine) PutTemplate(ctx context.Context, r TemplateChange) error {
	const op = "put template"
	ws, t := r.Workspace, r.Template
	if ws == "" || t == nil {
		return wrap(op, fmt.Errorf("%w: a template needs a workspace and a template", template.ErrInvalid))
	}
	if err := mayConfigure(r.By, ws, "put templates"); err != nil {
		return wrap(op, err)
	}
	body, err := encodeTemplate(t)
	if err != nil {
		return wrap(op, err)
	}
	return e.putConfig(ctx, op, r.By, "put templates", ws, ConfigTemplate, t.Name(), body, nil, nil, nil)
}

// TemplateDeletion is a request to delete a template, for
// Engine.DeleteTemplate.
type TemplateDeletion struct {
	Workspace ticket.WorkspaceID
	Name      string
	// By is who deletes the template, as TemplateChange.By. Required.
	By conversation.Actor
}

// DeleteTemplate deletes template r.Name of workspace r.Workspace, made by
// r.By. A template a channel names is not deleted (R20): that fails with
// CodeConflict, naming the channels (errors.As finds a
// *store.ReferencedError). An unknown template fails with CodeNotFound
// (template.ErrNotFound); no actor with CodeInvalid, an actor who may not
// set up the workspace with CodeForbidden. The change publishes
// config.deleted with r.By as its actor.
func (e *Engine) DeleteTemplate(ctx context.Context, r TemplateDeletion) error {
	return e.deleteConfig(ctx, "delete template", r.By, "delete templates", r.Workspace, ConfigTemplate, r.Name, template.ErrNotFound)
}

// Template returns the template of workspace ws named name, as stored.
func (e *Engine) Template(ctx context.Context, ws ticket.WorkspaceID, name string) (*template.Template, error) {
	c, err := e.config(ctx, nil, ws, true)
	if err != nil {
		return nil, wrap("template", err)
	}
	t := c.templates[name]
	if t == nil {
		return nil, wrap("template", fmt.Errorf("template %q: %w", name, template.ErrNotFound))
	}
	return t, nil
}

// SnippetChange is a request to store a snippet, for Engine.PutSnippet.
type SnippetChange struct {
	Workspace ticket.WorkspaceID
	// Snippet is stored under its shortcut.
	Snippet template.Snippet
	// By is who puts the snippet, as TemplateChange.By. Required.
	By conversation.Actor
}

// PutSnippet stores snippet r.Snippet in workspace r.Workspace, replacing
// the snippet with its shortcut (R14, R20); agents find it with Snippets and
// render it with RenderSnippet. A shortcut template.ValidShortcut refuses,
// no template or no actor fails with CodeInvalid; an actor who may not set
// up the workspace with CodeForbidden. The change publishes config.changed
// with r.By as its actor.
func (e *Engine) PutSnippet(ctx context.Context, r SnippetChange) error {
	const op = "put snippet"
	ws, sn := r.Workspace, r.Snippet
	if ws == "" {
		return wrap(op, fmt.Errorf("%w: a snippet needs a workspace", template.ErrInvalid))
	}
	if err := new(template.Snippets).Put(sn); err != nil {
		return wrap(op, err)
	}
	if err := mayConfigure(r.By, ws, "put snippets"); err != nil {
		return wrap(op, err)
	}
	body, err := encodeTemplate(sn.Template)
	if err != nil {
		return wrap(op, err)
	}
	return e.putConfig(ctx, op, r.By, "put snippets", ws, ConfigSnippet, sn.Shortcut, body, nil, nil, nil)
}

// SnippetDeletion is a request to delete a snippet, for
// Engine.DeleteSnippet.
type SnippetDeletion struct {
	Workspace ticket.WorkspaceID
	Shortcut  string
	// By is who deletes the snippet, as TemplateChange.By. Required.
	By conversation.Actor
}

// DeleteSnippet deletes the snippet of workspace r.Workspace with
// r.Shortcut, made by r.By; an unknown one fails with CodeNotFound
// (template.ErrNotFound), no actor with CodeInvalid, an actor who may not
// set up the workspace with CodeForbidden. The change publishes
// config.deleted with r.By as its actor.
func (e *Engine) DeleteSnippet(ctx context.Context, r SnippetDeletion) error {
	return e.deleteConfig(ctx, "delete snippet", r.By, "delete snippets", r.Workspace, ConfigSnippet, r.Shortcut, template.ErrNotFound)
}

// Snippets returns the snippets of workspace ws whose shortcut starts
// with prefix (ignoring case and a leading '/'), in shortcut order, at
// most limit (0: all), as template.Snippets.Find does.
func (e *Engine) Snippets(ctx context.Context, ws ticket.WorkspaceID, prefix string, limit int) ([]template.Snippet, error) {
	c, err := e.config(ctx, nil, ws, true)
	if err != nil {
		return nil, wrap("snippets", err)
	}
	return c.snippets.Find(prefix, limit), nil
}

// RenderSnippet renders the snippet of workspace ws with shortcut for
// conversation id (R14), as Render does a template. An unknown shortcut
// fails with CodeNotFound (template.ErrNotFound).
func (e *Engine) RenderSnippet(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID, shortcut string) (string, error) {
	c, err := e.config(ctx, nil, ws, true)
	if err != nil {
		return "", wrap("render snippet", err)
	}
	sn, ok := c.snippets.Get(shortcut)
	if !ok {
		return "", wrap("render snippet", fmt.Errorf("snippet %q: %w", shortcut, template.ErrNotFound))
	}
	return e.Render(ctx, ws, id, sn.Template)
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
		cfg, err := e.config(ctx, tx, ws, false)
		if err != nil {
			return err
		}
		var tk ticket.Ticket
		d, err := templateData(ctx, tx, cfg, &c, nil, &tk)
		if err != nil {
			return err
		}
		out = t.Render(d.Contact.Language, d)
		return nil
	})
	return out, err
}

// templateData loads the values of conversation c's variables, its
// channel's from cfg. contact and tk may be given (nil: loaded); tk is
// filled when loaded.
func templateData(ctx context.Context, tx store.Tx, cfg *wsConfig, c *conversation.Conversation, contact *ticket.Contact, tk *ticket.Ticket) (template.Data, error) {
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
	if b, err := cfg.channel(c.Channel); err == nil {
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
func (e *Engine) automatic(ctx context.Context, tx store.Tx, cfg *wsConfig, b *boundChannel, st *conversation.InboundState, contact *ticket.Contact, now time.Time) (conversation.Automatic, error) {
	var a conversation.Automatic
	set, ws := &b.cfg.Settings, b.cfg.Workspace
	h := cfg.businessHours(b)
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
		t, err := cfg.template(set.Welcome)
		if err != nil {
			return a, err
		}
		a.Welcome, a.WelcomeID = template.Bound{Template: t, Data: d}, conversation.MessageID(e.newID())
	}
	if plan.OutOfHours {
		t, err := cfg.template(set.OutOfHours.Template)
		if err != nil {
			return a, err
		}
		a.OutOfHours, a.OutOfHoursID = template.Bound{Template: t, Data: d}, conversation.MessageID(e.newID())
		a.Hours = h
	}
	return a, nil
}

// businessHours returns the business hours channel b's out-of-hours
// message follows (R4): the channel's own or its service's in c; nil when
// it sends none.
func (c *wsConfig) businessHours(b *boundChannel) conversation.Hours {
	if b.hours != nil {
		return b.hours
	}
	if o := b.cfg.Settings.OutOfHours; o.Service != "" && o.Template != "" {
		if sh := c.services[o.Service]; sh != nil {
			return sh
		}
	}
	return nil
}

// ServiceHoursChange is a request to store a service's business hours,
// for Engine.PutServiceHours.
type ServiceHoursChange struct {
	Workspace ticket.WorkspaceID
	// Service is the service's name, which channels name
	// (channel.OutOfHours.Service).
	Service string
	Hours   hours.Schedule
	// By is who puts the hours, as TemplateChange.By. Required.
	By conversation.Actor
}

// PutServiceHours stores the business hours of service r.Service in
// workspace r.Workspace, replacing those it had (R4: "the channel or its
// service"). Channels whose out-of-hours message names the service
// (channel.OutOfHours.Service) use them from their next message on, on
// every engine of the store (R20). Hours that break a rule of package
// hours, and no actor, fail with CodeInvalid and leave the ones in place;
// an actor who may not set up the workspace fails with CodeForbidden. The
// change publishes config.changed with r.By as its actor.
func (e *Engine) PutServiceHours(ctx context.Context, r ServiceHoursChange) error {
	const op = "put service hours"
	ws, name, s := r.Workspace, r.Service, r.Hours
	if ws == "" || name == "" {
		return wrap(op, fmt.Errorf("%w: service hours need a workspace and a service name", hours.ErrInvalid))
	}
	if _, err := hours.New(s); err != nil {
		return wrap(op, fmt.Errorf("service %q: %w", name, err))
	}
	if err := mayConfigure(r.By, ws, "put service hours"); err != nil {
		return wrap(op, err)
	}
	body, err := json.Marshal(s)
	if err != nil {
		return wrap(op, err)
	}
	return e.putConfig(ctx, op, r.By, "put service hours", ws, ConfigServiceHours, name, body, nil, nil, nil)
}

// ServiceHoursDeletion is a request to delete a service's business hours,
// for Engine.DeleteServiceHours.
type ServiceHoursDeletion struct {
	Workspace ticket.WorkspaceID
	Service   string
	// By is who deletes the hours, as TemplateChange.By. Required.
	By conversation.Actor
}

// DeleteServiceHours deletes the business hours of service r.Service in
// workspace r.Workspace, made by r.By. Hours a channel names are not
// deleted: that fails with CodeConflict, naming the channels. Unknown
// hours fail with CodeNotFound (hours.ErrNotFound), no actor with
// CodeInvalid, an actor who may not set up the workspace with
// CodeForbidden. The change publishes config.deleted with r.By as its
// actor.
func (e *Engine) DeleteServiceHours(ctx context.Context, r ServiceHoursDeletion) error {
	return e.deleteConfig(ctx, "delete service hours", r.By, "delete service hours", r.Workspace, ConfigServiceHours, r.Service, hours.ErrNotFound)
}
