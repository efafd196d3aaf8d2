package contactcenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

// The chatbot (R2) runs as one of the engine's reactions. A conversation
// that a bot holds starts a job, keyed by the conversation, with each
// event of contact input (conversation.opened and message.received
// carry the holding bot's name), with a hand-back (bot.resumed) and with a
// failed attempt (bot.turn_failed): the job is stored in the transaction
// that stores the message, so a process that stops loses no turn, and the
// reaction's claims keep one turn in flight per conversation, in order,
// across the engines on a store. A message that arrives while a turn is
// in flight starts the job again, and the next turn carries it.
//
// A turn runs in three steps, and the bot is called outside any store
// transaction:
//
//  1. A transaction makes the turn: it fixes its id, kind and messages
//     in the conversation's bot session and publishes bot.turn_started.
//     A turn made before, and not finished, is attempted again as it was
//     made: same id, same messages, same state.
//  2. The bot is called, within the channel's turn timeout.
//  3. A transaction applies the reply, if the session still has the turn
//     pending and the bot still holds the conversation, and finishes the
//     turn; or it counts the failure, and after the channel's
//     MaxFailures hands the conversation to humans (Fallback).
//
// A process killed anywhere in these steps leaves the job stored; its
// next run finds the turn pending, or finished: its effects are applied
// once (the turn id). The session is a record per conversation, kept as a
// timer of kind bot.session that never falls due.
const botReaction = "bot"

// The engine's timer kinds of the chatbot. The prefix is the engine's.
const (
	botPrefix = "bot."
	// timerBotSession keeps a conversation's bot session (botSession);
	// it never falls due.
	timerBotSession conversation.TimerKind = botPrefix + "session"
	// timerBotNoHuman acts on a handed-off conversation that no human
	// took within the channel's NoHuman.After (channel.NoHuman).
	timerBotNoHuman conversation.TimerKind = botPrefix + "no_human"
)

// sessionDue is the due time of a bot session's timer: never (within
// the range that stores keep).
var sessionDue = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// Bounds of a turn.
const (
	// maxBotRetryWait bounds the wait before a failed turn is tried again.
	maxBotRetryWait = 30 * time.Second
)

// botSession is what the engine keeps of a bot in one conversation.
type botSession struct {
	// Bot is the bot the session is with; another bot starts afresh.
	Bot string `json:"bot"`
	// Turns counts the turns made in the conversation: the next turn's
	// id is the conversation's id and Turns+1.
	Turns int `json:"turns"`
	// Seen is the position of the last contact message a turn carried.
	Seen store.MessageCursor `json:"seen,omitempty"`
	// State is the bot's state (chatbot.State).
	State []byte `json:"state,omitempty"`
	// Failures counts the failed attempts in a row.
	Failures int `json:"failures,omitempty"`
	// Pending is the turn made and not finished, if any.
	Pending *pendingTurn `json:"pending,omitempty"`
}

// pendingTurn is a turn as it was made: every attempt gives the bot the
// same turn.
type pendingTurn struct {
	ID       chatbot.TurnID           `json:"id"`
	Kind     chatbot.TurnKind         `json:"kind"`
	At       time.Time                `json:"at"`
	Messages []conversation.MessageID `json:"messages,omitempty"`
	// Through is the position of the turn's last message: Seen once the
	// turn is finished.
	Through store.MessageCursor `json:"through,omitempty"`
}

// noHumanPayload is the payload of a timerBotNoHuman timer.
type noHumanPayload struct {
	// Back: the conversation may go back to the bot (a hand-off by an
	// action; not by Fallback or TurnOff).
	Back bool `json:"back,omitempty"`
}

// botReactor returns R2's chatbot turns as a reaction, keyed by
// conversation.
func (e *Engine) botReactor() *reactor {
	return &reactor{
		name:  botReaction,
		kind:  conversation.TimerKind(reactionPrefix + botReaction),
		async: true,
		key: func(ev *conversation.Event) (string, bool) {
			if ev.Bot == "" || ev.Conversation == "" {
				return "", false
			}
			switch ev.Type {
			case conversation.EventConversationOpened, conversation.EventMessageReceived, conversation.EventBotResumed:
				return string(ev.Conversation), true
			case conversation.EventBotTurnFailed:
				// The next attempt; not after the last, which gave up.
				return string(ev.Conversation), ev.Reason != conversation.ReasonBotFailed
			}
			return "", false
		},
		react: e.botTurn,
	}
}

