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
// message, which message heads each conversation, the staff commands and
// how far each got, and the outbox of the staff group.
func openLinks(ctx context.Context, path string) (*sql.DB, error) {
	// Transactions take the write lock when they begin: one that reads and
	// then writes cannot fail to upgrade while the store writes the file.
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
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
			staff_message INTEGER PRIMARY KEY,
			state         TEXT NOT NULL DEFAULT 'done'
		);
		CREATE TABLE IF NOT EXISTS helpdesk_outbox (
			seq           INTEGER PRIMARY KEY AUTOINCREMENT,
			key           TEXT NOT NULL UNIQUE,
			kind          TEXT NOT NULL,
			conversation  TEXT NOT NULL DEFAULT '',
			message       TEXT NOT NULL DEFAULT '',
			from_chat     INTEGER NOT NULL DEFAULT 0,
			from_message  INTEGER NOT NULL DEFAULT 0,
			reply_to      INTEGER NOT NULL DEFAULT 0,
			text          TEXT NOT NULL DEFAULT '',
			state         TEXT NOT NULL DEFAULT 'pending',
			attempts      INTEGER NOT NULL DEFAULT 0,
			staff_message INTEGER NOT NULL DEFAULT 0,
			error         TEXT NOT NULL DEFAULT ''
		);
		CREATE INDEX IF NOT EXISTS helpdesk_outbox_pending ON helpdesk_outbox (seq) WHERE state = 'pending';`)
	if err == nil {
		err = addCommandState(ctx, db)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("helpdesk tables: %w", err)
	}
	return db, nil
}

// addCommandState gives a helpdesk_commands table of an earlier version,
// which only listed commands, its state column: the commands it lists are
// done.
func addCommandState(ctx context.Context, db *sql.DB) error {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('helpdesk_commands') WHERE name = 'state'`).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	_, err = db.ExecContext(ctx, `ALTER TABLE helpdesk_commands ADD COLUMN state TEXT NOT NULL DEFAULT 'done'`)
	return err
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

// Command states: a command is started before the desk carries it out and
// done once it has, in the transaction that queues its answer.
const (
	commandStarted = "started"
	commandDone    = "done"
)

