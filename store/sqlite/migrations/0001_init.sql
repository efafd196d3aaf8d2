-- Schema of the contactcenter SQLite store. Times are microseconds since
-- the Unix epoch (UTC), 0 for none; lists and maps are JSON TEXT, '' for
-- none.

CREATE TABLE cc_contacts (
	workspace  TEXT   NOT NULL,
	id         TEXT   NOT NULL,
	name       TEXT   NOT NULL,
	language   TEXT   NOT NULL,
	fields     TEXT   NOT NULL,
	created_at INTEGER NOT NULL,
	unreachable INTEGER NOT NULL DEFAULT 0,
	version    INTEGER NOT NULL,
	PRIMARY KEY (workspace, id)
);

CREATE TABLE cc_contact_handles (
	workspace   TEXT NOT NULL,
	channel     TEXT NOT NULL,
	external_id TEXT NOT NULL,
	contact_id  TEXT NOT NULL,
	PRIMARY KEY (workspace, channel, external_id)
);

CREATE TABLE cc_ticket_counters (
	workspace TEXT   PRIMARY KEY,
	last      INTEGER NOT NULL
);

CREATE TABLE cc_tickets (
	workspace  TEXT     NOT NULL,
	id         TEXT     NOT NULL,
	number     INTEGER   NOT NULL,
	contact_id TEXT     NOT NULL,
	subject    TEXT     NOT NULL,
	status     INTEGER NOT NULL,
	priority   INTEGER NOT NULL,
	tags       TEXT     NOT NULL,
	opened_at  INTEGER   NOT NULL,
	closed_at  INTEGER   NOT NULL,
	version    INTEGER   NOT NULL,
	PRIMARY KEY (workspace, id),
	UNIQUE (workspace, number)
);
CREATE INDEX cc_tickets_open_by_contact ON cc_tickets (workspace, contact_id, number) WHERE status = 1;

CREATE TABLE cc_conversations (
	seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
	workspace           TEXT      NOT NULL,
	id                  TEXT      NOT NULL,
	ticket_id           TEXT      NOT NULL,
	ticket_number       INTEGER    NOT NULL,
	channel             TEXT      NOT NULL,
	contact_id          TEXT      NOT NULL,
	contact_external_id TEXT      NOT NULL,
	state               INTEGER  NOT NULL,
	priority            INTEGER  NOT NULL,
	assignee            TEXT      NOT NULL,
	team                TEXT      NOT NULL,
	waiting_since       INTEGER    NOT NULL,
	abandoned           INTEGER NOT NULL DEFAULT 0,
	opened_at           INTEGER    NOT NULL,
	last_activity       INTEGER    NOT NULL,
	closed_at           INTEGER    NOT NULL,
	close_reason        TEXT      NOT NULL,
	closed_by           TEXT      NOT NULL,
	note_category       TEXT      NOT NULL,
	note_summary        TEXT      NOT NULL,
	version             INTEGER    NOT NULL,
	UNIQUE (workspace, id)
);
CREATE UNIQUE INDEX cc_conversations_open_per_contact ON cc_conversations (workspace, channel, contact_id) WHERE state = 1;
CREATE UNIQUE INDEX cc_conversations_open_per_ticket ON cc_conversations (workspace, ticket_id) WHERE state = 1;
CREATE INDEX cc_conversations_open_by_external ON cc_conversations (workspace, channel, contact_external_id) WHERE state = 1;
CREATE INDEX cc_conversations_by_assignee ON cc_conversations (workspace, assignee) WHERE state = 1 AND assignee <> '';
CREATE INDEX cc_conversations_latest ON cc_conversations (workspace, channel, contact_id, seq DESC);
CREATE INDEX cc_conversations_queue ON cc_conversations (workspace, priority DESC, waiting_since, id) WHERE state = 1 AND assignee = '';

CREATE TABLE cc_messages (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	workspace       TEXT      NOT NULL,
	id              TEXT      NOT NULL,
	conversation_id TEXT      NOT NULL,
	ticket_id       TEXT      NOT NULL,
	channel         TEXT      NOT NULL,
	direction       INTEGER  NOT NULL,
	author_kind     INTEGER  NOT NULL,
	author_agent    TEXT      NOT NULL,
	kind            INTEGER  NOT NULL,
	body            TEXT      NOT NULL,
	attachments     TEXT      NOT NULL,
	external_id     TEXT      NOT NULL,
	created_at      INTEGER    NOT NULL,
	delivery        INTEGER  NOT NULL,
	attempts        INTEGER   NOT NULL,
	next_attempt    INTEGER    NOT NULL,
	failure         TEXT      NOT NULL,
	revisions       TEXT      NOT NULL,
	version         INTEGER    NOT NULL,
	UNIQUE (workspace, id)
);
CREATE UNIQUE INDEX cc_messages_inbound_external ON cc_messages (workspace, channel, external_id) WHERE direction = 1 AND external_id <> '';
CREATE INDEX cc_messages_by_conversation ON cc_messages (workspace, conversation_id, seq);
CREATE INDEX cc_messages_pending ON cc_messages (next_attempt) WHERE delivery = 1;
CREATE INDEX cc_messages_pending_by_conversation ON cc_messages (workspace, conversation_id, seq) WHERE delivery = 1;

CREATE TABLE cc_agents (
	workspace TEXT     NOT NULL,
	id        TEXT     NOT NULL,
	name      TEXT     NOT NULL,
	role      INTEGER NOT NULL,
	presence  INTEGER NOT NULL,
	teams     TEXT     NOT NULL,
	capacity  INTEGER  NOT NULL,
	last_assigned INTEGER NOT NULL DEFAULT 0,
	version   INTEGER   NOT NULL,
	PRIMARY KEY (workspace, id)
);

CREATE TABLE cc_teams (
	workspace TEXT NOT NULL,
	id        TEXT NOT NULL,
	name      TEXT NOT NULL,
	PRIMARY KEY (workspace, id)
);

CREATE TABLE cc_events (
	seq             INTEGER PRIMARY KEY AUTOINCREMENT,
	workspace       TEXT   NOT NULL,
	type            TEXT   NOT NULL,
	at              INTEGER NOT NULL,
	conversation_id TEXT   NOT NULL,
	ticket_id       TEXT   NOT NULL,
	ticket_number   INTEGER NOT NULL,
	message_id      TEXT   NOT NULL,
	agent           TEXT   NOT NULL,
	previous        TEXT   NOT NULL,
	team            TEXT   NOT NULL,
	reason          TEXT   NOT NULL,
	presence        INTEGER NOT NULL
);

-- One row: the process that publishes events now, until when.
CREATE TABLE cc_drain_lock (
	id     INTEGER PRIMARY KEY CHECK (id = 1),
	holder TEXT    NOT NULL,
	until  INTEGER NOT NULL
);

-- Time-driven work: one timer per kind, workspace and key.
CREATE TABLE cc_timers (
	kind      TEXT   NOT NULL,
	workspace TEXT   NOT NULL,
	key       TEXT   NOT NULL,
	due       INTEGER NOT NULL,
	PRIMARY KEY (kind, workspace, key)
);
CREATE INDEX cc_timers_due ON cc_timers (due);
