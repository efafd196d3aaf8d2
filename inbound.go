package contactcenter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/command"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// Inbound is a contact's message as a channel delivered it.
type Inbound struct {
	Workspace ticket.WorkspaceID
	Channel   channel.ID
	// ExternalID is the channel's id of this delivery (a Telegram
	// update_id). A message delivered twice with the same ExternalID is
	// stored once (R18).
	ExternalID string
	// From is the contact as the channel knows them.
	From Sender
	// Kind defaults to conversation.KindText.
	Kind        conversation.Kind
	Text        string
	Attachments []conversation.Attachment
}

// Sender is a contact as a channel knows them.
type Sender struct {
	// ExternalID is the contact's id on the channel (a Telegram chat id).
	ExternalID string
	// Name is the display name on the channel.
	Name string
	// Language is the BCP 47 tag the channel reports ("es-MX"), if any.
	Language string
}

// Received is the outcome of Engine.Receive.
type Received struct {
	Message      conversation.Message
	Conversation conversation.Conversation
	Contact      ticket.Contact
	// Opened reports that the message opened the conversation (R9);
	// NewTicket that it also opened a new ticket.
	Opened    bool
	NewTicket bool
	// Duplicate reports that the channel had delivered this message before;
	// nothing was stored and Message is the stored one (R18).
	Duplicate bool
	// Command is the command the message carried (R6), 0 for an ordinary
	// message; Answer is the reply sent to the contact. Conversation is the
	// contact's conversation after the command: the new one after a new
	// ticket or a switch.
	Command command.Kind
	Answer  conversation.Message
	// Automatic are the automatic messages the channel sent because of
	// the message: the new-conversation and out-of-hours templates (R5,
	// R4).
	Automatic []conversation.Message
}

// Receive stores a contact's message (R9, R18): it joins the contact's open
// conversation on the channel, or opens one on the ticket of the contact's
// latest conversation if that ticket is open, or on a new ticket. A new
// contact is created on their first message. A message delivered twice is
// stored once.
//
// What no store could hold is repaired first, the same way whatever the
// store (conversation.Clean): NUL bytes and bytes that are not UTF-8 in the
// text, the attachments and the sender's name become U+FFFD, a text beyond
// conversation.MaxTextBytes is cut, a file beyond
// conversation.MaxAttachmentSize is kept as metadata, marked Oversize; the
// stored message's Altered and its message.received event say so. What
// cannot be repaired fails with CodeInvalid, and so does content the store
// refuses for good (store.ErrRejected): a channel adapter then records it
// with Reject and goes on with the next message. Other failures may pass,
// and the channel should deliver the message again.
func (e *Engine) Receive(ctx context.Context, in Inbound) (Received, error) {
	const op = "receive"
	b, err := e.channelIn(ctx, nil, in.Workspace, in.Channel)
	if err != nil {
		return Received{}, wrap(op, err)
	}
	switch {
	case in.ExternalID == "":
		return Received{}, wrap(op, fmt.Errorf("%w: no external message id (R18)", conversation.ErrInvalid))
	case in.From.ExternalID == "":
		return Received{}, wrap(op, fmt.Errorf("%w: no sender id", conversation.ErrInvalid))
	case !conversation.Storable(in.ExternalID) || !conversation.Storable(in.From.ExternalID):
		return Received{}, wrap(op, fmt.Errorf("%w: an external id that is not UTF-8 text without NUL bytes", conversation.ErrInvalid))
	}
	if in.Kind == 0 {
		in.Kind = conversation.KindText
	}
	altered := clean(&in)
	r := receiveOps.Get().(*receiveOp)
	r.ctx, r.e, r.in, r.ch, r.altered = ctx, e, in, b, altered
	r.s = step{e: e, op: op, actor: conversation.Actor{Kind: conversation.ActorContact}, cause: causeOf(ctx, op),
		send: r.s.send[:0], jobs: r.s.jobs[:0]}
	err = e.apply(ctx, op, r.fn)
	if err == nil {
		e.advance(ctx, &r.s)
	}
	res := r.res
	if err == nil {
		if m, ok := r.s.sent(res.Answer.ID); ok && res.Answer.ID != "" {
			res.Answer = m
		}
		for i := range res.Automatic {
			if m, ok := r.s.sent(res.Automatic[i].ID); ok {
				res.Automatic[i] = m
			}
		}
	}
	reacted := len(r.s.jobs) > 0
	send, jobs := r.s.send, r.s.jobs
	clear(jobs) // no pointers kept past the call
	change := r.change
	change.Reset() // no pointers kept past the call, the lists' room kept
	*r = receiveOp{fn: r.fn, change: change}
	r.s.send, r.s.jobs = send[:0], jobs[:0]
	receiveOps.Put(r)
	if err != nil {
		return res, err
	}
	if res.Opened && reacted {
		// R11: automatic assignment has run on the new conversation.
		if res.Conversation, err = e.Conversation(ctx, in.Workspace, res.Conversation.ID); err != nil {
			return res, err
		}
	}
	return res, nil
}

