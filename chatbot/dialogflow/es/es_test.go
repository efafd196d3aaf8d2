package es_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
	"github.com/telenet/contactcenter/chatbot/dialogflow/dialogflowfake"
	"github.com/telenet/contactcenter/chatbot/dialogflow/es"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

func setup(t *testing.T) (*dialogflowfake.Server, *es.Client) {
	t.Helper()
	srv := dialogflowfake.NewServer()
	t.Cleanup(srv.Close)
	return srv, &es.Client{Project: "acme-bot", Endpoint: srv.URL(), Token: dialogflow.StaticToken("tok-1")}
}

func turn(kind chatbot.TurnKind, lang string, texts ...string) chatbot.Turn {
	t := chatbot.Turn{
		ID: "t1", Kind: kind, Bot: "dialogflow", Workspace: "ws", Conversation: "c1", Channel: "tg",
		Contact: chatbot.Contact{ID: "k1", Name: "Ana", Language: lang},
		State:   chatbot.State("opaque"),
	}
	for _, s := range texts {
		t.Messages = append(t.Messages, chatbot.Inbound{ID: "m", Text: s})
	}
	return t
}

// R2: a text query gets the intent's texts as bot messages, in the
// conversation's session, with the bearer token and the contact's
// language; the state passes through.
func TestTextAnswer(t *testing.T) {
	srv, c := setup(t)
	srv.Add(dialogflowfake.Intent{Name: "hours", Phrases: []string{"opening hours"}, Texts: []string{"We open at 9.", "Until 18."}})
	r, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "es-MX", "What are your opening hours?"))
	if err != nil {
		t.Fatal(err)
	}
	want := []chatbot.Message{{Text: "We open at 9."}, {Text: "Until 18."}}
	if !reflect.DeepEqual(r.Messages, want) || len(r.Actions) != 0 || string(r.State) != "opaque" {
		t.Errorf("reply %+v", r)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	q := reqs[0]
	if q.API != "es" || q.Project != "acme-bot" || q.Session != dialogflow.SessionID("ws", "c1") || q.Location != "" {
		t.Errorf("path: %+v", q)
	}
	if q.Authorization != "Bearer tok-1" || q.LanguageCode != "es-MX" || q.Text != "What are your opening hours?" {
		t.Errorf("request: auth %q lang %q text %q", q.Authorization, q.LanguageCode, q.Text)
	}

	// The same conversation stays in its session; another gets another.
	other := turn(chatbot.TurnMessage, "", "hi")
	other.Conversation = "c2"
	if _, err := c.Turn(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if reqs = srv.Requests(); reqs[1].Session == q.Session || reqs[1].LanguageCode != dialogflow.DefaultLanguage {
		t.Errorf("second conversation: session %q, language %q", reqs[1].Session, reqs[1].LanguageCode)
	}
}

// A turn without text is an event query; a message of files only makes no
// request.
func TestEvents(t *testing.T) {
	srv, c := setup(t)
	c.Languages, c.DefaultLanguage = []string{"en", "es"}, "es"
	srv.Add(dialogflowfake.Intent{Name: "welcome", Events: []string{"WELCOME"}, Texts: []string{"¡Hola!"}})
	opened := turn(chatbot.TurnOpened, "es-AR")
	opened.Messages = []chatbot.Inbound{{ID: "m", Files: []chatbot.File{{Ref: "photo"}}}}
	r, err := c.Turn(context.Background(), opened)
	if err != nil || len(r.Messages) != 1 || r.Messages[0].Text != "¡Hola!" {
		t.Fatalf("opened: %+v %v", r, err)
	}
	if q := srv.Requests()[0]; q.Event != "WELCOME" || q.Text != "" || q.LanguageCode != "es" || !strings.Contains(string(q.Body), `"event":{"name":"WELCOME"`) {
		t.Errorf("event request %+v %s", q, q.Body)
	}
	files := opened
	files.Kind = chatbot.TurnMessage
	r, err = c.Turn(context.Background(), files)
	if err != nil || len(r.Messages) != 0 || string(r.State) != "opaque" || len(srv.Requests()) != 1 {
		t.Errorf("files only: %+v %v, %d requests", r, err, len(srv.Requests()))
	}
}

// R2: custom payloads and parameters become typed actions, hold-ending
// ones last; the engine accepts them all.
func TestActions(t *testing.T) {
	srv, c := setup(t)
	srv.Add(dialogflowfake.Intent{
		Name: "refund", Phrases: []string{"refund"}, Texts: []string{"A person will help you."},
		Payloads: []map[string]any{
			{"actions": []any{map[string]any{"handoff": "billing", "note": "refund of order 123"}, map[string]any{"tag": "refund"}}},
			{"facebook": map[string]any{"quick_replies": []any{}}},
		},
		Parameters: map[string]any{"order_id": "123", "priority": "high", "set_field.last_order": "123", "notify": "refund.asked"},
	})
	r, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "I want a refund"))
	if err != nil {
		t.Fatal(err)
	}
	want := []chatbot.Action{
		chatbot.Tag{Tag: "refund"},
		chatbot.SetField{Key: "last_order", Value: "123"},
		chatbot.SetPriority{Priority: ticket.PriorityHigh},
		chatbot.Notify{Name: "refund.asked"},
		chatbot.HandOff{Team: "billing", Note: "refund of order 123"},
	}
	if !reflect.DeepEqual(r.Actions, want) {
		t.Errorf("actions\n%#v\nwant\n%#v", r.Actions, want)
	}
	checked, err := r.Validate()
	if err != nil || len(checked.Refused) != 0 || checked.EndsHold != want[4] {
		t.Errorf("engine: %v %v %v", err, checked.Refused, checked.EndsHold)
	}
}

