package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/telegram/telegramtest"
	"github.com/telenet/contactcenter/ticket"
)

// rosterJSON: Ana supervises, Bruno and Carla are agents; Bruno is in
// team billing with a capacity of 3.
const rosterJSON = `{"staff": [
  {"telegram": 7, "name": "Ana", "role": "supervisor"},
  {"telegram": 8, "role": "agent", "teams": ["billing"], "capacity": 3},
  {"telegram": 9, "name": "Carla"}
]}`

// roster reads text as a roster file.
func roster(t *testing.T, text string) *Roster {
	t.Helper()
	r, err := parseRoster("roster.json", []byte(text))
	require.NoError(t, err)
	return r
}

// ask has from send text in the staff group (a reply to replyTo, if not
// 0) and waits for the desk's answer to it, which it returns.
func (w *world) ask(t *testing.T, from *telegramtest.User, text string, replyTo int) string {
	t.Helper()
	m := w.group.Send(token, from, text, replyTo)
	var answer string
	w.wait(t, "the answer to "+text, func() bool {
		for _, s := range w.inStaff() {
			if s.ReplyToMessage != nil && s.ReplyToMessage.ID == m.ID {
				answer = s.Text
				return true
			}
		}
		return false
	})
	return answer
}

// agentOf returns the engine's agent with id.
func agentOf(t *testing.T, r *running, id conversation.AgentID) conversation.Agent {
	t.Helper()
	a, err := r.d.eng.Agent(context.Background(), workspace, id)
	require.NoError(t, err)
	return a
}

// convOf returns the engine's conversation of ticket n.
func convOf(t *testing.T, r *running, n ticket.Number) conversation.Conversation {
	t.Helper()
	c, err := r.d.eng.Conversation(context.Background(), workspace, conversationOf(t, r, n))
	require.NoError(t, err)
	return c
}

// At start the desk puts the roster's people as agents with their roles,
// teams and capacities; new agents start offline; the teams exist.
func TestRosterPutsAgents(t *testing.T) {
	w := newWorld(t)
	desk := w.startWith(t, Config{Roster: roster(t, rosterJSON)})
	ana, bruno, carla := agentOf(t, desk, "7"), agentOf(t, desk, "8"), agentOf(t, desk, "9")
	assert.Equal(t, conversation.RoleSupervisor, ana.Role)
	assert.Equal(t, "Ana", ana.Name)
	assert.Equal(t, conversation.RoleAgent, bruno.Role)
	assert.Equal(t, []conversation.TeamID{"billing"}, bruno.Teams)
	assert.Equal(t, 3, bruno.Capacity)
	assert.Equal(t, "8", bruno.Name, "no name in the roster: the id until they write")
	assert.Equal(t, "Carla", carla.Name)
	for _, a := range []conversation.Agent{ana, bruno, carla} {
		assert.Equal(t, conversation.Offline, a.Presence, "new agents start offline")
	}

	// Bruno's first message gives him his Telegram name; his presence is
	// his to set.
	assert.Equal(t, "Bruno is online.", w.ask(t, w.bruno, "/online", 0))
	bruno = agentOf(t, desk, "8")
	assert.Equal(t, "Bruno", bruno.Name)
	assert.Equal(t, conversation.Online, bruno.Presence)

	// A restart with the same roster changes nothing.
	desk.stop()
	desk = w.startWith(t, Config{Roster: roster(t, rosterJSON)})
	again := agentOf(t, desk, "8")
	assert.Equal(t, bruno, again, "the same roster writes nothing")
}

