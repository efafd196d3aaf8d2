-- A conversation's messages by page (store.MessagePager): ordered by
-- created_at, then id, read either way from the cursor, so that a page
-- reads its rows and stops.
CREATE INDEX cc_messages_page ON cc_messages (workspace, conversation_id, created_at, id);
-- A contact's tickets, open and closed, newest first
-- (store.Tx.ContactTickets), and a ticket's conversations by opening time
-- (store.Tx.TicketConversations).
CREATE INDEX cc_tickets_by_contact ON cc_tickets (workspace, contact_id, number);
CREATE INDEX cc_conversations_by_ticket_opened ON cc_conversations (workspace, ticket_id, opened_at, id);
