package dialogflow

import (
	"encoding/json"
	"math"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// UnsubscribedField is the contact field the "unsubscribe" parameter sets
// to "true": a contact's choice outlives the ticket, so it is a field of
// the contact rather than a tag of the ticket.
const UnsubscribedField = "unsubscribed"

// names are the parameter names of the table, actions and qualifiers.
var names = map[string]bool{
	"tag": true, "add_tag": true, "untag": true, "remove_tag": true, "contact_field": true, "contact_value": true,
	"unsubscribe": true, "unset_field": true, "priority": true, "snippet": true, "template": true,
	"file": true, "file_url": true, "file_caption": true, "notify": true, "notify_data": true,
	"assign_agent": true, "assign_user": true, "assign_team": true, "note": true,
	"handoff": true, "hand_off": true, "human": true, "handoff_team": true,
	"close": true, "mark_done": true, "close_category": true, "close_summary": true,
	"bot_status": true, "turn_off": true, "bot_off": true,
}

// Known reports whether name is one that ParamActions reads (in any case,
// with - for _): a name of the table, one that qualifies another's action
// (note, handoff_team…), or set_field.<key> or set_field_<key>.
func Known(name string) bool {
	n := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	return names[n] || strings.HasPrefix(n, "set_field.") || strings.HasPrefix(n, "set_field_")
}

// ParamActions returns the actions that params ask for, by the table of the
// package comment, and the problems: values of a name of the table that
// make no action, each a *ParamError. Other names are the agent's own
// slots and are ignored, as are empty values (Dialogflow sends every
// parameter of an intent, "" or [] when unfilled) and false ones.
//
// The order of the actions is fixed: tag, untag, set_field.<key> (by key),
// contact_field, unsubscribe, unset_field, priority, snippet, template,
// file, notify, then those that end the bot's hold: assign_agent,
// assign_team, handoff, close, turn_off. Only the first of the latter
// applies (chatbot.Reply.Validate).
func ParamActions(params map[string]any) ([]chatbot.Action, []error) {
	if len(params) == 0 {
		return nil, nil
	}
	m := &mapper{p: make(map[string]named, len(params))}
	for k, v := range params {
		n := strings.ReplaceAll(strings.ToLower(k), "-", "_")
		if old, ok := m.p[n]; ok && old.name < k {
			continue // two spellings of one name: keep one, deterministically
		}
		m.p[n] = named{k, v}
	}
	m.strings(func(s string) chatbot.Action { return chatbot.Tag{Tag: s} }, "tag", "add_tag")
	m.strings(func(s string) chatbot.Action { return chatbot.Untag{Tag: s} }, "untag", "remove_tag")
	m.fields()
	if f, ok := m.str("contact_field"); ok {
		if v, ok := m.str("contact_value"); ok {
			m.add(chatbot.SetField{Key: f, Value: v})
		} else {
			m.bad("contact_field", "contact_field %q without a contact_value", f)
		}
	}
	if m.truth("unsubscribe") {
		m.add(chatbot.SetField{Key: UnsubscribedField, Value: "true"})
	}
	m.strings(func(s string) chatbot.Action { return chatbot.UnsetField{Key: s} }, "unset_field")
	m.priority()
	m.strings(func(s string) chatbot.Action { return chatbot.SendSnippet{Shortcut: s} }, "snippet")
	m.strings(func(s string) chatbot.Action { return chatbot.SendTemplate{Name: s} }, "template")
	caption, _ := m.str("file_caption")
	m.strings(func(s string) chatbot.Action { return chatbot.SendFile{File: FileAt(s), Caption: caption} }, "file", "file_url")
	m.notify()
	note, _ := m.str("note")
	m.strings(func(s string) chatbot.Action { return chatbot.AssignAgent{Agent: conversation.AgentID(s), Note: note} }, "assign_agent", "assign_user")
	m.strings(func(s string) chatbot.Action { return chatbot.AssignTeam{Team: conversation.TeamID(s), Note: note} }, "assign_team")
	team, _ := m.str("handoff_team")
	for _, name := range []string{"handoff", "hand_off", "human"} {
		if b, s, ok := m.boolOrString(name); ok && (b || s != "") {
			t := team
			if s != "" {
				t = s
			}
			m.add(chatbot.HandOff{Team: conversation.TeamID(t), Note: note})
			break
		}
	}
	if m.truth("close") || m.truth("mark_done") {
		cat, _ := m.str("close_category")
		sum, _ := m.str("close_summary")
		m.add(chatbot.Close{Note: conversation.ClosingNote{Category: cat, Summary: sum}})
	}
	if v, ok := m.str("bot_status"); ok {
		switch strings.ToLower(v) {
		case "off":
			m.add(chatbot.TurnOff{})
		case "on":
		default:
			m.bad("bot_status", "bot_status %q; want \"off\" or \"on\"", v)
		}
	}
	if m.truth("turn_off") || m.truth("bot_off") {
		m.add(chatbot.TurnOff{})
	}
	return m.acts, m.errs
}

// PayloadActions returns the actions of a custom payload (a
// fulfillmentMessages[].payload of ES, a responseMessages[].payload of
// CX): with an "actions" key holding a list of objects, each object is
// mapped as parameters (ParamActions) in the list's order; otherwise the
// payload's own keys are. A payload meant for something else (a
// Messenger card) has none of the table's keys and makes no action; a
// payload is never refused.
func PayloadActions(payload map[string]any) ([]chatbot.Action, []error) {
	list, ok := payload["actions"]
	if !ok {
		return ParamActions(payload)
	}
	items, ok := list.([]any)
	if !ok {
		return nil, []error{paramError("actions", "a %s, want a list of objects", kind(list))}
	}
	var acts []chatbot.Action
	var errs []error
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			errs = append(errs, paramError("actions", "item %d is a %s, want an object", i, kind(it)))
			continue
		}
		a, e := ParamActions(obj)
		acts, errs = append(acts, a...), append(errs, e...)
	}
	return acts, errs
}

