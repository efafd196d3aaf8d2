-- A conversation's messages by page (store.MessagePager): ordered by
-- created_at, then id, read either way from the cursor, so that a page
-- reads its rows and stops.
CREATE INDEX cc_messages_page ON cc_messages (workspace, conversation_id, created_at, id);
