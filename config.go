package contactcenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/hours"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// The kinds of configuration records the engine keeps in the store
// (store.Config). Every engine on a store shares them, and they outlive
// the process (R20).
const (
	// ConfigChannel: a channel and its settings (PutChannel), named by its
	// id. Its Refs are the templates and the service it names.
	ConfigChannel store.ConfigKind = "channel"
	// ConfigTemplate: a template (PutTemplate), named by its name.
	ConfigTemplate store.ConfigKind = "template"
	// ConfigSnippet: a snippet (PutSnippet), named by its shortcut.
	ConfigSnippet store.ConfigKind = "snippet"
	// ConfigServiceHours: a service's business hours (PutServiceHours),
	// named by the service.
	ConfigServiceHours store.ConfigKind = "service_hours"
)

// Events of the configuration.
const (
	// EventConfigChanged: a configuration record was stored. Detail names
	// it and its new version (ParseConfigDetail).
	EventConfigChanged conversation.EventType = "config.changed"
	// EventConfigDeleted: a configuration record was deleted. Detail names
	// it and the version it had.
	EventConfigDeleted conversation.EventType = "config.deleted"
)

// configEvent reports whether events of type t are the configuration's.
func configEvent(t conversation.EventType) bool {
	return t == EventConfigChanged || t == EventConfigDeleted
}

// ConfigDetail returns the Detail of a configuration event: kind, name and
// version, as "kind/name@version".
func ConfigDetail(kind store.ConfigKind, name string, version int64) string {
	return string(kind) + "/" + name + "@" + strconv.FormatInt(version, 10)
}

// ParseConfigDetail reads the Detail of a configuration event
// (ConfigDetail); ok is false for any other text.
func ParseConfigDetail(detail string) (kind store.ConfigKind, name string, version int64, ok bool) {
	k, rest, found := strings.Cut(detail, "/")
	if !found {
		return "", "", 0, false
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return "", "", 0, false
	}
	v, err := strconv.ParseInt(rest[at+1:], 10, 64)
	if err != nil {
		return "", "", 0, false
	}
	return store.ConfigKind(k), rest[:at], v, true
}

// configRecheck is how long the engine uses its copy of a workspace's
// configuration, outside a contact's message, before it reads the
// revision again. A contact's message reads it in its own transaction.
const configRecheck = time.Second

// monoStart is the origin of monoNow.
var monoStart = time.Now()

// monoNow returns the time since monoStart on the monotonic clock, in
// nanoseconds: when a copy of the configuration was checked is the
// engine's housekeeping, not a rule's time, so it does not use the
// engine's clock.
func monoNow() int64 { return int64(time.Since(monoStart)) }

// wsConfig is an engine's copy of a workspace's configuration, as of one
// revision. It is never changed once built: a newer revision replaces it.
type wsConfig struct {
	ws        ticket.WorkspaceID
	rev       int64
	gen       uint64       // the engine's transports it was bound with (Engine.transportGen)
	checked   atomic.Int64 // when the revision was last read (monoNow); stale: never
	channels  map[channel.ID]*boundChannel
	unbound   map[channel.ID]error // stored channels this engine cannot serve
	templates map[string]*template.Template
	services  map[string]*hours.Hours
	snippets  *template.Snippets
	wf        *wfConfig // the workflows; nil when there are none (R16)
}

// template returns the template named name.
func (c *wsConfig) template(name string) (*template.Template, error) {
	if t := c.templates[name]; t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("template %q: %w", name, template.ErrNotFound)
}

// cached returns the engine's copy of workspace ws's configuration, nil
// when it has none.
func (e *Engine) cached(ws ticket.WorkspaceID) *wsConfig {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.configs[ws]
}

