package faultstore

import (
	"context"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// The methods below pass each call of store.Tx (and of its optional
// capabilities) to the wrapped transaction, with the faults of the Store's
// rules before and after it.

func (x lookupTx) LookupInbound(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, messageID, contactID string) (store.InboundRecords, error) {
	return x.lookupInbound(ctx, ws, ch, messageID, contactID)
}

func (x lookupWorkloadTx) LookupInbound(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, messageID, contactID string) (store.InboundRecords, error) {
	return x.lookupInbound(ctx, ws, ch, messageID, contactID)
}

func (x workloadTx) Workload(ctx context.Context, ws ticket.WorkspaceID) (map[conversation.AgentID]int, error) {
	return x.workload(ctx, ws)
}

func (x lookupWorkloadTx) Workload(ctx context.Context, ws ticket.WorkspaceID) (map[conversation.AgentID]int, error) {
	return x.workload(ctx, ws)
}

func (x *tx) lookupInbound(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, messageID, contactID string) (store.InboundRecords, error) {
	var zero store.InboundRecords
	i, err := x.before(OpTxLookupInbound, ws, ch, messageID, contactID)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.(store.InboundLookup).LookupInbound(ctx, ws, ch, messageID, contactID)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) workload(ctx context.Context, ws ticket.WorkspaceID) (map[conversation.AgentID]int, error) {
	var zero map[conversation.AgentID]int
	i, err := x.before(OpTxWorkload, ws)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.(store.Workloads).Workload(ctx, ws)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

// MessagesPage implements store.MessagePager whatever the wrapped
// transaction has: store.MessagesPage answers the same with the
// capability and without it.
func (x *tx) MessagesPage(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID, p store.MessagePage) (store.Messages, error) {
	i, err := x.before(OpTxMessagesPage, ws, id, p)
	if err != nil {
		return store.Messages{}, err
	}
	v, err := store.MessagesPage(ctx, x.inner, ws, id, p)
	if err = x.after(i, err); err != nil {
		return store.Messages{}, err
	}
	return v, nil
}

func (x *tx) Contact(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID) (ticket.Contact, error) {
	var zero ticket.Contact
	i, err := x.before(OpTxContact, ws, id)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Contact(ctx, ws, id)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) ContactByExternalID(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, externalID string) (ticket.Contact, error) {
	var zero ticket.Contact
	i, err := x.before(OpTxContactByExternalID, ws, ch, externalID)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.ContactByExternalID(ctx, ws, ch, externalID)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) CreateContact(ctx context.Context, c ticket.Contact, ch channel.ID, externalID string) error {
	i, err := x.before(OpTxCreateContact, c, ch, externalID)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.CreateContact(ctx, c, ch, externalID))
}

func (x *tx) AddContactIdentity(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID, ch channel.ID, externalID string) error {
	i, err := x.before(OpTxAddContactIdentity, ws, id, ch, externalID)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.AddContactIdentity(ctx, ws, id, ch, externalID))
}

func (x *tx) MergeContacts(ctx context.Context, ws ticket.WorkspaceID, into, from ticket.ContactID) error {
	i, err := x.before(OpTxMergeContacts, ws, into, from)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.MergeContacts(ctx, ws, into, from))
}

func (x *tx) UpdateContact(ctx context.Context, c ticket.Contact) error {
	i, err := x.before(OpTxUpdateContact, c)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.UpdateContact(ctx, c))
}

func (x *tx) EraseContact(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID) error {
	i, err := x.before(OpTxEraseContact, ws, id)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.EraseContact(ctx, ws, id))
}

