package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/telenet/contactcenter/conversation"
)

// maxFirstHandled is how soon after a restart the first message must be
// handled: a restarted process serves within seconds. The command holds
// the acceptance bound; the CI tests, run under the race detector beside
// other packages on a shared machine, widen it (soak_test.go).
var maxFirstHandled = 5 * time.Second

// inbound is one message a customer sent.
type inbound struct {
	Round    int
	Customer int // from 0

	Chat int64
	Bot  int
	Text string
	ID   int // the fake's message id
	At   time.Time
}

// crash is one kill -9 and restart, as observed.
type crash struct {
	Round     int
	Victim    string // the instance killed
	Restarted string // the instance started after it
	Bot       int    // the bot the victim polled
	KilledAt  time.Time
	// BurstOffset is when in its round's burst the kill came.
	BurstOffset time.Duration
	RestartAt   time.Time
	// InFlight are the messages the channel had accepted from the victim
	// but the victim had not recorded when it died: the only ones a
	// restart may send again.
	InFlight map[key]bool
	// InFlightUnknown says what could not be checked at the kill.
	InFlightUnknown string
	// First* are the times from the restart to the first message sent
	// after the kill that was stored, relayed to the staff group, or
	// answered; negative when none was within the round.
	FirstStored, FirstRelayed, FirstReplied time.Duration
}

// final is what the run left: the store's conversations, the fake's
// chats, what the agents did and every send the proxies saw.
type final struct {
	Convs   map[int64][]conversation.Message // by customer chat
	Chats   map[int64][]models.Message       // the bot's messages in each customer chat
	Staff   []models.Message                 // the bot's messages in the staff group (help desk)
	Replied map[string]bool                  // inbound texts the staff agents answered (help desk)
	Sends   []send
}

// Figures are the counts of one round or of the whole run.
type Figures struct {
	Inbound InboundFigures  `json:"inbound"`
	Replies OutboundFigures `json:"replies"`
	// Copies are the help desk's copies of customer messages in the staff
	// group, and Headers its one header per conversation.
	Copies  *OutboundFigures `json:"staff_copies,omitempty"`
	Headers *OutboundFigures `json:"staff_headers,omitempty"`
	// LostWhy counts the lost messages by what the store and the fake
	// showed about them.
	LostWhy map[string]int `json:"lost_why,omitempty"`
}

// InboundFigures count the customers' messages.
type InboundFigures struct {
	Sent int `json:"sent"`
	// Stored counts messages stored at least once, StoredOnce those stored
	// exactly once.
	Stored     int `json:"stored"`
	StoredOnce int `json:"stored_once"`
	Lost       int `json:"lost"`
	Doubled    int `json:"doubled"`
}

// OutboundFigures count messages the bot sends.
type OutboundFigures struct {
	// Expected is how many there should be (one per stored inbound
	// message; per conversation for headers).
	Expected int `json:"expected"`
	// Stored counts those in the store (replies only).
	Stored int `json:"stored,omitempty"`
	// Delivered counts those the channel has at least once.
	Delivered int `json:"delivered"`
	Lost      int `json:"lost"`
	// Doubled counts extra deliveries.
	Doubled int `json:"doubled"`
}

// CrashFigures describe one kill and its restart.
type CrashFigures struct {
	Round     int     `json:"round"`
	Victim    string  `json:"killed"`
	Restarted string  `json:"restarted"`
	AtS       float64 `json:"at_s"` // into the burst
	// InFlight counts the messages the channel had accepted from the
	// killed process and it had not recorded.
	InFlight        int    `json:"in_flight"`
	InFlightUnknown string `json:"in_flight_unknown,omitempty"`
	// Doubled counts the doubles this crash caused, DoubledInFlight those
	// of them that were on their way at the kill.
	Doubled         int      `json:"doubled"`
	DoubledInFlight int      `json:"doubled_in_flight"`
	DoubledItems    []string `json:"doubled_items,omitempty"`
	// First*S are the seconds from the restart to the first message sent
	// after the kill that was stored, relayed or answered; null if none.
	FirstStoredS  *float64 `json:"first_stored_s"`
	FirstRelayedS *float64 `json:"first_relayed_s,omitempty"`
	FirstRepliedS *float64 `json:"first_replied_s"`
}

// RoundFigures are one round's figures and its crash.
type RoundFigures struct {
	Round int `json:"round"`
	Figures
	Crash *CrashFigures `json:"crash,omitempty"`
	// SettleS is how long after its burst the round's messages were all
	// delivered; null if they were not within the settle time.
	SettleS *float64 `json:"settle_s"`
}