// Every name of the table, sent as an intent's parameters, acts.
func TestEveryParameter(t *testing.T) {
	srv, c := setup(t)
	params := map[string]any{
		"tag": "a", "add_tag": "b", "untag": "c", "remove_tag": "d", "set_field.plan": "pro", "set_field_city": "Lima",
		"contact_field": "size", "contact_value": "L", "unsubscribe": true, "unset_field": "old", "priority": "urgent",
		"snippet": "hours", "template": "welcome", "file": "https://cdn.example/a.pdf", "file_url": "https://cdn.example/b.pdf",
		"notify": "n", "assign_agent": "ana", "assign_user": "bob", "assign_team": "t", "handoff": true, "human": true,
		"close": true, "mark_done": true, "bot_status": "off", "turn_off": true, "bot_off": true,
	}
	srv.Add(dialogflowfake.Intent{Name: "all", Phrases: []string{"all"}, Parameters: params})
	r, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "all"))
	if err != nil {
		t.Fatal(err)
	}
	count := map[chatbot.ActionKind]int{}
	for _, a := range r.Actions {
		count[a.Kind()]++
	}
	want := map[chatbot.ActionKind]int{
		chatbot.KindTag: 2, chatbot.KindUntag: 2, chatbot.KindSetField: 4, chatbot.KindUnsetField: 1, chatbot.KindSetPriority: 1,
		chatbot.KindSendSnippet: 1, chatbot.KindSendTemplate: 1, chatbot.KindSendFile: 2, chatbot.KindNotify: 1,
		chatbot.KindAssignAgent: 2, chatbot.KindAssignTeam: 1, chatbot.KindHandOff: 1, chatbot.KindClose: 1, chatbot.KindTurnOff: 2,
	}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("kinds %v, want %v", count, want)
	}
	checked, err := r.Validate()
	if err != nil || checked.EndsHold == nil || checked.EndsHold.Kind() != chatbot.KindAssignAgent {
		t.Fatalf("engine: %v %v", err, checked.EndsHold)
	}
	for _, rf := range checked.Refused {
		if !errors.Is(rf, chatbot.ErrSuperseded) {
			t.Errorf("refused for another reason than a hold already ended: %v", rf)
		}
	}
}

