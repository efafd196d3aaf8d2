package cx

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
	"github.com/telenet/contactcenter/chatbot/dialogflow/internal/wire"
	"github.com/telenet/contactcenter/conversation"
)

// Client is a Dialogflow CX agent as a chatbot.Bot. Its zero value is not
// usable: Project, Location, Agent and Token are required. A Client is
// safe for concurrent use; it keeps no state of its own.
type Client struct {
	// Project, Location and Agent name the agent:
	// projects/{Project}/locations/{Location}/agents/{Agent}. Location is
	// "global" or a region ("europe-west1").
	Project, Location, Agent string
	// Environment is the agent's environment id; "" for the draft.
	Environment string
	// Endpoint is the API's base URL; "" for
	// https://dialogflow.googleapis.com for the global location and
	// https://{Location}-dialogflow.googleapis.com for a region. Tests give
	// a dialogflowfake.Server's URL.
	Endpoint string
	// Token returns the bearer token of each request.
	Token dialogflow.TokenSource
	// HTTPClient makes the requests; nil for http.DefaultClient. The
	// turn's context bounds each request (channel.Bot's turn timeout).
	HTTPClient *http.Client
	// Languages are the agent's languages, for dialogflow.Language; empty
	// to send the contact's language as it is.
	Languages []string
	// DefaultLanguage is sent when the contact's language is unknown or
	// not one of Languages; "" for dialogflow.DefaultLanguage.
	DefaultLanguage string
	// Events name the event sent for a turn without text, by kind; nil for
	// dialogflow.DefaultEvents.
	Events map[chatbot.TurnKind]string
	// Logger gets a warning for each parameter or payload that makes no
	// action; nil discards.
	Logger *slog.Logger
}

// Request is the body of a CX detectIntent request.
type Request struct {
	QueryInput QueryInput `json:"queryInput"`
}

// QueryInput is a text or an event, and the language.
type QueryInput struct {
	Text         *TextInput  `json:"text,omitempty"`
	Event        *EventInput `json:"event,omitempty"`
	LanguageCode string      `json:"languageCode"`
}

// TextInput is the contact's text.
type TextInput struct {
	Text string `json:"text"`
}

// EventInput is an event that stands for a turn without text.
type EventInput struct {
	Event string `json:"event"`
}

// Response is the part of a CX detectIntent answer the client reads.
type Response struct {
	ResponseID  string       `json:"responseId"`
	QueryResult *QueryResult `json:"queryResult"`
}

// QueryResult is the outcome of a query.
type QueryResult struct {
	Text             string            `json:"text"`
	LanguageCode     string            `json:"languageCode"`
	Parameters       map[string]any    `json:"parameters"`
	ResponseMessages []ResponseMessage `json:"responseMessages"`
	CurrentPage      *Named            `json:"currentPage"`
	Intent           *Named            `json:"intent"`
}

// Named is a page or an intent.
type Named struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
}

// ResponseMessage is one of responseMessages; the client reads text,
// payload, liveAgentHandoff and endInteraction messages.
type ResponseMessage struct {
	Text             *Text             `json:"text"`
	Payload          map[string]any    `json:"payload"`
	LiveAgentHandoff *LiveAgentHandoff `json:"liveAgentHandoff"`
	EndInteraction   *struct{}         `json:"endInteraction"`
}

// Text is a text response.
type Text struct {
	Text []string `json:"text"`
}

// LiveAgentHandoff asks for a human. Its metadata's "team" and "note"
// keys, if strings, become the HandOff's Team and Note.
type LiveAgentHandoff struct {
	Metadata map[string]any `json:"metadata"`
}

// URL returns the detectIntent URL of a session.
func (c *Client) URL(session string) string {
	ep := c.Endpoint
	if ep == "" {
		ep = "https://dialogflow.googleapis.com"
		if c.Location != "global" {
			ep = "https://" + c.Location + "-dialogflow.googleapis.com"
		}
	}
	p := "/v3/projects/" + url.PathEscape(c.Project) + "/locations/" + url.PathEscape(c.Location) + "/agents/" + url.PathEscape(c.Agent)
	if c.Environment != "" {
		p += "/environments/" + url.PathEscape(c.Environment)
	}
	return strings.TrimRight(ep, "/") + p + "/sessions/" + url.PathEscape(session) + ":detectIntent"
}

