package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// searchStatements keep cc_contact_names and cc_contact_fields in step
// with the contacts.
type searchStatements struct {
	deleteNames, deleteFields string
	// collate orders ids in byte order, as Go compares them: PostgreSQL's
	// default collation may be a language's; SQLite's is bytes.
	collate string
}

func newSearchStatements(p Placeholders) searchStatements {
	s := searchStatements{
		deleteNames:  `DELETE FROM cc_contact_names WHERE workspace = ? AND contact_id = ?`,
		deleteFields: `DELETE FROM cc_contact_fields WHERE workspace = ? AND contact_id = ?`,
	}
	if p == Dollar {
		s.collate = ` COLLATE "C"`
	}
	for _, q := range []*string{&s.deleteNames, &s.deleteFields} {
		*q = Rebind(p, *q)
	}
	return s
}

// contactCols of cc_contacts c.
const contactColsC = `c.workspace, c.id, c.name, c.language, c.fields, c.created_at, c.unreachable, c.version, c.renamed`

// SearchContactsQuery returns the statement and arguments of
// SearchContacts for a normalized query, each kind a range of an index in
// the order of the search, one row more than asked, to tell whether
// another page follows:
//
//   - a name: cc_contact_names_by_key (workspace, key, contact_id), the
//     keys that start with the folded name; a contact two of whose keys
//     match is taken at its smallest one (the NOT EXISTS, a search of the
//     primary key (workspace, contact_id, key));
//   - an external id: cc_contact_handles_by_external (workspace,
//     external_id, contact_id, channel), a contact with the id on two
//     channels taken at the first; on one channel, the primary key, at
//     most one row;
//   - a field: cc_contact_fields_by_value (workspace, key, value,
//     contact_id).
//
// A name search's rows end with the key they were found by. The EXPLAIN
// tests of the stores read it.
func (q *Statements) SearchContactsQuery(ws ticket.WorkspaceID, cq store.ContactQuery) (string, []any) {
	var b strings.Builder
	args := []any{string(ws)}
	col := q.search.collate
	afterKey, afterID, after := cq.Position()
	switch cq.Kind() {
	case store.SearchByName:
		end := store.NamePrefixEnd(cq.Name)
		b.WriteString(`SELECT ` + contactColsC + `, n.key FROM cc_contact_names n JOIN cc_contacts c ON c.workspace = n.workspace AND c.id = n.contact_id
			WHERE n.workspace = ? AND n.key >= ? AND n.key < ?`)
		args = append(args, cq.Name, end)
		if after {
			b.WriteString(` AND (n.key, n.contact_id` + col + `) > (?, ?)`)
			args = append(args, afterKey, string(afterID))
		}
		b.WriteString(` AND NOT EXISTS (SELECT 1 FROM cc_contact_names o WHERE o.workspace = n.workspace AND o.contact_id = n.contact_id
			AND o.key >= ? AND o.key < n.key) ORDER BY n.key, n.contact_id` + col)
		args = append(args, cq.Name)
	case store.SearchByExternalID:
		b.WriteString(`SELECT ` + contactColsC + ` FROM cc_contact_handles h JOIN cc_contacts c ON c.workspace = h.workspace AND c.id = h.contact_id
			WHERE h.workspace = ? AND h.external_id = ?`)
		args = append(args, cq.ExternalID)
		if cq.Channel != "" {
			b.WriteString(` AND h.channel = ?`)
			args = append(args, string(cq.Channel))
		}
		if after {
			b.WriteString(` AND h.contact_id` + col + ` > ?`)
			args = append(args, string(afterID))
		}
		if cq.Channel != "" {
			// The primary key: one row at most, nothing to order.
			break
		}
		b.WriteString(` AND NOT EXISTS (SELECT 1 FROM cc_contact_handles o WHERE o.workspace = h.workspace AND o.external_id = h.external_id
			AND o.contact_id` + col + ` = h.contact_id AND o.channel < h.channel) ORDER BY h.contact_id` + col)
	case store.SearchByField:
		b.WriteString(`SELECT ` + contactColsC + ` FROM cc_contact_fields f JOIN cc_contacts c ON c.workspace = f.workspace AND c.id = f.contact_id
			WHERE f.workspace = ? AND f.key = ? AND f.value = ?`)
		args = append(args, cq.FieldKey, cq.FieldValue)
		if after {
			b.WriteString(` AND f.contact_id` + col + ` > ?`)
			args = append(args, string(afterID))
		}
		b.WriteString(` ORDER BY f.contact_id` + col)
	}
	// A name search writes its limit out: with a parameter, PostgreSQL's
	// generic plan of the prepared statement (which pgx reuses) assumes a
	// tenth of the key range and starts parallel workers, which cost
	// milliseconds, for a page that reads fifty rows. The other kinds keep
	// it a parameter: their generic plan reads the index and stops, and
	// PostgreSQL keeps it at every size, so that no call pays for planning
	// (with the limit written out, it plans every call on a large table).
	if cq.Kind() == store.SearchByName {
		b.WriteString(` LIMIT ` + strconv.Itoa(cq.Limit+1))
	} else {
		b.WriteString(` LIMIT ?`)
		args = append(args, cq.Limit+1)
	}
	return Rebind(q.p, b.String()), args
}

