package ccload

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/telenet/contactcenter/conversation"
)

// Publication is one event as a child's publish hook was given it.
type Publication struct {
	// Proc is the child whose hook was given the event.
	Proc         int
	Seq          uint64
	Conversation string
	Type         string
	Message      string
	// At is the event's At; Published the time the hook was given it;
	// both in unix nanoseconds.
	At, Published int64
}

// StoredMessage is an inbound message as cc_messages holds it.
type StoredMessage struct {
	Conversation string
	Message      string
}

// Analysis is the check of a run's published events against the store.
//
// The publications of all children are merged into one order, that of
// the time each was published (the time the hook was called), each
// child's own stream kept in the order it wrote it. The first
// publication of an event (its conversation and Seq) counts; a later one
// of the same event is a repeat (Duplicates): delivery is at least once,
// and Seq tells repeats apart, so a host that drops repeats sees the
// first publications alone.
// In that order, per conversation:
//
//   - the first publications' Seq must grow (SeqViolations): Seq grows
//     with commit order among one conversation's events;
//   - the message.received events' messages must come in the order the
//     messages were stored (OrderViolations): the order of cc_messages.seq
//     among the conversation's inbound messages.
//
// That is R17's order because every inbound message of a conversation
// updates the conversation's row naming the version it read, in the
// transaction that stores the message: two such transactions of one
// conversation cannot both commit unless one read the other's committed
// version, so they commit one after the other, and the later one takes
// its message's seq (a sequence, drawn after it read) after the earlier
// one committed; so cc_messages.seq orders one conversation's messages as
// they committed.
//
// And every stored message has its message.received event published at
// least once (Lost counts those that have none), no event names a message
// that is not stored (Phantom), and no message has two events (Doubled).
type Analysis struct {
	// Publications counts what the hooks were given; Events the distinct
	// events (by conversation and Seq); Duplicates the repeats.
	Publications int `json:"publications"`
	Events       int `json:"events"`
	Duplicates   int `json:"duplicates"`
	// PublishedBy counts the first publications of each child: how the
	// work of publishing was shared.
	PublishedBy []int `json:"published_by"`
	// EventsPerSec counts the first publications made while the writers
	// wrote, over the writing window.
	EventsPerSec float64 `json:"events_per_s"`
	// The publish lag of the first publications: the time published
	// minus the event's At.
	LagP50 time.Duration `json:"lag_p50_ns"`
	LagP99 time.Duration `json:"lag_p99_ns"`
	LagMax time.Duration `json:"lag_max_ns"`

	SeqViolations   int `json:"seq_violations"`
	OrderViolations int `json:"order_violations"`
	Lost            int `json:"lost"`
	Phantom         int `json:"phantom"`
	Doubled         int `json:"doubled"`
	// Examples describe the first few problems, for people.
	Examples []string `json:"examples,omitempty"`

	// AfterKill is set for a run with a kill.
	AfterKill *AfterKill `json:"after_kill,omitempty"`
}

// AfterKill is the publication after a kill.
type AfterKill struct {
	// StoredAfter counts the events whose At is after the kill; MaxLag
	// is the longest publish lag among them.
	StoredAfter int           `json:"stored_after"`
	MaxLag      time.Duration `json:"max_lag_ns"`
	// Stranded counts the events stored before the kill and first
	// published after it, such as those the killed child held; MaxResume
	// is the longest time from the kill to the first publication of one.
	Stranded  int           `json:"stranded"`
	MaxResume time.Duration `json:"max_resume_ns"`
}

const maxExamples = 5

func (a *Analysis) example(format string, args ...any) {
	if len(a.Examples) < maxExamples {
		a.Examples = append(a.Examples, fmt.Sprintf(format, args...))
	}
}

