package memory

import (
	"bytes"
	"cmp"
	"context"
	"slices"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

// configKey is a configuration record's key.
type configKey struct {
	ws   ticket.WorkspaceID
	kind store.ConfigKind
	name string
}

// cloneConfig returns c with its own body and references.
func cloneConfig(c store.Config) store.Config {
	c.Body = bytes.Clone(c.Body)
	c.Refs = slices.Clone(c.Refs)
	return c
}

func (t *tx) ConfigRevision(ctx context.Context, ws ticket.WorkspaceID) (int64, error) {
	if err := t.check(ctx, false); err != nil {
		return 0, err
	}
	rev, _ := t.s.configRevs.get(ws)
	return rev, nil
}

func (t *tx) Config(ctx context.Context, ws ticket.WorkspaceID, kind store.ConfigKind, name string) (store.Config, error) {
	if err := t.check(ctx, false); err != nil {
		return store.Config{}, err
	}
	c, ok := t.s.configs.get(configKey{ws, kind, name})
	if !ok {
		return store.Config{}, errNotFound
	}
	return cloneConfig(c), nil
}

func (t *tx) Configs(ctx context.Context, ws ticket.WorkspaceID, kind store.ConfigKind) ([]store.Config, error) {
	if err := t.check(ctx, false); err != nil {
		return nil, err
	}
	var out []store.Config
	for k, c := range t.s.configs.m {
		if k.ws == ws && (kind == "" || k.kind == kind) {
			out = append(out, cloneConfig(c))
		}
	}
	slices.SortFunc(out, func(a, b store.Config) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

func (t *tx) PutConfig(ctx context.Context, c store.Config) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	k := configKey{c.Workspace, c.Kind, c.Name}
	old, ok := t.s.configs.get(k)
	if stored := old.Version; stored != c.Version-1 {
		return conflict(string(c.Kind), c.Name, stored, c.Version)
	}
	for _, r := range c.Refs {
		if _, found := t.s.configs.get(configKey{c.Workspace, r.Kind, r.Name}); !found || r.Kind == c.Kind && r.Name == c.Name {
			return store.DanglingError(c, r)
		}
	}
	t.s.configs.replace(k, cloneConfig(c), old, ok)
	t.bumpConfig(c.Workspace)
	return nil
}

func (t *tx) DeleteConfig(ctx context.Context, ws ticket.WorkspaceID, kind store.ConfigKind, name string, version int64) error {
	if err := t.check(ctx, true); err != nil {
		return err
	}
	k := configKey{ws, kind, name}
	old, ok := t.s.configs.get(k)
	switch {
	case !ok:
		return errNotFound
	case old.Version != version:
		return conflict(string(kind), name, old.Version, version+1)
	}
	var by []store.ConfigRef
	for ok, c := range t.s.configs.m {
		if ok.ws != ws || ok == k {
			continue
		}
		if slices.Contains(c.Refs, store.ConfigRef{Kind: kind, Name: name}) {
			by = append(by, store.ConfigRef{Kind: c.Kind, Name: c.Name})
		}
	}
	if len(by) > 0 {
		slices.SortFunc(by, func(a, b store.ConfigRef) int {
			return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
		})
		return &store.ReferencedError{Workspace: ws, Config: store.ConfigRef{Kind: kind, Name: name}, By: by}
	}
	t.s.configs.del(k)
	t.bumpConfig(ws)
	return nil
}

// bumpConfig raises workspace ws's configuration revision.
func (t *tx) bumpConfig(ws ticket.WorkspaceID) {
	rev, ok := t.s.configRevs.get(ws)
	t.s.configRevs.replace(ws, rev+1, rev, ok)
}