// loadSession reads conversation c's bot session in tx: a new one when
// it has none, or one with another bot.
func loadSession(ctx context.Context, tx store.Tx, c *conversation.Conversation) (botSession, error) {
	var s botSession
	t, err := tx.Timer(ctx, timerBotSession, c.Workspace, string(c.ID))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return s, err
	default:
		if err := json.Unmarshal(t.Payload, &s); err != nil {
			return botSession{Bot: c.Bot}, nil // unreadable: started afresh
		}
	}
	if s.Bot != c.Bot && c.Bot != "" {
		s = botSession{Bot: c.Bot, Turns: s.Turns, Seen: s.Seen}
	}
	return s, nil
}

// saveSession writes conversation c's bot session in tx.
func saveSession(ctx context.Context, tx store.Tx, c *conversation.Conversation, s *botSession) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return tx.SetTimer(ctx, store.Timer{Kind: timerBotSession, Workspace: c.Workspace, Key: string(c.ID), Due: sessionDue, Payload: b})
}

// botEvent returns an event of type typ about conversation c at now.
func botEvent(typ conversation.EventType, c *conversation.Conversation, bot string, now time.Time) conversation.Event {
	return conversation.Event{Type: typ, Workspace: c.Workspace, At: now, Conversation: c.ID, Ticket: c.Ticket,
		TicketNumber: c.TicketNumber, Bot: bot}
}

// emitOne stores event ev in the step.
func (s *step) emitOne(ctx context.Context, tx store.Tx, ev conversation.Event) error {
	var ch conversation.Change
	ch.Emit(ev)
	return s.add(ctx, tx, &ch)
}

// makeTurn makes a turn of kind in conversation c's session sess, in tx:
// the contact's messages since the last turn, the newest
// chatbot.MaxTurnMessages of them, and publishes bot.turn_started. It reports
// false, making none, for a turn of contact input without input.
func (s *step) makeTurn(ctx context.Context, tx store.Tx, c *conversation.Conversation, sess *botSession, kind chatbot.TurnKind) (bool, error) {
	var ids []conversation.MessageID
	var through store.MessageCursor
	for after := sess.Seen; ; {
		page, err := store.MessagesPage(ctx, tx, c.Workspace, c.ID, store.MessagePage{After: after, Limit: store.MaxMessagePage})
		if err != nil {
			return false, err
		}
		for _, m := range page.Messages {
			if m.Direction == conversation.FromContact && m.Kind != conversation.KindCommand {
				ids = append(ids, m.ID)
				through = store.MessagePosition(m)
			}
		}
		if len(ids) > chatbot.MaxTurnMessages {
			ids = ids[len(ids)-chatbot.MaxTurnMessages:]
		}
		if page.Newer == "" || len(page.Messages) == 0 {
			break
		}
		after = page.Newer
	}
	if len(ids) == 0 && (kind == chatbot.TurnOpened || kind == chatbot.TurnMessage) {
		return false, nil
	}
	if through == "" {
		through = sess.Seen
	}
	sess.Turns++
	now := s.now()
	sess.Pending = &pendingTurn{ID: chatbot.TurnID(string(c.ID) + ":" + strconv.Itoa(sess.Turns)), Kind: kind, At: now, Messages: ids, Through: through}
	if err := saveSession(ctx, tx, c, sess); err != nil {
		return false, err
	}
	ev := botEvent(conversation.EventBotTurnStarted, c, sess.Bot, now)
	ev.Detail = string(sess.Pending.ID)
	return true, s.emitOne(ctx, tx, ev)
}

// preparedTurn is a turn made, ready for the bot.
type preparedTurn struct {
	turn     chatbot.Turn
	settings channel.Bot
	failures int
}

// botTurn is the bot reaction's React: one turn of the conversation the
// job is keyed by, if one is due.
func (e *Engine) botTurn(ctx context.Context, j Job) error {
	// A turn made before, attempted again, carries the messages it was
	// made with: those that came since go to the next turn, made here.
	for {
		p, err := e.prepareTurn(ctx, j)
		if err != nil || p == nil {
			return err
		}
		if done, err := e.attempt(ctx, p); done || err != nil {
			return err
		}
	}
}

