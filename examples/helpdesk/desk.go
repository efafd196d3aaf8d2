package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/faq"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/telegram"
	"github.com/telenet/contactcenter/ticket"

	_ "modernc.org/sqlite" // the desk's own table beside the store's
)

// The desk serves one workspace on one channel.
const (
	workspace ticket.WorkspaceID = "helpdesk"
	channelID channel.ID         = "telegram"
)

// Config configures a Desk.
type Config struct {
	// Token is the bot's token, from BotFather.
	Token string
	// StaffChat is the staff group's chat id. When the group becomes a
	// supergroup the desk moves to the supergroup's chat and records it in
	// its tables: it keeps using it after a restart with the same StaffChat
	// (or with the supergroup's id); another StaffChat moves the desk there.
	StaffChat int64
	// APIURL is the Bot API's base URL; empty for Telegram's.
	APIURL string
	// DB is the SQLite file.
	DB string
	// Timeout closes conversations idle this long (R7); 0 is off.
	Timeout time.Duration
	// Assign names the automatic assignment strategy (R11); empty: the
	// first agent to reply takes the conversation (R10).
	Assign string
	// Messages are the automatic messages and business hours (R4, R5).
	Messages Messages
	// Workflows are the workflows the desk publishes at start (R16); nil:
	// the built-in ones (builtinWorkflows).
	Workflows *Workflows
	// Roster, if set, is who is staff: only its people act in the staff
	// group, with its roles, teams and capacities; nil: every member of
	// the group is an agent.
	Roster *Roster
	// FAQ, if set, is the FAQ bot that answers customers first (R2): it
	// holds each new conversation until it hands it to the staff.
	FAQ *faq.Bot
	// BackupTo and FindChat are what the command does instead of serving
	// (runOnce): with BackupTo, write a backup of DB there; with FindChat,
	// print the chat ids of the groups the bot is in.
	BackupTo string
	FindChat bool
	// Logger; default discarded.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// PollTimeout is the long-polling wait; default 30s.
	PollTimeout time.Duration
	// Webhook, if set, is the public https URL Telegram posts the updates
	// to: the desk serves them on Listen instead of polling, and sets the
	// webhook at start when Telegram has another URL.
	Webhook string
	// Listen is the local address the webhook is served on (":8443").
	Listen string
	// WebhookSecret is the secret token Telegram sends with each update to
	// the webhook, which the desk checks (required with Webhook).
	WebhookSecret string
	// ResetWebhook, polling, deletes the bot's webhook at start instead of
	// stopping; with Webhook it sets the webhook even when Telegram has
	// its URL (after a new WebhookSecret).
	ResetWebhook bool

	// wrapStore, if set, wraps the store the desk opens (tests inject
	// faults with it).
	wrapStore func(store.Store) store.Store
	// crashAfterSend, if set, is called by the relay after each send with
	// the item's key; true stops the relay there, before it records the
	// send, as a crash would (tests).
	crashAfterSend func(key string) bool
	// bot, if set, is the bot the desk registers as faqBotName in place
	// of FAQ (tests give it a bot that fails).
	bot chatbot.Bot
	// faultPause is the relay's longest pause while the bot cannot post in
	// the staff chat; default defaultFaultPause (tests shorten it).
	faultPause time.Duration
	// webhookCheck is how often a desk serving a webhook asks Telegram
	// whether the webhook still goes to it; default defaultWebhookCheck
	// (tests shorten it).
	webhookCheck time.Duration
	// listener, if set, is where the webhook is served in place of Listen
	// (tests).
	listener net.Listener
}

// Desk is the help desk: the engine, the bot, and the staff group's side.
type Desk struct {
	cfg   Config
	log   *slog.Logger
	bot   *telegram.Bot
	store store.Store
	links *sql.DB
	eng   *contactcenter.Engine
	me    *models.User

	chat  atomic.Int64 // the staff chat (staffChat)
	epoch atomic.Int64 // the staff chats the desk has had (headerKey)

	wake     chan struct{}   // items were queued in the outbox
	quit     context.Context // done once Close is called
	quitNow  context.CancelFunc
	relaying sync.WaitGroup // the relay
	faults   int            // the relay's staff chat faults in a row
	setHook  bool           // Run sets the webhook (settleWebhook)

	otherGroups sync.Map // the groups other than the staff group that wrote, logged once each
}

// staffChat returns the staff group's chat: the configured one, or the
// supergroup it became.
func (d *Desk) staffChat() int64 { return d.chat.Load() }