// Report is the outcome of a run.
type Report struct {
	Target    string         `json:"target"`
	Command   string         `json:"command"`
	Rounds    int            `json:"rounds"`
	Messages  int            `json:"messages"`
	Customers int            `json:"customers"`
	Seed      int64          `json:"seed"`
	Kill      bool           `json:"kill"`
	Setup     []string       `json:"setup"`
	PerRound  []RoundFigures `json:"per_round"`
	Total     Figures        `json:"total"`
	// DoubledWithoutCrash counts doubles that no crash explains.
	DoubledWithoutCrash int      `json:"doubled_without_crash"`
	Notes               []string `json:"notes,omitempty"`
	Failures            []string `json:"failures"`
	ElapsedS            float64  `json:"elapsed_s"`
}

// Passed reports whether every acceptance point held.
func (r *Report) Passed() bool { return len(r.Failures) == 0 }

// delivery is one copy of a logical message in the fake.
type delivery struct {
	key key
	at  time.Time
}

// item is a logical outbound message and what the fake holds of it.
type item struct {
	name       string
	round      int
	deliveries []delivery // in chat order
}

// analysis is the input of analyse.
type analysis struct {
	helpdesk bool
	rounds   int
	inbound  []inbound
	crashes  []crash
	final    final
	notes    []string
}

