-- Contacts' messages put aside for good (conversation.RejectedMessage,
-- R18): one per workspace, channel and the channel's id of the message.
-- from_id is the contact's id on the channel, '' if unknown; at is in
-- microseconds since the Unix epoch. seq orders them as created.
CREATE TABLE cc_rejections (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	workspace   TEXT    NOT NULL,
	channel     TEXT    NOT NULL,
	external_id TEXT    NOT NULL,
	from_id     TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	UNIQUE (workspace, channel, external_id)
);
CREATE INDEX cc_rejections_newest ON cc_rejections (workspace, seq DESC);
