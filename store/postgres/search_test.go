package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/internal/sizebench"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/internal/sqlstore"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/store/storetest"
)

// seedContacts inserts n contacts into workspace ws, a statement a
// table, with the rows contact search reads: contact i is named
// "Nombre<i%100> Apellido<i/100%10000, four digits>" (ASCII, written
// folded as store.ContactNameKeys folds it; a test checks), known on
// channel tg as x<i>, with field plan p<i%10> and field customer_no n<i>.
// It then analyzes the tables, as a database in service has its
// statistics.
func seedContacts(tb testing.TB, pool *pgxpool.Pool, ws string, n int) {
	tb.Helper()
	ctx := context.Background()
	const id, last = `'k-' || lpad(i::text, 8, '0')`, `lpad((i / 100 % 10000)::text, 4, '0')`
	const rows = ` FROM generate_series(0, $1::bigint - 1) i`
	for _, q := range []string{
		`INSERT INTO cc_contacts (workspace, id, name, language, fields, created_at, unreachable, version, renamed)
			SELECT $2, ` + id + `, 'Nombre' || (i % 100) || ' Apellido' || ` + last + `, 'es',
				'{"customer_no":"n' || i || '","plan":"p' || (i % 10) || '"}', 0, false, 1, false` + rows,
		`INSERT INTO cc_contact_handles (workspace, channel, external_id, contact_id) SELECT $2, 'tg', 'x' || i, ` + id + rows,
		`INSERT INTO cc_contact_names (workspace, contact_id, key)
			SELECT $2, ` + id + `, 'nombre' || (i % 100) || ' apellido' || ` + last + rows + `
			UNION ALL SELECT $2, ` + id + `, 'apellido' || ` + last + rows,
		`INSERT INTO cc_contact_fields (workspace, contact_id, key, value)
			SELECT $2, ` + id + `, 'plan', 'p' || (i % 10)` + rows + `
			UNION ALL SELECT $2, ` + id + `, 'customer_no', 'n' || i` + rows,
	} {
		_, err := pool.Exec(ctx, q, n, ws)
		require.NoError(tb, err)
	}
	_, err := pool.Exec(ctx, `ANALYZE cc_contacts; ANALYZE cc_contact_handles; ANALYZE cc_contact_names; ANALYZE cc_contact_fields`)
	require.NoError(tb, err)
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
	{"external id on channel", "cc_contact_handles_", // its primary key or cc_contact_handles_by_external
		store.ContactQuery{ExternalID: "x1742", Channel: "tg"}, 1},
	{"field", "cc_contact_fields_by_value", store.ContactQuery{FieldKey: "plan", FieldValue: "p3"}, 50},
	{"field unique", "cc_contact_fields_by_value", store.ContactQuery{FieldKey: "customer_no", FieldValue: "n1742"}, 1},
}

// Every kind of contact search is an index scan in the order of the
// search, with a cursor or without: no sequential scan and no sort
// (EXPLAIN on 50,000 analyzed contacts, with the planner's settings as
// they are).
func TestContactSearchUsesIndexes(t *testing.T) {
	s := open(t, freshSchema(t))
	defer s.Close()
	seedContacts(t, s.Pool(), "w", 50_000)
	seedContacts(t, s.Pool(), "other", 5_000)
	q := sqlstore.NewStatements(sqlstore.Dollar)
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
			plan := explain(t, s, query, args...)
			if after == "" {
				t.Logf("%s:\n%s", sq.name, plan)
			}
			assertIndexScan(t, sq.name, "Index", sq.index, plan)
		}
	}
	// The seeded keys are those the store writes.
	rows, err := s.Pool().Query(context.Background(), `SELECT c.name, n.key FROM cc_contacts c JOIN cc_contact_names n ON n.workspace = c.workspace AND n.contact_id = c.id
		WHERE c.workspace = 'w' AND c.id IN ('k-00000000', 'k-00001742', 'k-00049999') ORDER BY c.id, n.key`)
	require.NoError(t, err)
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
	ctx := context.Background()
	dsn := freshSchema(t)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	// 0008, not 0009: the migration depends on none after it.
	migratedTo(t, conn, 8)
	// More contacts than a page of the backfill, of two workspaces.
	var batch pgx.Batch
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
		batch.Queue(`INSERT INTO cc_contacts (workspace, id, name, language, fields, created_at, version) VALUES ($1, $2, $3, 'es', $4, 0, 1)`,
			ws, fmt.Sprintf("k-%04d", i), name, fields)
		batch.Queue(`INSERT INTO cc_contact_handles (workspace, channel, external_id, contact_id) VALUES ($1, 'tg', $2, $3)`, ws, fmt.Sprint("x", i), fmt.Sprintf("k-%04d", i))
	}
	require.NoError(t, conn.SendBatch(ctx, &batch).Close())

	s := open(t, dsn)
	defer s.Close()
	storetest.SearchBackfilled(t, s)
	var n int
	require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM cc_contact_names`).Scan(&n))
	assert.Equal(t, 1203*2, n, "two keys a contact, every contact")
}

// BenchmarkContactSearch runs each search of searchQueries (its first
// page) in a schema of 10,000 and one of $CC_SEARCH_ROWS (1,000,000 by
// default) contacts, interleaved: each iteration times every search on
// both stores (the median of 5 calls), and the metrics are the ratio
// large/small of each search's median over iterations, and the worst
// ratio of the searches' minima. Run with
// -benchtime=7x (at least 2x), say.
func BenchmarkContactSearch(b *testing.B) {
	sizes := sizebench.Sizes(b, "CC_SEARCH_ROWS")
	stores := sizebench.Seed(b, sizes, func(n int) *postgres.Store {
		s := open(b, freshSchema(b))
		b.Cleanup(func() { s.Close() })
		seedContacts(b, s.Pool(), "w", n)
		return s
	})
	cases := make([]sizebench.Case, len(searchQueries))
	for i, sq := range searchQueries {
		cases[i] = sizebench.SearchCase(sq.name, sq.q, sq.found)
	}
	sizebench.Compare(b, stores, sizes, "contacts", cases)
}

// BenchmarkMigration0010 opens a store on a schema left at migration
// 0008 with $CC_SEARCH_ROWS (1,000,000 by default) contacts, each with a
// name of two words and two fields: the migration writes their names'
// keys (in Go) and their fields' rows. It reports the time per contact.
// Run with -benchtime=1x.
func BenchmarkMigration0010(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("CC_SEARCH_ROWS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	ctx := context.Background()
	var total time.Duration
	for range b.N {
		b.StopTimer()
		dsn := freshSchema(b)
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(b, err)
		migratedTo(b, conn, 8)
		_, err = conn.Exec(ctx, `INSERT INTO cc_contacts (workspace, id, name, language, fields, created_at, version)
			SELECT 'w', 'k-' || lpad(i::text, 8, '0'), 'José' || (i % 100) || ' Muñoz' || i, 'es',
				'{"customer_no":"n' || i || '","plan":"p' || (i % 10) || '"}', 0, 1 FROM generate_series(0, $1::bigint - 1) i`, n)
		require.NoError(b, err)
		require.NoError(b, conn.Close(ctx))
		b.StartTimer()
		start := time.Now()
		s := open(b, dsn)
		total += time.Since(start)
		b.StopTimer()
		require.NoError(b, s.Close())
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/float64(n), "µs/contact")
	b.ReportMetric(total.Seconds()/float64(b.N), "s/migration")
}
