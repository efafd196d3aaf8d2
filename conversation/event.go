package conversation

import (
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/ticket"
)

// EventType names a change. The values are stable and meant for webhooks.
type EventType string

// Event types (R17).
const (
	EventTicketOpened EventType = "ticket.opened"
	EventTicketClosed EventType = "ticket.closed"
	// EventTicketPriority: a ticket's priority changed.
	EventTicketPriority         EventType = "ticket.priority_changed"
	EventConversationOpened     EventType = "conversation.opened"
	EventConversationAssigned   EventType = "conversation.assigned"
	EventConversationUnassigned EventType = "conversation.unassigned"
	EventConversationClosed     EventType = "conversation.closed"
	// EventMessageReceived: a contact's message was stored.
	EventMessageReceived EventType = "message.received"
	// EventMessageQueued: an outbound message was stored and waits for the
	// channel (R18).
	EventMessageQueued EventType = "message.queued"
	// EventMessageSent: the channel accepted an outbound message.
	EventMessageSent EventType = "message.sent"
	// EventMessageFailed: the channel definitely refused an outbound message.
	EventMessageFailed EventType = "message.failed"
	// EventConversationAbandoned: the assignee disconnected and the
	// conversation returned to the queue, flagged abandoned (R3); Previous
	// names the agent.
	EventConversationAbandoned EventType = "conversation.abandoned"
	// EventMessageEdited: a message's text changed; the earlier text is
	// kept as a revision (R8).
	EventMessageEdited EventType = "message.edited"
	// EventContactUnreachable: the channel refused a message because the
	// contact blocked the account; the contact is flagged unreachable until
	// they write again.
	EventContactUnreachable EventType = "contact.unreachable"
	// EventPresenceChanged: an agent's presence changed; Agent names them.
	EventPresenceChanged EventType = "agent.presence_changed"
	// EventConversationTransferred: a conversation moved to a team's queue;
	// Team names the team, Previous the assignee it left, if any.
	EventConversationTransferred EventType = "conversation.transferred"
	// EventMessageRejected: a contact's message was refused for good and
	// put aside, so that it does not hold up the messages after it (R18):
	// Channel and ExternalID name it, Detail says why. It belongs to no
	// conversation. It is stored with the RejectedMessage it announces,
	// once per message. See Reject.
	EventMessageRejected EventType = "message.rejected"
	// EventTicketTagged: a tag was added to a ticket; Detail is the tag,
	// Conversation the ticket's open conversation, if any.
	EventTicketTagged EventType = "ticket.tagged"
	// EventTicketUntagged: a tag was removed from a ticket; Detail is the
	// tag, Conversation the ticket's open conversation, if any.
	EventTicketUntagged EventType = "ticket.untagged"
	// EventContactFieldSet: a contact's custom field was set; Contact
	// names the contact, Detail the field's key. The value is not in the
	// event: read the contact.
	EventContactFieldSet EventType = "contact.field_set"
	// EventContactFieldUnset: a contact's custom field was removed;
	// Contact names the contact, Detail the field's key.
	EventContactFieldUnset EventType = "contact.field_unset"
	// EventContactRenamed: a contact's name was changed through the
	// engine; Contact names the contact. The name is not in the event:
	// read the contact.
	EventContactRenamed EventType = "contact.renamed"
	// EventContactLinked: a contact became known on another channel
	// (another identity); Contact names the contact, Detail the channel.
	// The external id is not in the event: it is personal data.
	EventContactLinked EventType = "contact.linked"
	// EventContactMerged: two contacts that were one person were made one:
	// Contact names the one that remains, which now holds every identity,
	// ticket and conversation of the other, whose id is in Detail (it no
	// longer exists). One event for the whole merge.
	EventContactMerged EventType = "contact.merged"
	// EventContactErased: a contact's personal data was erased on request
	// (store.Tx.EraseContact says what goes); Contact names the contact.
	// The event carries none of the data.
	EventContactErased EventType = "contact.erased"

	// The chatbot's events (R2). Bot names the bot on each.

	// EventBotTurnStarted: the engine asked the bot for a turn; Detail is
	// the turn's id.
	EventBotTurnStarted EventType = "bot.turn_started"
	// EventBotTurnFinished: the bot's reply to a turn was applied; Detail
	// is the turn's id. Reason is ReasonTakenOver when a human took the
	// conversation, or it closed, while the bot was asked: nothing of the
	// reply applied.
	EventBotTurnFinished EventType = "bot.turn_finished"
	// EventBotTurnFailed: an attempt of a turn failed (an error, no reply
	// within the channel's turn timeout, a reply refused as a whole or
	// that could not be applied); Detail says why. Reason is
	// ReasonBotFailed on the last attempt, after which the engine gave up
	// on the bot.
	EventBotTurnFailed EventType = "bot.turn_failed"
	// EventBotActionRefused: a message or an action of the bot's reply was
	// refused and not applied; Detail says which and why. The rest of the
	// reply applied.
	EventBotActionRefused EventType = "bot.action_refused"
	// EventBotHandedOff: the bot let go of the conversation for humans: it
	// joined the queue (Team names the team's), or went to the agent in
	// Agent. Detail is the bot's note for the agent, if any; Reason is
	// ReasonBotFailed when the engine gave up on a failing bot.
	EventBotHandedOff EventType = "bot.handed_off"
	// EventBotTurnedOff: the bot turned itself off for the conversation,
	// which joined the queue and is not given back to it.
	EventBotTurnedOff EventType = "bot.turned_off"
	// EventBotTakenOver: a human took the conversation from the bot (an
	// agent's reply, an assignment or a transfer); Agent names the agent,
	// Team the team.
	EventBotTakenOver EventType = "bot.taken_over"
	// EventBotResumed: the conversation was given back to the bot: by a
	// human, or by the channel's failure policy when no human took it in
	// time (Reason is ReasonNoHuman then).
	EventBotResumed EventType = "bot.resumed"
	// EventBotNotified: the bot's Notify action, for the host: Detail is
	// the notification's name, Data its data.
	EventBotNotified EventType = "bot.notified"
)

