package ccload

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/telenet/contactcenter"
	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store/postgres"
)

// FreshSchema makes a new schema, named prefix and a random suffix, in the
// database dsn names, and returns a DSN whose search_path names it and a
// function that drops it.
func FreshSchema(ctx context.Context, dsn, prefix string) (string, func() error, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("ccload: PostgreSQL at %s: %w", dsn, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("ccload: create schema: %w", err)
	}
	drop := func() error {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return fmt.Errorf("ccload: dropping schema %s: %w", schema, err)
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("ccload: dropping schema %s: %w", schema, err)
		}
		return nil
	}
	return WithParam(dsn, "search_path", schema), drop, nil
}

// Prepare makes the schema dsn names ready for runs of up to processes
// children with writers×contacts contacts each: it stores the channel and
// opens one conversation per contact, with an engine whose events are
// published to nowhere before it returns, and then has the database
// gather its statistics, as a database in service has them.
func Prepare(ctx context.Context, dsn string, processes, writers, contacts int) error {
	s, err := postgres.Open(ctx, WithParam(dsn, "pool_max_conns", "12"))
	if err != nil {
		return err
	}
	defer s.Close()
	eng, err := contactcenter.New(contactcenter.Config{Store: s, Publish: func(context.Context, conversation.Event) error { return nil }})
	if err != nil {
		return err
	}
	defer eng.Close()
	if err := eng.PutChannel(ctx, contactcenter.ChannelChange{
		Channel:   channel.Channel{ID: Channel, Workspace: Workspace, Kind: channel.KindMemory, Account: "bot"},
		Transport: channel.NewMemoryTransport(channel.Capabilities{Text: true}),
		By:        conversation.Host(),
	}); err != nil {
		return err
	}
	total := processes * writers * contacts
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			var err error
			for k := g; k < total && err == nil; k += 8 {
				proc, i := k/(writers*contacts), k%(writers*contacts)
				_, err = eng.Receive(ctx, contactcenter.Inbound{Workspace: Workspace, Channel: Channel,
					ExternalID: fmt.Sprintf("prep-p%d-c%d", proc, i), From: contactcenter.Sender{ExternalID: ContactID(proc, i)}, Text: "hello"})
			}
			errs <- err
		}()
	}
	for range 8 {
		err = errors.Join(err, <-errs)
	}
	if err != nil {
		return fmt.Errorf("ccload: prepare: %w", err)
	}
	if err := eng.PublishPending(ctx); err != nil {
		return err
	}
	_, err = s.Pool().Exec(ctx, "ANALYZE")
	return err
}

// Runner runs the children of runs on one prepared schema.
type Runner struct {
	// DSN names the prepared schema.
	DSN string
	// Writers and Contacts are each child's writers and each writer's
	// contacts, as prepared.
	Writers, Contacts int
	// Command returns a new command that runs ChildMain: this binary
	// again, or a test binary with -test.run naming the test that calls
	// it. Run adds $CCLOAD_CHILD to its environment and takes its stdin
	// and stdout.
	Command func() *exec.Cmd
	// Stderr receives the children's stderr; nil discards it.
	Stderr io.Writer

	runs int // runs started, which numbers the next
}

// RunSpec describes one run.
type RunSpec struct {
	// Mode is ModeEngine or ModeBare.
	Mode string
	// Processes is the number of children; child p writes to the
	// contacts of process p.
	Processes int
	// Duration is how long the writers write.
	Duration time.Duration
	// Kill, when set, kills one child with SIGKILL during the run.
	Kill *Kill
}

// Kill names the child to kill and when, after the writers start.
type Kill struct {
	Proc  int           `json:"proc"`
	After time.Duration `json:"after_ns"`
	// InPublish kills the child, once After has passed, as soon as the
	// parent reads the next events the child published: while the
	// child's drain may still be forgetting them, or is draining again.
	// A child that publishes nothing in half the writing time left is
	// killed then, so that the others write after the kill.
	InPublish bool `json:"in_publish"`
}

