-- Contact search (store.Tx.SearchContacts), kept by the store with every
-- write of a contact. cc_contact_names holds the keys of a contact's name
-- (store.ContactNameKeys: folded in Go, as SQLite's lower() folds only
-- ASCII); a name search reads a range of them by prefix. The rows of
-- existing contacts are written in Go, in the migration's transaction,
-- after this script.
CREATE TABLE cc_contact_names (
	workspace  TEXT NOT NULL,
	contact_id TEXT NOT NULL,
	key        TEXT NOT NULL,
	PRIMARY KEY (workspace, contact_id, key)
) WITHOUT ROWID;
CREATE INDEX cc_contact_names_by_key ON cc_contact_names (workspace, key, contact_id);
-- A contact's custom fields, one row each, kept with cc_contacts.fields
-- (the JSON map stays the contact's record): the field search reads them
-- by key and value.
CREATE TABLE cc_contact_fields (
	workspace  TEXT NOT NULL,
	contact_id TEXT NOT NULL,
	key        TEXT NOT NULL,
	value      TEXT NOT NULL,
	PRIMARY KEY (workspace, contact_id, key)
) WITHOUT ROWID;
CREATE INDEX cc_contact_fields_by_value ON cc_contact_fields (workspace, key, value, contact_id);
INSERT INTO cc_contact_fields (workspace, contact_id, key, value)
	SELECT c.workspace, c.id, j.key, j.value FROM cc_contacts c, json_each(c.fields) j WHERE c.fields <> '';
-- The external id search reads the identities by external id, on any
-- channel, in the order of the contacts' ids.
CREATE INDEX cc_contact_handles_by_external ON cc_contact_handles (workspace, external_id, contact_id, channel);
