package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/ticket"
)

// MaxQueuePage is the largest Limit a QueuePage may ask for.
const MaxQueuePage = 1000

// QueuePosition is a place in the order of Tx.Queue (conversation.Before):
// priority, highest first, then waiting since, then id. The zero position
// (no ID) is before the head of the queue.
type QueuePosition struct {
	Priority     ticket.Priority
	WaitingSince time.Time
	ID           conversation.ID
}

// QueuePositionOf returns the position of waiting conversation c in the
// queue, to pass as the After of the next page.
func QueuePositionOf(c *conversation.Conversation) QueuePosition {
	return QueuePosition{Priority: c.Priority, WaitingSince: c.WaitingSince, ID: c.ID}
}

// Follows reports whether waiting conversation c comes after position p in
// the queue's order; every conversation follows the zero position.
func (p QueuePosition) Follows(c *conversation.Conversation) bool {
	switch {
	case p.ID == "":
		return true
	case c.Priority != p.Priority:
		return c.Priority < p.Priority
	case !c.WaitingSince.Equal(p.WaitingSince):
		return c.WaitingSince.After(p.WaitingSince)
	}
	return c.ID > p.ID
}

// QueueGroup names a part of a workspace's queue: the waiting
// conversations of one channel whose Team and Abandoned are these (an
// empty Team: the conversations of no team). How automatic assignment
// treats a conversation (R11, R3: conversation.PolicyFor, the eligible
// agents) depends on these alone, so the engine reads the groups some
// agent can take.
type QueueGroup struct {
	Channel   channel.ID
	Team      conversation.TeamID
	Abandoned bool
}

// GroupOf returns the group of conversation c.
func GroupOf(c *conversation.Conversation) QueueGroup {
	return QueueGroup{Channel: c.Channel, Team: c.Team, Abandoned: c.Abandoned}
}

// QueuePage selects a page of a workspace's queue for ReadQueuePage: the
// waiting conversations of Groups, in the order of Tx.Queue, just after
// After, at most Limit of them.
type QueuePage struct {
	// Groups are the groups whose conversations the page holds; a group
	// named twice counts once, and none selects nothing.
	Groups []QueueGroup
	// After starts the page just after this position: QueuePositionOf
	// the last conversation of the page before. The zero position starts
	// at the head of the queue.
	After QueuePosition
	// Limit is the page size, 1…MaxQueuePage.
	Limit int
}

// Normalize returns p as stores apply it: Groups sorted, each once. A
// Limit outside 1…MaxQueuePage fails with conversation.ErrInvalid.
func (p QueuePage) Normalize() (QueuePage, error) {
	if p.Limit < 1 || p.Limit > MaxQueuePage {
		return p, fmt.Errorf("%w: queue page size %d outside 1…%d", conversation.ErrInvalid, p.Limit, MaxQueuePage)
	}
	p.Groups = slices.Clone(p.Groups)
	slices.SortFunc(p.Groups, compareGroups)
	p.Groups = slices.Compact(p.Groups)
	return p, nil
}

func compareGroups(a, b QueueGroup) int {
	if c := cmp.Compare(a.Channel, b.Channel); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Team, b.Team); c != 0 {
		return c
	}
	switch {
	case a.Abandoned == b.Abandoned:
		return 0
	case b.Abandoned:
		return -1
	}
	return 1
}

// QueuePager is an optional capability of a Tx: a store that can read a
// part of the queue without reading what precedes it or lies outside the
// groups implements it. ReadQueuePage reads the whole queue where a Tx
// does not.
type QueuePager interface {
	// QueuePage answers what ReadQueuePage answers without the
	// capability.
	QueuePage(ctx context.Context, ws ticket.WorkspaceID, p QueuePage) ([]conversation.Conversation, error)
}

// ReadQueuePage returns a page of workspace ws's queue (Tx.Queue): the
// waiting conversations of p.Groups after p.After, in the queue's order,
// at most p.Limit of them. A page Normalize refuses fails with its error, which
// wraps conversation.ErrInvalid. It uses tx's QueuePager capability, and
// reads the whole queue where tx has none.
func ReadQueuePage(ctx context.Context, tx Tx, ws ticket.WorkspaceID, p QueuePage) ([]conversation.Conversation, error) {
	p, err := p.Normalize()
	if err != nil {
		return nil, err
	}
	if q, ok := tx.(QueuePager); ok {
		return q.QueuePage(ctx, ws, p)
	}
	if len(p.Groups) == 0 {
		return nil, nil
	}
	queue, err := tx.Queue(ctx, ws, 0)
	if err != nil {
		return nil, err
	}
	var out []conversation.Conversation
	for i := range queue {
		c := &queue[i]
		if !p.After.Follows(c) {
			continue
		}
		if _, ok := slices.BinarySearchFunc(p.Groups, GroupOf(c), compareGroups); ok {
			out = append(out, *c)
			if len(out) == p.Limit {
				break
			}
		}
	}
	return out, nil
}
