package storetest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// testConfigs: configuration records are created at version 1 and
// replaced from the version stored (ErrConflict otherwise), read one by
// one and by workspace and kind in order, and deleted from the version
// stored; a record may name only records that exist (ErrDangling), and one
// another names cannot be deleted (a *ReferencedError that names them).
// Every write raises the workspace's revision; a refused write changes
// nothing, and a rolled back one leaves nothing.
func (h *harness) testConfigs(t *testing.T) {
	s := h.store(t)
	ws := ticket.WorkspaceID(newWorkspace("config"))
	other := ticket.WorkspaceID(newWorkspace("config-other"))
	const tpl, ch, hrs store.ConfigKind = "template", "channel", "hours"
	put := func(c store.Config) error {
		return s.Update(ctx(), func(tx store.Tx) error { return tx.PutConfig(ctx(), c) })
	}
	del := func(ws ticket.WorkspaceID, kind store.ConfigKind, name string, version int64) error {
		return s.Update(ctx(), func(tx store.Tx) error { return tx.DeleteConfig(ctx(), ws, kind, name, version) })
	}
	get := func(ws ticket.WorkspaceID, kind store.ConfigKind, name string) (c store.Config, err error) {
		err = s.View(ctx(), func(tx store.Tx) error { c, err = tx.Config(ctx(), ws, kind, name); return err })
		return c, err
	}
	list := func(ws ticket.WorkspaceID, kind store.ConfigKind) (cs []store.Config) {
		require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) { cs, err = tx.Configs(ctx(), ws, kind); return err }))
		return cs
	}
	rev := func(ws ticket.WorkspaceID) (r int64) {
		require.NoError(t, s.View(ctx(), func(tx store.Tx) (err error) { r, err = tx.ConfigRevision(ctx(), ws); return err }))
		return r
	}
	names := func(cs []store.Config) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = string(c.Kind) + "/" + c.Name
		}
		return out
	}

	assert.Zero(t, rev(ws), "no write yet")
	_, err := get(ws, tpl, "welcome")
	require.ErrorIs(t, err, store.ErrNotFound)
	assert.Empty(t, list(ws, ""))

	welcome := store.Config{Workspace: ws, Kind: tpl, Name: "welcome", Version: 1, Body: []byte(`{"text":"hi"}`)}
	require.NoError(t, put(welcome))
	assert.Equal(t, int64(1), rev(ws))
	got, err := get(ws, tpl, "welcome")
	require.NoError(t, err)
	assert.Equal(t, welcome.Body, got.Body)
	assert.Equal(t, int64(1), got.Version)
	assert.Empty(t, got.Refs)

	// Creating it again, or replacing it from another version, conflicts.
	require.ErrorIs(t, put(welcome), store.ErrConflict)
	stale := welcome
	stale.Version = 3
	require.ErrorIs(t, put(stale), store.ErrConflict)
	missing := store.Config{Workspace: ws, Kind: tpl, Name: "nope", Version: 2}
	require.ErrorIs(t, put(missing), store.ErrConflict, "a version above 1 of a record that does not exist")
	assert.Equal(t, int64(1), rev(ws), "refused writes raise nothing")

	welcome.Version, welcome.Body = 2, []byte(`{"text":"hello"}`)
	require.NoError(t, put(welcome))
	got, err = get(ws, tpl, "welcome")
	require.NoError(t, err)
	assert.Equal(t, []byte(`{"text":"hello"}`), got.Body)
	assert.Equal(t, int64(2), got.Version)
	assert.Equal(t, int64(2), rev(ws))

	// References: to records that exist only, never to itself.
	closed := store.Config{Workspace: ws, Kind: tpl, Name: "closed", Version: 1, Body: []byte("c")}
	office := store.Config{Workspace: ws, Kind: hrs, Name: "office", Version: 1, Body: []byte("h")}
	tg := store.Config{Workspace: ws, Kind: ch, Name: "tg", Version: 1, Body: []byte("t"),
		Refs: []store.ConfigRef{{Kind: tpl, Name: "welcome"}, {Kind: tpl, Name: "closed"}, {Kind: hrs, Name: "office"}}}
	err = put(tg)
	require.ErrorIs(t, err, store.ErrDangling)
	assert.Contains(t, err.Error(), `"closed"`)
	self := store.Config{Workspace: ws, Kind: ch, Name: "self", Version: 1, Refs: []store.ConfigRef{{Kind: ch, Name: "self"}}}
	require.ErrorIs(t, put(self), store.ErrDangling)
	_, err = get(ws, ch, "tg")
	require.ErrorIs(t, err, store.ErrNotFound, "a refused record is not stored")
	require.NoError(t, put(closed))
	require.NoError(t, put(office))
	otherTg := tg
	otherTg.Workspace = other
	require.ErrorIs(t, put(otherTg), store.ErrDangling, "the records of another workspace do not count")
	require.NoError(t, put(tg))
	got, err = get(ws, ch, "tg")
	require.NoError(t, err)
	assert.Equal(t, tg.Refs, got.Refs, "in their order")
	revBefore := rev(ws)

	// Listing: by kind, then name; or one kind; never another workspace's.
	other1 := store.Config{Workspace: other, Kind: tpl, Name: "welcome", Version: 1, Body: []byte("o")}
	require.NoError(t, put(other1))
	assert.Equal(t, []string{"channel/tg", "hours/office", "template/closed", "template/welcome"}, names(list(ws, "")))
	assert.Equal(t, []string{"template/closed", "template/welcome"}, names(list(ws, tpl)))
	assert.Equal(t, []string{"template/welcome"}, names(list(other, "")))
	assert.Equal(t, revBefore, rev(ws), "another workspace's write leaves the revision")
	assert.Equal(t, int64(1), rev(other))

	// Deleting a named record is refused, and says who names it.
	err = del(ws, tpl, "welcome", 2)
	require.ErrorIs(t, err, store.ErrReferenced)
	var re *store.ReferencedError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, ws, re.Workspace)
	assert.Equal(t, store.ConfigRef{Kind: tpl, Name: "welcome"}, re.Config)
	assert.Equal(t, []store.ConfigRef{{Kind: ch, Name: "tg"}}, re.By)
	_, err = get(ws, tpl, "welcome")
	require.NoError(t, err, "a refused delete deletes nothing")
	assert.Equal(t, revBefore, rev(ws))
	require.NoError(t, del(other, tpl, "welcome", 1), "another workspace's record of that name is not named")

	// Deleting from another version conflicts; an unknown record is not
	// found.
	require.ErrorIs(t, del(ws, tpl, "welcome", 1), store.ErrConflict)
	require.ErrorIs(t, del(ws, tpl, "nope", 1), store.ErrNotFound)
	assert.Equal(t, revBefore, rev(ws))

	// A record that stops naming another frees it.
	tg.Version, tg.Refs = 2, []store.ConfigRef{{Kind: tpl, Name: "closed"}}
	require.NoError(t, put(tg))
	require.NoError(t, del(ws, tpl, "welcome", 2))
	_, err = get(ws, tpl, "welcome")
	require.ErrorIs(t, err, store.ErrNotFound)
	assert.Equal(t, revBefore+2, rev(ws))
	require.ErrorIs(t, del(ws, tpl, "closed", 1), store.ErrReferenced)
	require.NoError(t, del(ws, ch, "tg", 2))
	require.NoError(t, del(ws, tpl, "closed", 1), "deleting the channel deleted its references")
	// A deleted record is created again at version 1.
	welcome.Version = 1
	require.NoError(t, put(welcome))

	// A rolled back transaction leaves neither the record nor the
	// revision.
	revBefore = rev(ws)
	errRollback := errors.New("roll back")
	err = s.Update(ctx(), func(tx store.Tx) error {
		if err := tx.PutConfig(ctx(), store.Config{Workspace: ws, Kind: tpl, Name: "rolled", Version: 1}); err != nil {
			return err
		}
		if err := tx.DeleteConfig(ctx(), ws, hrs, "office", 1); err != nil {
			return err
		}
		r, err := tx.ConfigRevision(ctx(), ws)
		if err != nil {
			return err
		}
		assert.Equal(t, revBefore+2, r, "a transaction reads its own writes")
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	_, err = get(ws, tpl, "rolled")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = get(ws, hrs, "office")
	require.NoError(t, err)
	assert.Equal(t, revBefore, rev(ws))

	// A record with no body reads back with none.
	require.NoError(t, put(store.Config{Workspace: ws, Kind: tpl, Name: "empty", Version: 1}))
	got, err = get(ws, tpl, "empty")
	require.NoError(t, err)
	assert.Empty(t, got.Body)
}