// A member of the staff group who is not on the roster is ignored: their
// reply reaches no customer, their commands do nothing, and they are told
// once, however often they write, across redeliveries and restarts.
func TestRosterIgnoresStrangers(t *testing.T) {
	w := newWorld(t)
	dani := w.srv.User(10, "Dani", "es")
	cfg := Config{Roster: roster(t, rosterJSON)}
	desk := w.startWith(t, cfg)
	ctx := context.Background()

	w.lucia.Send(token, "Hola")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	copied := w.inStaff()[1]
	notice := "Dani: you are not on this desk's staff roster, so the desk ignores what you write here " +
		"(replies reach no customer, commands do nothing). A supervisor can add your Telegram id, 10, to the roster."
	notices := func() int { return countText(w.inStaff(), notice) }

	w.group.Send(token, dani, "/close", copied.ID)
	w.group.Send(token, dani, "/closeticket", copied.ID)
	w.group.Send(token, dani, "Hola Lucía", copied.ID)
	w.group.Send(token, dani, "/online", 0)
	w.wait(t, "the notice", func() bool { return notices() > 0 })
	// Updates are handled in order: once Ana's /queue is answered,
	// Dani's are handled.
	assert.True(t, strings.HasPrefix(w.ask(t, w.ana, "/queue", 0), "Waiting (1):\n#1, "))
	// Update 1 is Lucía's message, 2 Dani's /close: delivered again.
	w.srv.Redeliver(token, 2)
	w.ask(t, w.ana, "/queue", 0)
	w.settle(t, desk)
	assert.Equal(t, 1, notices(), "told once")
	assert.Empty(t, w.toCustomer(w.lucia), "the stranger's reply reached no customer")
	c := convOf(t, desk, 1)
	assert.Equal(t, conversation.Open, c.State, "the stranger's /close did nothing")
	assert.Empty(t, c.Assignee)
	_, err := desk.d.eng.Agent(ctx, workspace, "10")
	assert.ErrorIs(t, err, conversation.ErrAgentNotFound, "the stranger is no agent")

	desk.stop()
	desk = w.startWith(t, cfg)
	w.group.Send(token, dani, "/close", copied.ID)
	w.ask(t, w.ana, "/queue", 0)
	w.settle(t, desk)
	assert.Equal(t, 1, notices(), "told once, after a restart too")
	assert.Equal(t, conversation.Open, convOf(t, desk, 1).State)
}

// A supervisor assigns a conversation to an agent (by name, by id, by
// @username) and transfers it to a team; the engine holds the result.
func TestRosterSupervisorAssignsAndTransfers(t *testing.T) {
	w := newWorld(t)
	desk := w.startWith(t, Config{Roster: roster(t, rosterJSON)})
	ctx := context.Background()

	w.lucia.Send(token, "Hola")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	header := w.inStaff()[0]

	assert.Equal(t, "#1 is Carla's.", w.ask(t, w.ana, "/assign carla", header.ID))
	assert.Equal(t, conversation.AgentID("9"), convOf(t, desk, 1).Assignee)
	assert.Equal(t, "#1 is 8's.", w.ask(t, w.ana, "/assign 8", header.ID), "Bruno has not written yet: his id names him")
	assert.Equal(t, conversation.AgentID("8"), convOf(t, desk, 1).Assignee)

	// A username the desk has seen in the staff group names its person.
	require.NoError(t, desk.d.rememberUsername(ctx, &models.User{ID: 9, Username: "Carla_M"}))
	assert.Equal(t, "#1 is Carla's.", w.ask(t, w.ana, "/assign @carla_m", header.ID))
	assert.Equal(t, conversation.AgentID("9"), convOf(t, desk, 1).Assignee)

	assert.Equal(t, "#1 waits in the queue of team billing.", w.ask(t, w.ana, "/transfer billing", header.ID))
	c := convOf(t, desk, 1)
	assert.Equal(t, conversation.TeamID("billing"), c.Team)
	assert.Empty(t, c.Assignee)
	assert.True(t, c.Waiting())

	// What names nobody who may act is refused, and changes nothing.
	for _, tc := range []struct{ cmd, answer string }{
		{"/assign @nobody", "Not done: nobody has written in the staff group as @nobody yet"},
		{"/assign 10", "Not done: 10 is not on the staff roster."},
		{"/assign Zoe", `Not done: no agent is called "Zoe"`},
		{"/transfer sales", "Not done: team sales: team not found"},
		{"/assign", "Reply to one of the conversation's messages with /assign @username"},
	} {
		assert.True(t, strings.HasPrefix(w.ask(t, w.ana, tc.cmd, header.ID), tc.answer), tc.cmd)
	}
	c = convOf(t, desk, 1)
	assert.Equal(t, conversation.TeamID("billing"), c.Team)
	assert.Empty(t, c.Assignee)

	// A supervisor closes another agent's conversation.
	assert.Equal(t, "#1 is Carla's.", w.ask(t, w.ana, "/assign Carla", header.ID))
	assert.Equal(t, "#1: conversation closed.", w.ask(t, w.ana, "/close Hecho", header.ID))
	assert.Equal(t, conversation.Closed, convOf(t, desk, 1).State)
}

