package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The tour tells the scenario of the README in plain words, and the same
// way every run: the help desk's day, then a conversation the FAQ bot
// holds and hands to a human (R2), and a workflow that sends a message
// about an invoice to team billing, its run's history and a dry run
// (R16).
func TestTour(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"Ticket #1 is opened for her; the conversation is unassigned and waits.",
		"The queue holds 1 waiting conversation(s).",
		"Assignee: ana.",
		"His message is delivered, but the conversation stays Ana's.",
		`(Lucía's phone shows: "Bruno here, Ana is on it.")`,
		`Conversation closed, reason "agent", note "shipping"`,
		"Ticket #1 stays open until someone closes it.",
		"A new conversation opens on the same open ticket #1 (new ticket: false), unassigned.",
		"Duplicate: true; the new conversation holds 1 message(s).",
		"End of the day at the help desk: 2 message(s) went out through the channel.",
		`The bot "faq" answered; it still holds the conversation: true. It is not in the agents' queue, which holds Lucía's alone:`,
		`(Pedro's screen shows: "Atendemos de lunes a viernes de 9 a 18 h y los sábados de 10 a 14 h.")`,
		`The bot's note for the agent: FAQ bot: the contact asked for a person: "Gracias. Quiero hablar con un humano, por favor"`,
		"Held by a bot: false; waiting in the queue: true.",
		"The queue holds 2 waiting conversation(s).",
		"Assignee: bruno.",
		`Workflow "billing", version 1, enabled: true.`,
		"Ticket #3 went to team billing with priority high; it waits in the team's queue, unassigned: true.",
		"     12:21: workflow \"billing\" version 1, started by message.received, done.\n" +
			"       if message.text contains \"factura\": true\n" +
			"       step 1, assign: done\n" +
			"       step 2, set_priority: done\n",
		`"billing": triggered true, would start false (the conditions do not hold).`,
		`message.text "It arrived, but the box is damaged" contains "factura": false`,
		"Lucía's conversation keeps no team: true.",
		"End of the tour: the web chat holds 6 message(s), 3 of them the bot's; 4 went out there.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the tour does not say %q; it says:\n%s", want, text)
		}
	}
	if strings.Count(text, "Assignee: ana.") != 2 {
		t.Errorf("the assignee should stay ana after Bruno's reply:\n%s", text)
	}
	if !strings.HasSuffix(text, "End of the tour: the web chat holds 6 message(s), 3 of them the bot's; 4 went out there.\n") {
		t.Errorf("the tour does not end with its last line:\n%s", text)
	}
	var again bytes.Buffer
	if err := run(context.Background(), &again); err != nil {
		t.Fatal(err)
	}
	if again.String() != text {
		t.Error("the tour differs between runs")
	}
}
