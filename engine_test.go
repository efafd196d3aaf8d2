package contactcenter_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/memory"
	"github.com/telenet/contactcenter/ticket"
)

var bg = context.Background()

func TestNewRequiresStore(t *testing.T) {
	_, err := contactcenter.New(contactcenter.Config{})
	require.Error(t, err)
	assert.ErrorIs(t, err, contactcenter.ErrInvalid)
	assert.Equal(t, contactcenter.CodeInvalid, contactcenter.ErrorCode(err))
}

// R1: a misconfigured channel is refused when it is configured.
func TestPutChannelValidates(t *testing.T) {
	f := newFixture(t)
	tr := channel.NewMemoryTransport(fullCaps)
	for name, c := range map[string]channel.Channel{
		"no id":        {Workspace: ws, Kind: channel.KindTelegram, Account: "bot"},
		"no workspace": {ID: "x", Kind: channel.KindTelegram, Account: "bot"},
		"no kind":      {ID: "x", Workspace: ws, Account: "bot"},
		"no account":   {ID: "x", Workspace: ws, Kind: channel.KindTelegram},
	} {
		err := f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: c, Transport: tr, By: conversation.Host()})
		assert.ErrorIs(t, err, channel.ErrInvalid, name)
		assert.ErrorIs(t, err, contactcenter.ErrInvalid, name)
	}
	err := f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "x", Workspace: ws, Kind: channel.KindTelegram, Account: "no-such-bot"}, By: conversation.Host()})
	assert.ErrorIs(t, err, channel.ErrInvalid, "no transport")
	assert.ErrorIs(t, err, channel.ErrNoTransport)
	assert.Contains(t, err.Error(), "no-such-bot")
	err = f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "x", Workspace: ws, Kind: channel.KindTelegram, Account: "bot"}, Transport: channel.NewMemoryTransport(channel.Capabilities{}), By: conversation.Host()})
	assert.ErrorIs(t, err, channel.ErrInvalid, "a transport without text")

	err = f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "x", Workspace: ws, Kind: channel.KindTelegram, Account: "stolen-bot"}, Transport: channel.NewMemoryTransport(fullCaps, "support-bot", "sales-bot"), By: conversation.Host()})
	assert.ErrorIs(t, err, channel.ErrInvalid, "an account the transport does not know")
	assert.Contains(t, err.Error(), "stolen-bot")

	_, err = f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "x", ExternalID: "1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	assert.ErrorIs(t, err, channel.ErrNotFound, "a refused channel is not configured")
	require.NoError(t, f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "x", Workspace: ws, Kind: channel.KindTelegram, Account: "sales-bot"}, Transport: channel.NewMemoryTransport(fullCaps, "support-bot", "sales-bot"), By: conversation.Host()}))
}

// R9: the first message of a new contact opens a ticket and a waiting
// conversation; the next ones join it.
func TestReceiveOpensTicketAndConversation(t *testing.T) {
	f := newFixture(t)
	r := f.write(t, "chat-1", "u1", "My order is late\nIt was due Monday")
	assert.True(t, r.Opened)
	assert.True(t, r.NewTicket)
	assert.False(t, r.Duplicate)
	assert.Equal(t, "Contact chat-1", r.Contact.Name)
	assert.Equal(t, "es", r.Contact.Language)
	c := r.Conversation
	assert.Equal(t, conversation.Open, c.State)
	assert.True(t, c.Waiting())
	assert.Equal(t, t0, c.WaitingSince)
	assert.Equal(t, ticket.Number(1), c.TicketNumber)
	assert.Equal(t, "chat-1", c.ContactExternalID)

	tk, err := f.eng.Ticket(bg, ws, c.Ticket)
	require.NoError(t, err)
	assert.Equal(t, "My order is late", tk.Subject, "subject from the first line")
	assert.Equal(t, ticket.Open, tk.Status)
	assert.Equal(t, []conversation.EventType{conversation.EventTicketOpened, conversation.EventConversationOpened, conversation.EventMessageReceived}, types(f.rec.take()))

	f.clock.Advance(time.Minute)
	r2 := f.write(t, "chat-1", "u2", "Any news?")
	assert.False(t, r2.Opened)
	assert.Equal(t, c.ID, r2.Conversation.ID)
	assert.Equal(t, t0.Add(time.Minute), r2.Conversation.LastActivity)
	assert.Equal(t, t0, r2.Conversation.WaitingSince, "a new message does not reset the wait")
	assert.Equal(t, []conversation.EventType{conversation.EventMessageReceived}, types(f.rec.take()))

	ms, err := f.eng.Messages(bg, ws, c.ID)
	require.NoError(t, err)
	require.Len(t, ms, 2)
	assert.Equal(t, "Any news?", ms[1].Text)
	assert.Equal(t, conversation.FromContact, ms[1].Direction)
	assert.Equal(t, conversation.AuthorContact, ms[1].Author.Kind)

	// Another contact gets the next ticket number.
	r3 := f.write(t, "chat-2", "u3", "Hello")
	assert.Equal(t, ticket.Number(2), r3.Conversation.TicketNumber)
	q, err := f.eng.Queue(bg, ws, 0)
	require.NoError(t, err)
	require.Len(t, q, 2)
	assert.Equal(t, c.ID, q[0].ID, "longest waiting first")
}

