package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/internal/sizebench"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/store/storetest"
)

// seedContacts inserts n contacts into workspace ws, a statement a
// table, with the rows contact search reads: contact i is named
// "Nombre<i%100> Apellido<i/100%10000, four digits>" (ASCII, written
// folded as store.ContactNameKeys folds it; a test checks), known on channel tg as x<i>, with field
// plan p<i%10> and field customer_no n<i>.
func seedContacts(tb testing.TB, db *sql.DB, ws string, n int) {
	tb.Helper()
	const rows = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1) `
	for _, q := range []string{
		rows + `INSERT INTO cc_contacts (workspace, id, name, language, fields, created_at, unreachable, version, renamed)
			SELECT ?, printf('k-%08d', i), 'Nombre' || (i % 100) || ' Apellido' || printf('%04d', i / 100 % 10000), 'es',
				'{"customer_no":"n' || i || '","plan":"p' || (i % 10) || '"}', 0, 0, 1, 0 FROM n`,
		rows + `INSERT INTO cc_contact_handles (workspace, channel, external_id, contact_id) SELECT ?, 'tg', 'x' || i, printf('k-%08d', i) FROM n`,
		rows + `INSERT INTO cc_contact_names (workspace, contact_id, key)
			SELECT ?, printf('k-%08d', i), 'nombre' || (i % 100) || ' apellido' || printf('%04d', i / 100 % 10000) FROM n
			UNION ALL SELECT ?, printf('k-%08d', i), 'apellido' || printf('%04d', i / 100 % 10000) FROM n`,
		rows + `INSERT INTO cc_contact_fields (workspace, contact_id, key, value)
			SELECT ?, printf('k-%08d', i), 'plan', 'p' || (i % 10) FROM n
			UNION ALL SELECT ?, printf('k-%08d', i), 'customer_no', 'n' || i FROM n`,
	} {
		args := []any{n, ws}
		if strings.Contains(q, "UNION ALL") {
			args = append(args, ws)
		}
		_, err := db.Exec(q, args...)
		require.NoError(tb, err)
	}
}

// searchQueries are the searches whose plans and costs are checked, each
// kind, broad (a page of 50 of many matches) and narrow (one match),
// on the contacts of seedContacts.
var searchQueries = []struct {
	name  string
	index string // the index the plan must use
	q     store.ContactQuery
	found int // a page's contacts on seedContacts
}{
	{"name prefix", "cc_contact_names_by_key", store.ContactQuery{Name: "nombre7"}, 50},
	{"name word", "cc_contact_names_by_key", store.ContactQuery{Name: "Apellido0017"}, 50},
	{"full name", "cc_contact_names_by_key", store.ContactQuery{Name: "NOMBRE42 apellido0017"}, 1},
	{"external id", "cc_contact_handles_by_external", store.ContactQuery{ExternalID: "x1742"}, 1},
	{"external id on channel", "sqlite_autoindex_cc_contact_handles_1", store.ContactQuery{ExternalID: "x1742", Channel: "tg"}, 1},
	{"field", "cc_contact_fields_by_value", store.ContactQuery{FieldKey: "plan", FieldValue: "p3"}, 50},
	{"field unique", "cc_contact_fields_by_value", store.ContactQuery{FieldKey: "customer_no", FieldValue: "n1742"}, 1},
}

// Every kind of contact search is a search of an index in the order of
// the search, with a cursor or without: no scan of a table and no sort
// (EXPLAIN QUERY PLAN, on 2,000 contacts, without statistics).
func TestContactSearchUsesIndexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	s := open(t, path)
	defer s.Close()
	db := openRaw(t, path)
	seedContacts(t, db, "w", 2000)
	seedContacts(t, db, "other", 500)
	q := sqlstore.NewStatements(sqlstore.Question)
	for _, sq := range searchQueries {
		cq, err := sq.q.Normalize()
		require.NoError(t, err)
		key := ""
		if cq.Kind() == store.SearchByName {
			key = cq.Name + " apellido0001"
		}
		for _, after := range []store.ContactCursor{"", store.ContactPosition(cq.Kind(), key, "k-00000100")} {
			cq.After = after
			query, args := q.SearchContactsQuery("w", cq)
			plan := queryPlan(t, db, query, args...)
			if after == "" {
				t.Logf("%s:\n%s", sq.name, strings.Join(plan, "\n"))
			}
			assertIndexed(t, sq.name, sq.index, plan)
		}
	}
	// The seeded keys are those the store writes.
	rows, err := db.Query(`SELECT c.name, n.key FROM cc_contacts c JOIN cc_contact_names n ON n.workspace = c.workspace AND n.contact_id = c.id
		WHERE c.workspace = 'w' AND c.id IN ('k-00000000', 'k-00001742', 'k-00001999') ORDER BY c.id, n.key`)
	require.NoError(t, err)
	defer rows.Close()
	keys := make(map[string][]string)
	for rows.Next() {
		var name, key string
		require.NoError(t, rows.Scan(&name, &key))
		keys[name] = append(keys[name], key)
	}
	require.NoError(t, rows.Err())
	require.Len(t, keys, 3)
	for name, got := range keys {
		assert.Equal(t, store.ContactNameKeys(name), got, name)
	}
}

// Contacts stored before migration 0010 are found by it: the migration
// writes their names' keys (in Go) and their fields' rows.
func TestMigration0010BackfillsSearch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cc.db")
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	// 0008, not 0009: the migration depends on none after it.
	migratedTo(t, raw, 8)
	tx, err := raw.Begin()
	require.NoError(t, err)
	// More contacts than a page of the backfill, of two workspaces.
	for i := range 1203 {
		ws, name, fields := "w", fmt.Sprintf("Cliente %04d", i), ""
		switch i {
		case 7:
			name, fields = "José Muñoz", `{"plan":"gold","customer_no":"A-7"}`
		case 1100:
			name = "MARÍA JOSÉ"
		case 1202:
			ws, name = "other", "José Muñoz"
		}
		_, err = tx.Exec(`INSERT INTO cc_contacts (workspace, id, name, language, fields, created_at, version) VALUES (?, ?, ?, 'es', ?, 0, 1)`,
			ws, fmt.Sprintf("k-%04d", i), name, fields)
		require.NoError(t, err)
		_, err = tx.Exec(`INSERT INTO cc_contact_handles (workspace, channel, external_id, contact_id) VALUES (?, 'tg', ?, ?)`, ws, fmt.Sprint("x", i), fmt.Sprintf("k-%04d", i))
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit())
	require.NoError(t, raw.Close())

	s := open(t, path)
	defer s.Close()
	storetest.SearchBackfilled(t, s)
	var n int
	require.NoError(t, openRaw(t, path).QueryRow(`SELECT count(*) FROM cc_contact_names`).Scan(&n))
	assert.Equal(t, 1203*2, n, "two keys a contact, every contact")
}

// BenchmarkContactSearch runs each search of searchQueries (its first
// page) on a store of 10,000 and one of $CC_SEARCH_ROWS (1,000,000 by
// default) contacts, interleaved: each iteration times every search on
// both stores (the median of 5 calls), and the metrics are the ratio
// large/small of each search's median over iterations, and the worst
// ratio of the searches' minima. Run with
// -benchtime=7x (at least 2x), say.
func BenchmarkContactSearch(b *testing.B) {
	sizes := sizebench.Sizes(b, "CC_SEARCH_ROWS")
	stores := sizebench.Seed(b, sizes, func(n int) *sqlite.Store {
		path := filepath.Join(b.TempDir(), "cc.db")
		s := open(b, path)
		b.Cleanup(func() { s.Close() })
		seedContacts(b, openRaw(b, path), "w", n)
		return s
	})
	cases := make([]sizebench.Case, len(searchQueries))
	for i, sq := range searchQueries {
		cases[i] = sizebench.SearchCase(sq.name, sq.q, sq.found)
	}
	sizebench.Compare(b, stores, sizes, "contacts", cases)
}

// BenchmarkMigration0010 opens a store left at migration 0008 with
// $CC_SEARCH_ROWS (1,000,000 by default) contacts, each with a name of
// two words and two fields: the migration writes their names' keys (in
// Go) and their fields' rows. It reports the time per contact. Run with
// -benchtime=1x.
func BenchmarkMigration0010(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("CC_SEARCH_ROWS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	var total time.Duration
	for range b.N {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "cc.db")
		raw := openRaw(b, path)
		migratedTo(b, raw, 8)
		_, err := raw.Exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
			INSERT INTO cc_contacts (workspace, id, name, language, fields, created_at, version)
			SELECT 'w', printf('k-%08d', i), 'José' || (i % 100) || ' Muñoz' || i, 'es',
				'{"customer_no":"n' || i || '","plan":"p' || (i % 10) || '"}', 0, 1 FROM n`, n)
		require.NoError(b, err)
		require.NoError(b, raw.Close())
		b.StartTimer()
		start := time.Now()
		s := open(b, path)
		total += time.Since(start)
		b.StopTimer()
		require.NoError(b, s.Close())
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/float64(n), "µs/contact")
	b.ReportMetric(total.Seconds()/float64(b.N), "s/migration")
}
