package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/telenet/contactcenter/internal/pgtest"
)

// freshSchema creates an empty schema, drops it when the test ends and
// returns a DSN whose search_path names it. Without a server the test
// fails when CI is set and is skipped otherwise, as the store's tests are.
func freshSchema(t *testing.T) string {
	t.Helper()
	return pgtest.FreshSchema(t, "cc_example_")
}

// The program's story, on a fresh schema: the migrations applied by the
// first open only, a message and its redelivery across the two engines,
// gapless ticket numbers under concurrency, events once each (R18, R17).
func TestTwoEngines(t *testing.T) {
	dsn := freshSchema(t)
	files, err := filepath.Glob("../../store/postgres/migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	// The schema's version is the number of the last migration, which
	// numbering with gaps sets apart from their count.
	last := filepath.Base(files[len(files)-1])
	version, err := strconv.Atoi(last[:strings.IndexByte(last, '_')])
	if err != nil {
		t.Fatalf("migration %s: %v", last, err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), &out, dsn, "acme"); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := []string{
		regexp.QuoteMeta(fmt.Sprintf("Both processes opened the database: schema at version %d, %d migration(s) applied once (%d after the second open).", version, len(files), len(files))),
		regexp.QuoteMeta("process 1 stored Lucía's message: ticket #1, new ticket: true."),
		regexp.QuoteMeta("process 2 got the same update again: duplicate: true."),
		regexp.QuoteMeta("process 2 sees 1 waiting conversation(s), ticket #1."),
		regexp.QuoteMeta("Ana's reply went out through process 2 (sent, 1 send(s)); process 1 sees the conversation assigned to ana."),
		regexp.QuoteMeta("20 contacts wrote at once to both processes: tickets #2 to #21, each number once: true."),
		`[1-9][0-9]* events published, each once, each conversation's in order: true\.`,
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("the program says %d lines, want %d:\n%s", len(got), len(want), out.String())
	}
	for i, w := range want {
		if !regexp.MustCompile("^" + w + "$").MatchString(got[i]) {
			t.Errorf("line %d = %q, want %s", i+1, got[i], w)
		}
	}

	// A second run on the same schema, in another workspace, finds the
	// migrations applied and tells the same story.
	out.Reset()
	if err := run(context.Background(), &out, dsn, "globex"); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "tickets #2 to #21, each number once: true.") {
		t.Errorf("the second run differs:\n%s", out.String())
	}
}
