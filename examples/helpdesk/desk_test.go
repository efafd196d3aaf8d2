package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/telegram/telegramtest"
	"github.com/telenet/contactcenter/ticket"
)

const (
	token = "123:secret"
	staff = -1001
)

// world is the fake Telegram with a bot, a staff group, two customers and
// two agents.
type world struct {
	srv          *telegramtest.Server
	group        *telegramtest.Group
	lucia, marta *telegramtest.User
	ana, bruno   *telegramtest.User
	db           string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{srv: telegramtest.NewServer(), db: filepath.Join(t.TempDir(), "helpdesk.db")}
	t.Cleanup(w.srv.Close)
	w.srv.AddBot(token, "HelpDeskBot")
	w.group = w.srv.Group(staff, "Staff")
	w.lucia = w.srv.User(42, "Lucía", "es-MX")
	w.marta = w.srv.User(43, "Marta", "pt-BR")
	w.ana = w.srv.User(7, "Ana", "es")
	w.bruno = w.srv.User(8, "Bruno", "en")
	return w
}

// running is a Desk serving in the background.
type running struct {
	d    *Desk
	stop func()
}

// start opens the desk on w's database and serves until stopped.
func (w *world) start(t *testing.T) *running { return w.startAt(t, nil) }

// startAt is start with a clock (nil: the real one).
func (w *world) startAt(t *testing.T, now func() time.Time) *running {
	return w.startWith(t, Config{Now: now})
}

// startWith is start with a configuration: its token, staff chat, Bot API
// and database are the world's.
func (w *world) startWith(t *testing.T, cfg Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Token, cfg.StaffChat, cfg.APIURL, cfg.DB, cfg.PollTimeout = token, staff, w.srv.URL(), w.db, time.Second
	d, err := Open(ctx, cfg)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	r := &running{d: d}
	r.stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the desk did not stop")
		}
		_ = d.eng.Close()
		require.NoError(t, d.Close())
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			r.stop()
		}
	})
	require.True(t, w.srv.WaitUntil(5*time.Second, func() bool { return w.srv.Polling(token) }), "the desk polls")
	return r
}

// wait waits until cond holds.
func (w *world) wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.True(t, w.srv.WaitUntil(10*time.Second, cond), "waiting for %s", what)
}

func countText(ms []models.Message, text string) int {
	n := 0
	for _, t := range texts(ms) {
		if t == text {
			n++
		}
	}
	return n
}

func texts(ms []models.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
		if out[i] == "" {
			out[i] = m.Caption
		}
	}
	return out
}

// inStaff returns what the bot posted in the staff group.
func (w *world) inStaff() []models.Message { return w.srv.Sent(token, staff) }

// toCustomer returns what the bot sent a customer.
func (w *world) toCustomer(u *telegramtest.User) []models.Message { return w.srv.Sent(token, u.ID()) }