// startCommand records that the staff command in message staff is being
// carried out. rerun reports that an earlier attempt started it and may
// have carried it out without recording so (a transient failure, a crash);
// done reports that it was carried out and answered: a command Telegram
// delivers again is not repeated.
func (d *Desk) startCommand(ctx context.Context, staff int) (rerun, done bool, err error) {
	tx, err := d.links.BeginTx(ctx, nil)
	if err != nil {
		return false, false, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var state string
	err = tx.QueryRowContext(ctx, `SELECT state FROM helpdesk_commands WHERE staff_message = ?`, staff).Scan(&state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO helpdesk_commands (staff_message, state) VALUES (?, ?)`, staff, commandStarted); err != nil {
			return false, false, err
		}
		return false, false, tx.Commit()
	case err != nil:
		return false, false, err
	}
	return state == commandStarted, state == commandDone, nil
}

// finishCommand records that the staff command in message staff is done
// and, in the same transaction, queues its answer (none if text is empty).
func (d *Desk) finishCommand(ctx context.Context, staff int, text string) error {
	tx, err := d.links.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, `UPDATE helpdesk_commands SET state = ? WHERE staff_message = ?`, commandDone, staff); err != nil {
		return err
	}
	if text != "" {
		if err := insertOut(ctx, tx, answerTo(staff, text)); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	d.poke()
	return nil
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

// outKind is what an outbox item sends to the staff group.
type outKind string

// Kinds of outbox items.
const (
	// outHeader heads a conversation; once sent it is the conversation's
	// header and links to it.
	outHeader outKind = "header"
	// outCopy copies a customer's message under its conversation's header;
	// once sent it links to the conversation and the message.
	outCopy outKind = "copy"
	// outNotice tells what happened to a conversation, under its header.
	outNotice outKind = "notice"
	// outAnswer answers a staff message.
	outAnswer outKind = "answer"
)

// Outbox states.
const (
	outPending = "pending"
	outSent    = "sent"
	outFailed  = "failed"
)

// outItem is a message for the staff group, stored before it is sent.
// Key identifies it: queueing an item whose key is stored changes nothing,
// so that events published again and updates delivered again send once.
type outItem struct {
	Seq          int64
	Key          string
	Kind         outKind
	Conversation conversation.ID
	Message      conversation.MessageID
	FromChat     int64 // the chat and message a copy copies
	FromMessage  int
	ReplyTo      int // the staff message an answer answers
	Text         string
	Attempts     int
}

// answerTo is the answer to staff message staff.
func answerTo(staff int, text string) outItem {
	return outItem{Key: fmt.Sprintf("answer:%d", staff), Kind: outAnswer, ReplyTo: staff, Text: text}
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// insertOut stores items in the outbox, after what is there, skipping those
// whose key is stored.
func insertOut(ctx context.Context, db execer, items ...outItem) error {
	for _, it := range items {
		_, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO helpdesk_outbox
			(key, kind, conversation, message, from_chat, from_message, reply_to, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			it.Key, string(it.Kind), string(it.Conversation), string(it.Message), it.FromChat, it.FromMessage, it.ReplyTo, it.Text)
		if err != nil {
			return err
		}
	}
	return nil
}

// enqueue stores items in the outbox in one transaction and wakes the
// relay.
func (d *Desk) enqueue(ctx context.Context, items ...outItem) error {
	tx, err := d.links.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := insertOut(ctx, tx, items...); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	d.poke()
	return nil
}

// queued reports whether an item with key is in the outbox, whatever its
// state.
func (d *Desk) queued(ctx context.Context, key string) (bool, error) {
	var n int
	err := d.links.QueryRowContext(ctx, `SELECT count(*) FROM helpdesk_outbox WHERE key = ?`, key).Scan(&n)
	return n > 0, err
}

// copied reports whether message m was copied to the staff group before
// the desk had an outbox.
func (d *Desk) copied(ctx context.Context, m conversation.MessageID) (bool, error) {
	var n int
	err := d.links.QueryRowContext(ctx, `SELECT count(*) FROM helpdesk_links WHERE message = ?`, string(m)).Scan(&n)
	return n > 0, err
}

// headed reports whether conversation c has a header, sent or queued.
func (d *Desk) headed(ctx context.Context, c conversation.ID) (bool, error) {
	var n int
	err := d.links.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM helpdesk_headers WHERE conversation = ?)
		+ (SELECT count(*) FROM helpdesk_outbox WHERE key = ?)`, string(c), headerKey(c)).Scan(&n)
	return n > 0, err
}

func headerKey(c conversation.ID) string { return "header:" + string(c) }

// nextOut returns the earliest pending item of the outbox.
func (d *Desk) nextOut(ctx context.Context) (outItem, bool, error) {
	var it outItem
	var kind, conv, msg string
	err := d.links.QueryRowContext(ctx, `SELECT seq, key, kind, conversation, message, from_chat, from_message, reply_to, text, attempts
		FROM helpdesk_outbox WHERE state = ? ORDER BY seq LIMIT 1`, outPending).
		Scan(&it.Seq, &it.Key, &kind, &conv, &msg, &it.FromChat, &it.FromMessage, &it.ReplyTo, &it.Text, &it.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return it, false, nil
	}
	it.Kind, it.Conversation, it.Message = outKind(kind), conversation.ID(conv), conversation.MessageID(msg)
	return it, err == nil, err
}

// markSent records, in one transaction, that item it was sent as staff
// message staff and what that message shows: a header heads its
// conversation, a copy links to its message.
func (d *Desk) markSent(ctx context.Context, it outItem, staff int) error {
	tx, err := d.links.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, `UPDATE helpdesk_outbox SET state = ?, staff_message = ?, error = '' WHERE seq = ?`,
		outSent, staff, it.Seq); err != nil {
		return err
	}
	switch it.Kind {
	case outHeader:
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO helpdesk_headers (conversation, staff_message) VALUES (?, ?)`,
			string(it.Conversation), staff); err != nil {
			return err
		}
		fallthrough
	case outCopy:
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO helpdesk_links (staff_message, conversation, message) VALUES (?, ?, ?)`,
			staff, string(it.Conversation), string(it.Message)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// markAttempt records a failed attempt to send item it that may pass.
func (d *Desk) markAttempt(ctx context.Context, it outItem, cause error) error {
	_, err := d.links.ExecContext(ctx, `UPDATE helpdesk_outbox SET attempts = attempts + 1, error = ? WHERE seq = ?`, cause.Error(), it.Seq)
	return err
}

// markFailed puts item it aside: the staff group refused it for good.
func (d *Desk) markFailed(ctx context.Context, it outItem, cause error) error {
	_, err := d.links.ExecContext(ctx, `UPDATE helpdesk_outbox SET state = ?, attempts = attempts + 1, error = ? WHERE seq = ?`,
		outFailed, cause.Error(), it.Seq)
	return err
}