// attempt makes one attempt of turn p: it asks the bot and applies its
// reply, or records the failure. done reports that the run ends here: an
// attempt that failed is tried again by the job its failure starts.
func (e *Engine) attempt(ctx context.Context, p *preparedTurn) (done bool, err error) {
	if p.failures > 0 {
		wait := min(e.backoff(p.failures), maxBotRetryWait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return true, ctx.Err()
		case <-t.C:
		}
	}
	reply, err := e.callBot(ctx, p)
	if ctx.Err() != nil {
		return true, ctx.Err() // the engine closes: the turn stays to do
	}
	if err != nil {
		return true, e.turnFailed(ctx, p, err)
	}
	checked, err := reply.Validate()
	if err != nil {
		return true, e.turnFailed(ctx, p, err)
	}
	if err := e.applyTurn(ctx, p, &checked); err != nil {
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		// A reply that cannot be applied fails the turn like a bot
		// that fails: a failure that repeats ends in the fallback
		// rather than in a turn asked again forever.
		return true, e.turnFailed(ctx, p, fmt.Errorf("the reply could not be applied: %w", err))
	}
	return false, nil
}

// prepareTurn makes the turn the job's conversation is due, or finds the
// one made before and not finished, and loads what the bot is given. It
// returns nil when no turn is due: the bot holds the conversation no
// more, or the input was a turn's already.
func (e *Engine) prepareTurn(ctx context.Context, j Job) (*preparedTurn, error) {
	var p *preparedTurn
	_, err := e.run(ctx, "bot turn", conversation.System(), func(tx store.Tx, s *step) error {
		p = nil
		c, err := tx.Conversation(ctx, j.Workspace, conversation.ID(j.Key))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if !c.Held() {
			return nil
		}
		b, err := s.channel(ctx, tx, c.Workspace, c.Channel)
		if errors.Is(err, channel.ErrNotFound) {
			// The channel is gone, and its bot with it: the customer
			// goes to the queue rather than wait for no one (R2).
			return s.fallback(ctx, tx, &c, channel.Bot{})
		} else if err != nil {
			return err // a channel this engine does not serve: due again
		}
		sess, err := loadSession(ctx, tx, &c)
		if err != nil {
			return err
		}
		if sess.Pending == nil {
			kind := chatbot.TurnMessage
			if sess.Turns == 0 {
				kind = chatbot.TurnOpened
			}
			made, err := s.makeTurn(ctx, tx, &c, &sess, kind)
			if err != nil || !made {
				return err
			}
		}
		t, err := e.turnOf(ctx, tx, &c, &sess)
		if err != nil {
			return err
		}
		p = &preparedTurn{turn: t, settings: b.cfg.Settings.Bot, failures: sess.Failures}
		return nil
	})
	return p, err
}

// turnOf returns the pending turn of session sess of conversation c as
// the bot is given it.
func (e *Engine) turnOf(ctx context.Context, tx store.Tx, c *conversation.Conversation, sess *botSession) (chatbot.Turn, error) {
	pt := sess.Pending
	k, err := tx.Contact(ctx, c.Workspace, c.Contact)
	if err != nil {
		return chatbot.Turn{}, err
	}
	t := chatbot.Turn{
		ID: pt.ID, Kind: pt.Kind, Bot: sess.Bot, Workspace: c.Workspace, Conversation: c.ID, Ticket: c.Ticket,
		Channel: c.Channel, State: chatbot.State(sess.State), At: pt.At,
		Contact: chatbot.Contact{ID: k.ID, Name: k.Name, Language: k.Language, Fields: k.Fields},
	}
	for _, id := range pt.Messages {
		m, err := tx.Message(ctx, c.Workspace, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // erased (R21)
		} else if err != nil {
			return t, err
		}
		in := chatbot.Inbound{ID: m.ID, Text: m.Text, At: m.CreatedAt}
		for _, a := range m.Attachments {
			in.Files = append(in.Files, chatbot.File{Name: a.Name, MIME: a.MIME, Size: a.Size, Ref: a.Ref})
		}
		t.Messages = append(t.Messages, in)
	}
	return t, nil
}

// errBotTimeout is the failure of a turn that got no reply within the
// channel's turn timeout.
var errBotTimeout = errors.New("no reply within the turn timeout")