// config returns workspace ws's configuration as of tx when given, or of
// a read of its own when tx is nil. A copy checked within configRecheck
// is used as it is unless exact: then the revision is read in tx; the
// records are read again only when it moved.
func (e *Engine) config(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, exact bool) (*wsConfig, error) {
	c := e.cached(ws)
	if c != nil && !exact && monoNow()-c.checked.Load() < int64(configRecheck) && c.gen == e.transportGen.Load() {
		return c, nil
	}
	if tx == nil {
		var out *wsConfig
		err := e.store.View(ctx, func(tx store.Tx) (err error) {
			out, err = e.loadConfig(ctx, tx, ws, c)
			return err
		})
		return out, err
	}
	return e.loadConfig(ctx, tx, ws, c)
}

// haveConfig makes sure the engine has a copy of workspace ws's
// configuration checked within configRecheck, reading it in tx if not,
// for the decisions that read it without a transaction (R3, R11).
func (e *Engine) haveConfig(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID) error {
	_, err := e.config(ctx, tx, ws, false)
	return err
}

// configAt returns workspace ws's configuration at revision rev, which
// tx read: the engine's copy when it is of rev, else read in tx.
func (e *Engine) configAt(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, rev int64) (*wsConfig, error) {
	return e.loadAt(ctx, tx, ws, e.cached(ws), rev)
}

// loadConfig reads ws's revision in tx, and its records when the
// revision is not that of c, and keeps the result as the engine's copy.
func (e *Engine) loadConfig(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, c *wsConfig) (*wsConfig, error) {
	rev, err := tx.ConfigRevision(ctx, ws)
	if err != nil {
		return nil, err
	}
	return e.loadAt(ctx, tx, ws, c, rev)
}

// loadAt is loadConfig with the revision read.
func (e *Engine) loadAt(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, c *wsConfig, rev int64) (*wsConfig, error) {
	gen := e.transportGen.Load()
	if c != nil && c.rev == rev && c.gen == gen {
		c.checked.Store(monoNow())
		return c, nil
	}
	recs, err := tx.Configs(ctx, ws, "")
	if err != nil {
		return nil, err
	}
	n := e.buildConfig(ctx, ws, rev, recs)
	n.gen = gen
	n.checked.Store(monoNow())
	e.mu.Lock()
	if e.transportGen.Load() != gen {
		n.checked.Store(staleMark) // transports changed while it was built
	}
	// A copy of a later revision, or bound with later transports, stays.
	if cur := e.configs[ws]; cur == nil || cur.rev < rev || (cur.rev == rev && cur.gen <= gen) {
		e.configs[ws] = n
	}
	e.mu.Unlock()
	return n, nil
}

// changed follows a step that changed workspace ws's configuration (st
// nil: it failed): the engine's copy is marked to be read again; after a
// commit, committed runs (PutChannel's transport is installed), the
// committed revision is read, and then the step is advanced, so that the
// reactions it started (automatic assignment on a channel's change) see
// the change.
func (e *Engine) changed(ctx context.Context, ws ticket.WorkspaceID, st *step, committed func()) {
	e.stale(ws)
	if st == nil {
		return
	}
	if committed != nil {
		committed()
	}
	// The committed revision is read at once: a reader of the one before,
	// refreshing its copy meanwhile, cannot hide the change from the
	// reactions advance runs, since a later revision's copy stays.
	if _, err := e.config(ctx, nil, ws, true); err != nil {
		e.log.WarnContext(ctx, "the configuration could not be read after a change; it is read at its next use", "workspace", ws, "err", err)
	}
	e.advance(ctx, st)
}

// staleMark is the check time of a copy that must be read again.
const staleMark = -1 << 62

// stale marks the engine's copy of workspace ws's configuration to be
// read again at its next use, after the engine changed it. The copy
// itself stays whole for the calls that hold it.
func (e *Engine) stale(ws ticket.WorkspaceID) {
	if c := e.cached(ws); c != nil {
		c.checked.Store(staleMark)
	}
}