// ES's intent.endInteraction closes the conversation after the reply's
// other actions.
func TestEndInteraction(t *testing.T) {
	srv, c := setup(t)
	srv.Add(dialogflowfake.Intent{Name: "bye", Phrases: []string{"bye"}, Texts: []string{"Bye!"}, EndInteraction: true, Parameters: map[string]any{"tag": "done"}})
	r, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "bye"))
	if err != nil {
		t.Fatal(err)
	}
	want := []chatbot.Action{chatbot.Tag{Tag: "done"}, chatbot.Close{Note: conversation.ClosingNote{Summary: "Ended by the Dialogflow agent (bye)."}}}
	if !reflect.DeepEqual(r.Actions, want) || r.Messages[0].Text != "Bye!" {
		t.Errorf("%+v", r)
	}
}

// Messages for other platforms are ignored; fulfillmentText stands in when
// there are no text messages; an image is a file message.
func TestFulfillmentShapes(t *testing.T) {
	srv, c := setup(t)
	srv.AnswerNext(200, `{"queryResult":{"fulfillmentText":"Hi","fulfillmentMessages":[
		{"platform":"FACEBOOK","text":{"text":["Hi on Messenger"]}},
		{"platform":"PLATFORM_UNSPECIFIED","image":{"imageUri":"https://cdn.example/map.png"}},
		{"payload":{"tag":"seen"}}],
		"webhookPayload":{"priority":"low"}}}`)
	r, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	wantMsgs := []chatbot.Message{{Files: []chatbot.File{{Ref: "https://cdn.example/map.png", Name: "map.png"}}}, {Text: "Hi"}}
	wantActs := []chatbot.Action{chatbot.Tag{Tag: "seen"}, chatbot.SetPriority{Priority: ticket.PriorityLow}}
	if !reflect.DeepEqual(r.Messages, wantMsgs) || !reflect.DeepEqual(r.Actions, wantActs) {
		t.Errorf("%+v", r)
	}
}

// Answers that are not a detectIntent response wrap ErrBadResponse and
// chatbot.ErrInvalid; non-2xx answers are *APIError with Google's status
// and message.
func TestErrors(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	tr := turn(chatbot.TurnMessage, "en", "hi")
	for name, body := range map[string]string{
		"not json":         `<html>oops</html>`,
		"no queryResult":   `{"responseId":"x"}`,
		"wrong shape":      `{"queryResult":{"fulfillmentMessages":"text"}}`,
		"too large":        `{"queryResult":{"fulfillmentText":"` + strings.Repeat("a", dialogflow.MaxResponseBytes) + `"}}`,
		"truncated":        `{"queryResult":{`,
		"null queryResult": `{"queryResult":null}`,
	} {
		srv.AnswerNext(200, body)
		_, err := c.Turn(ctx, tr)
		if !errors.Is(err, dialogflow.ErrBadResponse) || !errors.Is(err, chatbot.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, c2 := range []struct {
		status    int
		grpc, msg string
		temporary bool
	}{
		{500, "INTERNAL", "Internal error encountered.", true},
		{403, "PERMISSION_DENIED", "IAM permission 'dialogflow.sessions.detectIntent' denied.", false},
		{429, "RESOURCE_EXHAUSTED", "Quota exceeded.", true},
	} {
		srv.FailNext(c2.status, c2.grpc, c2.msg)
		_, err := c.Turn(ctx, tr)
		var ae *dialogflow.APIError
		if !errors.As(err, &ae) || ae.StatusCode != c2.status || ae.Status != c2.grpc || ae.Message != c2.msg || ae.Temporary() != c2.temporary {
			t.Errorf("%d: %v", c2.status, err)
		}
		if err != nil && !strings.Contains(err.Error(), c2.msg) {
			t.Errorf("message %q does not say %q", err, c2.msg)
		}
	}
	srv.AnswerNext(502, "Bad Gateway")
	var ae *dialogflow.APIError
	if _, err := c.Turn(ctx, tr); !errors.As(err, &ae) || ae.StatusCode != 502 || ae.Message != "" {
		t.Errorf("502 without JSON: %v", err)
	}
}

// A token the API does not accept is a 401 *APIError; a token source's
// error is returned and no request is made.
func TestToken(t *testing.T) {
	srv, c := setup(t)
	srv.RequireToken("right")
	var ae *dialogflow.APIError
	if _, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "hi")); !errors.As(err, &ae) || ae.StatusCode != 401 || ae.Status != "UNAUTHENTICATED" {
		t.Errorf("wrong token: %v", err)
	}
	c.Token = dialogflow.StaticToken("right")
	if _, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "hi")); err != nil {
		t.Errorf("right token: %v", err)
	}
	boom := errors.New("metadata server down")
	c.Token = func(context.Context) (string, error) { return "", boom }
	if _, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "hi")); !errors.Is(err, boom) || len(srv.Requests()) != 2 {
		t.Errorf("token error: %v, %d requests", err, len(srv.Requests()))
	}
}

