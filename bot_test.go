package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/internal/pgtest"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// botStores are the stores the chatbot's tests run on (R2: every action
// through the engine on memory, SQLite and PostgreSQL): faultStores and
// PostgreSQL.
var botStores = append(slices.Clone(faultStores), struct {
	name string
	open func(t *testing.T) store.Store
}{"postgres", func(t *testing.T) store.Store {
	s, err := postgres.Open(bg, pgtest.FreshSchema(t, "bot_"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}})

// eachBotStore runs fn on each of botStores.
func eachBotStore(t *testing.T, fn func(t *testing.T, s store.Store)) {
	for _, k := range botStores {
		t.Run(k.name, func(t *testing.T) { fn(t, k.open(t)) })
	}
}

// scriptBot is a bot that answers each turn with reply(turn) and keeps
// every turn it was given.
type scriptBot struct {
	mu    sync.Mutex
	turns []chatbot.Turn
	reply func(ctx context.Context, t chatbot.Turn) (chatbot.Reply, error)
}

func (b *scriptBot) Turn(ctx context.Context, t chatbot.Turn) (chatbot.Reply, error) {
	b.mu.Lock()
	b.turns = append(b.turns, t)
	b.mu.Unlock()
	return b.reply(ctx, t)
}

// seen returns the turns the bot was given.
func (b *scriptBot) seen() []chatbot.Turn {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.turns)
}

// of returns the events of type typ of conversation id ("" for any), in
// order, each once.
func (l *eventLog) of(typ conversation.EventType, id conversation.ID) []conversation.Event {
	var out []conversation.Event
	for _, e := range l.unique() {
		if e.Type == typ && (id == "" || e.Conversation == id) {
			out = append(out, e)
		}
	}
	return out
}

// wait waits until conversation id has n events of type typ, and returns
// them.
func (l *eventLog) wait(t *testing.T, typ conversation.EventType, id conversation.ID, n int) []conversation.Event {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		evs := l.of(typ, id)
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %s events of %s, want %d", len(evs), typ, id, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// botFixture is an engine with channel "tg" held by bot "helper".
type botFixture struct {
	eng   *contactcenter.Engine
	store store.Store
	tr    *channel.MemoryTransport
	clock *clock
	book  *eventLog
	bot   *scriptBot
}

// newBotFixture returns an engine on s whose channel "tg" is held by bot,
// with settings set (Name "helper" is set), agents ana and bruno, team
// billing, templates "sorry", "still" and "bye" and snippet "/hi".
func newBotFixture(t *testing.T, s store.Store, bot *scriptBot, set channel.Bot, mod ...func(*channel.Settings)) *botFixture {
	t.Helper()
	f := &botFixture{store: s, tr: channel.NewMemoryTransport(fullCaps), clock: &clock{now: t0}, book: &eventLog{}, bot: bot}
	var err error
	f.eng, err = contactcenter.New(contactcenter.Config{
		Store: s, Now: f.clock.Now, NewID: contactcenter.SequentialIDs("id"), Publish: f.book.publish,
		RetryBackoff: func(int) time.Duration { return time.Millisecond },
		Bots:         map[string]chatbot.Bot{"helper": bot},
		Logger:       testLogger(t),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.eng.Close() })
	for name, text := range map[string]string{"sorry": "Our assistant is unavailable; a person will answer you.", "still": "Everyone is busy; we have not forgotten you.", "bye": "Goodbye {{contact.first_name}}!"} {
		tm, err := template.New(name, template.Variant{Language: "en", Text: text})
		require.NoError(t, err)
		require.NoError(t, f.eng.PutTemplate(bg, contactcenter.TemplateChange{Workspace: ws, Template: tm, By: conversation.Host()}))
	}
	hi, err := template.New("hi", template.Variant{Language: "en", Text: "Hi {{contact.first_name}}, how can I help?"})
	require.NoError(t, err)
	require.NoError(t, f.eng.PutSnippet(bg, contactcenter.SnippetChange{Workspace: ws, Snippet: template.Snippet{Shortcut: "hi", Template: hi}, By: conversation.Host()}))
	set.Name = "helper"
	settings := channel.Settings{Bot: set}
	for _, m := range mod {
		m(&settings)
	}
	require.NoError(t, f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot", Settings: settings}, Transport: f.tr, By: conversation.Host()}))
	for _, a := range []conversation.Agent{
		{ID: "ana", Workspace: ws, Name: "Ana", Presence: conversation.Online},
		{ID: "bruno", Workspace: ws, Name: "Bruno", Presence: conversation.Online},
	} {
		_, err := f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: a, By: conversation.Host()})
		require.NoError(t, err)
	}
	require.NoError(t, f.eng.PutTeam(bg, contactcenter.TeamChange{Team: conversation.Team{ID: "billing", Workspace: ws, Name: "Billing"}, By: conversation.Host()}))
	return f
}

// write delivers a contact's text message.
func (f *botFixture) write(t *testing.T, contact, ext, text string) contactcenter.Received {
	t.Helper()
	r, err := f.eng.Receive(bg, contactcenter.Inbound{
		Workspace: ws, Channel: "tg", ExternalID: ext,
		From: contactcenter.Sender{ExternalID: contact, Name: "Ana Contact " + contact, Language: "en"},
		Text: text,
	})
	require.NoError(t, err)
	return r
}

// turn writes text as contact and waits for the bot's n-th finished turn
// in the conversation.
func (f *botFixture) turn(t *testing.T, contact, ext, text string, n int) conversation.ID {
	t.Helper()
	r := f.write(t, contact, ext, text)
	f.book.wait(t, conversation.EventBotTurnFinished, r.Conversation.ID, n)
	return r.Conversation.ID
}

// conv returns conversation id.
func (f *botFixture) conv(t *testing.T, id conversation.ID) conversation.Conversation {
	t.Helper()
	c, err := f.eng.Conversation(bg, ws, id)
	require.NoError(t, err)
	return c
}

// botTexts returns the texts of the conversation's messages by the bot.
func (f *botFixture) botTexts(t *testing.T, id conversation.ID) []string {
	t.Helper()
	ms, err := f.eng.Messages(bg, ws, id)
	require.NoError(t, err)
	var out []string
	for _, m := range ms {
		if m.Author.Kind == conversation.AuthorBot {
			out = append(out, m.Text)
		}
	}
	return out
}

// echo answers every turn with one message, or hands off on "agent".
func echo(_ context.Context, t chatbot.Turn) (chatbot.Reply, error) {
	if strings.Contains(t.Text(), "agent") {
		return chatbot.Reply{
			Messages: []chatbot.Message{{Text: "A person will answer you."}},
			Actions:  []chatbot.Action{chatbot.HandOff{Team: "billing", Note: "asks for a refund"}},
		}, nil
	}
	return chatbot.Reply{Messages: []chatbot.Message{{Text: "bot: " + t.Text()}}, State: chatbot.State(fmt.Sprint(len(t.State) + 1))}, nil
}

// R2, R10: a first message on a bot channel reaches the bot, not the
// queue; the bot's answer is sent, with author bot; "agent" hands off into
// the named team's queue with the bot's note; the agent's reply takes the
// conversation, and the bot sees nothing more of it.
func TestBotHoldsThenHandsOff(t *testing.T) {
	eachBotStore(t, func(t *testing.T, s store.Store) {
		bot := &scriptBot{reply: echo}
		f := newBotFixture(t, s, bot, channel.Bot{})

		r := f.write(t, "c1", "u1", "hello")
		id := r.Conversation.ID
		assert.True(t, r.Conversation.Held(), "R2: the bot holds the new conversation")
		assert.Equal(t, "helper", r.Conversation.Bot)
		q, err := f.eng.Queue(bg, ws, 10)
		require.NoError(t, err)
		assert.Empty(t, q, "R2: a held conversation is not in the queue")
		f.book.wait(t, conversation.EventBotTurnFinished, id, 1)
		assert.Equal(t, []string{"bot: hello"}, f.botTexts(t, id))
		require.Eventually(t, func() bool { return len(f.tr.Sent()) == 1 }, 10*time.Second, time.Millisecond, "the bot's message goes through the outbox")
		assert.Equal(t, "bot: hello", f.tr.Sent()[0].Text)
		turns := bot.seen()
		require.Len(t, turns, 1)
		assert.Equal(t, chatbot.TurnOpened, turns[0].Kind)
		assert.Equal(t, "hello", turns[0].Text())
		assert.Equal(t, "Ana Contact c1", turns[0].Contact.Name)
		assert.Empty(t, turns[0].State)

		f.turn(t, "c1", "u2", "how are you", 2)
		turns = bot.seen()
		require.Len(t, turns, 2)
		assert.Equal(t, chatbot.TurnMessage, turns[1].Kind)
		assert.Equal(t, "how are you", turns[1].Text(), "a turn carries only what the bot has not seen")
		assert.Equal(t, chatbot.State("1"), turns[1].State, "the state returned last turn")
		assert.NotEqual(t, turns[0].ID, turns[1].ID)

		f.turn(t, "c1", "u3", "I want an agent", 3)
		c := f.conv(t, id)
		assert.False(t, c.Held())
		assert.True(t, c.Waiting(), "handed off into the queue")
		assert.Equal(t, conversation.TeamID("billing"), c.Team)
		off := f.book.of(conversation.EventBotHandedOff, id)
		require.Len(t, off, 1)
		assert.Equal(t, "asks for a refund", off[0].Detail, "the bot's note for the agent")
		assert.Equal(t, conversation.AsBot("helper"), conversation.Actor{Kind: off[0].Actor.Kind, ID: off[0].Actor.ID})
		assert.Equal(t, conversation.TeamID("billing"), off[0].Team)
		q, err = f.eng.Queue(bg, ws, 10)
		require.NoError(t, err)
		require.Len(t, q, 1)
		assert.Equal(t, id, q[0].ID)

		_, err = f.eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: id, Agent: "ana", Text: "Hi, I am Ana"})
		require.NoError(t, err)
		assert.Equal(t, conversation.AgentID("ana"), f.conv(t, id).Assignee, "R10")
		f.write(t, "c1", "u4", "thanks")
		_, err = f.eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: id, Agent: "ana", Text: "You are welcome"})
		require.NoError(t, err)
		assert.Len(t, bot.seen(), 3, "the bot sees nothing more of a conversation it handed off")
		assert.Len(t, f.book.of(conversation.EventBotTurnStarted, id), 3)
	})
}

