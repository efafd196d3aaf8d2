package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// staffUpdate handles the staff group: replies become the agents' answers,
// edits of them edit the customers' copies, and staff commands act on the
// conversation they reply to.
func (d *Desk) staffUpdate(ctx context.Context, u *models.Update) error {
	switch {
	case u.Message != nil && u.Message.Chat.ID == d.staffChat():
		return d.staffMessage(ctx, u.Message)
	case u.EditedMessage != nil && u.EditedMessage.Chat.ID == d.staffChat():
		return d.staffEdit(ctx, u.EditedMessage)
	}
	if c := groupOf(u); c != nil && c.ID != d.staffChat() {
		// Said once per group and process: an operator looking for the
		// staff group's id finds it here.
		if _, told := d.otherGroups.LoadOrStore(c.ID, true); !told {
			d.log.WarnContext(ctx, "a message from a group that is not the staff group: the desk ignores it; "+
				"to make it the staff group, set STAFF_CHAT_ID to its chat id", "chat id", c.ID, "group", c.Title, "staff chat", d.staffChat())
		}
	}
	return nil
}

func (d *Desk) staffMessage(ctx context.Context, m *models.Message) error {
	if m.From == nil || m.From.IsBot {
		return nil
	}
	agent, ok, err := d.member(ctx, m.From)
	if err != nil {
		return err
	}
	if !ok {
		return d.stranger(ctx, m)
	}
	if cmd, args, ok := staffCommand(m.Text, d.me.Username); ok {
		// Started before it runs, done with its answer once it has: a
		// command that failed on the way, or whose process stopped, runs
		// again when Telegram delivers it again; one that is done does not.
		rerun, done, err := d.startCommand(ctx, m.ID)
		if err != nil || done {
			return err
		}
		answer, err := d.command(ctx, m, agent, cmd, args, rerun)
		if err != nil {
			return err
		}
		return d.finishCommand(ctx, m.ID, answer)
	}
	if !isReply(m) {
		return nil // the staff talking among themselves
	}
	conv, ok, err := d.repliedTo(ctx, m.ReplyToMessage)
	if err != nil {
		return err
	}
	if !ok {
		return d.say(ctx, m, notDelivered)
	}
	reply := contactcenter.Reply{Workspace: workspace, Conversation: conv, Agent: agent,
		// One id per staff message: a redelivered update answers once.
		ID:   conversation.MessageID(fmt.Sprintf("staff-%d-%d", m.Chat.ID, m.ID)),
		Text: m.Text}
	switch {
	case m.Voice != nil:
		reply.Kind, reply.Text = conversation.KindVoice, m.Caption
		reply.Attachments = []conversation.Attachment{{Name: "voice.ogg", MIME: m.Voice.MimeType, Size: m.Voice.FileSize,
			Ref: m.Voice.FileID, Duration: time.Duration(m.Voice.Duration) * time.Second}}
	case m.Document != nil:
		reply.Kind, reply.Text = conversation.KindFile, m.Caption
		reply.Attachments = []conversation.Attachment{{Name: m.Document.FileName, MIME: m.Document.MimeType,
			Size: m.Document.FileSize, Ref: m.Document.FileID}}
	case m.Text == "":
		return d.say(ctx, m, notRelayable)
	}
	sent, err := d.eng.Reply(ctx, reply)
	if err != nil {
		return d.refused(ctx, m, err)
	}
	return d.link(ctx, m.ID, conv, sent.ID)
}

// Answers to an agent's reply that does not reach a customer.
const (
	notDelivered = "Not delivered: the message you replied to is not part of a conversation. " +
		"Reply to the conversation's header or to a newer copy."
	notRelayable = "Not delivered: the desk relays text, voice notes and documents to customers."
)

// isReply reports whether staff message m replies to a message. In a forum
// every message of a topic carries the topic's first message as the one it
// replies to; that is no reply.
func isReply(m *models.Message) bool {
	return m.ReplyToMessage != nil && m.ReplyToMessage.ForumTopicCreated == nil
}

// repliedTo returns the conversation of staff message r, which an agent
// replied to: the one it is linked to, or, for a message the bot posted
// that has no link, the one recognise finds for it (a copy whose record a
// crash lost). ok is false when r is part of no conversation.
func (d *Desk) repliedTo(ctx context.Context, r *models.Message) (conversation.ID, bool, error) {
	conv, _, ok, err := d.lookup(ctx, r.ID)
	if err != nil || ok || r.From == nil || r.From.ID != d.me.ID {
		return conv, ok, err
	}
	conv, _, ok, err = d.recognise(ctx, r.ID)
	return conv, ok, err
}

