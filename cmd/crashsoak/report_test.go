package main

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/conversation"
)

// scene builds the input of analyse by hand: customers' messages, what the
// store kept, what the fake holds and what the proxies saw.
type scene struct {
	t0   time.Time
	a    analysis
	next map[int64]int // next message id per chat
}

func newScene(helpdesk bool) *scene {
	return &scene{t0: time.Unix(1_700_000_000, 0), next: map[int64]int{},
		a: analysis{helpdesk: helpdesk, rounds: 1, final: final{Convs: map[int64][]conversation.Message{},
			Chats: map[int64][]models.Message{}, Replied: map[string]bool{}}}}
}

func (s *scene) at(sec float64) time.Time { return s.t0.Add(time.Duration(sec * float64(time.Second))) }

func (s *scene) id(chat int64) int {
	s.next[chat]++
	return s.next[chat]
}

// customer sends text; stored says how often the store keeps it.
func (s *scene) customer(chat int64, text string, stored int) inbound {
	in := inbound{Round: 1, Customer: int(chat - firstCustomer), Chat: chat, Text: text, ID: s.id(chat), At: s.at(0)}
	s.a.inbound = append(s.a.inbound, in)
	for range stored {
		s.a.final.Convs[chat] = append(s.a.final.Convs[chat], conversation.Message{Direction: conversation.FromContact, Text: text})
	}
	return in
}

// reply stores the reply to in with state d.
func (s *scene) reply(in inbound, d conversation.Delivery) {
	s.a.final.Convs[in.Chat] = append(s.a.final.Convs[in.Chat], conversation.Message{Direction: conversation.ToContact,
		Text: replyText(in.Text), Delivery: d, Failure: "telegram: unavailable"})
}

// deliver puts text into chat at sec, sent by instance, and returns its key.
func (s *scene) deliver(chat int64, text, instance string, sec float64) key {
	k := key{chat, s.id(chat)}
	m := models.Message{ID: k.ID, Chat: models.Chat{ID: chat}, Text: text}
	if chat < 0 {
		s.a.final.Staff = append(s.a.final.Staff, m)
	} else {
		s.a.final.Chats[chat] = append(s.a.final.Chats[chat], m)
	}
	s.a.final.Sends = append(s.a.final.Sends, send{Instance: instance, Started: s.at(sec), Done: s.at(sec), Method: "sendmessage",
		Chat: chat, ID: k.ID, Text: text})
	return k
}

// copyOf puts a staff copy of in at sec.
func (s *scene) copyOf(in inbound, sec float64) key {
	k := s.deliver(staffChat, in.Text, "helpdesk#1", sec)
	sn := &s.a.final.Sends[len(s.a.final.Sends)-1]
	sn.Method, sn.Text, sn.FromChat, sn.FromID = "copymessage", "", in.Chat, in.ID
	return k
}

func (s *scene) crash(killSec, firstStored float64, inFlight ...key) {
	c := crash{Round: 1, Victim: "sqlite#1", Restarted: "sqlite#2", KilledAt: s.at(killSec), RestartAt: s.at(killSec),
		InFlight: map[key]bool{}, FirstStored: time.Duration(firstStored * float64(time.Second)), FirstRelayed: 100 * time.Millisecond,
		FirstReplied: 100 * time.Millisecond}
	for _, k := range inFlight {
		c.InFlight[k] = true
	}
	s.a.crashes = append(s.a.crashes, c)
}

func (s *scene) analyse() (Figures, []CrashFigures, int, []string) {
	perRound, total, without, _, failures := analyse(s.a)
	var crashes []CrashFigures
	for _, r := range perRound {
		if r.Crash != nil {
			crashes = append(crashes, *r.Crash)
		}
	}
	return total, crashes, without, failures
}

func TestAnalyseCountsEveryMessageOnce(t *testing.T) {
	s := newScene(false)
	for i := range 3 {
		in := s.customer(firstCustomer+int64(i), "r1 c00"+string(rune('1'+i))+" n001", 1)
		s.reply(in, conversation.DeliverySent)
		s.deliver(in.Chat, replyText(in.Text), "sqlite#1", 1)
	}
	total, _, without, failures := s.analyse()
	assert.Empty(t, failures)
	assert.Zero(t, without)
	assert.Equal(t, InboundFigures{Sent: 3, Stored: 3, StoredOnce: 3}, total.Inbound)
	assert.Equal(t, OutboundFigures{Expected: 3, Stored: 3, Delivered: 3}, total.Replies)
}