// HoldLast returns acts with the actions that end the bot's hold
// (chatbot.ActionKind.EndsHold) moved after the others, each group in its
// order, so that a reply's tags, fields and messages apply before the bot
// lets the conversation go.
func HoldLast(acts []chatbot.Action) []chatbot.Action {
	out := make([]chatbot.Action, 0, len(acts))
	for _, a := range acts {
		if !a.Kind().EndsHold() {
			out = append(out, a)
		}
	}
	for _, a := range acts {
		if a.Kind().EndsHold() {
			out = append(out, a)
		}
	}
	return out
}

// FileAt returns the file at a URL: Ref is the URL and Name the last
// element of its path.
func FileAt(ref string) chatbot.File {
	f := chatbot.File{Ref: ref}
	if u, err := url.Parse(ref); err == nil && u.Path != "" {
		if b := path.Base(u.Path); b != "/" && b != "." {
			f.Name = b
		}
	}
	return f
}

type named struct {
	name  string
	value any
}

type mapper struct {
	p    map[string]named
	acts []chatbot.Action
	errs []error
}

func (m *mapper) add(a chatbot.Action) { m.acts = append(m.acts, a) }

func (m *mapper) bad(n, format string, args ...any) {
	m.errs = append(m.errs, paramError(m.p[n].name, format, args...))
}

// str returns the parameter n as a string: a string (trimmed), a number or
// a bool; false for absent or empty.
func (m *mapper) str(n string) (string, bool) {
	p, ok := m.p[n]
	if !ok {
		return "", false
	}
	s, ok := scalar(p.value)
	if !ok {
		m.bad(n, "a %s, want a string", kind(p.value))
		return "", false
	}
	return s, s != ""
}

// strings adds one action per string of the first of names present: a
// string or a list of strings.
func (m *mapper) strings(mk func(string) chatbot.Action, names ...string) {
	for _, n := range names {
		p, ok := m.p[n]
		if !ok {
			continue
		}
		vs := []any{p.value}
		if l, ok := p.value.([]any); ok {
			vs = l
		}
		for _, v := range vs {
			s, ok := scalar(v)
			if !ok {
				m.bad(n, "a %s, want a string or a list of strings", kind(v))
				continue
			}
			if s != "" {
				m.add(mk(s))
			}
		}
	}
}

