package webhook_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/chatbot/webhook"
)

// The signature is HMAC-SHA256 over timestamp, ".", body, as openssl
// computes it:
//
//	printf '%s' '1764615600.{"messages":[{"text":"Hello"}],"actions":[]}' | openssl dgst -sha256 -hmac example-secret
func TestSignKnownValue(t *testing.T) {
	got := webhook.Sign([]byte("example-secret"), "1764615600", []byte(`{"messages":[{"text":"Hello"}],"actions":[]}`))
	const want = "sha256=15c48aa19ef1ec9f5cd1e6161ab4b42caa5181a62f94b36fb52c822f57827b08"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if ts := webhook.Timestamp(time.Unix(1764615600, 999e6)); ts != "1764615600" {
		t.Errorf("Timestamp = %s", ts)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("s3cr3t")
	body := []byte(`{"messages":[]}`)
	now := time.Unix(1764615600, 0)
	ts := webhook.Timestamp(now)
	sig := webhook.Sign(secret, ts, body)
	if err := webhook.Verify(secret, ts, sig, body, now, 0); err != nil {
		t.Fatalf("Verify of a good signature: %v", err)
	}
	if err := webhook.Verify(secret, ts, strings.ToUpper(sig[:7])+sig[7:], body, now, 0); !errors.Is(err, webhook.ErrSignature) {
		t.Errorf("an upper-case prefix: %v", err)
	}
	for _, c := range []struct {
		name, ts, sig string
		body          []byte
		says          string
	}{
		{"other secret", ts, webhook.Sign([]byte("other"), ts, body), body, "does not match"},
		{"body changed", ts, sig, []byte(`{"messages":[] }`), "does not match"},
		{"timestamp changed", webhook.Timestamp(now.Add(time.Second)), sig, body, "does not match"},
		{"no timestamp", "", sig, body, "no X-Contactcenter-Timestamp header"},
		{"no signature", ts, "", body, "no X-Contactcenter-Signature header"},
		{"timestamp not a number", "yesterday", sig, body, "not seconds since the Unix epoch"},
		{"negative timestamp", "-5", sig, body, "not seconds since the Unix epoch"},
		{"fractional timestamp", ts + ".5", sig, body, "not seconds since the Unix epoch"},
		{"huge timestamp", "99999999999999999999", sig, body, "not seconds since the Unix epoch"},
		{"no prefix", ts, sig[len("sha256="):], body, `does not start with "sha256="`},
		{"other algorithm", ts, "sha1=" + sig[len("sha256="):], body, `does not start with "sha256="`},
		{"not hex", ts, "sha256=" + strings.Repeat("zz", 32), body, "not 64 hexadecimal digits"},
		{"short", ts, sig[:len(sig)-2], body, "not 64 hexadecimal digits"},
		{"two signatures", ts, sig + "," + sig, body, "not 64 hexadecimal digits"},
	} {
		err := webhook.Verify(secret, c.ts, c.sig, c.body, now, 0)
		if !errors.Is(err, webhook.ErrSignature) || errors.Is(err, webhook.ErrStale) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: Verify = %v, want ErrSignature saying %q", c.name, err, c.says)
		}
	}

	// Staleness is checked on authentic messages, both ways, against the
	// tolerance.
	for _, c := range []struct {
		name      string
		signedAt  time.Time
		tolerance time.Duration
		stale     bool
	}{
		{"just now", now.Add(-time.Second), 0, false},
		{"at the default tolerance", now.Add(-webhook.DefaultTolerance), 0, false},
		{"past the default tolerance", now.Add(-webhook.DefaultTolerance - time.Second), 0, true},
		{"in the future", now.Add(webhook.DefaultTolerance + time.Second), 0, true},
		{"a little in the future", now.Add(time.Minute), 0, false},
		{"past a custom tolerance", now.Add(-11 * time.Second), 10 * time.Second, true},
		{"within a custom tolerance", now.Add(-9 * time.Minute), 10 * time.Minute, false},
		{"epoch", time.Unix(0, 0), 0, true},
	} {
		ts := webhook.Timestamp(c.signedAt)
		err := webhook.Verify(secret, ts, webhook.Sign(secret, ts, body), body, now, c.tolerance)
		switch {
		case c.stale && (!errors.Is(err, webhook.ErrStale) || errors.Is(err, webhook.ErrSignature)):
			t.Errorf("%s: Verify = %v, want ErrStale", c.name, err)
		case !c.stale && err != nil:
			t.Errorf("%s: Verify = %v, want nil", c.name, err)
		}
	}
	ts = webhook.Timestamp(now.Add(-time.Hour))
	err := webhook.Verify(secret, ts, webhook.Sign(secret, ts, body), body, now, 0)
	if want := "webhook: timestamp outside the tolerance: signed at 2025-12-01T18:00:00Z, 1h0m0s from now, more than 5m0s"; err == nil || err.Error() != want {
		t.Errorf("stale message: %q, want %q", err, want)
	}
}