// R9: after a conversation closes, the contact's next message opens a new
// conversation on the same ticket while it is open, and on a new ticket once
// it is closed.
func TestReceiveAfterClose(t *testing.T) {
	f := newFixture(t)
	first := f.write(t, "chat-1", "u1", "Hello").Conversation
	_, err := f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: first.ID, By: conversation.Host(), Note: conversation.ClosingNote{}})
	require.NoError(t, err)
	f.rec.take()

	f.clock.Advance(time.Hour)
	second := f.write(t, "chat-1", "u2", "Me again")
	assert.True(t, second.Opened)
	assert.False(t, second.NewTicket)
	assert.NotEqual(t, first.ID, second.Conversation.ID)
	assert.Equal(t, first.Ticket, second.Conversation.Ticket)
	assert.Equal(t, t0.Add(time.Hour), second.Conversation.WaitingSince, "back in the queue from now")
	assert.Equal(t, []conversation.EventType{conversation.EventConversationOpened, conversation.EventMessageReceived}, types(f.rec.take()))

	_, err = f.eng.CloseTicket(bg, contactcenter.TicketClosing{Workspace: ws, Ticket: first.Ticket, By: conversation.Host(), Note: conversation.ClosingNote{Summary: "solved"}})
	require.NoError(t, err)
	third := f.write(t, "chat-1", "u3", "New problem")
	assert.True(t, third.NewTicket)
	assert.Equal(t, ticket.Number(2), third.Conversation.TicketNumber)
}

// R9: the contact's name and language follow what the channel reports.
func TestReceiveUpdatesContact(t *testing.T) {
	f := newFixture(t)
	r := f.write(t, "chat-1", "u1", "hi")
	r2, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u2",
		From: contactcenter.Sender{ExternalID: "chat-1", Name: "Lucía M.", Language: "pt-BR"}, Text: "oi"})
	require.NoError(t, err)
	assert.Equal(t, r.Contact.ID, r2.Contact.ID)
	c, err := f.eng.Contact(bg, ws, r.Contact.ID)
	require.NoError(t, err)
	assert.Equal(t, "Lucía M.", c.Name)
	assert.Equal(t, "pt-BR", c.Language)
	assert.Equal(t, int64(2), c.Version)
}

// R18: a message delivered twice is stored once and publishes nothing new.
func TestReceiveIsIdempotent(t *testing.T) {
	f := newFixture(t)
	r := f.write(t, "chat-1", "u1", "hi")
	f.rec.take()
	again := f.write(t, "chat-1", "u1", "hi")
	assert.True(t, again.Duplicate)
	assert.Equal(t, r.Message.ID, again.Message.ID)
	assert.Equal(t, r.Conversation.ID, again.Conversation.ID)
	assert.Empty(t, f.rec.take())
	ms, err := f.eng.Messages(bg, ws, r.Conversation.ID)
	require.NoError(t, err)
	assert.Len(t, ms, 1)
}

// R19: bad inbound input is refused with a typed error and changes nothing.
func TestReceiveRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	ok := contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"}
	for name, tc := range map[string]struct {
		mut  func(*contactcenter.Inbound)
		want error
		code contactcenter.Code
	}{
		"unknown channel":     {func(in *contactcenter.Inbound) { in.Channel = "nope" }, channel.ErrNotFound, contactcenter.CodeNotFound},
		"other workspace":     {func(in *contactcenter.Inbound) { in.Workspace = "globex" }, channel.ErrNotFound, contactcenter.CodeNotFound},
		"no external id":      {func(in *contactcenter.Inbound) { in.ExternalID = "" }, conversation.ErrInvalid, contactcenter.CodeInvalid},
		"no sender":           {func(in *contactcenter.Inbound) { in.From.ExternalID = "" }, conversation.ErrInvalid, contactcenter.CodeInvalid},
		"empty text":          {func(in *contactcenter.Inbound) { in.Text = "" }, conversation.ErrInvalid, contactcenter.CodeInvalid},
		"NUL in external id":  {func(in *contactcenter.Inbound) { in.ExternalID = "u\x001" }, conversation.ErrInvalid, contactcenter.CodeInvalid},
		"sender id not UTF-8": {func(in *contactcenter.Inbound) { in.From.ExternalID = "c\xff" }, conversation.ErrInvalid, contactcenter.CodeInvalid},
		"unknown kind":        {func(in *contactcenter.Inbound) { in.Kind = 99 }, conversation.ErrInvalid, contactcenter.CodeInvalid},
		"file without attach": {func(in *contactcenter.Inbound) { in.Kind = conversation.KindFile }, conversation.ErrInvalid, contactcenter.CodeInvalid},
		"file without reference": {func(in *contactcenter.Inbound) {
			in.Kind = conversation.KindFile
			in.Attachments = []conversation.Attachment{{Name: "big.iso", Size: 10}}
		}, conversation.ErrInvalid, contactcenter.CodeInvalid},
	} {
		in := ok
		tc.mut(&in)
		_, err := f.eng.Receive(bg, in)
		require.Error(t, err, name)
		assert.ErrorIs(t, err, tc.want, name)
		assert.Equal(t, tc.code, contactcenter.ErrorCode(err), name)
		var e *contactcenter.Error
		require.ErrorAs(t, err, &e, name)
		assert.Equal(t, "receive", e.Op, name)
		assert.NotEmpty(t, e.Error(), name)
	}
	q, err := f.eng.Queue(bg, ws, 0)
	require.NoError(t, err)
	assert.Empty(t, q, "nothing was stored")
	assert.Empty(t, f.rec.take(), "nothing was published")
}