// The help desk end to end, on its own wiring, against the fake Telegram.
func TestHelpDesk(t *testing.T) {
	w := newWorld(t)
	desk := w.start(t)
	ctx := context.Background()

	// A customer writes: the staff group gets the header and the message.
	w.lucia.Send(token, "Hola, mi pedido no llegó")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	header, copied := w.inStaff()[0], w.inStaff()[1]
	assert.Contains(t, header.Text, "#1")
	assert.Contains(t, header.Text, "Lucía")
	assert.Contains(t, header.Text, "es-MX")
	assert.Equal(t, "Hola, mi pedido no llegó", copied.Text)
	require.NotNil(t, copied.ReplyToMessage, "the copy hangs from the header")
	assert.Equal(t, header.ID, copied.ReplyToMessage.ID)

	// An agent replies to it: the customer gets the answer, the agent the
	// conversation (R10).
	reply := w.group.Send(token, w.ana, "Hola Lucía, lo reviso", copied.ID)
	w.wait(t, "the answer", func() bool { return len(w.toCustomer(w.lucia)) == 1 })
	assert.Equal(t, "Hola Lucía, lo reviso", w.toCustomer(w.lucia)[0].Text)
	q, err := desk.d.eng.Queue(ctx, workspace, 0)
	require.NoError(t, err)
	assert.Empty(t, q)

	// The agent edits the reply: the customer's copy is edited (R8).
	w.group.Edit(token, w.ana, reply.ID, "Hola Lucía, ya lo estoy revisando")
	w.wait(t, "the edit", func() bool { return w.toCustomer(w.lucia)[0].Text == "Hola Lucía, ya lo estoy revisando" })
	assert.NotZero(t, w.toCustomer(w.lucia)[0].EditDate)

	// A second agent's reply is delivered without taking the conversation.
	w.group.Send(token, w.bruno, "Bruno here too", header.ID)
	w.wait(t, "Bruno's answer", func() bool { return len(w.toCustomer(w.lucia)) == 2 })
	convs, err := desk.d.eng.Messages(ctx, workspace, conversationOf(t, desk, 1))
	require.NoError(t, err)
	assert.Len(t, convs, 3)
	c, err := desk.d.eng.Conversation(ctx, workspace, conversationOf(t, desk, 1))
	require.NoError(t, err)
	assert.Equal(t, conversation.AgentID("7"), c.Assignee)

	// Customer commands (R6), answered in Spanish.
	w.lucia.Send(token, "/tickets")
	w.wait(t, "the list", func() bool { return len(w.toCustomer(w.lucia)) == 3 })
	assert.Contains(t, w.toCustomer(w.lucia)[2].Text, "Ticket actual:\n#1")
	w.lucia.Send(token, "/new Factura duplicada")
	w.wait(t, "the new ticket", func() bool { return len(w.toCustomer(w.lucia)) == 4 })
	assert.Equal(t, "Se abrió el ticket #2. Escríbenos aquí y un agente te responderá.", w.toCustomer(w.lucia)[3].Text)
	w.marta.Send(token, "Olá, preciso de ajuda")
	w.wait(t, "Marta's header and copy", func() bool { return strings.Contains(strings.Join(texts(w.inStaff()), "\n"), "Olá, preciso de ajuda") })
	w.lucia.Send(token, "/ticket 3") // Marta's
	w.wait(t, "not found", func() bool { return len(w.toCustomer(w.lucia)) == 5 })
	assert.Equal(t, "El ticket #3 no es uno de tus tickets abiertos. Envía /tickets para verlos.", w.toCustomer(w.lucia)[4].Text)

	// A duplicated update is handled once.
	before := len(w.inStaff())
	dup := w.srv.Confirmed(token) + 1
	w.marta.Send(token, "Segunda mensagem")
	w.wait(t, "Marta's second message", func() bool { return w.srv.Confirmed(token) >= dup })
	w.srv.Redeliver(token, dup)
	w.wait(t, "the redelivery confirmed", func() bool { return w.srv.Pending(token) == 0 && w.srv.Confirmed(token) >= dup })
	w.wait(t, "the copy of the second message", func() bool { return len(w.inStaff()) >= before+1 })
	marta, err := desk.d.eng.Messages(ctx, workspace, conversationOf(t, desk, 3))
	require.NoError(t, err)
	assert.Len(t, marta, 2, "stored once")
	assert.Len(t, w.inStaff(), before+1, "copied once")

	// Staff commands.
	martaCopy := w.inStaff()[len(w.inStaff())-1]
	w.group.Send(token, w.bruno, "/claim", martaCopy.ID)
	w.wait(t, "the claim", func() bool { return strings.HasSuffix(w.inStaff()[len(w.inStaff())-1].Text, "is Bruno's.") })
	w.group.Send(token, w.ana, "/queue", 0)
	w.wait(t, "the queue", func() bool { return strings.HasPrefix(w.inStaff()[len(w.inStaff())-1].Text, "Waiting (1):") })
	w.group.Send(token, w.bruno, "/close Resolved by phone", martaCopy.ID)
	w.wait(t, "the close", func() bool { return w.inStaff()[len(w.inStaff())-1].Text == "#3: conversation closed." })
	closed, err := desk.d.eng.Conversation(ctx, workspace, conversationOf(t, desk, 3))
	require.NoError(t, err)
	assert.Equal(t, conversation.Closed, closed.State)
	assert.Equal(t, "Resolved by phone", closed.ClosingNote.Summary)
	w.group.Send(token, w.ana, "/away", 0)
	w.wait(t, "presence", func() bool { return w.inStaff()[len(w.inStaff())-1].Text == "Ana is away." })

	// After a restart on the same SQLite file the tickets are there and
	// nothing is sent twice.
	sentToLucia, sentToStaff := len(w.toCustomer(w.lucia)), len(w.inStaff())
	desk.stop()
	again := w.start(t)
	for n := ticket.Number(1); n <= 3; n++ {
		_, err := again.d.eng.TicketByNumber(ctx, workspace, n)
		require.NoError(t, err, "ticket #%d", n)
	}
	w.lucia.Send(token, "¿Alguna novedad?")
	w.wait(t, "the new message relayed", func() bool { return len(w.inStaff()) > sentToStaff })
	assert.Len(t, w.toCustomer(w.lucia), sentToLucia, "nothing sent twice to the customer")
	assert.Equal(t, "¿Alguna novedad?", w.inStaff()[len(w.inStaff())-1].Text, "only the new message relayed: %q", texts(w.inStaff()[sentToStaff-2:]))
}