// R2, R10: an agent who replies to a held conversation takes it from the
// bot (bot.taken_over); the bot takes no further turn in it.
func TestAgentReplyTakesConversationFromBot(t *testing.T) {
	bot := &scriptBot{reply: echo}
	f := newBotFixture(t, memory.New(), bot, channel.Bot{})
	id := f.turn(t, "c1", "u1", "hello", 1)
	_, err := f.eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: id, Agent: "bruno", Text: "Bruno here"})
	require.NoError(t, err)
	c := f.conv(t, id)
	assert.False(t, c.Held())
	assert.Equal(t, conversation.AgentID("bruno"), c.Assignee)
	taken := f.book.wait(t, conversation.EventBotTakenOver, id, 1)
	assert.Equal(t, conversation.AgentID("bruno"), taken[0].Agent)
	assert.Equal(t, "helper", taken[0].Bot)
	f.write(t, "c1", "u2", "hi Bruno")
	time.Sleep(20 * time.Millisecond)
	assert.Len(t, bot.seen(), 1)
}

// R2: a channel that names a bot the engine does not have is refused,
// and so is a failure policy without a bot; nothing is stored.
func TestPutChannelChecksItsBot(t *testing.T) {
	f := newBotFixture(t, memory.New(), &scriptBot{reply: echo}, channel.Bot{})
	err := f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "wa", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Bot: channel.Bot{Name: "nobody"}}}, Transport: f.tr, By: conversation.Host()})
	require.ErrorIs(t, err, channel.ErrInvalid)
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err))
	err = f.eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "wa", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Bot: channel.Bot{Name: "helper", Fallback: channel.Fallback{Template: "missing"}}}}, Transport: f.tr, By: conversation.Host()})
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err), "a fallback template that does not exist: %v", err)
	_, err = f.eng.Channel(bg, ws, "wa")
	assert.Equal(t, contactcenter.CodeNotFound, contactcenter.ErrorCode(err))
	_, err = contactcenter.New(contactcenter.Config{Store: memory.New(), Bots: map[string]chatbot.Bot{"": &scriptBot{}}})
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err))
	_, err = contactcenter.New(contactcenter.Config{Store: memory.New(), Reactions: []contactcenter.Reaction{{Name: "bot", Key: func(conversation.Event) (string, bool) { return "", false }, React: func(context.Context, contactcenter.Job) error { return nil }}}})
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err), "the reaction name is the engine's")
}