// R10: the first agent to reply is assigned; another agent's reply is
// delivered without taking the conversation over.
func TestReplyAssignsFirstAgent(t *testing.T) {
	f := newFixture(t)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	f.rec.take()
	f.clock.Advance(2 * time.Minute)

	m := f.reply(t, c.ID, "ana", "Hello, Ana here")
	assert.Equal(t, conversation.DeliverySent, m.Delivery)
	assert.Equal(t, conversation.ToContact, m.Direction)
	assert.Equal(t, conversation.Author{Kind: conversation.AuthorAgent, Agent: "ana"}, m.Author)
	assert.Equal(t, "1", m.ExternalID, "the channel's reference is kept")
	assert.Equal(t, 1, m.Attempts)
	got := f.conversation(t, c.ID)
	assert.Equal(t, conversation.AgentID("ana"), got.Assignee)
	assert.False(t, got.Waiting())
	assert.Equal(t, t0.Add(2*time.Minute), got.LastActivity)
	assert.Equal(t, []conversation.EventType{conversation.EventConversationAssigned, conversation.EventMessageQueued, conversation.EventMessageSent}, types(f.rec.take()))

	f.reply(t, c.ID, "bruno", "Bruno too")
	assert.Equal(t, conversation.AgentID("ana"), f.conversation(t, c.ID).Assignee, "a second agent does not take over")
	assert.Equal(t, []conversation.EventType{conversation.EventMessageQueued, conversation.EventMessageSent}, types(f.rec.take()))

	sent := f.tr.Sent()
	require.Len(t, sent, 2)
	assert.Equal(t, "chat-1", sent[0].To)
	assert.Equal(t, "Hello, Ana here", sent[0].Text)
	assert.Equal(t, "Bruno too", sent[1].Text)
	q, err := f.eng.Queue(bg, ws, 0)
	require.NoError(t, err)
	assert.Empty(t, q)
}

// R19: replies that cannot be accepted change nothing.
func TestReplyRejectsBadInput(t *testing.T) {
	f := newFixtureOn(t, memory.New(), channel.Capabilities{Text: true, MaxTextLen: 10})
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	closedConv := f.write(t, "chat-2", "u2", "hi").Conversation
	_, err := f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: closedConv.ID, By: conversation.Host(), Note: conversation.ClosingNote{}})
	require.NoError(t, err)
	f.rec.take()

	voice := []conversation.Attachment{{Name: "v.ogg", Ref: "v1", Size: 10, Duration: time.Minute}}
	for name, tc := range map[string]struct {
		r    contactcenter.Reply
		want error
		code contactcenter.Code
	}{
		"unknown conversation": {contactcenter.Reply{Conversation: "nope", Agent: "ana", Text: "x"}, conversation.ErrNotFound, contactcenter.CodeNotFound},
		"unknown agent":        {contactcenter.Reply{Conversation: c.ID, Agent: "zoe", Text: "x"}, conversation.ErrAgentNotFound, contactcenter.CodeNotFound},
		"closed":               {contactcenter.Reply{Conversation: closedConv.ID, Agent: "ana", Text: "x"}, conversation.ErrClosed, contactcenter.CodeConflict},
		"empty":                {contactcenter.Reply{Conversation: c.ID, Agent: "ana"}, conversation.ErrInvalid, contactcenter.CodeInvalid},
		"too long for channel": {contactcenter.Reply{Conversation: c.ID, Agent: "ana", Text: "0123456789a"}, channel.ErrTooLarge, contactcenter.CodeInvalid},
		"file on text channel": {contactcenter.Reply{Conversation: c.ID, Agent: "ana", Kind: conversation.KindVoice, Attachments: voice}, channel.ErrUnsupported, contactcenter.CodeInvalid},
		"command":              {contactcenter.Reply{Conversation: c.ID, Agent: "ana", Kind: conversation.KindCommand, Text: "/x"}, conversation.ErrInvalid, contactcenter.CodeInvalid},
	} {
		tc.r.Workspace = ws
		_, err := f.eng.Reply(bg, tc.r)
		assert.ErrorIs(t, err, tc.want, name)
		assert.Equal(t, tc.code, contactcenter.ErrorCode(err), name)
	}
	_, err = f.eng.Reply(bg, contactcenter.Reply{Workspace: "globex", Conversation: c.ID, Agent: "ana", Text: "x"})
	assert.ErrorIs(t, err, conversation.ErrNotFound, "a conversation of another workspace does not exist there")

	got := f.conversation(t, c.ID)
	assert.Equal(t, c, got, "the conversation is as it was")
	ms, err := f.eng.Messages(bg, ws, c.ID)
	require.NoError(t, err)
	assert.Len(t, ms, 1)
	assert.Empty(t, f.tr.Sent())
	assert.Empty(t, f.rec.take())
}