// buildConfig decodes a workspace's records. A record the engine cannot
// decode is logged and left out; a channel no transport serves is kept
// among the unbound, so that its use fails saying why.
func (e *Engine) buildConfig(ctx context.Context, ws ticket.WorkspaceID, rev int64, recs []store.Config) *wsConfig {
	c := &wsConfig{
		ws:        ws,
		rev:       rev,
		channels:  make(map[channel.ID]*boundChannel),
		unbound:   make(map[channel.ID]error),
		templates: make(map[string]*template.Template),
		services:  make(map[string]*hours.Hours),
		snippets:  new(template.Snippets),
	}
	var chans []channel.Channel
	for _, r := range recs {
		var err error
		switch r.Kind {
		case ConfigTemplate:
			var t *template.Template
			if t, err = decodeTemplate(r.Name, r.Body); err == nil {
				c.templates[r.Name] = t
			}
		case ConfigSnippet:
			var t *template.Template
			if t, err = decodeTemplate(r.Name, r.Body); err == nil {
				err = c.snippets.Put(template.Snippet{Shortcut: r.Name, Template: t})
			}
		case ConfigServiceHours:
			var s hours.Schedule
			if err = json.Unmarshal(r.Body, &s); err == nil {
				var h *hours.Hours
				if h, err = hours.New(s); err == nil {
					c.services[r.Name] = h
				}
			}
		case ConfigChannel:
			var ch channel.Channel
			if err = json.Unmarshal(r.Body, &ch); err == nil {
				chans = append(chans, ch)
			} else {
				c.unbound[channel.ID(r.Name)] = fmt.Errorf("%w: channel %q: stored configuration unreadable: %v", channel.ErrInvalid, r.Name, err)
			}
		default:
			continue // a kind of another feature
		}
		if err != nil {
			e.log.ErrorContext(ctx, "a stored configuration record cannot be read; it is left out", "workspace", ws, "kind", r.Kind, "name", r.Name, "version", r.Version, "err", err)
		}
	}
	c.wf = e.buildWorkflows(ctx, ws, recs)
	for _, ch := range chans {
		b, err := e.bind(ch)
		if err != nil {
			c.unbound[ch.ID] = err
			e.log.WarnContext(ctx, "a stored channel cannot be served by this engine", "workspace", ws, "channel", ch.ID, "err", err)
			continue
		}
		c.channels[ch.ID] = b
	}
	return c
}

// transport returns the transport of channels of kind on account: the one
// put for the account, else the one for every account of the kind.
func (e *Engine) transport(kind channel.Kind, account string) channel.Transport {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if t := e.transports[limiterKey{kind, account}]; t != nil {
		return t
	}
	return e.transports[limiterKey{kind, ""}]
}

// PutTransport gives the engine the transport of channels of kind on
// account, or, with account "", on every account of the kind that has
// none of its own. Channels are configuration, kept in the store and
// shared by the engines on it; transports are code, which each engine is
// given: a stored channel is served by an engine that has its transport,
// and fails with channel.ErrNoTransport on one that has not (R20). Putting
// a transport again replaces it.
func (e *Engine) PutTransport(kind channel.Kind, account string, t channel.Transport) error {
	if kind == "" || t == nil {
		return wrap("put transport", fmt.Errorf("%w: a transport needs a kind and a transport", channel.ErrInvalid))
	}
	e.mu.Lock()
	old := e.transports[limiterKey{kind, account}]
	e.transports[limiterKey{kind, account}] = t
	if old != t {
		// The channels bind again at their next use.
		e.transportGen.Add(1)
		for _, c := range e.configs {
			c.checked.Store(staleMark)
		}
	}
	e.mu.Unlock()
	return nil
}

