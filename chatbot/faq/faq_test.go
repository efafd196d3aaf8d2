package faq_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/faq"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/internal/faqbench"
)

func example(t testing.TB) *faq.Bot {
	t.Helper()
	b, err := faq.Parse(faq.SampleFile())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func turn(id chatbot.TurnID, kind chatbot.TurnKind, lang string, texts ...string) chatbot.Turn {
	t := chatbot.Turn{ID: id, Kind: kind, Bot: "faq", Workspace: "ws", Conversation: "c1", Channel: "tg",
		Contact: chatbot.Contact{ID: "k1", Name: "Ana", Language: lang}}
	for i, s := range texts {
		t.Messages = append(t.Messages, chatbot.Inbound{ID: conversation.MessageID(fmt.Sprint("m", i)), Text: s})
	}
	return t
}

func reply(t *testing.T, b *faq.Bot, tr chatbot.Turn) chatbot.Reply {
	t.Helper()
	r, err := b.Turn(context.Background(), tr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Validate()
	if err != nil || len(c.Refused) > 0 {
		t.Fatalf("the FAQ bot's reply does not validate: %v %v", err, c.Refused)
	}
	return r
}

func texts(r chatbot.Reply) []string {
	var s []string
	for _, m := range r.Messages {
		s = append(s, m.Text)
	}
	return s
}

// R2: a Spanish question is answered from the 30-entry file, whatever its
// case and accents, in the contact's language.
func TestSpanishQuestionAnswered(t *testing.T) {
	b := example(t)
	r := reply(t, b, turn("t1", chatbot.TurnMessage, "es-AR", "¿a que hora ABREN los sabados?"))
	want := []string{"Atendemos de lunes a viernes de 9 a 18 h y los sábados de 10 a 14 h."}
	if !reflect.DeepEqual(texts(r), want) || len(r.Actions) != 0 {
		t.Errorf("reply %q %v, want %q and no action", texts(r), r.Actions, want)
	}
	r = reply(t, b, turn("t2", chatbot.TurnMessage, "es", "Olvidé la contraseña"))
	if got := texts(r); len(got) != 1 || !strings.Contains(got[0], "contraseña") {
		t.Errorf("password question: %q", got)
	}
}

// R2: an English question is answered from the same file.
func TestEnglishQuestionAnswered(t *testing.T) {
	b := example(t)
	r := reply(t, b, turn("t1", chatbot.TurnMessage, "en-GB", "How long does my refund take?"))
	want := []string{"The refund reaches your payment method within 5 to 10 days."}
	if !reflect.DeepEqual(texts(r), want) || len(r.Actions) != 0 {
		t.Errorf("reply %q %v, want %q", texts(r), r.Actions, want)
	}
}

// R2: asking for a person hands off, with the language's message and a
// note for the agent.
func TestAskingForAHumanHandsOff(t *testing.T) {
	b := example(t)
	for _, c := range []struct{ lang, text string }{
		{"es", "quiero hablar con un humano"},
		{"es", "¿Puedo hablar con alguien?"},
		{"en", "I want to talk to an AGENT please"},
		{"en", "quiero hablar con un humano"}, // the words of every language count
	} {
		r := reply(t, b, turn("t1", chatbot.TurnMessage, c.lang, c.text))
		if len(r.Actions) != 1 {
			t.Fatalf("%q: actions %v, want a hand-off", c.text, r.Actions)
		}
		h, ok := r.Actions[0].(chatbot.HandOff)
		if !ok || h.Team != "" || !strings.Contains(h.Note, "asked for a person") || !strings.Contains(h.Note, c.text) {
			t.Errorf("%q: action %#v", c.text, r.Actions[0])
		}
		if len(r.Messages) != 1 || !strings.Contains(r.Messages[0].Text, map[string]string{"es": "persona", "en": "a person"}[c.lang]) {
			t.Errorf("%q: messages %q", c.text, texts(r))
		}
	}
	if m := b.Match("es", "quiero hablar con un humano"); m.Reason != faq.AskedForHuman || !m.HandOff() {
		t.Errorf("Match = %+v", m)
	}
}

// R2: gibberish scores below the threshold and hands off.
func TestLowConfidenceHandsOff(t *testing.T) {
	b := example(t)
	r := reply(t, b, turn("t1", chatbot.TurnMessage, "es", "xkcd qwerty zzz"))
	if len(r.Actions) != 1 || !strings.Contains(r.Actions[0].(chatbot.HandOff).Note, "no answer fits") {
		t.Errorf("gibberish: %v", r.Actions)
	}
	if m := b.Match("es", "xkcd qwerty zzz"); m.Reason != faq.LowScore || m.Entry != -1 {
		t.Errorf("Match = %+v", m)
	}
	// "pedido" (order) is in several Spanish entries alike: too close.
	m := b.Match("es", "pedido")
	if m.Reason != faq.TooClose || m.Score >= faq.DefaultMinLead*m.Second {
		t.Errorf("Match(pedido) = %+v, want TooClose", m)
	}
	r = reply(t, b, turn("t2", chatbot.TurnMessage, "es", "pedido"))
	if len(r.Actions) != 1 || !strings.Contains(r.Actions[0].(chatbot.HandOff).Note, "two answers fit") {
		t.Errorf("ambiguous: %v", r.Actions)
	}
}

// A retried turn (same id, same state) gets the same reply: the bot
// answers from the turn alone and returns its state unchanged.
func TestRetriedTurnSameReply(t *testing.T) {
	b := example(t)
	for _, text := range []string{"¿Cuánto cuesta el envío?", "quiero hablar con un humano", "zzz"} {
		tr := turn("t7", chatbot.TurnOpened, "es", text)
		tr.State = chatbot.State(`{"n":3}`)
		first := reply(t, b, tr)
		again := reply(t, b, tr)
		if !reflect.DeepEqual(first, again) {
			t.Errorf("%q: %+v then %+v", text, first, again)
		}
		if string(first.State) != `{"n":3}` {
			t.Errorf("%q: state %q, want it unchanged", text, first.State)
		}
	}
}

// The first turn of a conversation is greeted; later ones are not; a turn
// without messages gets an empty reply that keeps the state.
func TestGreetingAndEmptyTurns(t *testing.T) {
	b := example(t)
	r := reply(t, b, turn("t1", chatbot.TurnOpened, "en", "Do you ship abroad?"))
	if want := []string{"Hi! I am the automatic assistant.", "We ship to the whole European Union and to Latin America."}; !reflect.DeepEqual(texts(r), want) {
		t.Errorf("opened: %q, want %q", texts(r), want)
	}
	r = reply(t, b, turn("t2", chatbot.TurnMessage, "en", "Do you ship abroad?"))
	if len(r.Messages) != 1 {
		t.Errorf("message turn: %q, want the answer alone", texts(r))
	}
	for _, k := range []chatbot.TurnKind{chatbot.TurnResumed, chatbot.TurnTimedOut} {
		tr := turn("t3", k, "en")
		tr.State = chatbot.State("s")
		r = reply(t, b, tr)
		if len(r.Messages) != 0 || len(r.Actions) != 0 || string(r.State) != "s" {
			t.Errorf("%s without messages: %+v", k, r)
		}
	}
}

// A contact whose language has no entries is answered in the default
// language; a Set without one tries every language.
func TestLanguageChoice(t *testing.T) {
	b := example(t)
	if m := b.Match("fr", "¿Dónde están ubicados?"); m.Reason != faq.Answered || m.Language != "es" {
		t.Errorf("fr with default es: %+v", m)
	}
	if m := b.Match("", "Where are you located?"); m.Reason == faq.Answered {
		t.Errorf("no language, default es, English text: %+v, want no answer", m)
	}
	s := faq.DefaultSet()
	s.MinScore = 0.5 // two questions: every word is in half of them
	s.Entries = []faq.Entry{{Language: "es", Questions: []string{"horario de atención"}, Answer: "9 a 18"}, {Language: "en", Questions: []string{"opening hours"}, Answer: "9 to 6"}}
	nb, err := faq.New(s)
	if err != nil {
		t.Fatal(err)
	}
	if m := nb.Match("", "opening hours?"); m.Reason != faq.Answered || m.Answer != "9 to 6" || m.Language != "en" {
		t.Errorf("no default language: %+v", m)
	}
}

func TestInvalidTurn(t *testing.T) {
	b := example(t)
	tr := turn("", chatbot.TurnMessage, "es", "hola")
	if _, err := b.Turn(context.Background(), tr); !errors.Is(err, chatbot.ErrInvalid) {
		t.Errorf("turn without id: %v", err)
	}
}

// A bad file is a *FileError wrapping ErrInvalid that says where: the line
// of a JSON error, the entry and field of a wrong value.
func TestParseErrors(t *testing.T) {
	const entry = `{"language": "es", "questions": ["¿Cuál es el horario?"], "answer": "9 a 18"}`
	for _, c := range []struct {
		name, src   string
		line, entry int
		field       string
	}{
		{"syntax", "{\n\"entries\": [\n" + entry + ",\n]}", 4, 0, ""},
		{"unknown field", "{\n\"entries\": [" + entry + "],\n\"treshold\": 3}\n", 3, 0, ""},
		{"wrong type", "{\n\"min_score\": \"high\"}", 2, 0, ""},
		{"trailing data", "{\"entries\": [" + entry + "]}\n{}", 2, 0, ""},
		{"no entries", `{}`, 0, 0, "entries"},
		{"min score", `{"min_score": 0, "entries": [` + entry + `]}`, 0, 0, "min_score"},
		{"min lead", `{"min_lead": 0.5, "entries": [` + entry + `]}`, 0, 0, "min_lead"},
		{"bad language", `{"entries": [` + entry + `, {"language": "x!", "questions": ["q"], "answer": "a"}]}`, 0, 2, "language"},
		{"no answer", `{"entries": [` + entry + `, ` + entry + `, {"language": "es", "questions": ["q"], "answer": " "}]}`, 0, 3, "answer"},
		{"no question", `{"entries": [{"language": "en", "questions": [], "answer": "a"}]}`, 0, 1, "questions"},
		{"only stopwords", `{"entries": [{"language": "es", "questions": ["¿de la que?"], "answer": "a"}]}`, 0, 1, "questions"},
		{"default without entries", `{"default_language": "pt", "entries": [` + entry + `]}`, 0, 0, "default_language"},
		{"language twice", `{"languages": {"es": {}, "es-ES": {}}, "entries": [` + entry + `]}`, 0, 0, "languages"},
		{"bad team", `{"hand_off_team": " ", "entries": [` + entry + `]}`, 0, 0, "hand_off_team"},
	} {
		_, err := faq.Parse([]byte(c.src))
		var fe *faq.FileError
		if !errors.Is(err, faq.ErrInvalid) || !errors.As(err, &fe) {
			t.Errorf("%s: %v, want a *FileError wrapping ErrInvalid", c.name, err)
			continue
		}
		if c.entry > 0 && !strings.HasPrefix(err.Error(), fmt.Sprintf("faq: entry %d: %s: invalid FAQ: ", c.entry, c.field)) {
			t.Errorf("%s: message %q does not name the entry and field", c.name, err)
		}
		if c.line > 0 && !strings.HasPrefix(err.Error(), fmt.Sprintf("faq: line %d: invalid FAQ: ", c.line)) {
			t.Errorf("%s: message %q does not name the line", c.name, err)
		}
		if fe.Line != c.line || fe.Entry != c.entry || fe.Field != c.field {
			t.Errorf("%s: %v: line %d entry %d field %q, want %d %d %q", c.name, err, fe.Line, fe.Entry, fe.Field, c.line, c.entry, c.field)
		}
	}
}

// Matching ignores case and accents (x/text), stopwords, and a plural s.
func TestNormalisedMatching(t *testing.T) {
	s := faq.DefaultSet()
	s.MinScore = 0.5 // two questions: every word is in half of them
	s.Entries = []faq.Entry{
		{Language: "es", Questions: []string{"Métodos de PAGO"}, Answer: "pago"},
		{Language: "es", Questions: []string{"horario de atención"}, Answer: "horario"},
	}
	b, err := faq.New(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"metodo pago", "MÉTODOS DE PAGO", "¿los métodos?"} {
		if m := b.Match("es", q); m.Answer != "pago" {
			t.Errorf("%q: %+v", q, m)
		}
	}
	if m := b.Match("es", "ATENCIÓN"); m.Answer != "horario" {
		t.Errorf("ATENCIÓN: %+v", m)
	}
}

// BenchmarkTurn is one turn of the FAQ bot over 1,000 generated entries
// (500 Spanish, 500 English, three questions each, words drawn from a
// vocabulary of 2,000), asked a question of a random entry.
func BenchmarkTurn(b *testing.B) {
	bot, turns, err := faqbench.Bot(1000, 64)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := bot.Turn(ctx, turns[i%len(turns)]); err != nil {
			b.Fatal(err)
		}
	}
}

// The sample file parses, and a caller that changes its copy of the file
// leaves the sample as it is.
func TestSample(t *testing.T) {
	f := faq.SampleFile()
	f[0] = 'x'
	if _, err := faq.Parse(faq.SampleFile()); err != nil {
		t.Fatal(err)
	}
	if m := faq.Sample().Match("es", "¿A qué hora abren?"); m.HandOff() {
		t.Fatalf("the sample answers its own question: %+v", m)
	}
}