// scripted answers each turn by the first word of its text, from script;
// other turns get an empty reply.
func scripted(script map[string]chatbot.Reply) func(context.Context, chatbot.Turn) (chatbot.Reply, error) {
	return func(_ context.Context, t chatbot.Turn) (chatbot.Reply, error) {
		word, _, _ := strings.Cut(t.Text(), " ")
		return script[word], nil
	}
}

// R2: every action a bot may take, applied by the engine with actor bot,
// on each store: the ticket's tags and priority, the contact's fields, a
// snippet, a template and a file sent as bot messages, a notification for
// the host, an invalid action refused and recorded while the rest
// applies, and the hold ended by closing, assigning to an agent, to a
// team, and turning the bot off.
func TestBotActions(t *testing.T) {
	eachBotStore(t, func(t *testing.T, s store.Store) {
		file := chatbot.File{Name: "menu.pdf", MIME: "application/pdf", Size: 1200, Ref: "https://files.example/menu.pdf"}
		bot := &scriptBot{reply: scripted(map[string]chatbot.Reply{
			"tag":      {Actions: []chatbot.Action{chatbot.Tag{Tag: "vip"}, chatbot.Tag{Tag: "lead"}}},
			"untag":    {Actions: []chatbot.Action{chatbot.Untag{Tag: "lead"}}},
			"field":    {Actions: []chatbot.Action{chatbot.SetField{Key: "plan", Value: "pro"}, chatbot.SetField{Key: "city", Value: "Lima"}}},
			"unfield":  {Actions: []chatbot.Action{chatbot.UnsetField{Key: "city"}}},
			"prio":     {Actions: []chatbot.Action{chatbot.SetPriority{Priority: ticket.PriorityHigh}}},
			"snippet":  {Actions: []chatbot.Action{chatbot.SendSnippet{Shortcut: "hi"}}},
			"template": {Actions: []chatbot.Action{chatbot.SendTemplate{Name: "bye"}}},
			"file":     {Actions: []chatbot.Action{chatbot.SendFile{File: file, Caption: "Our menu"}}},
			"notify":   {Actions: []chatbot.Action{chatbot.Notify{Name: "lead.qualified", Data: map[string]string{"plan": "pro"}}}},
			"bad": {Actions: []chatbot.Action{
				chatbot.Tag{Tag: ""}, chatbot.SendTemplate{Name: "missing"}, chatbot.HandOff{Team: "nowhere"}, chatbot.Tag{Tag: "ok"},
			}},
			"close": {Messages: []chatbot.Message{{Text: "Bye!"}}, Actions: []chatbot.Action{chatbot.Close{Note: conversation.ClosingNote{Category: "faq", Summary: "answered by the bot"}}}},
			"ana":   {Actions: []chatbot.Action{chatbot.AssignAgent{Agent: "ana", Note: "VIP"}}},
			"team":  {Actions: []chatbot.Action{chatbot.AssignTeam{Team: "billing", Note: "invoice"}}},
			"off":   {Actions: []chatbot.Action{chatbot.TurnOff{}}},
		})}
		f := newBotFixture(t, s, bot, channel.Bot{})
		id := f.turn(t, "c1", "u1", "hello", 1)
		c := f.conv(t, id)
		steps := []string{"tag", "untag", "field", "unfield", "prio", "snippet", "template", "file", "notify", "bad"}
		for i, w := range steps {
			f.turn(t, "c1", "u"+w, w, i+2)
		}
		tk, err := f.eng.Ticket(bg, ws, c.Ticket)
		require.NoError(t, err)
		assert.Equal(t, []string{"ok", "vip"}, sortedTags(tk.Tags), "tag, untag, and the valid tag of a reply with refusals")
		assert.Equal(t, ticket.PriorityHigh, tk.Priority)
		k, err := f.eng.Contact(bg, ws, c.Contact)
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"plan": "pro"}, k.Fields)
		assert.Equal(t, []string{"Hi Ana, how can I help?", "Goodbye Ana!", "Our menu"}, f.botTexts(t, id))
		ms, err := f.eng.Messages(bg, ws, id)
		require.NoError(t, err)
		var sentFile bool
		for _, m := range ms {
			if m.Author.Kind == conversation.AuthorBot && len(m.Attachments) == 1 {
				sentFile = m.Attachments[0].Ref == file.Ref && m.Kind == conversation.KindFile
			}
		}
		assert.True(t, sentFile, "SendFile stores the file as a bot message")
		n := f.book.of(conversation.EventBotNotified, id)
		require.Len(t, n, 1)
		assert.Equal(t, "lead.qualified", n[0].Detail)
		assert.Equal(t, map[string]string{"plan": "pro"}, n[0].Data)
		refused := f.book.of(conversation.EventBotActionRefused, id)
		require.Len(t, refused, 3, "the empty tag, the missing template and the unknown team")
		assert.Contains(t, refused[0].Detail, "action 0 (tag)")
		assert.Contains(t, refused[1].Detail, "missing")
		assert.Contains(t, refused[2].Detail, "nowhere")
		assert.True(t, f.conv(t, id).Held(), "a refused hand-off leaves the bot holding")
		for _, typ := range []conversation.EventType{conversation.EventTicketTagged, conversation.EventContactFieldSet, conversation.EventTicketPriority} {
			evs := f.book.of(typ, "")
			require.NotEmpty(t, evs, typ)
			assert.Equal(t, conversation.ActorBot, evs[0].Actor.Kind, "%s: actor bot", typ)
			assert.Equal(t, "helper", evs[0].Actor.ID)
		}

		f.turn(t, "c1", "u-close", "close", len(steps)+2)
		c = f.conv(t, id)
		assert.Equal(t, conversation.Closed, c.State)
		assert.Equal(t, conversation.ReasonBot, c.CloseReason)
		assert.Equal(t, "answered by the bot", c.ClosingNote.Summary)
		tk, err = f.eng.Ticket(bg, ws, c.Ticket)
		require.NoError(t, err)
		assert.Equal(t, ticket.Open, tk.Status, "R12: the ticket stays open")

		id2 := f.turn(t, "c2", "v1", "ana please", 1)
		c2 := f.conv(t, id2)
		assert.Equal(t, conversation.AgentID("ana"), c2.Assignee)
		assert.False(t, c2.Held())
		off := f.book.of(conversation.EventBotHandedOff, id2)
		require.Len(t, off, 1)
		assert.Equal(t, "VIP", off[0].Detail)
		assert.Equal(t, conversation.AgentID("ana"), off[0].Agent)

		id3 := f.turn(t, "c3", "w1", "team", 1)
		c3 := f.conv(t, id3)
		assert.True(t, c3.Waiting())
		assert.Equal(t, conversation.TeamID("billing"), c3.Team)
		assert.Equal(t, "invoice", f.book.of(conversation.EventBotHandedOff, id3)[0].Detail)

		id4 := f.turn(t, "c4", "x1", "off", 1)
		c4 := f.conv(t, id4)
		assert.True(t, c4.Waiting())
		assert.Empty(t, c4.Team)
		assert.Len(t, f.book.of(conversation.EventBotTurnedOff, id4), 1)
		q, err := f.eng.Queue(bg, ws, 10)
		require.NoError(t, err)
		assert.Equal(t, []conversation.ID{id3, id4}, convIDs(q))
	})
}

