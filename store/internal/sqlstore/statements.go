package sqlstore

import "fmt"

// Column lists, in the order the scan functions read them.
const (
	contactCols      = `workspace, id, name, language, fields, created_at, unreachable, version, renamed`
	ticketCols       = `workspace, id, number, contact_id, subject, status, priority, tags, opened_at, closed_at, version`
	conversationCols = `workspace, id, ticket_id, ticket_number, channel, contact_id, contact_external_id, state, priority,
		assignee, team, waiting_since, abandoned, opened_at, last_activity, closed_at, close_reason, closed_by, note_category, note_summary, out_of_hours_until, version, bot`
	messageCols = `workspace, id, conversation_id, ticket_id, channel, direction, author_kind, author_agent, kind, body,
		attachments, external_id, created_at, delivery, attempts, next_attempt, failure, revisions, altered, version`
	agentCols     = `workspace, id, name, role, presence, teams, capacity, last_assigned, version`
	rejectionCols = `workspace, channel, external_id, from_id, reason, at`
)

// inboundLookup finds, in one statement, what every inbound message starts
// with, as the single lookups do: the contact known by an external id on a
// channel, the id of an inbound message the channel delivered before with
// the same external id (a duplicate, empty if none), and that contact's
// open conversation on the channel (a flag, then its columns, zero when
// there is none), and the workspace's configuration revision. It answers no row when the contact is unknown; the
// caller then looks for a duplicate alone, since a channel may deliver
// one from a sender it names otherwise. %s is the duplicate check, or an
// empty string without it.
const inboundLookup = `SELECT
	%s,
	c.workspace, c.id, c.name, c.language, c.fields, c.created_at, c.unreachable, c.version, c.renamed,
	o.id IS NOT NULL,
	coalesce(o.workspace, ''), coalesce(o.id, ''), coalesce(o.ticket_id, ''), coalesce(o.ticket_number, 0), coalesce(o.channel, ''),
	coalesce(o.contact_id, ''), coalesce(o.contact_external_id, ''), coalesce(o.state, 0), coalesce(o.priority, 0),
	coalesce(o.assignee, ''), coalesce(o.team, ''), coalesce(o.waiting_since, 0), coalesce(o.abandoned, false), coalesce(o.opened_at, 0), coalesce(o.last_activity, 0),
	coalesce(o.closed_at, 0), coalesce(o.close_reason, ''), coalesce(o.closed_by, ''), coalesce(o.note_category, ''),
	coalesce(o.note_summary, ''), coalesce(o.out_of_hours_until, 0), coalesce(o.version, 0), coalesce(o.bot, ''),
	coalesce((SELECT r.revision FROM cc_config_revisions r WHERE r.workspace = h.workspace), 0)
FROM cc_contact_handles h
JOIN cc_contacts c ON c.workspace = h.workspace AND c.id = h.contact_id
LEFT JOIN cc_conversations o ON o.workspace = c.workspace AND o.channel = h.channel AND o.contact_id = c.id AND o.state = 1
WHERE h.workspace = ? AND h.channel = ? AND h.external_id = ?`

const duplicateCheck = `coalesce((SELECT m.id FROM cc_messages m WHERE m.workspace = h.workspace AND m.channel = h.channel
		AND m.external_id = ? AND m.direction = 1 AND m.external_id <> ''), '')`

// Statements are the statements of a Tx, with placeholders in one style.
// Build them once with NewStatements and share them.
type Statements struct {
	contact, contactByExt, createContact, createHandle, updateContact           string
	nextNumber, ticket, ticketByNumber, openTickets, createTicket, updateTicket string
	conversation, openConversation, latestConversation, ticketConversation      string
	queue, createConversation, updateConversation, touchConversation            string
	touchActivity                                                               string
	message, messageByExt, messages, createMessage, updateMessage, pending      string
	firstPending, inboundLookup, inboundLookupNoDup                             string
	setTimer, deleteTimer, deleteTimerAt, timer, agents, workload, assignedTo   string
	agent, createAgent, updateAgent, team, putTeam, appendEvent                 string
	createRejection, rejection, rejections                                      string
	erase                                                                       eraseStatements
	merge                                                                       mergeStatements
	config                                                                      configStatements
	run                                                                         runStatements
	search                                                                      searchStatements
	deleteTags                                                                  string
	p                                                                           Placeholders
}