// Result is what a run measured. Durations are in nanoseconds in JSON.
type Result struct {
	Mode      string        `json:"mode"`
	Processes int           `json:"processes"`
	Writers   int           `json:"writers"`
	Duration  time.Duration `json:"duration_ns"`
	// Window is the time from the first writer's start to the last
	// one's end.
	Window time.Duration `json:"window_ns"`
	// Sent and Failed count the writers' calls that succeeded and
	// failed (of the children that were not killed).
	Sent   int64 `json:"sent"`
	Failed int64 `json:"failed"`
	// Stored counts the run's inbound messages in cc_messages;
	// MsgsPerSec is Stored over Window.
	Stored     int     `json:"stored"`
	MsgsPerSec float64 `json:"msgs_per_s"`
	// Drains and Busy count the children's DrainEvents calls and those
	// that answered store.ErrBusy; Forgotten the events the drains
	// forgot as published (of the children that were not killed).
	Drains    int64 `json:"drains"`
	Busy      int64 `json:"busy"`
	Forgotten int64 `json:"forgotten"`
	// Unpublished counts the events the store still held when the run
	// gave up waiting for the children to publish them (0 when they
	// did); Settle is the time from the last writer's end until the
	// store held no event.
	Unpublished int           `json:"unpublished"`
	Settle      time.Duration `json:"settle_ns"`
	// Torn counts lines cut short by a kill.
	Torn int `json:"torn"`
	// Analysis checks the published events (engine mode).
	Analysis *Analysis `json:"analysis,omitempty"`
	// Killed describes the kill, if any.
	Killed *Killed `json:"killed,omitempty"`
}

// Killed is the kill of a run.
type Killed struct {
	Proc int       `json:"proc"`
	At   time.Time `json:"at"`
	// InPublish says the child was killed as the parent read events it
	// had just published (Kill.InPublish).
	InPublish bool `json:"in_publish"`
	// Stored counts the killed child's messages that were stored.
	Stored int `json:"stored"`
}

// childProc is a running child process as the parent follows it.
type childProc struct {
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	ready     chan struct{} // closed on R
	published chan struct{} // signalled (without waiting) on E lines
	wrote     chan struct{} // closed on W
	exited    chan struct{} // closed once stdout ended and the process was waited for
	killed    bool

	// Set by the reader before it closes the channel that announces them.
	sawReady, sawWrote bool
	pubs               []Publication
	sent, failed       int64
	start, end         int64
	final              bool
	drains, busy, fgt  int64
	failure            string
	torn               int
	waitErr            error
}