func sortedTags(tags []string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	return out
}

func convIDs(cs []conversation.Conversation) []conversation.ID {
	out := make([]conversation.ID, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// R2: a bot that errors, or does not answer within the turn timeout, is
// tried again with the same turn (id and state), and after MaxFailures
// failed attempts in a row the customer goes to a human: the fallback
// team's queue, with the fallback template sent.
func TestBotFailuresHandTheCustomerToAHuman(t *testing.T) {
	for _, mode := range []string{"error", "timeout", "panic"} {
		t.Run(mode, func(t *testing.T) {
			bot := &scriptBot{reply: func(ctx context.Context, _ chatbot.Turn) (chatbot.Reply, error) {
				switch mode {
				case "timeout":
					<-ctx.Done()
					return chatbot.Reply{Messages: []chatbot.Message{{Text: "too late"}}}, nil
				case "panic":
					panic("bot bug")
				}
				return chatbot.Reply{}, errors.New("bot down")
			}}
			f := newBotFixture(t, memory.New(), bot, channel.Bot{TurnTimeout: 20 * time.Millisecond, MaxFailures: 3,
				Fallback: channel.Fallback{Team: "billing", Template: "sorry"}})
			id := f.write(t, "c1", "u1", "hello").Conversation.ID
			off := f.book.wait(t, conversation.EventBotHandedOff, id, 1)
			assert.Equal(t, conversation.ReasonBotFailed, off[0].Reason)
			failed := f.book.of(conversation.EventBotTurnFailed, id)
			require.Len(t, failed, 3)
			assert.Contains(t, failed[2].Detail, "attempt 3 of 3")
			turns := bot.seen()
			require.Len(t, turns, 3)
			for _, tn := range turns[1:] {
				assert.Equal(t, turns[0].ID, tn.ID, "a retried turn keeps its id")
				assert.Equal(t, turns[0].Messages, tn.Messages)
			}
			c := f.conv(t, id)
			assert.True(t, c.Waiting())
			assert.Equal(t, conversation.TeamID("billing"), c.Team)
			require.Eventually(t, func() bool { return len(f.tr.Sent()) == 1 }, 10*time.Second, time.Millisecond)
			assert.Equal(t, "Our assistant is unavailable; a person will answer you.", f.tr.Sent()[0].Text, "the configured message")
			assert.Empty(t, f.botTexts(t, id), "nothing of a late reply is applied")
		})
	}
}

// R2: a failed attempt followed by a good one applies the reply once,
// and the count of failures starts again.
func TestBotRetryAppliesOnce(t *testing.T) {
	var calls int
	var mu sync.Mutex
	bot := &scriptBot{reply: func(_ context.Context, t chatbot.Turn) (chatbot.Reply, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return chatbot.Reply{}, errors.New("flaky")
		}
		return chatbot.Reply{Messages: []chatbot.Message{{Text: "answer to " + string(t.ID)}}}, nil
	}}
	f := newBotFixture(t, memory.New(), bot, channel.Bot{MaxFailures: 2})
	id := f.turn(t, "c1", "u1", "hello", 1)
	assert.Len(t, f.book.of(conversation.EventBotTurnFailed, id), 1)
	turns := bot.seen()
	require.Len(t, turns, 2)
	assert.Equal(t, turns[0].ID, turns[1].ID)
	assert.Equal(t, []string{"answer to " + string(turns[0].ID)}, f.botTexts(t, id))
	assert.True(t, f.conv(t, id).Held(), "one failure of two: the bot keeps the conversation")
}

// gate is a bot whose turns wait until released.
type gate struct {
	*scriptBot
	entered chan chatbot.Turn
	release chan struct{}
}

func newGate(reply func(context.Context, chatbot.Turn) (chatbot.Reply, error)) *gate {
	g := &gate{entered: make(chan chatbot.Turn, 16), release: make(chan struct{})}
	g.scriptBot = &scriptBot{reply: func(ctx context.Context, t chatbot.Turn) (chatbot.Reply, error) {
		g.entered <- t
		select {
		case <-g.release:
		case <-ctx.Done():
			return chatbot.Reply{}, ctx.Err()
		}
		return reply(ctx, t)
	}}
	return g
}

// R7: bot messages leave the timeout alone: a conversation the bot talks
// in, with no human message, times out from the contact's last message.
func TestBotMessagesLeaveTheTimeoutAlone(t *testing.T) {
	g := newGate(echo)
	f := newBotFixture(t, memory.New(), g.scriptBot, channel.Bot{TurnTimeout: time.Minute},
		func(s *channel.Settings) { s.MessageTimeout = 10 * time.Minute })
	id := f.write(t, "c1", "u1", "hello").Conversation.ID
	<-g.entered
	f.clock.Advance(6 * time.Minute)
	close(g.release)
	f.book.wait(t, conversation.EventBotTurnFinished, id, 1)
	c := f.conv(t, id)
	assert.Equal(t, t0, c.LastActivity, "R7: the bot's message is no activity")
	f.clock.Advance(4*time.Minute + time.Second)
	_, err := f.eng.FireTimers(bg)
	require.NoError(t, err)
	c = f.conv(t, id)
	assert.Equal(t, conversation.Closed, c.State)
	assert.Equal(t, conversation.ReasonTimeout, c.CloseReason)
}

// R2, R10: an agent who replies while the bot's turn is in flight takes
// the conversation; the late reply is not applied.
func TestAgentTakesOverDuringATurn(t *testing.T) {
	g := newGate(func(context.Context, chatbot.Turn) (chatbot.Reply, error) {
		return chatbot.Reply{Messages: []chatbot.Message{{Text: "late"}}, Actions: []chatbot.Action{chatbot.Tag{Tag: "late"}}}, nil
	})
	f := newBotFixture(t, memory.New(), g.scriptBot, channel.Bot{TurnTimeout: time.Minute})
	r := f.write(t, "c1", "u1", "hello")
	<-g.entered
	_, err := f.eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: r.Conversation.ID, Agent: "ana", Text: "Ana here"})
	require.NoError(t, err)
	close(g.release)
	done := f.book.wait(t, conversation.EventBotTurnFinished, r.Conversation.ID, 1)
	assert.Equal(t, conversation.ReasonTakenOver, done[0].Reason, "the turn is finished, without effect")
	assert.Empty(t, f.botTexts(t, r.Conversation.ID))
	tk, err := f.eng.Ticket(bg, ws, r.Conversation.Ticket)
	require.NoError(t, err)
	assert.Empty(t, tk.Tags)
}

