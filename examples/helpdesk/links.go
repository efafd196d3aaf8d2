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
// how far each got, the outbox of the staff group, which chat the staff
// group is, and the Telegram usernames of the staff.
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
			error         TEXT NOT NULL DEFAULT '',
			sending_after INTEGER
		);
		CREATE INDEX IF NOT EXISTS helpdesk_outbox_pending ON helpdesk_outbox (seq) WHERE state = 'pending';
		CREATE TABLE IF NOT EXISTS helpdesk_settings (
			name  TEXT PRIMARY KEY,
			value INTEGER NOT NULL
		);
		CREATE TABLE IF NOT EXISTS helpdesk_staff_usernames (
			username TEXT PRIMARY KEY,
			user_id  INTEGER NOT NULL
		);`)
	if err == nil {
		err = addCommandState(ctx, db)
	}
	if err == nil {
		err = addSendingAfter(ctx, db)
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

// addSendingAfter gives a helpdesk_outbox table of an earlier version its
// sending_after column and index, and sets settingLastStaff, if the tables
// do not have it yet, to the highest staff message they know: a bound
// that may be too high (the outbox of an earlier version may hold the ids
// of a staff chat the desk moved from) only keeps a message from being
// recognised, and is never lower than a message the desk posted.
func addSendingAfter(ctx context.Context, db *sql.DB) error {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('helpdesk_outbox') WHERE name = 'sending_after'`).Scan(&n)
	if err == nil && n == 0 {
		_, err = db.ExecContext(ctx, `ALTER TABLE helpdesk_outbox ADD COLUMN sending_after INTEGER`)
	}
	if err == nil {
		_, err = db.ExecContext(ctx, `CREATE INDEX IF NOT EXISTS helpdesk_outbox_sending ON helpdesk_outbox (sending_after)
			WHERE sending_after IS NOT NULL`)
	}
	if err == nil {
		_, err = db.ExecContext(ctx, `INSERT OR IGNORE INTO helpdesk_settings (name, value) SELECT ?, max(
			coalesce((SELECT max(staff_message) FROM helpdesk_links), 0),
			coalesce((SELECT max(staff_message) FROM helpdesk_outbox WHERE state = ?), 0))`, settingLastStaff, outSent)
	}
	return err
}

// Settings of the desk's tables.
const (
	// settingChat is the staff chat the desk posts to, the chat whose
	// message ids helpdesk_links, helpdesk_headers and helpdesk_commands
	// hold.
	settingChat = "staff_chat"
	// settingConfigured is the STAFF_CHAT_ID that settingChat was set
	// from, or migrated from.
	settingConfigured = "configured_chat"
	// settingEpoch counts the staff chats the desk has had: headers are
	// queued once per conversation and epoch.
	settingEpoch = "staff_epoch"
	// settingLastStaff is the highest id of a message the relay posted in
	// the staff chat and recorded (0: none yet in this chat): the
	// sending_after of the next item it claims (claimOut).
	settingLastStaff = "last_staff_message"
)

// staffChat is the staff chat the desk uses, as its tables record it.
type staffChat struct {
	ID    int64
	Epoch int64
	// Moved reports that Open found the desk configured for another chat
	// than the one its tables name: the old chat's links were retired.
	Moved bool
}

// settleStaffChat returns the staff chat for a desk configured with chat
// configured. The tables keep the chat a migration moved the desk to
// (moveStaffChat) for as long as the configuration names the chat it
// moved from, so that a restart keeps posting to the supergroup; a
// configuration that names another chat moves the desk there.
func settleStaffChat(ctx context.Context, db *sql.DB, configured int64) (staffChat, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return staffChat{}, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	set, err := readSettings(ctx, tx)
	if err != nil {
		return staffChat{}, err
	}
	chat, known := set[settingChat]
	c := staffChat{ID: configured, Epoch: set[settingEpoch]}
	switch {
	case !known: // a new desk, or one of a version that did not record it
		err = putSettings(ctx, tx, map[string]int64{settingChat: configured, settingConfigured: configured, settingEpoch: c.Epoch})
	case set[settingConfigured] == configured:
		c.ID = chat
	case chat == configured: // the configuration names the chat migrated to
		err = putSettings(ctx, tx, map[string]int64{settingConfigured: configured})
	default:
		c.Moved = true
		c.Epoch, err = retireStaffChat(ctx, tx, configured, configured)
	}
	if err != nil {
		return staffChat{}, err
	}
	return c, tx.Commit()
}

// moveStaffChat moves the desk to chat to, which its staff group became
// (a group that became a supergroup): the tables record it, so that a
// restart with the same configuration keeps it, and the old chat's links
// are retired. It returns the new epoch.
func (d *Desk) moveStaffChat(ctx context.Context, to int64) (int64, error) {
	tx, err := d.links.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	set, err := readSettings(ctx, tx)
	if err != nil {
		return 0, err
	}
	epoch, err := retireStaffChat(ctx, tx, to, set[settingConfigured])
	if err != nil {
		return 0, err
	}
	return epoch, tx.Commit()
}