// callBot asks the turn's bot for its reply, within the channel's turn
// timeout. A bot that panics fails the turn.
func (e *Engine) callBot(ctx context.Context, p *preparedTurn) (reply chatbot.Reply, err error) {
	bot := e.bots[p.turn.Bot]
	if bot == nil {
		return reply, fmt.Errorf("bot %q is not registered with this engine (Config.Bots)", p.turn.Bot)
	}
	tctx, cancel := context.WithTimeout(ctx, p.settings.Timeout())
	defer cancel()
	type answer struct {
		reply chatbot.Reply
		err   error
	}
	// The bot runs on its own goroutine, so that one that ignores its
	// context cannot hold the conversation, or the engine's Close, past
	// the timeout: its late answer is dropped.
	out := make(chan answer, 1)
	go func() {
		var a answer
		defer func() {
			if r := recover(); r != nil {
				a = answer{err: fmt.Errorf("bot %q panicked: %v", p.turn.Bot, r)}
			}
			out <- a
		}()
		a.reply, a.err = bot.Turn(tctx, p.turn)
	}()
	var a answer
	select {
	case a = <-out:
	case <-tctx.Done():
	}
	if tctx.Err() != nil && ctx.Err() == nil {
		return chatbot.Reply{}, fmt.Errorf("%w (%v)", errBotTimeout, p.settings.Timeout())
	}
	if ctx.Err() != nil {
		return chatbot.Reply{}, ctx.Err()
	}
	return a.reply, a.err
}

// pendingFor loads, in tx, conversation id and its session when the
// session still has turn pending; ok is false when the turn was finished
// (a repeated run).
func pendingFor(ctx context.Context, tx store.Tx, ws ticket.WorkspaceID, id conversation.ID, turn chatbot.TurnID) (c conversation.Conversation, sess botSession, ok bool, err error) {
	c, err = tx.Conversation(ctx, ws, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, sess, false, nil
	} else if err != nil {
		return c, sess, false, err
	}
	sess, err = loadSession(ctx, tx, &c)
	if err != nil || sess.Pending == nil || sess.Pending.ID != turn {
		return c, sess, false, err
	}
	return c, sess, true, nil
}

// finish ends session sess's pending turn: its messages are seen.
func (sess *botSession) finish() {
	sess.Seen = sess.Pending.Through
	sess.Pending = nil
	sess.Failures = 0
}

// turnFailed records a failed attempt of turn p: bot.turn_failed, which
// starts the job again for the next attempt, or, after the channel's
// MaxFailures in a row, the channel's Fallback (R2: a bot that never
// answers never leaves a customer unanswered).
func (e *Engine) turnFailed(ctx context.Context, p *preparedTurn, cause error) error {
	t := &p.turn
	e.log.WarnContext(ctx, "a bot's turn failed", "bot", t.Bot, "turn", t.ID, "err", cause)
	_, err := e.run(ctx, "bot turn failed", conversation.System(), func(tx store.Tx, s *step) error {
		c, sess, ok, err := pendingFor(ctx, tx, t.Workspace, t.Conversation, t.ID)
		if err != nil || !ok {
			return err
		}
		now := s.now()
		if !c.Held() || c.Bot != t.Bot {
			sess.finish() // a human has it: the bot sees nothing more of it
			return saveSession(ctx, tx, &c, &sess)
		}
		sess.Failures++
		ev := botEvent(conversation.EventBotTurnFailed, &c, t.Bot, now)
		ev.Detail = fmt.Sprintf("turn %s, attempt %d of %d: %v", t.ID, sess.Failures, p.settings.Failures(), cause)
		if sess.Failures < p.settings.Failures() {
			if err := saveSession(ctx, tx, &c, &sess); err != nil {
				return err
			}
			return s.emitOne(ctx, tx, ev) // starts the next attempt
		}
		ev.Reason = conversation.ReasonBotFailed // the job is not started again: the bot is given up
		if err := s.emitOne(ctx, tx, ev); err != nil {
			return err
		}
		sess.finish()
		if err := saveSession(ctx, tx, &c, &sess); err != nil {
			return err
		}
		return s.fallback(ctx, tx, &c, p.settings)
	})
	return err
}

// fallback hands held conversation c to humans after its bot failed
// (channel.Fallback): the fallback team's queue, or the queue it would
// have joined when that team does not exist, with the fallback template
// sent as an automatic message.
func (s *step) fallback(ctx context.Context, tx store.Tx, c *conversation.Conversation, set channel.Bot) error {
	r := conversation.BotRelease{Reason: conversation.ReasonBotFailed}
	if set.Fallback.Team != "" {
		team, err := tx.Team(ctx, c.Workspace, conversation.TeamID(set.Fallback.Team))
		switch {
		case err == nil:
			r.To = &team
		case errors.Is(err, store.ErrNotFound):
			s.e.log.WarnContext(ctx, "a bot's fallback team does not exist; the conversation joins the queue", "team", set.Fallback.Team)
		default:
			return err
		}
	}
	ch, err := conversation.HandOff(c, s.actor, r, s.now())
	if err != nil {
		return err
	}
	if err := s.botTemplate(ctx, tx, &ch, set.Fallback.Template, false); err != nil {
		return err
	}
	if err := s.add(ctx, tx, &ch); err != nil {
		return err
	}
	*c = ch.Conversation
	return s.noHuman(ctx, tx, c, set, false)
}

