// Command helpdesk is a Telegram help desk a small team can run: customers
// write to the bot in private, agents work in one staff group.
//
// In the staff group each conversation starts with a header that carries
// the ticket number (#1432), the contact's name and language; the
// customer's messages follow, copied. An agent answers by replying to any
// of the conversation's messages in the group; the first to reply is
// assigned (R10); editing that reply edits the customer's copy (R8). A
// reply that reaches no customer (to another agent's message, or with
// content the desk does not relay) is answered in the group: not delivered,
// and why. Staff
// commands, each a reply to a conversation's message: /claim, /close [note],
// /closeticket, and a supervisor's /assign and /transfer; and anywhere in
// the group /queue, /online, /away, /offline, /help.
// Customers have /new [subject], /ticket N and /tickets (R6).
//
// Configuration:
//
//	TELEGRAM_TOKEN     the bot's token (required)
//	STAFF_CHAT_ID      the staff group's chat id (required; groups are negative)
//	TELEGRAM_API_URL   the Bot API's base URL (default https://api.telegram.org)
//	HELPDESK_DB        the SQLite file (default helpdesk.db)
//	-timeout           close conversations idle this long (R7; whole minutes; 0 = off)
//	-assign            least_busy or round_robin: assign automatically (R11)
//	-messages FILE     the welcome and out-of-hours messages, the business hours (R4, R5)
//	-bot faq           the FAQ bot answers customers first (R2)
//	-faq FILE          with -bot faq, the desk's own FAQ file (default: the sample)
//	-workflows FILE    the workflows to publish at start (R16; default: the built-in ones)
//	-roster FILE       who is staff, with roles, teams and capacities (default: every member of the staff group)
//	-webhook URL       receive by webhook at this public https URL (default: long polling)
//	-listen ADDR       with -webhook, the local address to serve it on (:8443)
//	WEBHOOK_SECRET     with -webhook, the secret token Telegram sends with each update (required)
//	-reset-webhook     polling, delete the bot's webhook; with -webhook, set it again
//	-backup FILE       write a checked copy of HELPDESK_DB to the new FILE, while the desk may run, and exit
//	-find-chat         print the chat id of each group the bot is in, from the updates that wait, and exit
//
// -h lists them all. By default the desk receives by long polling. At
// start it asks Telegram how the bot's updates go (getWebhookInfo): a bot
// with a webhook set stops a desk that polls, with a message that says
// so, unless -reset-webhook deletes the webhook (the updates that wait
// are kept, and polled). With -webhook the desk serves the updates on
// -listen, at any path (a proxy in front may rewrite it: the secret token
// is what tells Telegram's requests), and sets the webhook, with
// WEBHOOK_SECRET, when Telegram has another URL or with -reset-webhook
// (after a new secret, since Telegram does not tell which one it sends).
// Telegram requires https on port 443, 80, 88 or 8443: put a proxy with a
// certificate in front of -listen, or serve it there. When the desk stops,
// Telegram keeps what it has not answered and delivers it once it is
// back. Answers of Telegram that asking again cannot change stop the desk
// with a message that says what to do, and exit status 3 (1 for failures that may pass): the token
// refused, a webhook set while it polls, another process polling the same
// bot (one bot token, one desk).
//
// Without -roster every member of the staff group becomes an agent on
// their first message there, and the desk says at start that it has no
// roster. The -roster file lists who is staff, by Telegram user id or
// username (or both), each with a role, agent (the default) or
// supervisor, teams and a capacity (the most conversations automatic
// assignment gives them at once; 0 or absent: no limit):
//
//	{"staff": [
//	  {"telegram": 7, "name": "Ana", "role": "supervisor", "teams": ["billing"], "capacity": 5},
//	  {"username": "bruno", "role": "agent"}
//	]}
//
// A mistake in it (an unknown field or role, a person given twice, one
// with neither id nor username, a negative capacity) stops the desk at
// start, with its line:column and the person. At start the desk puts the
// roster's people as agents (their teams are created when absent; a new
// agent starts offline: /online to get conversations from automatic
// assignment, while replying and /claim work whatever the presence); a
// person known by username only becomes an agent on their first message
// in the group. An agent no longer on the roster is set offline, which
// hands their conversations to others (R3), loses role and teams, and no
// longer acts. A member of the staff group who is not on the roster is
// ignored there (their replies reach no customer, their commands do
// nothing) and told so once.
//
// Agents may /claim a conversation nobody has, and /close or /closeticket
// their own or one nobody has; a supervisor may also act on anyone's, and
// replying to a conversation's message with /assign @username (or a name,
// or a Telegram id) gives it to an agent, /transfer team sends it to a
// team's queue. /help lists the commands of the sender's role. Without a
// roster nobody is a supervisor.
//
// Workflows (R16) automate the desk. By default it publishes two:
// "billing", a customer's message that mentions "factura" goes to the
// queue of team billing at high priority; and "out-of-hours-again", a
// conversation that has waited 10 minutes in the queue while the business
// hours are closed gets the out-of-hours message again (only with an
// out_of_hours message in the -messages file; without one the desk logs
// that it is not published). The -workflows file replaces them: a JSON
// array of definitions, as package workflow reads them:
//
//	[
//	  {"name": "billing", "trigger": {"on": "message.received"},
//	   "if": {"field": "message.text", "op": "contains", "value": "factura"},
//	   "steps": [{"do": "assign", "team": "billing"}, {"do": "set_priority", "priority": "high"}]}
//	]
//
// At start the desk creates the teams the workflows assign to, when
// absent, checks each definition against its workspace (a mistake stops
// it, with the workflow, the problem and its line:column in the file) and
// publishes a workflow only when its definition changed since the last
// start: the same file keeps the same versions. A workflow that was
// published before and is no longer in the file is left as it is.
//
// With -bot faq the FAQ bot of package chatbot/faq answers first, from
// the -faq file (JSON, see faq.Set) or from the sample of a small shop's
// questions in Spanish and English (faq.SampleFile, a starting point for
// your own). A customer's new conversation is held by the bot: it is in
// no agent's /queue, and the bot answers each message. The staff group
// sees it all the same: the header says the bot is answering, the
// customer's messages are copied as usual, and each of the bot's answers
// follows as "🤖 bot: …". When the bot hands off, because the customer
// asked for a person ("humano", "agent"…) or it had no answer it was sure
// of, a notice with the bot's note says that the conversation waits for
// an agent, and it joins the /queue. An agent who replies to any of the
// conversation's messages in the group (its header, a copy, one of the
// bot's answers, the notice) or /claims it takes it from the bot, before
// a hand-off too: a notice says who did, and the bot says nothing more in
// it. A bot that fails to answer (three times in a row) hands the
// conversation to the staff, and the customer is told a person will
// answer.
//
// Conversations of an agent who sends /offline go to another agent online,
// or wait for one, flagged abandoned (R3).
//
// A customer's message the desk cannot take (a sticker, a location) is
// shown in the staff group: a notice says who sent it and why, and a copy
// follows. The staff group's messages are stored before they are sent and
// sent once, in order; the one on its way when the process dies may appear
// twice, and replies to either copy reach the customer. While the bot cannot post in the staff group (it was
// removed, lost its rights), they wait and the desk logs it at Error level.
// When the group becomes a supergroup the desk moves there, records it
// beside its tables and logs the new chat id to put in STAFF_CHAT_ID; the
// conversations get new headers in the supergroup.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/telenet/contactcenter/telegram"
)