// R7 and R3 in the desk: -timeout closes idle conversations and says so in
// the staff group; an agent who goes /offline leaves their conversations to
// the next agent online.
func TestHelpDeskTimeoutAndReassign(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	desk := w.startWith(t, Config{Now: clock, Timeout: time.Minute})
	ctx := context.Background()
	last := func() string { s := w.inStaff(); return s[len(s)-1].Text }

	w.lucia.Send(token, "Hola")
	w.wait(t, "the copy", func() bool { return len(w.inStaff()) == 2 })
	advance(time.Minute)
	// The desk's own timer loop may fire it first; either way once.
	_, err := desk.d.eng.FireTimers(ctx)
	require.NoError(t, err)
	const notice = "#1: closed after 1m0s without a message."
	w.wait(t, "the notice", func() bool { return last() == notice })
	_, err = desk.d.eng.FireTimers(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, countText(w.inStaff(), notice), "one notice")
	c, err := desk.d.eng.Conversation(ctx, workspace, conversationOf(t, desk, 1))
	require.NoError(t, err)
	assert.Equal(t, conversation.ReasonTimeout, c.CloseReason)

	w.marta.Send(token, "Olá")
	w.wait(t, "Marta's copy", func() bool { return last() == "Olá" })
	copied := w.inStaff()[len(w.inStaff())-1]
	w.group.Send(token, w.ana, "Oi Marta", copied.ID)
	w.wait(t, "the answer", func() bool { return len(w.toCustomer(w.marta)) == 1 })
	w.group.Send(token, w.ana, "/offline", 0)
	w.wait(t, "the abandonment", func() bool {
		return last() == "#2: its agent went offline; it waits for another." || last() == "Ana is offline."
	})
	conv := conversationOf(t, desk, 2)
	w.wait(t, "abandoned", func() bool {
		c, err := desk.d.eng.Conversation(ctx, workspace, conv)
		return err == nil && c.Abandoned && c.Waiting()
	})
	w.group.Send(token, w.bruno, "/online", 0)
	w.wait(t, "Bruno takes it", func() bool {
		c, err := desk.d.eng.Conversation(ctx, workspace, conv)
		return err == nil && c.Assignee == "8"
	})
}

