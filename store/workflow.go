package store

import (
	"time"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// WorkflowRun is a run of a workflow (R16) as a store keeps it: the
// columns the engine queries by, and the run itself in Body, in the
// engine's encoding, kept as given.
type WorkflowRun struct {
	Workspace ticket.WorkspaceID
	ID        string
	// Workflow is the workflow's name.
	Workflow string
	// Conversation is the conversation the run is about; "" for a run
	// that is about none (an agent's presence).
	Conversation conversation.ID
	// Open: the run has not ended (it runs, or waits).
	Open bool
	// StartedAt orders a query's runs.
	StartedAt time.Time
	// Version is 1 for a new run and grows by one with each update.
	Version int64
	Body    []byte
}

// MaxRunPage is the largest Limit of a RunFilter.
const MaxRunPage = 200

// RunCursor is where a page of runs ended, to ask for the next; opaque.
type RunCursor string

// RunFilter selects runs of a workspace for WorkflowRuns.
type RunFilter struct {
	// Workflow: the runs of this workflow; "" any.
	Workflow string
	// Conversation: the runs about this conversation; "" any.
	Conversation conversation.ID
	// OpenOnly: the runs that have not ended.
	OpenOnly bool
	// After is the cursor of the page before; "" for the first page.
	After RunCursor
	// Limit is the page's size, 1…MaxRunPage; 0 is 50.
	Limit int
}