// Turn asks the agent for the reply to t, in the session of t's
// conversation (dialogflow.SessionID).
//
// CX answers every turn with all the session's parameters, not only those
// of the turn: a "tag" set three turns ago comes back on every turn. The
// client therefore keeps the parameters of the table (dialogflow.Known) of
// its last answer in the reply's State and makes actions only of what
// changed since: a parameter the agent sets once acts once, and a retried
// turn, which carries the same state, gets the same reply. A state that is
// not the client's (another bot's) counts as no parameters.
//
// Errors: ErrConfig of package dialogflow for a client without Project,
// Location, Agent or Token; a *dialogflow.APIError for a non-2xx answer;
// dialogflow.ErrBadResponse (with chatbot.ErrInvalid) for an answer that is
// not a detectIntent response; the context's error when it ends first.
func (c *Client) Turn(ctx context.Context, t chatbot.Turn) (chatbot.Reply, error) {
	switch {
	case c.Project == "" || c.Location == "" || c.Agent == "" || c.Token == nil:
		return chatbot.Reply{}, wire.Config("cx: a client needs Project, Location, Agent and Token")
	case t.Workspace == "" || t.Conversation == "":
		return chatbot.Reply{}, wire.Config("cx: turn %q without workspace or conversation", t.ID)
	}
	lang := dialogflow.Language(t.Contact.Language, c.Languages, c.DefaultLanguage)
	q, ok := dialogflow.QueryOf(t, c.Events, lang)
	if !ok {
		return chatbot.Reply{State: t.State}, nil
	}
	req := Request{QueryInput: QueryInput{LanguageCode: lang}}
	if q.Text != "" {
		req.QueryInput.Text = &TextInput{Text: q.Text}
	} else {
		req.QueryInput.Event = &EventInput{Event: q.Event}
	}
	var resp Response
	if err := wire.Post(ctx, c.HTTPClient, c.Token, c.URL(dialogflow.SessionID(t.Workspace, t.Conversation)), req, &resp); err != nil {
		return chatbot.Reply{}, err
	}
	if resp.QueryResult == nil {
		return chatbot.Reply{}, wire.BadResponse("cx: answer without queryResult")
	}
	return c.reply(t, resp.QueryResult), nil
}

func (c *Client) reply(t chatbot.Turn, r *QueryResult) chatbot.Reply {
	col := wire.Collect{Log: wire.Logger(c.Logger), Turn: t.ID}
	var msgs []chatbot.Message
	for _, m := range r.ResponseMessages {
		switch {
		case m.Text != nil:
			msgs = wire.TextMessages(msgs, m.Text.Text)
		case m.Payload != nil:
			col.Add(dialogflow.PayloadActions(m.Payload))
		case m.LiveAgentHandoff != nil:
			col.Actions = append(col.Actions, handOff(m.LiveAgentHandoff.Metadata))
		case m.EndInteraction != nil:
			name := ""
			if r.CurrentPage != nil {
				name = r.CurrentPage.DisplayName
			}
			col.Actions = append(col.Actions, chatbot.Close{Note: dialogflow.EndNote(name)})
		}
	}
	known := make(map[string]any)
	for k, v := range r.Parameters {
		if dialogflow.Known(k) {
			known[k] = v
		}
	}
	prev := previous(t.State)
	now, errs := dialogflow.ParamActions(known)
	before, _ := dialogflow.ParamActions(prev)
	col.Add(changed(now, before), errs)
	state := t.State
	if !maps.EqualFunc(known, prev, func(a, b any) bool { return reflect.DeepEqual(a, b) }) || !isOurs(t.State) {
		state = encodeState(known)
	}
	return chatbot.Reply{Messages: msgs, Actions: dialogflow.HoldLast(col.Actions), State: state}
}

func handOff(meta map[string]any) chatbot.HandOff {
	h := chatbot.HandOff{}
	if s, ok := meta["team"].(string); ok {
		h.Team = conversation.TeamID(strings.TrimSpace(s))
	}
	if s, ok := meta["note"].(string); ok {
		h.Note = strings.TrimSpace(s)
	}
	return h
}

// changed returns the actions of now that before does not have, as a
// multiset: an action made by the same parameters last turn is dropped.
func changed(now, before []chatbot.Action) []chatbot.Action {
	used := make([]bool, len(before))
	var out []chatbot.Action
next:
	for _, a := range now {
		for i, b := range before {
			if !used[i] && reflect.DeepEqual(a, b) {
				used[i] = true
				continue next
			}
		}
		out = append(out, a)
	}
	return out
}

// stateKey is the one key of the client's State, a JSON object:
// {"dialogflow_cx_parameters": {...}}.
const stateKey = "dialogflow_cx_parameters"

func previous(s chatbot.State) map[string]any {
	var st map[string]map[string]any
	if len(s) == 0 || json.Unmarshal(s, &st) != nil {
		return nil
	}
	return st[stateKey]
}

func isOurs(s chatbot.State) bool {
	if len(s) == 0 {
		return true
	}
	var st map[string]json.RawMessage
	if json.Unmarshal(s, &st) != nil {
		return false
	}
	_, ok := st[stateKey]
	return ok && len(st) == 1
}

// encodeState returns the state that holds params; nil for none. A state
// that would exceed chatbot.MaxStateBytes is dropped (the next turn acts
// on all the parameters again) rather than failing the turn.
func encodeState(params map[string]any) chatbot.State {
	if len(params) == 0 {
		return nil
	}
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(map[string]any{stateKey: params}); err != nil || b.Len() > chatbot.MaxStateBytes {
		return nil
	}
	return bytes.TrimSpace(b.Bytes())
}