// bind binds a stored channel to its transport and account limiter.
func (e *Engine) bind(c channel.Channel) (*boundChannel, error) {
	t := e.transport(c.Kind, c.Account)
	if t == nil {
		return nil, fmt.Errorf("channel %q: kind %q, account %q: %w (Engine.PutTransport)", c.ID, c.Kind, c.Account, channel.ErrNoTransport)
	}
	caps := t.Capabilities()
	e.mu.Lock()
	lim := e.limiters[limiterKey{c.Kind, c.Account}]
	if lim == nil || lim.Limits() != caps.Limits {
		lim = channel.NewLimiter(caps.Limits)
		e.limiters[limiterKey{c.Kind, c.Account}] = lim
	}
	e.mu.Unlock()
	b := &boundChannel{cfg: c, transport: t, caps: caps, limiter: lim}
	if o := c.Settings.OutOfHours; o.Template != "" && o.Service == "" {
		b.hours, _ = hours.New(o.Hours) // checked by Validate
	}
	return b, nil
}

// MaxConfigName is the longest name, in bytes, of a workspace or of a
// configuration record (a channel's id, a template's name, a snippet's
// shortcut, a service).
const MaxConfigName = 200

// checkConfigName checks the workspace and the name of a configuration
// record of kind: text of at most MaxConfigName bytes, valid UTF-8 without
// control characters, so that every store keeps the same names. Its error
// is the kind's domain's ErrInvalid.
func checkConfigName(kind store.ConfigKind, ws ticket.WorkspaceID, name string) error {
	invalid := invalidOf(kind)
	for _, v := range [...]struct{ what, s string }{{"workspace", string(ws)}, {string(kind) + " name", name}} {
		switch {
		case v.s == "":
			return fmt.Errorf("%w: empty %s", invalid, v.what)
		case len(v.s) > MaxConfigName:
			return fmt.Errorf("%w: %s of %d bytes, beyond %d", invalid, v.what, len(v.s), MaxConfigName)
		case !utf8.ValidString(v.s):
			return fmt.Errorf("%w: %s %q is not UTF-8", invalid, v.what, v.s)
		case strings.IndexFunc(v.s, unicode.IsControl) >= 0:
			return fmt.Errorf("%w: %s %q has control characters", invalid, v.what, v.s)
		}
	}
	return nil
}

// invalidOf returns the sentinel of invalid configuration of kind.
func invalidOf(kind store.ConfigKind) error {
	switch kind {
	case ConfigChannel:
		return channel.ErrInvalid
	case ConfigServiceHours:
		return hours.ErrInvalid
	default:
		return template.ErrInvalid
	}
}

// templateBody is the stored form of a template or a snippet.
type templateBody struct {
	Variants []variantBody `json:"variants"`
}

type variantBody struct {
	Language string `json:"language"`
	Text     string `json:"text"`
}

func encodeTemplate(t *template.Template) ([]byte, error) {
	var b templateBody
	for _, v := range t.Variants() {
		if !conversation.Storable(v.Text) || !conversation.Storable(v.Language) {
			return nil, fmt.Errorf("%w: template %q: a variant's text that is not UTF-8 without NUL bytes", template.ErrInvalid, t.Name())
		}
		b.Variants = append(b.Variants, variantBody(v))
	}
	return json.Marshal(b)
}

func decodeTemplate(name string, body []byte) (*template.Template, error) {
	var b templateBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, err
	}
	vs := make([]template.Variant, len(b.Variants))
	for i, v := range b.Variants {
		vs[i] = template.Variant(v)
	}
	return template.New(name, vs...)
}

// mayConfigure checks, before any work, that actor by may change the
// configuration of workspace ws, doing what: no actor (or an invalid one)
// is CodeInvalid, a contact CodeForbidden (conversation.Actor.MayAdminister).
// An agent's role is known only once loaded: the step checks it again
// (configBy).
func mayConfigure(by conversation.Actor, ws ticket.WorkspaceID, what string) error {
	if err := by.Validate(); err != nil {
		return err
	}
	if by.Kind == conversation.ActorAgent {
		return nil
	}
	return by.MayAdminister(ws, what)
}

