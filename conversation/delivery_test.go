package conversation_test

import (
	"testing"
	"time"

	cv "github.com/telenet/contactcenter/conversation"
)

// pending returns an outbound agent message waiting for the channel (R18).
func pending() cv.Message {
	return cv.Message{
		ID:           "r1",
		Workspace:    ws,
		Conversation: "c1",
		Ticket:       "t1",
		Channel:      "tg",
		Direction:    cv.ToContact,
		Author:       cv.Author{Kind: cv.AuthorAgent, Agent: "alice"},
		Kind:         cv.KindText,
		Text:         "Hola",
		CreatedAt:    t0,
		Delivery:     cv.DeliveryPending,
		NextAttempt:  t0,
		Version:      1,
	}
}

// R18: claiming counts the attempt and hides the message until the claim
// expires.
func TestClaim(t *testing.T) {
	m := pending()
	before := cloneMessage(m)
	until := now.Add(30 * time.Second)

	ch, err := cv.Claim(&m, until)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if ch.MessageWrite != cv.Update || ch.ConversationWrite != cv.Keep || ch.TicketWrite != cv.Keep {
		t.Errorf("writes = msg %v conv %v ticket %v", ch.MessageWrite, ch.ConversationWrite, ch.TicketWrite)
	}
	want := cloneMessage(before)
	want.Attempts = 1
	want.NextAttempt = until
	want.Version = 2
	unchanged(t, "claimed message", want, ch.Message)
	if len(ch.Events()) != 0 {
		t.Errorf("Claim published %v, want no events", types(&ch))
	}
	unchanged(t, "input message", before, m)

	// A second claim (after the first expired) counts another attempt.
	m2 := ch.Message
	ch2, err := cv.Claim(&m2, until.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if ch2.Message.Attempts != 2 || ch2.Message.Version != 3 || !ch2.Message.NextAttempt.Equal(until.Add(time.Minute)) {
		t.Errorf("second claim = %+v", ch2.Message)
	}
}

// R18, R8: the channel's reference is kept so the message can be edited.
func TestSent(t *testing.T) {
	m := pending()
	m.Attempts = 2
	m.Failure = "timeout"
	m.NextAttempt = now.Add(time.Minute)
	before := cloneMessage(m)

	ch, err := cv.Sent(&m, "4711", now)
	if err != nil {
		t.Fatalf("Sent: %v", err)
	}
	want := cloneMessage(before)
	want.Delivery = cv.DeliverySent
	want.ExternalID = "4711"
	want.NextAttempt = time.Time{}
	want.Failure = ""
	want.Version = before.Version + 1
	unchanged(t, "sent message", want, ch.Message)
	if ch.MessageWrite != cv.Update {
		t.Errorf("MessageWrite = %v, want Update", ch.MessageWrite)
	}
	wantEvents(t, &ch, cv.EventMessageSent)
	if e := ch.Events()[0]; e.Message != "r1" || e.Agent != "alice" || e.Conversation != "c1" || e.Ticket != "t1" {
		t.Errorf("event = %+v", e)
	}
	unchanged(t, "input message", before, m)
}

// R18: a definite refusal fails the message; it is not retried.
func TestFailed(t *testing.T) {
	m := pending()
	m.Attempts = 1
	m.NextAttempt = now.Add(time.Minute)
	before := cloneMessage(m)

	ch, err := cv.Failed(&m, "Forbidden: bot was blocked by the user", now)
	if err != nil {
		t.Fatalf("Failed: %v", err)
	}
	want := cloneMessage(before)
	want.Delivery = cv.DeliveryFailed
	want.NextAttempt = time.Time{}
	want.Failure = "Forbidden: bot was blocked by the user"
	want.Version = before.Version + 1
	unchanged(t, "failed message", want, ch.Message)
	if ch.MessageWrite != cv.Update {
		t.Errorf("MessageWrite = %v, want Update", ch.MessageWrite)
	}
	wantEvents(t, &ch, cv.EventMessageFailed)
	if e := ch.Events()[0]; e.Message != "r1" || e.Agent != "alice" || e.Conversation != "c1" || e.Ticket != "t1" {
		t.Errorf("event = %+v", e)
	}
	unchanged(t, "input message", before, m)
}

// R18: a temporary failure keeps the message pending until next.
func TestRetry(t *testing.T) {
	m := pending()
	m.Attempts = 1
	before := cloneMessage(m)
	next := now.Add(2 * time.Minute)

	ch, err := cv.Retry(&m, "429 Too Many Requests", next)
	if err != nil {
		t.Fatalf("Retry: %v", err)
	}
	want := cloneMessage(before)
	want.NextAttempt = next
	want.Failure = "429 Too Many Requests"
	want.Version = before.Version + 1
	unchanged(t, "retried message", want, ch.Message)
	if ch.Message.Delivery != cv.DeliveryPending || ch.Message.Attempts != 1 {
		t.Errorf("Retry changed delivery %v or attempts %d", ch.Message.Delivery, ch.Message.Attempts)
	}
	if ch.MessageWrite != cv.Update {
		t.Errorf("MessageWrite = %v, want Update", ch.MessageWrite)
	}
	if len(ch.Events()) != 0 {
		t.Errorf("Retry published %v, want no events", types(&ch))
	}
	unchanged(t, "input message", before, m)
}

// R18: only pending outbound messages can be claimed, sent, failed or
// retried.
func TestDeliveryRefused(t *testing.T) {
	inbound := pending()
	inbound.Direction = cv.FromContact
	inbound.Author = cv.Author{Kind: cv.AuthorContact}
	inbound.Delivery = cv.DeliveryNone
	inbound.ExternalID = "upd-1"

	inboundPending := pending() // inconsistent, but not outbound
	inboundPending.Direction = cv.FromContact

	noDirection := pending()
	noDirection.Direction = 0

	sent := pending()
	sent.Delivery = cv.DeliverySent
	sent.ExternalID = "99"

	failed := pending()
	failed.Delivery = cv.DeliveryFailed
	failed.Failure = "blocked"

	none := pending()
	none.Delivery = cv.DeliveryNone

	msgs := []struct {
		name string
		m    cv.Message
	}{
		{"inbound", inbound},
		{"inbound marked pending", inboundPending},
		{"no direction", noDirection},
		{"already sent", sent},
		{"already failed", failed},
		{"outbound without delivery state", none},
	}
	ops := []struct {
		name string
		do   func(*cv.Message) (cv.Change, error)
	}{
		{"Claim", func(m *cv.Message) (cv.Change, error) { return cv.Claim(m, now) }},
		{"Sent", func(m *cv.Message) (cv.Change, error) { return cv.Sent(m, "ref", now) }},
		{"Failed", func(m *cv.Message) (cv.Change, error) { return cv.Failed(m, "why", now) }},
		{"Retry", func(m *cv.Message) (cv.Change, error) { return cv.Retry(m, "why", now) }},
	}
	for _, op := range ops {
		for _, tt := range msgs {
			t.Run(op.name+"/"+tt.name, func(t *testing.T) {
				m := cloneMessage(tt.m)
				before := cloneMessage(m)
				ch, err := op.do(&m)
				wantErr(t, &ch, err, cv.ErrInvalid, "invalid")
				unchanged(t, "message", before, m)
			})
		}
	}
}

// R10, R18: a reply's whole delivery: queued, claimed, retried, claimed
// again and accepted; then nothing more can happen to it.
func TestDeliveryLifecycle(t *testing.T) {
	c := assignedConv("alice")
	by := alice
	ch, err := cv.Reply(&c, &by, textReply("r1", "hola"), now)
	if err != nil {
		t.Fatal(err)
	}
	m := ch.Message
	steps := []struct {
		name string
		do   func(*cv.Message) (cv.Change, error)
	}{
		{"claim", func(m *cv.Message) (cv.Change, error) { return cv.Claim(m, now.Add(time.Minute)) }},
		{"retry", func(m *cv.Message) (cv.Change, error) { return cv.Retry(m, "unavailable", now.Add(2*time.Minute)) }},
		{"claim again", func(m *cv.Message) (cv.Change, error) { return cv.Claim(m, now.Add(3*time.Minute)) }},
		{"sent", func(m *cv.Message) (cv.Change, error) { return cv.Sent(m, "ref-7", now.Add(3*time.Minute)) }},
	}
	for _, s := range steps {
		ch, err := s.do(&m)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if ch.Message.Version != m.Version+1 {
			t.Errorf("%s: Version = %d, want %d", s.name, ch.Message.Version, m.Version+1)
		}
		m = ch.Message
	}
	if m.Delivery != cv.DeliverySent || m.Attempts != 2 || m.ExternalID != "ref-7" || m.Failure != "" || m.Version != 5 {
		t.Errorf("final message = %+v", m)
	}
	if _, err := cv.Claim(&m, now.Add(time.Hour)); err == nil {
		t.Error("Claim of a sent message succeeded")
	}
	if _, err := cv.Sent(&m, "ref-8", now.Add(time.Hour)); err == nil {
		t.Error("second Sent succeeded: a message would be recorded twice (R18)")
	}
}
