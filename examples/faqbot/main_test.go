package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/telenet/contactcenter/chatbot/faq"
)

// play runs the program with args and stdin, and returns its exit code,
// output and errors.
func play(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errs)
	return code, out.String(), errs.String()
}

// inOrder reports the first of want that text does not hold after the
// ones before it, or "" when it holds them all in order.
func inOrder(text string, want []string) string {
	for _, w := range want {
		i := strings.Index(text, w)
		if i < 0 {
			return w
		}
		text = text[i+len(w):]
	}
	return ""
}

// R2: the scripted exchange: the bot holds the new conversations and
// answers a Spanish and an English question; "quiero hablar con un
// humano" hands off into the queue with the bot's note; the agent's
// reply takes the conversation and the bot answers no more. The output
// is the same every run.
func TestScript(t *testing.T) {
	code, text, errs := play(t, "")
	if code != 0 || errs != "" {
		t.Fatalf("exit code %d, errors %q; output:\n%s", code, errs, text)
	}
	want := []string{
		"Lucía (es) > ¿Cuánto tarda el envío?",
		`[#1 opened, held by the bot "faq": not in the queue]`,
		"bot > ¡Hola! Soy el asistente automático.",
		"bot > Los envíos tardan de 2 a 5 días hábiles.",
		"Tom (en) > How much is shipping?",
		"bot > Hi! I am the automatic assistant.",
		"bot > Shipping is free on orders over €50; otherwise it costs €4.90.",
		"Lucía (es) > quiero hablar con un humano",
		"bot > Te paso con una persona del equipo; te responderá en breve.",
		`[#1 handed off: it waits in the queue; the bot's note for the agent: FAQ bot: the contact asked for a person: "quiero hablar con un humano"]`,
		"[queue: #1]",
		"Ana (agent) > Hola Lucía, soy Ana.",
		"[#1: Ana's reply takes the conversation: assignee ana, held by the bot: false]",
		"[queue: empty]",
		"Lucía (es) > Gracias, Ana",
		"[#1 is ana's: the bot answers no more]",
		"End: 3 turn(s) of the bot, 1 hand-off(s).",
	}
	if missing := inOrder(text, want); missing != "" {
		t.Errorf("the script does not show %q in its place; it shows:\n%s", missing, text)
	}
	if n := strings.Count(text, "bot > "); n != 5 {
		t.Errorf("%d messages of the bot, want 5 (two greetings, two answers, the hand-off):\n%s", n, text)
	}
	if _, again, _ := play(t, ""); again != text {
		t.Errorf("the output differs between runs:\n%s\n---\n%s", text, again)
	}
}

// R2: -i reads the contact's lines: answered, then handed off; a line
// after the hand-off waits for a person, unanswered by the bot.
func TestInteractive(t *testing.T) {
	code, text, errs := play(t, "What is the store address?\n\nI want an agent\nhello?\n", "-i", "-lang", "en")
	if code != 0 || errs != "" {
		t.Fatalf("exit code %d, errors %q; output:\n%s", code, errs, text)
	}
	want := []string{
		"You (en) > What is the store address?",
		"bot > We are at 1234 Corrientes Avenue, Buenos Aires.",
		"You (en) > I want an agent",
		"bot > I am passing you to a person from our team; they will answer shortly.",
		"[#1 handed off: it waits in the queue;",
		"[queue: #1]",
		"You (en) > hello?",
		"[#1 waits for a person in the queue: the bot answers no more]",
	}
	if missing := inOrder(text, want); missing != "" {
		t.Errorf("-i does not show %q in its place; it shows:\n%s", missing, text)
	}
}

// -faq uses a host's file; a file that does not parse, or is not there,
// stops the program with exit code 2 and says why.
func TestFAQFile(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "own.json")
	if err := os.WriteFile(own, []byte(`{"min_score": 0.5, "languages": {"es": {}},
	  "entries": [{"language": "es", "questions": ["¿Tienen estacionamiento?"], "answer": "Sí, en el subsuelo."}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, text, errs := play(t, "¿tienen estacionamiento?\n", "-i", "-faq", own)
	if code != 0 || errs != "" {
		t.Fatalf("exit code %d, errors %q; output:\n%s", code, errs, text)
	}
	if missing := inOrder(text, []string{"from the FAQ file " + own, "bot > Sí, en el subsuelo."}); missing != "" {
		t.Errorf("the host's file is not used: no %q in:\n%s", missing, text)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\n  \"entries\": [\n    {\"language\": \"es\", \"questions\": [], \"answer\": \"x\"}\n  ]\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, text, errs = play(t, "", "-faq", bad)
	if code != 2 {
		t.Errorf("exit code %d for a bad file, want 2", code)
	}
	if text != "" {
		t.Errorf("a bad file runs nothing; the output is:\n%s", text)
	}
	if !strings.Contains(errs, "-faq "+bad) || !strings.Contains(errs, "entry 1") {
		t.Errorf("the error does not say which file and entry: %q", errs)
	}
	var fe *faq.FileError
	if _, err := loadBot(bad); !errors.As(err, &fe) || !errors.Is(err, faq.ErrInvalid) || fe.Entry != 1 {
		t.Errorf("loadBot(bad) = %v, want a *faq.FileError of entry 1 wrapping faq.ErrInvalid", err)
	}

	code, _, errs = play(t, "", "-faq", filepath.Join(dir, "missing.json"))
	if code != 2 || !strings.Contains(errs, "missing.json") {
		t.Errorf("a missing file: exit code %d, errors %q; want 2 and the file's name", code, errs)
	}
	if _, err := loadBot(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("loadBot(missing) = %v, want an error wrapping os.ErrNotExist", err)
	}
	if code, _, _ = play(t, "", "-nope"); code != 2 {
		t.Errorf("an unknown flag: exit code %d, want 2", code)
	}
}