// clean repairs in as conversation.Clean does a message, before anything
// reads it (its command, the ticket subject, the contact's name), and
// returns what it did.
func clean(in *Inbound) conversation.Alteration {
	m := conversation.Message{Kind: in.Kind, Text: in.Text, Attachments: in.Attachments}
	altered := conversation.Clean(&m)
	in.Text, in.Attachments = m.Text, m.Attachments
	name, n := conversation.CleanString(in.From.Name)
	lang, l := conversation.CleanString(in.From.Language)
	if n || l {
		in.From.Name, in.From.Language = name, lang
		altered |= conversation.AlteredSender
	}
	return altered
}

// receiveOp is the transaction of one Receive. The ops are pooled, with
// their transaction function bound once, so that receiving a message
// allocates only what it stores.
type receiveOp struct {
	fn      func(store.Tx) error
	s       step
	attempt int
	ctx     context.Context
	e       *Engine
	ch      *boundChannel
	cfg     *wsConfig // the configuration as of the transaction
	in      Inbound
	altered conversation.Alteration // what clean did to in
	state   conversation.InboundState
	change  conversation.Change
	res     Received
}

var receiveOps = sync.Pool{New: func() any {
	r := new(receiveOp)
	r.fn = func(tx store.Tx) error {
		r.s.reset()
		return r.run(tx, &r.s)
	}
	return r
}}

