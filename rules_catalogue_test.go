package contactcenter_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// catalogueFile is the catalogue of the rules, relative to the module root.
const catalogueFile = "docs/rules.md"

var (
	// ruleCite is one rule number cited: R7, or R6 in R6.2.
	ruleCite = regexp.MustCompile(`\bR([1-9][0-9]?)\b`)
	// ruleRange is a range of rules, R9–R12 or R3-R7, also across a line
	// break inside a comment; the rules between its ends are cited too.
	ruleRange = regexp.MustCompile(`\bR([1-9][0-9]?)\b(?:\.[0-9]+)*[ \t]*(?:\n[ \t]*(?://)?[ \t]*)?[–—-][ \t]*(?:\n[ \t]*(?://)?[ \t]*)?R([1-9][0-9]?)\b`)
	// catalogueHeading opens a rule's section in the catalogue.
	catalogueHeading = regexp.MustCompile(`(?m)^## R([1-9][0-9]?)\b`)
	// backticked is code in the catalogue's Markdown.
	backticked = regexp.MustCompile("`([^`\n]+)`")
	// goFileRef is a file of the module named in the catalogue, with the
	// declarations it holds in parentheses after it.
	goFileRef = regexp.MustCompile("`([A-Za-z0-9_./-]+\\.go)`(?:[ \t]*\\(([^)\n]*)\\))?")
	// testFuncRef is a test, example, fuzz test or benchmark.
	testFuncRef = regexp.MustCompile(`^(?:Test|Example|Fuzz|Benchmark)[A-Za-z0-9_]*$`)
	// declRef is a declaration: Name or Type.Method.
	declRef = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?$`)
)

// ruleCitation is a rule cited on a line of a file.
type ruleCitation struct {
	Line, Rule int
}

// citedRules returns the rules that src cites, in order, with the line of
// each. A range cites each rule from one end to the other; a rule cited
// twice on a line is returned twice.
func citedRules(src string) []ruleCitation {
	lineAt := func(off int) int { return 1 + strings.Count(src[:off], "\n") }
	var out []ruleCitation
	for _, m := range ruleCite.FindAllStringSubmatchIndex(src, -1) {
		n, _ := strconv.Atoi(src[m[2]:m[3]])
		out = append(out, ruleCitation{Line: lineAt(m[0]), Rule: n})
	}
	for _, m := range ruleRange.FindAllStringSubmatchIndex(src, -1) {
		lo, _ := strconv.Atoi(src[m[2]:m[3]])
		hi, _ := strconv.Atoi(src[m[4]:m[5]])
		for n := lo + 1; n < hi; n++ {
			out = append(out, ruleCitation{Line: lineAt(m[0]), Rule: n})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// moduleGoFiles returns the paths of the module's .go files in fsys, its
// root: testdata, hidden directories and nested modules are left out.
func moduleGoFiles(fsys fs.FS) ([]string, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == "." {
				return nil
			}
			if d.Name() == "testdata" || d.Name() == "vendor" || strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			if _, err := fs.Stat(fsys, path.Join(p, "go.mod")); err == nil {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}

// catalogueProblem is something wrong in the catalogue, at a line of it.
type catalogueProblem struct {
	Line int
	Msg  string
}

func (p catalogueProblem) String() string {
	return fmt.Sprintf("%s:%d: %s", catalogueFile, p.Line, p.Msg)
}

// catalogueRules returns the rule numbers the catalogue md has a section
// for, and a problem for each section out of order: numbers go 1, 2, 3…
// with none twice, so that a new rule takes the next number.
func catalogueRules(md string) (map[int]bool, []catalogueProblem) {
	rules := map[int]bool{}
	var problems []catalogueProblem
	last := 0
	for _, m := range catalogueHeading.FindAllStringSubmatchIndex(md, -1) {
		n, _ := strconv.Atoi(md[m[2]:m[3]])
		line := 1 + strings.Count(md[:m[0]], "\n")
		switch {
		case rules[n]:
			problems = append(problems, catalogueProblem{line, fmt.Sprintf("R%d again", n)})
		case n != last+1:
			problems = append(problems, catalogueProblem{line, fmt.Sprintf("R%d where R%d belongs", n, last+1)})
		}
		rules[n] = true
		last = max(last, n)
	}
	return rules, problems
}

// undocumentedCitations returns a problem, "file:line: …", for each rule
// cited in a .go file of fsys that the catalogue md has no section for.
func undocumentedCitations(fsys fs.FS, md string) ([]string, error) {
	rules, _ := catalogueRules(md)
	files, err := moduleGoFiles(fsys)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		for _, c := range citedRules(string(src)) {
			if !rules[c.Rule] {
				problems = append(problems, fmt.Sprintf("%s:%d: cites R%d, which %s does not list", f, c.Line, c.Rule, catalogueFile))
			}
		}
	}
	return problems, nil
}

// goDecls returns the top-level names file declares: functions, types,
// constants and variables as Name, methods as Type.Method.
func goDecls(fsys fs.FS, file string) (map[string]bool, error) {
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil || len(d.Recv.List) == 0 {
				names[d.Name.Name] = true
				continue
			}
			t := d.Recv.List[0].Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			switch x := t.(type) {
			case *ast.IndexExpr:
				t = x.X
			case *ast.IndexListExpr:
				t = x.X
			}
			if id, ok := t.(*ast.Ident); ok {
				names[id.Name+"."+d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names[s.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names[n.Name] = true
					}
				}
			}
		}
	}
	return names, nil
}

// catalogueSection is a rule's section of the catalogue.
type catalogueSection struct {
	Rule, Line int
	Text       string
}

// catalogueSections splits md into its rules' sections.
func catalogueSections(md string) []catalogueSection {
	idx := catalogueHeading.FindAllStringSubmatchIndex(md, -1)
	var out []catalogueSection
	for i, m := range idx {
		end := len(md)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		if j := strings.Index(md[m[1]:end], "\n## "); j >= 0 {
			end = m[1] + j
		}
		n, _ := strconv.Atoi(md[m[2]:m[3]])
		out = append(out, catalogueSection{Rule: n, Line: 1 + strings.Count(md[:m[0]], "\n"), Text: md[m[0]:end]})
	}
	return out
}

// notBuilt marks the section of a rule the library does not implement
// yet: it may name no test.
const notBuilt = "Not built yet."

// catalogueProblems checks the catalogue md against the module in fsys: every
// file it names exists; a declaration in parentheses after a file is
// declared in it; a test named after a _test.go file on its line is in that
// file, and any other is in some _test.go file of the module. Each rule's
// section names a file, and a test unless the rule is not built yet.
func catalogueProblems(fsys fs.FS, md string) ([]string, error) {
	var problems []catalogueProblem
	add := func(line int, format string, args ...any) {
		problems = append(problems, catalogueProblem{line, fmt.Sprintf(format, args...)})
	}
	_, order := catalogueRules(md)
	problems = append(problems, order...)
	files, err := moduleGoFiles(fsys)
	if err != nil {
		return nil, err
	}
	anyTest := map[string]bool{}
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			continue
		}
		names, err := goDecls(fsys, f)
		if err != nil {
			return nil, err
		}
		for n := range names {
			anyTest[n] = true
		}
	}
	decls := map[string]map[string]bool{}
	declsOf := func(f string) map[string]bool {
		if d, ok := decls[f]; ok {
			return d
		}
		d, err := goDecls(fsys, f)
		if err != nil {
			d = nil
		}
		decls[f] = d
		return d
	}
	for i, line := range strings.Split(md, "\n") {
		at := i + 1
		// The files on the line, by where they start.
		fileAt := map[int]string{}
		for _, m := range goFileRef.FindAllStringSubmatchIndex(line, -1) {
			f := line[m[2]:m[3]]
			fileAt[m[0]] = f
			if _, err := fs.Stat(fsys, f); err != nil {
				add(at, "names %s, which does not exist", f)
				continue
			}
			if m[4] < 0 {
				continue
			}
			d := declsOf(f)
			if d == nil {
				add(at, "%s does not parse", f)
				continue
			}
			for _, b := range backticked.FindAllStringSubmatch(line[m[4]:m[5]], -1) {
				if declRef.MatchString(b[1]) && !d[b[1]] {
					add(at, "names %s in %s, which does not declare it", b[1], f)
				}
			}
		}
		current := ""
		for _, m := range backticked.FindAllStringSubmatchIndex(line, -1) {
			if f, ok := fileAt[m[0]]; ok {
				current = f
				continue
			}
			name := line[m[2]:m[3]]
			if !testFuncRef.MatchString(name) {
				continue
			}
			if strings.HasSuffix(current, "_test.go") {
				if d := declsOf(current); d != nil && !d[name] {
					add(at, "names %s in %s, which does not declare it", name, current)
				}
				continue
			}
			if !anyTest[name] {
				add(at, "names %s, which no test file declares", name)
			}
		}
	}
	for _, s := range catalogueSections(md) {
		if !goFileRef.MatchString(s.Text) {
			add(s.Line, "R%d names no file", s.Rule)
		}
		hasTest := false
		for _, b := range backticked.FindAllStringSubmatch(s.Text, -1) {
			hasTest = hasTest || testFuncRef.MatchString(b[1])
		}
		if !hasTest && !strings.Contains(s.Text, notBuilt) {
			add(s.Line, "R%d names no test", s.Rule)
		}
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = p.String()
	}
	return out, nil
}

// TestRulesCatalogue holds docs/rules.md to the code: every rule a .go file
// cites has its section, and every file, declaration and test the
// catalogue names exists.
func TestRulesCatalogue(t *testing.T) {
	fsys := os.DirFS(".")
	md, err := fs.ReadFile(fsys, catalogueFile)
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := catalogueRules(string(md))
	if len(rules) == 0 {
		t.Fatalf("%s lists no rule", catalogueFile)
	}
	undocumented, err := undocumentedCitations(fsys, string(md))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range undocumented {
		t.Error(p)
	}
	problems, err := catalogueProblems(fsys, string(md))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	// The scan reaches the code: the packages that cite rules most are in it.
	files, err := moduleGoFiles(fsys)
	if err != nil {
		t.Fatal(err)
	}
	cited := map[int]bool{}
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range citedRules(string(src)) {
			cited[c.Rule] = true
		}
	}
	for _, n := range []int{1, 6, 9, 11, 18, 19, 20, 21} {
		if !cited[n] {
			t.Errorf("no .go file cites R%d: the scan missed the code", n)
		}
	}
}

func TestCitedRules(t *testing.T) {
	type c = ruleCitation
	tests := []struct {
		src  string
		want []ruleCitation
	}{
		{"// R1", []c{{1, 1}}},
		{"// (R19)", []c{{1, 19}}},
		{"// R19–R21", []c{{1, 19}, {1, 21}, {1, 20}}},
		{"// R6.2: the same answer", []c{{1, 6}}},
		{"// R6.1 and R6.2", []c{{1, 6}, {1, 6}}},
		{"// R9–R12", []c{{1, 9}, {1, 12}, {1, 10}, {1, 11}}},
		{"// R3-R7", []c{{1, 3}, {1, 7}, {1, 4}, {1, 5}, {1, 6}}},
		{"// R1 — R3", []c{{1, 1}, {1, 3}, {1, 2}}},
		{"// R6.1–R6.4", []c{{1, 6}, {1, 6}}},
		{"// R2–R3", []c{{1, 2}, {1, 3}}},
		// Reversed: only the ends.
		{"// R12–R9", []c{{1, 12}, {1, 9}}},
		// A range broken across comment lines.
		{"// (R3–R5, R7,\n//     R9–R12)", []c{{1, 3}, {1, 5}, {1, 7}, {1, 4}, {2, 9}, {2, 12}, {2, 10}, {2, 11}}},
		{"// R3–\n// R5", []c{{1, 3}, {1, 4}, {2, 5}}},
		// A hyphen without a rule after it is no range.
		{"// R13 - 5 minutes", []c{{1, 13}}},
		{"x\ny\n\tf() // R11's order", []c{{3, 11}}},
		// Not rule numbers.
		{"R0 R100 XR5 R5x RR1 r7 R", nil},
		{"var R = 1; R2D2()", nil},
	}
	for _, tt := range tests {
		got := citedRules(tt.src)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("citedRules(%q) = %v, want %v", tt.src, got, tt.want)
		}
	}
}

// synthetic is a small module for the checks' own tests.
func synthetic() fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"go.mod":            file("module example.com/m\n"),
		"a.go":              file("package m\n\n// F applies R1.\nfunc F() {}\n\n// T does R2–R3.\ntype T struct{}\n\nfunc (t *T) M() {}\n"),
		"a_test.go":         file("package m\n\nimport \"testing\"\n\n// R1\nfunc TestF(t *testing.T) {}\n\nfunc ExampleF() {}\n"),
		"sub/b.go":          file("package sub\n\n// G: R4\nfunc G() {}\n"),
		"sub/b_test.go":     file("package sub\n\nimport \"testing\"\n\nfunc TestG(t *testing.T) {}\n"),
		"sub/deeper/x.go":   file("package deeper\n\nvar V = \"R5.2\"\n"),
		"sub/testdata/c.go": file("package c // R9\n"),
		".hidden/d.go":      file("package d // R9\n"),
		"nested/go.mod":     file("module example.com/n\n"),
		"nested/e.go":       file("package n // R9\n"),
		"README.md":         file("R9 is not in a .go file\n"),
		"docs/rules.md":     file(""),
	}
}

func TestUndocumentedCitations(t *testing.T) {
	fsys := synthetic()
	md := "# Rules\n\n## R1 One\n\n## R2 Two\n\n## R3 Three\n"
	got, err := undocumentedCitations(fsys, md)
	if err != nil {
		t.Fatal(err)
	}
	// testdata, hidden directories, nested modules and files other than
	// .go files are not scanned.
	want := []string{
		"sub/b.go:3: cites R4, which docs/rules.md does not list",
		"sub/deeper/x.go:3: cites R5, which docs/rules.md does not list",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("undocumentedCitations = %q, want %q", got, want)
	}
	md += "\n## R4 Four\n\n## R5 Five\n"
	if got, err := undocumentedCitations(fsys, md); err != nil || len(got) != 0 {
		t.Errorf("with R1–R5 listed: %q, %v; want none", got, err)
	}
	// A range cites what lies between its ends.
	fsys["r.go"] = &fstest.MapFile{Data: []byte("package m\n\n// R1–R7\n")}
	got, err = undocumentedCitations(fsys, md)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"r.go:3: cites R7, which docs/rules.md does not list",
		"r.go:3: cites R6, which docs/rules.md does not list",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("undocumentedCitations with a range = %q, want %q", got, want)
	}
}

func TestCatalogueProblems(t *testing.T) {
	fsys := synthetic()
	good := strings.Join([]string{
		"# Rules",
		"",
		"## R1 One",
		"",
		"Code: `a.go` (`F`, `T`, `T.M`). Tests: `TestG`; `a_test.go` `TestF`, `ExampleF`.",
		"",
		"## R2 Two",
		"",
		"Not built yet. Code: `sub/b.go` (`G`).",
		"",
		"## Not a rule",
		"",
		"`TestG` in `sub/b_test.go` `TestG`.",
	}, "\n")
	if got, err := catalogueProblems(fsys, good); err != nil || len(got) != 0 {
		t.Errorf("catalogueProblems(good) = %q, %v; want none", got, err)
	}
	bad := strings.Join([]string{
		"# Rules",
		"",
		"## R1 One",
		"",
		"Code: `a.go` (`F`, `Gone`, `T.Gone`), `missing.go` (`F`). Tests: `TestGone`; `a_test.go` `TestF`, `TestG`.",
		"",
		"## R3 Three",
		"",
		"Code: `sub/b.go`.",
		"",
		"## R3 Again",
		"",
		"Nothing named.",
	}, "\n")
	got, err := catalogueProblems(fsys, bad)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"docs/rules.md:5: names Gone in a.go, which does not declare it",
		"docs/rules.md:5: names T.Gone in a.go, which does not declare it",
		"docs/rules.md:5: names missing.go, which does not exist",
		"docs/rules.md:5: names TestGone, which no test file declares",
		"docs/rules.md:5: names TestG in a_test.go, which does not declare it",
		"docs/rules.md:7: R3 where R2 belongs",
		"docs/rules.md:7: R3 names no test",
		"docs/rules.md:11: R3 again",
		"docs/rules.md:11: R3 names no file",
		"docs/rules.md:11: R3 names no test",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("catalogueProblems(bad) =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
