package sqlstore

import (
	"context"
	"errors"

	"github.com/telenet/contactcenter/store"
	"github.com/telenet/contactcenter/ticket"
)

const configCols = `workspace, kind, name, version, body, refs`

type configStatements struct {
	revision, bump, unbump, config, configs, configsOfKind string
	create, update, delete, deleteRefs, addRef, referrers  string
}

func newConfigStatements(p Placeholders) configStatements {
	s := configStatements{
		revision: `SELECT revision FROM cc_config_revisions WHERE workspace = ?`,
		// Every write of a record raises the revision first: the row's lock
		// orders the writes of a workspace's records, so that the checks
		// after it (references, referrers) read what the writes before it
		// committed.
		bump:          `INSERT INTO cc_config_revisions (workspace, revision) VALUES (?, 1) ON CONFLICT (workspace) DO UPDATE SET revision = cc_config_revisions.revision + 1`,
		unbump:        `UPDATE cc_config_revisions SET revision = revision - 1 WHERE workspace = ?`,
		config:        `SELECT ` + configCols + ` FROM cc_configs WHERE workspace = ? AND kind = ? AND name = ?`,
		configs:       `SELECT ` + configCols + ` FROM cc_configs WHERE workspace = ? ORDER BY kind, name`,
		configsOfKind: `SELECT ` + configCols + ` FROM cc_configs WHERE workspace = ? AND kind = ? ORDER BY name`,
		create:        `INSERT INTO cc_configs (` + configCols + `) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (workspace, kind, name) DO NOTHING`,
		update:        `UPDATE cc_configs SET version = ?, body = ?, refs = ? WHERE workspace = ? AND kind = ? AND name = ? AND version = ?`,
		delete:        `DELETE FROM cc_configs WHERE workspace = ? AND kind = ? AND name = ?`,
		deleteRefs:    `DELETE FROM cc_config_refs WHERE workspace = ? AND kind = ? AND name = ?`,
		addRef:        `INSERT INTO cc_config_refs (workspace, ref_kind, ref_name, kind, name) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		referrers: `SELECT kind, name FROM cc_config_refs WHERE workspace = ? AND ref_kind = ? AND ref_name = ?
			AND NOT (kind = ? AND name = ?) ORDER BY kind, name`,
	}
	for _, q := range []*string{&s.revision, &s.bump, &s.unbump, &s.config, &s.configs, &s.configsOfKind,
		&s.create, &s.update, &s.delete, &s.deleteRefs, &s.addRef, &s.referrers} {
		*q = Rebind(p, *q)
	}
	return s
}

func scanConfig(r Rows) (store.Config, error) {
	var c store.Config
	var ws, kind, refs string
	if err := r.Scan(&ws, &kind, &c.Name, &c.Version, &c.Body, &refs); err != nil {
		return c, err
	}
	c.Workspace, c.Kind = ticket.WorkspaceID(ws), store.ConfigKind(kind)
	if len(c.Body) == 0 {
		c.Body = nil
	}
	return c, decodeJSON(refs, &c.Refs)
}

// ConfigRevision implements store.Tx.
func (t *Tx) ConfigRevision(ctx context.Context, ws ticket.WorkspaceID) (int64, error) {
	if err := t.query(ctx); err != nil {
		return 0, err
	}
	var rev int64
	err := queryOne(ctx, t.c, func(r Rows) error { return r.Scan(&rev) }, t.q.config.revision, string(ws))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	return rev, err
}

// Config implements store.Tx.
func (t *Tx) Config(ctx context.Context, ws ticket.WorkspaceID, kind store.ConfigKind, name string) (store.Config, error) {
	if err := t.query(ctx); err != nil {
		return store.Config{}, err
	}
	var c store.Config
	err := queryOne(ctx, t.c, func(r Rows) (err error) { c, err = scanConfig(r); return err },
		t.q.config.config, string(ws), string(kind), name)
	return c, err
}

// Configs implements store.Tx.
func (t *Tx) Configs(ctx context.Context, ws ticket.WorkspaceID, kind store.ConfigKind) ([]store.Config, error) {
	if err := t.query(ctx); err != nil {
		return nil, err
	}
	if kind == "" {
		return queryAll(ctx, t.c, scanConfig, t.q.config.configs, string(ws))
	}
	return queryAll(ctx, t.c, scanConfig, t.q.config.configsOfKind, string(ws), string(kind))
}

// PutConfig implements store.Tx. It raises the revision first, which
// orders it after any other write of the workspace's records, then checks
// the references.
func (t *Tx) PutConfig(ctx context.Context, c store.Config) error {
	t.resetInbound()
	q := &t.q.config
	if err := t.exec(ctx, q.bump, nil, string(c.Workspace)); err != nil {
		return err
	}
	if err := t.putConfig(ctx, c); err != nil {
		if uerr := t.exec(ctx, q.unbump, nil, string(c.Workspace)); uerr != nil {
			return uerr
		}
		return err
	}
	return nil
}

func (t *Tx) putConfig(ctx context.Context, c store.Config) error {
	q := &t.q.config
	for _, r := range c.Refs {
		if r.Kind == c.Kind && r.Name == c.Name {
			return store.DanglingError(c, r)
		}
		_, err := t.Config(ctx, c.Workspace, r.Kind, r.Name)
		if errors.Is(err, store.ErrNotFound) {
			return store.DanglingError(c, r)
		}
		if err != nil {
			return err
		}
	}
	body := c.Body
	if body == nil {
		body = []byte{}
	}
	refs, err := encodeJSON(c.Refs, len(c.Refs) == 0)
	if err != nil {
		return err
	}
	ws, kind := string(c.Workspace), string(c.Kind)
	if c.Version == 1 {
		err = t.exec(ctx, q.create, expectOne(kind, c.Name), ws, kind, c.Name, c.Version, body, refs)
	} else {
		err = t.exec(ctx, q.update, expectOne(kind, c.Name), c.Version, body, refs, ws, kind, c.Name, c.Version-1)
	}
	if err != nil {
		return err
	}
	if err := t.exec(ctx, q.deleteRefs, nil, ws, kind, c.Name); err != nil {
		return err
	}
	for _, r := range c.Refs {
		if err := t.exec(ctx, q.addRef, nil, ws, string(r.Kind), r.Name, kind, c.Name); err != nil {
			return err
		}
	}
	return nil
}

// DeleteConfig implements store.Tx, raising the revision first as
// PutConfig does.
func (t *Tx) DeleteConfig(ctx context.Context, ws ticket.WorkspaceID, kind store.ConfigKind, name string, version int64) error {
	t.resetInbound()
	q := &t.q.config
	if err := t.exec(ctx, q.bump, nil, string(ws)); err != nil {
		return err
	}
	if err := t.deleteConfig(ctx, ws, kind, name, version); err != nil {
		if uerr := t.exec(ctx, q.unbump, nil, string(ws)); uerr != nil {
			return uerr
		}
		return err
	}
	return nil
}

func (t *Tx) deleteConfig(ctx context.Context, ws ticket.WorkspaceID, kind store.ConfigKind, name string, version int64) error {
	q := &t.q.config
	c, err := t.Config(ctx, ws, kind, name)
	if err != nil {
		return err
	}
	if c.Version != version {
		return expectOne(string(kind), name)(0)
	}
	by, err := queryAll(ctx, t.c, func(r Rows) (store.ConfigRef, error) {
		var k, n string
		err := r.Scan(&k, &n)
		return store.ConfigRef{Kind: store.ConfigKind(k), Name: n}, err
	}, q.referrers, string(ws), string(kind), name, string(kind), name)
	if err != nil {
		return err
	}
	if len(by) > 0 {
		return &store.ReferencedError{Workspace: ws, Config: store.ConfigRef{Kind: kind, Name: name}, By: by}
	}
	if err := t.exec(ctx, q.delete, expectOne(string(kind), name), string(ws), string(kind), name); err != nil {
		return err
	}
	return t.exec(ctx, q.deleteRefs, nil, string(ws), string(kind), name)
}
