// Package ccload measures and breaks a contact center that runs as several
// engine processes on one PostgreSQL schema: the harness of cmd/ccload and
// of store/postgres's kill test.
//
// A parent prepares a schema (Prepare: a channel and, for each process,
// its own contacts with an open conversation each), then starts P child
// processes (Runner.Run), each running Child: one contactcenter.Engine on
// store/postgres whose writers call Engine.Receive for the process's own
// contacts for a fixed time, or, in bare mode, the same writers running
// the minimum transaction a store must make for a message (insert it,
// update its conversation), the database's own ceiling.
//
// An engine child's PublishBatch hook writes every event it is given as a
// line to its stdout, and flushes the lines before it returns: an event
// the store forgets as published has reached the parent, even if the child
// is killed right after. The parent merges the children's streams by the
// time each event was published and checks them against what the store
// holds (Analyze): every inbound message stored has its message.received
// event published, the events of each conversation are first published in
// commit order, repeats are counted (R17, R18).
//
// The harness uses only Engine's public API and the store.Store contract,
// so that it measures any way of publishing that sits behind them.
package ccload

import (
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/ticket"
)

// The workspace and channel of a load run.
const (
	Workspace ticket.WorkspaceID = "load"
	Channel   channel.ID         = "tg"
)

// ChildEnv is the environment variable that makes a process a child of
// the harness: it holds the ChildSpec as JSON.
const ChildEnv = "CCLOAD_CHILD"

// The modes of a child.
const (
	// ModeEngine runs an engine whose writers call Engine.Receive.
	ModeEngine = "engine"
	// ModeBare runs the bare transaction of a message: INSERT of the
	// message and UPDATE of its conversation, nothing else.
	ModeBare = "bare"
)

// ChildSpec configures one child process.
type ChildSpec struct {
	// Mode is ModeEngine or ModeBare.
	Mode string `json:"mode"`
	// DSN names the database and schema (search_path).
	DSN string `json:"dsn"`
	// Run numbers the run in its schema: it prefixes the external ids of
	// the messages the child sends, so that a run's messages are told
	// from another's.
	Run int `json:"run"`
	// Proc is the child's index; its contacts are ContactID(Proc, i).
	Proc int `json:"proc"`
	// Writers is the number of concurrent writers; Contacts the number
	// of contacts of each writer, which only it writes to.
	Writers  int `json:"writers"`
	Contacts int `json:"contacts"`
	// Duration is how long the writers write once the parent says go.
	Duration time.Duration `json:"duration"`
}

// ContactID is the channel's id of contact i of process proc.
func ContactID(proc, i int) string { return fmt.Sprintf("p%d-c%d", proc, i) }

// externalID is the channel's id of message n of writer w of process proc
// in run run; runPrefix(run) starts it.
func externalID(run, proc, w, n int) string { return fmt.Sprintf("r%d-p%d-w%d-%d", run, proc, w, n) }

func runPrefix(run int) string { return fmt.Sprintf("r%d-", run) }

// DefaultDSN is the database of the module's tests:
// $CONTACTCENTER_POSTGRES_DSN, or the server on 127.0.0.1:5432, database
// test.
func DefaultDSN() string {
	if dsn := os.Getenv("CONTACTCENTER_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return "postgres://127.0.0.1:5432/test?sslmode=disable"
}

// WithParam returns dsn with a connection parameter set, in the DSN's own
// form (URL or key=value).
func WithParam(dsn, key, value string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return dsn + " " + key + "=" + value
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