// R13: voice notes go out as voice where the channel has it, as files where
// it does not; longer than 5 minutes is refused.
func TestReplyVoiceNotes(t *testing.T) {
	note := func(d time.Duration) contactcenter.Reply {
		return contactcenter.Reply{Workspace: ws, Agent: "ana", Kind: conversation.KindVoice,
			Attachments: []conversation.Attachment{{Name: "note.ogg", MIME: "audio/ogg", Ref: "blob-1", Size: 4000, Duration: d}}}
	}
	f := newFixture(t)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	r := note(5 * time.Minute)
	r.Conversation = c.ID
	_, err := f.eng.Reply(bg, r)
	require.NoError(t, err)
	require.Len(t, f.tr.Sent(), 1)
	require.NotNil(t, f.tr.Sent()[0].File)
	assert.True(t, f.tr.Sent()[0].File.Voice)
	assert.Equal(t, 5*time.Minute, f.tr.Sent()[0].File.Duration)

	r = note(5*time.Minute + time.Second)
	r.Conversation = c.ID
	_, err = f.eng.Reply(bg, r)
	assert.ErrorIs(t, err, conversation.ErrInvalid)
	assert.Len(t, f.tr.Sent(), 1)

	files := newFixtureOn(t, memory.New(), channel.Capabilities{Text: true, Files: true})
	c = files.write(t, "chat-1", "u1", "hi").Conversation
	r = note(time.Minute)
	r.Conversation = c.ID
	_, err = files.eng.Reply(bg, r)
	require.NoError(t, err)
	require.Len(t, files.tr.Sent(), 1)
	require.NotNil(t, files.tr.Sent()[0].File)
	assert.False(t, files.tr.Sent()[0].File.Voice, "sent as a file")
	assert.Equal(t, "note.ogg", files.tr.Sent()[0].File.Name)
}

// R11: manual assignment, unassignment and transfer, with who may do them.
func TestAssignment(t *testing.T) {
	f := newFixture(t)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	f.rec.take()

	got, err := f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: c.ID, To: "ana", By: conversation.AsAgent("ana")})
	require.NoError(t, err, "an agent claims a waiting conversation")
	assert.Equal(t, conversation.AgentID("ana"), got.Assignee)
	evs := f.rec.take()
	require.Len(t, evs, 1)
	assert.Equal(t, conversation.EventConversationAssigned, evs[0].Type)
	assert.Equal(t, conversation.AgentID("ana"), evs[0].Agent)

	_, err = f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: c.ID, To: "bruno", By: conversation.AsAgent("bruno")})
	assert.ErrorIs(t, err, conversation.ErrForbidden, "an agent cannot take another's conversation")
	assert.ErrorIs(t, err, contactcenter.ErrForbidden)
	_, err = f.eng.Unassign(bg, contactcenter.Unassignment{Workspace: ws, Conversation: c.ID, By: conversation.AsAgent("bruno")})
	assert.ErrorIs(t, err, conversation.ErrForbidden)
	assert.Equal(t, conversation.AgentID("ana"), f.conversation(t, c.ID).Assignee)

	got, err = f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: c.ID, To: "bruno", By: conversation.AsAgent("sol")})
	require.NoError(t, err, "a supervisor transfers")
	assert.Equal(t, conversation.AgentID("bruno"), got.Assignee)
	evs = f.rec.take()
	require.Len(t, evs, 1)
	assert.Equal(t, conversation.AgentID("ana"), evs[0].Previous)

	before := f.conversation(t, c.ID)
	got, err = f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: c.ID, To: "bruno", By: conversation.Host()})
	require.NoError(t, err, "assigning to the assignee is a no-op")
	assert.Empty(t, f.rec.take())
	assert.Equal(t, before, got)
	assert.Equal(t, before, f.conversation(t, c.ID))

	f.clock.Advance(time.Minute)
	got, err = f.eng.Unassign(bg, contactcenter.Unassignment{Workspace: ws, Conversation: c.ID, By: conversation.AsAgent("bruno")})
	require.NoError(t, err, "the assignee gives it back")
	assert.True(t, got.Waiting())
	assert.Equal(t, t0.Add(time.Minute), got.WaitingSince)

	got, err = f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: c.ID, To: "ana", By: conversation.Host()})
	require.NoError(t, err, "the host assigns")
	f.rec.take()
	got, err = f.eng.TransferToTeam(bg, contactcenter.Transfer{Workspace: ws, Conversation: c.ID, Team: "billing", By: conversation.AsAgent("ana")})
	require.NoError(t, err, "the assignee transfers to a team")
	assert.Equal(t, conversation.TeamID("billing"), got.Team)
	assert.True(t, got.Waiting())
	evs = f.rec.take()
	require.Len(t, evs, 1)
	assert.Equal(t, conversation.EventConversationTransferred, evs[0].Type)
	assert.Equal(t, conversation.TeamID("billing"), evs[0].Team)
	assert.Equal(t, conversation.AgentID("ana"), evs[0].Previous)

	_, err = f.eng.TransferToTeam(bg, contactcenter.Transfer{Workspace: ws, Conversation: c.ID, Team: "nope", By: conversation.Host()})
	assert.ErrorIs(t, err, conversation.ErrTeamNotFound)
	_, err = f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: c.ID, To: "zoe", By: conversation.Host()})
	assert.ErrorIs(t, err, conversation.ErrAgentNotFound)
	_, err = f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: c.ID, To: "ana", By: conversation.AsAgent("zoe")})
	assert.ErrorIs(t, err, conversation.ErrAgentNotFound, "an unknown actor")
	_, err = f.eng.Assign(bg, contactcenter.Assignment{Workspace: ws, Conversation: "nope", To: "ana", By: conversation.Host()})
	assert.ErrorIs(t, err, conversation.ErrNotFound)
}