// SearchContacts implements store.Tx.
func (t *Tx) SearchContacts(ctx context.Context, ws ticket.WorkspaceID, cq store.ContactQuery) ([]ticket.Contact, store.ContactCursor, error) {
	if err := t.query(ctx); err != nil {
		return nil, "", err
	}
	cq, err := cq.Normalize()
	if err != nil {
		return nil, "", err
	}
	kind := cq.Kind()
	type hit struct {
		c   ticket.Contact
		key string
	}
	sql, args := t.q.SearchContactsQuery(ws, cq)
	hits, err := queryAll(ctx, t.c, func(r Rows) (hit, error) {
		var row contactRow
		var h hit
		dest := row.dest()
		if kind == store.SearchByName {
			dest = append(dest, &h.key)
		}
		if err := r.Scan(dest...); err != nil {
			return h, err
		}
		return h, row.into(&h.c)
	}, sql, args...)
	if err != nil {
		return nil, "", err
	}
	var next store.ContactCursor
	if len(hits) > cq.Limit {
		hits = hits[:cq.Limit]
		last := hits[len(hits)-1]
		next = store.ContactPosition(kind, last.key, last.c.ID)
	}
	out := make([]ticket.Contact, len(hits))
	for i, h := range hits {
		out[i] = h.c
	}
	return out, next, nil
}

// writeSearchRows writes the rows of cc_contact_names and
// cc_contact_fields for contact c, which has none: one statement each.
func (t *Tx) writeSearchRows(ctx context.Context, c ticket.Contact) error {
	for _, w := range SearchRows(t.q.p, c) {
		if err := t.exec(ctx, w.SQL, nil, w.Args...); err != nil {
			return err
		}
	}
	return nil
}

// deleteSearchRows deletes the rows of cc_contact_names and
// cc_contact_fields of contact id.
func (t *Tx) deleteSearchRows(ctx context.Context, ws ticket.WorkspaceID, id ticket.ContactID) error {
	if err := t.exec(ctx, t.q.search.deleteNames, nil, ws, id); err != nil {
		return err
	}
	return t.exec(ctx, t.q.search.deleteFields, nil, ws, id)
}

// Write is one statement with its arguments.
type Write struct {
	SQL  string
	Args []any
}

// SearchRows returns the statements that insert the rows of
// cc_contact_names (its name's keys, store.ContactNameKeys) and of
// cc_contact_fields for contact c, none for what c lacks; the migration
// that made the tables writes them for the contacts it found.
func SearchRows(p Placeholders, c ticket.Contact) []Write {
	var out []Write
	if keys := store.ContactNameKeys(c.Name); len(keys) > 0 {
		out = append(out, multiInsert(p, `INSERT INTO cc_contact_names (workspace, contact_id, key) VALUES `, len(keys), 3,
			func(i int) []any { return []any{string(c.Workspace), string(c.ID), keys[i]} }))
	}
	if len(c.Fields) > 0 {
		keys := make([]string, 0, len(c.Fields))
		for k := range c.Fields {
			keys = append(keys, k)
		}
		out = append(out, multiInsert(p, `INSERT INTO cc_contact_fields (workspace, contact_id, key, value) VALUES `, len(keys), 4,
			func(i int) []any { return []any{string(c.Workspace), string(c.ID), keys[i], c.Fields[keys[i]]} }))
	}
	return out
}

// multiInsert builds one INSERT of n rows of cols values each.
func multiInsert(p Placeholders, head string, n, cols int, row func(int) []any) Write {
	var b strings.Builder
	b.WriteString(head)
	args := make([]any, 0, n*cols)
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
		args = append(args, row(i)...)
	}
	return Write{SQL: Rebind(p, b.String()), Args: args}
}

// BackfillSearch writes the rows of cc_contact_names for every stored
// contact, in pages of the contacts' primary key, one INSERT a page: the
// migration that made the table runs it in its transaction, after its
// script (which copies the fields in SQL). query runs a read, exec a
// write.
func BackfillSearch(ctx context.Context, p Placeholders, query func(ctx context.Context, sql string, args ...any) (Rows, error), exec func(ctx context.Context, sql string, args ...any) error) error {
	// At most page*store.MaxNameWords rows of 3 values an INSERT: within
	// SQLite's 32,766 parameters and PostgreSQL's 65,535.
	const page = 500
	sel := Rebind(p, `SELECT workspace, id, name FROM cc_contacts WHERE (workspace, id) > (?, ?) ORDER BY workspace, id LIMIT ?`)
	var ws, id string
	for {
		rows, err := query(ctx, sel, ws, id, page)
		if err != nil {
			return fmt.Errorf("backfill contact names: %w", err)
		}
		var keys [][3]string
		n := 0
		for rows.Next() {
			var name string
			if err := rows.Scan(&ws, &id, &name); err != nil {
				rows.Close()
				return fmt.Errorf("backfill contact names: %w", err)
			}
			n++
			for _, k := range store.ContactNameKeys(name) {
				keys = append(keys, [3]string{ws, id, k})
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("backfill contact names: %w", err)
		}
		if len(keys) > 0 {
			w := multiInsert(p, `INSERT INTO cc_contact_names (workspace, contact_id, key) VALUES `, len(keys), 3,
				func(i int) []any { return []any{keys[i][0], keys[i][1], keys[i][2]} })
			if err := exec(ctx, w.SQL, w.Args...); err != nil {
				return fmt.Errorf("backfill contact names: %w", err)
			}
		}
		if n < page {
			return nil
		}
	}
}
