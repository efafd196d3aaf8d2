package postgres_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/internal/ccload"
	"github.com/telenet/contactcenter/store/postgres"
)

// leaseBound is how soon publication must resume after an engine process
// is killed: the longest publish lag of the events stored after the kill,
// and the longest wait, from the kill, of the events stored before it
// that the killed process had not published. A process that takes over a
// killed one's share of publication once a lease ends needs the lease and
// a drain and a rebalance: the bound is that lease with a margin for a
// machine the test shares.
const leaseBound = postgres.PublishLease + 3*time.Second

// The kill test's load: three processes of 4 writers with 4 contacts
// each, writing for 6 s; the second is killed 2 s in, as it publishes.
const (
	killWriters, killContacts = 4, 4
	killDuration, killAfter   = 6 * time.Second, 2 * time.Second
)

// syncBuffer collects the children's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Three engine processes on one schema, each writing to its own
// contacts under load and publishing through Config.PublishBatch; one is
// killed with SIGKILL in the middle, as it publishes (its drain may not
// yet have forgotten the events it published, which then come again). Every message stored has its
// message.received event published at least once, by one process or
// another (R18); each conversation's events are first published in commit
// order, and its messages in the order they were stored (R17, see
// ccload.Analysis); and publication goes on after the kill: the events
// stored after it are published within leaseBound, and so are those the
// killed process left.
//
// The children are this test binary again, with $CCLOAD_CHILD set.
func TestKillOneOfThreeEngines(t *testing.T) {
	if os.Getenv(ccload.ChildEnv) != "" {
		require.NoError(t, ccload.ChildMain(os.Stdin, os.Stdout))
		return
	}
	dsn := freshSchema(t)
	ctx := context.Background()
	require.NoError(t, ccload.Prepare(ctx, dsn, 3, killWriters, killContacts))
	stderr := &syncBuffer{}
	r := &ccload.Runner{DSN: dsn, Writers: killWriters, Contacts: killContacts, Stderr: stderr,
		Command: func() *exec.Cmd {
			return exec.Command(os.Args[0], "-test.run=^TestKillOneOfThreeEngines$", "-test.count=1")
		}}
	res, err := r.Run(ctx, ccload.RunSpec{Mode: ccload.ModeEngine, Processes: 3, Duration: killDuration,
		Kill: &ccload.Kill{Proc: 1, After: killAfter, InPublish: true}})
	require.NoError(t, err, "children's stderr:\n%s", stderr.String())
	a, k := res.Analysis, res.Analysis.AfterKill
	t.Logf("%d messages stored (%.0f/s), %d of the killed process; %d events, %d repeats; lag p50 %v p99 %v max %v; "+
		"killed in publish: %v; %d events stored after the kill, longest lag %v; %d stored before and published after, the last %v after the kill; drains %d, ErrBusy %d",
		res.Stored, res.MsgsPerSec, res.Killed.Stored, a.Events, a.Duplicates, a.LagP50, a.LagP99, a.LagMax,
		res.Killed.InPublish, k.StoredAfter, k.MaxLag, k.Stranded, k.MaxResume, res.Drains, res.Busy)

	require.Positive(t, res.Killed.Stored, "the killed process had stored messages: it was killed under load")
	require.Positive(t, k.StoredAfter, "the others stored events after the kill")
	assert.Zero(t, res.Unpublished, "the store holds no event once the living processes settle")
	assert.Zero(t, a.Lost, "every message stored has its message.received published: %v", a.Examples)
	assert.Zero(t, a.OrderViolations, "messages published in stored order: %v", a.Examples)
	assert.Zero(t, a.SeqViolations, "events published in Seq order per conversation: %v", a.Examples)
	assert.Zero(t, a.Phantom, "no event of a message not stored: %v", a.Examples)
	assert.Zero(t, a.Doubled, "one message.received per message: %v", a.Examples)
	assert.Less(t, k.MaxLag, leaseBound, "the events stored after the kill are published within the bound")
	assert.Less(t, k.MaxResume, leaseBound, "the events stored before the kill are published within the bound after it")
}
