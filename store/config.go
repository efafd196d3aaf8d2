package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/telenet/contactcenter/ticket"
)

// ConfigKind names a kind of configuration record. A store keeps kinds as
// opaque names: the engine chooses them (channels, templates, snippets,
// service hours), and so will the packages that store workflows and bots
// the same way.
type ConfigKind string

// ConfigRef names a configuration record of the same workspace.
type ConfigRef struct {
	Kind ConfigKind
	Name string
}

// String returns the reference as kind "name".
func (r ConfigRef) String() string { return fmt.Sprintf("%s %q", r.Kind, r.Name) }

// Config is a configuration record: an object of the workspace's
// configuration, kept in the store so that every engine on it shares it
// and it outlives the process (R20). Records are keyed by workspace, kind
// and name, and versioned like every other object: a write names the
// version it replaces (PutConfig).
type Config struct {
	Workspace ticket.WorkspaceID
	Kind      ConfigKind
	Name      string
	// Version is 1 for a new record and grows by one with each write.
	Version int64
	// Body is the record's content, in the encoding of whoever owns the
	// kind; the store keeps it as given (nil and empty are the same).
	Body []byte
	// Refs are the records of the workspace this one names (a channel its
	// templates): each must exist when the record is written, and a record
	// others name cannot be deleted. Their order is kept.
	Refs []ConfigRef
}

// Errors of the configuration records.
var (
	// ErrReferenced: DeleteConfig of a record that another record names.
	// The error is a *ReferencedError, which says which ones.
	ErrReferenced = errors.New("store: the configuration record is named by another")
	// ErrDangling: PutConfig of a record that names one the workspace
	// does not hold.
	ErrDangling = errors.New("store: the configuration record names one that does not exist")
)

// ReferencedError is the error of DeleteConfig for a record that others
// name. It matches ErrReferenced.
type ReferencedError struct {
	Workspace ticket.WorkspaceID
	// Config is the record that was to be deleted.
	Config ConfigRef
	// By are the records that name it, by kind and name.
	By []ConfigRef
}

func (e *ReferencedError) Error() string {
	by := make([]string, len(e.By))
	for i, r := range e.By {
		by[i] = r.String()
	}
	return fmt.Sprintf("%s of workspace %q is named by %s: %v", e.Config, e.Workspace, strings.Join(by, ", "), ErrReferenced)
}

// Unwrap returns ErrReferenced.
func (e *ReferencedError) Unwrap() error { return ErrReferenced }

// DanglingError returns the error of PutConfig for record c, which names
// ref, a record the workspace does not hold. It matches ErrDangling.
func DanglingError(c Config, ref ConfigRef) error {
	return fmt.Errorf("%s %q of workspace %q names %s: %w", c.Kind, c.Name, c.Workspace, ref, ErrDangling)
}