// analyse counts every message in both directions and checks the
// acceptance points.
func analyse(a analysis) (perRound []RoundFigures, total Figures, withoutCrash int, notes, failures []string) {
	notes = append(notes, a.notes...)
	sendAt := map[key]send{}
	for _, s := range a.final.Sends {
		sendAt[s.key()] = s
	}
	when := func(k key, m models.Message) time.Time {
		if s, ok := sendAt[k]; ok {
			return s.Started
		}
		return time.Unix(int64(m.Date), 0)
	}
	rounds := make([]Figures, a.rounds+1)
	for i := range rounds {
		rounds[i] = newFigures(a.helpdesk)
	}
	var items []item

	// The bot's messages in each customer chat, by text.
	replies := map[int64]map[string][]delivery{}
	unseen := 0
	for chat, msgs := range a.final.Chats {
		byText := map[string][]delivery{}
		for _, m := range msgs {
			k := key{chat, m.ID}
			if _, ok := sendAt[k]; !ok {
				unseen++
			}
			byText[m.Text] = append(byText[m.Text], delivery{k, when(k, m)})
		}
		replies[chat] = byText
	}
	// The staff group: copies by the customer message they copy, headers
	// by customer name.
	copies := map[key][]delivery{}
	headers := map[string][]delivery{}
	if a.helpdesk {
		for _, m := range a.final.Staff {
			k := key{m.Chat.ID, m.ID}
			s, seen := sendAt[k]
			if !seen {
				unseen++
			}
			switch {
			case seen && s.Method == "copymessage":
				from := key{s.FromChat, s.FromID}
				copies[from] = append(copies[from], delivery{k, when(k, m)})
			case headerCustomer(m.Text) != "":
				name := headerCustomer(m.Text)
				headers[name] = append(headers[name], delivery{k, when(k, m)})
			}
		}
	}
	if unseen > 0 {
		notes = append(notes, fmt.Sprintf("%d messages in the fake were not seen by the proxies (their times come from the message date)", unseen))
	}
	refused := refusedReplies(a.final.Staff)
	if n := len(refused); n > 0 {
		notes = append(notes, fmt.Sprintf("the desk answered %d staff replies that they were not delivered", n))
	}

	matched := map[int64]map[string]bool{}
	firstRound := map[string]int{}
	for _, in := range a.inbound {
		f := &rounds[in.Round]
		f.Inbound.Sent++
		stored := 0
		var reply *conversation.Message
		replyStored := 0
		for i, m := range a.final.Convs[in.Chat] {
			switch {
			case m.Direction == conversation.FromContact && m.Text == in.Text:
				stored++
			case m.Direction == conversation.ToContact && m.Text == replyText(in.Text):
				replyStored++
				reply = &a.final.Convs[in.Chat][i]
			}
		}
		switch {
		case stored == 0:
			f.Inbound.Lost++
			f.LostWhy["inbound: not stored"]++
		case stored == 1:
			f.Inbound.Stored++
			f.Inbound.StoredOnce++
		default:
			f.Inbound.Stored++
			f.Inbound.Doubled += stored - 1
		}
		name := customerName(in.Customer)
		if _, ok := firstRound[name]; !ok {
			firstRound[name] = in.Round
		}

		// The staff copy (help desk).
		if a.helpdesk {
			c := f.Copies
			c.Expected++
			ds := copies[key{in.Chat, in.ID}]
			if len(ds) > 0 {
				c.Delivered++
				c.Doubled += len(ds) - 1
				items = append(items, item{name: "copy of " + in.Text, round: in.Round, deliveries: ds})
			} else {
				c.Lost++
				if stored == 0 {
					f.LostWhy["staff copy: inbound not stored"]++
				} else {
					f.LostWhy["staff copy: stored, never relayed"]++
				}
			}
		}

		// The reply.
		r := &f.Replies
		r.Expected++
		r.Stored += min(replyStored, 1)
		want := replyText(in.Text)
		ds := replies[in.Chat][want]
		if matched[in.Chat] == nil {
			matched[in.Chat] = map[string]bool{}
		}
		matched[in.Chat][want] = true
		if len(ds) > 0 {
			r.Delivered++
			r.Doubled += len(ds) - 1
			items = append(items, item{name: want, round: in.Round, deliveries: ds})
			continue
		}
		r.Lost++
		f.LostWhy["reply: "+whyNoReply(a, in, stored, reply, refused[want])]++
	}
	// Other messages the bot sent to customers.
	other := 0
	for chat, byText := range replies {
		for text, ds := range byText {
			if !matched[chat][text] {
				other += len(ds)
			}
		}
	}
	if other > 0 {
		notes = append(notes, fmt.Sprintf("%d other messages were sent to customers", other))
	}
	// Headers: one per customer who wrote.
	if a.helpdesk {
		for name, round := range firstRound {
			h := rounds[round].Headers
			h.Expected++
			ds := headers[name]
			if len(ds) == 0 {
				h.Lost++
				rounds[round].LostWhy["staff header: never posted"]++
				continue
			}
			h.Delivered++
			h.Doubled += len(ds) - 1
			items = append(items, item{name: "header of " + name, round: round, deliveries: ds})
		}
	}

	// Doubles and the crashes that explain them.
	perCrash := make([]CrashFigures, len(a.crashes))
	for i, c := range a.crashes {
		perCrash[i] = crashFigures(c)
	}
	slices.SortFunc(items, func(x, y item) int { return strings.Compare(x.name, y.name) })
	for _, it := range items {
		ds := slices.Clone(it.deliveries)
		slices.SortFunc(ds, func(x, y delivery) int { return x.key.ID - y.key.ID })
		for _, d := range ds[:len(ds)-1] {
			k := crashOf(a.crashes, d)
			if k < 0 {
				withoutCrash++
				failures = append(failures, fmt.Sprintf("round %d: %q doubled with no crash after its first delivery", it.round, it.name))
				continue
			}
			cf := &perCrash[k]
			cf.Doubled++
			label := it.name
			if a.crashes[k].InFlight[d.key] {
				cf.DoubledInFlight++
				label += " (on its way at the kill)"
			} else {
				label += fmt.Sprintf(" (first sent %.3fs before the kill, recorded: not on its way)", a.crashes[k].KilledAt.Sub(d.at).Seconds())
			}
			cf.DoubledItems = append(cf.DoubledItems, label)
		}
	}

	// Per round and total.
	total = newFigures(a.helpdesk)
	for r := 1; r <= a.rounds; r++ {
		rf := RoundFigures{Round: r, Figures: rounds[r]}
		for i := range perCrash {
			if perCrash[i].Round == r {
				rf.Crash = &perCrash[i]
			}
		}
		perRound = append(perRound, rf)
		total.add(rounds[r])
	}

	// Acceptance.
	if total.Inbound.Lost > 0 {
		failures = append(failures, fmt.Sprintf("%d inbound messages lost (acceptance: 0)", total.Inbound.Lost))
	}
	if total.Inbound.Doubled > 0 {
		failures = append(failures, fmt.Sprintf("%d inbound messages stored more than once (acceptance: 0)", total.Inbound.Doubled))
	}
	if total.Replies.Lost > 0 {
		failures = append(failures, fmt.Sprintf("%d replies never reached the customer (acceptance: 0 lost)", total.Replies.Lost))
	}
	if total.Copies != nil && total.Copies.Lost > 0 {
		failures = append(failures, fmt.Sprintf("%d customer messages never copied to the staff group (acceptance: 0 lost)", total.Copies.Lost))
	}
	if total.Headers != nil && total.Headers.Lost > 0 {
		failures = append(failures, fmt.Sprintf("%d conversations without a staff header", total.Headers.Lost))
	}
	for _, c := range perCrash {
		where := fmt.Sprintf("round %d, kill of %s", c.Round, c.Victim)
		if c.Doubled > 1 {
			failures = append(failures, fmt.Sprintf("%s: %d messages doubled (acceptance: at most 1 per crash)", where, c.Doubled))
		}
		if n := c.Doubled - c.DoubledInFlight; n > 0 {
			failures = append(failures, fmt.Sprintf("%s: %d doubled messages were not on their way at the kill", where, n))
		}
		check := func(what string, s *float64) {
			switch {
			case s == nil:
				failures = append(failures, fmt.Sprintf("%s: no message %s after the restart within the round", where, what))
			case *s > maxFirstHandled.Seconds():
				failures = append(failures, fmt.Sprintf("%s: first message %s %.1fs after the restart (acceptance: within %s)", where, what, *s, maxFirstHandled))
			}
		}
		check("stored", c.FirstStoredS)
		if a.helpdesk {
			check("relayed to the staff group", c.FirstRelayedS)
		} else {
			check("answered", c.FirstRepliedS)
		}
	}
	return perRound, total, withoutCrash, notes, failures
}