// Reasons that bot events give in Event.Reason.
const (
	// ReasonBotFailed: the bot failed as many times as the channel's
	// failure policy allows, and the engine handed the conversation off.
	ReasonBotFailed CloseReason = "bot_failed"
	// ReasonNoHuman: no human took a handed-off conversation in time.
	ReasonNoHuman CloseReason = "no_human"
	// ReasonTakenOver: a human took the conversation, or it closed,
	// during the bot's turn, whose reply was dropped.
	ReasonTakenOver CloseReason = "taken_over"
)

// Event is one stored change, published to the host after the change is
// committed (R17). Events of one conversation are published in the order
// their changes were committed.
//
// An event names what changed; the host reads the current state through the
// engine when it needs more.
type Event struct {
	// Seq is assigned by the store when the event is stored: unique, and
	// growing with commit order among the events of one conversation (the
	// changes of one conversation commit one after another); events of
	// different conversations committed at once may be numbered in
	// another order than they commit.
	Seq       uint64
	Type      EventType
	Workspace ticket.WorkspaceID
	At        time.Time

	Conversation ID
	Ticket       ticket.ID
	// TicketNumber is set on ticket and conversation events and on the
	// events of a contact's or agent's new message; delivery events
	// (message.sent, message.failed) name the ticket by id only.
	TicketNumber ticket.Number
	Message      MessageID
	// Agent is the agent the event is about: the new assignee, the agent
	// who closed, the author of a reply.
	Agent AgentID
	// Previous is the assignee before an assignment change.
	Previous AgentID
	Team     TeamID
	Reason   CloseReason
	// Presence is the agent's new presence, on presence events.
	Presence Presence
	// Contact is the contact the event is about, on contact.* events and
	// on ticket.tagged and ticket.untagged.
	Contact ticket.ContactID
	// Channel and ExternalID name a contact's message by the channel's id,
	// on message.rejected.
	Channel    channel.ID
	ExternalID string
	// Detail says why, for people, on message.rejected; it is the tag on
	// ticket.tagged and ticket.untagged, and the field's key on
	// contact.field_set and contact.field_unset.
	Detail string
	// Actor is who made the change (its Kind and ID), and Cause what
	// produced it: the command, reaction or timer, with its chain.
	Actor Actor
	Cause Cause
	// Bot names the bot that holds the conversation, on the
	// conversation.opened and message.received events of a conversation a
	// bot holds, and the bot on bot.* events.
	Bot string
	// Data is the data of a bot.notified event; nil on other events.
	Data map[string]string
	// Altered is what was done to a contact's message so that it could be
	// stored (Message.Altered), on message.received and message.edited: a
	// host learns from the event that a text was repaired or cut, or that a
	// file is Oversize.
	Altered Alteration
}
