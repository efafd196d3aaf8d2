package natsjs_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The adapter depends on the domain packages and the NATS client only: not
// on the engine or a store, so that a host that only consumes events
// (Decode, ParseSubject) does not build them.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const module = "github.com/telenet/contactcenter"
	allowed := []string{module + "/events/natsjs", module + "/conversation", module + "/ticket", module + "/channel", module + "/hours", module + "/internal/coded"}
	for _, dep := range strings.Fields(string(out)) {
		if !strings.HasPrefix(dep, module) {
			continue // the NATS client and what it needs
		}
		ok := false
		for _, a := range allowed {
			ok = ok || dep == a
		}
		if !ok {
			t.Errorf("events/natsjs depends on %s", dep)
		}
	}
}
