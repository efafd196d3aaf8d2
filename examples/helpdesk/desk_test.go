package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
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

// startWith is start with a configuration: its token, staff chat and
// database are the world's, and its Bot API unless cfg names one.
func (w *world) startWith(t *testing.T, cfg Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Token, cfg.StaffChat, cfg.DB, cfg.PollTimeout = token, staff, w.db, time.Second
	if cfg.APIURL == "" {
		cfg.APIURL = w.srv.URL()
	}
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
		require.NoError(t, d.Close())
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			r.stop()
		}
	})
	if cfg.Webhook != "" {
		require.True(t, w.srv.WaitUntil(5*time.Second, func() bool { return w.webhookSet(cfg.Webhook) }), "the desk's webhook is set")
	} else {
		require.True(t, w.srv.WaitUntil(5*time.Second, func() bool { return w.srv.Polling(token) }), "the desk polls")
	}
	return r
}

// wait waits until cond holds: it looks again whenever the fake Telegram
// changes, and every few milliseconds for what it does not see (the
// desk's tables).
func (w *world) wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if w.srv.WaitUntil(10*time.Millisecond, cond) {
			return
		}
	}
	require.True(t, cond(), "waiting for %s", what)
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

// lastInStaff returns the last message the bot posted in the staff group.
func (w *world) lastInStaff() models.Message {
	s := w.inStaff()
	if len(s) == 0 {
		return models.Message{}
	}
	return s[len(s)-1]
}

// toCustomer returns what the bot sent a customer.
func (w *world) toCustomer(u *telegramtest.User) []models.Message { return w.srv.Sent(token, u.ID()) }

// The help desk end to end, on its own wiring, against the fake Telegram.
// The scripted day runs the same whichever way the desk receives: by
// long polling, and at its webhook.
func TestHelpDesk(t *testing.T) {
	t.Run("polling", func(t *testing.T) {
		w := newWorld(t)
		helpDeskDay(t, w, w.start)
		assert.Empty(t, w.srv.CallsTo("setWebhook"))
	})
	t.Run("webhook", func(t *testing.T) {
		w := newWorld(t)
		helpDeskDay(t, w, func(t *testing.T) *running { return w.startWebhook(t, Config{}) })
		assert.Empty(t, w.srv.CallsTo("getUpdates"), "no polling")
		sets := w.srv.CallsTo("setWebhook")
		require.Len(t, sets, 2, "set at each start: the restarted desk listens elsewhere")
		for _, c := range sets {
			assert.Equal(t, webhookSecret, c.Params["secret_token"])
		}
	})
}

// helpDeskDay is the scripted day: customers and agents, commands, a
// duplicated update, a restart; start starts the desk on w.
func helpDeskDay(t *testing.T, w *world, start func(t *testing.T) *running) {
	desk := start(t)
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
	martaCopy := w.lastInStaff()
	w.group.Send(token, w.bruno, "/claim", martaCopy.ID)
	w.wait(t, "the claim", func() bool { return strings.HasSuffix(w.lastInStaff().Text, "is Bruno's.") })
	w.group.Send(token, w.ana, "/queue", 0)
	w.wait(t, "the queue", func() bool { return strings.HasPrefix(w.lastInStaff().Text, "Waiting (1):") })
	w.group.Send(token, w.bruno, "/close Resolved by phone", martaCopy.ID)
	w.wait(t, "the close", func() bool { return w.lastInStaff().Text == "#3: conversation closed." })
	closed, err := desk.d.eng.Conversation(ctx, workspace, conversationOf(t, desk, 3))
	require.NoError(t, err)
	assert.Equal(t, conversation.Closed, closed.State)
	assert.Equal(t, "Resolved by phone", closed.ClosingNote.Summary)
	w.group.Send(token, w.ana, "/away", 0)
	w.wait(t, "presence", func() bool { return w.lastInStaff().Text == "Ana is away." })

	// After a restart on the same SQLite file the tickets are there and
	// nothing is sent twice.
	sentToLucia, sentToStaff := len(w.toCustomer(w.lucia)), len(w.inStaff())
	desk.stop()
	again := start(t)
	for n := ticket.Number(1); n <= 3; n++ {
		_, err := again.d.eng.TicketByNumber(ctx, workspace, n)
		require.NoError(t, err, "ticket #%d", n)
	}
	w.lucia.Send(token, "¿Alguna novedad?")
	w.wait(t, "the new message relayed", func() bool { return len(w.inStaff()) > sentToStaff })
	assert.Len(t, w.toCustomer(w.lucia), sentToLucia, "nothing sent twice to the customer")
	assert.Equal(t, "¿Alguna novedad?", w.lastInStaff().Text, "only the new message relayed: %q", texts(w.inStaff()[sentToStaff-2:]))
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
	copied := w.lastInStaff()
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

// flakyStore is the desk's store with one fault on demand: once armed, the
// next transaction that writes a conversation fails, before its commit
// (nothing of it stays) or after it (the change stays and the caller is told
// it failed, as when the connection drops before the commit's answer). With
// collisions armed, the next writes of a conversation collide with another
// change (store.ErrConflict), as many times as armed.
type flakyStore struct {
	store.Store
	mu         sync.Mutex
	armed      string // "", "before" or "after"
	failed     int
	collisions int
}

// collide makes the next n writes of a conversation collide.
func (f *flakyStore) collide(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.collisions = n
}

// collided takes one collision, if one is armed.
func (f *flakyStore) collided() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.collisions == 0 {
		return false
	}
	f.collisions--
	f.failed++
	return true
}

