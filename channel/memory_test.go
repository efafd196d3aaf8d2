package channel_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/telenet/contactcenter/channel"
)

// MemoryTransport is a Transport.
var _ channel.Transport = (*channel.MemoryTransport)(nil)

var allCaps = channel.Capabilities{Text: true, Voice: true, Files: true, Edit: true, MaxTextLen: 4096, MaxFileSize: 50 << 20}

func out(key, text string) channel.Outgoing {
	return channel.Outgoing{Key: key, To: "555001", Text: text}
}

func TestMemoryCapabilities(t *testing.T) {
	caps := channel.Capabilities{Text: true, Files: true, MaxTextLen: 10}
	if got := channel.NewMemoryTransport(caps).Capabilities(); got != caps {
		t.Errorf("Capabilities = %+v, want %+v", got, caps)
	}
}

// Send records each message and returns its position, from 1, as the
// channel's reference (R8, R18).
func TestMemorySend(t *testing.T) {
	tr := channel.NewMemoryTransport(allCaps)
	ctx := context.Background()
	file := &channel.File{Name: "nota.ogg", MIME: "audio/ogg", Size: 100, Ref: "s3://v", Voice: true, Duration: 30 * time.Second}
	msgs := []channel.Outgoing{
		out("m1", "uno"),
		out("m2", "dos"),
		{Key: "m3", To: "555002", File: file},
	}
	for i, m := range msgs {
		rc, err := tr.Send(ctx, m)
		if err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		if want := strconv.Itoa(i + 1); rc.Ref != want {
			t.Errorf("Send %d: Ref = %q, want %q", i, rc.Ref, want)
		}
	}
	sent := tr.Sent()
	if len(sent) != len(msgs) {
		t.Fatalf("Sent() has %d messages, want %d", len(sent), len(msgs))
	}
	for i := range msgs {
		if sent[i].Key != msgs[i].Key || sent[i].To != msgs[i].To || sent[i].Text != msgs[i].Text || sent[i].File != msgs[i].File {
			t.Errorf("Sent()[%d] = %+v, want %+v", i, sent[i], msgs[i])
		}
	}
	if len(tr.Edits()) != 0 {
		t.Errorf("Edits() = %v, want none", tr.Edits())
	}

	// Sent returns a copy: changing it does not change the record.
	sent[0].Text = "changed"
	if tr.Sent()[0].Text != "uno" {
		t.Error("Sent() shares its slice with the transport")
	}
}

// Fail makes the next attempts fail, in order; failed attempts record
// nothing and use no reference.
func TestMemoryFail(t *testing.T) {
	errA := errors.New("a")
	errB := &channel.RetryAfterError{After: time.Second}
	tr := channel.NewMemoryTransport(allCaps)
	tr.Fail(errA, errB)
	tr.Fail(channel.ErrRefused)
	ctx := context.Background()

	wantErrs := []error{errA, errB, channel.ErrRefused}
	for i, want := range wantErrs {
		rc, err := tr.Send(ctx, out("m", "x"))
		if !errors.Is(err, want) {
			t.Errorf("attempt %d: error = %v, want %v", i+1, err, want)
		}
		if rc.Ref != "" {
			t.Errorf("attempt %d: failed send returned Ref %q", i+1, rc.Ref)
		}
	}
	if n := len(tr.Sent()); n != 0 {
		t.Errorf("%d messages recorded after failures, want 0", n)
	}
	rc, err := tr.Send(ctx, out("m", "x"))
	if err != nil {
		t.Fatalf("send after the failures: %v", err)
	}
	if rc.Ref != "1" {
		t.Errorf("Ref = %q, want 1", rc.Ref)
	}
	// Failures are used up.
	if _, err := tr.Send(ctx, out("m", "y")); err != nil {
		t.Errorf("second send after the failures: %v", err)
	}
}

// Fail applies to edits too, sharing one queue with sends.
func TestMemoryFailEdits(t *testing.T) {
	tr := channel.NewMemoryTransport(allCaps)
	ctx := context.Background()
	if _, err := tr.Send(ctx, out("m1", "hola")); err != nil {
		t.Fatal(err)
	}
	errA, errB := errors.New("edit down"), errors.New("send down")
	tr.Fail(errA, errB)
	if err := tr.Edit(ctx, channel.Edit{To: "555001", Ref: "1", Text: "hola!"}); !errors.Is(err, errA) {
		t.Errorf("Edit error = %v, want %v", err, errA)
	}
	if _, err := tr.Send(ctx, out("m2", "x")); !errors.Is(err, errB) {
		t.Errorf("Send error = %v, want %v", err, errB)
	}
	if len(tr.Edits()) != 0 {
		t.Errorf("failed edit recorded: %v", tr.Edits())
	}
	if err := tr.Edit(ctx, channel.Edit{To: "555001", Ref: "1", Text: "hola!"}); err != nil {
		t.Errorf("Edit after the failures: %v", err)
	}
}