// Open opens the store, checks the bot's token and wires the engine.
func Open(ctx context.Context, cfg Config) (*Desk, error) {
	d := &Desk{cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1)}
	d.quit, d.quitNow = context.WithCancel(context.Background())
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	opts := []telegram.Option{telegram.WithLogger(d.log)}
	if cfg.APIURL != "" {
		opts = append(opts, telegram.WithAPIURL(cfg.APIURL))
	}
	if cfg.PollTimeout > 0 {
		opts = append(opts, telegram.WithPollTimeout(cfg.PollTimeout))
	}
	var err error
	if d.bot, err = telegram.New(cfg.Token, opts...); err != nil {
		return nil, err
	}
	if d.me, err = d.bot.Me(ctx); err != nil {
		return nil, fmt.Errorf("the bot's token does not work: %w", err)
	}
	if err = d.settleWebhook(ctx); err != nil {
		return nil, err
	}
	if d.store, err = sqlite.Open(ctx, cfg.DB); err != nil {
		return nil, err
	}
	if cfg.wrapStore != nil {
		d.store = cfg.wrapStore(d.store)
	}
	if d.links, err = openLinks(ctx, cfg.DB); err != nil {
		d.store.Close()
		return nil, err
	}
	chat, err := settleStaffChat(ctx, d.links, cfg.StaffChat)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("helpdesk tables: %w", err)
	}
	d.chat.Store(chat.ID)
	d.epoch.Store(chat.Epoch)
	switch {
	case chat.Moved:
		d.log.WarnContext(ctx, "the staff chat is not the one the desk had: conversations get new headers there", "chat", chat.ID)
	case chat.ID != cfg.StaffChat:
		d.log.ErrorContext(ctx, "the staff group became a supergroup: the desk posts there; set STAFF_CHAT_ID to the new chat",
			"configured chat", cfg.StaffChat, "chat", chat.ID)
	}
	d.eng, err = contactcenter.New(contactcenter.Config{Store: d.store, Publish: d.publish, Logger: d.log, Now: cfg.Now, Bots: cfg.bots()})
	var settings channel.Settings
	if err == nil {
		settings, err = cfg.Messages.settings(ctx, d.eng)
	}
	if err == nil {
		settings.Bot, err = cfg.botSettings(ctx, d.eng)
	}
	if err == nil {
		settings.Commands = channel.Commands{Enabled: true, ShowSubject: true}
		settings.AgentsMayEdit = true
		settings.MessageTimeout = cfg.Timeout
		settings.ReassignAbandoned = true
		settings.Assignment = channel.Assignment{Strategy: cfg.Assign}
		err = d.eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: channel.Channel{
			ID: channelID, Workspace: workspace, Kind: channel.KindTelegram, Account: d.me.Username, Settings: settings,
		}, Transport: d.bot, By: conversation.Host()})
	}
	if err == nil {
		wfs := cfg.Workflows
		if wfs == nil {
			wfs = builtinWorkflows(settings.OutOfHours.Template)
			if settings.OutOfHours.Template == "" {
				d.log.InfoContext(ctx, "the desk has no out-of-hours message: the workflow "+outOfHoursWorkflow+" is not published", "workflow", outOfHoursWorkflow)
			}
		}
		err = d.publishWorkflows(ctx, wfs)
	}
	if err == nil {
		err = d.applyRoster(ctx)
	}
	if err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Username returns the bot's username.
func (d *Desk) Username() string { return d.me.Username }

// Engine returns the desk's engine.
func (d *Desk) Engine() *contactcenter.Engine { return d.eng }

// Close stops the relay and waits for it, closes the engine, which stops
// its background publishing, and then the tables and the store.
func (d *Desk) Close() error {
	d.quitNow()
	d.relaying.Wait()
	var errs []error
	if d.eng != nil {
		errs = append(errs, d.eng.Close())
	}
	if d.links != nil {
		errs = append(errs, d.links.Close())
	}
	if d.store != nil {
		errs = append(errs, d.store.Close())
	}
	return errors.Join(errs...)
}

// Run serves until ctx ends: it relays the staff group's outbox, receives
// updates at once (by long polling, or at the webhook), delivers pending
// messages, and publishes what a previous run left (the engine's Run
// does, in the background, so a drain still held by a killed process
// holds up no update). An answer of Telegram that asking again cannot
// change (the token refused, a webhook set while polling, another process
// polling the bot) ends it with an error that says what to do.
func (d *Desk) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.startRelay(ctx)
	defer d.relaying.Wait()
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.eng.Run(ctx, time.Second) })
	err := d.receive(ctx, telegram.Receiver{Engine: d.eng, Workspace: workspace, Channel: channelID,
		Next: telegram.HandlerFunc(d.staffUpdate), Logger: d.log})
	cancel() // receiving stopped: so do the relay and the engine
	wg.Wait()
	return err
}