// retireStaffChat makes chat to the staff chat, recorded as configured
// from configured, in tx. The message ids the tables hold name messages of
// the old chat, and the new chat's ids start anew: a reply there to a
// message with the same id must not reach the old message's conversation,
// nor a command there count as one done. So links, headers and commands
// are forgotten (every conversation gets a header in the new chat with its
// next copy or notice), the answers still to send no longer reply to a
// message, and what the outbox knows of the old chat's ids (the relay's
// last staff message, each item's sending_after) no longer places a
// message of the new chat (recognise). It returns the new epoch.
func retireStaffChat(ctx context.Context, tx *sql.Tx, to, configured int64) (int64, error) {
	set, err := readSettings(ctx, tx)
	if err != nil {
		return 0, err
	}
	epoch := set[settingEpoch] + 1
	for _, q := range []string{
		`DELETE FROM helpdesk_links`,
		`DELETE FROM helpdesk_headers`,
		`DELETE FROM helpdesk_commands`,
		`UPDATE helpdesk_outbox SET reply_to = 0 WHERE state = 'pending'`,
		`UPDATE helpdesk_outbox SET sending_after = NULL WHERE sending_after IS NOT NULL`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	return epoch, putSettings(ctx, tx, map[string]int64{settingChat: to, settingConfigured: configured, settingEpoch: epoch,
		settingLastStaff: 0})
}

// readSettings returns the settings the tables hold.
func readSettings(ctx context.Context, tx *sql.Tx) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, value FROM helpdesk_settings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	set := map[string]int64{}
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			return nil, err
		}
		set[name] = v
	}
	return set, rows.Err()
}

// putSettings stores settings in tx.
func putSettings(ctx context.Context, tx *sql.Tx, set map[string]int64) error {
	for name, v := range set {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO helpdesk_settings (name, value) VALUES (?, ?)`, name, v); err != nil {
			return err
		}
	}
	return nil
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
		if err := insertOut(ctx, tx, d.answerTo(staff, text)); err != nil {
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
	// header and links to it. The relay queues it when it meets the
	// conversation's first copy or notice in the staff chat, and sends it
	// before them.
	outHeader outKind = "header"
	// outCopy copies a customer's message under its conversation's header;
	// once sent it links to the conversation and the message (a copy of a
	// rejected message, which has none, to the conversation alone).
	outCopy outKind = "copy"
	// outNotice tells what happened to a conversation, under its header;
	// one without a conversation stands alone.
	outNotice outKind = "notice"
	// outAnswer answers a staff message.
	outAnswer outKind = "answer"
	// outBot shows what the bot did in a conversation, under its header:
	// one of its messages, or its hand-off. Once sent it links to the
	// conversation (and to the bot's message), so that a reply to it
	// answers the customer.
	outBot outKind = "bot"
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
	// ReplyTo is the staff message an answer answers; for a copy or a
	// notice, the relay sets it to its conversation's header.
	ReplyTo  int
	Text     string
	Attempts int
}

// answerTo is the answer to staff message staff of the staff chat. Its
// key names the chat: message ids start anew in another chat.
func (d *Desk) answerTo(staff int, text string) outItem {
	return outItem{Key: fmt.Sprintf("answer:%d:%d", d.staffChat(), staff), Kind: outAnswer, ReplyTo: staff, Text: text}
}

// underConversation reports whether items of kind k hang from their
// conversation's header.
func underConversation(k outKind) bool { return k == outCopy || k == outNotice || k == outBot }

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

// relayed reports whether an item with key is in the outbox, whatever its
// state, or message m (if not "") was copied to the staff group before the
// desk had an outbox.
func (d *Desk) relayed(ctx context.Context, key string, m conversation.MessageID) (bool, error) {
	var found bool
	err := d.links.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM helpdesk_outbox WHERE key = ?)
		OR EXISTS (SELECT 1 FROM helpdesk_links WHERE message = ? AND message <> '')`, key, string(m)).Scan(&found)
	return found, err
}

// headerKey is the key of conversation c's header in the staff chat of
// epoch; epoch 0 keeps the keys of the desk's first version.
func headerKey(epoch int64, c conversation.ID) string {
	if epoch == 0 {
		return "header:" + string(c)
	}
	return fmt.Sprintf("header:%d:%s", epoch, c)
}

// outState returns the state of the item with key, "" if there is none.
func (d *Desk) outState(ctx context.Context, key string) (string, error) {
	var state string
	err := d.links.QueryRowContext(ctx, `SELECT state FROM helpdesk_outbox WHERE key = ?`, key).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return state, err
}

// nextOut returns the item of the outbox to send next: the earliest
// pending one, or, if that is a copy or notice whose conversation has a
// header pending, the header, which goes first.
func (d *Desk) nextOut(ctx context.Context) (outItem, bool, error) {
	it, ok, err := d.scanOut(ctx, `state = ?`, outPending)
	if err != nil || !ok || !underConversation(it.Kind) || it.Conversation == "" {
		return it, ok, err
	}
	h, found, err := d.scanOut(ctx, `state = ? AND kind = ? AND conversation = ?`, outPending, string(outHeader), string(it.Conversation))
	switch {
	case err != nil:
		return outItem{}, false, err
	case found:
		return h, true, nil
	}
	return it, true, nil
}

