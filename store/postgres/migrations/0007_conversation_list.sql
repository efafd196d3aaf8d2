-- The conversation list (store.Tx.Conversations): ordered by opened_at,
-- then id, each filter served by an index in that order, so that a page
-- reads its rows and stops. The waiting time filters the rows of that
-- order (an index of waiting_since would make the planner sort every
-- waiting row).
CREATE INDEX cc_conversations_list ON cc_conversations (workspace, opened_at, id, waiting_since);
CREATE INDEX cc_conversations_list_state ON cc_conversations (workspace, state, opened_at, id);
CREATE INDEX cc_conversations_list_assignee ON cc_conversations (workspace, assignee, opened_at, id);
CREATE INDEX cc_conversations_list_team ON cc_conversations (workspace, team, opened_at, id);
CREATE INDEX cc_conversations_list_channel ON cc_conversations (workspace, channel, opened_at, id);
CREATE INDEX cc_conversations_by_ticket ON cc_conversations (workspace, ticket_id);
-- A ticket's tags, one row each, kept by the store with cc_tickets.tags
-- (the JSON list stays the ticket's record): the tag filter reads them
-- by tag.
CREATE TABLE cc_ticket_tags (
	workspace text NOT NULL,
	ticket_id text NOT NULL,
	tag       text NOT NULL,
	PRIMARY KEY (workspace, ticket_id, tag)
);
CREATE INDEX cc_ticket_tags_by_tag ON cc_ticket_tags (workspace, tag, ticket_id);
INSERT INTO cc_ticket_tags (workspace, ticket_id, tag)
	SELECT t.workspace, t.id, j FROM cc_tickets t, json_array_elements_text(t.tags::json) j WHERE t.tags <> '';