// publish shows the customers' side in the staff group: a copy of each
// customer message (under its conversation's header, which the relay
// sends first), notices of timeouts and abandonment, and of the messages
// the desk could not take, and what the bot does (botEvent). It only
// queues them in the outbox, which the relay sends: events come at least
// once, and an item queued again under its key changes nothing, so that
// nothing is relayed twice.
func (d *Desk) publish(ctx context.Context, e conversation.Event) error {
	if e.Workspace != workspace {
		return nil
	}
	notice := func(text string) error {
		return d.enqueue(ctx, outItem{Key: fmt.Sprintf("notice:%d", e.Seq), Kind: outNotice, Conversation: e.Conversation, Text: text})
	}
	switch {
	case e.Type == conversation.EventConversationClosed && e.Reason == conversation.ReasonTimeout:
		return notice(fmt.Sprintf("#%d: closed after %s without a message.", e.TicketNumber, d.cfg.Timeout))
	case e.Type == conversation.EventConversationAbandoned:
		return notice(fmt.Sprintf("#%d: its agent went offline; it waits for another.", e.TicketNumber))
	case e.Type == conversation.EventMessageRejected:
		return d.rejected(ctx, e)
	case e.Type != conversation.EventMessageReceived:
		_, err := d.botEvent(ctx, e)
		return err
	}
	key := "copy:" + string(e.Message)
	if done, err := d.relayed(ctx, key, e.Message); err != nil || done {
		return err
	}
	var m conversation.Message
	if err := d.store.View(ctx, func(tx store.Tx) (err error) {
		m, err = tx.Message(ctx, workspace, e.Message)
		return err
	}); err != nil {
		return err
	}
	chat, id, ok := splitMessageID(m.ExternalID)
	if !ok {
		return nil
	}
	return d.enqueue(ctx, outItem{Key: key, Kind: outCopy, Conversation: e.Conversation, Message: e.Message, FromChat: chat, FromMessage: id})
}

// rejected tells the staff group of a customer's message the desk could
// not take (a sticker, a location…), which no conversation holds: a notice
// that names the customer and says why, under the header of their open
// conversation if they have one, and a copy of the message. Both are
// keyed by the message, so that a rejection published, or recorded,
// again posts once.
func (d *Desk) rejected(ctx context.Context, e conversation.Event) error {
	if e.Channel != channelID {
		return nil
	}
	key := "rejected:" + e.ExternalID
	if done, err := d.relayed(ctx, key, ""); err != nil || done {
		return err
	}
	chat, id, ok := splitMessageID(e.ExternalID)
	var (
		name   string
		conv   conversation.Conversation
		inConv bool
	)
	if ok {
		if err := d.store.View(ctx, func(tx store.Tx) error {
			k, err := tx.ContactByExternalID(ctx, workspace, channelID, strconv.FormatInt(chat, 10))
			if errors.Is(err, store.ErrNotFound) {
				return nil // their first message
			} else if err != nil {
				return err
			}
			name = k.Name
			conv, err = tx.OpenConversation(ctx, workspace, channelID, k.ID)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			inConv = err == nil
			return err
		}); err != nil {
			return err
		}
	}
	var b strings.Builder
	if inConv {
		fmt.Fprintf(&b, "#%d: ", conv.TicketNumber)
	}
	switch {
	case !ok:
		fmt.Fprintf(&b, "Someone (message %s)", e.ExternalID)
	case name != "":
		fmt.Fprintf(&b, "%s (chat %d)", name, chat)
	default:
		fmt.Fprintf(&b, "Chat %d", chat)
	}
	fmt.Fprintf(&b, " sent a message the desk could not take (%s).", e.Detail)
	switch {
	case ok && inConv:
		b.WriteString(" A copy follows; reply to it to answer.")
	case ok:
		b.WriteString(" A copy follows.")
	}
	items := []outItem{{Key: key, Kind: outNotice, Conversation: conv.ID, Text: b.String()}}
	if ok {
		items = append(items, outItem{Key: key + ":copy", Kind: outCopy, Conversation: conv.ID, FromChat: chat, FromMessage: id})
	}
	return d.enqueue(ctx, items...)
}

// header returns the outbox item with key that heads a conversation in the
// staff group: the ticket number, the contact's name and language, and
// whether the bot is answering it.
func (d *Desk) header(ctx context.Context, id conversation.ID, key string) (outItem, error) {
	c, err := d.eng.Conversation(ctx, workspace, id)
	if err != nil {
		return outItem{}, err
	}
	k, err := d.eng.Contact(ctx, workspace, c.Contact)
	if err != nil {
		return outItem{}, err
	}
	t, err := d.eng.Ticket(ctx, workspace, c.Ticket)
	if err != nil {
		return outItem{}, err
	}
	text := fmt.Sprintf("#%d · %s · %s", c.TicketNumber, orUnknown(k.Name), orUnknown(k.Language))
	if t.Subject != "" {
		text += "\n" + t.Subject
	}
	if c.Held() {
		text += "\n" + botMark + "The bot is answering; a reply takes the conversation from it."
	}
	text += "\nReply to answer; /claim, /close [note], /closeticket."
	return outItem{Key: key, Kind: outHeader, Conversation: id, Text: text}, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// splitMessageID reads a telegram.MessageID.
func splitMessageID(s string) (chat int64, id int, ok bool) {
	c, m, found := strings.Cut(s, ":")
	if !found {
		return 0, 0, false
	}
	chat, err1 := strconv.ParseInt(c, 10, 64)
	id, err2 := strconv.Atoi(m)
	return chat, id, err1 == nil && err2 == nil
}