// scanOut returns the earliest item of the outbox that where selects.
func (d *Desk) scanOut(ctx context.Context, where string, args ...any) (outItem, bool, error) {
	var it outItem
	var kind, conv, msg string
	err := d.links.QueryRowContext(ctx, `SELECT seq, key, kind, conversation, message, from_chat, from_message, reply_to, text, attempts
		FROM helpdesk_outbox WHERE `+where+` ORDER BY seq LIMIT 1`, args...).
		Scan(&it.Seq, &it.Key, &kind, &conv, &msg, &it.FromChat, &it.FromMessage, &it.ReplyTo, &it.Text, &it.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return it, false, nil
	}
	it.Kind, it.Conversation, it.Message = outKind(kind), conversation.ID(conv), conversation.MessageID(msg)
	return it, err == nil, err
}

// markSent records, in one transaction, that item it was sent as staff
// message staff and what that message shows: a header heads its
// conversation, a copy links to its message, and what the bot did links
// to its conversation (and its message).
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
	case outCopy, outBot:
		if it.Conversation == "" {
			break // a copy of a rejected message of a contact without a conversation
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO helpdesk_links (staff_message, conversation, message) VALUES (?, ?, ?)`,
			staff, string(it.Conversation), string(it.Message)); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO helpdesk_settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`, settingLastStaff, staff); err != nil {
		return err
	}
	return tx.Commit()
}

// claimOut records, before item it is sent, that it is being sent after
// the last staff message the relay recorded (settingLastStaff): its
// sending_after. A crash between the send and markSent leaves a message in
// the staff group that the desk has not recorded; recognise finds it by
// this bound.
func (d *Desk) claimOut(ctx context.Context, it outItem) error {
	_, err := d.links.ExecContext(ctx, `UPDATE helpdesk_outbox
		SET sending_after = coalesce((SELECT value FROM helpdesk_settings WHERE name = ?), 0) WHERE seq = ?`, settingLastStaff, it.Seq)
	return err
}

// recognise returns the conversation and message that staff message staff
// shows when it is a message the bot posted in the staff chat and the desk
// has no link for: a send that reached the group but whose record was
// lost, to a crash, or not yet made. It links staff to them, so that
// replies to it, and edits of those replies, reach the conversation. ok is
// false when staff is none of the relay's headers, copies and bot items.
//
// Message ids in a chat increase with every message, and in the staff
// chat only the relay posts as the bot: one item at a time, in order, each
// claimed (claimOut) before it is sent and recorded (markSent) before the
// next is claimed. So a message of the bot's that the desk has not recorded
// was sent by the item claimed last before it: the item with the highest
// sending_after below staff. The item sent once more after a crash (the
// same item: the relay takes the earliest first) either is still pending,
// or was recorded as a later message; if that item was recorded as an
// earlier message, staff was posted after it and is not the relay's.
// Items put aside are skipped: the Bot API refused them, and the item
// claimed after one has the same sending_after.
func (d *Desk) recognise(ctx context.Context, staff int) (conversation.ID, conversation.MessageID, bool, error) {
	tx, err := d.links.BeginTx(ctx, nil)
	if err != nil {
		return "", "", false, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	// The two latest claims before staff: when two items were claimed after
	// the same last known message (the first was refused after a send that
	// may have reached the group), the message cannot be told to be either,
	// and a refused item is no conversation's copy.
	rows, err := tx.QueryContext(ctx, `SELECT kind, conversation, message, state, staff_message, sending_after FROM helpdesk_outbox
		WHERE sending_after IS NOT NULL AND sending_after < ?
		ORDER BY sending_after DESC, seq DESC LIMIT 2`, staff)
	if err != nil {
		return "", "", false, err
	}
	type claim struct {
		kind, conv, msg, state string
		recorded, after        int
	}
	var found []claim
	for rows.Next() {
		var c claim
		if err := rows.Scan(&c.kind, &c.conv, &c.msg, &c.state, &c.recorded, &c.after); err != nil {
			rows.Close()
			return "", "", false, err
		}
		found = append(found, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", "", false, err
	}
	if len(found) == 0 || (len(found) == 2 && found[0].after == found[1].after) {
		return "", "", false, nil
	}
	kind, conv, msg, state, recorded := found[0].kind, found[0].conv, found[0].msg, found[0].state, found[0].recorded
	switch {
	case state == outFailed,
		state == outSent && recorded < staff, // posted after the item was recorded
		outKind(kind) != outHeader && outKind(kind) != outCopy && outKind(kind) != outBot, conv == "":
		return "", "", false, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO helpdesk_links (staff_message, conversation, message) VALUES (?, ?, ?)`,
		staff, conv, msg); err != nil {
		return "", "", false, err
	}
	if err := tx.Commit(); err != nil {
		return "", "", false, err
	}
	return conversation.ID(conv), conversation.MessageID(msg), true, nil
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
