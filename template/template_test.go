package template_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/template"
	"github.com/telenet/contactcenter/ticket"
)

func TestRender(t *testing.T) {
	vars := template.Map{"contact.first_name": "Lucía", "ticket.number": "1432", "agent.name": ""}
	for _, tc := range []struct{ src, want string }{
		{"plain text", "plain text"},
		{"", ""},
		{"Hola {{contact.first_name}}", "Hola Lucía"},
		{"Hola {{ contact.first_name }}!", "Hola Lucía!"},
		{`Hi {{contact.last_name | "there"}}`, "Hi there"},
		{`Hi {{agent.name | contact.first_name | "there"}}`, "Hi Lucía"},              // empty values fall through
		{`Hi {{agent.name}}.`, "Hi ."},                                                // no fallback: empty
		{"#{{ticket.number}}#{{ticket.number}}", "#1432#1432"},                        // tags side by side
		{`{{"{{"}}contact.first_name}}`, "{{contact.first_name}}"},                    // braces as a literal
		{`a }} b`, "a }} b"},                                                          // a lone }} is text
		{`{{contact.fields.plan | "basic \"free\" \\ plan"}}`, `basic "free" \ plan`}, // escapes
		{"línea 1\n{{contact.first_name}}", "línea 1\nLucía"},
	} {
		txt, err := template.Parse(tc.src)
		require.NoError(t, err, tc.src)
		var b strings.Builder
		txt.Render(&b, vars)
		assert.Equal(t, tc.want, b.String(), tc.src)
		assert.Equal(t, tc.src, txt.String())
	}
}

// R15: a template is checked when it is saved; a mistake is an *Error with
// its position.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		src         string
		kind        error
		line, col   int
		msgContains string
	}{
		{"Hola {{contact.first_name", template.ErrSyntax, 1, 6, "not closed"},
		{"Hola {{}}", template.ErrSyntax, 1, 8, "empty tag"},
		{"Hola {{  }}", template.ErrSyntax, 1, 10, "empty tag"},
		{"Hola {{contact.frist_name}}", template.ErrUnknownVariable, 1, 8, `"contact.frist_name"`},
		{"línea\nañadida {{ticket.numero}}", template.ErrUnknownVariable, 2, 11, `"ticket.numero"`},
		{`{{contact.name | }}`, template.ErrSyntax, 1, 18, "must follow |"},
		{`{{"x" | contact.name}}`, template.ErrSyntax, 1, 9, "nothing may follow"},
		{`{{contact.name "x"}}`, template.ErrSyntax, 1, 16, "separate alternatives"},
		{`{{contact.name | "x}}`, template.ErrSyntax, 1, 18, "not closed"},
		{`{{ {{contact.name}} }}`, template.ErrSyntax, 1, 4, "unexpected '{'"},
		{`{{contact.fields.}}`, template.ErrUnknownVariable, 1, 3, "unknown"},
		{`{{contact.fields.a.b}}`, template.ErrUnknownVariable, 1, 3, "unknown"},
		{`{{ contact.name() }}`, template.ErrSyntax, 1, 16, "unexpected '('"},
	} {
		_, err := template.Parse(tc.src)
		require.Error(t, err, tc.src)
		var e *template.Error
		require.True(t, errors.As(err, &e), tc.src)
		assert.ErrorIs(t, err, tc.kind, tc.src)
		assert.ErrorIs(t, err, template.ErrInvalid, tc.src)
		assert.Equal(t, tc.line, e.Line, "line of %q", tc.src)
		assert.Equal(t, tc.col, e.Column, "column of %q", tc.src)
		assert.Contains(t, e.Error(), tc.msgContains, tc.src)
	}
}

// R15: values are data. A customer whose name or field looks like a tag
// gets it back as text, never evaluated.
func TestValuesAreNeverTemplateCode(t *testing.T) {
	tpl, err := template.New("greeting", template.Variant{Language: "en", Text: `Hi {{contact.name}} ({{contact.fields.note | "-"}})`})
	require.NoError(t, err)
	c := ticket.Contact{Name: "{{agent.name}}", Fields: map[string]string{"note": `{{ticket.subject | "x"}}`}}
	a := conversation.Agent{Name: "Ana Pérez"}
	got := tpl.Render("en", template.Data{Contact: &c, Agent: &a})
	assert.Equal(t, `Hi {{agent.name}} ({{ticket.subject | "x"}})`, got)
}

func TestData(t *testing.T) {
	c := ticket.Contact{Name: "  Lucía  Fernández Ruiz ", Language: "es-MX", Fields: map[string]string{"plan": "gold"}}
	tk := ticket.Ticket{Number: 1432, Subject: "Pedido 88"}
	cv := conversation.Conversation{ID: "c-9"}
	a := conversation.Agent{Name: "Ana Pérez"}
	ch := channel.Channel{ID: "tg", Kind: channel.KindTelegram}
	d := template.Data{Contact: &c, Ticket: &tk, Conversation: &cv, Agent: &a, Channel: &ch}
	want := map[string]string{
		"contact.name": c.Name, "contact.first_name": "Lucía", "contact.last_name": "Fernández Ruiz",
		"contact.language": "es-MX", "contact.fields.plan": "gold", "ticket.number": "1432", "ticket.id": "1432",
		"ticket.subject": "Pedido 88", "conversation.id": "c-9", "agent.name": "Ana Pérez", "agent.first_name": "Ana",
		"channel.id": "tg", "channel.kind": "telegram",
	}
	for _, v := range template.Variables {
		got, ok := d.Value(v.Name)
		assert.True(t, ok, v.Name)
		assert.Equal(t, want[v.Name], got, v.Name)
		_, ok = template.Data{}.Value(v.Name)
		assert.False(t, ok, "%s without its part", v.Name)
		assert.True(t, template.Known(v.Name))
	}
	assert.Len(t, want, len(template.Variables)+1)
	_, ok := d.Value("contact.fields.missing")
	assert.False(t, ok)
	_, ok = d.Value("nope")
	assert.False(t, ok)
}

