package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
)

// ErrBackupExists is returned by backup when the file to write exists: a
// backup never overwrites one.
var ErrBackupExists = errors.New("the backup file exists")

// backup writes a consistent copy of the desk's SQLite file db to the new
// file to, while the desk may be running: SQLite's VACUUM INTO reads one
// snapshot of the whole file (the store's tables and the desk's), so the
// copy is what the desk had committed at one moment, and writers are not
// stopped. The copy is checked (PRAGMA integrity_check) before backup
// returns; a copy that fails the check is removed.
func backup(ctx context.Context, db, to string) error {
	if _, err := os.Stat(db); err != nil {
		return fmt.Errorf("backup: the desk's file: %w", err)
	}
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("backup: %s: %w", to, ErrBackupExists)
	}
	src, err := sql.Open("sqlite", "file:"+(&url.URL{Path: db}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, to); err != nil {
		_ = os.Remove(to)
		return fmt.Errorf("backup: %w", err)
	}
	if err := checkFile(ctx, to); err != nil {
		_ = os.Remove(to)
		return fmt.Errorf("backup: the copy fails its check: %w", err)
	}
	return nil
}

// checkFile runs SQLite's integrity check on the file at path.
func checkFile(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return errors.New(res)
	}
	return nil
}