// A reply sent again after a crash that caught it between the send and
// its record is the one double a crash may cause.
func TestAnalyseDoubleOnItsWayAtTheKill(t *testing.T) {
	s := newScene(false)
	in := s.customer(firstCustomer, "r1 c001 n001", 1)
	s.reply(in, conversation.DeliverySent)
	first := s.deliver(in.Chat, replyText(in.Text), "sqlite#1", 1.0)
	s.deliver(in.Chat, replyText(in.Text), "sqlite#2", 4.5)
	s.crash(1.01, 0.5, first)
	total, crashes, _, failures := s.analyse()
	assert.Empty(t, failures)
	assert.Equal(t, 1, total.Replies.Doubled)
	require.Len(t, crashes, 1)
	assert.Equal(t, 1, crashes[0].Doubled)
	assert.Equal(t, 1, crashes[0].DoubledInFlight)
}

// A double of a message the killed process had recorded is a failure,
// and so are two doubles in one crash.
func TestAnalyseDoublesBeyondTheOneOnItsWay(t *testing.T) {
	s := newScene(false)
	a := s.customer(firstCustomer, "r1 c001 n001", 1)
	b := s.customer(firstCustomer+1, "r1 c002 n001", 1)
	s.reply(a, conversation.DeliverySent)
	s.reply(b, conversation.DeliverySent)
	s.deliver(a.Chat, replyText(a.Text), "sqlite#1", 0.2)
	s.deliver(b.Chat, replyText(b.Text), "sqlite#1", 0.3)
	s.crash(1, 0.5)
	s.deliver(a.Chat, replyText(a.Text), "sqlite#2", 2)
	s.deliver(b.Chat, replyText(b.Text), "sqlite#2", 2)
	_, crashes, _, failures := s.analyse()
	require.Len(t, crashes, 1)
	assert.Equal(t, 2, crashes[0].Doubled)
	assert.Zero(t, crashes[0].DoubledInFlight)
	assert.Contains(t, strings.Join(failures, "\n"), "2 messages doubled (acceptance: at most 1 per crash)")
	assert.Contains(t, strings.Join(failures, "\n"), "2 doubled messages were not on their way at the kill")
}

func TestAnalyseDoubleWithoutACrash(t *testing.T) {
	s := newScene(false)
	in := s.customer(firstCustomer, "r1 c001 n001", 1)
	s.reply(in, conversation.DeliverySent)
	s.deliver(in.Chat, replyText(in.Text), "sqlite#1", 1)
	s.deliver(in.Chat, replyText(in.Text), "sqlite#1", 2)
	_, _, without, failures := s.analyse()
	assert.Equal(t, 1, without)
	assert.Contains(t, strings.Join(failures, "\n"), "doubled with no crash")
}

// What is lost is counted with what the store shows about it.
func TestAnalyseLostAndWhy(t *testing.T) {
	s := newScene(false)
	s.customer(firstCustomer, "r1 c001 n001", 0)
	pending := s.customer(firstCustomer+1, "r1 c002 n001", 1)
	s.reply(pending, conversation.DeliveryPending)
	s.customer(firstCustomer+2, "r1 c003 n001", 1)
	total, _, _, failures := s.analyse()
	assert.Equal(t, 1, total.Inbound.Lost)
	assert.Equal(t, 3, total.Replies.Lost)
	assert.Equal(t, map[string]int{
		"inbound: not stored":       1,
		"reply: inbound not stored": 1,
		"reply: stored, still pending after 0 attempts: telegram: unavailable": 1,
		"reply: never stored (the agent answers from message.received)":        1,
	}, total.LostWhy)
	assert.Contains(t, strings.Join(failures, "\n"), "1 inbound messages lost")
	assert.Contains(t, strings.Join(failures, "\n"), "3 replies never reached the customer")
}

// A restart that stores nothing, or the first message late, fails.
func TestAnalyseFirstMessageAfterARestart(t *testing.T) {
	saved := maxFirstHandled
	maxFirstHandled = 5 * time.Second // the command's bound
	defer func() { maxFirstHandled = saved }()
	for _, c := range []struct {
		stored float64
		want   string
	}{{-1, "no message stored after the restart"}, {6.2, "first message stored 6.2s after the restart"}, {0.3, ""}} {
		s := newScene(false)
		in := s.customer(firstCustomer, "r1 c001 n001", 1)
		s.reply(in, conversation.DeliverySent)
		s.deliver(in.Chat, replyText(in.Text), "sqlite#2", 3)
		s.crash(1, c.stored)
		_, _, _, failures := s.analyse()
		if c.want == "" {
			assert.Empty(t, failures)
			continue
		}
		assert.Contains(t, strings.Join(failures, "\n"), c.want)
	}
}