// R12: closing removes the conversation from the queue and unassigns it; the
// ticket stays open; closing a ticket closes its open conversation.
func TestClose(t *testing.T) {
	f := newFixture(t)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	f.reply(t, c.ID, "ana", "hello")
	f.rec.take()

	_, err := f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: c.ID, By: conversation.AsAgent("bruno"), Note: conversation.ClosingNote{}})
	assert.ErrorIs(t, err, conversation.ErrForbidden, "only the assignee, a supervisor or the host")
	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: c.ID, By: conversation.AsAgent("ana"), Note: conversation.ClosingNote{Summary: strings.Repeat("x", conversation.MaxSummaryLen+1)}})
	assert.ErrorIs(t, err, conversation.ErrInvalid)
	assert.Equal(t, conversation.Open, f.conversation(t, c.ID).State)

	f.clock.Advance(5 * time.Minute)
	got, err := f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: c.ID, By: conversation.AsAgent("ana"), Note: conversation.ClosingNote{Category: " billing ", Summary: "Refund issued."}})
	require.NoError(t, err)
	assert.Equal(t, conversation.Closed, got.State)
	assert.Empty(t, got.Assignee)
	assert.False(t, got.Waiting())
	assert.Equal(t, conversation.ReasonAgent, got.CloseReason)
	assert.Equal(t, conversation.AgentID("ana"), got.ClosedBy)
	assert.Equal(t, conversation.ClosingNote{Category: "billing", Summary: "Refund issued."}, got.ClosingNote)
	assert.Equal(t, t0.Add(5*time.Minute), got.ClosedAt)
	evs := f.rec.take()
	require.Len(t, evs, 1)
	assert.Equal(t, conversation.EventConversationClosed, evs[0].Type)
	assert.Equal(t, conversation.AgentID("ana"), evs[0].Previous)

	tk, err := f.eng.Ticket(bg, ws, c.Ticket)
	require.NoError(t, err)
	assert.Equal(t, ticket.Open, tk.Status, "the ticket outlives the conversation")
	_, err = f.eng.CloseConversation(bg, contactcenter.Closing{Workspace: ws, Conversation: c.ID, By: conversation.AsAgent("ana"), Note: conversation.ClosingNote{}})
	assert.ErrorIs(t, err, conversation.ErrClosed)
	assert.Equal(t, contactcenter.CodeConflict, contactcenter.ErrorCode(err))

	// Closing the ticket closes its open conversation.
	c2 := f.write(t, "chat-1", "u2", "one more thing").Conversation
	f.reply(t, c2.ID, "bruno", "yes?")
	f.rec.take()
	_, err = f.eng.CloseTicket(bg, contactcenter.TicketClosing{Workspace: ws, Ticket: c.Ticket, By: conversation.AsAgent("ana"), Note: conversation.ClosingNote{}})
	assert.ErrorIs(t, err, conversation.ErrForbidden, "ana may not close bruno's conversation")
	tk, err = f.eng.CloseTicket(bg, contactcenter.TicketClosing{Workspace: ws, Ticket: c.Ticket, By: conversation.AsAgent("sol"), Note: conversation.ClosingNote{Category: "done"}})
	require.NoError(t, err)
	assert.Equal(t, ticket.Closed, tk.Status)
	got = f.conversation(t, c2.ID)
	assert.Equal(t, conversation.Closed, got.State)
	assert.Equal(t, conversation.ReasonTicketClosed, got.CloseReason)
	assert.Equal(t, []conversation.EventType{conversation.EventConversationClosed, conversation.EventTicketClosed}, types(f.rec.take()))
	_, err = f.eng.CloseTicket(bg, contactcenter.TicketClosing{Workspace: ws, Ticket: c.Ticket, By: conversation.Host(), Note: conversation.ClosingNote{}})
	assert.ErrorIs(t, err, ticket.ErrClosed)
	_, err = f.eng.CloseTicket(bg, contactcenter.TicketClosing{Workspace: ws, Ticket: "nope", By: conversation.Host(), Note: conversation.ClosingNote{}})
	assert.ErrorIs(t, err, ticket.ErrNotFound)
	open, err := f.eng.OpenTickets(bg, ws, got.Contact)
	require.NoError(t, err)
	assert.Empty(t, open)
	_, err = f.eng.OpenTickets(bg, ws, "nobody")
	assert.ErrorIs(t, err, ticket.ErrContactNotFound)
	_, err = f.eng.OpenTickets(bg, "globex", got.Contact)
	assert.ErrorIs(t, err, ticket.ErrContactNotFound, "another workspace's contact")
}

