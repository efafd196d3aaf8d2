-- The records of workflow runs (store.WorkflowRun, R16), one row per
-- workspace and id. conversation is '' for a run about none; open is set
-- while the run has not ended; started_at is in nanoseconds since the
-- epoch, as timers' due times are, so that the order of runs and the
-- cursors of their pages are exact. body is the run in the engine's
-- encoding, kept as given.
CREATE TABLE cc_workflow_runs (
	workspace    TEXT    NOT NULL,
	id           TEXT    NOT NULL,
	workflow     TEXT    NOT NULL,
	conversation TEXT    NOT NULL,
	open         INTEGER NOT NULL,
	started_at   INTEGER NOT NULL,
	version      INTEGER NOT NULL,
	body         BLOB    NOT NULL,
	PRIMARY KEY (workspace, id)
);
-- The pages of store.Tx.WorkflowRuns, newest first (read backwards): the
-- runs of a workspace, of a workflow, of a conversation, and the open
-- runs of a conversation.
CREATE INDEX cc_workflow_runs_by_started ON cc_workflow_runs (workspace, started_at, id);
CREATE INDEX cc_workflow_runs_by_workflow ON cc_workflow_runs (workspace, workflow, started_at, id);
CREATE INDEX cc_workflow_runs_by_conversation ON cc_workflow_runs (workspace, conversation, started_at, id);
CREATE INDEX cc_workflow_runs_open ON cc_workflow_runs (workspace, conversation, started_at, id) WHERE open;