func main() {
	cfg, err := configure(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		os.Exit(configureFailed(err, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if done, err := runOnce(ctx, cfg, os.Stdout); done {
		if err != nil {
			fmt.Fprintln(os.Stderr, "helpdesk:", err)
			os.Exit(1)
		}
		return
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	d, err := Open(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helpdesk:", err)
		os.Exit(exitStatus(err))
	}
	defer d.Close()
	cfg.Logger.Info("help desk running", "bot", d.Username(), "staff chat", d.staffChat(), "db", cfg.DB)
	if err := d.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "helpdesk:", err)
		d.Close()
		os.Exit(exitStatus(err))
	}
}

// runOnce does what -backup and -find-chat ask for instead of serving,
// and reports whether one did; the others leave it to the desk.
func runOnce(ctx context.Context, cfg Config, stdout io.Writer) (done bool, err error) {
	switch {
	case cfg.BackupTo != "":
		if err := backup(ctx, cfg.DB, cfg.BackupTo); err != nil {
			return true, err
		}
		fmt.Fprintf(stdout, "%s: a checked copy of %s\n", cfg.BackupTo, cfg.DB)
		return true, nil
	case cfg.FindChat:
		var opts []telegram.Option
		if cfg.APIURL != "" {
			opts = append(opts, telegram.WithAPIURL(cfg.APIURL))
		}
		b, err := telegram.New(cfg.Token, opts...)
		if err != nil {
			return true, err
		}
		fmt.Fprintln(stdout, "Waiting for a message in a group the bot is in (add it to the staff group and write there)…")
		return true, findChats(ctx, b, stdout, 30*time.Second)
	}
	return false, nil
}

// configure reads the configuration from the environment and the flags.
// With -h or -help it prints the help to stderr and returns flag.ErrHelp.
func configure(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	return configureFlags(newFlagSet(stderr), args, getenv)
}

// configureFlags is configure on fs: it defines the desk's flags there,
// and parses args.
func configureFlags(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	timeout := fs.Duration("timeout", 0, "close conversations with no message between contact and agent for this long, in whole minutes (R7); 0 = off")
	assign := fs.String("assign", "", "assign waiting conversations automatically: `strategy` least_busy or round_robin (R11); empty: the first agent to reply takes it")
	messages := fs.String("messages", "", "a JSON `file` with the welcome and out-of-hours messages and the business hours (R4, R5)")
	botFlag := fs.String("bot", "", "`faq`: the FAQ bot answers customers first and hands off to the staff (R2); empty: no bot")
	faqFile := fs.String("faq", "", "with -bot faq, the FAQ `file` (JSON, see package chatbot/faq); empty: the sample")
	roster := fs.String("roster", "", "a JSON `file` of who is staff: Telegram ids or usernames, roles agent or supervisor, teams, capacity; empty: every member of the staff group is an agent")
	workflows := fs.String("workflows", "", "a JSON `file` with an array of workflows to publish at start (R16); empty: the built-in billing and out-of-hours-again")
	webhook := fs.String("webhook", "", "receive by webhook: the public https `URL` Telegram posts the updates to (needs -listen and WEBHOOK_SECRET); empty: long polling")
	listen := fs.String("listen", "", "with -webhook, the local `address` to serve it on, as :8443 or 127.0.0.1:8080 behind a proxy")
	backupTo := fs.String("backup", "", "write a checked copy of HELPDESK_DB to this new `file`, while the desk may run, and exit (needs no other setting)")
	findChat := fs.Bool("find-chat", false, "print the chat id of each group the bot is in, from the updates that wait (taking none), and exit (needs TELEGRAM_TOKEN only)")
	resetWebhook := fs.Bool("reset-webhook", false, "polling, delete the bot's webhook at start (else a webhook set stops the desk); with -webhook, set it again (after a new WEBHOOK_SECRET)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	cfg := Config{
		Token:   getenv("TELEGRAM_TOKEN"),
		APIURL:  getenv("TELEGRAM_API_URL"),
		DB:      getenv("HELPDESK_DB"),
		Timeout: *timeout,
		Assign:  *assign,
	}
	if cfg.DB == "" {
		cfg.DB = "helpdesk.db"
	}
	if *backupTo != "" {
		cfg.BackupTo = *backupTo
		return cfg, nil
	}
	if cfg.Token == "" {
		return cfg, errors.New("TELEGRAM_TOKEN is required")
	}
	if *findChat {
		cfg.FindChat = true
		return cfg, nil
	}
	staff := getenv("STAFF_CHAT_ID")
	if staff == "" {
		return cfg, errors.New("STAFF_CHAT_ID is required")
	}
	id, err := strconv.ParseInt(staff, 10, 64)
	if err != nil {
		return cfg, fmt.Errorf("STAFF_CHAT_ID %q is not a chat id", staff)
	}
	cfg.StaffChat = id
	if cfg.Timeout < 0 {
		return cfg, fmt.Errorf("-timeout %s is negative", cfg.Timeout)
	}
	if cfg.Timeout%time.Minute != 0 {
		return cfg, fmt.Errorf("-timeout %s is not a whole number of minutes", cfg.Timeout)
	}
	if cfg.Assign != "" && cfg.Assign != "least_busy" && cfg.Assign != "round_robin" {
		return cfg, fmt.Errorf("-assign %q: use least_busy or round_robin", cfg.Assign)
	}
	if *messages != "" {
		if cfg.Messages, err = readMessages(*messages); err != nil {
			return cfg, err
		}
	}
	if *roster != "" {
		if cfg.Roster, err = readRoster(*roster); err != nil {
			return cfg, err
		}
	}
	if *workflows != "" {
		if cfg.Workflows, err = readWorkflows(*workflows); err != nil {
			return cfg, err
		}
	}
	if cfg.FAQ, err = readBot(*botFlag, *faqFile); err != nil {
		return cfg, err
	}
	if err := configureWebhook(&cfg, *webhook, *listen, *resetWebhook, getenv); err != nil {
		return cfg, err
	}
	return cfg, nil
}