// lockedWriter serialises the writes of several children's stderr.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// Run runs spec's children on the schema, waits for them to write and for
// the store to hold no event, and returns what they measured, with the
// Analysis of the events in engine mode. An error means the run itself
// failed: a child that did not start, failed, or exited with an error
// (other than the killed one), or a child that did not finish in time.
func (r *Runner) Run(ctx context.Context, spec RunSpec) (*Result, error) {
	if spec.Mode != ModeEngine && spec.Mode != ModeBare {
		return nil, fmt.Errorf("ccload: unknown mode %q", spec.Mode)
	}
	if spec.Processes < 1 || spec.Duration <= 0 || r.Writers < 1 || r.Contacts < 1 {
		return nil, fmt.Errorf("ccload: processes, duration, writers and contacts must be positive")
	}
	if k := spec.Kill; k != nil && (k.Proc < 0 || k.Proc >= spec.Processes || spec.Processes < 2 || k.After < 0 || k.After >= spec.Duration) {
		return nil, fmt.Errorf("ccload: cannot kill process %d of %d after %v of %v: another must live, and the kill falls while they write", k.Proc, spec.Processes, k.After, spec.Duration)
	}
	r.runs++
	run := r.runs
	var stderr io.Writer
	if r.Stderr != nil {
		stderr = &lockedWriter{w: r.Stderr}
	}
	children := make([]*childProc, spec.Processes)
	defer func() {
		for _, c := range children {
			if c != nil {
				select {
				case <-c.exited:
				default:
					_ = c.cmd.Process.Kill()
					<-c.exited
				}
			}
		}
	}()
	for p := range children {
		body, err := json.Marshal(ChildSpec{Mode: spec.Mode, DSN: r.DSN, Run: run, Proc: p, Writers: r.Writers, Contacts: r.Contacts, Duration: spec.Duration})
		if err != nil {
			return nil, err
		}
		cmd := r.Command()
		cmd.Env = append(os.Environ(), ChildEnv+"="+string(body))
		cmd.Stderr = stderr
		cmd.SysProcAttr = childAttr()
		c := &childProc{cmd: cmd, ready: make(chan struct{}), published: make(chan struct{}, 1), wrote: make(chan struct{}), exited: make(chan struct{})}
		if c.stdin, err = cmd.StdinPipe(); err != nil {
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("ccload: start child %d: %w", p, err)
		}
		children[p] = c
		go c.read(p, out)
	}
	// Every child ready, then go.
	for p, c := range children {
		if err := c.await(ctx, c.ready, time.Minute, p, "get ready"); err != nil {
			return nil, err
		}
	}
	for p, c := range children {
		if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
			return nil, fmt.Errorf("ccload: child %d: %w", p, err)
		}
	}
	res := &Result{Mode: spec.Mode, Processes: spec.Processes, Writers: r.Writers, Duration: spec.Duration}
	if k := spec.Kill; k != nil {
		select {
		case <-time.After(k.After):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		c := children[k.Proc]
		if k.InPublish {
			select {
			case <-c.published: // what came before After
			default:
			}
			select {
			case <-c.published:
				res.Killed = &Killed{InPublish: true}
			case <-time.After((spec.Duration - k.After) / 2):
				res.Killed = &Killed{}
			}
		} else {
			res.Killed = &Killed{}
		}
		if err := c.cmd.Process.Kill(); err != nil { // SIGKILL: nothing of the child runs after it
			return nil, fmt.Errorf("ccload: kill child %d: %w", k.Proc, err)
		}
		c.killed = true
		res.Killed.Proc, res.Killed.At = k.Proc, time.Now()
	}
	for p, c := range children {
		if !c.killed {
			if err := c.await(ctx, c.wrote, spec.Duration+2*time.Minute, p, "write"); err != nil {
				return nil, err
			}
		}
	}

	conn, err := pgx.Connect(ctx, r.DSN)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	var start, end int64
	for _, c := range children {
		if c.killed {
			continue
		}
		res.Sent += c.sent
		res.Failed += c.failed
		if start == 0 || c.start < start {
			start = c.start
		}
		end = max(end, c.end)
	}
	res.Window = time.Duration(end - start)
	if spec.Mode == ModeEngine {
		// The children publish what is left; the store empties.
		deadline := time.Now().Add(time.Minute)
		for {
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM cc_events`).Scan(&res.Unpublished); err != nil {
				return nil, err
			}
			if res.Unpublished == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		res.Settle = max(time.Since(time.Unix(0, end)), 0)
	}
	for _, c := range children {
		if !c.killed {
			_ = c.stdin.Close()
		}
	}
	for p, c := range children {
		if err := c.await(ctx, c.exited, time.Minute, p, "exit"); err != nil && !c.killed {
			return nil, err
		}
		if c.killed {
			continue
		}
		if c.waitErr != nil || !c.final {
			return nil, fmt.Errorf("ccload: child %d ended without its final line: %v %s", p, c.waitErr, c.failure)
		}
		res.Drains += c.drains
		res.Busy += c.busy
		res.Forgotten += c.fgt
	}

	stored, err := storedMessages(ctx, conn, runPrefix(run))
	if err != nil {
		return nil, err
	}
	res.Stored = len(stored)
	if res.Window > 0 {
		res.MsgsPerSec = float64(res.Stored) / res.Window.Seconds()
	}
	if k := res.Killed; k != nil {
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM cc_messages WHERE workspace = $1 AND direction = 1 AND external_id LIKE $2`,
			Workspace, fmt.Sprintf("r%d-p%d-%%", run, k.Proc)).Scan(&k.Stored); err != nil {
			return nil, err
		}
	}
	var pubs []Publication
	for _, c := range children {
		pubs = append(pubs, c.pubs...)
		res.Torn += c.torn
	}
	if spec.Mode == ModeEngine {
		var killAt int64
		if res.Killed != nil {
			killAt = res.Killed.At.UnixNano()
		}
		res.Analysis = Analyze(pubs, stored, start, end, killAt)
	}
	return res, nil
}