// R17: events are published after they are stored, in order; events whose
// publication failed are published later, in order, before newer ones.
func TestEventsPublishedInOrderAfterFailure(t *testing.T) {
	f := newFixture(t)
	f.rec.fail = errors.New("webhook down")
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	f.write(t, "chat-1", "u2", "hello?")
	f.rec.mu.Lock()
	f.rec.fail = nil
	f.rec.mu.Unlock()
	assert.Empty(t, f.rec.take())

	f.eng.PublishPending(bg)
	evs := f.rec.take()
	assert.Equal(t, []conversation.EventType{conversation.EventTicketOpened, conversation.EventConversationOpened,
		conversation.EventMessageReceived, conversation.EventMessageReceived}, types(evs))
	for i := 1; i < len(evs); i++ {
		assert.Greater(t, evs[i].Seq, evs[i-1].Seq)
	}
	for _, e := range evs {
		assert.Equal(t, ws, e.Workspace)
		assert.Equal(t, c.ID, e.Conversation)
		assert.Equal(t, c.Ticket, e.Ticket)
		assert.Equal(t, t0, e.At)
	}
}

// R18: a reply the channel cannot take now stays pending and is sent later;
// a definite refusal marks it failed.
func TestDeliveryRetriesAndFailures(t *testing.T) {
	f := newFixture(t)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	f.rec.take()

	f.tr.Fail(channel.ErrUnavailable)
	m := f.reply(t, c.ID, "ana", "first try fails")
	assert.Equal(t, conversation.DeliveryPending, m.Delivery)
	assert.Equal(t, 1, m.Attempts)
	assert.Equal(t, t0.Add(time.Second), m.NextAttempt, "default backoff: 1s after the first attempt")
	assert.NotEmpty(t, m.Failure)
	assert.Equal(t, []conversation.EventType{conversation.EventConversationAssigned, conversation.EventMessageQueued}, types(f.rec.take()))

	n, err := f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "not due yet")
	assert.Empty(t, f.tr.Sent())

	f.clock.Advance(time.Second)
	f.tr.Fail(&channel.RetryAfterError{After: 30 * time.Second})
	n, err = f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	ms, err := f.eng.Messages(bg, ws, c.ID)
	require.NoError(t, err)
	assert.Equal(t, t0.Add(31*time.Second), ms[1].NextAttempt, "retry_after is honoured")
	assert.Equal(t, 2, ms[1].Attempts)

	f.clock.Advance(30 * time.Second)
	n, err = f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.Len(t, f.tr.Sent(), 1)
	assert.Equal(t, "first try fails", f.tr.Sent()[0].Text)
	assert.Equal(t, string(m.ID), f.tr.Sent()[0].Key)
	assert.Equal(t, []conversation.EventType{conversation.EventMessageSent}, types(f.rec.take()))
	n, err = f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "sent messages are not sent again")

	f.tr.Fail(channel.ErrRefused)
	m = f.reply(t, c.ID, "ana", "blocked")
	assert.Equal(t, conversation.DeliveryFailed, m.Delivery)
	assert.Contains(t, m.Failure, "refused")
	evs := f.rec.take()
	assert.Equal(t, []conversation.EventType{conversation.EventMessageQueued, conversation.EventMessageFailed}, types(evs))
	assert.Equal(t, m.ID, evs[1].Message)
	f.clock.Advance(time.Hour)
	n, err = f.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "a refused message is not retried")
}

