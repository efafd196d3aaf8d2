-- The chatbot that holds a conversation (conversation.Conversation.Bot,
-- R2); '' for none. A held conversation is open and unassigned but not in
-- the queue, so the queue's indexes leave it out.
ALTER TABLE cc_conversations ADD COLUMN bot text NOT NULL DEFAULT '';
DROP INDEX cc_conversations_queue;
CREATE INDEX cc_conversations_queue ON cc_conversations (workspace, priority DESC, waiting_since, id) WHERE state = 1 AND assignee = '' AND bot = '';
DROP INDEX cc_conversations_queue_groups;
CREATE INDEX cc_conversations_queue_groups ON cc_conversations (workspace, channel, team, abandoned, priority DESC, waiting_since, id) WHERE state = 1 AND assignee = '' AND bot = '';
-- The bot an event names (conversation.Event.Bot), '' for none, and the
-- data of a bot.notified event (conversation.Event.Data): a JSON object,
-- '' for none.
ALTER TABLE cc_events ADD COLUMN bot text NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN data text NOT NULL DEFAULT '';