// An agent may close only their own conversation or one nobody has; on
// another agent's the engine refuses and the conversation stays open. An
// agent's /assign and /transfer are refused.
func TestRosterAgentActsOnOwnOnly(t *testing.T) {
	w := newWorld(t)
	carla := w.srv.User(9, "Carla", "es")
	desk := w.startWith(t, Config{Roster: roster(t, rosterJSON)})

	w.lucia.Send(token, "Hola")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	header, copied := w.inStaff()[0], w.inStaff()[1]
	w.group.Send(token, w.bruno, "Hola Lucía", copied.ID)
	w.wait(t, "the answer", func() bool { return len(w.toCustomer(w.lucia)) == 1 })
	require.Equal(t, conversation.AgentID("8"), convOf(t, desk, 1).Assignee)

	for _, tc := range []struct{ cmd, answer string }{
		{"/close", "Not done: #1 is Bruno's; only they or a supervisor may /close it."},
		{"/closeticket", "Not done: #1 is Bruno's; only they or a supervisor may /closeticket it."},
		{"/assign Carla", "Not done: only a supervisor may /assign a conversation; /claim takes one for yourself."},
		{"/transfer billing", "Not done: only a supervisor may /transfer a conversation; /claim takes one for yourself."},
	} {
		assert.Equal(t, tc.answer, w.ask(t, carla, tc.cmd, header.ID), tc.cmd)
	}
	assert.True(t, strings.HasPrefix(w.ask(t, carla, "/claim", header.ID), "Not done: "), "an agent does not take another's")
	c := convOf(t, desk, 1)
	assert.Equal(t, conversation.Open, c.State)
	assert.Equal(t, conversation.AgentID("8"), c.Assignee)
	assert.Equal(t, conversation.TeamID(""), c.Team)

	// The agent's own: closed.
	assert.Equal(t, "#1: conversation closed.", w.ask(t, w.bruno, "/close", header.ID))
	assert.Equal(t, conversation.Closed, convOf(t, desk, 1).State)

	// One nobody has: any agent closes it.
	w.marta.Send(token, "Olá")
	w.wait(t, "Marta's copy", func() bool { return countText(w.inStaff(), "Olá") == 1 })
	assert.Equal(t, "#2: conversation closed.", w.ask(t, carla, "/close", w.lastInStaff().ID))
}

// /help lists the commands of the sender's role.
func TestRosterHelp(t *testing.T) {
	w := newWorld(t)
	w.startWith(t, Config{Roster: roster(t, rosterJSON)})
	sup, agent := w.ask(t, w.ana, "/help", 0), w.ask(t, w.bruno, "/help", 0)
	assert.NotEqual(t, sup, agent)
	for _, cmd := range []string{"/claim", "/close", "/closeticket", "/queue", "/online", "/help"} {
		assert.Contains(t, sup, cmd)
		assert.Contains(t, agent, cmd)
	}
	assert.Contains(t, sup, "Commands for a supervisor")
	assert.Contains(t, sup, "/assign @username")
	assert.Contains(t, sup, "/transfer team")
	assert.Contains(t, agent, "Commands for an agent")
	assert.NotContains(t, agent, "/assign")
	assert.NotContains(t, agent, "/transfer")
}