func (x *tx) NextTicketNumber(ctx context.Context, ws ticket.WorkspaceID) (ticket.Number, error) {
	var zero ticket.Number
	i, err := x.before(OpTxNextTicketNumber, ws)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.NextTicketNumber(ctx, ws)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) Ticket(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID) (ticket.Ticket, error) {
	var zero ticket.Ticket
	i, err := x.before(OpTxTicket, ws, id)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Ticket(ctx, ws, id)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) TicketByNumber(ctx context.Context, ws ticket.WorkspaceID, n ticket.Number) (ticket.Ticket, error) {
	var zero ticket.Ticket
	i, err := x.before(OpTxTicketByNumber, ws, n)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.TicketByNumber(ctx, ws, n)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) OpenTickets(ctx context.Context, ws ticket.WorkspaceID, contact ticket.ContactID) ([]ticket.Ticket, error) {
	var zero []ticket.Ticket
	i, err := x.before(OpTxOpenTickets, ws, contact)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.OpenTickets(ctx, ws, contact)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) CreateTicket(ctx context.Context, t ticket.Ticket) error {
	i, err := x.before(OpTxCreateTicket, t)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.CreateTicket(ctx, t))
}

func (x *tx) UpdateTicket(ctx context.Context, t ticket.Ticket) error {
	i, err := x.before(OpTxUpdateTicket, t)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.UpdateTicket(ctx, t))
}

func (x *tx) Conversation(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) (conversation.Conversation, error) {
	var zero conversation.Conversation
	i, err := x.before(OpTxConversation, ws, id)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Conversation(ctx, ws, id)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) OpenConversation(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, contact ticket.ContactID) (conversation.Conversation, error) {
	var zero conversation.Conversation
	i, err := x.before(OpTxOpenConversation, ws, ch, contact)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.OpenConversation(ctx, ws, ch, contact)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) LatestConversation(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, contact ticket.ContactID) (conversation.Conversation, error) {
	var zero conversation.Conversation
	i, err := x.before(OpTxLatestConversation, ws, ch, contact)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.LatestConversation(ctx, ws, ch, contact)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) TicketConversation(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID) (conversation.Conversation, error) {
	var zero conversation.Conversation
	i, err := x.before(OpTxTicketConversation, ws, id)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.TicketConversation(ctx, ws, id)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) Queue(ctx context.Context, ws ticket.WorkspaceID, limit int) ([]conversation.Conversation, error) {
	var zero []conversation.Conversation
	i, err := x.before(OpTxQueue, ws, limit)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Queue(ctx, ws, limit)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) Conversations(ctx context.Context, ws ticket.WorkspaceID, f store.ConversationFilter) ([]conversation.Conversation, store.ConversationCursor, error) {
	i, err := x.before(OpTxConversations, ws, f)
	if err != nil {
		return nil, "", err
	}
	v, next, err := x.inner.Conversations(ctx, ws, f)
	if err = x.after(i, err); err != nil {
		return nil, "", err
	}
	return v, next, nil
}

func (x *tx) TicketConversations(ctx context.Context, ws ticket.WorkspaceID, id ticket.ID, p store.ConversationPage) ([]conversation.Conversation, store.ConversationCursor, error) {
	i, err := x.before(OpTxTicketConversations, ws, id, p)
	if err != nil {
		return nil, "", err
	}
	v, next, err := x.inner.TicketConversations(ctx, ws, id, p)
	if err = x.after(i, err); err != nil {
		return nil, "", err
	}
	return v, next, nil
}

func (x *tx) SearchContacts(ctx context.Context, ws ticket.WorkspaceID, q store.ContactQuery) ([]ticket.Contact, store.ContactCursor, error) {
	i, err := x.before(OpTxSearchContacts, ws, q)
	if err != nil {
		return nil, "", err
	}
	v, next, err := x.inner.SearchContacts(ctx, ws, q)
	if err = x.after(i, err); err != nil {
		return nil, "", err
	}
	return v, next, nil
}

func (x *tx) ContactTickets(ctx context.Context, ws ticket.WorkspaceID, contact ticket.ContactID, p store.TicketPage) ([]ticket.Ticket, store.TicketCursor, error) {
	i, err := x.before(OpTxContactTickets, ws, contact, p)
	if err != nil {
		return nil, "", err
	}
	v, next, err := x.inner.ContactTickets(ctx, ws, contact, p)
	if err = x.after(i, err); err != nil {
		return nil, "", err
	}
	return v, next, nil
}

func (x *tx) CreateConversation(ctx context.Context, c conversation.Conversation) error {
	i, err := x.before(OpTxCreateConversation, c)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.CreateConversation(ctx, c))
}

