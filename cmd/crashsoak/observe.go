package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // the help desk's own tables

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/store/postgres"
	"github.com/telenet/contactcenter/store/sqlite"
	"github.com/telenet/contactcenter/ticket"
)

// observer reads what the children stored, through the store's own
// interface, as another process on the same database would.
type observer struct {
	st    store.Store
	ws    ticket.WorkspaceID
	links *sql.DB // the help desk's tables; nil for the bare engine
}

func openObserver(ctx context.Context, kind, db string, ws ticket.WorkspaceID, helpdesk bool) (*observer, error) {
	o := &observer{ws: ws}
	var err error
	switch kind {
	case "sqlite":
		o.st, err = sqlite.Open(ctx, db)
	case "postgres":
		o.st, err = postgres.Open(ctx, db)
	default:
		err = fmt.Errorf("unknown store %q", kind)
	}
	if err != nil {
		return nil, err
	}
	if helpdesk {
		o.links, err = sql.Open("sqlite", "file:"+(&url.URL{Path: db}).EscapedPath()+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
		if err != nil {
			o.st.Close()
			return nil, err
		}
	}
	return o, nil
}

func (o *observer) close() {
	if o.links != nil {
		o.links.Close()
	}
	o.st.Close()
}

// customerRef names a customer's conversation on a channel.
type customerRef struct {
	Chat    int64
	Channel channel.ID
}

// conversations returns the messages of each customer's latest
// conversation on its channel; customers not stored yet are absent.
func (o *observer) conversations(ctx context.Context, customers []customerRef) (map[int64][]conversation.Message, error) {
	out := make(map[int64][]conversation.Message, len(customers))
	err := o.st.View(ctx, func(tx store.Tx) error {
		for _, c := range customers {
			k, err := tx.ContactByExternalID(ctx, o.ws, c.Channel, strconv.FormatInt(c.Chat, 10))
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			conv, err := tx.LatestConversation(ctx, o.ws, c.Channel, k.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			msgs, err := tx.Messages(ctx, o.ws, conv.ID)
			if err != nil {
				return err
			}
			out[c.Chat] = msgs
		}
		return nil
	})
	return out, err
}

// storedInbound reports which of the inbound messages (by channel and
// external id) are stored.
func (o *observer) storedInbound(ctx context.Context, ch []channel.ID, ids []string) ([]bool, error) {
	out := make([]bool, len(ids))
	err := o.st.View(ctx, func(tx store.Tx) error {
		for i, id := range ids {
			_, err := tx.MessageByExternalID(ctx, o.ws, ch[i], id)
			switch {
			case err == nil:
				out[i] = true
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		return nil
	})
	return out, err
}

// staffRecorded returns the staff-group messages the help desk recorded:
// in helpdesk_links (copies and headers) and helpdesk_headers. ok is false
// when the desk keeps no such tables.
func (o *observer) staffRecorded(ctx context.Context) (map[int]bool, bool, error) {
	if o.links == nil {
		return nil, false, nil
	}
	out := map[int]bool{}
	for _, q := range []string{`SELECT staff_message FROM helpdesk_links`, `SELECT staff_message FROM helpdesk_headers`} {
		rows, err := o.links.QueryContext(ctx, q)
		if err != nil && strings.Contains(err.Error(), "no such table") {
			return nil, false, nil // the desk records its staff messages elsewhere
		}
		if err != nil {
			return nil, false, err
		}
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, false, err
			}
			out[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, false, err
		}
	}
	return out, true, nil
}