// R18: a process that stopped after storing a reply, or after claiming it,
// loses nothing: another engine on the same store sends it.
func TestDeliveryAfterRestart(t *testing.T) {
	s := memory.New()
	f := newFixtureOn(t, s, fullCaps)
	c := f.write(t, "chat-1", "u1", "hi").Conversation

	// The first process stores the reply and dies before sending: its
	// transport never answers.
	f.tr.Fail(context.Canceled)
	m := f.reply(t, c.ID, "ana", "are you there?")
	require.Equal(t, conversation.DeliveryPending, m.Delivery)
	// ...and one more that it claimed but never recorded.
	var claimed conversation.Message
	require.NoError(t, s.Update(bg, func(tx store.Tx) error {
		var err error
		claimed = m
		claimed.ID, claimed.Version, claimed.Attempts = "orphan", 1, 0
		claimed.Text = "claimed, never recorded"
		if err = tx.CreateMessage(bg, claimed); err != nil {
			return err
		}
		ch, err := conversation.Claim(&claimed, t0.Add(30*time.Second))
		if err != nil {
			return err
		}
		return tx.UpdateMessage(bg, ch.Message)
	}))

	restarted := newFixtureOn(t, s, fullCaps)
	restarted.clock.Advance(time.Second)
	n, err := restarted.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the stored reply is due, the claimed one is not yet")
	require.Len(t, restarted.tr.Sent(), 1)
	assert.Equal(t, "are you there?", restarted.tr.Sent()[0].Text)

	restarted.clock.Advance(30 * time.Second)
	n, err = restarted.eng.DeliverPending(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.Len(t, restarted.tr.Sent(), 2)
	assert.Equal(t, "claimed, never recorded", restarted.tr.Sent()[1].Text)
	ms, err := restarted.eng.Messages(bg, ws, c.ID)
	require.NoError(t, err)
	for _, m := range ms[1:] {
		assert.Equal(t, conversation.DeliverySent, m.Delivery, string(m.ID))
	}
}

// R19: a failing store gives CodeUnavailable and leaves the state as it was;
// collisions are retried.
func TestStoreFailures(t *testing.T) {
	fs := &faultyStore{Store: memory.New()}
	f := newFixtureOn(t, fs, fullCaps)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	f.rec.take()

	disk := errors.New("disk on fire")
	fs.failNext(disk)
	_, err := f.eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: c.ID, Agent: "ana", Text: "x"})
	assert.ErrorIs(t, err, disk)
	assert.ErrorIs(t, err, contactcenter.ErrUnavailable)
	assert.Equal(t, c, f.conversation(t, c.ID), "unchanged")
	ms, err := f.eng.Messages(bg, ws, c.ID)
	require.NoError(t, err)
	assert.Len(t, ms, 1)
	assert.Empty(t, f.tr.Sent())
	assert.Empty(t, f.rec.take())

	fs.failNext(store.ErrConflict, store.ErrDuplicate)
	m := f.reply(t, c.ID, "ana", "after two collisions")
	assert.Equal(t, conversation.DeliverySent, m.Delivery)
	assert.Len(t, f.tr.Sent(), 1, "sent once")
	ms, err = f.eng.Messages(bg, ws, c.ID)
	require.NoError(t, err)
	assert.Len(t, ms, 2, "stored once")

	endless := make([]error, 100)
	for i := range endless {
		endless[i] = store.ErrConflict
	}
	fs.failNext(endless...)
	_, err = f.eng.Unassign(bg, contactcenter.Unassignment{Workspace: ws, Conversation: c.ID, By: conversation.Host()})
	assert.ErrorIs(t, err, contactcenter.ErrContention, "collisions beyond MaxAttempts: try again")
	assert.ErrorIs(t, err, store.ErrConflict)
	assert.Equal(t, conversation.AgentID("ana"), f.conversation(t, c.ID).Assignee)
}

// Workspaces never see each other's data.
func TestWorkspaceIsolation(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.eng.PutChannel(context.Background(), contactcenter.ChannelChange{Channel: channel.Channel{ID: "tg", Workspace: "globex", Kind: channel.KindTelegram, Account: "bot2"}, Transport: f.tr, By: conversation.Host()}))
	_, err := f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: conversation.Agent{ID: "ana", Workspace: "globex", Name: "Other Ana"}, By: conversation.Host()})
	require.NoError(t, err)
	a := f.write(t, "chat-1", "u1", "hi")
	b, err := f.eng.Receive(bg, contactcenter.Inbound{Workspace: "globex", Channel: "tg", ExternalID: "u1",
		From: contactcenter.Sender{ExternalID: "chat-1"}, Text: "hi"})
	require.NoError(t, err)
	assert.False(t, b.Duplicate, "the same update id in another workspace is another message")
	assert.NotEqual(t, a.Contact.ID, b.Contact.ID)
	assert.Equal(t, ticket.Number(1), b.Conversation.TicketNumber, "numbers are per workspace")

	_, err = f.eng.Conversation(bg, "globex", a.Conversation.ID)
	assert.ErrorIs(t, err, conversation.ErrNotFound)
	_, err = f.eng.Ticket(bg, "globex", a.Conversation.Ticket)
	assert.ErrorIs(t, err, ticket.ErrNotFound)
	_, err = f.eng.Contact(bg, "globex", a.Contact.ID)
	assert.ErrorIs(t, err, ticket.ErrContactNotFound)
	_, err = f.eng.Messages(bg, "globex", a.Conversation.ID)
	assert.ErrorIs(t, err, conversation.ErrNotFound)
	_, err = f.eng.Assign(bg, contactcenter.Assignment{Workspace: "globex", Conversation: a.Conversation.ID, To: "ana", By: conversation.Host()})
	assert.ErrorIs(t, err, conversation.ErrNotFound)
	q, err := f.eng.Queue(bg, "globex", 0)
	require.NoError(t, err)
	require.Len(t, q, 1)
	assert.Equal(t, b.Conversation.ID, q[0].ID)
}

