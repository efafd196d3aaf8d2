package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// slot is one child process, restarted after each kill: its proxy, how to
// start it, and the process running now.
type slot struct {
	name  string
	dir   string
	proxy *proxy
	// command returns the process to start, talking to the proxy.
	command func(apiURL string) *exec.Cmd

	mu       sync.Mutex
	n        int // instances started
	cmd      *exec.Cmd
	instance string
	started  time.Time
	done     chan struct{} // closed when the running process exits
	killed   bool          // the running process was killed by the harness
	exits    []string      // exits the harness did not cause
}

// start starts a new instance of the child.
func (s *slot) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	s.instance = fmt.Sprintf("%s#%d", s.name, s.n)
	s.proxy.setInstance(s.instance)
	cmd := s.command(s.proxy.URL())
	logf, err := os.Create(s.logPath(s.instance))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", s.instance, err)
	}
	s.cmd, s.started, s.killed = cmd, time.Now(), false
	done := make(chan struct{})
	s.done = done
	inst := s.instance
	go func() {
		err := cmd.Wait()
		logf.Close()
		s.mu.Lock()
		if !s.killed {
			s.exits = append(s.exits, fmt.Sprintf("%s exited by itself: %v (log %s)", inst, err, logf.Name()))
		}
		s.mu.Unlock()
		close(done)
	}()
	return nil
}

func (s *slot) logPath(instance string) string {
	return filepath.Join(s.dir, strings.ReplaceAll(instance, "#", "-")+".log")
}

// logTail returns the last lines of an instance's log, on one line.
func (s *slot) logTail(instance string) string {
	data, err := os.ReadFile(s.logPath(instance))
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	lines = lines[max(0, len(lines)-3):]
	if len(lines) == 1 && lines[0] == "" {
		return "(empty)"
	}
	return strings.Join(lines, " | ")
}

// current returns the running instance's name and when it started.
func (s *slot) current() (string, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.instance, s.started
}

// kill sends SIGKILL to the running instance, waits until it is gone and
// its requests to the proxy have their answers, and returns when the
// signal was sent and the instance's name.
func (s *slot) kill() (time.Time, string, error) {
	s.mu.Lock()
	cmd, done, inst := s.cmd, s.done, s.instance
	s.killed = true
	s.mu.Unlock()
	if cmd == nil {
		return time.Time{}, "", errors.New("no process to kill")
	}
	at := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return at, inst, err
	}
	<-done
	s.proxy.settle(inst)
	return at, inst, nil
}

// stop asks the running instance to end (SIGTERM) and kills it if it has
// not ended within timeout.
func (s *slot) stop(timeout time.Duration) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.killed = true
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// exited returns the exits the harness did not cause.
func (s *slot) exited() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.exits...)
}

// buildHelpdesk builds examples/helpdesk into dir, with the race detector
// when race is set, and returns the binary's path. It runs the go command
// from the current directory, which must be inside the module.
func buildHelpdesk(ctx context.Context, dir string, race bool) (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building the help desk needs the go command (or give -helpdesk-bin): %w", err)
	}
	out := filepath.Join(dir, "helpdesk")
	args := []string{"build", "-o", out}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "github.com/telenet/contactcenter/examples/helpdesk")
	cmd := exec.CommandContext(ctx, goCmd, args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build the help desk (run from inside the module, or give -helpdesk-bin): %v\n%s", err, msg)
	}
	return out, nil
}

// childEnviron is the parent's environment without the variables that
// configure children.
func childEnviron(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case childEnv, "TELEGRAM_TOKEN", "STAFF_CHAT_ID", "TELEGRAM_API_URL", "HELPDESK_DB":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}