// staffEdit edits the customer's copy of an agent's reply (R8).
func (d *Desk) staffEdit(ctx context.Context, m *models.Message) error {
	if m.From == nil || m.From.IsBot || m.Text == "" {
		return nil
	}
	_, msg, ok, err := d.lookup(ctx, m.ID)
	if err != nil || !ok || msg == "" {
		return err
	}
	if member, err := d.onRoster(ctx, agentID(m.From)); err != nil || !member {
		return err // someone no longer on the roster: their edits change nothing
	}
	if _, err := d.eng.EditMessage(ctx, workspace, msg, agentID(m.From), m.Text); err != nil {
		answer, err := refusal(err)
		if err != nil {
			return err
		}
		// One answer per edit: an edit delivered again is answered once.
		return d.enqueue(ctx, outItem{Key: fmt.Sprintf("edit:%d:%d:%d", d.staffChat(), m.ID, m.EditDate), Kind: outAnswer, ReplyTo: m.ID, Text: answer})
	}
	return nil
}

// refused answers in the group when the engine refuses what an agent did;
// failures that may pass are returned, so the update comes again.
func (d *Desk) refused(ctx context.Context, m *models.Message, err error) error {
	answer, err := refusal(err)
	if err != nil {
		return err
	}
	return d.say(ctx, m, answer)
}

// refusal returns the answer to an agent whose action the engine refused
// for good, or err itself when it may pass: the update then comes again.
// Refused for good are the state the action meets (a closed conversation
// or ticket: CodeConflict) and what fails again whatever the state
// (invalid input, a missing id, an actor who may not: R19). Collisions
// with other changes that kept happening (CodeContention), the store, the
// channel and the context may pass.
func refusal(err error) (string, error) {
	switch contactcenter.ErrorCode(err) {
	case contactcenter.CodeUnavailable, contactcenter.CodeCanceled, contactcenter.CodeContention:
		return "", err
	}
	why := err
	var e *contactcenter.Error
	if errors.As(err, &e) && e.Err != nil {
		why = e.Err
	}
	return "Not done: " + why.Error(), nil
}

// staffCommand reads a staff command: its name without the slash, and the
// rest of the text.
func staffCommand(text, botName string) (cmd, args string, ok bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return "", "", false
	}
	word, rest, _ := strings.Cut(text, " ")
	word, target, found := strings.Cut(word[1:], "@")
	if found && !strings.EqualFold(target, botName) {
		return "", "", false
	}
	return strings.ToLower(word), strings.TrimSpace(rest), true
}