// R2: messages that arrive while a turn is in flight go to the next
// turn, together, in order; no message is given twice or lost.
func TestMessagesDuringATurnGoToTheNext(t *testing.T) {
	g := newGate(echo)
	f := newBotFixture(t, memory.New(), g.scriptBot, channel.Bot{TurnTimeout: time.Minute})
	id := f.write(t, "c1", "u1", "one").Conversation.ID
	<-g.entered
	f.write(t, "c1", "u2", "two")
	f.write(t, "c1", "u3", "three")
	close(g.release)
	f.book.wait(t, conversation.EventBotTurnFinished, id, 2)
	turns := g.seen()
	require.Len(t, turns, 2)
	assert.Equal(t, "one", turns[0].Text())
	assert.Equal(t, "two\nthree", turns[1].Text())
	assert.Equal(t, []string{"bot: one", "bot: two\nthree"}, f.botTexts(t, id))
}

// R2: a handed-off conversation that no human takes within NoHuman.After
// gets the template and goes back to the bot, which takes a timed-out
// turn; a human hands a conversation back with HandToBot (a resumed
// turn).
func TestNoHumanAndHandBack(t *testing.T) {
	bot := &scriptBot{reply: echo}
	f := newBotFixture(t, memory.New(), bot, channel.Bot{NoHuman: channel.NoHuman{After: 5 * time.Minute, Template: "still", BackToBot: true}})
	id := f.turn(t, "c1", "u1", "agent please", 1)
	require.True(t, f.conv(t, id).Waiting())
	f.clock.Advance(5 * time.Minute)
	_, err := f.eng.FireTimers(bg)
	require.NoError(t, err)
	resumed := f.book.wait(t, conversation.EventBotResumed, id, 1)
	assert.Equal(t, conversation.ReasonNoHuman, resumed[0].Reason)
	f.book.wait(t, conversation.EventBotTurnFinished, id, 2)
	turns := bot.seen()
	require.Len(t, turns, 2)
	assert.Equal(t, chatbot.TurnTimedOut, turns[1].Kind)
	c := f.conv(t, id)
	assert.Equal(t, "helper", c.Bot, "given back to the bot")
	var texts []string
	for _, o := range f.tr.Sent() {
		texts = append(texts, o.Text)
	}
	assert.Contains(t, texts, "Everyone is busy; we have not forgotten you.")

	_, err = f.eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: id, Agent: "ana", Text: "Ana here"})
	require.NoError(t, err)
	f.write(t, "c1", "u2", "is my order late?")
	back, err := f.eng.HandToBot(bg, contactcenter.BotHandBack{Workspace: ws, Conversation: id, By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.True(t, back.Held())
	assert.Empty(t, back.Assignee)
	f.book.wait(t, conversation.EventBotTurnFinished, id, 3)
	turns = bot.seen()
	require.Len(t, turns, 3)
	assert.Equal(t, chatbot.TurnResumed, turns[2].Kind)
	assert.Equal(t, "is my order late?", turns[2].Text(), "the contact's messages the bot has not seen")

	_, err = f.eng.HandToBot(bg, contactcenter.BotHandBack{Workspace: ws, Conversation: "nope", By: conversation.Host()})
	assert.Equal(t, contactcenter.CodeNotFound, contactcenter.ErrorCode(err))
}

// R2: a conversation that a human took before NoHuman.After passed is
// left alone by the timer; a hand-off by TurnOff never goes back to the
// bot.
func TestNoHumanLeavesTakenConversations(t *testing.T) {
	bot := &scriptBot{reply: scripted(map[string]chatbot.Reply{
		"agent": {Actions: []chatbot.Action{chatbot.HandOff{}}},
		"off":   {Actions: []chatbot.Action{chatbot.TurnOff{}}},
	})}
	f := newBotFixture(t, memory.New(), bot, channel.Bot{NoHuman: channel.NoHuman{After: 5 * time.Minute, Template: "still", BackToBot: true}})
	taken := f.turn(t, "c1", "u1", "agent", 1)
	off := f.turn(t, "c2", "v1", "off", 1)
	_, err := f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: taken, To: "bruno", By: conversation.Host()})
	require.NoError(t, err)
	f.clock.Advance(5 * time.Minute)
	_, err = f.eng.FireTimers(bg)
	require.NoError(t, err)
	assert.Empty(t, f.book.of(conversation.EventBotResumed, ""), "neither goes back to the bot")
	assert.Equal(t, conversation.AgentID("bruno"), f.conv(t, taken).Assignee)
	assert.True(t, f.conv(t, off).Waiting())
	var stills int
	for _, o := range f.tr.Sent() {
		if strings.HasPrefix(o.Text, "Everyone is busy") {
			stills++
		}
	}
	assert.Equal(t, 1, stills, "the turned-off conversation, still waiting, gets the template")
}

