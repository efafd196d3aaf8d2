package webhook_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/webhook"
)

// docExample returns the fenced block after the marker
// <!-- example:name --> in docs/webhook.md.
func docExample(t *testing.T, doc, name string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "<!-- example:"+name+" -->\n")
	if !ok {
		t.Fatalf("docs/webhook.md has no example %q", name)
	}
	_, rest, ok = strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("example %q has no fenced block", name)
	}
	_, rest, _ = strings.Cut(rest, "\n") // the fence's info string
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("example %q is not closed", name)
	}
	return block
}

// docs/webhook.md is the protocol for bot authors: its examples decode
// with this package, its actions are all the actions there are, its
// worked signature is Sign's, and its headers are the package's.
func TestDoc(t *testing.T) {
	raw, err := os.ReadFile("../../docs/webhook.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)

	turn, err := webhook.DecodeTurn([]byte(docExample(t, doc, "turn")))
	if err != nil {
		t.Errorf("the example turn: %v", err)
	}
	if turn.Kind != chatbot.TurnMessage || len(turn.Messages) != 1 || len(turn.Messages[0].Files) != 1 || string(turn.State) != `{"step":2}` || turn.At.IsZero() {
		t.Errorf("the example turn decodes as %#v", turn)
	}

	reply, err := webhook.DecodeReply([]byte(docExample(t, doc, "reply")))
	if err != nil {
		t.Errorf("the example reply: %v", err)
	}
	if c, err := reply.Validate(); err != nil || len(c.Refused) != 0 || c.EndsHold == nil || c.EndsHold.Kind() != chatbot.KindHandOff {
		t.Errorf("the example reply validates as %#v, %v", c, err)
	}

	all, err := webhook.DecodeReply([]byte(`{"actions":` + docExample(t, doc, "actions") + `}`))
	if err != nil {
		t.Fatalf("the example actions: %v", err)
	}
	var kinds []chatbot.ActionKind
	for _, a := range all.Actions {
		kinds = append(kinds, a.Kind())
		if err := a.Validate(); err != nil {
			t.Errorf("the example %s: %v", a.Kind(), err)
		}
	}
	for k := chatbot.ActionKind(1); !strings.HasPrefix(k.String(), "ActionKind("); k++ {
		if !slices.Contains(kinds, k) {
			t.Errorf("the doc's examples have no %s action", k)
		}
		if !strings.Contains(doc, "| `"+k.String()+"` |") {
			t.Errorf("the doc's table of actions has no %s", k)
		}
	}
	for _, k := range []chatbot.TurnKind{chatbot.TurnOpened, chatbot.TurnMessage, chatbot.TurnResumed, chatbot.TurnTimedOut} {
		if !strings.Contains(doc, "`"+k.String()+"`") {
			t.Errorf("the doc does not name the turn kind %s", k)
		}
	}

	body := strings.TrimSuffix(docExample(t, doc, "signature"), "\n")
	sig := webhook.Sign([]byte("example-secret"), "1764615600", []byte(body))
	if !strings.Contains(doc, webhook.SignatureHeader+": "+sig+"\n") || !strings.Contains(doc, "# "+sig+"\n") {
		t.Errorf("the doc's worked signature is not %s", sig)
	}
	for _, limit := range []string{
		fmt.Sprintf("at most %d KiB before encoding", chatbot.MaxStateBytes>>10),
		fmt.Sprintf("A `state` longer than %d KiB fails", chatbot.MaxStateBytes>>10),
		fmt.Sprintf("the newest %d when more came", chatbot.MaxTurnMessages),
		fmt.Sprintf("more than %d\nmessages or %d actions, a note longer than %d characters", chatbot.MaxReplyMessages, chatbot.MaxActions, chatbot.MaxNoteLen),
		fmt.Sprintf("larger than %d MiB", webhook.DefaultMaxResponseBytes>>20),
		fmt.Sprintf("more than %d minutes", webhook.DefaultTolerance/time.Minute),
	} {
		if !strings.Contains(doc, limit) {
			t.Errorf("the doc does not say %q", limit)
		}
	}
	for _, h := range []string{webhook.TimestampHeader, webhook.SignatureHeader, webhook.IdempotencyHeader} {
		if !strings.Contains(doc, "| `"+h+"` |") {
			t.Errorf("the doc's table of headers has no %s", h)
		}
	}
}
