package sqlstore

import (
	"context"
	"fmt"

	"github.com/telenet/contactcenter/conversation"
	"github.com/telenet/contactcenter/store"
)

// BackfillPartitions sets the partition (store.EventPartition) of every
// stored event, in pages of the events' sequence: the migration that added
// the column runs it in its transaction, after its script. query runs a
// read, exec a write.
func BackfillPartitions(ctx context.Context, p Placeholders, query func(ctx context.Context, sql string, args ...any) (Rows, error), exec func(ctx context.Context, sql string, args ...any) error) error {
	const page = 500
	sel := Rebind(p, `SELECT seq, workspace, conversation_id, agent, contact_id FROM cc_events WHERE seq > ? ORDER BY seq LIMIT ?`)
	upd := Rebind(p, `UPDATE cc_events SET part = ? WHERE seq = ?`)
	var after int64
	for {
		rows, err := query(ctx, sel, after, page)
		if err != nil {
			return fmt.Errorf("backfill event partitions: %w", err)
		}
		type row struct {
			seq  int64
			part int
		}
		var page0 []row
		for rows.Next() {
			var e conversation.Event
			var seq int64
			if err := rows.Scan(&seq, &e.Workspace, &e.Conversation, &e.Agent, &e.Contact); err != nil {
				rows.Close()
				return fmt.Errorf("backfill event partitions: %w", err)
			}
			page0 = append(page0, row{seq, store.EventPartition(e)})
			after = seq
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("backfill event partitions: %w", err)
		}
		for _, r := range page0 {
			if r.part == 0 {
				continue
			}
			if err := exec(ctx, upd, r.part, r.seq); err != nil {
				return fmt.Errorf("backfill event partitions: %w", err)
			}
		}
		if len(page0) < page {
			return nil
		}
	}
}
