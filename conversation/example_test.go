package conversation_test

import (
	"fmt"
	"time"

	"github.com/telenet/contactcenter/conversation"
)

// The rules are pure functions: given the state and the input they return
// the change to store and the events to publish, without a store or a
// clock (R9, R10).
func ExampleReceive() {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	// A contact with no conversation on the channel: R9 needs a new ticket.
	st := conversation.InboundState{NewConversation: "c1"}
	fmt.Println("needs ticket:", st.NeedsTicket())
	st.NewTicket, st.NewTicketNumber = "t1", 1432

	ch, err := conversation.Receive(&st, &conversation.Inbound{
		Workspace: "acme", Contact: "lucia", ContactExternalID: "chat-42",
		Message: conversation.Message{ID: "m1", Channel: "tg", ExternalID: "update-1", Kind: conversation.KindText, Text: "Where is my order?"},
	}, now)
	if err != nil {
		panic(err)
	}
	fmt.Printf("ticket #%d %q\n", ch.Ticket.Number, ch.Ticket.Subject)
	for _, e := range ch.Events() {
		fmt.Println(e.Type)
	}

	// An agent replies: the waiting conversation becomes theirs.
	conv := ch.Conversation
	ana := conversation.Agent{ID: "ana", Workspace: "acme"}
	ch, err = conversation.Reply(&conv, &ana, conversation.Message{ID: "m2", Kind: conversation.KindText, Text: "Checking now."}, now.Add(time.Minute))
	if err != nil {
		panic(err)
	}
	fmt.Println("assignee:", ch.Conversation.Assignee, "delivery:", ch.Message.Delivery)
	// Output:
	// needs ticket: true
	// ticket #1432 "Where is my order?"
	// ticket.opened
	// conversation.opened
	// message.received
	// assignee: ana delivery: pending
}