func TestVariants(t *testing.T) {
	tpl, err := template.New("welcome",
		template.Variant{Language: "en", Text: `Hello {{contact.first_name | "there"}}`},
		template.Variant{Language: "es", Text: `Hola {{contact.first_name | "amigo"}}`},
		template.Variant{Language: "pt-BR", Text: `Olá {{contact.first_name | "amigo"}}`},
	)
	require.NoError(t, err)
	for lang, want := range map[string]string{
		"es": "Hola amigo", "es-MX": "Hola amigo", "es-419": "Hola amigo",
		"pt": "Olá amigo", "pt-PT": "Olá amigo", "pt-BR": "Olá amigo",
		"en-GB": "Hello there", "de": "Hello there", "": "Hello there", "not a tag!": "Hello there",
	} {
		assert.Equal(t, want, tpl.Render(lang, template.Map{}), lang)
		assert.Equal(t, want, tpl.Render(lang, template.Map{}), "%s, remembered", lang)
	}
	assert.Equal(t, "welcome", tpl.Name())
	assert.Equal(t, "es", tpl.Variants()[1].Language)
	assert.Equal(t, []string{"contact.first_name"}, mustParse(t, tpl.Variants()[1].Text).Variables())
}

func mustParse(t *testing.T, src string) *template.Text {
	t.Helper()
	txt, err := template.Parse(src)
	require.NoError(t, err)
	return txt
}

func TestNewErrors(t *testing.T) {
	ok := template.Variant{Language: "en", Text: "hi"}
	for name, tc := range map[string]struct {
		name     string
		variants []template.Variant
		contains string
	}{
		"no name":      {"", []template.Variant{ok}, "without a name"},
		"no variant":   {"t", nil, "no variant"},
		"bad language": {"t", []template.Variant{{Language: "not a tag!", Text: "x"}}, "language"},
		"twice":        {"t", []template.Variant{ok, {Language: "EN", Text: "x"}}, "twice"},
		"too long":     {"t", []template.Variant{{Language: "en", Text: strings.Repeat("x", template.MaxTextLen+1)}}, "at most"},
		"bad text":     {"t", []template.Variant{ok, {Language: "es", Text: "Hola {{contacto.nombre}}"}}, `template "t" (es): 1:8: unknown variable "contacto.nombre"`},
	} {
		_, err := template.New(tc.name, tc.variants...)
		require.ErrorIs(t, err, template.ErrInvalid, name)
		assert.Contains(t, err.Error(), tc.contains, name)
	}
}

// R14: snippets are found by the prefix of their shortcut and rendered for
// a conversation.
func TestSnippets(t *testing.T) {
	var s template.Snippets
	mk := func(text string) *template.Template {
		tpl, err := template.New("s", template.Variant{Language: "en", Text: text})
		require.NoError(t, err)
		return tpl
	}
	require.NoError(t, s.Put(template.Snippet{Shortcut: "refund", Template: mk("Your refund for #{{ticket.number}} is on its way.")}))
	require.NoError(t, s.Put(template.Snippet{Shortcut: "ref-policy", Template: mk("Our policy: 30 days.")}))
	require.NoError(t, s.Put(template.Snippet{Shortcut: "hello", Template: mk("Hello {{contact.first_name}}")}))
	require.NoError(t, s.Put(template.Snippet{Shortcut: "refund", Template: mk("Refund for #{{ticket.number}} sent.")}), "replaces")

	shortcuts := func(ss []template.Snippet) []string {
		var out []string
		for _, sn := range ss {
			out = append(out, sn.Shortcut)
		}
		return out
	}
	assert.Equal(t, []string{"ref-policy", "refund"}, shortcuts(s.Find("/REF", 0)))
	assert.Equal(t, []string{"ref-policy"}, shortcuts(s.Find("ref", 1)))
	assert.Equal(t, []string{"hello", "ref-policy", "refund"}, shortcuts(s.Find("", 0)))
	assert.Empty(t, s.Find("x", 0))

	sn, ok := s.Get("refund")
	require.True(t, ok)
	assert.Equal(t, "Refund for #1432 sent.", sn.Template.Render("en", template.Map{"ticket.number": "1432"}))

	assert.True(t, s.Delete("hello"))
	assert.False(t, s.Delete("hello"))
	_, ok = s.Get("hello")
	assert.False(t, ok)

	for _, bad := range []string{"", "Refund", "re fund", "/refund", strings.Repeat("a", template.MaxShortcutLen+1)} {
		assert.ErrorIs(t, s.Put(template.Snippet{Shortcut: bad, Template: mk("x")}), template.ErrInvalid, bad)
	}
	assert.ErrorIs(t, s.Put(template.Snippet{Shortcut: "empty"}), template.ErrInvalid)
	assert.Len(t, s.Find("", 0), 2, "failed puts change nothing")
}
