-- Contacts' messages put aside for good (conversation.RejectedMessage,
-- R18): one per workspace, channel and the channel's id of the message.
-- from_id is the contact's id on the channel, '' if unknown; at is in
-- microseconds since the Unix epoch. seq orders them as created.
CREATE TABLE cc_rejections (
	seq         bigserial NOT NULL,
	workspace   text      NOT NULL,
	channel     text      NOT NULL,
	external_id text      NOT NULL,
	from_id     text      NOT NULL,
	reason      text      NOT NULL,
	at          bigint    NOT NULL,
	PRIMARY KEY (workspace, channel, external_id)
);
CREATE INDEX cc_rejections_newest ON cc_rejections (workspace, seq DESC);
