package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/faq"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// The demo's workspace, channel and bot.
const (
	ws      ticket.WorkspaceID = "shop"
	chat    channel.ID         = "chat"
	botName                    = "faq"
)

// turnWait bounds the wait for one of the bot's turns.
const turnWait = 30 * time.Second

// usageError is a mistake in the command line: a flag, or the -faq
// file. It wraps the reason.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usage returns a usageError for the message of format and args.
func usage(format string, args ...any) error { return &usageError{fmt.Errorf(format, args...)} }

// run runs the program with args, reading the contact's lines from in
// with -i and writing the exchange to out; it returns the exit code: 0,
// 2 for a mistake in the command line or the -faq file, 1 for a failure.
func run(ctx context.Context, args []string, in io.Reader, out, stderr io.Writer) int {
	err := runErr(ctx, args, in, out, stderr)
	var bad *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &bad):
		fmt.Fprintln(stderr, "faqbot:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "faqbot:", err)
		return 1
	}
}

// options are the command line's.
type options struct {
	interactive bool
	faqFile     string
	lang        string
}

// parse reads the command line.
func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("faqbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.interactive, "i", false, "interactive: read the contact's messages from stdin, one a line")
	fs.StringVar(&o.faqFile, "faq", "", "an FAQ file (JSON, as package chatbot/faq describes) to use instead of the sample")
	fs.StringVar(&o.lang, "lang", "es", "with -i, the contact's language (a BCP 47 tag): the FAQ bot answers in it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, &usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usage("unexpected arguments %q", fs.Args())
	}
	return o, nil
}

// loadBot returns the FAQ bot of file, or the sample's for "".
func loadBot(file string) (*faq.Bot, error) {
	if file == "" {
		return faq.Sample(), nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, usage("-faq: %w", err)
	}
	b, err := faq.Parse(data)
	if err != nil {
		return nil, usage("-faq %s: %w", file, err)
	}
	return b, nil
}

func runErr(ctx context.Context, args []string, in io.Reader, out, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	bot, err := loadBot(o.faqFile)
	if err != nil {
		return err
	}
	d, err := newDemo(ctx, bot, out)
	if err != nil {
		return err
	}
	defer d.close()
	source := "the sample FAQ (Spanish and English)"
	if o.faqFile != "" {
		source = "the FAQ file " + o.faqFile
	}
	d.say("The FAQ bot answers first on channel %q, from %s; memory store, in-memory channel.", chat, source)
	if o.interactive {
		return d.interactive(ctx, in, o.lang)
	}
	return d.script(ctx)
}

// demo is an engine whose only channel is held by the FAQ bot, and what
// it has shown so far.
type demo struct {
	eng    *contactcenter.Engine
	events *eventLog
	out    io.Writer
	clock  *clock
	shown  map[conversation.MessageID]bool // the bot's messages printed
	convs  map[string]conversation.ID      // each contact's conversation
	update int                             // the channel's update counter
}

// newDemo starts an engine on a memory store with channel chat held by
// bot, and agent Ana online.
func newDemo(ctx context.Context, bot chatbot.Bot, out io.Writer) (*demo, error) {
	d := &demo{events: newEventLog(), out: out, shown: map[conversation.MessageID]bool{}, convs: map[string]conversation.ID{},
		clock: &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	var err error
	d.eng, err = contactcenter.New(contactcenter.Config{
		Store: memory.New(),
		// A clock that stands still and sequential ids: the same output
		// every run.
		Now:     d.clock.Now,
		NewID:   contactcenter.SequentialIDs("id-"),
		Publish: d.events.publish,
		Bots:    map[string]chatbot.Bot{botName: bot},
	})
	if err != nil {
		return nil, err
	}
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true, MaxTextLen: 4096})
	err = d.eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{
		ID: chat, Workspace: ws, Kind: channel.KindMemory, Account: "shop-chat",
		Settings: channel.Settings{Bot: channel.Bot{Name: botName}},
	}, Transport: tr, By: conversation.Host()})
	if err == nil {
		_, err = d.eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: ws, Name: "Ana",
			Presence: conversation.Online}, By: conversation.Host()})
	}
	if err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *demo) close() { _ = d.eng.Close() }

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, format+"\n", args...) }

