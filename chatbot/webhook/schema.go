package webhook

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// The JSON of a turn and of a reply, as docs/webhook.md describes it.
// Names are snake_case and stable; times are RFC 3339 in UTC; state is the
// standard base64 of the opaque bytes.

type fileJSON struct {
	Name string `json:"name"`
	MIME string `json:"mime"`
	Size int64  `json:"size"`
	Ref  string `json:"ref"`
}

type contactJSON struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Language string            `json:"language"`
	Fields   map[string]string `json:"fields"`
}

type inboundJSON struct {
	ID    string     `json:"id"`
	Text  string     `json:"text"`
	Files []fileJSON `json:"files,omitempty"`
	At    timeJSON   `json:"at,omitzero"`
}

type turnJSON struct {
	ID           string        `json:"id"`
	Kind         string        `json:"kind"`
	Bot          string        `json:"bot"`
	Workspace    string        `json:"workspace"`
	Conversation string        `json:"conversation"`
	Ticket       string        `json:"ticket"`
	Channel      string        `json:"channel"`
	Contact      contactJSON   `json:"contact"`
	Messages     []inboundJSON `json:"messages"`
	State        stateJSON     `json:"state,omitempty"`
	At           timeJSON      `json:"at,omitzero"`
}

type messageJSON struct {
	Text  string     `json:"text,omitempty"`
	Files []fileJSON `json:"files,omitempty"`
}

type replyJSON struct {
	Messages []messageJSON     `json:"messages"`
	Actions  []json.RawMessage `json:"actions"`
	State    stateJSON         `json:"state,omitempty"`
}

// stateJSON is bytes as a standard base64 string, and only as one:
// encoding/json would take an array of numbers too.
type stateJSON []byte

func (s *stateJSON) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*s = nil
		return nil
	}
	if data[0] != '"' {
		return fmt.Errorf("field \"state\" is a JSON %s, want a base64 string", jsonValue(data))
	}
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return err
	}
	b, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return fmt.Errorf("field \"state\" is not standard base64: %v", err)
	}
	*s = b
	return nil
}

// timeJSON is a time as an RFC 3339 string, written in UTC.
type timeJSON struct{ time.Time }

func (t *timeJSON) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		t.Time = time.Time{}
		return nil
	}
	if data[0] != '"' {
		return fmt.Errorf("field \"at\" is a JSON %s, want an RFC 3339 string", jsonValue(data))
	}
	var text string
	if err := json.Unmarshal(data, &text); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339, text)
	if err != nil {
		return fmt.Errorf("field \"at\" %q is not an RFC 3339 time", text)
	}
	t.Time = v
	return nil
}

