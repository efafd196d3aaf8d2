package contactcenter_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The domain packages depend only on the standard library, golang.org/x/text
// and each other: no store, adapter or engine.
func TestDomainImports(t *testing.T) {
	checkImports(t, domain, nil)
}

// domain are the domain packages.
var domain = []string{"ticket", "conversation", "channel", "command", "hours", "template", "chatbot", "chatbot/faq", "workflow", "internal/coded", "internal/textfold"}

// The adapters that need no library depend only on the standard library
// and the domain packages: chatbot/webhook (R2) speaks JSON over HTTPS
// with net/http alone.
func TestAdapterImports(t *testing.T) {
	checkImports(t, []string{"chatbot/webhook"}, domain)
}

// checkImports fails for a dependency of pkgs, outside the standard
// library and golang.org/x/text, that is not one of pkgs or allowed.
func checkImports(t *testing.T, pkgs, allowed []string) {
	t.Helper()
	const module = "github.com/telenet/contactcenter/"
	for _, pkg := range pkgs {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			ok := strings.HasPrefix(dep, "golang.org/x/text/")
			for _, d := range slices.Concat(pkgs, allowed) {
				ok = ok || dep == module+d
			}
			if !ok {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}

// The Dialogflow adapters (R2) speak HTTP with the standard library: they
// depend on no Google client library, only on the domain packages and on
// each other.
func TestDialogflowImports(t *testing.T) {
	adapters := []string{"chatbot/dialogflow", "chatbot/dialogflow/es", "chatbot/dialogflow/cx", "chatbot/dialogflow/dialogflowfake", "chatbot/dialogflow/internal/wire"}
	checkImports(t, adapters, slices.DeleteFunc(slices.Clone(domain), func(p string) bool { return p == "chatbot/faq" }))
}
