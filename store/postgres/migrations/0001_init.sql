-- Schema of the contactcenter PostgreSQL store. Times are microseconds since
-- the Unix epoch (UTC), 0 for none; lists and maps are JSON text, '' for
-- none.

CREATE TABLE cc_contacts (
	workspace  text   NOT NULL,
	id         text   NOT NULL,
	name       text   NOT NULL,
	language   text   NOT NULL,
	fields     text   NOT NULL,
	created_at bigint NOT NULL,
	unreachable boolean NOT NULL DEFAULT false,
	version    bigint NOT NULL,
	PRIMARY KEY (workspace, id)
);

CREATE TABLE cc_contact_handles (
	workspace   text NOT NULL,
	channel     text NOT NULL,
	external_id text NOT NULL,
	contact_id  text NOT NULL,
	PRIMARY KEY (workspace, channel, external_id)
);

CREATE TABLE cc_ticket_counters (
	workspace text   PRIMARY KEY,
	last      bigint NOT NULL
);

CREATE TABLE cc_tickets (
	workspace  text     NOT NULL,
	id         text     NOT NULL,
	number     bigint   NOT NULL,
	contact_id text     NOT NULL,
	subject    text     NOT NULL,
	status     smallint NOT NULL,
	priority   smallint NOT NULL,
	tags       text     NOT NULL,
	opened_at  bigint   NOT NULL,
	closed_at  bigint   NOT NULL,
	version    bigint   NOT NULL,
	PRIMARY KEY (workspace, id),
	UNIQUE (workspace, number)
);
CREATE INDEX cc_tickets_open_by_contact ON cc_tickets (workspace, contact_id, number) WHERE status = 1;

CREATE TABLE cc_conversations (
	seq                 bigserial NOT NULL,
	workspace           text      NOT NULL,
	id                  text      NOT NULL,
	ticket_id           text      NOT NULL,
	ticket_number       bigint    NOT NULL,
	channel             text      NOT NULL,
	contact_id          text      NOT NULL,
	contact_external_id text      NOT NULL,
	state               smallint  NOT NULL,
	priority            smallint  NOT NULL,
	assignee            text      NOT NULL,
	team                text      NOT NULL,
	waiting_since       bigint    NOT NULL,
	abandoned           boolean NOT NULL DEFAULT false,
	opened_at           bigint    NOT NULL,
	last_activity       bigint    NOT NULL,
	closed_at           bigint    NOT NULL,
	close_reason        text      NOT NULL,
	closed_by           text      NOT NULL,
	note_category       text      NOT NULL,
	note_summary        text      NOT NULL,
	version             bigint    NOT NULL,
	PRIMARY KEY (workspace, id)
);
CREATE UNIQUE INDEX cc_conversations_open_per_contact ON cc_conversations (workspace, channel, contact_id) WHERE state = 1;
CREATE UNIQUE INDEX cc_conversations_open_per_ticket ON cc_conversations (workspace, ticket_id) WHERE state = 1;
CREATE INDEX cc_conversations_open_by_external ON cc_conversations (workspace, channel, contact_external_id) WHERE state = 1;
CREATE INDEX cc_conversations_by_assignee ON cc_conversations (workspace, assignee) WHERE state = 1 AND assignee <> '';
CREATE INDEX cc_conversations_latest ON cc_conversations (workspace, channel, contact_id, seq DESC);
CREATE INDEX cc_conversations_queue ON cc_conversations (workspace, priority DESC, waiting_since, id) WHERE state = 1 AND assignee = '';

CREATE TABLE cc_messages (
	seq             bigserial NOT NULL,
	workspace       text      NOT NULL,
	id              text      NOT NULL,
	conversation_id text      NOT NULL,
	ticket_id       text      NOT NULL,
	channel         text      NOT NULL,
	direction       smallint  NOT NULL,
	author_kind     smallint  NOT NULL,
	author_agent    text      NOT NULL,
	kind            smallint  NOT NULL,
	body            text      NOT NULL,
	attachments     text      NOT NULL,
	external_id     text      NOT NULL,
	created_at      bigint    NOT NULL,
	delivery        smallint  NOT NULL,
	attempts        integer   NOT NULL,
	next_attempt    bigint    NOT NULL,
	failure         text      NOT NULL,
	revisions       text      NOT NULL,
	version         bigint    NOT NULL,
	PRIMARY KEY (workspace, id)
);
CREATE UNIQUE INDEX cc_messages_inbound_external ON cc_messages (workspace, channel, external_id) WHERE direction = 1 AND external_id <> '';
CREATE INDEX cc_messages_by_conversation ON cc_messages (workspace, conversation_id, seq);
CREATE INDEX cc_messages_pending ON cc_messages (next_attempt) WHERE delivery = 1;
CREATE INDEX cc_messages_pending_by_conversation ON cc_messages (workspace, conversation_id, seq) WHERE delivery = 1;

CREATE TABLE cc_agents (
	workspace text     NOT NULL,
	id        text     NOT NULL,
	name      text     NOT NULL,
	role      smallint NOT NULL,
	presence  smallint NOT NULL,
	teams     text     NOT NULL,
	capacity  integer  NOT NULL,
	last_assigned bigint NOT NULL DEFAULT 0,
	version   bigint   NOT NULL,
	PRIMARY KEY (workspace, id)
);

CREATE TABLE cc_teams (
	workspace text NOT NULL,
	id        text NOT NULL,
	name      text NOT NULL,
	PRIMARY KEY (workspace, id)
);

CREATE TABLE cc_events (
	seq             bigserial PRIMARY KEY,
	workspace       text   NOT NULL,
	type            text   NOT NULL,
	at              bigint NOT NULL,
	conversation_id text   NOT NULL,
	ticket_id       text   NOT NULL,
	ticket_number   bigint NOT NULL,
	message_id      text   NOT NULL,
	agent           text   NOT NULL,
	previous        text   NOT NULL,
	team            text   NOT NULL,
	reason          text   NOT NULL,
	presence        smallint NOT NULL
);

-- cc_conflict fails the statement that calls it: a write that named a
-- version that is no longer the stored one. The store reports it as a
-- version conflict; failing the statement keeps the commit that is sent in
-- the same round trip from committing the transaction's other writes.
CREATE FUNCTION cc_conflict() RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'version conflict' USING ERRCODE = 'CC001';
END
$$;

-- Time-driven work: one timer per kind, workspace and key.
CREATE TABLE cc_timers (
	kind      text   NOT NULL,
	workspace text   NOT NULL,
	key       text   NOT NULL,
	due       bigint NOT NULL,
	PRIMARY KEY (kind, workspace, key)
);
CREATE INDEX cc_timers_due ON cc_timers (due);
