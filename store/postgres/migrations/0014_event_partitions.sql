-- The event stream in partitions (store.EventPartition), so that several
-- processes publish at once while a conversation's events keep their
-- order (R17). part is set by the store as it appends an event; the events
-- stored before this migration get theirs after this script.
ALTER TABLE cc_events ADD COLUMN part smallint NOT NULL DEFAULT 0;

-- The handles that publish, each until its lease ends (microseconds of
-- the server's clock). A handle renews its row while it drains and
-- deletes it when it stops.
CREATE TABLE cc_publishers (
	holder text   PRIMARY KEY,
	until  bigint NOT NULL
);

-- One row per partition: the handle that publishes it, until when. A
-- partition whose lease ended is free.
CREATE TABLE cc_event_leases (
	part   smallint PRIMARY KEY,
	holder text     NOT NULL DEFAULT '',
	until  bigint   NOT NULL DEFAULT 0
);
INSERT INTO cc_event_leases (part) SELECT generate_series(0, 31);