var errFlaky = errors.New("flaky store: disk I/O error")

func (f *flakyStore) arm(mode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed = mode
}

// fired reports how many faults were injected.
func (f *flakyStore) fired() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

// take disarms the store and returns the mode it was armed with.
func (f *flakyStore) take() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	mode := f.armed
	if mode != "" {
		f.armed = ""
		f.failed++
	}
	return mode
}

func (f *flakyStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	var after bool
	err := f.Store.Update(ctx, func(tx store.Tx) error { return fn(flakyTx{Tx: tx, f: f, after: &after}) })
	if err == nil && after {
		return errFlaky
	}
	return err
}

type flakyTx struct {
	store.Tx
	f     *flakyStore
	after *bool
}

func (t flakyTx) UpdateConversation(ctx context.Context, c conversation.Conversation) error {
	if t.f.collided() {
		return store.ErrConflict
	}
	switch t.f.take() {
	case "before":
		return errFlaky
	case "after":
		*t.after = true
	}
	return t.Tx.UpdateConversation(ctx, c)
}

// outbox counts the items of the staff group's outbox in state.
func outbox(t *testing.T, r *running, state string) int {
	t.Helper()
	var n int
	require.NoError(t, r.d.links.QueryRow(`SELECT count(*) FROM helpdesk_outbox WHERE state = ?`, state).Scan(&n))
	return n
}

// settle waits until Telegram has no update for the desk and the desk
// nothing to send to the staff group.
func (w *world) settle(t *testing.T, r *running) {
	t.Helper()
	w.wait(t, "the desk idle", func() bool { return w.srv.Pending(token) == 0 && outbox(t, r, outPending) == 0 })
}

// A /close (or /closeticket) that fails on the way is carried out when
// Telegram delivers it again, and the agent is told once; whether the
// failure came before the change was stored or after (then the second
// attempt finds the conversation closed, and that is the command's
// success).
func TestCloseAfterTransientFailure(t *testing.T) {
	for _, tc := range []struct{ cmd, answer string }{
		{"/close Resuelto", "#1: conversation closed."},
		{"/closeticket Resuelto", "#1: ticket closed."},
	} {
		for _, mode := range []string{"before", "after"} {
			t.Run(strings.Fields(tc.cmd)[0][1:]+"/"+mode, func(t *testing.T) {
				w := newWorld(t)
				flaky := &flakyStore{}
				desk := w.startWith(t, Config{wrapStore: func(s store.Store) store.Store { flaky.Store = s; return flaky }})
				ctx := context.Background()

				w.lucia.Send(token, "Hola")
				w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
				copied := w.inStaff()[1]
				w.group.Send(token, w.ana, "Hola Lucía", copied.ID)
				w.wait(t, "the answer", func() bool { return len(w.toCustomer(w.lucia)) == 1 })
				w.settle(t, desk)

				flaky.arm(mode)
				w.group.Send(token, w.ana, tc.cmd, copied.ID)
				w.wait(t, "the answer to the command", func() bool { return countText(w.inStaff(), tc.answer) > 0 })
				w.settle(t, desk)
				assert.Equal(t, 1, flaky.fired(), "the fault was injected")
				assert.Equal(t, 1, countText(w.inStaff(), tc.answer), "told once")
				c, err := desk.d.eng.Conversation(ctx, workspace, conversationOf(t, desk, 1))
				require.NoError(t, err)
				assert.Equal(t, conversation.Closed, c.State)
				assert.Equal(t, "Resuelto", c.ClosingNote.Summary)

				// Done and answered: delivered again, it is not repeated.
				update := w.srv.Confirmed(token)
				w.srv.Redeliver(token, update)
				w.wait(t, "the redelivery handled", func() bool { return w.srv.Pending(token) == 0 && w.srv.Confirmed(token) >= update })
				w.settle(t, desk)
				assert.Equal(t, 1, countText(w.inStaff(), tc.answer), "told once")
				assert.False(t, strings.HasPrefix(w.lastInStaff().Text, "Not done"))
			})
		}
	}
}

