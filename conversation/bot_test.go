package conversation_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	cv "github.com/telenet/contactcenter/conversation"
)

// heldConv returns an open conversation the bot "faq" holds.
func heldConv() cv.Conversation {
	c := waitingConv()
	c.Bot, c.WaitingSince = "faq", time.Time{}
	return c
}

// R2, R9: a new conversation on a bot's channel is held by the bot, not in
// the queue; the events of its contact input name the bot.
func TestReceiveOnABotChannelHolds(t *testing.T) {
	s := cv.InboundState{NewConversation: "c9", NewTicket: "t9", NewTicketNumber: 9}
	in := cv.Inbound{Workspace: ws, Contact: "k1", ContactExternalID: "555", Bot: "faq",
		Message: cv.Message{ID: "m1", Channel: "tg", ExternalID: "u1", Kind: cv.KindText, Text: "hola"}}
	ch, err := cv.Receive(&s, &in, now)
	if err != nil {
		t.Fatal(err)
	}
	c := ch.Conversation
	if !c.Held() || c.Waiting() || c.Bot != "faq" || !c.WaitingSince.IsZero() {
		t.Fatalf("held %t waiting %t bot %q since %v", c.Held(), c.Waiting(), c.Bot, c.WaitingSince)
	}
	for _, e := range ch.Events() {
		if (e.Type == cv.EventConversationOpened || e.Type == cv.EventMessageReceived) && e.Bot != "faq" {
			t.Errorf("%s does not name the bot", e.Type)
		}
	}
	open := cv.InboundState{Open: c, HasOpen: true}
	in.Message.ID, in.Message.ExternalID = "m2", "u2"
	ch, err = cv.Receive(&open, &in, now)
	if err != nil {
		t.Fatal(err)
	}
	if ev := ch.Events()[0]; ev.Type != cv.EventMessageReceived || ev.Bot != "faq" {
		t.Fatalf("a message to a held conversation: %+v", ev)
	}
	c.Bot = ""
	open = cv.InboundState{Open: c, HasOpen: true}
	in.Message.ID, in.Message.ExternalID = "m3", "u3"
	ch, err = cv.Receive(&open, &in, now)
	if err != nil {
		t.Fatal(err)
	}
	if ev := ch.Events()[0]; ev.Bot != "" {
		t.Fatalf("a conversation no bot holds: %+v", ev)
	}
}

