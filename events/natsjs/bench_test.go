package natsjs_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/events/natsjs"
)

// BenchmarkPublish measures events per second through the adapter to the
// local server, four ways in the same moments: PublishBatch of drains of
// 256 events of 256 conversations (one round of acknowledgements, the
// most a drain overlaps), over 64 conversations (four events each, so four
// rounds), and of one conversation (256 rounds: the worst case, one
// acknowledgement at a time), and Publish of events one by one. Each round (b.N of
// them) times parts slices of part drains of each way, interleaved, every
// other slice in the reverse order; the figures are min / median / max
// over the rounds, with the ratios to one-by-one Publish within a round
// (logged with two rounds or more). The reported metrics are medians.
//
//	go test -run '^$' -bench Publish ./events/natsjs/
func BenchmarkPublish(b *testing.B) {
	const drain, parts, part = 256, 2, 2
	_, js := connect(b)
	s := newStream(b, js, natsjs.StreamConfig{Duplicates: time.Minute})
	p, err := natsjs.NewPublisher(js, natsjs.Config{Prefix: s.prefix})
	if err != nil {
		b.Fatal(err)
	}
	var seq uint64
	next := func(convs int) []conversation.Event {
		evs := make([]conversation.Event, drain)
		for i := range evs {
			seq++
			evs[i] = conversation.Event{Seq: seq, Type: conversation.EventMessageReceived, Workspace: "bench",
				Conversation: conversation.ID(fmt.Sprint("c", i%convs)), Message: conversation.MessageID(fmt.Sprint("m", seq)),
				At: time.Now(), Actor: conversation.AsContact("k"), Cause: conversation.Cause{Kind: conversation.CauseCommand, Name: "receive", ID: "x"}}
		}
		return evs
	}
	batchOf := func(convs int) func() {
		return func() {
			evs := next(convs)
			if n, err := p.PublishBatch(bg, evs); err != nil || n != len(evs) {
				b.Fatalf("PublishBatch: %d of %d, %v", n, len(evs), err)
			}
		}
	}
	single := func() {
		for _, e := range next(64) {
			if err := p.Publish(bg, e); err != nil {
				b.Fatal(err)
			}
		}
	}
	names := []string{"batch-256conv", "batch-64conv", "batch-1conv", "single"}
	times := interleave(b, parts, part, batchOf(256), batchOf(64), batchOf(1), single)
	one := len(names) - 1
	if dups := p.Stats().Duplicates; dups != 0 {
		b.Fatalf("%d repeats: every event is new", dups)
	}
	rate := func(d time.Duration) float64 { return drain / d.Seconds() }
	var report strings.Builder
	for i, name := range names {
		rates := make([]float64, len(times[i]))
		for r, d := range times[i] {
			rates[r] = rate(d)
		}
		b.ReportMetric(median(rates), name+"-events/s")
		fmt.Fprintf(&report, "\n%-13s events/s %s", name, spreadOf("%.0f", rates))
		if i != one {
			ratios := make([]float64, len(times[i]))
			for r := range times[i] {
				ratios[r] = float64(times[one][r]) / float64(times[i][r])
			}
			b.ReportMetric(median(ratios), name+"/single")
			fmt.Fprintf(&report, "; /single %s", spreadOf("%.2f", ratios))
		}
	}
	b.ReportMetric(0, "ns/op")
	if b.N > 1 { // the rounds that count, not the framework's first run of one
		b.Logf("%d rounds of %d drains of %d events each way, min / median / max:%s", b.N, parts*part, drain, report.String())
	}
}

// interleave runs b.N rounds; each times parts slices of part calls of
// each of fns, one after another, so that all are measured in the same
// moments; every other slice takes fns in the reverse order, so that none
// always runs first, or right after another. It returns, for each of fns,
// the time per call in each round.
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
				start := time.Now()
				for range part {
					fns[i]()
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

// median returns the median of xs.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// spreadOf returns the min / median / max of xs, each in format.
func spreadOf(format string, xs []float64) string {
	s := slices.Clone(xs)
	slices.Sort(s)
	return fmt.Sprintf(format+" / "+format+" / "+format, s[0], s[len(s)/2], s[len(s)-1])
}