// testLogger logs the engine's warnings to the test's log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tLogWriter struct{ t *testing.T }

func (w tLogWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// R2: two engines on one store take a burst of messages for the same few
// conversations, each engine a share: every contact message reaches the
// bot in exactly one turn, in order, and every turn's reply is applied
// once, whichever engine ran it.
func TestBotTurnsOnceAcrossEngines(t *testing.T) {
	for _, k := range sharedStores {
		t.Run(k.name, func(t *testing.T) {
			a, b := k.open(t)
			bot := &scriptBot{reply: func(_ context.Context, tn chatbot.Turn) (chatbot.Reply, error) {
				return chatbot.Reply{Messages: []chatbot.Message{{Text: "re " + string(tn.ID)}}}, nil
			}}
			book := &eventLog{}
			var engines []*contactcenter.Engine
			for _, st := range []store.Store{a, b} {
				eng, err := botEngine(st, contactcenter.Config{Publish: book.publish, ReactionGrace: time.Minute}, bot)
				require.NoError(t, err)
				t.Cleanup(func() { _ = eng.Close() })
				engines = append(engines, eng)
			}
			const convs, each = 4, 6
			var wg sync.WaitGroup
			for c := range convs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for m := range each {
						_, err := engines[m%2].Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprintf("u%d-%d", c, m),
							From: contactcenter.Sender{ExternalID: fmt.Sprint("c", c)}, Text: fmt.Sprintf("m%d", m)})
						assert.NoError(t, err)
					}
				}()
			}
			wg.Wait()
			cs, _, err := engines[0].Conversations(bg, ws, store.ConversationFilter{})
			require.NoError(t, err)
			require.Len(t, cs, convs)
			deadline := time.Now().Add(30 * time.Second)
			for _, c := range cs {
				for {
					var texts []string
					seen := map[chatbot.TurnID]bool{}
					for _, tn := range bot.seen() {
						if tn.Conversation == c.ID && !seen[tn.ID] {
							seen[tn.ID] = true
							for _, m := range tn.Messages {
								texts = append(texts, m.Text)
							}
						}
					}
					if len(texts) >= each || time.Now().After(deadline) {
						want := make([]string, each)
						for m := range want {
							want[m] = fmt.Sprintf("m%d", m)
						}
						require.Equal(t, want, texts, "conversation %s: each message in one turn, in order", c.ID)
						require.Eventually(t, func() bool {
							return len(book.of(conversation.EventBotTurnFinished, c.ID)) == len(seen)
						}, 10*time.Second, time.Millisecond)
						ms, err := engines[1].Messages(bg, ws, c.ID)
						require.NoError(t, err)
						var replies []string
						for _, m := range ms {
							if m.Author.Kind == conversation.AuthorBot {
								replies = append(replies, m.Text)
							}
						}
						assert.Len(t, replies, len(seen), "one reply per turn, applied once")
						assert.Len(t, book.of(conversation.EventBotTurnFailed, c.ID), 0)
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
		})
	}
}

