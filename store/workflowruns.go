package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/telenet/contactcenter/conversation"
)

// DefaultRunPage is the page size of a RunFilter whose Limit is 0.
const DefaultRunPage = 50

// RunPosition returns the cursor just after r in the order of
// Tx.WorkflowRuns (R16).
func RunPosition(r WorkflowRun) RunCursor {
	s := "r." + strconv.FormatInt(r.StartedAt.Unix(), 10) + "." + strconv.Itoa(r.StartedAt.Nanosecond()) + "." + r.ID
	return RunCursor(base64.RawURLEncoding.EncodeToString([]byte(s)))
}

// Position decodes the cursor: the start time and id of the run it
// follows. The empty cursor has ok false. A cursor that no RunPosition
// made fails with conversation.ErrInvalid.
func (c RunCursor) Position() (startedAt time.Time, id string, ok bool, err error) {
	if c == "" {
		return time.Time{}, "", false, nil
	}
	bad := fmt.Errorf("%w: malformed workflow run cursor", conversation.ErrInvalid)
	raw, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil || !strings.HasPrefix(string(raw), "r.") {
		return time.Time{}, "", false, bad
	}
	parts := strings.SplitN(string(raw[2:]), ".", 3)
	if len(parts) != 3 {
		return time.Time{}, "", false, bad
	}
	sec, err1 := strconv.ParseInt(parts[0], 10, 64)
	ns, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || ns < 0 || ns >= 1e9 {
		return time.Time{}, "", false, bad
	}
	return time.Unix(sec, int64(ns)).UTC(), parts[2], true, nil
}

// Normalize returns f as stores apply it, Limit defaulted
// (DefaultRunPage). A Limit below 0 or above MaxRunPage or a malformed
// cursor fail with conversation.ErrInvalid.
func (f RunFilter) Normalize() (RunFilter, error) {
	switch {
	case f.Limit < 0 || f.Limit > MaxRunPage:
		return f, fmt.Errorf("%w: page size %d outside 0…%d", conversation.ErrInvalid, f.Limit, MaxRunPage)
	case f.Limit == 0:
		f.Limit = DefaultRunPage
	}
	if _, _, _, err := f.After.Position(); err != nil {
		return f, err
	}
	return f, nil
}

// Match reports whether r passes the filters of f (its workflow, its
// conversation, open only), not the cursor.
func (f RunFilter) Match(r WorkflowRun) bool {
	switch {
	case f.Workflow != "" && r.Workflow != f.Workflow,
		f.Conversation != "" && r.Conversation != f.Conversation,
		f.OpenOnly && !r.Open:
		return false
	}
	return true
}

// RunBefore reports whether r comes before s in the order of
// Tx.WorkflowRuns: newest first, by StartedAt, then ID, descending.
func RunBefore(r, s WorkflowRun) bool {
	if !r.StartedAt.Equal(s.StartedAt) {
		return r.StartedAt.After(s.StartedAt)
	}
	return r.ID > s.ID
}
