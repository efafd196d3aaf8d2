package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/faq"
	"github.com/telenet/contactcenter/conversation"
)

// staffText returns the staff group's messages' texts, joined.
func (w *world) staffText() string { return strings.Join(texts(w.inStaff()), "\n") }

// staffMessage returns the last staff message whose text starts with
// prefix.
func (w *world) staffMessage(t *testing.T, prefix string) models.Message {
	t.Helper()
	s := w.inStaff()
	for i := len(s) - 1; i >= 0; i-- {
		if strings.HasPrefix(texts(s[i : i+1])[0], prefix) {
			return s[i]
		}
	}
	t.Fatalf("no staff message starts with %q: %q", prefix, texts(s))
	return models.Message{}
}

// R2 in the desk, -bot faq: the FAQ bot answers a customer's question on
// the customer's side, and the staff group sees the header marked, the
// copy and the bot's answers; "quiero hablar con un humano" hands off:
// the notice with the bot's note in the staff group, the conversation in
// /queue; an agent's reply reaches the customer and takes the
// conversation (R10), and the bot says nothing more.
func TestHelpDeskFAQBot(t *testing.T) {
	w := newWorld(t)
	desk := w.startWith(t, Config{FAQ: faq.Sample()})
	ctx := context.Background()

	w.lucia.Send(token, "¿Cuánto tarda el envío?")
	w.wait(t, "the bot's answer", func() bool { return len(w.toCustomer(w.lucia)) == 2 })
	assert.Equal(t, []string{"¡Hola! Soy el asistente automático.", "Los envíos tardan de 2 a 5 días hábiles."}, texts(w.toCustomer(w.lucia)))
	w.wait(t, "the staff group's view", func() bool { return strings.Contains(w.staffText(), "🤖 bot: Los envíos tardan") })
	header := w.inStaff()[0]
	assert.Contains(t, header.Text, "#1 · Lucía · es-MX")
	assert.Contains(t, header.Text, "🤖 The bot is answering; a reply takes the conversation from it.")
	assert.Equal(t, []string{"¿Cuánto tarda el envío?", "🤖 bot: ¡Hola! Soy el asistente automático.", "🤖 bot: Los envíos tardan de 2 a 5 días hábiles."},
		texts(w.inStaff()[1:]))
	for _, m := range w.inStaff()[1:] {
		require.NotNil(t, m.ReplyToMessage, "%q hangs from the header", m.Text)
		assert.Equal(t, header.ID, m.ReplyToMessage.ID)
	}
	conv := conversationOf(t, desk, 1)
	c, err := desk.d.eng.Conversation(ctx, workspace, conv)
	require.NoError(t, err)
	assert.True(t, c.Held(), "the bot holds the conversation")
	w.group.Send(token, w.ana, "/queue", 0)
	w.wait(t, "the empty queue", func() bool { return w.lastInStaff().Text == "Nobody is waiting." })

	w.lucia.Send(token, "quiero hablar con un humano")
	w.wait(t, "the hand-off message", func() bool { return len(w.toCustomer(w.lucia)) == 3 })
	assert.Equal(t, "Te paso con una persona del equipo; te responderá en breve.", w.toCustomer(w.lucia)[2].Text)
	const notice = "#1: 🤖 the bot handed off. The conversation waits for an agent: reply to answer, or /claim.\n" +
		`The bot's note: FAQ bot: the contact asked for a person: "quiero hablar con un humano"`
	w.wait(t, "the hand-off notice", func() bool { return strings.Contains(w.staffText(), notice) })
	c, err = desk.d.eng.Conversation(ctx, workspace, conv)
	require.NoError(t, err)
	assert.True(t, c.Waiting(), "handed off into the queue")
	w.group.Send(token, w.ana, "/queue", 0)
	w.wait(t, "the queue", func() bool { return strings.HasPrefix(w.lastInStaff().Text, "Waiting (1):\n#1, ") })

	// The agent replies to the notice: it reaches the customer.
	w.group.Send(token, w.ana, "Hola Lucía, soy Ana. ¿Qué necesitas?", w.staffMessage(t, "#1: 🤖 the bot handed off").ID)
	w.wait(t, "the agent's answer", func() bool { return len(w.toCustomer(w.lucia)) == 4 })
	assert.Equal(t, "Hola Lucía, soy Ana. ¿Qué necesitas?", w.toCustomer(w.lucia)[3].Text)
	c, err = desk.d.eng.Conversation(ctx, workspace, conv)
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("7"), c.Assignee, "R10")
	assert.False(t, c.Held())

	// The customer writes again: the staff group sees it; the bot, which
	// let go of the conversation, takes no turn.
	w.lucia.Send(token, "¿El envío es gratis?")
	w.wait(t, "the copy", func() bool { return w.lastInStaff().Text == "¿El envío es gratis?" })
	ms, err := desk.d.eng.Messages(ctx, workspace, conv)
	require.NoError(t, err)
	var byBot []string
	for _, m := range ms {
		if m.Author.Kind == conversation.AuthorBot {
			byBot = append(byBot, m.Text)
		}
	}
	assert.Len(t, byBot, 3, "the greeting, the answer and the hand-off: nothing after the agent's reply")
	assert.Equal(t, "¿El envío es gratis?", ms[len(ms)-1].Text, "the last message is the customer's")
	assert.Len(t, w.toCustomer(w.lucia), 4)
	assert.Equal(t, 3, strings.Count(w.staffText(), "🤖 bot: "), "no answer of the bot's after the agent's")
}