// R18: a reply stored but not yet sent when the process stops is sent
// after the restart, once.
func TestRestartSendsStoredReply(t *testing.T) {
	w := newWorld(t)
	frozen := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	first := w.startAt(t, func() time.Time { return frozen }) // its clock stands still
	w.lucia.Send(token, "Hola")
	w.wait(t, "the copy", func() bool { return len(w.inStaff()) == 2 })
	copied := w.inStaff()[1]
	w.group.Send(token, w.ana, "Uno", copied.ID)
	w.wait(t, "the first answer", func() bool { return len(w.toCustomer(w.lucia)) == 1 })
	w.group.Send(token, w.ana, "Dos", copied.ID)
	// Telegram's limit of one message a second to a chat holds the second
	// answer back, and the first process's clock never moves on: stored,
	// not sent, when the process stops.
	conv := conversationOf(t, first, 1)
	w.wait(t, "the second answer stored", func() bool {
		ms, err := first.d.eng.Messages(context.Background(), workspace, conv)
		return err == nil && len(ms) == 3
	})
	ms, err := first.d.eng.Messages(context.Background(), workspace, conv)
	require.NoError(t, err)
	assert.Equal(t, conversation.DeliveryPending, ms[2].Delivery)
	first.stop()
	assert.Len(t, w.toCustomer(w.lucia), 1)

	second := w.start(t)
	w.wait(t, "the stored answer sent", func() bool { return len(w.toCustomer(w.lucia)) == 2 })
	assert.Equal(t, []string{"Uno", "Dos"}, texts(w.toCustomer(w.lucia)))
	w.wait(t, "the answer recorded as sent", func() bool {
		ms, err := second.d.eng.Messages(context.Background(), workspace, conv)
		return err == nil && ms[2].Delivery == conversation.DeliverySent
	})
	// Sent and recorded: no delivery will take it again.
	ms, err = second.d.eng.Messages(context.Background(), workspace, conv)
	require.NoError(t, err)
	assert.Equal(t, 1, ms[2].Attempts, "one attempt: the first process held it back without trying")
	assert.Len(t, w.toCustomer(w.lucia), 2, "sent once")
}

// conversationOf returns the latest conversation of ticket n the desk has
// shown in the staff group.
func conversationOf(t *testing.T, r *running, n ticket.Number) conversation.ID {
	t.Helper()
	ctx := context.Background()
	tk, err := r.d.eng.TicketByNumber(ctx, workspace, n)
	require.NoError(t, err)
	rows, err := r.d.links.QueryContext(ctx, `SELECT conversation FROM helpdesk_headers ORDER BY staff_message`)
	require.NoError(t, err)
	defer rows.Close()
	var found conversation.ID
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		c, err := r.d.eng.Conversation(ctx, workspace, conversation.ID(id))
		require.NoError(t, err)
		if c.Ticket == tk.ID {
			found = c.ID
		}
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, found, "no conversation of ticket #%d", n)
	return found
}

// The configuration: required variables, defaults, the -timeout flag.
func TestConfigure(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	_, err := configure(nil, env(map[string]string{"STAFF_CHAT_ID": "-1"}), io.Discard)
	assert.ErrorContains(t, err, "TELEGRAM_TOKEN")
	_, err = configure(nil, env(map[string]string{"TELEGRAM_TOKEN": "x"}), io.Discard)
	assert.ErrorContains(t, err, "STAFF_CHAT_ID")
	_, err = configure(nil, env(map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "staff"}), io.Discard)
	assert.ErrorContains(t, err, "not a chat id")
	_, err = configure([]string{"-timeout", "-5m"}, env(map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "-1"}), io.Discard)
	assert.ErrorContains(t, err, "negative")
	_, err = configure([]string{"-timeout", "soon"}, env(map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "-1"}), io.Discard)
	assert.Error(t, err)
	_, err = configure([]string{"-timeout", "90s"}, env(map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "-1"}), io.Discard)
	assert.ErrorContains(t, err, "whole number of minutes")
	_, err = configure([]string{"-assign", "fastest"}, env(map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "-1"}), io.Discard)
	assert.ErrorContains(t, err, "least_busy")
	cfg, err := configure([]string{"-timeout", "30m"}, env(map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "-100", "TELEGRAM_API_URL": "http://localhost:8081"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, Config{Token: "x", StaffChat: -100, APIURL: "http://localhost:8081", DB: "helpdesk.db", Timeout: 30 * time.Minute}, cfg)
}

