package cx_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
	"github.com/telenet/contactcenter/chatbot/dialogflow/cx"
	"github.com/telenet/contactcenter/chatbot/dialogflow/dialogflowfake"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

func setup(t *testing.T) (*dialogflowfake.Server, *cx.Client) {
	t.Helper()
	srv := dialogflowfake.NewServer()
	t.Cleanup(srv.Close)
	return srv, &cx.Client{Project: "acme", Location: "europe-west1", Agent: "agent-7", Endpoint: srv.URL(), Token: dialogflow.StaticToken("tok-cx")}
}

func turn(lang string, texts ...string) chatbot.Turn {
	t := chatbot.Turn{
		ID: "t1", Kind: chatbot.TurnMessage, Bot: "cx", Workspace: "ws", Conversation: "c1", Channel: "tg",
		Contact: chatbot.Contact{ID: "k1", Language: lang},
	}
	for _, s := range texts {
		t.Messages = append(t.Messages, chatbot.Inbound{ID: "m", Text: s})
	}
	return t
}

// R2: a text query gets the response messages' texts, in the
// conversation's session of the agent, with the bearer token and the
// language code beside the query.
func TestTextAnswer(t *testing.T) {
	srv, c := setup(t)
	srv.Add(dialogflowfake.Intent{Name: "hours", Phrases: []string{"hours"}, Texts: []string{"9 to 18.", "Monday to Friday."}})
	r, err := c.Turn(context.Background(), turn("pt-BR", "hours?"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []chatbot.Message{{Text: "9 to 18."}, {Text: "Monday to Friday."}}; !reflect.DeepEqual(r.Messages, want) || len(r.Actions) != 0 || r.State != nil {
		t.Errorf("reply %+v", r)
	}
	q := srv.Requests()[0]
	if q.API != "cx" || q.Project != "acme" || q.Location != "europe-west1" || q.Agent != "agent-7" || q.Session != dialogflow.SessionID("ws", "c1") {
		t.Errorf("path %+v", q)
	}
	if q.Token != "tok-cx" || q.LanguageCode != "pt-BR" || q.Text != "hours?" || !strings.Contains(string(q.Body), `"languageCode":"pt-BR"`) {
		t.Errorf("request %+v %s", q, q.Body)
	}
}

// An event query for a turn without text, with the language beside it.
func TestEvent(t *testing.T) {
	srv, c := setup(t)
	srv.Add(dialogflowfake.Intent{Name: "back", Events: []string{"RESUMED"}, Texts: []string{"I'm back."}})
	tr := turn("")
	tr.Kind = chatbot.TurnResumed
	r, err := c.Turn(context.Background(), tr)
	if err != nil || len(r.Messages) != 1 || r.Messages[0].Text != "I'm back." {
		t.Fatalf("%+v %v", r, err)
	}
	if q := srv.Requests()[0]; q.Event != "RESUMED" || q.LanguageCode != "en" || !strings.Contains(string(q.Body), `"event":{"event":"RESUMED"}`) {
		t.Errorf("%+v %s", q, q.Body)
	}
}

// R2: liveAgentHandoff is a typed HandOff with the metadata's team and
// note; endInteraction is a Close; both after the reply's other actions.
func TestHandOffAndEnd(t *testing.T) {
	srv, c := setup(t)
	srv.Add(
		dialogflowfake.Intent{Name: "agent", Phrases: []string{"agent"}, Texts: []string{"Connecting you."},
			HandOff: true, HandOffMetadata: map[string]any{"team": "billing", "note": "wants a person", "other": 1.0},
			Payloads: []map[string]any{{"tag": "asked-human"}}},
		dialogflowfake.Intent{Name: "End Session", Phrases: []string{"bye"}, Texts: []string{"Bye."}, EndInteraction: true},
		dialogflowfake.Intent{Name: "plain", Phrases: []string{"plain"}, HandOff: true},
	)
	r, err := c.Turn(context.Background(), turn("en", "agent please"))
	if err != nil {
		t.Fatal(err)
	}
	want := []chatbot.Action{chatbot.Tag{Tag: "asked-human"}, chatbot.HandOff{Team: "billing", Note: "wants a person"}}
	if !reflect.DeepEqual(r.Actions, want) {
		t.Errorf("hand-off: %#v", r.Actions)
	}
	r, err = c.Turn(context.Background(), turn("en", "bye"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []chatbot.Action{chatbot.Close{Note: conversation.ClosingNote{Summary: "Ended by the Dialogflow agent (End Session)."}}}; !reflect.DeepEqual(r.Actions, want) {
		t.Errorf("end: %#v", r.Actions)
	}
	r, err = c.Turn(context.Background(), turn("en", "plain"))
	if err != nil || !reflect.DeepEqual(r.Actions, []chatbot.Action{chatbot.HandOff{}}) {
		t.Errorf("hand-off without metadata: %#v %v", r.Actions, err)
	}
}

// CX answers all the session's parameters on every turn; a parameter acts
// on the turn it is set or changed, not again; a retried turn (same state)
// gets the same actions.
func TestParametersActOnce(t *testing.T) {
	srv, c := setup(t)
	srv.Add(
		dialogflowfake.Intent{Name: "vip", Phrases: []string{"vip"}, Parameters: map[string]any{"tag": "vip", "set_field.plan": "gold", "order_id": "9"}},
		dialogflowfake.Intent{Name: "chat", Phrases: []string{"chat"}, Texts: []string{"Sure."}},
		dialogflowfake.Intent{Name: "upgrade", Phrases: []string{"upgrade"}, Parameters: map[string]any{"set_field.plan": "platinum", "tag": nil}},
		dialogflowfake.Intent{Name: "re-tag", Phrases: []string{"re-tag"}, Parameters: map[string]any{"tag": "vip"}},
	)
	ctx := context.Background()
	tr := turn("en", "vip")
	r1, err := c.Turn(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	if want := []chatbot.Action{chatbot.Tag{Tag: "vip"}, chatbot.SetField{Key: "plan", Value: "gold"}}; !reflect.DeepEqual(r1.Actions, want) {
		t.Fatalf("first: %#v", r1.Actions)
	}
	if strings.Contains(string(r1.State), "order_id") {
		t.Errorf("state keeps the agent's own slots: %s", r1.State)
	}
	step := func(text string, state chatbot.State) chatbot.Reply {
		t.Helper()
		tr := turn("en", text)
		tr.State = state
		r, err := c.Turn(ctx, tr)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r2 := step("chat", r1.State)
	if len(r2.Actions) != 0 || r2.Messages[0].Text != "Sure." {
		t.Errorf("unchanged parameters act again: %#v", r2.Actions)
	}
	if string(r2.State) != string(r1.State) {
		t.Errorf("state changed without a change: %s, %s", r1.State, r2.State)
	}
	r3 := step("upgrade", r2.State)
	if want := []chatbot.Action{chatbot.SetField{Key: "plan", Value: "platinum"}}; !reflect.DeepEqual(r3.Actions, want) {
		t.Errorf("changed: %#v", r3.Actions)
	}
	// A retry of the upgrade turn, with the state its first attempt saw.
	if r := step("upgrade", r2.State); !reflect.DeepEqual(r.Actions, r3.Actions) {
		t.Errorf("retry: %#v, want %#v", r.Actions, r3.Actions)
	}
	r4 := step("re-tag", r3.State)
	if want := []chatbot.Action{chatbot.Tag{Tag: "vip"}}; !reflect.DeepEqual(r4.Actions, want) {
		t.Errorf("a parameter removed and set again acts again: %#v", r4.Actions)
	}
	// Another bot's state counts as none and is replaced by the client's.
	r5 := step("chat", chatbot.State("faq-state"))
	if len(r5.Actions) != 2 || !strings.Contains(string(r5.State), "dialogflow_cx_parameters") {
		t.Errorf("foreign state: %#v %s", r5.Actions, r5.State)
	}
}

func TestErrors(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	srv.AnswerNext(200, `{"queryResult":{"responseMessages":{}}}`)
	if _, err := c.Turn(ctx, turn("en", "hi")); !errors.Is(err, dialogflow.ErrBadResponse) || !errors.Is(err, chatbot.ErrInvalid) {
		t.Errorf("malformed: %v", err)
	}
	srv.AnswerNext(200, `{}`)
	if _, err := c.Turn(ctx, turn("en", "hi")); !errors.Is(err, dialogflow.ErrBadResponse) {
		t.Errorf("no queryResult: %v", err)
	}
	for _, status := range []int{500, 403} {
		srv.FailNext(status, "X", "no")
		var ae *dialogflow.APIError
		if _, err := c.Turn(ctx, turn("en", "hi")); !errors.As(err, &ae) || ae.StatusCode != status || ae.Message != "no" {
			t.Errorf("%d: %v", status, err)
		}
	}
	srv.SetDelay(5 * time.Second)
	dl, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := c.Turn(dl, turn("en", "hi")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
	for name, bad := range map[string]*cx.Client{
		"no agent":    {Project: "p", Location: "global", Token: dialogflow.StaticToken("t")},
		"no location": {Project: "p", Agent: "a", Token: dialogflow.StaticToken("t")},
		"no token":    {Project: "p", Location: "global", Agent: "a"},
	} {
		if _, err := bad.Turn(ctx, turn("en", "hi")); !errors.Is(err, dialogflow.ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestURL(t *testing.T) {
	c := &cx.Client{Project: "p", Location: "global", Agent: "a"}
	if got := c.URL("s"); got != "https://dialogflow.googleapis.com/v3/projects/p/locations/global/agents/a/sessions/s:detectIntent" {
		t.Errorf("global: %s", got)
	}
	c.Location, c.Environment = "us-central1", "prod"
	if got := c.URL("s"); got != "https://us-central1-dialogflow.googleapis.com/v3/projects/p/locations/us-central1/agents/a/environments/prod/sessions/s:detectIntent" {
		t.Errorf("regional with environment: %s", got)
	}
}

// An environment's path reaches the fake; the session's parameters are the
// fake's record of what CX would keep.
func TestEnvironment(t *testing.T) {
	srv, c := setup(t)
	c.Environment = "prod"
	srv.Add(dialogflowfake.Intent{Name: "p", Phrases: []string{"p"}, Parameters: map[string]any{"priority": 2.0}})
	r, err := c.Turn(context.Background(), turn("en", "p"))
	if err != nil || !reflect.DeepEqual(r.Actions, []chatbot.Action{chatbot.SetPriority{Priority: ticket.PriorityUrgent}}) {
		t.Fatalf("%#v %v", r.Actions, err)
	}
	q := srv.Requests()[0]
	if q.Environment != "prod" || q.Agent != "agent-7" {
		t.Errorf("%+v", q)
	}
	if p := srv.SessionParameters(q.Session); !reflect.DeepEqual(p, map[string]any{"priority": 2.0}) {
		t.Errorf("session parameters %v", p)
	}
}
