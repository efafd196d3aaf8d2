-- Configuration records (store.Config): channels, templates, snippets,
-- service hours, and the kinds later features add, one row per workspace,
-- kind and name. body is the record's content as its owner encodes it;
-- refs are the records it names, JSON text in their order, '' for none.
CREATE TABLE cc_configs (
	workspace text   NOT NULL,
	kind      text   NOT NULL,
	name      text   NOT NULL,
	version   bigint NOT NULL,
	body      bytea  NOT NULL,
	refs      text   NOT NULL,
	PRIMARY KEY (workspace, kind, name)
);
-- The references again, one row each, found by the record they name, so
-- that deleting a record asks an index whether another names it.
CREATE TABLE cc_config_refs (
	workspace text NOT NULL,
	ref_kind  text NOT NULL,
	ref_name  text NOT NULL,
	kind      text NOT NULL,
	name      text NOT NULL,
	PRIMARY KEY (workspace, ref_kind, ref_name, kind, name)
);
CREATE INDEX cc_config_refs_by_record ON cc_config_refs (workspace, kind, name);
-- A workspace's configuration revision (store.Tx.ConfigRevision): raised
-- by every write of a record, read by each command to know whether its
-- engine's copy of the configuration is current.
CREATE TABLE cc_config_revisions (
	workspace text   PRIMARY KEY,
	revision  bigint NOT NULL
);