func TestErrorCode(t *testing.T) {
	assert.Equal(t, contactcenter.Code(""), contactcenter.ErrorCode(nil))
	assert.Equal(t, contactcenter.CodeUnavailable, contactcenter.ErrorCode(errors.New("x")))
	assert.Equal(t, contactcenter.CodeCanceled, contactcenter.ErrorCode(context.DeadlineExceeded))
	assert.Equal(t, contactcenter.CodeNotFound, contactcenter.ErrorCode(ticket.ErrNotFound))
	assert.Equal(t, contactcenter.CodeForbidden, contactcenter.ErrorCode(conversation.ErrForbidden))
	assert.Equal(t, contactcenter.CodeContention, contactcenter.ErrorCode(store.ErrDuplicate))
	assert.Equal(t, contactcenter.CodeConflict, contactcenter.ErrorCode(conversation.ErrClosed), "the state forbids it")

	f := newFixture(t)
	c, cancel := context.WithCancel(bg)
	cancel()
	_, err := f.eng.Receive(c, contactcenter.Inbound{Workspace: ws, Channel: "tg", ExternalID: "u1", From: contactcenter.Sender{ExternalID: "c"}, Text: "hi"})
	assert.ErrorIs(t, err, contactcenter.ErrCanceled)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, errors.Is(err, contactcenter.ErrNotFound))
}

// R17: presence changes are published.
func TestPresenceEvents(t *testing.T) {
	f := newFixture(t)
	a, err := f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Away, By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Equal(t, conversation.Away, a.Presence)
	evs := f.rec.take()
	require.Len(t, evs, 1)
	assert.Equal(t, conversation.EventPresenceChanged, evs[0].Type)
	assert.Equal(t, conversation.AgentID("ana"), evs[0].Agent)
	assert.Equal(t, conversation.Away, evs[0].Presence)

	_, err = f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Away, By: conversation.AsAgent("ana")})
	require.NoError(t, err)
	assert.Empty(t, f.rec.take(), "no change, no event")

	a.Presence = conversation.Offline
	_, err = f.eng.PutAgent(bg, contactcenter.AgentChange{Agent: a, By: conversation.Host()})
	require.NoError(t, err)
	evs = f.rec.take()
	require.Len(t, evs, 1, "PutAgent publishes a presence change too")
	assert.Equal(t, conversation.Offline, evs[0].Presence)

	_, err = f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "zoe", Presence: conversation.Online, By: conversation.AsAgent("zoe")})
	assert.ErrorIs(t, err, conversation.ErrAgentNotFound)
	_, err = f.eng.SetPresence(bg, contactcenter.PresenceChange{Workspace: ws, Agent: "ana", Presence: conversation.Presence(9), By: conversation.AsAgent("ana")})
	assert.ErrorIs(t, err, conversation.ErrInvalid)
	got, err := f.eng.Agent(bg, ws, "ana")
	require.NoError(t, err)
	assert.Equal(t, conversation.Offline, got.Presence, "unchanged by the refused calls")
}

// R18: a reply made again with the same id is the same reply.
func TestReplyWithID(t *testing.T) {
	f := newFixture(t)
	c := f.write(t, "chat-1", "u1", "hi").Conversation
	r := contactcenter.Reply{Workspace: ws, Conversation: c.ID, Agent: "ana", ID: "staff-1", Text: "hello"}
	m, err := f.eng.Reply(bg, r)
	require.NoError(t, err)
	assert.Equal(t, conversation.MessageID("staff-1"), m.ID)
	again, err := f.eng.Reply(bg, r)
	require.NoError(t, err)
	assert.Equal(t, m, again)
	assert.Len(t, f.tr.Sent(), 1, "sent once")
	ms, err := f.eng.Messages(bg, ws, c.ID)
	require.NoError(t, err)
	assert.Len(t, ms, 2)

	other := f.write(t, "chat-2", "u2", "hi").Conversation
	_, err = f.eng.Reply(bg, contactcenter.Reply{Workspace: ws, Conversation: other.ID, Agent: "ana", ID: "staff-1", Text: "x"})
	assert.ErrorIs(t, err, conversation.ErrInvalid, "an id taken in another conversation")
}
