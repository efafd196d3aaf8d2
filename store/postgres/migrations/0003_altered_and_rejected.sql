-- What was done to a contact's message so that it could be stored
-- (conversation.Alteration flags); 0: stored as it came.
ALTER TABLE cc_messages ADD COLUMN altered smallint NOT NULL DEFAULT 0;
-- Events name a rejected contact's message by channel and the channel's
-- id, say why, and carry a received message's alterations.
ALTER TABLE cc_events ADD COLUMN channel text NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN external_id text NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN detail text NOT NULL DEFAULT '';
ALTER TABLE cc_events ADD COLUMN altered smallint NOT NULL DEFAULT 0;