// command carries out a staff command and returns its answer ("" for
// none). Failures that may pass are returned. On a rerun (an earlier
// attempt started the command and may have carried it out), the engine's
// refusal to do what is already done (to close a closed conversation or
// ticket) is the command's success; claiming a conversation that is
// already the agent's is not refused at all.
func (d *Desk) command(ctx context.Context, m *models.Message, agent conversation.AgentID, cmd, args string, rerun bool) (string, error) {
	presence := map[string]conversation.Presence{"online": conversation.Online, "away": conversation.Away, "offline": conversation.Offline}
	if p, ok := presence[cmd]; ok {
		if _, err := d.eng.SetPresence(ctx, contactcenter.PresenceChange{Workspace: workspace, Agent: agent, Presence: p, By: conversation.AsAgent(agent)}); err != nil {
			return refusal(err)
		}
		return fmt.Sprintf("%s is %s.", m.From.FirstName, p), nil
	}
	switch cmd {
	case "queue":
		return d.queue(ctx)
	case "help":
		return d.help(ctx, agent)
	case "claim", "close", "closeticket", "assign", "transfer":
	default:
		return "", nil
	}
	if cmd == "assign" || cmd == "transfer" {
		// The engine lets an agent hand on their own conversation; on this
		// desk only a supervisor assigns and transfers.
		if ok, err := d.supervisor(ctx, agent); err != nil || !ok {
			return "Not done: only a supervisor may /" + cmd + " a conversation; /claim takes one for yourself.", err
		}
		if args == "" && cmd == "assign" {
			return "Reply to one of the conversation's messages with /assign @username (or the agent's name or Telegram id).", nil
		}
		if args == "" {
			return "Reply to one of the conversation's messages with /transfer and the team, e.g. /transfer billing.", nil
		}
	}
	if !isReply(m) {
		if cmd == "assign" || cmd == "transfer" {
			return "Reply with /" + cmd + " " + args + " to one of the conversation's messages.", nil
		}
		return "Reply with /" + cmd + " to one of the conversation's messages.", nil
	}
	conv, ok, err := d.repliedTo(ctx, m.ReplyToMessage)
	if err != nil {
		return "", err
	}
	if !ok {
		return "That message is not part of a conversation.", nil
	}
	var answer string
	switch cmd {
	case "assign":
		to, name, why, err := d.findAgent(ctx, args)
		if err != nil || why != "" {
			return why, err
		}
		var c conversation.Conversation
		if c, err = d.eng.Assign(ctx, contactcenter.Assignment{Workspace: workspace, Conversation: conv, To: to, By: conversation.AsAgent(agent)}); err == nil {
			answer = fmt.Sprintf("#%d is %s's.", c.TicketNumber, name)
		}
	case "transfer":
		team := strings.Fields(args)[0]
		var c conversation.Conversation
		if c, err = d.eng.TransferToTeam(ctx, contactcenter.Transfer{Workspace: workspace, Conversation: conv, Team: conversation.TeamID(team), By: conversation.AsAgent(agent)}); err == nil {
			answer = fmt.Sprintf("#%d waits in the queue of team %s.", c.TicketNumber, team)
		}
	case "claim":
		var c conversation.Conversation
		if c, err = d.eng.Assign(ctx, contactcenter.Assignment{Workspace: workspace, Conversation: conv, To: agent, By: conversation.AsAgent(agent)}); err == nil {
			answer = fmt.Sprintf("#%d is %s's.", c.TicketNumber, m.From.FirstName)
		}
	case "close":
		var c conversation.Conversation
		c, err = d.eng.CloseConversation(ctx, contactcenter.Closing{Workspace: workspace, Conversation: conv, By: conversation.AsAgent(agent), Note: conversation.ClosingNote{Summary: args}})
		if rerun && errors.Is(err, conversation.ErrClosed) {
			c, err = d.eng.Conversation(ctx, workspace, conv)
		}
		if err == nil {
			answer = fmt.Sprintf("#%d: conversation closed.", c.TicketNumber)
		}
	case "closeticket":
		var c conversation.Conversation
		if c, err = d.eng.Conversation(ctx, workspace, conv); err == nil {
			_, err = d.eng.CloseTicket(ctx, contactcenter.TicketClosing{Workspace: workspace, Ticket: c.Ticket, By: conversation.AsAgent(agent), Note: conversation.ClosingNote{Summary: args}})
			if rerun && errors.Is(err, ticket.ErrClosed) {
				err = nil
			}
			if err == nil {
				answer = fmt.Sprintf("#%d: ticket closed.", c.TicketNumber)
			}
		}
	}
	if errors.Is(err, conversation.ErrForbidden) {
		return d.forbidden(ctx, conv, cmd, err)
	}
	if err != nil {
		return refusal(err)
	}
	return answer, nil
}

// queue lists the waiting conversations.
func (d *Desk) queue(ctx context.Context) (string, error) {
	q, err := d.eng.Queue(ctx, workspace, 20)
	if err != nil {
		return "", err
	}
	if len(q) == 0 {
		return "Nobody is waiting.", nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Waiting (%d):", len(q))
	now := time.Now()
	if d.cfg.Now != nil {
		now = d.cfg.Now()
	}
	for _, c := range q {
		fmt.Fprintf(&b, "\n#%d, %s", c.TicketNumber, now.Sub(c.WaitingSince).Round(time.Second))
	}
	return b.String(), nil
}

// say answers staff message m in the group, through the outbox: once,
// however often Telegram delivers m.
func (d *Desk) say(ctx context.Context, m *models.Message, text string) error {
	return d.enqueue(ctx, d.answerTo(m.ID, text))
}

func agentID(u *models.User) conversation.AgentID {
	return conversation.AgentID(strconv.FormatInt(u.ID, 10))
}

// agent returns the agent a staff member is, making them one on first
// sight: every member of the staff group answers.
func (d *Desk) agent(ctx context.Context, u *models.User) (conversation.AgentID, error) {
	id := agentID(u)
	_, err := d.eng.Agent(ctx, workspace, id)
	if errors.Is(err, conversation.ErrAgentNotFound) {
		_, err = d.eng.PutAgent(ctx, contactcenter.AgentChange{Agent: conversation.Agent{ID: id, Workspace: workspace, Name: strings.TrimSpace(u.FirstName + " " + u.LastName),
			Presence: conversation.Online}, By: conversation.Host()})
	}
	return id, err
}