// A command first run by a process that stopped before it finished is
// carried out by the next delivery; one done is not repeated. The commands
// a desk of an earlier version listed are done.
func TestCommandStates(t *testing.T) {
	db := filepath.Join(t.TempDir(), "helpdesk.db")
	old, err := sql.Open("sqlite", db)
	require.NoError(t, err)
	_, err = old.Exec(`CREATE TABLE helpdesk_commands (staff_message INTEGER PRIMARY KEY); INSERT INTO helpdesk_commands VALUES (7)`)
	require.NoError(t, err)
	require.NoError(t, old.Close())

	links, err := openLinks(context.Background(), db)
	require.NoError(t, err)
	defer links.Close()
	d := &Desk{links: links, wake: make(chan struct{}, 1)}
	ctx := context.Background()
	rerun, done, err := d.startCommand(ctx, 7)
	require.NoError(t, err)
	assert.True(t, done, "listed by the earlier version: done")
	assert.False(t, rerun)

	rerun, done, err = d.startCommand(ctx, 8)
	require.NoError(t, err)
	assert.False(t, rerun || done, "new")
	rerun, done, err = d.startCommand(ctx, 8)
	require.NoError(t, err)
	assert.True(t, rerun, "started, not finished: run again")
	assert.False(t, done)
	require.NoError(t, d.finishCommand(ctx, 8, "ok"))
	rerun, done, err = d.startCommand(ctx, 8)
	require.NoError(t, err)
	assert.True(t, done)
	assert.False(t, rerun)
	it, ok, err := d.nextOut(ctx)
	require.NoError(t, err)
	require.True(t, ok, "the answer queued with the command's end")
	assert.Equal(t, d.answerTo(8, "ok").Key, it.Key)
}

// Events published again (the engine publishes at least once) relay once:
// a customer's message is copied once, a notice sent once.
func TestRepublishedEventsRelayOnce(t *testing.T) {
	w := newWorld(t)
	desk := w.start(t)
	ctx := context.Background()
	w.lucia.Send(token, "Hola")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	conv := conversationOf(t, desk, 1)
	ms, err := desk.d.eng.Messages(ctx, workspace, conv)
	require.NoError(t, err)
	require.Len(t, ms, 1)

	received := conversation.Event{Seq: 1000, Type: conversation.EventMessageReceived, Workspace: workspace,
		Conversation: conv, TicketNumber: 1, Message: ms[0].ID}
	abandoned := conversation.Event{Seq: 1001, Type: conversation.EventConversationAbandoned, Workspace: workspace,
		Conversation: conv, TicketNumber: 1}
	const notice = "#1: its agent went offline; it waits for another."
	for range 2 {
		require.NoError(t, desk.d.publish(ctx, received))
		require.NoError(t, desk.d.publish(ctx, abandoned))
	}
	w.wait(t, "the notice", func() bool { return countText(w.inStaff(), notice) > 0 })
	w.settle(t, desk)
	assert.Equal(t, []string{w.inStaff()[0].Text, "Hola", notice}, texts(w.inStaff()), "one header, one copy, one notice")
	assert.Equal(t, w.inStaff()[0].ID, w.inStaff()[2].ReplyToMessage.ID, "the notice hangs from the header")
}

