package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	"github.com/telenet/contactcenter/conversation"
)

// openLinks opens the desk's own tables, beside the store's in the same
// SQLite file: which staff-group message shows which conversation and
// message, and which message heads each conversation.
func openLinks(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, `
		CREATE TABLE IF NOT EXISTS helpdesk_links (
			staff_message INTEGER PRIMARY KEY,
			conversation  TEXT NOT NULL,
			message       TEXT NOT NULL
		);
		CREATE INDEX IF NOT EXISTS helpdesk_links_message ON helpdesk_links (message) WHERE message <> '';
		CREATE TABLE IF NOT EXISTS helpdesk_headers (
			conversation  TEXT PRIMARY KEY,
			staff_message INTEGER NOT NULL
		);
		CREATE TABLE IF NOT EXISTS helpdesk_commands (
			staff_message INTEGER PRIMARY KEY
		);`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("helpdesk tables: %w", err)
	}
	return db, nil
}

// link records that staff message shows message m of conversation c ("" for
// a header).
func (d *Desk) link(ctx context.Context, staff int, c conversation.ID, m conversation.MessageID) error {
	_, err := d.links.ExecContext(ctx, `INSERT OR REPLACE INTO helpdesk_links (staff_message, conversation, message) VALUES (?, ?, ?)`,
		staff, string(c), string(m))
	return err
}

// lookup returns the conversation and message a staff message shows.
func (d *Desk) lookup(ctx context.Context, staff int) (conversation.ID, conversation.MessageID, bool, error) {
	var c, m string
	err := d.links.QueryRowContext(ctx, `SELECT conversation, message FROM helpdesk_links WHERE staff_message = ?`, staff).Scan(&c, &m)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	return conversation.ID(c), conversation.MessageID(m), err == nil, err
}

// copied reports whether message m was relayed to the staff group.
func (d *Desk) copied(ctx context.Context, m conversation.MessageID) (bool, error) {
	var n int
	err := d.links.QueryRowContext(ctx, `SELECT count(*) FROM helpdesk_links WHERE message = ?`, string(m)).Scan(&n)
	return n > 0, err
}

// done reports whether the staff command in message staff was carried out,
// and marks it so: a command Telegram delivers again is not repeated.
func (d *Desk) done(ctx context.Context, staff int) (bool, error) {
	res, err := d.links.ExecContext(ctx, `INSERT OR IGNORE INTO helpdesk_commands (staff_message) VALUES (?)`, staff)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 0, err
}

// headerOf returns the staff message heading conversation c, 0 if none.
func (d *Desk) headerOf(ctx context.Context, c conversation.ID) (int, error) {
	var h int
	err := d.links.QueryRowContext(ctx, `SELECT staff_message FROM helpdesk_headers WHERE conversation = ?`, string(c)).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return h, err
}

// setHeader records the header of conversation c.
func (d *Desk) setHeader(ctx context.Context, c conversation.ID, staff int) error {
	tx, err := d.links.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO helpdesk_headers (conversation, staff_message) VALUES (?, ?)`, string(c), staff); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO helpdesk_links (staff_message, conversation, message) VALUES (?, ?, '')`, staff, string(c)); err != nil {
		return err
	}
	return tx.Commit()
}
