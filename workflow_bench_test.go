package contactcenter_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/workflow"
)

// benchWorkflows returns n workflows, of which matching trigger on a
// contact's message (with a condition that does not hold, so that each
// is evaluated and none runs) and the others on other events.
func benchWorkflows(n, matching int) []workflow.Definition {
	others := []workflow.Trigger{
		{On: workflow.OnTagAdded}, {On: workflow.OnConversationClosed}, {On: workflow.OnTicketClosed},
		{On: workflow.OnPresenceChanged}, {On: workflow.OnAssigned}, {On: workflow.OnFieldChanged},
	}
	out := make([]workflow.Definition, 0, n)
	for i := range n {
		d := workflow.Definition{Name: "w" + strconv.Itoa(i), Steps: []workflow.Step{{Do: workflow.Tag, Tag: "t" + strconv.Itoa(i)}}}
		if i < matching {
			d.Trigger = workflow.Trigger{On: workflow.OnMessageReceived}
			d.If = &workflow.Condition{Field: "message.text", Op: workflow.Contains, Value: "word" + strconv.Itoa(i)}
		} else {
			d.Trigger = others[i%len(others)]
			if d.Trigger.On == workflow.OnTagAdded {
				d.Trigger.Tag = "x" + strconv.Itoa(i)
			}
		}
		out = append(out, d)
	}
	return out
}

// benchInbound is an engine on a memory store with the given workflows,
// and a function that stores a contact's message in an open conversation
// of one of 50 contacts.
func benchInbound(b *testing.B, defs []workflow.Definition) func() {
	const contacts = 50
	eng, err := contactcenter.New(contactcenter.Config{Store: memory.New(), Publish: func(context.Context, conversation.Event) error { return nil }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = eng.Close() })
	if err := eng.PutChannel(bg, contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"},
		Transport: channel.NewMemoryTransport(fullCaps), By: conversation.Host()}); err != nil {
		b.Fatal(err)
	}
	for _, d := range defs {
		if _, err := eng.PublishWorkflow(bg, contactcenter.WorkflowPublishing{Workspace: ws, Definition: d, By: conversation.Host()}); err != nil {
			b.Fatal(err)
		}
	}
	next := 0
	receive := func() {
		next++
		_, err := eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u" + strconv.Itoa(next),
			From: contactcenter.Sender{ExternalID: "chat-" + strconv.Itoa(next%contacts)}, Text: "Hola, ¿dónde está mi pedido?"})
		if err != nil {
			b.Fatal(err)
		}
	}
	for range contacts {
		receive() // each contact's conversation is open
	}
	return receive
}

// BenchmarkWorkflowInbound compares, in one run, a contact's message on
// the memory store in a workspace without workflows and in one with 100
// (R16's goal: at most 1.2× the cost). Five of the 100 trigger on a
// contact's message and test its text, which does not match; the others
// trigger on other events. Each round (b.N of them) times 1,000 messages
// of each, interleaved in slices of 10, so that both are measured in the
// same moments; the figures are min / median / max over the rounds of
// the ratio with / without (logged with two rounds or more).
//
//	go test -run '^$' -bench WorkflowInbound$ -benchtime 200x .
func BenchmarkWorkflowInbound(b *testing.B) {
	const parts, part = 100, 10
	none := benchInbound(b, nil)
	hundred := benchInbound(b, benchWorkflows(100, 5))
	times := interleave(b, parts, part, none, hundred)
	noneTimes, withTimes := times[0], times[1]
	ratios := ratios(withTimes, noneTimes)
	b.ReportMetric(median(ratios), "with/none")
	b.ReportMetric(float64(medianDuration(noneTimes).Nanoseconds()), "ns/inbound-none")
	b.ReportMetric(float64(medianDuration(withTimes).Nanoseconds()), "ns/inbound-100")
	if b.N > 1 {
		b.Logf("%d rounds of %d messages each, min / median / max: none %s; 100 workflows %s; with / none %s",
			b.N, parts*part, spread(noneTimes), spread(withTimes), spreadRatio(ratios))
	}
}

// BenchmarkWorkflowInboundMatching shows that a message's cost grows with
// the workflows whose trigger matches it, not with all of them: a
// workspace without workflows, and four with 100, of which 0, 10, 50 or
// 100 trigger on a contact's message (with conditions that do not hold).
// The five are interleaved in slices of 10 messages within each round; the
// figures are the time per message, and its ratio to the workspace
// without workflows, min / median / max over the rounds.
//
//	go test -run '^$' -bench WorkflowInboundMatching -benchtime 100x .
func BenchmarkWorkflowInboundMatching(b *testing.B) {
	const parts, part = 50, 10
	counts := []int{0, 10, 50, 100}
	receives := []func(){benchInbound(b, nil)}
	for _, m := range counts {
		receives = append(receives, benchInbound(b, benchWorkflows(100, m)))
	}
	times := interleave(b, parts, part, receives...)
	b.ReportMetric(float64(medianDuration(times[0]).Nanoseconds()), "ns/inbound-none")
	if b.N > 1 {
		b.Logf("no workflows: %s per message", spread(times[0]))
	}
	for i, m := range counts {
		b.ReportMetric(float64(medianDuration(times[i+1]).Nanoseconds()), fmt.Sprintf("ns/inbound-%d", m))
		if b.N > 1 {
			b.Logf("%3d of 100 matching: %s per message; / no workflows %s", m, spread(times[i+1]), spreadRatio(ratios(times[i+1], times[0])))
		}
	}
}