// botTemplate adds to ch the template named name, rendered for its
// conversation: from the bot (asBot) or as an automatic message. A
// template that is gone is logged and sent as nothing: it never holds up
// a hand-off.
func (s *step) botTemplate(ctx context.Context, tx store.Tx, ch *conversation.Change, name string, asBot bool) error {
	if name == "" {
		return nil
	}
	cfg, err := s.config(ctx, tx, ch.Conversation.Workspace)
	if err != nil {
		return err
	}
	t, err := cfg.template(name)
	if err != nil {
		s.e.log.WarnContext(ctx, "a bot's template does not exist; nothing is sent", "template", name)
		return nil
	}
	text, err := s.render(ctx, tx, cfg, &ch.Conversation, t)
	if err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return nil
	}
	m := conversation.Message{ID: conversation.MessageID(s.e.newID()), Text: text}
	if asBot {
		return ch.AddBotMessage(m, s.now())
	}
	return ch.AddAutomatic(m, s.now())
}

// render renders t for conversation c (R15).
func (s *step) render(ctx context.Context, tx store.Tx, cfg *wsConfig, c *conversation.Conversation, t *template.Template) (string, error) {
	var tk ticket.Ticket
	d, err := templateData(ctx, tx, cfg, c, nil, &tk)
	if err != nil {
		return "", err
	}
	return t.Render(d.Contact.Language, d), nil
}

// noHuman sets the timer of channel bot settings set's NoHuman on
// conversation c, which the bot let go of for the queue; back says
// whether it may go back to the bot.
func (s *step) noHuman(ctx context.Context, tx store.Tx, c *conversation.Conversation, set channel.Bot, back bool) error {
	n := set.NoHuman
	if n.After == 0 || !c.Waiting() || (n.Template == "" && !(back && n.BackToBot)) {
		return nil
	}
	b, err := json.Marshal(noHumanPayload{Back: back && n.BackToBot})
	if err != nil {
		return err
	}
	return s.timer(ctx, tx, conversation.TimerChange{Timer: conversation.Timer{Kind: timerBotNoHuman, Workspace: c.Workspace, Key: string(c.ID), Due: s.now().Add(n.After), Payload: b}})
}

// applyTurn applies the bot's checked reply to turn p, once, with actor
// the bot, and finishes the turn: the messages first, in order, then the
// actions; what is refused, in the reply or by the rules, is recorded as
// bot.action_refused and the rest applies. A conversation a human took
// while the bot was asked gets nothing of the reply.
func (e *Engine) applyTurn(ctx context.Context, p *preparedTurn, r *chatbot.Checked) error {
	t := &p.turn
	_, err := e.run(ctx, "bot reply", conversation.AsBot(t.Bot), func(tx store.Tx, s *step) error {
		c, sess, ok, err := pendingFor(ctx, tx, t.Workspace, t.Conversation, t.ID)
		if err != nil || !ok {
			return err
		}
		sess.finish()
		if !c.Held() || c.Bot != t.Bot {
			// A human has it: the bot sees nothing more of it.
			if err := saveSession(ctx, tx, &c, &sess); err != nil {
				return err
			}
			ev := botEvent(conversation.EventBotTurnFinished, &c, t.Bot, s.now())
			ev.Detail, ev.Reason = string(t.ID), conversation.ReasonTakenOver
			return s.emitOne(ctx, tx, ev)
		}
		sess.State = r.State
		if err := saveSession(ctx, tx, &c, &sess); err != nil {
			return err
		}
		a := &applier{s: s, tx: tx, c: c, set: p.settings}
		for _, ref := range r.Refused {
			if err := a.refuse(ctx, ref); err != nil {
				return err
			}
		}
		for i, m := range r.Messages {
			if err := a.message(ctx, i, m); err != nil {
				return err
			}
		}
		for i, act := range r.Actions {
			if err := a.action(ctx, i, act); err != nil {
				return err
			}
		}
		ev := botEvent(conversation.EventBotTurnFinished, &a.c, t.Bot, s.now())
		ev.Detail = string(t.ID)
		return s.emitOne(ctx, tx, ev)
	})
	return err
}

// applier applies one reply in a step: c, and the ticket and contact once
// loaded, are as the reply's changes so far left them.
type applier struct {
	s       *step
	tx      store.Tx
	c       conversation.Conversation
	tk      *ticket.Ticket
	contact *ticket.Contact
	set     channel.Bot
}