func newFigures(helpdesk bool) Figures {
	f := Figures{LostWhy: map[string]int{}}
	if helpdesk {
		f.Copies, f.Headers = &OutboundFigures{}, &OutboundFigures{}
	}
	return f
}

func (f *Figures) add(g Figures) {
	f.Inbound.Sent += g.Inbound.Sent
	f.Inbound.Stored += g.Inbound.Stored
	f.Inbound.StoredOnce += g.Inbound.StoredOnce
	f.Inbound.Lost += g.Inbound.Lost
	f.Inbound.Doubled += g.Inbound.Doubled
	f.Replies.add(g.Replies)
	if f.Copies != nil {
		f.Copies.add(*g.Copies)
		f.Headers.add(*g.Headers)
	}
	for k, v := range g.LostWhy {
		f.LostWhy[k] += v
	}
}

func (o *OutboundFigures) add(p OutboundFigures) {
	o.Expected += p.Expected
	o.Stored += p.Stored
	o.Delivered += p.Delivered
	o.Lost += p.Lost
	o.Doubled += p.Doubled
}

// whyNoReply says what the store shows of a reply that never reached the
// customer; refused, that the desk answered the agent's reply in the staff
// group as not delivered.
func whyNoReply(a analysis, in inbound, stored int, reply *conversation.Message, refused bool) string {
	switch {
	case stored == 0:
		return "inbound not stored"
	case reply != nil && reply.Delivery == conversation.DeliveryPending:
		why := fmt.Sprintf("stored, still pending after %d attempts", reply.Attempts)
		if reply.Failure != "" {
			why += ": " + shorten(reply.Failure)
		}
		return why
	case reply != nil && reply.Delivery == conversation.DeliveryFailed:
		return "stored, failed: " + shorten(reply.Failure)
	case reply != nil:
		return "recorded as " + reply.Delivery.String() + " but not in the customer's chat"
	case !a.helpdesk:
		return "never stored (the agent answers from message.received)"
	case !a.final.Replied[in.Text]:
		return "no agent answered (no staff copy to answer)"
	case refused:
		return "an agent answered the staff copy; the desk answered that it was not delivered"
	default:
		return "an agent answered the staff copy; the desk stored no reply"
	}
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// refusedReplies returns the texts of the staff messages that the desk
// answered in the staff group as not delivered (examples/helpdesk answers
// so a reply that reaches no conversation).
func refusedReplies(staff []models.Message) map[string]bool {
	refused := map[string]bool{}
	for _, m := range staff {
		if strings.HasPrefix(m.Text, "Not delivered") && m.ReplyToMessage != nil {
			refused[m.ReplyToMessage.Text] = true
		}
	}
	return refused
}

// headerCustomer returns the customer a staff header names ("c007"), or
// "" if text is no header: "#12 · c007 · en ...".
func headerCustomer(text string) string {
	if !strings.HasPrefix(text, "#") {
		return ""
	}
	first, _, _ := strings.Cut(text, "\n")
	parts := strings.Split(first, " · ")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// crashOf returns the crash a double whose earlier delivery is d belongs
// to: the crash at which d was on its way, or else the first kill after d;
// -1 if no kill came after it.
func crashOf(crashes []crash, d delivery) int {
	for i, c := range crashes {
		if c.InFlight[d.key] {
			return i
		}
	}
	for i, c := range crashes {
		if c.KilledAt.After(d.at) {
			return i
		}
	}
	return -1
}

func crashFigures(c crash) CrashFigures {
	secs := func(d time.Duration) *float64 {
		if d < 0 {
			return nil
		}
		s := d.Seconds()
		return &s
	}
	cf := CrashFigures{Round: c.Round, Victim: c.Victim, Restarted: c.Restarted, AtS: c.BurstOffset.Seconds(),
		InFlight: len(c.InFlight), InFlightUnknown: c.InFlightUnknown,
		FirstStoredS: secs(c.FirstStored), FirstRelayedS: secs(c.FirstRelayed), FirstRepliedS: secs(c.FirstReplied)}
	return cf
}

// writeText prints the report for people.
func (r *Report) writeText(w io.Writer) {
	fmt.Fprintf(w, "%s\n", r.Command)
	for _, s := range r.Setup {
		fmt.Fprintf(w, "  %s\n", s)
	}
	fmt.Fprintln(w)
	hd := r.Total.Copies != nil
	head := "round  inbound sent/stored-once/lost/doubled  replies stored/delivered/lost/doubled"
	if hd {
		head += "  staff copies relayed/lost/doubled  headers doubled"
	}
	fmt.Fprintln(w, head)
	line := func(label string, f Figures, settle string) {
		s := fmt.Sprintf("%-6s %4d / %4d / %3d / %3d                   %4d / %4d / %3d / %3d",
			label, f.Inbound.Sent, f.Inbound.StoredOnce, f.Inbound.Lost, f.Inbound.Doubled,
			f.Replies.Stored, f.Replies.Delivered, f.Replies.Lost, f.Replies.Doubled)
		if hd {
			s += fmt.Sprintf("                  %4d / %3d / %3d         %3d", f.Copies.Delivered, f.Copies.Lost, f.Copies.Doubled, f.Headers.Doubled)
		}
		fmt.Fprintln(w, s+settle)
	}
	for _, rf := range r.PerRound {
		settle := "   settled: no"
		if rf.SettleS != nil {
			settle = fmt.Sprintf("   settled in %.1fs", *rf.SettleS)
		}
		line(fmt.Sprint(rf.Round), rf.Figures, settle)
	}
	line("total", r.Total, "")
	fmt.Fprintln(w)
	for _, rf := range r.PerRound {
		c := rf.Crash
		if c == nil {
			continue
		}
		s := fmt.Sprintf("crash %d: kill -9 of %s %.2fs into the burst; %d sent but unrecorded at the kill; doubled %d (%d of them on their way)",
			c.Round, c.Victim, c.AtS, c.InFlight, c.Doubled, c.DoubledInFlight)
		s += "; restart → first stored " + fmtSecs(c.FirstStoredS)
		if hd {
			s += ", relayed " + fmtSecs(c.FirstRelayedS)
		}
		s += ", answered " + fmtSecs(c.FirstRepliedS)
		fmt.Fprintln(w, s)
		if c.InFlightUnknown != "" {
			fmt.Fprintf(w, "  (not checked at the kill: %s)\n", c.InFlightUnknown)
		}
		for _, it := range c.DoubledItems {
			fmt.Fprintf(w, "  doubled: %s\n", it)
		}
	}
	if r.DoubledWithoutCrash > 0 {
		fmt.Fprintf(w, "doubled with no crash to explain them: %d\n", r.DoubledWithoutCrash)
	}
	if len(r.Total.LostWhy) > 0 {
		fmt.Fprintln(w, "lost, by what the store and the fake show:")
		for _, k := range slices.Sorted(maps.Keys(r.Total.LostWhy)) {
			fmt.Fprintf(w, "  %5d  %s\n", r.Total.LostWhy[k], k)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintf(w, "elapsed %.1fs\n", r.ElapsedS)
	if r.Passed() {
		fmt.Fprintln(w, "PASS: 0 lost in either direction, at most one double per crash and only one on its way, first message within 5s of each restart")
		return
	}
	for _, f := range r.Failures {
		fmt.Fprintf(w, "FAIL: %s\n", f)
	}
}

func fmtSecs(s *float64) string {
	if s == nil {
		return "none"
	}
	return fmt.Sprintf("%.2fs", *s)
}

// writeJSON prints the report as JSON.
func (r *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