// The help desk's staff copies and headers count as outbound messages.
func TestAnalyseStaffCopies(t *testing.T) {
	s := newScene(true)
	a := s.customer(firstCustomer, "r1 c001 n001", 1)
	b := s.customer(firstCustomer, "r1 c001 n002", 1)
	s.deliver(staffChat, "#1 · c001 · en\nr1 c001 n001\nReply to answer", "helpdesk#1", 0.1)
	first := s.copyOf(a, 0.2)
	s.crash(0.21, 0.4, first)
	s.copyOf(a, 1)
	s.deliver(staffChat, "#1 · c001 · en\nr1 c001 n001\nReply to answer", "helpdesk#2", 1.1)
	for _, in := range []inbound{a, b} {
		s.reply(in, conversation.DeliverySent)
		s.deliver(in.Chat, replyText(in.Text), "helpdesk#2", 2)
	}
	total, crashes, _, failures := s.analyse()
	assert.Equal(t, OutboundFigures{Expected: 2, Delivered: 1, Lost: 1, Doubled: 1}, *total.Copies)
	assert.Equal(t, OutboundFigures{Expected: 1, Delivered: 1, Doubled: 1}, *total.Headers)
	assert.Equal(t, 1, total.LostWhy["staff copy: stored, never relayed"])
	require.Len(t, crashes, 1)
	assert.Equal(t, 2, crashes[0].Doubled)
	assert.Equal(t, 1, crashes[0].DoubledInFlight, "the copy was on its way, the header was recorded")
	assert.Contains(t, strings.Join(failures, "\n"), "1 customer messages never copied to the staff group")
}

func TestHeaderCustomer(t *testing.T) {
	assert.Equal(t, "c007", headerCustomer("#12 · c007 · en\nsubject\nReply to answer"))
	assert.Equal(t, "", headerCustomer("r1 c007 n001"))
	assert.Equal(t, "", headerCustomer("#12 without dots"))
}

// The proxy reads the sends of go-telegram/bot (multipart) and of the
// adapter's own JSON requests.
func TestParseSend(t *testing.T) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range map[string]string{"chat_id": "-100777", "from_chat_id": "5001", "message_id": "12"} {
		require.NoError(t, w.WriteField(k, v))
	}
	require.NoError(t, w.Close())
	s, ok := parseSend("copymessage", w.FormDataContentType(), body.Bytes(), []byte(`{"ok":true,"result":{"message_id":40}}`))
	require.True(t, ok)
	assert.Equal(t, send{Method: "copymessage", Chat: -100777, ID: 40, FromChat: 5001, FromID: 12}, s)

	s, ok = parseSend("sendmessage", "application/json", []byte(`{"chat_id":5001,"text":"re x"}`),
		[]byte(`{"ok":true,"result":{"message_id":3,"chat":{"id":5001},"text":"re x"}}`))
	require.True(t, ok)
	assert.Equal(t, send{Method: "sendmessage", Chat: 5001, ID: 3, Text: "re x"}, s)

	_, ok = parseSend("sendmessage", "application/json", nil, []byte(`{"ok":false,"error_code":429}`))
	assert.False(t, ok, "refused sends are not deliveries")
}

// A reply the desk answered as not delivered is lost, and the report says
// so.
func TestAnalyseReplyNotDelivered(t *testing.T) {
	s := newScene(true)
	in := s.customer(firstCustomer, "r1 c001 n001", 1)
	s.deliver(staffChat, "#1 · c001 · en\nr1 c001 n001\nReply to answer", "helpdesk#1", 0.1)
	s.copyOf(in, 0.2)
	s.a.final.Replied[in.Text] = true
	s.deliver(staffChat, "Not delivered: the message you replied to is not part of a conversation.", "helpdesk#1", 0.5)
	s.a.final.Staff[len(s.a.final.Staff)-1].ReplyToMessage = &models.Message{Text: replyText(in.Text)}
	perRound, total, _, notes, failures := analyse(s.a)
	require.Len(t, perRound, 1)
	assert.Equal(t, 1, total.Replies.Lost)
	assert.Equal(t, map[string]int{"reply: an agent answered the staff copy; the desk answered that it was not delivered": 1}, total.LostWhy)
	assert.Contains(t, notes, "the desk answered 1 staff replies that they were not delivered")
	assert.Contains(t, strings.Join(failures, "\n"), "1 replies never reached the customer")
}
