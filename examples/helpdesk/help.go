package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/telegram"
)

// environment is every variable the desk reads, with its help.
var environment = []struct{ name, usage string }{
	{"TELEGRAM_TOKEN", "the bot's token, from BotFather (required)"},
	{"STAFF_CHAT_ID", "the staff group's chat id (required; groups are negative)"},
	{"TELEGRAM_API_URL", "the Bot API's base URL (default https://api.telegram.org)"},
	{"HELPDESK_DB", "the SQLite file (default helpdesk.db)"},
	{"WEBHOOK_SECRET", "with -webhook, the secret token Telegram sends with each update: 1 to 256 of A-Z a-z 0-9 _ - (required with -webhook)"},
}

// newFlagSet returns the desk's empty flag set: errors and the help go to
// stderr, and the help lists every flag and every environment variable,
// one line each.
func newFlagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("helpdesk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "Usage: helpdesk [flags]")
		fmt.Fprintln(w, "A Telegram help desk: customers write to the bot in private, agents work in one staff group.")
		fmt.Fprintln(w, "\nFlags:")
		fs.VisitAll(func(f *flag.Flag) {
			kind, usage := flag.UnquoteUsage(f)
			name := "-" + f.Name
			if kind != "" {
				name += " " + kind
			}
			switch f.DefValue {
			case "", "false", "0", "0s":
			default:
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(w, "  %-22s %s\n", name, usage)
		})
		fmt.Fprintln(w, "\nEnvironment:")
		for _, v := range environment {
			fmt.Fprintf(w, "  %-22s %s\n", v.name, v.usage)
		}
	}
	return fs
}

// exitStatus is main's exit status after Open or Run failed with err: 3
// when the operator must act before a start can succeed (the token
// refused, the bot's webhook or another poller, a configuration the
// engine refuses), so that a service manager does not start it again and
// again (helpdesk.service: RestartPreventExitStatus); 1 for what may pass
// (the network, the disk).
func exitStatus(err error) int {
	for _, e := range []error{channel.ErrInvalid, contactcenter.ErrInvalid, telegram.ErrWebhookActive, telegram.ErrOtherPoller, telegram.ErrTokenRefused} {
		if errors.Is(err, e) {
			return 3
		}
	}
	return 1
}

// configureFailed tells what configure's error means for main: the exit
// status, 0 after the help was asked for (-h), 2 otherwise, when it also
// writes the error to stderr.
func configureFailed(err error, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "helpdesk:", err)
	return 2
}