// truth reports whether parameter n is true: true, a non-zero number, or
// "true", "yes", "on", "1" (any case).
func (m *mapper) truth(n string) bool {
	b, s, ok := m.boolOrString(n)
	if ok && s != "" {
		m.bad(n, "%q; want true or false", s)
		return false
	}
	return ok && b
}

// boolOrString returns parameter n as a bool when it reads as one, else
// as a non-empty string.
func (m *mapper) boolOrString(n string) (bool, string, bool) {
	p, ok := m.p[n]
	if !ok || p.value == nil {
		return false, "", false
	}
	switch v := p.value.(type) {
	case bool:
		return v, "", true
	case float64:
		return v != 0, "", true
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "yes", "on", "1":
			return true, "", true
		case "false", "no", "off", "0", "":
			return false, "", true
		}
		return false, strings.TrimSpace(v), true
	}
	m.bad(n, "a %s, want true, false or a string", kind(p.value))
	return false, "", false
}

func (m *mapper) fields() {
	var keys []string
	for n := range m.p {
		if k, ok := strings.CutPrefix(n, "set_field."); ok {
			keys = append(keys, k)
		} else if k, ok := strings.CutPrefix(n, "set_field_"); ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		for _, n := range []string{"set_field." + k, "set_field_" + k} {
			if _, ok := m.p[n]; !ok {
				continue
			}
			if v, ok := m.str(n); ok {
				// The key keeps the agent's spelling; the engine checks it
				// (ticket.ValidateFieldKey).
				m.add(chatbot.SetField{Key: m.p[n].name[len("set_field."):], Value: v})
			}
		}
	}
}

func (m *mapper) priority() {
	p, ok := m.p["priority"]
	if !ok || p.value == nil {
		return
	}
	switch v := p.value.(type) {
	case float64:
		if v == math.Trunc(v) && ticket.Priority(v).Valid() {
			m.add(chatbot.SetPriority{Priority: ticket.Priority(v)})
			return
		}
	case string:
		s := strings.ToLower(strings.TrimSpace(v))
		if s == "" {
			return
		}
		for pr := ticket.PriorityLow; pr <= ticket.PriorityUrgent; pr++ {
			if s == pr.String() || s == strconv.Itoa(int(pr)) {
				m.add(chatbot.SetPriority{Priority: pr})
				return
			}
		}
	}
	m.bad("priority", "%s; want low, normal, high or urgent (or -1 to 2)", jsonText(p.value))
}

func (m *mapper) notify() {
	p, ok := m.p["notify"]
	if !ok || p.value == nil {
		return
	}
	data := m.data("notify_data", m.p["notify_data"].value)
	vs := []any{p.value}
	if l, ok := p.value.([]any); ok {
		vs = l
	}
	for _, v := range vs {
		switch v := v.(type) {
		case string:
			if s := strings.TrimSpace(v); s != "" {
				m.add(chatbot.Notify{Name: s, Data: data})
			}
		case map[string]any:
			name, _ := scalar(v["name"])
			if name == "" {
				m.bad("notify", "an object without a name")
				continue
			}
			m.add(chatbot.Notify{Name: name, Data: m.data("notify", v["data"])})
		default:
			m.bad("notify", "a %s, want a name or an object {\"name\", \"data\"}", kind(v))
		}
	}
}

// data returns an object of scalars as strings.
func (m *mapper) data(n string, v any) map[string]string {
	if v == nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		m.bad(n, "data is a %s, want an object", kind(v))
		return nil
	}
	d := make(map[string]string, len(obj))
	for k, x := range obj {
		s, ok := scalar(x)
		if !ok {
			s = jsonText(x)
		}
		d[k] = s
	}
	return d
}

// scalar returns a string, number or bool as a string (a string trimmed);
// nil is "".
func scalar(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return strings.TrimSpace(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return "value"
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return kind(v)
	}
	return string(b)
}