// The turn's context bounds the request (channel.Bot's turn timeout).
func TestDeadline(t *testing.T) {
	srv, c := setup(t)
	srv.SetDelay(5 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Turn(ctx, turn(chatbot.TurnMessage, "en", "hi"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v", d)
	}
}

func TestConfig(t *testing.T) {
	for name, c := range map[string]*es.Client{
		"no project": {Token: dialogflow.StaticToken("t")},
		"no token":   {Project: "p"},
	} {
		if _, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "hi")); !errors.Is(err, dialogflow.ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := &es.Client{Project: "p", Token: dialogflow.StaticToken("t")}
	tr := turn(chatbot.TurnMessage, "en", "hi")
	tr.Conversation = ""
	if _, err := c.Turn(context.Background(), tr); !errors.Is(err, dialogflow.ErrConfig) {
		t.Errorf("turn without conversation: %v", err)
	}
}

func TestURL(t *testing.T) {
	c := &es.Client{Project: "p"}
	if got := c.URL("s"); got != "https://dialogflow.googleapis.com/v2/projects/p/agent/sessions/s:detectIntent" {
		t.Errorf("global: %s", got)
	}
	c.Location = "europe-west1"
	if got := c.URL("s"); got != "https://europe-west1-dialogflow.googleapis.com/v2/projects/p/locations/europe-west1/agent/sessions/s:detectIntent" {
		t.Errorf("regional: %s", got)
	}
	c.Endpoint = "http://127.0.0.1:1/"
	if got := c.URL("s"); got != "http://127.0.0.1:1/v2/projects/p/locations/europe-west1/agent/sessions/s:detectIntent" {
		t.Errorf("endpoint: %s", got)
	}
}

// A regional agent's path reaches the fake with its location.
func TestRegional(t *testing.T) {
	srv, c := setup(t)
	c.Location = "europe-west2"
	if _, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "hi")); err != nil {
		t.Fatal(err)
	}
	if q := srv.Requests()[0]; q.Location != "europe-west2" || q.Project != "acme-bot" {
		t.Errorf("%+v", q)
	}
}

// A parameter of the table whose value makes no action is logged with its
// name; the rest of the reply stands.
func TestLogsProblems(t *testing.T) {
	srv, c := setup(t)
	var buf bytes.Buffer
	c.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	srv.Add(dialogflowfake.Intent{Name: "p", Phrases: []string{"p"}, Texts: []string{"ok"}, Parameters: map[string]any{"priority": "superhigh", "tag": "t"}})
	r, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "p"))
	if err != nil || len(r.Actions) != 1 || len(r.Messages) != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	if log := buf.String(); !strings.Contains(log, "level=WARN") || !strings.Contains(log, "parameter=priority") || !strings.Contains(log, "turn=t1") {
		t.Errorf("log: %s", log)
	}
}

func TestEmptyToken(t *testing.T) {
	srv, c := setup(t)
	c.Token = dialogflow.StaticToken("")
	if _, err := c.Turn(context.Background(), turn(chatbot.TurnMessage, "en", "hi")); !errors.Is(err, dialogflow.ErrConfig) || len(srv.Requests()) != 0 {
		t.Errorf("%v, %d requests", err, len(srv.Requests()))
	}
}