// refuse records refusal r of the bot's reply (bot.action_refused).
func (a *applier) refuse(ctx context.Context, r *chatbot.Refusal) error {
	ev := botEvent(conversation.EventBotActionRefused, &a.c, a.c.Bot, a.s.now())
	if ev.Bot == "" {
		ev.Bot = a.set.Name
	}
	ev.Detail = r.Error()
	return a.s.emitOne(ctx, a.tx, ev)
}

// refused records that the rules refused part i of the reply for err, or
// returns err when it is a failure of the store, which fails the step.
func (a *applier) refused(ctx context.Context, part chatbot.Part, i int, kind chatbot.ActionKind, err error) error {
	if !refusal(err) {
		return err
	}
	return a.refuse(ctx, &chatbot.Refusal{Part: part, Index: i, Kind: kind, Err: err})
}

// refusal reports whether err is the rules' refusal of an action (bad
// input, R19), rather than a failure of the store.
func refusal(err error) bool {
	// The domain's errors carry a code; the store's do not.
	var coded interface{ Code() string }
	return errors.As(err, &coded)
}

// commit adds change ch to the step and keeps what it wrote.
func (a *applier) commit(ctx context.Context, ch *conversation.Change) error {
	if ch.Empty() {
		return nil
	}
	if err := a.s.add(ctx, a.tx, ch); err != nil {
		return err
	}
	if ch.ConversationWrite != conversation.Keep {
		a.c = ch.Conversation
	}
	if ch.TicketWrite != conversation.Keep {
		tk := ch.Ticket
		a.tk = &tk
	}
	if ch.ContactWrite != conversation.Keep {
		k := ch.Contact
		a.contact = &k
	}
	return nil
}

// send adds a message of the bot's, if the channel can carry it.
func (a *applier) send(ctx context.Context, part chatbot.Part, i int, kind chatbot.ActionKind, m conversation.Message) error {
	b, err := a.s.channel(ctx, a.tx, a.c.Workspace, a.c.Channel)
	if err != nil {
		return err
	}
	if err := fits(b.caps, m.Kind, m.Text, m.Attachments); err != nil {
		return a.refused(ctx, part, i, kind, err)
	}
	ch := conversation.Change{Conversation: a.c}
	if err := ch.AddBotMessage(m, a.s.now()); err != nil {
		return a.refused(ctx, part, i, kind, err)
	}
	return a.commit(ctx, &ch)
}

// botMessage returns the stored form of a bot's message.
func (a *applier) botMessage(text string, files []chatbot.File) conversation.Message {
	m := conversation.Message{ID: conversation.MessageID(a.s.e.newID()), Kind: conversation.KindText, Text: text}
	for _, f := range files {
		m.Attachments = append(m.Attachments, conversation.Attachment{Name: f.Name, MIME: f.MIME, Size: f.Size, Ref: f.Ref})
	}
	if len(files) > 0 {
		m.Kind = conversation.KindFile
		if strings.HasPrefix(files[0].MIME, "image/") && len(files) == 1 {
			m.Kind = conversation.KindImage
		}
	}
	return m
}

// message applies message i of the reply.
func (a *applier) message(ctx context.Context, i int, m chatbot.Message) error {
	return a.send(ctx, chatbot.PartMessage, i, 0, a.botMessage(m.Text, m.Files))
}

// ticket returns the conversation's ticket, loaded once.
func (a *applier) ticket(ctx context.Context) (*ticket.Ticket, error) {
	if a.tk == nil {
		tk, err := a.tx.Ticket(ctx, a.c.Workspace, a.c.Ticket)
		if err != nil {
			return nil, err
		}
		a.tk = &tk
	}
	return a.tk, nil
}

// contactOf returns the conversation's contact, loaded once.
func (a *applier) contactOf(ctx context.Context) (*ticket.Contact, error) {
	if a.contact == nil {
		k, err := a.tx.Contact(ctx, a.c.Workspace, a.c.Contact)
		if err != nil {
			return nil, err
		}
		a.contact = &k
	}
	return a.contact, nil
}

// open returns the conversation for a ticket's decision: nil once closed.
func (a *applier) open() *conversation.Conversation {
	if a.c.State != conversation.Open {
		return nil
	}
	c := a.c
	return &c
}