// R2, R10: an agent who replies, in the staff group, to the bot's answer
// in a conversation the bot holds takes the conversation from the bot: the
// customer gets the reply, the group a notice, and the bot answers no
// more.
func TestHelpDeskReplyTakesFromBot(t *testing.T) {
	w := newWorld(t)
	desk := w.startWith(t, Config{FAQ: faq.Sample()})
	ctx := context.Background()

	w.marta.Send(token, "¿Dónde están ubicados?") // pt-BR has no entries: the sample's default, es
	w.wait(t, "the bot's answer in the staff group", func() bool { return strings.Contains(w.staffText(), "🤖 bot: Estamos en Av. Corrientes") })
	answer := w.staffMessage(t, "🤖 bot: Estamos en Av. Corrientes")
	w.group.Send(token, w.bruno, "Hi Marta, Bruno here", answer.ID)
	w.wait(t, "Bruno's reply", func() bool { return len(w.toCustomer(w.marta)) == 3 })
	assert.Equal(t, "Hi Marta, Bruno here", w.toCustomer(w.marta)[2].Text)
	w.wait(t, "the notice", func() bool { return strings.Contains(w.staffText(), "#1: Bruno took the conversation from the bot.") })
	c, err := desk.d.eng.Conversation(ctx, workspace, conversationOf(t, desk, 1))
	require.NoError(t, err)
	assert.False(t, c.Held())
	assert.Equal(t, conversation.AgentID("8"), c.Assignee)

	w.marta.Send(token, "¿Cuál es el horario de atención?")
	w.wait(t, "the copy", func() bool { return w.lastInStaff().Text == "¿Cuál es el horario de atención?" })
	ms, err := desk.d.eng.Messages(ctx, workspace, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "¿Cuál es el horario de atención?", ms[len(ms)-1].Text, "the bot did not answer")
	assert.Len(t, w.toCustomer(w.marta), 3)

	// /claim takes a conversation from the bot too.
	w.lucia.Send(token, "¿Cuál es el horario de atención?")
	w.wait(t, "the bot's answer to Lucía", func() bool { return len(w.toCustomer(w.lucia)) == 2 })
	w.wait(t, "Lucía's header", func() bool { return strings.Contains(w.staffText(), "#2 · Lucía") })
	w.group.Send(token, w.ana, "/claim", w.staffMessage(t, "#2 · Lucía").ID)
	w.wait(t, "the claim", func() bool { return strings.Contains(w.staffText(), "#2 is Ana's.") })
	w.wait(t, "the notice", func() bool { return strings.Contains(w.staffText(), "#2: Ana took the conversation from the bot.") })
	c, err = desk.d.eng.Conversation(ctx, workspace, conversationOf(t, desk, 2))
	require.NoError(t, err)
	assert.False(t, c.Held())
	assert.Equal(t, conversation.AgentID("7"), c.Assignee)
}

