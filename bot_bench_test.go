package contactcenter_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/internal/faqbench"
	"github.com/telenet/contactcenter/store/sqlite"
)

// BenchmarkFAQTurnVersusSQLiteInbound compares, in one run, a turn of the
// FAQ bot over 1,000 entries with storing a contact's message on SQLite
// (R2's goal: the bot's turn costs less than the message it answers).
// Each round (b.N of them) times 200 turns and 200 inbound messages to
// open conversations of 50 contacts on a SQLite file, interleaved in
// slices of 20, so that both are measured in the same moments; the
// figures are min / median / max over the rounds of the time per
// operation, and of the ratio turn / inbound within a round (logged with
// two rounds or more).
//
//	go test -run '^$' -bench FAQTurnVersusSQLiteInbound -benchtime 15x .
func BenchmarkFAQTurnVersusSQLiteInbound(b *testing.B) {
	const parts, part, contacts = 10, 20, 50
	bot, turns, err := faqbench.Bot(1000, 64)
	if err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.Open(bg, filepath.Join(b.TempDir(), "cc.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng, err := contactcenter.New(contactcenter.Config{Store: st, Publish: func(context.Context, conversation.Event) error { return nil }})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	if err := eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"},
		Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}); err != nil {
		b.Fatal(err)
	}
	next := 0
	receive := func() {
		next++
		_, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u" + strconv.Itoa(next),
			From: contactcenter.Sender{ExternalID: "chat-" + strconv.Itoa(next%contacts)}, Text: "¿Cuánto tarda el envío a Rosario?"})
		if err != nil {
			b.Fatal(err)
		}
	}
	for range contacts {
		receive() // each contact's conversation is open
	}
	ctx := context.Background()
	asked := 0
	turn := func() {
		asked++
		if _, err := bot.Turn(ctx, turns[asked%len(turns)]); err != nil {
			b.Fatal(err)
		}
	}
	times := interleave(b, parts, part, turn, receive)
	turnTimes, inTimes := times[0], times[1]
	ratios := ratios(turnTimes, inTimes)
	b.ReportMetric(median(ratios), "turn/inbound")
	b.ReportMetric(float64(medianDuration(turnTimes).Nanoseconds()), "ns/turn")
	b.ReportMetric(float64(medianDuration(inTimes).Nanoseconds()), "ns/inbound")
	if b.N > 1 {
		b.Logf("%d rounds of %d turns and %d inbound messages, min / median / max: turn %s; inbound on SQLite %s; turn / inbound %s",
			b.N, parts*part, parts*part, spread(turnTimes), spread(inTimes), spreadRatio(ratios))
	}
}

// medianDuration returns the median of ds.
func medianDuration(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
