-- What was done to a contact's message so that it could be stored
-- (conversation.Alteration flags); 0: stored as it came.
ALTER TABLE cc_messages ADD COLUMN altered INTEGER NOT NULL DEFAULT 0;
-- Events name a rejected contact's message by channel and the channel's
-- id, say why, and carry a received message's alterations.
ALTER TABLE cc_events ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN external_id TEXT NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN detail TEXT NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN altered INTEGER NOT NULL DEFAULT 0;