// A person taken off the roster no longer acts after a restart: set
// offline, their conversation goes back to the queue, their role and
// teams go, and the desk ignores them as it does strangers.
func TestRosterRemovedPersonNoLongerActs(t *testing.T) {
	w := newWorld(t)
	desk := w.startWith(t, Config{Roster: roster(t, rosterJSON)})

	w.lucia.Send(token, "Hola")
	w.wait(t, "header and copy", func() bool { return len(w.inStaff()) == 2 })
	header := w.inStaff()[0]
	assert.Equal(t, "Bruno is online.", w.ask(t, w.bruno, "/online", 0))
	assert.Equal(t, "#1 is Bruno's.", w.ask(t, w.bruno, "/claim", header.ID))
	desk.stop()

	// Bruno and Ana leave; Carla supervises.
	desk = w.startWith(t, Config{Roster: roster(t, `{"staff": [{"telegram": 9, "name": "Carla", "role": "supervisor"}]}`)})
	bruno, ana := agentOf(t, desk, "8"), agentOf(t, desk, "7")
	assert.Equal(t, conversation.Offline, bruno.Presence)
	assert.Empty(t, bruno.Teams)
	assert.Equal(t, conversation.RoleAgent, ana.Role, "a supervisor taken off is a supervisor no more")
	w.wait(t, "Bruno's conversation back in the queue", func() bool {
		c, err := desk.d.eng.Conversation(context.Background(), workspace, conversationOf(t, desk, 1))
		return err == nil && c.Assignee == "" && c.Waiting()
	})

	w.group.Send(token, w.bruno, "Sigo aquí", header.ID)
	w.group.Send(token, w.bruno, "/close", header.ID)
	w.group.Send(token, w.ana, "/close", header.ID)
	carla := w.srv.User(9, "Carla", "es")
	w.ask(t, carla, "/queue", 0)
	w.settle(t, desk)
	assert.Equal(t, 1, countText(w.inStaff(), "Bruno: you are not on this desk's staff roster, so the desk ignores what you write here "+
		"(replies reach no customer, commands do nothing). A supervisor can add your Telegram id, 8, to the roster."))
	assert.Empty(t, w.toCustomer(w.lucia), "Bruno's reply reached no customer")
	c := convOf(t, desk, 1)
	assert.Equal(t, conversation.Open, c.State, "their /close did nothing")
	assert.Empty(t, c.Assignee)
	assert.Equal(t, "Not done: 8 is not on the staff roster.", w.ask(t, carla, "/assign 8", header.ID), "nobody assigns to them")

	// Another restart changes nothing more.
	desk.stop()
	desk = w.startWith(t, Config{Roster: roster(t, `{"staff": [{"telegram": 9, "name": "Carla", "role": "supervisor"}]}`)})
	assert.Equal(t, bruno.Version, agentOf(t, desk, "8").Version)
}

// A person the roster names by username is found by it when they write,
// and put as an agent then; at the next start, by the id the desk learnt.
func TestRosterByUsername(t *testing.T) {
	r := roster(t, `{"staff": [{"telegram": 7, "username": "ana_g"}, {"username": "@Bruno_B", "role": "supervisor"}]}`)
	p, ok := r.find(&models.User{ID: 8, Username: "bruno_b"})
	require.True(t, ok)
	assert.Equal(t, "Bruno_B", p.Username)
	assert.Equal(t, roleSupervisor, p.Role)
	_, ok = r.find(&models.User{ID: 11, Username: "ana_g"})
	assert.False(t, ok, "a username the roster gives with an id is that id's only")
	_, ok = r.find(&models.User{ID: 12})
	assert.False(t, ok)
	p, ok = r.find(&models.User{ID: 7})
	require.True(t, ok)
	assert.Equal(t, roleAgent, p.Role, "the default role")

	w := newWorld(t)
	desk := w.startWith(t, Config{Roster: r})
	ctx := context.Background()
	_, err := desk.d.eng.Agent(ctx, workspace, "8")
	assert.ErrorIs(t, err, conversation.ErrAgentNotFound, "not yet seen: not yet an agent")
	id, ok, err := desk.d.member(ctx, &models.User{ID: 8, FirstName: "Bruno", Username: "bruno_b"})
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, conversation.AgentID("8"), id)
	assert.Equal(t, conversation.RoleSupervisor, agentOf(t, desk, "8").Role)
	onRoster, err := desk.d.onRoster(ctx, "8")
	require.NoError(t, err)
	assert.True(t, onRoster)

	// Taken off the roster, the agent learnt by username is taken off at
	// the next start.
	desk.stop()
	desk = w.startWith(t, Config{Roster: roster(t, `{"staff": [{"telegram": 7}]}`)})
	assert.Equal(t, conversation.RoleAgent, agentOf(t, desk, "8").Role)
	onRoster, err = desk.d.onRoster(ctx, "8")
	require.NoError(t, err)
	assert.False(t, onRoster)
}