// contact is someone who writes on the channel.
type contact struct {
	id, name, lang string
}

// script plays the scripted exchange.
func (d *demo) script(ctx context.Context) error {
	lucia := contact{id: "lucia", name: "Lucía", lang: "es"}
	tom := contact{id: "tom", name: "Tom", lang: "en"}
	r, err := d.write(ctx, lucia, "¿Cuánto tarda el envío?")
	if err != nil {
		return err
	}
	if _, err := d.write(ctx, tom, "How much is shipping?"); err != nil {
		return err
	}
	if _, err := d.write(ctx, lucia, "quiero hablar con un humano"); err != nil {
		return err
	}
	conv := r.Conversation.ID
	d.clock.advance(2 * time.Minute)
	text := "Hola Lucía, soy Ana. ¿En qué te ayudo?"
	d.say("Ana (agent) > %s", text)
	if _, err := d.eng.Reply(ctx, contactcenter.Reply{Workspace: ws, Conversation: conv, Agent: "ana", Text: text}); err != nil {
		return err
	}
	c, err := d.eng.Conversation(ctx, ws, conv)
	if err != nil {
		return err
	}
	d.say("   [#%d: Ana's reply takes the conversation: assignee %s, held by the bot: %t]", c.TicketNumber, c.Assignee, c.Held())
	if err := d.showQueue(ctx); err != nil {
		return err
	}
	if _, err := d.write(ctx, lucia, "Gracias, Ana"); err != nil {
		return err
	}
	d.say("End: %d turn(s) of the bot, %d hand-off(s).", d.events.count(conversation.EventBotTurnFinished, ""),
		d.events.count(conversation.EventBotHandedOff, ""))
	return nil
}

// interactive reads the contact's lines from in and shows what the bot
// does with each, until in ends.
func (d *demo) interactive(ctx context.Context, in io.Reader, lang string) error {
	you := contact{id: "you", name: "You", lang: lang}
	d.say("Write as a contact (language %s), one message a line; end with Ctrl-D.", lang)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		if _, err := d.write(ctx, you, text); err != nil {
			return err
		}
	}
	return sc.Err()
}

// write delivers contact k's text and shows what follows: the bot's
// turn, its answers and a hand-off; or, for a conversation the bot does
// not hold, that it waits for a person.
func (d *demo) write(ctx context.Context, k contact, text string) (contactcenter.Received, error) {
	d.clock.advance(time.Minute)
	d.update++
	d.say("%s (%s) > %s", k.name, k.lang, text)
	// The conversation's turns so far: the one this message starts is the
	// next.
	known := d.convs[k.id]
	before := d.events.count(conversation.EventBotTurnFinished, known)
	r, err := d.eng.Receive(ctx, contactcenter.Inbound{
		Workspace: ws, Channel: chat, ExternalID: fmt.Sprintf("update-%d", d.update),
		From: contactcenter.Sender{ExternalID: k.id, Name: k.name, Language: k.lang},
		Text: text,
	})
	if err != nil {
		return r, err
	}
	c := r.Conversation
	d.convs[k.id] = c.ID
	if c.ID != known {
		before = 0 // a new conversation
	}
	if !c.Held() {
		who := "waits for a person in the queue"
		if c.Assignee != "" {
			who = "is " + string(c.Assignee) + "'s"
		}
		d.say("   [#%d %s: the bot answers no more]", c.TicketNumber, who)
		return r, nil
	}
	if r.Opened {
		d.say("   [#%d opened, held by the bot %q: not in the queue]", c.TicketNumber, c.Bot)
	}
	// The bot's turn runs after Receive returns, in the background: its
	// events say when it is done.
	wctx, cancel := context.WithTimeout(ctx, turnWait)
	defer cancel()
	if err := d.events.wait(wctx, func(l *eventLog) bool {
		return l.count(conversation.EventBotTurnFinished, c.ID) > before || l.fellBack(c.ID)
	}); err != nil {
		return r, fmt.Errorf("waiting for the bot's turn in #%d: %w", c.TicketNumber, err)
	}
	if err := d.showBot(ctx, c.ID); err != nil {
		return r, err
	}
	after, err := d.eng.Conversation(ctx, ws, c.ID)
	if err != nil {
		return r, err
	}
	if !after.Held() {
		note := ""
		if offs := d.events.of(conversation.EventBotHandedOff, c.ID); len(offs) > 0 {
			note = offs[len(offs)-1].Detail
		}
		d.say("   [#%d handed off: it waits in the queue; the bot's note for the agent: %s]", after.TicketNumber, note)
		return r, d.showQueue(ctx)
	}
	return r, nil
}