func (x *tx) UpdateConversation(ctx context.Context, c conversation.Conversation) error {
	i, err := x.before(OpTxUpdateConversation, c)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.UpdateConversation(ctx, c))
}

func (x *tx) Message(ctx context.Context, ws ticket.WorkspaceID, id conversation.MessageID) (conversation.Message, error) {
	var zero conversation.Message
	i, err := x.before(OpTxMessage, ws, id)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Message(ctx, ws, id)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) MessageByExternalID(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, externalID string) (conversation.Message, error) {
	var zero conversation.Message
	i, err := x.before(OpTxMessageByExternalID, ws, ch, externalID)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.MessageByExternalID(ctx, ws, ch, externalID)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) Messages(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) ([]conversation.Message, error) {
	var zero []conversation.Message
	i, err := x.before(OpTxMessages, ws, id)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Messages(ctx, ws, id)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) CreateMessage(ctx context.Context, m conversation.Message) error {
	i, err := x.before(OpTxCreateMessage, m)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.CreateMessage(ctx, m))
}

func (x *tx) UpdateMessage(ctx context.Context, m conversation.Message) error {
	i, err := x.before(OpTxUpdateMessage, m)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.UpdateMessage(ctx, m))
}

func (x *tx) PendingMessages(ctx context.Context, now time.Time, after store.PendingAfter, limit int) ([]conversation.Message, error) {
	var zero []conversation.Message
	i, err := x.before(OpTxPendingMessages, now, after, limit)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.PendingMessages(ctx, now, after, limit)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) FirstPending(ctx context.Context, ws ticket.WorkspaceID, id conversation.ID) (conversation.Message, error) {
	var zero conversation.Message
	i, err := x.before(OpTxFirstPending, ws, id)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.FirstPending(ctx, ws, id)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) Agent(ctx context.Context, ws ticket.WorkspaceID, id conversation.AgentID) (conversation.Agent, error) {
	var zero conversation.Agent
	i, err := x.before(OpTxAgent, ws, id)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Agent(ctx, ws, id)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) PutAgent(ctx context.Context, a conversation.Agent) error {
	i, err := x.before(OpTxPutAgent, a)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.PutAgent(ctx, a))
}

func (x *tx) Agents(ctx context.Context, ws ticket.WorkspaceID) ([]conversation.Agent, error) {
	var zero []conversation.Agent
	i, err := x.before(OpTxAgents, ws)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Agents(ctx, ws)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) AssignedTo(ctx context.Context, ws ticket.WorkspaceID, agent conversation.AgentID) ([]conversation.Conversation, error) {
	var zero []conversation.Conversation
	i, err := x.before(OpTxAssignedTo, ws, agent)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.AssignedTo(ctx, ws, agent)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) Team(ctx context.Context, ws ticket.WorkspaceID, id conversation.TeamID) (conversation.Team, error) {
	var zero conversation.Team
	i, err := x.before(OpTxTeam, ws, id)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Team(ctx, ws, id)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) PutTeam(ctx context.Context, t conversation.Team) error {
	i, err := x.before(OpTxPutTeam, t)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.PutTeam(ctx, t))
}

func (x *tx) AppendEvent(ctx context.Context, e conversation.Event) error {
	i, err := x.before(OpTxAppendEvent, e)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.AppendEvent(ctx, e))
}

func (x *tx) CreateRejection(ctx context.Context, r conversation.RejectedMessage) error {
	i, err := x.before(OpTxCreateRejection, r)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.CreateRejection(ctx, r))
}

func (x *tx) Rejection(ctx context.Context, ws ticket.WorkspaceID, ch channel.ID, externalID string) (conversation.RejectedMessage, error) {
	var zero conversation.RejectedMessage
	i, err := x.before(OpTxRejection, ws, ch, externalID)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Rejection(ctx, ws, ch, externalID)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) Rejections(ctx context.Context, ws ticket.WorkspaceID, limit int) ([]conversation.RejectedMessage, error) {
	var zero []conversation.RejectedMessage
	i, err := x.before(OpTxRejections, ws, limit)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Rejections(ctx, ws, limit)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) SetTimer(ctx context.Context, t store.Timer) error {
	i, err := x.before(OpTxSetTimer, t)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.SetTimer(ctx, t))
}

