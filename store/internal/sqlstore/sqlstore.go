// Package sqlstore implements store.Tx in SQL that PostgreSQL and SQLite
// both accept, over a small connection interface. The postgres and sqlite
// packages supply the connection (and with it the driver, the transaction
// handling, the mapping of driver errors and the event draining); this
// package supplies the statements and the mapping of rows to the domain.
//
// Times are stored as microseconds since the Unix epoch (UTC) and lists and
// maps as JSON text, so both databases share one schema shape.
package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/telenet/contactcenter/store"
)

// Conn is one transaction's connection.
type Conn interface {
	// Query runs a read and returns its rows. A Conn that defers writes runs
	// them before the read, so a transaction reads its own writes.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	// Exec runs a write now or later, before the next read or the commit.
	// If expect is not nil it is called with the number of rows the write
	// affected, and an error it returns fails the transaction. Driver errors
	// are mapped to store.ErrDuplicate and store.ErrConflict where they mean
	// that.
	Exec(ctx context.Context, sql string, expect func(rows int64) error, args ...any) error
}

// ExecNow is implemented by a Conn that runs each write before it
// returns. A Tx then chooses between statements by the rows a write
// affected: it updates a conversation without touching the columns that
// its indexes hold, and so without rewriting those indexes, when they
// keep their values (SQLite rewrites the entries of every index that
// holds a column an UPDATE sets, even to the value it had).
type ExecNow interface {
	Conn
	// ExecNow runs a write at once and returns the number of rows it
	// affected.
	ExecNow(ctx context.Context, sql string, args ...any) (int64, error)
}

// InsertNow is implemented by a Conn that runs each write before it
// returns and knows the rowid of the row an INSERT wrote (SQLite's
// last_insert_rowid). A Tx that keeps the events it appends
// (KeepAppended) then gives each its Seq without reading it back.
type InsertNow interface {
	Conn
	// InsertNow runs an INSERT of one row at once and returns the rowid
	// of the row it inserted.
	InsertNow(ctx context.Context, sql string, args ...any) (int64, error)
}

// Rows is the result of a read.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Placeholders says how statements mark their parameters.
type Placeholders int

// Placeholder styles.
const (
	// Question marks: ?, ?, ? (SQLite).
	Question Placeholders = iota
	// Dollar numbers: $1, $2, $3 (PostgreSQL).
	Dollar
)

// Rebind rewrites the ? placeholders of query for style p. Statements of
// this package contain no ? inside literals.
//
// For SQLite (Question) it writes LIMIT ? as LIMIT ? + 0: SQLite plans a
// LIMIT that is a bare parameter with the value bound to it, and so
// prepares the statement again each time the parameter is bound, at every
// run of a prepared statement; an expression is computed as it runs.
func Rebind(p Placeholders, query string) string {
	if p == Question {
		return strings.ReplaceAll(query, "LIMIT ?", "LIMIT ? + 0")
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// micros encodes a time as microseconds since the epoch; the zero time is 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromMicros decodes micros.
func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// encodeJSON encodes v as JSON text; empty values are "".
func encodeJSON[T any](v T, empty bool) (string, error) {
	if empty {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sql store: encode: %w", err)
	}
	return string(b), nil
}

// decodeJSON decodes JSON text into v; "" leaves v as it is.
func decodeJSON(s string, v any) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("sql store: decode %q: %w", s, err)
	}
	return nil
}

// expectOne fails a write that did not affect exactly one row: the version
// named was not the stored one, or the object is gone.
func expectOne(what string, id string) func(int64) error {
	return func(n int64) error {
		if n != 1 {
			return fmt.Errorf("%s %q: stored version differs or object missing: %w", what, id, store.ErrConflict)
		}
		return nil
	}
}

// queryOne runs a read that returns at most one row and scans it with scan;
// no row is store.ErrNotFound.
func queryOne(ctx context.Context, c Conn, scan func(Rows) error, query string, args ...any) error {
	rows, err := c.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return store.ErrNotFound
	}
	if err := scan(rows); err != nil {
		return err
	}
	return rows.Err()
}

// queryAll runs a read and scans every row with scan.
func queryAll[T any](ctx context.Context, c Conn, scan func(Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := c.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