// await waits for ch, the child's exit, the timeout or the end of ctx.
func (c *childProc) await(ctx context.Context, ch chan struct{}, timeout time.Duration, p int, what string) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.exited:
		select {
		case <-ch:
			return nil
		default:
		}
		return fmt.Errorf("ccload: child %d exited before it could %s: %v %s", p, what, c.waitErr, c.failure)
	case <-t.C:
		return fmt.Errorf("ccload: child %d did not %s within %v", p, what, timeout)
	}
}

// read reads the child's lines until its stdout ends, then waits for it.
func (c *childProc) read(p int, out io.Reader) {
	defer close(c.exited)
	br := bufio.NewReaderSize(out, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Not one of the child's lines: skip to the end of it.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		if err != nil {
			if len(line) > 0 {
				c.torn++ // the child was killed in the middle of a line
			}
			break
		}
		c.line(p, bytes.TrimSuffix(line, []byte{'\n'}))
	}
	c.waitErr = c.cmd.Wait()
}

// line takes one line of the child's.
func (c *childProc) line(p int, line []byte) {
	if len(line) == 0 || len(line) > 1 && line[1] != ' ' {
		return
	}
	f := strings.Fields(string(line[min(2, len(line)):]))
	num := func(i int) int64 {
		if i >= len(f) {
			return 0
		}
		n, _ := strconv.ParseInt(f[i], 10, 64)
		return n
	}
	switch line[0] {
	case lineReady:
		if len(line) == 1 && !c.sawReady {
			c.sawReady = true
			close(c.ready)
		}
	case lineEvent:
		if len(f) != 6 {
			c.torn++
			return
		}
		seq, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			c.torn++
			return
		}
		c.pubs = append(c.pubs, Publication{Proc: p, Seq: seq, Conversation: field(f[1]), Type: field(f[2]), Message: field(f[3]), At: num(4), Published: num(5)})
		select {
		case c.published <- struct{}{}:
		default:
		}
	case lineWrote:
		if !c.sawWrote {
			c.sent, c.failed, c.start, c.end = num(0), num(1), num(2), num(3)
			c.sawWrote = true
			close(c.wrote)
		}
	case lineFinal:
		c.drains, c.busy, c.fgt = num(0), num(1), num(2)
		c.final = true
	case lineFailed:
		c.failure = string(line[min(2, len(line)):])
	}
}

func field(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// storedMessages returns the inbound messages whose external ids start
// with prefix, in the order they were stored (cc_messages.seq).
func storedMessages(ctx context.Context, conn *pgx.Conn, prefix string) ([]StoredMessage, error) {
	rows, err := conn.Query(ctx, `SELECT conversation_id, id FROM cc_messages WHERE workspace = $1 AND direction = 1 AND external_id LIKE $2 ORDER BY seq`,
		Workspace, prefix+"%")
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (StoredMessage, error) {
		var m StoredMessage
		err := r.Scan(&m.Conversation, &m.Message)
		return m, err
	})
}