// R8: edits are recorded in order.
func TestMemoryEdit(t *testing.T) {
	tr := channel.NewMemoryTransport(allCaps)
	ctx := context.Background()
	for _, m := range []channel.Outgoing{out("m1", "uno"), out("m2", "dos")} {
		if _, err := tr.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	edits := []channel.Edit{
		{To: "555001", Ref: "2", Text: "dos (editado)"},
		{To: "555001", Ref: "1", Text: "uno (editado)"},
		{To: "555001", Ref: "2", Text: "dos (otra vez)"},
	}
	for _, e := range edits {
		if err := tr.Edit(ctx, e); err != nil {
			t.Fatalf("Edit(%+v): %v", e, err)
		}
	}
	if got := tr.Edits(); !slices.Equal(got, edits) {
		t.Errorf("Edits() = %+v, want %+v", got, edits)
	}
	// Edits do not change what was sent.
	if got := tr.Sent(); got[0].Text != "uno" || got[1].Text != "dos" {
		t.Errorf("Sent() after edits = %+v", got)
	}
	// Edits returns a copy.
	got := tr.Edits()
	got[0].Text = "changed"
	if tr.Edits()[0].Text != "dos (editado)" {
		t.Error("Edits() shares its slice with the transport")
	}
}

func TestMemoryEditRefused(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		caps   channel.Capabilities
		ref    string
		target error
		code   string
	}{
		{"without Edit capability (R8)", channel.Capabilities{Text: true}, "1", channel.ErrUnsupported, "invalid"},
		{"unknown reference", allCaps, "99", channel.ErrRefused, "forbidden"},
		{"empty reference", allCaps, "", channel.ErrRefused, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := channel.NewMemoryTransport(tt.caps)
			if _, err := tr.Send(ctx, out("m1", "hola")); err != nil {
				t.Fatal(err)
			}
			err := tr.Edit(ctx, channel.Edit{To: "555001", Ref: tt.ref, Text: "x"})
			if !errors.Is(err, tt.target) {
				t.Fatalf("Edit error = %v, want %v", err, tt.target)
			}
			if codeOf(err) != tt.code {
				t.Errorf("Code() = %q, want %q", codeOf(err), tt.code)
			}
			if len(tr.Edits()) != 0 {
				t.Errorf("refused edit recorded: %v", tr.Edits())
			}
		})
	}
}

// An edit the transport cannot make does not use up an injected failure.
func TestMemoryEditUnsupportedKeepsFailures(t *testing.T) {
	tr := channel.NewMemoryTransport(channel.Capabilities{Text: true})
	boom := errors.New("boom")
	tr.Fail(boom)
	if err := tr.Edit(context.Background(), channel.Edit{Ref: "1", Text: "x"}); !errors.Is(err, channel.ErrUnsupported) {
		t.Fatalf("Edit error = %v, want ErrUnsupported", err)
	}
	if _, err := tr.Send(context.Background(), out("m1", "x")); !errors.Is(err, boom) {
		t.Errorf("Send error = %v, want the injected failure", err)
	}
}

func TestMemoryOnSend(t *testing.T) {
	tr := channel.NewMemoryTransport(allCaps)
	var got []channel.Outgoing
	tr.OnSend(func(m channel.Outgoing) {
		got = append(got, m)
		// Called outside the transport's lock: the transport can be used.
		if n := len(tr.Sent()); n != len(got) {
			t.Errorf("inside OnSend: Sent() has %d messages, want %d", n, len(got))
		}
	})
	ctx := context.Background()
	tr.Fail(channel.ErrUnavailable)
	if _, err := tr.Send(ctx, out("m0", "failed")); err == nil {
		t.Fatal("injected failure not returned")
	}
	for _, m := range []channel.Outgoing{out("m1", "uno"), out("m2", "dos")} {
		if _, err := tr.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0].Key != "m1" || got[1].Key != "m2" {
		t.Errorf("OnSend saw %+v, want m1 and m2 only", got)
	}

	// OnSend(nil) stops the calls.
	tr.OnSend(nil)
	if _, err := tr.Send(ctx, out("m3", "tres")); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("OnSend called after it was cleared: %+v", got)
	}
}

