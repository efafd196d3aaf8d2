package template_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/telenet/contactcenter/template"
)

// FuzzParse: any text either parses, and then renders without reading its
// values as code, or fails with a positioned *Error inside the text.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "plain", "Hola {{contact.first_name}}", `{{contact.name | "x"}}`, `{{a | b | "c"}}`,
		"{{", "}}", "{{}}", `{{"\"\\"}}`, "{{contact.fields.plan}}", "línea\n{{ticket.number}}",
		`{{agent.name|contact.first_name|"hola"}}`, "{{{{}}}}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		txt, err := template.Parse(src)
		if err != nil {
			var e *template.Error
			if !errors.As(err, &e) || !errors.Is(err, template.ErrInvalid) {
				t.Fatalf("error %v is not a template.Error", err)
			}
			if e.Offset < 0 || e.Offset > len(src) || e.Line < 1 || e.Column < 1 {
				t.Fatalf("position %d (%d:%d) outside %q", e.Offset, e.Line, e.Column, src)
			}
			return
		}
		if txt.String() != src {
			t.Fatalf("source %q kept as %q", src, txt.String())
		}
		// Every variable's value is a tag: none may be evaluated.
		const v = "{{contact.name}}"
		vars := template.Map{}
		for _, name := range txt.Variables() {
			vars[name] = v
		}
		var b strings.Builder
		txt.Render(&b, vars)
		again, err := template.Parse(b.String())
		if err == nil && utf8.ValidString(src) {
			var b2 strings.Builder
			again.Render(&b2, template.Map{"contact.name": "X"})
			if strings.Count(b2.String(), "X") < strings.Count(b.String(), v) {
				t.Fatalf("a value was lost: %q", b.String())
			}
		}
	})
}