// A crash between a send to the staff group and its record doubles that
// one message and no other: the outbox holds what was queued, and the next
// start sends the rest once, in order, each copy under its header.
func TestCrashBetweenSendAndRecord(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	sends, crashedOn := 0, ""
	first := w.startWith(t, Config{crashAfterSend: func(key string) bool {
		mu.Lock()
		defer mu.Unlock()
		sends++
		if sends == 4 {
			crashedOn = key
			return true
		}
		return false
	}})
	customers := map[*telegramtest.User][]string{
		w.lucia: {"L1", "L2", "L3"},
		w.marta: {"M1", "M2", "M3"},
	}
	for i := range 3 {
		w.lucia.Send(token, customers[w.lucia][i])
		w.marta.Send(token, customers[w.marta][i])
	}
	queuedCopies := func() int {
		var n int
		require.NoError(t, first.d.links.QueryRow(`SELECT count(*) FROM helpdesk_outbox WHERE kind = 'copy'`).Scan(&n))
		return n
	}
	w.wait(t, "every copy queued and the crash", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return queuedCopies() == 6 && crashedOn != ""
	})
	w.wait(t, "the updates confirmed", func() bool { return w.srv.Pending(token) == 0 })
	before := len(w.inStaff())
	assert.Equal(t, 4, before, "the relay stopped after its fourth send")
	first.stop()

	second := w.start(t)
	w.settle(t, second)
	staffMsgs := w.inStaff()
	assert.Len(t, staffMsgs, 2+6+1, "two headers, six copies, and one sent twice")
	headers := map[int]string{} // header id → its conversation's customer
	doubled := 0
	seen := map[string]int{}
	for _, m := range staffMsgs {
		seen[m.Text]++
		if seen[m.Text] == 2 {
			doubled++
		}
		switch {
		case strings.Contains(m.Text, "Lucía"):
			headers[m.ID] = "L"
		case strings.Contains(m.Text, "Marta"):
			headers[m.ID] = "M"
		}
	}
	assert.Equal(t, 1, doubled, "one message doubled: the one on its way (%s)", crashedOn)
	for u, sent := range customers {
		var got []string
		for _, m := range staffMsgs {
			if slices.Contains(sent, m.Text) {
				require.NotNil(t, m.ReplyToMessage, "%q hangs from a header", m.Text)
				assert.Equal(t, m.Text[:1], headers[m.ReplyToMessage.ID], "%q hangs from its conversation's header", m.Text)
				if len(got) == 0 || got[len(got)-1] != m.Text {
					got = append(got, m.Text)
				}
			}
		}
		assert.Equal(t, sent, got, "%s's messages in order", u.Model().FirstName)
	}

	// The links survived: an agent's reply to a copy sent after the
	// restart reaches the customer.
	last := staffMsgs[len(staffMsgs)-1]
	w.group.Send(token, w.ana, "Respuesta", last.ID)
	w.wait(t, "the answer", func() bool {
		return len(w.toCustomer(w.lucia))+len(w.toCustomer(w.marta)) == 1
	})
}

// The relay honours Telegram's 429 retry_after, tries again what failed for
// a moment, and puts aside what the Bot API refuses for good, without
// holding up what comes after it.
func TestRelayRetriesAndSetsAside(t *testing.T) {
	w := newWorld(t)
	api := newFaultyAPI(t, w.srv.URL())
	desk := w.startWith(t, Config{APIURL: api.URL})
	ctx := context.Background()

	w.srv.SetLimits(telegramtest.Limits{PerChatPerSecond: 1})
	api.fail("sendMessage", 1) // the header's first attempt: 500
	w.lucia.Send(token, "Hola")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	w.settle(t, desk)
	assert.Zero(t, api.pending("sendMessage"), "the header met a 500")
	assert.Positive(t, w.srv.TooManyRequests(), "the copy met a 429")
	assert.Equal(t, []string{"Hola"}, texts(w.inStaff()[1:]), "the copy once")
	assert.Equal(t, w.inStaff()[0].ID, w.inStaff()[1].ReplyToMessage.ID, "under its header")
	w.srv.SetLimits(telegramtest.Limits{})

	// A copy of a message Telegram does not have is refused (400): put
	// aside, and the answer queued after it goes.
	require.NoError(t, desk.d.enqueue(ctx,
		outItem{Key: "copy:gone", Kind: outCopy, FromChat: w.lucia.ID(), FromMessage: 9999},
		desk.d.answerTo(w.inStaff()[1].ID, "after the refused one")))
	w.wait(t, "the answer", func() bool { return countText(w.inStaff(), "after the refused one") == 1 })
	w.settle(t, desk)
	assert.Equal(t, 1, outbox(t, desk, outFailed))
	var why string
	require.NoError(t, desk.d.links.QueryRow(`SELECT error FROM helpdesk_outbox WHERE key = 'copy:gone'`).Scan(&why))
	assert.Contains(t, why, "message to copy not found")
}