// R2: the bot hands off to the queue of a team, or to an agent, with a
// note; it turns itself off; what is not the bot's to hand off is refused.
func TestHandOff(t *testing.T) {
	c := heldConv()
	ch, err := cv.HandOff(&c, cv.AsBot("faq"), cv.BotRelease{To: &support, Note: "refund"}, now)
	if err != nil {
		t.Fatal(err)
	}
	got := ch.Conversation
	if got.Held() || !got.Waiting() || got.Team != "support" || !got.WaitingSince.Equal(now) || got.Version != c.Version+1 {
		t.Fatalf("after the hand-off: %+v", got)
	}
	wantEvents(t, &ch, cv.EventBotHandedOff)
	if e := ch.Events()[0]; e.Detail != "refund" || e.Bot != "faq" || e.Team != "support" {
		t.Fatalf("event %+v", e)
	}
	ch, err = cv.HandOff(&c, cv.AsBot("faq"), cv.BotRelease{Agent: &alice, Note: "VIP"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Conversation.Assignee != "alice" || ch.Conversation.Waiting() {
		t.Fatalf("to an agent: %+v", ch.Conversation)
	}
	wantEvents(t, &ch, cv.EventBotHandedOff, cv.EventConversationAssigned)
	ch, err = cv.HandOff(&c, cv.System(), cv.BotRelease{TurnOff: true, Reason: cv.ReasonBotFailed}, now)
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, &ch, cv.EventBotTurnedOff)
	if ch.Events()[0].Reason != cv.ReasonBotFailed || ch.Conversation.Team != "" {
		t.Fatalf("%+v", ch.Events()[0])
	}

	w := waitingConv()
	for name, tc := range map[string]struct {
		c   cv.Conversation
		r   cv.BotRelease
		err error
	}{
		"no bot holds it":   {w, cv.BotRelease{}, cv.ErrInvalid},
		"closed":            {closedConv(), cv.BotRelease{}, cv.ErrClosed},
		"long note":         {c, cv.BotRelease{Note: strings.Repeat("n", cv.MaxBotNoteLen+1)}, cv.ErrInvalid},
		"NUL in note":       {c, cv.BotRelease{Note: "a\x00b"}, cv.ErrInvalid},
		"team elsewhere":    {c, cv.BotRelease{To: &otherTeam}, cv.ErrTeamNotFound},
		"agent elsewhere":   {c, cv.BotRelease{Agent: &otherAgent}, cv.ErrAgentNotFound},
		"a contact may not": {c, cv.BotRelease{}, cv.ErrForbidden},
	} {
		by := cv.AsBot("faq")
		if name == "a contact may not" {
			by = cv.AsContact("k1")
		}
		ch, err := cv.HandOff(&tc.c, by, tc.r, now)
		if !errors.Is(err, tc.err) || !ch.Empty() {
			t.Errorf("%s: %v, want %v and no change", name, err, tc.err)
		}
	}
}

// R2, R10, R11: an agent's reply, an assignment and a transfer take a held
// conversation from the bot (bot.taken_over); the bot's own assignment is
// its hand-off, with no taken_over.
func TestHumansTakeHeldConversations(t *testing.T) {
	c := heldConv()
	ch, err := cv.Reply(&c, &bob, cv.Message{ID: "r1", Kind: cv.KindText, Text: "Bob here"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Conversation.Held() || ch.Conversation.Assignee != "bob" {
		t.Fatalf("after the reply: %+v", ch.Conversation)
	}
	wantEvents(t, &ch, cv.EventConversationAssigned, cv.EventBotTakenOver, cv.EventMessageQueued)
	if e := ch.Events()[1]; e.Agent != "bob" || e.Bot != "faq" {
		t.Fatalf("taken over: %+v", e)
	}
	ch, err = cv.Assign(&c, host, &alice, now)
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, &ch, cv.EventConversationAssigned, cv.EventBotTakenOver)
	ch, err = cv.TransferToTeam(&c, host, &sales, now)
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Conversation.Waiting() {
		t.Fatalf("transferred: %+v", ch.Conversation)
	}
	wantEvents(t, &ch, cv.EventConversationTransferred, cv.EventBotTakenOver)
	ch, err = cv.Assign(&c, cv.AsBot("faq"), &alice, now)
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, &ch, cv.EventConversationAssigned)
	if ch.Conversation.Bot != "" {
		t.Fatal("the bot's assignment ends its hold")
	}
}

// R2: a conversation goes back to a bot, out of the queue and its
// assignee's hands; giving it to the bot that holds it is a no-op.
func TestHandToBot(t *testing.T) {
	c := assignedConv("alice")
	ch, err := cv.HandToBot(&c, cv.By(alice), "faq", "", now)
	if err != nil {
		t.Fatal(err)
	}
	got := ch.Conversation
	if !got.Held() || got.Assignee != "" || got.Waiting() {
		t.Fatalf("handed to the bot: %+v", got)
	}
	wantEvents(t, &ch, cv.EventBotResumed)
	if e := ch.Events()[0]; e.Previous != "alice" || e.Bot != "faq" {
		t.Fatalf("%+v", e)
	}
	if ch, err := cv.HandToBot(&got, host, "faq", "", now); err != nil || !ch.Empty() {
		t.Fatalf("again: %v %v", err, ch.Empty())
	}
	for name, tc := range map[string]struct {
		c   cv.Conversation
		bot string
		by  cv.Actor
		err error
	}{
		"no bot":        {c, "", host, cv.ErrInvalid},
		"closed":        {closedConv(), "faq", host, cv.ErrClosed},
		"another agent": {c, "faq", cv.AsAgent("bob"), cv.ErrForbidden},
	} {
		by := tc.by
		if by.Kind == cv.ActorAgent {
			by = cv.By(bob)
		}
		if _, err := cv.HandToBot(&tc.c, by, tc.bot, "", now); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", name, err, tc.err)
		}
	}
}

// R2, R7, R18: a bot's message is stored with author bot, pending for the
// channel, and is no activity between contact and agent.
func TestAddBotMessage(t *testing.T) {
	c := heldConv()
	ch := cv.Change{Conversation: c}
	if err := ch.AddBotMessage(cv.Message{ID: "b1", Text: "hola"}, now); err != nil {
		t.Fatal(err)
	}
	if err := ch.AddBotMessage(cv.Message{ID: "b2", Attachments: []cv.Attachment{{Name: "menu.pdf", Ref: "r", Size: 10}}}, now); err != nil {
		t.Fatal(err)
	}
	ms := ch.Automatic()
	if len(ms) != 2 || ms[0].Author.Kind != cv.AuthorBot || ms[0].Delivery != cv.DeliveryPending || ms[0].Direction != cv.ToContact || ms[1].Kind != cv.KindFile {
		t.Fatalf("%+v", ms)
	}
	if ch.ConversationWrite != cv.Keep || !ch.Conversation.LastActivity.Equal(c.LastActivity) {
		t.Fatal("R7: a bot message leaves the conversation as it was")
	}
	wantEvents(t, &ch, cv.EventMessageQueued, cv.EventMessageQueued)
	for name, m := range map[string]cv.Message{
		"no id":     {Text: "x"},
		"empty":     {ID: "b3"},
		"too large": {ID: "b4", Attachments: []cv.Attachment{{Name: "big", Ref: "r", Size: cv.MaxAttachmentSize + 1}}},
	} {
		if err := ch.AddBotMessage(m, now); !errors.Is(err, cv.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	var none cv.Change
	if err := none.AddBotMessage(cv.Message{ID: "b5", Text: "x"}, now); !errors.Is(err, cv.ErrInvalid) {
		t.Errorf("without a conversation: %v", err)
	}
}