// -bot and -faq: faq is the only bot, -faq needs it, and the file must be
// readable and valid; -bot faq alone takes the sample.
func TestConfigureBot(t *testing.T) {
	env := func(k string) string { return map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "-1"}[k] }
	dir := t.TempDir()
	own := filepath.Join(dir, "own.json")
	require.NoError(t, os.WriteFile(own, []byte(`{"min_score": 0.5, "languages": {"es": {}},
	  "entries": [{"language": "es", "questions": ["¿Tienen estacionamiento?"], "answer": "Sí, en el subsuelo."}]}`), 0o600))
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"entries": [{"language": "es", "questions": [], "answer": "x"}]}`), 0o600))

	cfg, err := configure(nil, env, io.Discard)
	require.NoError(t, err)
	assert.Nil(t, cfg.FAQ, "no bot by default")
	_, err = configure([]string{"-bot", "gpt"}, env, io.Discard)
	assert.ErrorContains(t, err, `-bot "gpt": the desk's only bot is faq`)
	_, err = configure([]string{"-faq", own}, env, io.Discard)
	assert.ErrorContains(t, err, "needs -bot faq")
	_, err = configure([]string{"-bot", "faq", "-faq", filepath.Join(dir, "missing.json")}, env, io.Discard)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "-faq")
	_, err = configure([]string{"-bot", "faq", "-faq", bad}, env, io.Discard)
	require.ErrorIs(t, err, faq.ErrInvalid)
	assert.ErrorContains(t, err, "-faq "+bad+": faq: entry 1")
	var fe *faq.FileError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, 1, fe.Entry)

	cfg, err = configure([]string{"-bot", "faq"}, env, io.Discard)
	require.NoError(t, err)
	require.NotNil(t, cfg.FAQ)
	assert.Equal(t, "Los envíos tardan de 2 a 5 días hábiles.", cfg.FAQ.Match("es", "¿cuánto tarda el envío?").Answer, "the sample")
	cfg, err = configure([]string{"-bot", "faq", "-faq", own}, env, io.Discard)
	require.NoError(t, err)
	require.NotNil(t, cfg.FAQ)
	assert.Equal(t, "Sí, en el subsuelo.", cfg.FAQ.Match("es", "¿tienen estacionamiento?").Answer, "the host's file")
}

// failingBot is a bot whose every turn fails.
type failingBot struct{}

func (failingBot) Turn(context.Context, chatbot.Turn) (chatbot.Reply, error) {
	return chatbot.Reply{}, errors.New("the bot's service is down")
}

// R2: a bot that fails every turn never leaves a customer unanswered:
// after three failures the engine hands the conversation to the staff,
// the customer gets the desk's fallback message in their language, and
// the staff group a notice; the conversation is in /queue.
func TestHelpDeskBotFallback(t *testing.T) {
	w := newWorld(t)
	desk := w.startWith(t, Config{bot: failingBot{}})
	ctx := context.Background()

	w.lucia.Send(token, "¿Cuánto tarda el envío?")
	w.wait(t, "the fallback message", func() bool { return len(w.toCustomer(w.lucia)) == 1 })
	assert.Equal(t, fallbackVariants[0].Text, w.toCustomer(w.lucia)[0].Text, "the Spanish variant for es-MX")
	w.wait(t, "the notice", func() bool {
		return strings.Contains(w.staffText(), "#1: 🤖 the bot failed to answer. The conversation waits for an agent: reply to answer, or /claim.")
	})
	c, err := desk.d.eng.Conversation(ctx, workspace, conversationOf(t, desk, 1))
	require.NoError(t, err)
	assert.True(t, c.Waiting(), "in the queue")
	w.group.Send(token, w.ana, "/queue", 0)
	w.wait(t, "the queue", func() bool { return strings.HasPrefix(w.lastInStaff().Text, "Waiting (1):\n#1, ") })
}
