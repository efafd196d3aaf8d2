package dialogflow_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
)

func TestSessionID(t *testing.T) {
	a := dialogflow.SessionID("ws", "c1")
	if a != dialogflow.SessionID("ws", "c1") {
		t.Error("not stable")
	}
	if len(a) != 32 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Errorf("session id %q: want 32 hex digits", a)
	}
	for _, b := range []string{dialogflow.SessionID("ws", "c2"), dialogflow.SessionID("ws2", "c1"), dialogflow.SessionID("wsc", "1")} {
		if b == a {
			t.Errorf("two conversations share session %q", a)
		}
	}
}

func TestLanguage(t *testing.T) {
	agent := []string{"en", "es", "pt-BR"}
	for _, c := range []struct {
		lang      string
		supported []string
		def, want string
	}{
		{"", nil, "", "en"},
		{"", agent, "es", "es"},
		{"es-MX", nil, "", "es-MX"},
		{"es-MX", agent, "", "es"},
		{"ES", agent, "", "es"},
		{"pt", agent, "", "pt-BR"},
		{"de", agent, "es", "es"},
		{"de", agent, "", "en"},
	} {
		if got := dialogflow.Language(c.lang, c.supported, c.def); got != c.want {
			t.Errorf("Language(%q, %v, %q) = %q, want %q", c.lang, c.supported, c.def, got, c.want)
		}
	}
}

func TestQueryOf(t *testing.T) {
	turn := chatbot.Turn{Kind: chatbot.TurnMessage, Messages: []chatbot.Inbound{{Text: " hello "}, {Text: "there"}}}
	if q, ok := dialogflow.QueryOf(turn, nil, "en"); !ok || q.Text != "hello \nthere" || q.Event != "" || q.Language != "en" {
		t.Errorf("text turn: %+v %v", q, ok)
	}
	long := strings.Repeat("a", 300) + " the end"
	turn.Messages = []chatbot.Inbound{{Text: long}}
	if q, _ := dialogflow.QueryOf(turn, nil, "en"); utf8.RuneCountInString(q.Text) > dialogflow.MaxQueryChars || !strings.HasSuffix(q.Text, "the end") {
		t.Errorf("long text: %d characters, %q…", utf8.RuneCountInString(q.Text), q.Text[:10])
	}
	for kind, event := range map[chatbot.TurnKind]string{chatbot.TurnOpened: "WELCOME", chatbot.TurnResumed: "RESUMED", chatbot.TurnTimedOut: "TIMED_OUT"} {
		q, ok := dialogflow.QueryOf(chatbot.Turn{Kind: kind}, nil, "es")
		if !ok || q.Event != event || q.Text != "" {
			t.Errorf("%s: %+v %v", kind, q, ok)
		}
	}
	files := chatbot.Turn{Kind: chatbot.TurnMessage, Messages: []chatbot.Inbound{{Files: []chatbot.File{{Ref: "f"}}}}}
	if q, ok := dialogflow.QueryOf(files, nil, "en"); ok {
		t.Errorf("files only: %+v", q)
	}
	custom := map[chatbot.TurnKind]string{chatbot.TurnMessage: "FILE_RECEIVED"}
	if q, ok := dialogflow.QueryOf(files, custom, "en"); !ok || q.Event != "FILE_RECEIVED" {
		t.Errorf("custom events: %+v %v", q, ok)
	}
	if _, ok := dialogflow.QueryOf(chatbot.Turn{Kind: chatbot.TurnOpened}, custom, "en"); ok {
		t.Error("custom events replace the defaults")
	}
}

func TestStaticToken(t *testing.T) {
	if tok, err := dialogflow.StaticToken("abc")(context.Background()); tok != "abc" || err != nil {
		t.Errorf("%q %v", tok, err)
	}
}
