package contactcenter_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

// openCase is a queue that openings on a least-busy channel meet (R9,
// R11), on the memory store.
type openCase struct {
	name string
	// assigned: whether an opening is assigned (an agent has room).
	assigned bool
	// head: the waiting conversations' channel and team.
	channel channel.ID
	team    conversation.TeamID
}

var openCases = []openCase{
	// Every agent at capacity: an opening tries to assign and assigns
	// nothing.
	{name: "capacity", channel: "tg"},
	// The queue waits for a person (a channel that does not assign), and
	// an agent has room: the opening goes to them.
	{name: "manual", assigned: true, channel: "manual"},
	// The queue waits for a team without room, and an agent outside it
	// has room.
	{name: "team", assigned: true, channel: "tg", team: "sales"},
}

// openBench is an engine over a memory store whose queue holds waiting
// conversations of one openCase, and the openings of the last batch.
type openBench struct {
	c      openCase
	s      *memory.Store
	eng    *contactcenter.Engine
	clk    *clock
	queue  int
	opened []conversation.Conversation
	next   int
}

func newOpenBench(b *testing.B, c openCase, waiting int) *openBench {
	ctx := context.Background()
	o := &openBench{c: c, s: memory.New(), clk: &clock{now: t0}, queue: waiting}
	eng, err := contactcenter.New(contactcenter.Config{
		Store: o.s, Now: o.clk.Now, NewID: contactcenter.SequentialIDs("id"),
		Publish: func(context.Context, conversation.Event) error { return nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	o.eng = eng
	b.Cleanup(func() { _ = eng.Close() })
	for _, ch := range []channel.Channel{
		{ID: "tg", Settings: channel.Settings{Assignment: channel.Assignment{Strategy: "least_busy"}}},
		{ID: "manual"},
	} {
		ch.Workspace, ch.Kind, ch.Account = ws, channel.KindTelegram, "bot-"+string(ch.ID)
		if err := eng.PutChannel(ctx, contactcenter.ChannelChange{Channel: ch, Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}), By: conversation.Host()}); err != nil {
			b.Fatal(err)
		}
	}
	// Three agents of team sales, each given one conversation: all at
	// capacity. With room: ana, in no team.
	for _, id := range []conversation.AgentID{"bruno", "carla", "dario"} {
		a := conversation.Agent{ID: id, Workspace: ws, Name: string(id), Presence: conversation.Online, Capacity: 1, Teams: []conversation.TeamID{"sales"}}
		if _, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: a, By: conversation.Host()}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 3 {
		o.receive(b, "busy-"+strconv.Itoa(i))
	}
	if c.assigned {
		ana := conversation.Agent{ID: "ana", Workspace: ws, Name: "ana", Presence: conversation.Online}
		if _, err := eng.PutAgent(ctx, contactcenter.AgentChange{Agent: ana, By: conversation.Host()}); err != nil {
			b.Fatal(err)
		}
	}
	// The queue, stored directly: opening each through the engine would
	// cost what the benchmark measures, many times over.
	for start := 0; start < waiting; start += 1000 {
		err := o.s.Update(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+1000, waiting); i++ {
				at := t0.Add(-time.Duration(waiting-i) * time.Second)
				id := strconv.Itoa(i)
				c := conversation.Conversation{
					ID: conversation.ID("w" + id), Workspace: ws, Ticket: ticket.ID("wt" + id), TicketNumber: ticket.Number(1_000_000 + i),
					Channel: c.channel, Team: c.team, Contact: ticket.ContactID("wk" + id), ContactExternalID: "waiting-" + id,
					State: conversation.Open, WaitingSince: at, OpenedAt: at, LastActivity: at, Version: 1,
				}
				if err := tx.CreateConversation(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return o
}

func (o *openBench) receive(b *testing.B, contact string) conversation.Conversation {
	r, err := o.eng.Receive(context.Background(), contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u-" + contact,
		From: contactcenter.Sender{ExternalID: contact}, Text: "hello"})
	if err != nil || !r.Opened {
		b.Fatal(err, r.Opened)
	}
	return r.Conversation
}

// open opens n conversations and returns how long it took.
func (o *openBench) open(b *testing.B, n int) time.Duration {
	start := time.Now()
	for range n {
		o.opened = append(o.opened, o.receive(b, "new-"+strconv.Itoa(o.next)))
		o.next++
	}
	return time.Since(start)
}

// closeOpened closes what open opened, so that the queue and ana's load
// stay as they were, and checks that the openings were assigned or not as
// the case says and that the queue is as long as it was.
func (o *openBench) closeOpened(b *testing.B) {
	ctx := context.Background()
	err := o.s.Update(ctx, func(tx store.Tx) error {
		for _, op := range o.opened {
			c, err := tx.Conversation(ctx, ws, op.ID)
			if err != nil {
				return err
			}
			if c.Waiting() == o.c.assigned {
				b.Fatalf("%s: conversation %s assigned to %q", o.c.name, c.ID, c.Assignee)
			}
			c.State, c.Assignee, c.WaitingSince, c.ClosedAt, c.Version = conversation.Closed, "", time.Time{}, o.clk.Now(), c.Version+1
			if err := tx.UpdateConversation(ctx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	o.opened = o.opened[:0]
	err = o.s.View(ctx, func(tx store.Tx) error {
		q, err := tx.Queue(ctx, ws, 0)
		if err == nil && len(q) != o.queue {
			b.Fatalf("%s: %d waiting, want %d", o.c.name, len(q), o.queue)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkOpenLeastBusy measures a contact's first message opening a
// conversation on a channel that assigns automatically to the least busy
// agent (R9, R11), with 1,000 and with 100,000 conversations waiting that
// no agent can take, in three cases (openCases): every agent at capacity;
// the queue on a channel that does not assign while an agent has room;
// the queue waiting for a team without room while an agent outside it has
// room. Each round (b.N of them) times 400 openings on each of the six
// queues, interleaved in slices of 50, so that the sizes are compared in
// the same moments; the figures are min / median / max over the rounds of
// the time per opening,
// and of the ratio 100,000 / 1,000 within a round (logged with two rounds
// or more). The two sizes should be close: what waits is not read.
//
//	go test -run '^$' -bench OpenLeastBusy -benchtime 7x .
func BenchmarkOpenLeastBusy(b *testing.B) {
	const parts, part = 8, 50
	sizes := []int{1000, 100_000}
	var benches []*openBench
	for _, c := range openCases {
		for _, n := range sizes {
			benches = append(benches, newOpenBench(b, c, n))
		}
	}
	times := make([][]time.Duration, len(benches))
	b.ResetTimer()
	for range b.N {
		spent := make([]time.Duration, len(benches))
		for range parts {
			for i, o := range benches {
				spent[i] += o.open(b, part)
			}
		}
		for i, o := range benches {
			b.StopTimer()
			o.closeOpened(b)
			b.StartTimer()
			times[i] = append(times[i], spent[i]/(parts*part))
		}
	}
	b.StopTimer()
	var report strings.Builder
	for ci, c := range openCases {
		small, large := times[2*ci], times[2*ci+1]
		ratios := make([]float64, len(small))
		for r := range small {
			ratios[r] = float64(large[r]) / float64(small[r])
		}
		fmt.Fprintf(&report, "\n%-8s 1,000: %s; 100,000: %s; 100,000/1,000: %s",
			c.name, spread(small), spread(large), spreadRatio(ratios))
		b.ReportMetric(median(ratios), c.name+"-ratio")
	}
	if b.N > 1 { // the rounds that count, not the framework's first run of one
		b.Logf("%d rounds of %d openings, min / median / max:%s", b.N, parts*part, report.String())
	}
}

// interleave runs b.N rounds of the benchmark; each times parts slices of
// part calls of each of fns, one after another, so that all are measured
// in the same moments; every other slice takes fns in the reverse order,
// so that none always runs first, or right after another. It returns,
// for each of fns, the time per call in each round.
func interleave(b *testing.B, parts, part int, fns ...func()) [][]time.Duration {
	times := make([][]time.Duration, len(fns))
	b.ResetTimer()
	for range b.N {
		spent := make([]time.Duration, len(fns))
		for p := range parts {
			for j := range fns {
				i := j
				if p%2 == 1 {
					i = len(fns) - 1 - j
				}
				fn := fns[i]
				start := time.Now()
				for range part {
					fn()
				}
				spent[i] += time.Since(start)
			}
		}
		for i := range fns {
			times[i] = append(times[i], spent[i]/time.Duration(parts*part))
		}
	}
	b.StopTimer()
	return times
}

// ratios returns, round by round, the ratio of times to base.
func ratios(times, base []time.Duration) []float64 {
	out := make([]float64, len(times))
	for r := range times {
		out[r] = float64(times[r]) / float64(base[r])
	}
	return out
}

func spread(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%v / %v / %v", s[0].Round(time.Microsecond/10), s[len(s)/2].Round(time.Microsecond/10), s[len(s)-1].Round(time.Microsecond/10))
}

func spreadRatio(rs []float64) string {
	s := slices.Clone(rs)
	slices.Sort(s)
	return fmt.Sprintf("%.2f / %.2f / %.2f×", s[0], s[len(s)/2], s[len(s)-1])
}

func median(rs []float64) float64 {
	s := slices.Clone(rs)
	slices.Sort(s)
	return s[len(s)/2]
}