// jsonValue names the kind of the JSON value data starts with.
func jsonValue(data []byte) string {
	switch data[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// One JSON shape per action type; Type is the action's chatbot.ActionKind
// name. Required fields are always written, optional ones only when set.
type (
	handOffJSON struct {
		Type string `json:"type"`
		Team string `json:"team,omitempty"`
		Note string `json:"note,omitempty"`
	}
	closeJSON struct {
		Type     string `json:"type"`
		Category string `json:"category,omitempty"`
		Summary  string `json:"summary,omitempty"`
	}
	assignTeamJSON struct {
		Type string `json:"type"`
		Team string `json:"team"`
		Note string `json:"note,omitempty"`
	}
	assignAgentJSON struct {
		Type  string `json:"type"`
		Agent string `json:"agent"`
		Note  string `json:"note,omitempty"`
	}
	tagJSON struct {
		Type string `json:"type"`
		Tag  string `json:"tag"`
	}
	setFieldJSON struct {
		Type  string `json:"type"`
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	unsetFieldJSON struct {
		Type string `json:"type"`
		Key  string `json:"key"`
	}
	setPriorityJSON struct {
		Type     string `json:"type"`
		Priority string `json:"priority"`
	}
	sendSnippetJSON struct {
		Type     string `json:"type"`
		Shortcut string `json:"shortcut"`
	}
	sendTemplateJSON struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	sendFileJSON struct {
		Type    string   `json:"type"`
		File    fileJSON `json:"file"`
		Caption string   `json:"caption,omitempty"`
	}
	notifyJSON struct {
		Type string            `json:"type"`
		Name string            `json:"name"`
		Data map[string]string `json:"data,omitempty"`
	}
	turnOffJSON struct {
		Type string `json:"type"`
	}
)

// EncodeTurn returns the JSON of t, the body of the request a Bot sends.
// It checks only what the schema cannot hold: a turn kind that has no
// name is an error wrapping chatbot.ErrInvalid. The engine validates
// turns (chatbot.Turn.Validate) before it gives them to a bot.
func EncodeTurn(t chatbot.Turn) ([]byte, error) {
	if !t.Kind.Valid() {
		return nil, invalid("turn %q: unknown kind %d", t.ID, t.Kind)
	}
	j := turnJSON{
		ID: string(t.ID), Kind: t.Kind.String(), Bot: t.Bot, Workspace: string(t.Workspace),
		Conversation: string(t.Conversation), Ticket: string(t.Ticket), Channel: string(t.Channel),
		Contact: contactJSON{
			ID: string(t.Contact.ID), Name: t.Contact.Name, Language: t.Contact.Language,
			Fields: t.Contact.Fields,
		},
		Messages: make([]inboundJSON, len(t.Messages)),
		State:    stateJSON(t.State),
		At:       timeJSON{utc(t.At)},
	}
	if j.Contact.Fields == nil {
		j.Contact.Fields = map[string]string{}
	}
	for i, m := range t.Messages {
		j.Messages[i] = inboundJSON{ID: string(m.ID), Text: m.Text, Files: encodeFiles(m.Files), At: timeJSON{utc(m.At)}}
	}
	return marshal(j)
}

// DecodeTurn decodes the body of a turn request: the bot's side of
// EncodeTurn. Fields the schema does not name are ignored, so that turns
// may gain fields without breaking bots. Malformed JSON, a field of the
// wrong type, an unknown kind, or a turn that chatbot.Turn.Validate
// refuses give an error wrapping chatbot.ErrInvalid.
func DecodeTurn(body []byte) (chatbot.Turn, error) {
	var j turnJSON
	if err := unmarshal("turn", body, &j, false); err != nil {
		return chatbot.Turn{}, err
	}
	kind, err := chatbot.ParseTurnKind(j.Kind)
	if err != nil {
		return chatbot.Turn{}, invalid("turn: unknown kind %q", j.Kind)
	}
	t := chatbot.Turn{
		ID: chatbot.TurnID(j.ID), Kind: kind, Bot: j.Bot, Workspace: ticket.WorkspaceID(j.Workspace),
		Conversation: conversation.ID(j.Conversation), Ticket: ticket.ID(j.Ticket), Channel: channel.ID(j.Channel),
		Contact: chatbot.Contact{
			ID: ticket.ContactID(j.Contact.ID), Name: j.Contact.Name, Language: j.Contact.Language,
		},
		State: state(j.State),
		At:    j.At.Time,
	}
	if len(j.Contact.Fields) > 0 {
		t.Contact.Fields = j.Contact.Fields
	}
	if len(j.Messages) > 0 {
		t.Messages = make([]chatbot.Inbound, len(j.Messages))
		for i, m := range j.Messages {
			t.Messages[i] = chatbot.Inbound{ID: conversation.MessageID(m.ID), Text: m.Text, Files: decodeFiles(m.Files), At: m.At.Time}
		}
	}
	if err := t.Validate(); err != nil {
		return chatbot.Turn{}, fmt.Errorf("webhook: turn: %w", err)
	}
	return t, nil
}

// EncodeReply returns the JSON of r, the body of the response a bot
// sends. It checks only what the schema cannot hold: a nil action or a
// priority that has no name is an error wrapping chatbot.ErrInvalid. The
// engine validates the rest (chatbot.Reply.Validate) and refuses what is
// invalid one message or action at a time.
func EncodeReply(r chatbot.Reply) ([]byte, error) {
	j := replyJSON{
		Messages: make([]messageJSON, len(r.Messages)),
		Actions:  make([]json.RawMessage, len(r.Actions)),
		State:    stateJSON(r.State),
	}
	for i, m := range r.Messages {
		j.Messages[i] = messageJSON{Text: m.Text, Files: encodeFiles(m.Files)}
	}
	for i, a := range r.Actions {
		v, err := encodeAction(a)
		if err != nil {
			return nil, invalid("reply: actions[%d]: %s", i, err)
		}
		raw, err := marshal(v)
		if err != nil {
			return nil, err
		}
		j.Actions[i] = raw
	}
	return marshal(j)
}

// DecodeReply decodes the body of a reply: the engine's side of
// EncodeReply. It is strict, because a misspelt field would otherwise
// apply an action without it (a "tean" would hand off to the workspace's
// queue): malformed JSON, a value that is not an object, a field the
// schema does not name, a field of the wrong type, an action without a
// type or of an unknown type, or an unknown priority give an error
// wrapping chatbot.ErrInvalid that says where. Whether each message and
// action may be applied is for chatbot.Reply.Validate.
func DecodeReply(body []byte) (chatbot.Reply, error) {
	var j replyJSON
	if err := unmarshal("reply", body, &j, true); err != nil {
		return chatbot.Reply{}, err
	}
	r := chatbot.Reply{State: state(j.State)}
	if len(j.Messages) > 0 {
		r.Messages = make([]chatbot.Message, len(j.Messages))
		for i, m := range j.Messages {
			r.Messages[i] = chatbot.Message{Text: m.Text, Files: decodeFiles(m.Files)}
		}
	}
	if len(j.Actions) > 0 {
		r.Actions = make([]chatbot.Action, len(j.Actions))
		for i, raw := range j.Actions {
			a, err := decodeAction(fmt.Sprintf("reply: actions[%d]", i), raw)
			if err != nil {
				return chatbot.Reply{}, err
			}
			r.Actions[i] = a
		}
	}
	return r, nil
}

func encodeAction(a chatbot.Action) (any, error) {
	if v := reflect.ValueOf(a); v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, errors.New("nil action")
		}
		a, _ = v.Elem().Interface().(chatbot.Action)
	}
	if a == nil {
		return nil, errors.New("nil action")
	}
	typ := a.Kind().String()
	switch a := a.(type) {
	case chatbot.HandOff:
		return handOffJSON{typ, string(a.Team), a.Note}, nil
	case chatbot.Close:
		return closeJSON{typ, a.Note.Category, a.Note.Summary}, nil
	case chatbot.AssignTeam:
		return assignTeamJSON{typ, string(a.Team), a.Note}, nil
	case chatbot.AssignAgent:
		return assignAgentJSON{typ, string(a.Agent), a.Note}, nil
	case chatbot.Tag:
		return tagJSON{typ, a.Tag}, nil
	case chatbot.Untag:
		return tagJSON{typ, a.Tag}, nil
	case chatbot.SetField:
		return setFieldJSON{typ, a.Key, a.Value}, nil
	case chatbot.UnsetField:
		return unsetFieldJSON{typ, a.Key}, nil
	case chatbot.SetPriority:
		if !a.Priority.Valid() {
			return nil, fmt.Errorf("set_priority: unknown priority %d", a.Priority)
		}
		return setPriorityJSON{typ, a.Priority.String()}, nil
	case chatbot.SendSnippet:
		return sendSnippetJSON{typ, a.Shortcut}, nil
	case chatbot.SendTemplate:
		return sendTemplateJSON{typ, a.Name}, nil
	case chatbot.SendFile:
		return sendFileJSON{typ, fileJSON(a.File), a.Caption}, nil
	case chatbot.Notify:
		return notifyJSON{typ, a.Name, a.Data}, nil
	case chatbot.TurnOff:
		return turnOffJSON{typ}, nil
	}
	return nil, fmt.Errorf("action of type %T", a)
}

func decodeAction(where string, raw json.RawMessage) (chatbot.Action, error) {
	var head struct {
		Type *string `json:"type"`
	}
	if err := unmarshal(where, raw, &head, false); err != nil {
		return nil, err
	}
	if head.Type == nil {
		return nil, invalid("%s: an action without a type", where)
	}
	kind, err := chatbot.ParseActionKind(*head.Type)
	if err != nil {
		return nil, invalid("%s: unknown action type %q", where, *head.Type)
	}
	where += " (" + kind.String() + ")"
	switch kind {
	case chatbot.KindHandOff:
		return decodeAs(where, raw, func(j handOffJSON) (chatbot.Action, error) {
			return chatbot.HandOff{Team: conversation.TeamID(j.Team), Note: j.Note}, nil
		})
	case chatbot.KindClose:
		return decodeAs(where, raw, func(j closeJSON) (chatbot.Action, error) {
			return chatbot.Close{Note: conversation.ClosingNote{Category: j.Category, Summary: j.Summary}}, nil
		})
	case chatbot.KindAssignTeam:
		return decodeAs(where, raw, func(j assignTeamJSON) (chatbot.Action, error) {
			return chatbot.AssignTeam{Team: conversation.TeamID(j.Team), Note: j.Note}, nil
		})
	case chatbot.KindAssignAgent:
		return decodeAs(where, raw, func(j assignAgentJSON) (chatbot.Action, error) {
			return chatbot.AssignAgent{Agent: conversation.AgentID(j.Agent), Note: j.Note}, nil
		})
	case chatbot.KindTag:
		return decodeAs(where, raw, func(j tagJSON) (chatbot.Action, error) { return chatbot.Tag{Tag: j.Tag}, nil })
	case chatbot.KindUntag:
		return decodeAs(where, raw, func(j tagJSON) (chatbot.Action, error) { return chatbot.Untag{Tag: j.Tag}, nil })
	case chatbot.KindSetField:
		return decodeAs(where, raw, func(j setFieldJSON) (chatbot.Action, error) {
			return chatbot.SetField{Key: j.Key, Value: j.Value}, nil
		})
	case chatbot.KindUnsetField:
		return decodeAs(where, raw, func(j unsetFieldJSON) (chatbot.Action, error) { return chatbot.UnsetField{Key: j.Key}, nil })
	case chatbot.KindSetPriority:
		return decodeAs(where, raw, func(j setPriorityJSON) (chatbot.Action, error) {
			for p := ticket.PriorityLow; p <= ticket.PriorityUrgent; p++ {
				if p.String() == j.Priority {
					return chatbot.SetPriority{Priority: p}, nil
				}
			}
			return nil, invalid("%s: unknown priority %q; want \"low\", \"normal\", \"high\" or \"urgent\"", where, j.Priority)
		})
	case chatbot.KindSendSnippet:
		return decodeAs(where, raw, func(j sendSnippetJSON) (chatbot.Action, error) {
			return chatbot.SendSnippet{Shortcut: j.Shortcut}, nil
		})
	case chatbot.KindSendTemplate:
		return decodeAs(where, raw, func(j sendTemplateJSON) (chatbot.Action, error) { return chatbot.SendTemplate{Name: j.Name}, nil })
	case chatbot.KindSendFile:
		return decodeAs(where, raw, func(j sendFileJSON) (chatbot.Action, error) {
			return chatbot.SendFile{File: chatbot.File(j.File), Caption: j.Caption}, nil
		})
	case chatbot.KindNotify:
		return decodeAs(where, raw, func(j notifyJSON) (chatbot.Action, error) {
			a := chatbot.Notify{Name: j.Name}
			if len(j.Data) > 0 {
				a.Data = j.Data
			}
			return a, nil
		})
	case chatbot.KindTurnOff:
		return decodeAs(where, raw, func(turnOffJSON) (chatbot.Action, error) { return chatbot.TurnOff{}, nil })
	}
	return nil, invalid("%s: unknown action type %q", where, *head.Type)
}

// decodeAs decodes raw strictly into J and makes the action of it.
func decodeAs[J any](where string, raw json.RawMessage, build func(J) (chatbot.Action, error)) (chatbot.Action, error) {
	var j J
	if err := unmarshal(where, raw, &j, true); err != nil {
		return nil, err
	}
	return build(j)
}

// unmarshal decodes one JSON object from body into v, refusing fields v
// does not name when strict, and anything after the object. Its errors
// wrap chatbot.ErrInvalid and say where, as what.
func unmarshal(what string, body []byte, v any, strict bool) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return invalid("%s: empty body, want a JSON object", what)
	}
	if trimmed[0] != '{' {
		return invalid("%s: not a JSON object", what)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("%s: data after the JSON object", what)
	}
	return nil
}

