package es

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
	"github.com/telenet/contactcenter/chatbot/dialogflow/internal/wire"
)

// DefaultEndpoint is the Dialogflow API's global endpoint.
const DefaultEndpoint = "https://dialogflow.googleapis.com"

// Client is a Dialogflow ES agent as a chatbot.Bot. Its zero value is not
// usable: Project and Token are required. A Client is safe for concurrent
// use; it keeps no state of its own.
type Client struct {
	// Project is the Google Cloud project id of the agent.
	Project string
	// Location is the agent's region ("europe-west1"); "" for the global
	// agent. With a location the request goes to
	// /v2/projects/{project}/locations/{location}/agent/sessions/… and
	// the default endpoint is https://{location}-dialogflow.googleapis.com.
	Location string
	// Endpoint is the API's base URL; "" for DefaultEndpoint (or the
	// location's). Tests give a dialogflowfake.Server's URL.
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

// Request is the body of an ES detectIntent request.
type Request struct {
	QueryInput QueryInput `json:"queryInput"`
}

// QueryInput is a text or an event, in a language.
type QueryInput struct {
	Text  *TextInput  `json:"text,omitempty"`
	Event *EventInput `json:"event,omitempty"`
}

// TextInput is the contact's text.
type TextInput struct {
	Text         string `json:"text"`
	LanguageCode string `json:"languageCode"`
}

// EventInput is an event that stands for a turn without text.
type EventInput struct {
	Name         string `json:"name"`
	LanguageCode string `json:"languageCode"`
}

// Response is the part of an ES detectIntent answer the client reads.
type Response struct {
	ResponseID  string       `json:"responseId"`
	QueryResult *QueryResult `json:"queryResult"`
}

// QueryResult is the outcome of a query.
type QueryResult struct {
	QueryText           string         `json:"queryText"`
	LanguageCode        string         `json:"languageCode"`
	Parameters          map[string]any `json:"parameters"`
	FulfillmentText     string         `json:"fulfillmentText"`
	FulfillmentMessages []Message      `json:"fulfillmentMessages"`
	WebhookPayload      map[string]any `json:"webhookPayload"`
	Intent              *Intent        `json:"intent"`
}

// Message is one of fulfillmentMessages; the client reads text, image and
// payload messages of the default platform.
type Message struct {
	Platform string         `json:"platform"`
	Text     *Text          `json:"text"`
	Image    *Image         `json:"image"`
	Payload  map[string]any `json:"payload"`
}

// Text is a text response.
type Text struct {
	Text []string `json:"text"`
}

// Image is an image response.
type Image struct {
	ImageURI string `json:"imageUri"`
}

// Intent is the matched intent.
type Intent struct {
	Name           string `json:"name"`
	DisplayName    string `json:"displayName"`
	EndInteraction bool   `json:"endInteraction"`
	IsFallback     bool   `json:"isFallback"`
}

// URL returns the detectIntent URL of a session.
func (c *Client) URL(session string) string {
	ep := c.Endpoint
	if ep == "" {
		ep = DefaultEndpoint
		if c.Location != "" && c.Location != "global" {
			ep = "https://" + c.Location + "-dialogflow.googleapis.com"
		}
	}
	p := "/v2/projects/" + url.PathEscape(c.Project)
	if c.Location != "" {
		p += "/locations/" + url.PathEscape(c.Location)
	}
	return strings.TrimRight(ep, "/") + p + "/agent/sessions/" + url.PathEscape(session) + ":detectIntent"
}

// Turn asks the agent for the reply to t, in the session of t's
// conversation (dialogflow.SessionID). The reply's state is t.State:
// Dialogflow keeps the session's state itself.
//
// Errors: ErrConfig of package dialogflow for a client without Project or
// Token; a *dialogflow.APIError for a non-2xx answer;
// dialogflow.ErrBadResponse (with chatbot.ErrInvalid) for an answer that is
// not a detectIntent response; the context's error when it ends first.
func (c *Client) Turn(ctx context.Context, t chatbot.Turn) (chatbot.Reply, error) {
	switch {
	case c.Project == "" || c.Token == nil:
		return chatbot.Reply{}, wire.Config("es: a client needs Project and Token")
	case t.Workspace == "" || t.Conversation == "":
		return chatbot.Reply{}, wire.Config("es: turn %q without workspace or conversation", t.ID)
	}
	lang := dialogflow.Language(t.Contact.Language, c.Languages, c.DefaultLanguage)
	q, ok := dialogflow.QueryOf(t, c.Events, lang)
	if !ok {
		return chatbot.Reply{State: t.State}, nil
	}
	var req Request
	if q.Text != "" {
		req.QueryInput.Text = &TextInput{Text: q.Text, LanguageCode: lang}
	} else {
		req.QueryInput.Event = &EventInput{Name: q.Event, LanguageCode: lang}
	}
	var resp Response
	if err := wire.Post(ctx, c.HTTPClient, c.Token, c.URL(dialogflow.SessionID(t.Workspace, t.Conversation)), req, &resp); err != nil {
		return chatbot.Reply{}, err
	}
	if resp.QueryResult == nil {
		return chatbot.Reply{}, wire.BadResponse("es: answer without queryResult")
	}
	return c.reply(t, resp.QueryResult), nil
}

func (c *Client) reply(t chatbot.Turn, r *QueryResult) chatbot.Reply {
	col := wire.Collect{Log: wire.Logger(c.Logger), Turn: t.ID}
	var msgs []chatbot.Message
	texts := false
	for _, m := range r.FulfillmentMessages {
		if m.Platform != "" && m.Platform != "PLATFORM_UNSPECIFIED" {
			continue // a copy of the answer for another integration
		}
		switch {
		case m.Text != nil:
			texts = true
			msgs = wire.TextMessages(msgs, m.Text.Text)
		case m.Image != nil && m.Image.ImageURI != "":
			msgs = append(msgs, chatbot.Message{Files: []chatbot.File{dialogflow.FileAt(m.Image.ImageURI)}})
		case m.Payload != nil:
			col.Add(dialogflow.PayloadActions(m.Payload))
		}
	}
	if !texts {
		msgs = wire.TextMessages(msgs, []string{r.FulfillmentText})
	}
	if r.WebhookPayload != nil {
		col.Add(dialogflow.PayloadActions(r.WebhookPayload))
	}
	col.Add(dialogflow.ParamActions(r.Parameters))
	if r.Intent != nil && r.Intent.EndInteraction {
		col.Actions = append(col.Actions, chatbot.Close{Note: dialogflow.EndNote(r.Intent.DisplayName)})
	}
	return chatbot.Reply{Messages: msgs, Actions: dialogflow.HoldLast(col.Actions), State: t.State}
}