func (r *receiveOp) run(tx store.Tx, s *step) error {
	ctx := r.ctx
	in, ws := &r.in, r.in.Workspace
	r.res = Received{}
	r.attempt++
	now := r.e.now()

	found, err := r.lookup(ctx, tx)
	if err != nil {
		return err
	}
	// The channel and templates as of this transaction, whose lookup read
	// the configuration's revision: a change another engine stored applies
	// from this message on.
	if r.cfg, err = r.e.configAt(ctx, tx, ws, found.ConfigRevision); err != nil {
		return err
	}
	s.cfg = r.cfg
	if r.ch, err = r.cfg.channel(in.Channel); err != nil {
		return err
	}
	if found.HasDuplicate {
		r.res.Duplicate = true
		r.res.Message = found.Duplicate
		if r.res.Conversation, err = tx.Conversation(ctx, ws, found.Duplicate.Conversation); err != nil {
			return err
		}
		r.res.Contact, err = tx.Contact(ctx, ws, r.res.Conversation.Contact)
		return err
	}

	contact, write, err := r.contact(found, now)
	if err != nil {
		return err
	}
	s.actor = conversation.AsContact(contact.ID)
	if in.Kind == conversation.KindText {
		// The account is the bot's name on Telegram: /cmd@OtherBot is not ours.
		cmd, isCommand, usage := command.Parse(in.Text, r.ch.cfg.Settings.Commands, r.ch.cfg.Account)
		if isCommand {
			return r.command(ctx, tx, s, &found, contact, write, cmd, usage, now)
		}
	}
	st := &r.state
	*st = conversation.InboundState{}
	if found.HasOpen {
		st.Open, st.HasOpen = found.Open, true
	} else {
		st.Latest, err = tx.LatestConversation(ctx, ws, in.Channel, contact.ID)
		switch {
		case err == nil:
			st.HasLatest = true
			if st.LatestTicket, err = tx.Ticket(ctx, ws, st.Latest.Ticket); err != nil {
				return err
			}
			if st.LatestTicket.Status == ticket.Open {
				// A contact known on several channels may hold the ticket
				// open elsewhere: it keeps its one open conversation (R9).
				_, err = tx.TicketConversation(ctx, ws, st.LatestTicket.ID)
				switch {
				case err == nil:
					st.LatestTicketBusy = true
				case !errors.Is(err, store.ErrNotFound):
					return err
				}
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		st.NewConversation = conversation.ID(r.e.newID())
		if st.NeedsTicket() {
			st.NewTicket = ticket.ID(r.e.newID())
			if st.NewTicketNumber, err = tx.NextTicketNumber(ctx, ws); err != nil {
				return err
			}
		}
	}
	msg := conversation.MessageID(r.e.newID())
	if s.cause.ID == "" {
		// The step's cause is named by its message's id, unique as any
		// other: one id fewer to make for each message.
		s.cause.ID = string(msg)
		if s.cause.Root == "" {
			s.cause.Root = s.cause.ID
		}
	}
	ib := conversation.Inbound{
		Workspace:         ws,
		Contact:           contact.ID,
		ContactExternalID: in.From.ExternalID,
		Message: conversation.Message{
			ID:          msg,
			Channel:     in.Channel,
			ExternalID:  in.ExternalID,
			Kind:        in.Kind,
			Text:        in.Text,
			Attachments: in.Attachments,
			Altered:     r.altered,
		},
		Bot: r.ch.cfg.Settings.Bot.Name, // R2
	}
	// The templates read the contact from the pooled op, not from a copy
	// of their own on the heap.
	r.res.Contact = contact
	if ib.Automatic, err = r.e.automatic(ctx, tx, r.cfg, r.ch, st, &r.res.Contact, now); err != nil {
		return err
	}
	// Everything is loaded: the decision is whole (R9, R4, R5).
	ch := &r.change
	if err = conversation.ReceiveInto(ch, st, &ib, now); err != nil {
		return err
	}
	r.setContact(ch, contact, write)
	if err := s.add(ctx, tx, ch); err != nil {
		return err
	}
	r.res.Message = ch.Message
	r.res.Conversation = ch.Conversation
	r.res.Contact = contact
	r.res.Opened = ch.ConversationWrite == conversation.Create
	if auto := ch.Automatic(); len(auto) > 0 {
		r.res.Automatic = append([]conversation.Message(nil), auto...)
	}
	r.res.NewTicket = ch.TicketWrite == conversation.Create
	return nil
}

// lookup makes the reads every inbound message starts with: a stored
// duplicate, the contact, their open conversation on the channel. The
// first attempt does not look for a duplicate: repeats are rare, and the
// store's unique index on the channel's message id turns one into
// store.ErrDuplicate at commit, after which the retry looks (R18).
func (r *receiveOp) lookup(ctx context.Context, tx store.Tx) (f store.InboundRecords, err error) {
	in := &r.in
	messageID := in.ExternalID
	if r.attempt == 1 {
		messageID = ""
	}
	return store.LookupInbound(ctx, tx, in.Workspace, in.Channel, messageID, in.From.ExternalID)
}

// contact returns the sender's contact, new on their first message, with
// their name and language kept current, and how it is to be written.
func (r *receiveOp) contact(found store.InboundRecords, now time.Time) (ticket.Contact, conversation.Write, error) {
	in := &r.in
	c := found.Contact
	if found.HasContact {
		if (in.From.Name == "" || in.From.Name == c.Name || c.Renamed) && (in.From.Language == "" || in.From.Language == c.Language) && !c.Unreachable {
			return c, conversation.Keep, nil
		}
		c.Unreachable = false // they write: they can be reached
		if in.From.Name != "" && !c.Renamed {
			c.Name = in.From.Name
		}
		if in.From.Language != "" {
			c.Language = in.From.Language
		}
		c.Version++
		return c, conversation.Update, nil
	}
	c, err := ticket.NewContact(ticket.ContactID(r.e.newID()), in.Workspace, in.From.Name, in.From.Language, now)
	return c, conversation.Create, err
}

// setContact has ch write the sender's contact, as contact says.
func (r *receiveOp) setContact(ch *conversation.Change, c ticket.Contact, w conversation.Write) {
	ch.Contact, ch.ContactWrite = c, w
	ch.ContactChannel, ch.ContactExternalID = r.in.Channel, r.in.From.ExternalID
}