// NewStatements returns the statements for placeholder style p.
func NewStatements(p Placeholders) *Statements {
	s := &Statements{
		p:             p,
		deleteTags:    `DELETE FROM cc_ticket_tags WHERE workspace = ? AND ticket_id = ?`,
		contact:       `SELECT ` + contactCols + ` FROM cc_contacts WHERE workspace = ? AND id = ?`,
		contactByExt:  `SELECT c.workspace, c.id, c.name, c.language, c.fields, c.created_at, c.unreachable, c.version, c.renamed FROM cc_contact_handles h JOIN cc_contacts c ON c.workspace = h.workspace AND c.id = h.contact_id WHERE h.workspace = ? AND h.channel = ? AND h.external_id = ?`,
		createContact: `INSERT INTO cc_contacts (` + contactCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		createHandle:  `INSERT INTO cc_contact_handles (workspace, channel, external_id, contact_id) VALUES (?, ?, ?, ?)`,
		updateContact: `UPDATE cc_contacts SET name = ?, language = ?, fields = ?, unreachable = ?, renamed = ?, version = ? WHERE workspace = ? AND id = ? AND version = ?`,

		nextNumber:     `INSERT INTO cc_ticket_counters (workspace, last) VALUES (?, 1) ON CONFLICT (workspace) DO UPDATE SET last = cc_ticket_counters.last + 1 RETURNING last`,
		ticket:         `SELECT ` + ticketCols + ` FROM cc_tickets WHERE workspace = ? AND id = ?`,
		ticketByNumber: `SELECT ` + ticketCols + ` FROM cc_tickets WHERE workspace = ? AND number = ?`,
		openTickets:    `SELECT ` + ticketCols + ` FROM cc_tickets WHERE workspace = ? AND contact_id = ? AND status = 1 ORDER BY number`,
		createTicket:   `INSERT INTO cc_tickets (` + ticketCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		updateTicket:   `UPDATE cc_tickets SET subject = ?, status = ?, priority = ?, tags = ?, closed_at = ?, version = ? WHERE workspace = ? AND id = ? AND version = ?`,

		conversation:       `SELECT ` + conversationCols + ` FROM cc_conversations WHERE workspace = ? AND id = ?`,
		openConversation:   `SELECT ` + conversationCols + ` FROM cc_conversations WHERE workspace = ? AND channel = ? AND contact_id = ? AND state = 1`,
		latestConversation: `SELECT ` + conversationCols + ` FROM cc_conversations WHERE workspace = ? AND channel = ? AND contact_id = ? ORDER BY seq DESC LIMIT 1`,
		ticketConversation: `SELECT ` + conversationCols + ` FROM cc_conversations WHERE workspace = ? AND ticket_id = ? AND state = 1`,
		queue:              `SELECT ` + conversationCols + ` FROM cc_conversations WHERE workspace = ? AND state = 1 AND assignee = '' AND bot = '' ORDER BY priority DESC, waiting_since, id LIMIT ?`,
		createConversation: `INSERT INTO cc_conversations (` + conversationCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		updateConversation: `UPDATE cc_conversations SET state = ?, priority = ?, assignee = ?, team = ?, waiting_since = ?, abandoned = ?, last_activity = ?, closed_at = ?, close_reason = ?, closed_by = ?, note_category = ?, note_summary = ?, out_of_hours_until = ?, version = ?, bot = ? WHERE workspace = ? AND id = ? AND version = ?`,
		// updateConversation of a conversation of which only the last
		// activity changed from what is stored (UpdateConversationFrom).
		touchActivity: `UPDATE cc_conversations SET last_activity = ?, version = ? WHERE workspace = ? AND id = ? AND version = ?`,
		// updateConversation for a conversation whose indexed columns keep
		// their values: it sets none of them, and changes no row where one
		// of them differs.
		touchConversation: `UPDATE cc_conversations SET last_activity = ?, closed_at = ?, close_reason = ?, closed_by = ?, note_category = ?, note_summary = ?, out_of_hours_until = ?, version = ?
			WHERE workspace = ? AND id = ? AND version = ? AND state = ? AND priority = ? AND assignee = ? AND team = ? AND waiting_since = ? AND abandoned = ? AND bot = ?`,

		message:       `SELECT ` + messageCols + ` FROM cc_messages WHERE workspace = ? AND id = ?`,
		messageByExt:  `SELECT ` + messageCols + ` FROM cc_messages WHERE workspace = ? AND channel = ? AND external_id = ? AND direction = 1 AND external_id <> ''`,
		messages:      `SELECT ` + messageCols + ` FROM cc_messages WHERE workspace = ? AND conversation_id = ? ORDER BY seq`,
		createMessage: `INSERT INTO cc_messages (` + messageCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		updateMessage: `UPDATE cc_messages SET body = ?, attachments = ?, external_id = ?, delivery = ?, attempts = ?, next_attempt = ?, failure = ?, revisions = ?, altered = ?, version = ? WHERE workspace = ? AND id = ? AND version = ?`,
		// The first pending message of each conversation that is due, after
		// a position: the NOT EXISTS uses cc_messages_pending_by_conversation.
		pending: `SELECT ` + messageCols + ` FROM cc_messages m WHERE delivery = 1 AND next_attempt <= ?
			AND next_attempt >= ? AND (next_attempt, workspace, id) > (?, ?, ?)
			AND NOT EXISTS (SELECT 1 FROM cc_messages p WHERE p.workspace = m.workspace AND p.conversation_id = m.conversation_id AND p.delivery = 1 AND p.seq < m.seq)
			ORDER BY next_attempt, workspace, id LIMIT ?`,

		firstPending: `SELECT ` + messageCols + ` FROM cc_messages WHERE workspace = ? AND conversation_id = ? AND delivery = 1 ORDER BY seq LIMIT 1`,

		agent:       `SELECT ` + agentCols + ` FROM cc_agents WHERE workspace = ? AND id = ?`,
		createAgent: `INSERT INTO cc_agents (` + agentCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace, id) DO NOTHING`,
		updateAgent: `UPDATE cc_agents SET name = ?, role = ?, presence = ?, teams = ?, capacity = ?, last_assigned = ?, version = ? WHERE workspace = ? AND id = ? AND version = ?`,
		agents:      `SELECT ` + agentCols + ` FROM cc_agents WHERE workspace = ? ORDER BY id`,
		// The open conversations of each stored agent: assignees that are
		// no agent count for nobody, as in store.Workload.
		workload: `SELECT c.assignee, count(*) FROM cc_conversations c WHERE c.workspace = ? AND c.state = 1 AND c.assignee <> ''
			AND EXISTS (SELECT 1 FROM cc_agents a WHERE a.workspace = c.workspace AND a.id = c.assignee) GROUP BY c.assignee`,
		assignedTo: `SELECT ` + conversationCols + ` FROM cc_conversations WHERE workspace = ? AND state = 1 AND assignee = ? ORDER BY seq`,
		team:       `SELECT workspace, id, name FROM cc_teams WHERE workspace = ? AND id = ?`,
		putTeam:    `INSERT INTO cc_teams (workspace, id, name) VALUES (?, ?, ?) ON CONFLICT (workspace, id) DO UPDATE SET name = excluded.name`,
		setTimer: `INSERT INTO cc_timers (` + TimerCols + `) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (kind, workspace, key) DO UPDATE SET due = excluded.due, payload = excluded.payload`,
		deleteTimer:   `DELETE FROM cc_timers WHERE kind = ? AND workspace = ? AND key = ?`,
		deleteTimerAt: `DELETE FROM cc_timers WHERE kind = ? AND workspace = ? AND key = ? AND due = ? RETURNING 1`,
		timer:         `SELECT ` + TimerCols + ` FROM cc_timers WHERE kind = ? AND workspace = ? AND key = ?`,

		inboundLookup:      fmt.Sprintf(inboundLookup, duplicateCheck),
		inboundLookupNoDup: fmt.Sprintf(inboundLookup, "''"),
		appendEvent:        `INSERT INTO cc_events (` + eventWriteCols + `, part) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,

		createRejection: `INSERT INTO cc_rejections (` + rejectionCols + `) VALUES (?, ?, ?, ?, ?, ?)`,
		rejection:       `SELECT ` + rejectionCols + ` FROM cc_rejections WHERE workspace = ? AND channel = ? AND external_id = ?`,
		rejections:      `SELECT ` + rejectionCols + ` FROM cc_rejections WHERE workspace = ? ORDER BY seq DESC LIMIT ?`,
		erase:           newEraseStatements(p),
		merge:           newMergeStatements(p),
		config:          newConfigStatements(p),
		run:             newRunStatements(p),
		search:          newSearchStatements(p),
	}
	for _, q := range []*string{
		&s.contact, &s.contactByExt, &s.createContact, &s.createHandle, &s.updateContact,
		&s.nextNumber, &s.ticket, &s.ticketByNumber, &s.openTickets, &s.createTicket, &s.updateTicket,
		&s.conversation, &s.openConversation, &s.latestConversation, &s.ticketConversation,
		&s.queue, &s.createConversation, &s.updateConversation, &s.touchConversation, &s.touchActivity,
		&s.message, &s.messageByExt, &s.messages, &s.createMessage, &s.updateMessage, &s.pending, &s.firstPending, &s.inboundLookup, &s.inboundLookupNoDup, &s.setTimer, &s.deleteTimer, &s.deleteTimerAt, &s.timer, &s.agents, &s.workload, &s.assignedTo,
		&s.agent, &s.createAgent, &s.updateAgent, &s.team, &s.putTeam, &s.appendEvent,
		&s.createRejection, &s.rejection, &s.rejections, &s.deleteTags,
	} {
		*q = Rebind(p, *q)
	}
	return s
}
