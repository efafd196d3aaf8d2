package contactcenter_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// killChild runs the test binary's test named test as a child process,
// with env set to value, until ready holds of the lines it printed on
// stdout, then kills it with SIGKILL and returns those lines. The child
// that does not get there within a minute fails t.
func killChild(t *testing.T, test, env, value string, ready func(lines []string) bool) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+value)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var mu sync.Mutex
	var lines []string
	there := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		closed := false
		for sc.Scan() {
			mu.Lock()
			lines = append(lines, sc.Text())
			if !closed && ready(lines) {
				close(there)
				closed = true
			}
			mu.Unlock()
		}
	}()
	select {
	case <-there:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("the child did not get there:\n%s\n%s", strings.Join(lines, "\n"), stderr.String())
	}
	require.NoError(t, cmd.Process.Kill()) // SIGKILL: nothing runs after it
	_ = cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(lines)
}
