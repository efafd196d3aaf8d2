package natsjs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultStream is the name of the stream of a StreamConfig that names none.
const DefaultStream = "CONTACTCENTER_EVENTS"

// DefaultDuplicates is the duplicate window of a StreamConfig that names
// none.
const DefaultDuplicates = 10 * time.Minute

// StreamConfig configures the stream EnsureStream makes.
type StreamConfig struct {
	// Name is the stream's name. Default DefaultStream.
	Name string
	// Prefix is the Publisher's subject prefix (Config.Prefix): the
	// stream takes "<Prefix>.>". Default DefaultPrefix.
	Prefix string
	// Duplicates is the stream's duplicate window: for how long it
	// remembers a message id, dropping a message that repeats one. It
	// must exceed the longest time between the publication of an event
	// and its repeat: the engine publishes again the events whose
	// publication it could not confirm, when the store was unreachable
	// after JetStream acknowledged them, or when the process stopped
	// between the two and the events wait for an engine to start again on
	// the store. A repeat that comes after the window is stored twice,
	// and consumers see it twice (they can drop it by its seq). The
	// server keeps every id of the window in memory: about the rate of
	// events times the window. Default DefaultDuplicates (10 minutes).
	Duplicates time.Duration
	// Replicas is the number of copies in a cluster. Default 1.
	Replicas int
	// MaxAge is how long the stream keeps an event. Default 0: until
	// other limits of the stream remove it (none by default).
	MaxAge time.Duration
}

// EnsureStream creates the stream of the Publisher's subjects, or updates
// it to cfg when it exists: subjects "<Prefix>.>", file storage, the
// duplicate window. A bad cfg is a *ConfigError wrapping ErrInvalidConfig;
// a closed connection wraps ErrClosed; what the server refuses (such as a
// stream of another name that takes the same subjects) is returned as the
// server says it, wrapped.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) (jetstream.Stream, error) {
	if js == nil {
		return nil, &ConfigError{Field: "JetStream", Problem: "nil"}
	}
	if err := checkPrefix(cfg.Prefix); err != nil {
		return nil, &ConfigError{Field: "Prefix", Problem: err.Error()}
	}
	switch {
	case cfg.Duplicates < 0:
		return nil, &ConfigError{Field: "Duplicates", Problem: "negative (" + cfg.Duplicates.String() + ")"}
	case cfg.MaxAge < 0:
		return nil, &ConfigError{Field: "MaxAge", Problem: "negative (" + cfg.MaxAge.String() + ")"}
	case cfg.Replicas < 0:
		return nil, &ConfigError{Field: "Replicas", Problem: fmt.Sprintf("negative (%d)", cfg.Replicas)}
	case cfg.MaxAge > 0 && cfg.Duplicates > cfg.MaxAge:
		return nil, &ConfigError{Field: "Duplicates", Problem: "longer than MaxAge, which JetStream refuses"}
	}
	name, prefix, dup := cfg.Name, cfg.Prefix, cfg.Duplicates
	if name == "" {
		name = DefaultStream
	}
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if dup == 0 {
		dup = DefaultDuplicates
		if cfg.MaxAge > 0 && cfg.MaxAge < dup {
			dup = cfg.MaxAge
		}
	}
	if conn := js.Conn(); conn != nil && (conn.IsClosed() || conn.IsDraining()) {
		return nil, fmt.Errorf("natsjs: ensuring stream %s: %w", name, ErrClosed)
	}
	s, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       name,
		Subjects:   []string{prefix + ".>"},
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Duplicates: dup,
		Replicas:   max(cfg.Replicas, 1),
		MaxAge:     cfg.MaxAge,
	})
	if err != nil {
		if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionDraining) {
			return nil, fmt.Errorf("natsjs: ensuring stream %s: %w: %w", name, ErrClosed, err)
		}
		return nil, fmt.Errorf("natsjs: ensuring stream %s for %s.>: %w", name, prefix, err)
	}
	return s, nil
}