// faultyAPI stands in front of the fake Bot API and answers chosen calls
// with a 500, as Telegram does at times, or as refuse says; with a gate it
// holds sends and counts those on their way at once.
type faultyAPI struct {
	*httptest.Server
	mu     sync.Mutex
	fails  map[string]int
	refuse func(method string, chat int64) (status int, answer string)
	gate   *sendGate
}

func newFaultyAPI(t *testing.T, backend string) *faultyAPI {
	t.Helper()
	u, err := url.Parse(backend)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	f := &faultyAPI{fails: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		method := path.Base(r.URL.Path)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			rw.WriteHeader(http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.mu.Lock()
		fail := f.fails[method] > 0
		if fail {
			f.fails[method]--
		}
		refuse, gate := f.refuse, f.gate
		f.mu.Unlock()
		status, answer := 0, ""
		switch {
		case fail:
			status, answer = http.StatusInternalServerError, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`
		case refuse != nil:
			status, answer = refuse(method, chatParam(r.Header.Get("Content-Type"), body))
		}
		if status != 0 {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(status)
			_, _ = io.WriteString(rw, answer)
			return
		}
		if gate != nil && isSend(method) {
			gate.enter()
			defer gate.leave()
		}
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// chatParam returns the chat_id of a Bot API request's body, 0 if none.
func chatParam(contentType string, body []byte) int64 {
	var v string
	media, params, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
		return 0
	case media == "multipart/form-data":
		form, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(1 << 20)
		if err != nil || len(form.Value["chat_id"]) == 0 {
			return 0
		}
		v = form.Value["chat_id"][0]
	default:
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return 0
		}
		v = q.Get("chat_id")
	}
	id, _ := strconv.ParseInt(v, 10, 64)
	return id
}

// isSend reports whether a Bot API method sends or edits a message.
func isSend(method string) bool {
	m := strings.ToLower(method)
	return m == "copymessage" || m == "editmessagetext" || (strings.HasPrefix(m, "send") && m != "sendchataction")
}

// pending returns how many calls of method are still to fail.
func (f *faultyAPI) pending(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fails[method]
}

// fail makes the next n calls of method fail.
func (f *faultyAPI) fail(method string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails[method] += n
}

// setRefuse answers the calls for which refuse gives a status with its
// answer; nil lets every call through.
func (f *faultyAPI) setRefuse(refuse func(method string, chat int64) (int, string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuse = refuse
}

// setGate holds sends at g.
func (f *faultyAPI) setGate(g *sendGate) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate = g
}

// sendGate holds each send until another one arrives or hold passes, so
// that sends made at the same time are seen on their way together, and
// counts the most on their way at once.
type sendGate struct {
	hold    time.Duration
	mu      sync.Mutex
	now     int
	most    int
	total   int
	arrived chan struct{} // closed when a send arrives
}

func (g *sendGate) enter() {
	g.mu.Lock()
	g.now++
	g.total++
	g.most = max(g.most, g.now)
	if g.arrived != nil {
		close(g.arrived)
	}
	g.arrived = make(chan struct{})
	mine := g.arrived
	g.mu.Unlock()
	select {
	case <-mine:
	case <-time.After(g.hold):
	}
}

func (g *sendGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.now--
}

// counts returns the most sends on their way at once and how many passed.
func (g *sendGate) counts() (most, total int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.most, g.total
}

// logRecorder keeps the messages logged at Error level.
type logRecorder struct {
	mu   *sync.Mutex
	msgs *[]string
}

func newLogRecorder() logRecorder { return logRecorder{mu: &sync.Mutex{}, msgs: new([]string)} }

func (h logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h logRecorder) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.mu.Lock()
		defer h.mu.Unlock()
		*h.msgs = append(*h.msgs, r.Message)
	}
	return nil
}

func (h logRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h logRecorder) WithGroup(string) slog.Handler      { return h }

// errors counts the Error records whose message contains text.
func (h logRecorder) errors(text string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range *h.msgs {
		if strings.Contains(m, text) {
			n++
		}
	}
	return n
}