const messagesJSON = `{
  "welcome": [
    {"language": "en", "text": "Hi {{contact.first_name | \"there\"}}, this is ticket #{{ticket.number}}."},
    {"language": "es", "text": "Hola {{contact.first_name | \"de nuevo\"}}, este es el ticket #{{ticket.number}}."}
  ],
  "out_of_hours": [
    {"language": "en", "text": "We are closed now; we answer from 9:00."},
    {"language": "es", "text": "Ahora estamos cerrados; respondemos desde las 9:00."}
  ],
  "hours": {"zone": "Europe/Madrid", "weekly": {"monday": ["09:00-18:00"], "tuesday": ["09:00-18:00"]}, "holidays": ["2026-12-25"]}
}`

func writeFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "messages.json")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

// The -messages file configures the welcome and out-of-hours messages and
// the business hours; mistakes in it stop the desk from starting.
func TestConfigureMessages(t *testing.T) {
	env := func(k string) string { return map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "-1"}[k] }
	cfg, err := configure([]string{"-messages", writeFile(t, messagesJSON)}, env, io.Discard)
	require.NoError(t, err)
	require.Len(t, cfg.Messages.Welcome, 2)
	assert.Equal(t, "es", cfg.Messages.Welcome[1].Language)
	require.NotNil(t, cfg.Messages.Hours)
	assert.Equal(t, "Europe/Madrid", cfg.Messages.Hours.Zone)

	for name, tc := range map[string]struct{ text, contains string }{
		"not json":         {`{`, "unexpected end"},
		"unknown variable": {`{"welcome": [{"language": "en", "text": "Hi {{contact.nmae}}"}]}`, `unknown variable "contact.nmae"`},
		"hours missing":    {`{"out_of_hours": [{"language": "en", "text": "closed"}]}`, "needs hours"},
		"bad zone":         {`{"hours": {"zone": "Nowhere/Land", "weekly": {"monday": ["09:00-18:00"]}}}`, "Nowhere/Land"},
		"bad interval":     {`{"hours": {"zone": "UTC", "weekly": {"monday": ["9-18"]}}}`, `"9"`},
	} {
		_, err := configure([]string{"-messages", writeFile(t, tc.text)}, env, io.Discard)
		assert.ErrorContains(t, err, tc.contains, name)
	}
	_, err = configure([]string{"-messages", filepath.Join(t.TempDir(), "none.json")}, env, io.Discard)
	assert.ErrorContains(t, err, "-messages")
}

// R5 and R4 through the desk's configuration: a customer's first message
// gets the welcome; written out of hours, the out-of-hours message too,
// once per closed period.
func TestHelpDeskAutomaticMessages(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 20, 0, 0, 0, time.UTC) // Monday 21:00 in Madrid: closed
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	cfg, err := configure([]string{"-messages", writeFile(t, messagesJSON)}, func(k string) string {
		return map[string]string{"TELEGRAM_TOKEN": token, "STAFF_CHAT_ID": "-1"}[k]
	}, io.Discard)
	require.NoError(t, err)
	w.startWith(t, Config{Now: clock, Messages: cfg.Messages})

	w.lucia.Send(token, "Hola, ¿hay alguien?")
	// One message a second to a chat: the desk's clock lets the second go.
	w.wait(t, "two automatic messages", func() bool {
		mu.Lock()
		now = now.Add(100 * time.Millisecond)
		mu.Unlock()
		return len(w.toCustomer(w.lucia)) == 2
	})
	assert.Equal(t, []string{
		"Hola Lucía, este es el ticket #1.",
		"Ahora estamos cerrados; respondemos desde las 9:00.",
	}, texts(w.toCustomer(w.lucia)))

	w.lucia.Send(token, "¿Hola?")
	w.wait(t, "the copy", func() bool { return countText(w.inStaff(), "¿Hola?") == 1 })
	assert.Len(t, w.toCustomer(w.lucia), 2, "once per closed period")
}