// action applies action i of the reply (R2), with the rules a host's
// command meets: what they refuse is recorded and the rest applies.
func (a *applier) action(ctx context.Context, i int, act chatbot.Action) error {
	s, now, by := a.s, a.s.now(), a.s.actor
	kind := act.Kind()
	var ch conversation.Change
	var err error
	switch x := act.(type) {
	case chatbot.HandOff:
		return a.release(ctx, i, kind, x.Team, nil, x.Note, false)
	case chatbot.AssignTeam:
		return a.release(ctx, i, kind, x.Team, nil, x.Note, false)
	case chatbot.AssignAgent:
		return a.release(ctx, i, kind, "", &x.Agent, x.Note, false)
	case chatbot.TurnOff:
		return a.release(ctx, i, kind, "", nil, "", true)
	case chatbot.Close:
		ch, err = conversation.Close(&a.c, by, conversation.ReasonBot, x.Note, now)
	case chatbot.Tag, chatbot.Untag, chatbot.SetPriority:
		tk, lerr := a.ticket(ctx)
		if lerr != nil {
			return lerr
		}
		switch x := act.(type) {
		case chatbot.Tag:
			ch, err = conversation.TagTicket(tk, a.open(), by, x.Tag, now)
		case chatbot.Untag:
			ch, err = conversation.UntagTicket(tk, a.open(), by, x.Tag, now)
		case chatbot.SetPriority:
			ch, err = conversation.SetPriority(tk, a.open(), by, x.Priority, now)
		}
	case chatbot.SetField, chatbot.UnsetField:
		k, lerr := a.contactOf(ctx)
		if lerr != nil {
			return lerr
		}
		if x, ok := act.(chatbot.SetField); ok {
			ch, err = conversation.SetContactField(k, by, x.Key, x.Value, now)
		} else {
			ch, err = conversation.UnsetContactField(k, by, act.(chatbot.UnsetField).Key, now)
		}
	case chatbot.SendSnippet, chatbot.SendTemplate:
		cfg, cerr := s.config(ctx, a.tx, a.c.Workspace)
		if cerr != nil {
			return cerr
		}
		var t *template.Template
		if x, ok := act.(chatbot.SendSnippet); ok {
			sn, found := cfg.snippets.Get(x.Shortcut)
			if !found {
				return a.refused(ctx, chatbot.PartAction, i, kind, fmt.Errorf("snippet %q: %w", x.Shortcut, template.ErrNotFound))
			}
			t = sn.Template
		} else if t, err = cfg.template(act.(chatbot.SendTemplate).Name); err != nil {
			return a.refused(ctx, chatbot.PartAction, i, kind, err)
		}
		text, rerr := s.render(ctx, a.tx, cfg, &a.c, t)
		if rerr != nil {
			return rerr
		}
		if strings.TrimSpace(text) == "" {
			return a.refused(ctx, chatbot.PartAction, i, kind, fmt.Errorf("%w: the template renders blank", conversation.ErrInvalid))
		}
		return a.send(ctx, chatbot.PartAction, i, kind, a.botMessage(text, nil))
	case chatbot.SendFile:
		return a.send(ctx, chatbot.PartAction, i, kind, a.botMessage(x.Caption, []chatbot.File{x.File}))
	case chatbot.Notify:
		ev := botEvent(conversation.EventBotNotified, &a.c, a.set.Name, now)
		ev.Detail = x.Name
		if len(x.Data) > 0 {
			ev.Data = make(map[string]string, len(x.Data))
			for k, v := range x.Data {
				ev.Data[k] = v
			}
		}
		return s.emitOne(ctx, a.tx, ev)
	default:
		err = fmt.Errorf("%w: action %s", conversation.ErrInvalid, kind)
	}
	if err != nil {
		return a.refused(ctx, chatbot.PartAction, i, kind, err)
	}
	return a.commit(ctx, &ch)
}

// release applies an action that ends the bot's hold: to team's queue (or
// the conversation's own), to agent, or turned off.
func (a *applier) release(ctx context.Context, i int, kind chatbot.ActionKind, team conversation.TeamID, agent *conversation.AgentID, note string, off bool) error {
	r := conversation.BotRelease{Note: note, TurnOff: off}
	if team != "" {
		t, err := a.tx.Team(ctx, a.c.Workspace, team)
		if err != nil {
			return a.refused(ctx, chatbot.PartAction, i, kind, notFoundAs(err, conversation.ErrTeamNotFound, "team", team))
		}
		r.To = &t
	}
	if agent != nil {
		ag, err := a.tx.Agent(ctx, a.c.Workspace, *agent)
		if err != nil {
			return a.refused(ctx, chatbot.PartAction, i, kind, notFoundAs(err, conversation.ErrAgentNotFound, "agent", *agent))
		}
		r.Agent = &ag
	}
	ch, err := conversation.HandOff(&a.c, a.s.actor, r, a.s.now())
	if err != nil {
		return a.refused(ctx, chatbot.PartAction, i, kind, err)
	}
	if err := a.commit(ctx, &ch); err != nil {
		return err
	}
	if agent != nil {
		return nil
	}
	return a.s.noHuman(ctx, a.tx, &a.c, a.set, !off)
}