// showBot prints the bot's messages in conversation id not shown yet.
func (d *demo) showBot(ctx context.Context, id conversation.ID) error {
	ms, err := d.eng.Messages(ctx, ws, id)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Author.Kind == conversation.AuthorBot && !d.shown[m.ID] {
			d.shown[m.ID] = true
			d.say("   bot > %s", m.Text)
		}
	}
	return nil
}

// showQueue prints the queue.
func (d *demo) showQueue(ctx context.Context) error {
	q, err := d.eng.Queue(ctx, ws, 0)
	if err != nil {
		return err
	}
	nums := make([]string, len(q))
	for i, c := range q {
		nums[i] = fmt.Sprintf("#%d", c.TicketNumber)
	}
	if len(q) == 0 {
		d.say("   [queue: empty]")
		return nil
	}
	d.say("   [queue: %s]", strings.Join(nums, " "))
	return nil
}

// eventLog keeps the events the engine publishes and wakes who waits for
// them.
type eventLog struct {
	mu      sync.Mutex
	seen    map[uint64]bool
	events  []conversation.Event
	changed chan struct{} // closed, and replaced, on each new event
}

func newEventLog() *eventLog {
	return &eventLog{seen: map[uint64]bool{}, changed: make(chan struct{})}
}

// publish is the engine's Config.Publish. Events come at least once:
// a repeat (the same Seq) is dropped.
func (l *eventLog) publish(_ context.Context, e conversation.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen[e.Seq] {
		return nil
	}
	l.seen[e.Seq] = true
	l.events = append(l.events, e)
	close(l.changed)
	l.changed = make(chan struct{})
	return nil
}

// wait waits until cond holds or ctx ends. cond is called without the
// log's lock held, and may call the log's methods.
func (l *eventLog) wait(ctx context.Context, cond func(*eventLog) bool) error {
	for {
		l.mu.Lock()
		changed := l.changed
		l.mu.Unlock()
		if cond(l) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// of returns the events of type typ of conversation id ("" for any).
func (l *eventLog) of(typ conversation.EventType, id conversation.ID) []conversation.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []conversation.Event
	for _, e := range l.events {
		if e.Type == typ && (id == "" || e.Conversation == id) {
			out = append(out, e)
		}
	}
	return out
}

// count returns how many events of type typ conversation id has had.
func (l *eventLog) count(typ conversation.EventType, id conversation.ID) int {
	return len(l.of(typ, id))
}

// fellBack reports whether the engine gave up on the bot in conversation
// id and handed it to people (channel.Fallback).
func (l *eventLog) fellBack(id conversation.ID) bool {
	for _, e := range l.of(conversation.EventBotHandedOff, id) {
		if e.Reason == conversation.ReasonBotFailed {
			return true
		}
	}
	return false
}

// clock is the demo's clock: it moves only when the script moves it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now is the engine's Config.Now.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