// jsonError says what encoding/json found wrong, in the schema's terms.
func jsonError(what string, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return invalid("%s: malformed JSON at byte %d: %v", what, syntax.Offset, err)
	case errors.As(err, &typ) && typ.Field != "":
		return invalid("%s: field %q is a JSON %s, want %s", what, typ.Field, typ.Value, jsonKind(typ.Type))
	case errors.As(err, &typ):
		return invalid("%s: a JSON %s, want %s", what, typ.Value, jsonKind(typ.Type))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("%s: malformed JSON: the body ends inside a value", what)
	}
	return invalid("%s: %s", what, strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice:
		return "an array"
	case reflect.Array:
		return "an array"
	case reflect.Map:
		return "an object"
	case reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}

// marshal encodes v without escaping <, > and &, which a bot's texts hold
// often and which need no escaping outside HTML.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, invalid("%v", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func encodeFiles(fs []chatbot.File) []fileJSON {
	if len(fs) == 0 {
		return nil
	}
	out := make([]fileJSON, len(fs))
	for i, f := range fs {
		out[i] = fileJSON(f)
	}
	return out
}

func decodeFiles(fs []fileJSON) []chatbot.File {
	if len(fs) == 0 {
		return nil
	}
	out := make([]chatbot.File, len(fs))
	for i, f := range fs {
		out[i] = chatbot.File(f)
	}
	return out
}

// state returns nil for no state: nil and empty are the same
// (chatbot.State).
func state(b []byte) chatbot.State {
	if len(b) == 0 {
		return nil
	}
	return b
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
