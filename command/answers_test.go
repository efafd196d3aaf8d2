package command_test

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"

	"github.com/telenet/contactcenter/command"
	"github.com/telenet/contactcenter/ticket"
)

func TestLanguage(t *testing.T) {
	a := command.NewAnswers()
	for lang, want := range map[string]language.Tag{
		"es-MX": language.Spanish, "es_AR": language.Spanish, "es": language.Spanish,
		"pt-BR": language.Portuguese, "pt": language.Portuguese,
		"en": language.English, "en-GB": language.English,
		"de": language.English, "": language.English, "not a tag!": language.English,
	} {
		if got := a.Language(lang); got != want {
			t.Errorf("Language(%q) = %v, want %v", lang, got, want)
		}
	}
}

// Every key has a text in every language of the library.
func TestEveryAnswerTranslated(t *testing.T) {
	a := command.NewAnswers()
	keys := map[command.Key][]any{
		command.KeyOpened: {"2"}, command.KeySwitched: {"2"}, command.KeyAlready: {"2"}, command.KeyElsewhere: {"2"}, command.KeyNotFound: {"2", "/x"},
		command.KeyUsage: {"/y", "/x"}, command.KeyListCurrent: nil, command.KeyListOthers: {2}, command.KeyListOpen: {2},
		command.KeyListNoOthers: nil, command.KeyListNone: nil, command.KeyListHint: {"/y", "/x"},
	}
	for _, lang := range []string{"en", "es", "pt"} {
		seen := map[string]command.Key{}
		for k, args := range keys {
			text := a.Text(lang, k, args...)
			if text == "" || text == string(k) || strings.Contains(text, "%!") {
				t.Errorf("%s %s: %q", lang, k, text)
			}
			if other, dup := seen[text]; dup {
				t.Errorf("%s: %s and %s read the same", lang, k, other)
			}
			seen[text] = k
		}
	}
}

// A regional text serves its region; the rest of that language's answers
// still come in the language, not in English.
func TestRegionalOverride(t *testing.T) {
	a := command.NewAnswers()
	mx := language.MustParse("es-MX")
	if err := a.Set(mx, command.KeyOpened, catalog.String("¡Órale! Ticket #%[1]s abierto.")); err != nil {
		t.Fatal(err)
	}
	if got := a.Text("es-MX", command.KeyOpened, "5"); got != "¡Órale! Ticket #5 abierto." {
		t.Errorf("es-MX: %q", got)
	}
	for _, lang := range []string{"es-MX", "es-AR", "es-419", "es"} {
		if got := a.Text(lang, command.KeyAlready, "5"); got != "Ya estás en el ticket #5." {
			t.Errorf("%s: %q", lang, got)
		}
	}
}

func TestPlural(t *testing.T) {
	a := command.NewAnswers()
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "Your other open ticket:"},
		{"en", 2, "Your 2 other open tickets:"},
		{"es", 1, "Tu otro ticket abierto:"},
		{"es", 3, "Tus otros 3 tickets abiertos:"},
		{"pt", 1, "Seu outro ticket aberto:"},
		{"pt", 5, "Seus outros 5 tickets abertos:"},
	} {
		if got := a.Text(tc.lang, command.KeyListOthers, tc.n); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

func TestOverride(t *testing.T) {
	a := command.NewAnswers()
	if err := a.Set(language.English, command.KeyAlready, catalog.String("Still on #%[1]s!")); err != nil {
		t.Fatal(err)
	}
	if err := a.Set(language.French, command.KeyListOthers, plural.Selectf(1, "%d", plural.One, "Votre autre ticket :", plural.Other, "Vos %[1]d autres tickets :")); err != nil {
		t.Fatal(err)
	}
	if got := a.Text("en-US", command.KeyAlready, "7"); got != "Still on #7!" {
		t.Errorf("override: %q", got)
	}
	if got := a.Text("es", command.KeyAlready, "7"); got != "Ya estás en el ticket #7." {
		t.Errorf("other languages keep theirs: %q", got)
	}
	if a.Language("fr-CA") != language.French {
		t.Error("a language a host adds is matched")
	}
	if got := a.Text("fr", command.KeyListOthers, 2); got != "Vos 2 autres tickets :" {
		t.Errorf("added language: %q", got)
	}
	if got := a.Text("fr", command.KeyOpened, "7"); got != "Ticket #7 is open. Write to us here and an agent will answer." {
		t.Errorf("missing texts of an added language fall back to English: %q", got)
	}
}

func tickets(n int) []ticket.Ticket {
	ts := make([]ticket.Ticket, n)
	for i := range ts {
		ts[i] = ticket.Ticket{ID: ticket.ID(fmt.Sprint("t", i)), Number: ticket.Number(1430 + i), Subject: fmt.Sprint("Subject ", i)}
	}
	return ts
}

func TestList(t *testing.T) {
	a := command.NewAnswers()
	open := tickets(3)
	got := a.List("en", command.ListInput{Current: &open[1], Open: open, ShowSubject: true, SwitchWord: "/ticket", NewWord: "/new"})
	want := "Current ticket:\n#1431 — Subject 1\n\nYour 2 other open tickets:\n#1430 — Subject 0\n#1432 — Subject 2\n\n" +
		"Send /ticket and a number to change tickets, or /new to open a new one."
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = a.List("en", command.ListInput{Current: &open[0], Open: open[:1], SwitchWord: "/ticket", NewWord: "/new"})
	if want := "Current ticket:\n#1430\n\nYou have no other open tickets.\n\nSend /ticket and a number to change tickets, or /new to open a new one."; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = a.List("es", command.ListInput{SwitchWord: "/caso", NewWord: "/nuevo"})
	if want := "No tienes tickets abiertos.\nEnvía /caso y un número para cambiar de ticket, o /nuevo para abrir uno nuevo."; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// BenchmarkList measures the list answer for a contact with 5 open tickets.
//
//	go test -run '^$' -bench List -benchmem ./command/
func BenchmarkList(b *testing.B) {
	a := command.NewAnswers()
	open := tickets(5)
	in := command.ListInput{Current: &open[2], Open: open, ShowSubject: true, SwitchWord: "/ticket", NewWord: "/new"}
	b.ReportAllocs()
	for b.Loop() {
		if a.List("es-MX", in) == "" {
			b.Fatal("empty")
		}
	}
}