// noHumanFired acts on a conversation the bot let go of that no human
// took within its channel's NoHuman.After: the template, and back to the
// bot when the policy and the hand-off allow it (TurnTimedOut).
func (e *Engine) noHumanFired(ctx context.Context, cause conversation.Cause, t store.ClaimedTimer) error {
	_, err := e.runAs(ctx, "bot no human", conversation.System(), cause, func(tx store.Tx, s *step) error {
		if _, err := tx.DeleteTimerAt(ctx, t.Kind, t.Workspace, t.Key, t.Lease); err != nil {
			return err
		}
		c, err := tx.Conversation(ctx, t.Workspace, conversation.ID(t.Key))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if !c.Waiting() {
			return nil // a human took it, or it closed
		}
		b, err := s.channel(ctx, tx, c.Workspace, c.Channel)
		if err != nil {
			return err
		}
		set := b.cfg.Settings.Bot
		var pl noHumanPayload
		_ = json.Unmarshal(t.Payload, &pl)
		ch := conversation.Change{Conversation: c}
		if err := s.botTemplate(ctx, tx, &ch, set.NoHuman.Template, false); err != nil {
			return err
		}
		if err := s.add(ctx, tx, &ch); err != nil {
			return err
		}
		if !pl.Back || !set.NoHuman.BackToBot || set.Name == "" {
			return nil
		}
		return s.handToBot(ctx, tx, &c, set.Name, conversation.ReasonNoHuman, chatbot.TurnTimedOut)
	})
	return err
}

// handToBot gives conversation c to bot in tx and makes the turn of kind
// that the bot takes for it.
func (s *step) handToBot(ctx context.Context, tx store.Tx, c *conversation.Conversation, bot string, reason conversation.CloseReason, kind chatbot.TurnKind) error {
	ch, err := conversation.HandToBot(c, s.actor, bot, reason, s.now())
	if err != nil || ch.Empty() {
		return err
	}
	sess, err := loadSession(ctx, tx, &ch.Conversation)
	if err != nil {
		return err
	}
	sess.Pending, sess.Failures = nil, 0
	if err := s.add(ctx, tx, &ch); err != nil {
		return err
	}
	*c = ch.Conversation
	_, err = s.makeTurn(ctx, tx, c, &sess, kind)
	return err
}

// BotHandBack is a request to give a conversation back to its channel's
// bot, for Engine.HandToBot.
type BotHandBack struct {
	Workspace    ticket.WorkspaceID
	Conversation conversation.ID
	// By is who hands it back: the host, its assignee, a supervisor, an
	// automation. Required.
	By conversation.Actor
}

// HandToBot gives an open conversation back to its channel's bot (R2):
// it leaves its assignee and the queue, and the bot takes a turn
// (chatbot.TurnResumed) with the contact's messages it has not seen.
// bot.resumed is published. A conversation the bot holds already is left
// as it is. Errors: CodeNotFound for an unknown conversation,
// CodeInvalid for a channel without a bot or a missing actor,
// CodeForbidden for an agent who may not manage the conversation,
// CodeConflict for a closed one.
func (e *Engine) HandToBot(ctx context.Context, r BotHandBack) (conversation.Conversation, error) {
	const op = "hand to bot"
	var out conversation.Conversation
	_, err := e.run(ctx, op, r.By, func(tx store.Tx, s *step) error {
		c, err := loadConversation(ctx, tx, r.Workspace, r.Conversation)
		if err != nil {
			return err
		}
		who, err := actorFor(ctx, tx, r.Workspace, r.By)
		if err != nil {
			return err
		}
		b, err := s.channel(ctx, tx, c.Workspace, c.Channel)
		if err != nil {
			return err
		}
		bot := b.cfg.Settings.Bot.Name
		if bot == "" {
			return fmt.Errorf("%w: channel %q has no bot (R2)", conversation.ErrInvalid, c.Channel)
		}
		s.actor = who
		if err := s.handToBot(ctx, tx, &c, bot, "", chatbot.TurnResumed); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return conversation.Conversation{}, err
	}
	return out, nil
}