// R2, R11: a conversation the bot holds is left alone by automatic
// assignment, and assigned as soon as the bot hands it off.
func TestAutomaticAssignmentAfterHandOff(t *testing.T) {
	eachBotStore(t, func(t *testing.T, s store.Store) {
		bot := &scriptBot{reply: scripted(map[string]chatbot.Reply{"agent": {Actions: []chatbot.Action{chatbot.HandOff{}}}})}
		f := newBotFixture(t, s, bot, channel.Bot{},
			func(set *channel.Settings) { set.Assignment = channel.Assignment{Strategy: "least_busy"} })
		id := f.turn(t, "c1", "u1", "hello", 1)
		c := f.conv(t, id)
		assert.True(t, c.Held())
		assert.Empty(t, c.Assignee, "R11 leaves a held conversation alone")
		f.turn(t, "c1", "u2", "agent please", 2)
		require.Eventually(t, func() bool { return f.conv(t, id).Assignee != "" }, 10*time.Second, time.Millisecond)
		require.NoError(t, f.eng.PublishPending(bg)) // the assignment's events may still be on their way
		assert.Len(t, f.book.of(conversation.EventConversationAssigned, id), 1)
	})
}

// R2, R21: erasing a contact empties the bot's sessions in their
// conversations: the bot's state goes, the count of turns stays.
func TestEraseContactDeletesBotSessions(t *testing.T) {
	eachBotStore(t, func(t *testing.T, s store.Store) {
		bot := &scriptBot{reply: func(_ context.Context, tn chatbot.Turn) (chatbot.Reply, error) {
			return chatbot.Reply{State: chatbot.State("name=" + tn.Contact.Name)}, nil
		}}
		f := newBotFixture(t, s, bot, channel.Bot{})
		id := f.turn(t, "c1", "u1", "hello", 1)
		c := f.conv(t, id)
		f.turn(t, "c1", "u2", "again", 2)
		require.Equal(t, chatbot.State("name=Ana Contact c1"), bot.seen()[1].State)
		require.NoError(t, f.eng.EraseContact(bg, contactcenter.ContactErasure{Workspace: ws, Contact: c.Contact, By: conversation.Host()}))
		require.NoError(t, f.store.View(bg, func(tx store.Tx) error {
			tm, err := tx.Timer(bg, "bot.session", ws, string(id))
			require.NoError(t, err)
			assert.NotContains(t, string(tm.Payload), "state", "the bot's state is gone")
			assert.Contains(t, string(tm.Payload), `"turns":2`, "the count of turns stays: turn ids are not given twice")
			return nil
		}))
	})
}

// R2: a bot that was down while a contact wrote many messages gets the
// newest of them in its next turn, and nothing it has seen again.
func TestATurnCarriesTheNewestMessages(t *testing.T) {
	g := newGate(echo)
	f := newBotFixture(t, memory.New(), g.scriptBot, channel.Bot{TurnTimeout: time.Minute})
	id := f.write(t, "c1", "u0", "first").Conversation.ID
	<-g.entered
	const burst = 260
	for i := 1; i <= burst; i++ {
		f.clock.Advance(time.Millisecond) // messages are ordered by time, then id
		f.write(t, "c1", fmt.Sprint("u", i), fmt.Sprint("n", i))
	}
	close(g.release)
	f.book.wait(t, conversation.EventBotTurnFinished, id, 2)
	turns := g.seen()
	require.Len(t, turns, 2)
	second := turns[1].Messages
	require.Len(t, second, 50, "the newest 50")
	assert.Equal(t, fmt.Sprint("n", burst-49), second[0].Text)
	assert.Equal(t, fmt.Sprint("n", burst), second[49].Text)
	f.turn(t, "c1", "u-last", "last", 3)
	turns = g.seen()
	require.Len(t, turns, 3)
	assert.Equal(t, "last", turns[2].Text(), "nothing seen is given again")
}

