package channel

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
)

// MemoryTransport is a Transport that keeps what it is asked to send in
// memory. It serves tests and offline examples: it records every send and
// edit, and can be told to fail the next attempts.
type MemoryTransport struct {
	caps     Capabilities
	accounts []string

	mu       sync.Mutex
	sent     []Outgoing
	edits    []Edit
	texts    map[string]string // ref -> current text
	failures []error
	onSend   func(Outgoing)
}

// NewMemoryTransport returns a MemoryTransport that declares caps. If
// accounts are given, it accepts only those accounts (AccountChecker).
func NewMemoryTransport(caps Capabilities, accounts ...string) *MemoryTransport {
	return &MemoryTransport{caps: caps, texts: make(map[string]string), accounts: accounts}
}

// CheckAccount accepts any account when the transport was made without a
// list of accounts, and only the listed ones otherwise.
func (t *MemoryTransport) CheckAccount(_ context.Context, account string) error {
	if len(t.accounts) == 0 || slices.Contains(t.accounts, account) {
		return nil
	}
	return fmt.Errorf("%w: unknown account %q", ErrInvalid, account)
}

// OnSend sets a function called, outside the transport's lock, with every
// message the transport accepts.
func (t *MemoryTransport) OnSend(fn func(Outgoing)) {
	t.mu.Lock()
	t.onSend = fn
	t.mu.Unlock()
}

// Fail makes the next len(errs) attempts (sends or edits) fail with errs, in
// order.
func (t *MemoryTransport) Fail(errs ...error) {
	t.mu.Lock()
	t.failures = append(t.failures, errs...)
	t.mu.Unlock()
}

// Capabilities returns the capabilities given to NewMemoryTransport.
func (t *MemoryTransport) Capabilities() Capabilities { return t.caps }

// Send records m and returns a receipt whose Ref is its position, counted
// from 1.
func (t *MemoryTransport) Send(ctx context.Context, m Outgoing) (Receipt, error) {
	if err := ctx.Err(); err != nil {
		return Receipt{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	t.mu.Lock()
	if err := t.nextFailure(); err != nil {
		t.mu.Unlock()
		return Receipt{}, err
	}
	t.sent = append(t.sent, m)
	ref := strconv.Itoa(len(t.sent))
	t.texts[ref] = m.Text
	fn := t.onSend
	t.mu.Unlock()
	if fn != nil {
		fn(m)
	}
	return Receipt{Ref: ref}, nil
}

// Edit records e. It fails with ErrUnsupported when the capabilities have no
// Edit, and with ErrRefused for a reference it never returned.
func (t *MemoryTransport) Edit(ctx context.Context, e Edit) error {
	if !t.caps.Edit {
		return fmt.Errorf("memory transport: edit: %w", ErrUnsupported)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.nextFailure(); err != nil {
		return err
	}
	if _, ok := t.texts[e.Ref]; !ok {
		return fmt.Errorf("memory transport: edit of unknown message %q: %w", e.Ref, ErrRefused)
	}
	t.texts[e.Ref] = e.Text
	t.edits = append(t.edits, e)
	return nil
}

func (t *MemoryTransport) nextFailure() error {
	if len(t.failures) == 0 {
		return nil
	}
	err := t.failures[0]
	t.failures = t.failures[1:]
	return err
}

// Sent returns the messages accepted so far, oldest first.
func (t *MemoryTransport) Sent() []Outgoing {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.sent)
}

// Edits returns the edits accepted so far, oldest first.
func (t *MemoryTransport) Edits() []Edit {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.edits)
}