// A canceled or expired context is a temporary failure (ErrUnavailable):
// nothing is recorded and the message will be retried (R18).
func TestMemoryContextDone(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC))
	defer cancel2()
	tests := []struct {
		name  string
		ctx   context.Context
		cause error
	}{
		{"canceled", canceled, context.Canceled},
		{"deadline exceeded", expired, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := channel.NewMemoryTransport(allCaps)
			calls := 0
			tr.OnSend(func(channel.Outgoing) { calls++ })
			boom := errors.New("boom")
			tr.Fail(boom)

			rc, err := tr.Send(tt.ctx, out("m1", "hola"))
			if !errors.Is(err, channel.ErrUnavailable) {
				t.Errorf("Send error = %v, want ErrUnavailable", err)
			}
			if !errors.Is(err, tt.cause) {
				t.Errorf("Send error = %v, want it to wrap %v", err, tt.cause)
			}
			if errors.Is(err, channel.ErrRefused) {
				t.Error("a canceled send is a definite refusal")
			}
			if codeOf(err) != "unavailable" {
				t.Errorf("Code() = %q, want unavailable", codeOf(err))
			}
			if rc.Ref != "" || len(tr.Sent()) != 0 || calls != 0 {
				t.Errorf("canceled send recorded: ref %q sent %v calls %d", rc.Ref, tr.Sent(), calls)
			}

			err = tr.Edit(tt.ctx, channel.Edit{Ref: "1", Text: "x"})
			if !errors.Is(err, channel.ErrUnavailable) || !errors.Is(err, tt.cause) {
				t.Errorf("Edit error = %v, want ErrUnavailable wrapping %v", err, tt.cause)
			}

			// The injected failure was not used up by canceled attempts.
			if _, err := tr.Send(context.Background(), out("m1", "hola")); !errors.Is(err, boom) {
				t.Errorf("Send error = %v, want the injected failure", err)
			}
		})
	}
}

// Implementations must be safe for concurrent use: run with -race.
func TestMemoryConcurrent(t *testing.T) {
	const workers, each = 16, 50
	tr := channel.NewMemoryTransport(allCaps)
	var (
		mu     sync.Mutex
		seen   = make(map[string]string) // ref -> key
		onSend int
	)
	tr.OnSend(func(channel.Outgoing) {
		mu.Lock()
		onSend++
		mu.Unlock()
	})
	tr.Fail(errors.New("x"), errors.New("y"), errors.New("z"))

	var wg sync.WaitGroup
	var failures, editFailures int
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for i := range each {
				key := strconv.Itoa(w) + "-" + strconv.Itoa(i)
				rc, err := tr.Send(ctx, out(key, key))
				mu.Lock()
				if err != nil {
					failures++
				} else {
					if prev, dup := seen[rc.Ref]; dup {
						t.Errorf("ref %q returned for %s and %s", rc.Ref, prev, key)
					}
					seen[rc.Ref] = key
				}
				mu.Unlock()
				if err == nil && i%10 == 0 {
					// An edit may use up one of the injected failures.
					if err := tr.Edit(ctx, channel.Edit{Ref: rc.Ref, Text: key + "!"}); err != nil {
						if errors.Is(err, channel.ErrRefused) {
							t.Errorf("Edit %s: %v", rc.Ref, err)
						}
						mu.Lock()
						editFailures++
						mu.Unlock()
					}
				}
				_ = tr.Sent()
				_ = tr.Edits()
			}
		}()
	}
	wg.Wait()

	total := workers * each
	if failures+editFailures != 3 {
		t.Errorf("%d failed sends and %d failed edits, want the 3 injected", failures, editFailures)
	}
	ok := total - failures
	sent := tr.Sent()
	if len(sent) != ok || len(seen) != ok || onSend != ok {
		t.Fatalf("sent %d, refs %d, OnSend %d; want %d each", len(sent), len(seen), onSend, ok)
	}
	for i := 1; i <= ok; i++ {
		ref := strconv.Itoa(i)
		key, ok := seen[ref]
		if !ok {
			t.Errorf("ref %q never returned", ref)
			continue
		}
		if sent[i-1].Key != key {
			t.Errorf("Sent()[%d].Key = %q, but ref %q was returned for %q", i-1, sent[i-1].Key, ref, key)
		}
	}
	if n := len(tr.Edits()); n == 0 {
		t.Error("no edits recorded")
	}
}