func (x *tx) DeleteTimer(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string) error {
	i, err := x.before(OpTxDeleteTimer, kind, ws, key)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.DeleteTimer(ctx, kind, ws, key))
}

func (x *tx) DeleteTimerAt(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string, due time.Time) (bool, error) {
	i, err := x.before(OpTxDeleteTimerAt, kind, ws, key, due)
	if err != nil {
		return false, err
	}
	v, err := x.inner.DeleteTimerAt(ctx, kind, ws, key, due)
	if err = x.after(i, err); err != nil {
		return false, err
	}
	return v, nil
}

func (x *tx) Timer(ctx context.Context, kind store.TimerKind, ws ticket.WorkspaceID, key string) (store.Timer, error) {
	var zero store.Timer
	i, err := x.before(OpTxTimer, kind, ws, key)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Timer(ctx, kind, ws, key)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) ConfigRevision(ctx context.Context, ws ticket.WorkspaceID) (int64, error) {
	i, err := x.before(OpTxConfigRevision, ws)
	if err != nil {
		return 0, err
	}
	v, err := x.inner.ConfigRevision(ctx, ws)
	if err = x.after(i, err); err != nil {
		return 0, err
	}
	return v, nil
}

func (x *tx) Config(ctx context.Context, ws ticket.WorkspaceID, kind store.ConfigKind, name string) (store.Config, error) {
	var zero store.Config
	i, err := x.before(OpTxConfig, ws, kind, name)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.Config(ctx, ws, kind, name)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) Configs(ctx context.Context, ws ticket.WorkspaceID, kind store.ConfigKind) ([]store.Config, error) {
	i, err := x.before(OpTxConfigs, ws, kind)
	if err != nil {
		return nil, err
	}
	v, err := x.inner.Configs(ctx, ws, kind)
	if err = x.after(i, err); err != nil {
		return nil, err
	}
	return v, nil
}

func (x *tx) PutConfig(ctx context.Context, c store.Config) error {
	i, err := x.before(OpTxPutConfig, c)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.PutConfig(ctx, c))
}

func (x *tx) DeleteConfig(ctx context.Context, ws ticket.WorkspaceID, kind store.ConfigKind, name string, version int64) error {
	i, err := x.before(OpTxDeleteConfig, ws, kind, name, version)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.DeleteConfig(ctx, ws, kind, name, version))
}

func (x *tx) CreateWorkflowRun(ctx context.Context, r store.WorkflowRun) error {
	i, err := x.before(OpTxCreateWorkflowRun, r)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.CreateWorkflowRun(ctx, r))
}

func (x *tx) UpdateWorkflowRun(ctx context.Context, r store.WorkflowRun) error {
	i, err := x.before(OpTxUpdateWorkflowRun, r)
	if err != nil {
		return err
	}
	return x.after(i, x.inner.UpdateWorkflowRun(ctx, r))
}

func (x *tx) WorkflowRun(ctx context.Context, ws ticket.WorkspaceID, id string) (store.WorkflowRun, error) {
	var zero store.WorkflowRun
	i, err := x.before(OpTxWorkflowRun, ws, id)
	if err != nil {
		return zero, err
	}
	v, err := x.inner.WorkflowRun(ctx, ws, id)
	if err = x.after(i, err); err != nil {
		return zero, err
	}
	return v, nil
}

func (x *tx) WorkflowRuns(ctx context.Context, ws ticket.WorkspaceID, f store.RunFilter) ([]store.WorkflowRun, store.RunCursor, error) {
	i, err := x.before(OpTxWorkflowRuns, ws, f)
	if err != nil {
		return nil, "", err
	}
	v, next, err := x.inner.WorkflowRuns(ctx, ws, f)
	if err = x.after(i, err); err != nil {
		return nil, "", err
	}
	return v, next, nil
}
