package contactcenter

import (
	"context"
	"fmt"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// SearchContacts returns a page of the workspace's contacts that q finds
// — by name, by external id on a channel, or by a custom field's value,
// exactly one of them (store.ContactQuery says how each matches) — in the
// order of its kind, and the cursor of the next page (q.After), empty
// after the last. A name is found from the start of any of its first
// store.MaxNameWords words, whatever the case and the accents: "jose"
// finds "José Muñoz", and so do "muñoz" and "MUNOZ". Erased contacts are
// found by nothing.
//
// Errors: CodeInvalid (ticket.ErrInvalid) for an empty workspace or a
// query store.ContactQuery's Normalize refuses — none or two kinds of
// search, an empty name or one beyond store.MaxNameQuery characters, a bad
// external id, field key or value, a page size beyond
// store.MaxContactPage, a malformed cursor or one of another kind of
// search; CodeNotFound (ticket.ErrWorkspaceNotFound) for a workspace
// that never had configuration stored (PutChannel and the other puts).
// Nothing is read then (R19).
func (e *Engine) SearchContacts(ctx context.Context, ws ticket.WorkspaceID, q store.ContactQuery) ([]ticket.Contact, store.ContactCursor, error) {
	const op = "search contacts"
	if ws == "" {
		return nil, "", wrap(op, fmt.Errorf("%w: empty workspace", ticket.ErrInvalid))
	}
	q, err := q.Normalize()
	if err != nil {
		return nil, "", wrap(op, err)
	}
	if known, err := e.knowsWorkspace(ctx, ws); err != nil {
		return nil, "", wrap(op, err)
	} else if !known {
		return nil, "", wrap(op, fmt.Errorf("workspace %q: %w", ws, ticket.ErrWorkspaceNotFound))
	}
	var page []ticket.Contact
	var next store.ContactCursor
	err = e.view(ctx, op, func(tx store.Tx) (err error) {
		page, next, err = tx.SearchContacts(ctx, ws, q)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return page, next, nil
}

// knowsWorkspace reports whether workspace ws ever had configuration
// stored: a workspace whose last channel was deleted still has its
// contacts.
func (e *Engine) knowsWorkspace(ctx context.Context, ws ticket.WorkspaceID) (bool, error) {
	if c := e.cached(ws); c != nil && c.rev > 0 {
		return true, nil // a revision never goes back
	}
	c, err := e.config(ctx, nil, ws, true)
	if err != nil {
		return false, err
	}
	return c.rev > 0, nil
}