// R2: a held conversation whose channel is deleted goes to the queue at
// its next attempt rather than wait for a bot no channel names, and the
// last failure keeps the bot's name; closing a conversation deletes its
// bot session, even one of the largest state.
func TestBotEdgesEndInTheQueue(t *testing.T) {
	g := newGate(func(context.Context, chatbot.Turn) (chatbot.Reply, error) { return chatbot.Reply{}, errors.New("down") })
	f := newBotFixture(t, memory.New(), g.scriptBot, channel.Bot{TurnTimeout: time.Minute})
	id := f.write(t, "c1", "u1", "hello").Conversation.ID
	<-g.entered
	require.NoError(t, f.eng.DeleteChannel(bg, contactcenter.ChannelDeletion{Workspace: ws, Channel: "tg", By: conversation.Host()}))
	close(g.release)
	off := f.book.wait(t, conversation.EventBotHandedOff, id, 1)
	assert.Equal(t, conversation.ReasonBotFailed, off[0].Reason)
	assert.True(t, f.conv(t, id).Waiting(), "in the queue, for a human")
	assert.Len(t, g.seen(), 1, "the bot is not asked again for a channel that is gone")

	f2 := newBotFixture(t, memory.New(), &scriptBot{reply: func(context.Context, chatbot.Turn) (chatbot.Reply, error) {
		return chatbot.Reply{State: make(chatbot.State, chatbot.MaxStateBytes)}, errors.New("down")
	}}, channel.Bot{MaxFailures: 2})
	id2 := f2.write(t, "c2", "v1", "hello").Conversation.ID
	failed := f2.book.wait(t, conversation.EventBotTurnFailed, id2, 2)
	assert.Equal(t, "helper", failed[1].Bot, "the last failure names its bot")
	assert.Equal(t, conversation.ReasonBotFailed, failed[1].Reason)
	assert.Empty(t, failed[0].Reason)

	f3 := newBotFixture(t, memory.New(), &scriptBot{reply: func(context.Context, chatbot.Turn) (chatbot.Reply, error) {
		return chatbot.Reply{State: make(chatbot.State, chatbot.MaxStateBytes)}, nil
	}}, channel.Bot{})
	id3 := f3.turn(t, "c3", "w1", "hello", 1)
	_, err := f3.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: id3, By: conversation.Host()})
	require.NoError(t, err)
	err = f3.store.View(bg, func(tx store.Tx) error {
		_, err := tx.Timer(bg, "bot.session", ws, string(id3))
		return err
	})
	assert.ErrorIs(t, err, store.ErrNotFound, "a closed conversation's session is deleted")
}

// R2: a message that arrives while a turn fails is not left behind by the
// turn's retry, which carries only what the turn was made with: the next
// turn follows at once, with no further message to start it.
func TestMessageDuringAFailedAttemptGetsItsTurn(t *testing.T) {
	var calls int
	var mu sync.Mutex
	g := newGate(func(_ context.Context, tn chatbot.Turn) (chatbot.Reply, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return chatbot.Reply{}, errors.New("flaky")
		}
		return chatbot.Reply{Messages: []chatbot.Message{{Text: "bot: " + tn.Text()}}}, nil
	})
	f := newBotFixture(t, memory.New(), g.scriptBot, channel.Bot{TurnTimeout: time.Minute})
	id := f.write(t, "c1", "u1", "one").Conversation.ID
	<-g.entered
	f.clock.Advance(time.Millisecond)
	f.write(t, "c1", "u2", "two")
	close(g.release)
	f.book.wait(t, conversation.EventBotTurnFinished, id, 2)
	assert.Equal(t, []string{"bot: one", "bot: two"}, f.botTexts(t, id))
}

// R2, R17: the bot's events carry their actor and the cause of the turn:
// the bot reaction, one level below the contact's message, on that
// message's root.
func TestBotEventsCarryActorAndCause(t *testing.T) {
	f := newBotFixture(t, memory.New(), &scriptBot{reply: echo}, channel.Bot{})
	id := f.turn(t, "c1", "u1", "I want an agent", 1)
	received := f.book.of(conversation.EventMessageReceived, id)
	require.Len(t, received, 1)
	root := received[0].Cause.Root
	for typ, actor := range map[conversation.EventType]conversation.ActorKind{
		conversation.EventBotTurnStarted:  conversation.ActorSystem,
		conversation.EventBotHandedOff:    conversation.ActorBot,
		conversation.EventBotTurnFinished: conversation.ActorBot,
	} {
		evs := f.book.of(typ, id)
		require.Len(t, evs, 1, typ)
		e := evs[0]
		assert.Equal(t, actor, e.Actor.Kind, "%s: actor", typ)
		assert.Equal(t, "helper", e.Bot, typ)
		assert.Equal(t, conversation.CauseReaction, e.Cause.Kind, "%s: caused by the reaction", typ)
		assert.Equal(t, "bot", e.Cause.Name, typ)
		assert.Equal(t, root, e.Cause.Root, "%s: on the message's root", typ)
		assert.Equal(t, received[0].Cause.Depth+1, e.Cause.Depth, typ)
	}
}

// R2, R17: a message received alone publishes its events before the
// bot's turn it started begins: even when that publication is slow, the
// bot is asked after it, and the turn's drains do not meet the message's.
func TestBotTurnStartsAfterTheMessageIsPublished(t *testing.T) {
	book := &eventLog{}
	var publishedFirst []bool
	var mu sync.Mutex
	bot := &scriptBot{reply: func(ctx context.Context, tn chatbot.Turn) (chatbot.Reply, error) {
		out := false
		for _, e := range book.unique() {
			if e.Type == conversation.EventMessageReceived && e.Conversation == tn.Conversation {
				out = true
			}
		}
		mu.Lock()
		publishedFirst = append(publishedFirst, out)
		mu.Unlock()
		return echo(ctx, tn)
	}}
	eng, err := contactcenter.New(contactcenter.Config{
		Store: memory.New(), Now: (&clock{now: t0}).Now, NewID: contactcenter.SequentialIDs("id"),
		Publish: func(ctx context.Context, e conversation.Event) error {
			if e.Type == conversation.EventMessageReceived {
				time.Sleep(30 * time.Millisecond) // a slow bus
			}
			return book.publish(ctx, e)
		},
		Bots:   map[string]chatbot.Bot{"helper": bot},
		Logger: testLogger(t),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = eng.Close() })
	require.NoError(t, eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot",
		Settings: channel.Settings{Bot: channel.Bot{Name: "helper"}}}, Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}))
	for i := range 3 {
		_, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: fmt.Sprint("u", i),
			From: contactcenter.Sender{ExternalID: fmt.Sprint("c", i), Name: "Carla"}, Text: "hello"})
		require.NoError(t, err)
	}
	require.NoError(t, eng.Settle(bg))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []bool{true, true, true}, publishedFirst, "each turn began after its message was published")
}