// Mistakes in the roster file stop the desk, each named: where it is,
// the person and the problem.
func TestRosterInvalid(t *testing.T) {
	for name, tc := range map[string]struct{ text, contains string }{
		"not json":          {`{"staff": [`, "the JSON ends too soon"},
		"not an object":     {`[{"telegram": 7}]`, "1:1: the roster is a JSON object"},
		"unknown top field": {`{"people": []}`, `1:2: unknown field "people"`},
		"staff twice":       {`{"staff": [{"telegram": 7}], "staff": []}`, `"staff" is given twice`},
		"staff not array":   {`{"staff": {"telegram": 7}}`, `1:11: "staff" is a JSON array`},
		"nobody":            {`{"staff": []}`, "the roster lists nobody"},
		"unknown role":      {"{\"staff\": [\n  {\"telegram\": 7},\n  {\"telegram\": 8, \"role\": \"boss\"}]}", `3:3: person 2 (8): unknown role "boss"`},
		"duplicate id":      {`{"staff": [{"telegram": 7}, {"telegram": 7, "role": "supervisor"}]}`, "person 2 (7): is listed twice: telegram 7 is also person 1"},
		"duplicate name":    {`{"staff": [{"username": "ana_g"}, {"username": "@Ana_G"}]}`, "person 2 (@Ana_G): is listed twice: @Ana_G is also person 1"},
		"neither":           {`{"staff": [{"name": "Ana", "role": "agent"}]}`, `person 1: neither "telegram" (the user id) nor "username" is given`},
		"negative capacity": {`{"staff": [{"telegram": 7, "capacity": -1}]}`, "person 1 (7): capacity -1"},
		"capacity a string": {`{"staff": [{"telegram": 7, "capacity": "5"}]}`, "person 1: cannot unmarshal string into Go struct field Person.capacity of type int"},
		"unknown field":     {`{"staff": [{"telegram": 7, "capacty": 5}]}`, `1:12: person 1: unknown field "capacty"`},
		"group id":          {`{"staff": [{"telegram": -1001}]}`, "person 1 (-1001): telegram -1001 is not a user id"},
		"bad username":      {`{"staff": [{"username": "ana g"}]}`, `username "ana g"`},
		"empty team":        {`{"staff": [{"telegram": 7, "teams": [""]}]}`, "team 1 is empty"},
		"person not object": {`{"staff": [7]}`, "person 1: each person is a JSON object"},
		"text after":        {`{"staff": [{"telegram": 7}]} x`, "text after the roster"},
	} {
		_, err := parseRoster("roster.json", []byte(tc.text))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.contains, name)
		assert.Contains(t, err.Error(), "-roster roster.json: ", name)
	}

	// Through the flag: the file's mistakes, and a missing file, stop the
	// configuration.
	env := func(k string) string { return map[string]string{"TELEGRAM_TOKEN": "x", "STAFF_CHAT_ID": "-1"}[k] }
	_, err := configure([]string{"-roster", writeFile(t, `{"staff": [{"telegram": 7, "role": "admin"}]}`)}, env, io.Discard)
	assert.ErrorContains(t, err, `unknown role "admin"`)
	_, err = configure([]string{"-roster", "/nonexistent/roster.json"}, env, io.Discard)
	assert.ErrorContains(t, err, "-roster")
	cfg, err := configure([]string{"-roster", writeFile(t, rosterJSON)}, env, io.Discard)
	require.NoError(t, err)
	require.Len(t, cfg.Roster.Staff, 3)
	assert.Equal(t, Person{Telegram: 8, Role: roleAgent, Teams: []string{"billing"}, Capacity: 3}, cfg.Roster.Staff[1])
}

// infoLog keeps the messages logged at any level.
type infoLog struct {
	mu   sync.Mutex
	msgs []string
}

func (h *infoLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *infoLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *infoLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *infoLog) WithGroup(string) slog.Handler      { return h }

func (h *infoLog) count(text string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if strings.Contains(m, text) {
			n++
		}
	}
	return n
}

// Without a roster every member of the staff group is an agent on first
// sight, as before, and the desk says once at start that it has no
// roster; a roster makes it say so no more.
func TestNoRoster(t *testing.T) {
	w := newWorld(t)
	logs := &infoLog{}
	desk := w.startWith(t, Config{Logger: slog.New(logs)})
	dani := w.srv.User(10, "Dani", "es")
	assert.Equal(t, "Dani is away.", w.ask(t, dani, "/away", 0))
	a := agentOf(t, desk, "10")
	assert.Equal(t, conversation.RoleAgent, a.Role)
	assert.Equal(t, "Dani", a.Name)
	w.ask(t, dani, "/queue", 0)
	assert.Equal(t, 1, logs.count("the desk has no roster"), "said once")
	assert.True(t, strings.HasPrefix(w.ask(t, dani, "/assign Dani", 0), "Not done: only a supervisor"), "no supervisors without a roster")
	desk.stop()

	logs = &infoLog{}
	w.startWith(t, Config{Logger: slog.New(logs), Roster: roster(t, rosterJSON)})
	assert.Zero(t, logs.count("the desk has no roster"))
	assert.Equal(t, 1, logs.count("the roster is the staff"))
	assert.Equal(t, 1, logs.count("an agent is no longer on the roster"), "Dani, an agent of before, is taken off")
}