// Analyze checks pubs, the publications of every child (each child's in
// the order it wrote them), against stored, the run's inbound messages in
// the order of cc_messages.seq. start and end are the writing window,
// killAt the time of the kill (0 for none), all unix nanoseconds.
func Analyze(pubs []Publication, stored []StoredMessage, start, end, killAt int64) *Analysis {
	order := slices.Clone(pubs)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Published < order[j].Published })

	type position struct {
		conv string
		rank int
	}
	ranks := make(map[string]position, len(stored))
	next := map[string]int{}
	for _, m := range stored {
		ranks[m.Message] = position{m.Conversation, next[m.Conversation]}
		next[m.Conversation]++
	}

	a := &Analysis{}
	if killAt != 0 {
		a.AfterKill = &AfterKill{}
	}
	type key struct {
		conv string
		seq  uint64
	}
	seen := make(map[key]bool, len(order))
	lastSeq := map[string]uint64{}
	lastRank := map[string]int{}
	events := make(map[string]int, len(stored)) // message.received events by message
	lags := make([]int64, 0, len(order))
	inWindow := 0
	for _, e := range order {
		a.Publications++
		k := key{e.Conversation, e.Seq}
		if seen[k] {
			a.Duplicates++
			continue
		}
		seen[k] = true
		a.Events++
		for len(a.PublishedBy) <= e.Proc {
			a.PublishedBy = append(a.PublishedBy, 0)
		}
		a.PublishedBy[e.Proc]++
		lag := e.Published - e.At
		lags = append(lags, lag)
		if e.Published >= start && e.Published <= end {
			inWindow++
		}
		if after := a.AfterKill; after != nil {
			switch {
			case e.At >= killAt:
				after.StoredAfter++
				after.MaxLag = max(after.MaxLag, time.Duration(lag))
			case e.Published >= killAt:
				after.Stranded++
				after.MaxResume = max(after.MaxResume, time.Duration(e.Published-killAt))
			}
		}
		if e.Conversation != "" {
			if last, ok := lastSeq[e.Conversation]; ok && e.Seq < last {
				a.SeqViolations++
				a.example("conversation %s: event %d first published (by process %d) after event %d", e.Conversation, e.Seq, e.Proc, last)
			} else {
				lastSeq[e.Conversation] = e.Seq
			}
		}
		if e.Type != string(conversation.EventMessageReceived) {
			continue
		}
		pos, ok := ranks[e.Message]
		if !ok || pos.conv != e.Conversation {
			a.Phantom++
			a.example("event %d: message.received of message %s of conversation %s, which is not stored so", e.Seq, e.Message, e.Conversation)
			continue
		}
		if events[e.Message]++; events[e.Message] == 2 {
			a.Doubled++
			a.example("message %s: two message.received events", e.Message)
		}
		switch {
		case pos.rank < lastRank[pos.conv]:
			a.OrderViolations++
			a.example("conversation %s: message %s (stored %d) first published (by process %d) after the one stored %d", pos.conv, e.Message, pos.rank, e.Proc, lastRank[pos.conv])
		default:
			lastRank[pos.conv] = pos.rank
		}
	}
	for _, m := range stored {
		if events[m.Message] == 0 {
			a.Lost++
			a.example("message %s of conversation %s: stored, its message.received never published", m.Message, m.Conversation)
		}
	}
	if end > start {
		a.EventsPerSec = float64(inWindow) / time.Duration(end-start).Seconds()
	}
	if len(lags) > 0 {
		slices.Sort(lags)
		at := func(q int) time.Duration { return time.Duration(lags[min(len(lags)*q/100, len(lags)-1)]) }
		a.LagP50, a.LagP99, a.LagMax = at(50), at(99), time.Duration(lags[len(lags)-1])
	}
	return a
}

// Problems lists what a run's checks found wrong: events unpublished,
// lost, out of order, phantom or doubled; none for a bare run.
func (r *Result) Problems() []string {
	var p []string
	if r.Unpublished > 0 {
		p = append(p, fmt.Sprintf("%d events still stored, unpublished", r.Unpublished))
	}
	a := r.Analysis
	if a == nil {
		return p
	}
	for _, c := range []struct {
		n    int
		what string
	}{
		{a.Lost, "messages stored whose message.received was never published"},
		{a.OrderViolations, "messages first published out of their conversation's stored order"},
		{a.SeqViolations, "events first published out of their conversation's Seq order"},
		{a.Phantom, "message.received events of messages not stored"},
		{a.Doubled, "messages with two message.received events"},
	} {
		if c.n > 0 {
			p = append(p, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return p
}