// configBy resolves actor by in tx (actorFor: an agent is loaded, for their
// workspace and role) and checks that they may change the configuration of
// workspace ws, doing what: the host, the engine's rules, a bot, a workflow
// and a supervisor of ws may; a contact and an agent who is not a
// supervisor of ws may not (CodeForbidden).
func configBy(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, by conversation.Actor, what string) error {
	who, err := actorFor(ctx, tx, ws, by)
	if err != nil {
		return err
	}
	return who.MayAdminister(ws, what)
}

// putConfig stores record (kind, name) of workspace ws with body and refs
// in one step made by actor by, with its config.changed event, which
// carries by, from the version stored (a new record at 1). by must be
// allowed to (configBy, doing what); check runs next in the same
// transaction.
func (e *Engine) putConfig(ctx context.Context, op string, by conversation.Actor, what string, ws ticket.WorkspaceID, kind store.ConfigKind, name string, body []byte, refs []store.ConfigRef, check func(store.Tx, *step) error, committed func()) error {
	if err := checkConfigName(kind, ws, name); err != nil {
		return wrap(op, err)
	}
	st, err := e.exec(ctx, op, by, func(tx store.Tx, s *step) error {
		if err := configBy(ctx, tx, ws, by, what); err != nil {
			return err
		}
		if check != nil {
			if err := check(tx, s); err != nil {
				return err
			}
		}
		var version int64 = 1
		switch old, err := tx.Config(ctx, ws, kind, name); {
		case err == nil:
			version = old.Version + 1
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if err := tx.PutConfig(ctx, store.Config{Workspace: ws, Kind: kind, Name: name, Version: version, Body: body, Refs: refs}); err != nil {
			return err
		}
		return s.emit(ctx, tx, &conversation.Event{Type: EventConfigChanged, Workspace: ws, At: s.now(), Detail: ConfigDetail(kind, name, version)})
	})
	e.changed(ctx, ws, st, committed)
	return err
}

// deleteConfig deletes record (kind, name) of workspace ws in one step
// made by actor by, who must be allowed to (configBy, doing what), with its
// config.deleted event, which carries by. notFound is the error of a
// record that does not exist.
func (e *Engine) deleteConfig(ctx context.Context, op string, by conversation.Actor, what string, ws ticket.WorkspaceID, kind store.ConfigKind, name string, notFound error) error {
	if ws == "" || name == "" {
		return wrap(op, fmt.Errorf("%w: a workspace and a name", notFound))
	}
	if err := checkConfigName(kind, ws, name); err != nil {
		return wrap(op, err)
	}
	if err := mayConfigure(by, ws, what); err != nil {
		return wrap(op, err)
	}
	st, err := e.exec(ctx, op, by, func(tx store.Tx, s *step) error {
		if err := configBy(ctx, tx, ws, by, what); err != nil {
			return err
		}
		old, err := tx.Config(ctx, ws, kind, name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s %q of workspace %q: %w", kind, name, ws, notFound)
		} else if err != nil {
			return err
		}
		if err := tx.DeleteConfig(ctx, ws, kind, name, old.Version); err != nil {
			var re *store.ReferencedError
			if errors.As(err, &re) {
				return &inUseError{re}
			}
			return err
		}
		return s.emit(ctx, tx, &conversation.Event{Type: EventConfigDeleted, Workspace: ws, At: s.now(), Detail: ConfigDetail(kind, name, old.Version)})
	})
	e.changed(ctx, ws, st, nil)
	return err
}

// inUseError is the refusal to delete a record that others name: it says
// which, and is CodeConflict. errors.As finds the store's
// *store.ReferencedError in it.
type inUseError struct{ re *store.ReferencedError }

func (e *inUseError) Error() string {
	by := make([]string, len(e.re.By))
	for i, r := range e.re.By {
		by[i] = r.String()
	}
	return fmt.Sprintf("%s is in use: named by %s", e.re.Config, strings.Join(by, ", "))
}

// Code returns "conflict": the deletion is possible once nothing names
// the record.
func (e *inUseError) Code() string { return string(CodeConflict) }

// Unwrap returns the store's error.
func (e *inUseError) Unwrap() error { return e.re }
