package channel_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/telenet/contactcenter/channel"
)

// coder is the interface every error of the contract satisfies (R19).
type coder interface{ Code() string }

func codeOf(err error) string {
	var c coder
	if errors.As(err, &c) {
		return c.Code()
	}
	return ""
}

func validChannel() channel.Channel {
	return channel.Channel{ID: "tg", Workspace: "ws1", Kind: channel.KindTelegram, Account: "soporte_bot"}
}

// R1, R19: a channel is checked when it is configured.
func TestChannelValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*channel.Channel)
		wantErr bool
		mention string // the error names what is wrong
	}{
		{"valid telegram", func(*channel.Channel) {}, false, ""},
		{"valid memory", func(c *channel.Channel) { c.Kind = channel.KindMemory; c.Account = "test" }, false, ""},
		{"missing id", func(c *channel.Channel) { c.ID = "" }, true, "id"},
		{"missing workspace", func(c *channel.Channel) { c.Workspace = "" }, true, "workspace"},
		{"missing kind", func(c *channel.Channel) { c.Kind = "" }, true, "kind"},
		{"missing account (R1)", func(c *channel.Channel) { c.Account = "" }, true, "account"},
		{"everything missing", func(c *channel.Channel) { *c = channel.Channel{} }, true, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validChannel()
			tt.edit(&c)
			err := c.Validate()
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, channel.ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrInvalid", err)
			}
			if codeOf(err) != "invalid" {
				t.Errorf("Code() = %q, want invalid", codeOf(err))
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	if channel.KindTelegram != "telegram" || channel.KindMemory != "memory" {
		t.Errorf("kinds = %q, %q", channel.KindTelegram, channel.KindMemory)
	}
}

// A *RetryAfterError is a temporary failure (ErrUnavailable) that carries the
// wait the channel asked for.
func TestRetryAfterError(t *testing.T) {
	var err error = &channel.RetryAfterError{After: 17 * time.Second}
	wrapped := fmt.Errorf("telegram: sendMessage: %w", err)

	for _, e := range []error{err, wrapped} {
		if !errors.Is(e, channel.ErrUnavailable) {
			t.Errorf("errors.Is(%v, ErrUnavailable) = false", e)
		}
		if errors.Is(e, channel.ErrRefused) {
			t.Errorf("%v matches ErrRefused: it would not be retried", e)
		}
		var ra *channel.RetryAfterError
		if !errors.As(e, &ra) {
			t.Fatalf("errors.As(%v, *RetryAfterError) = false", e)
		}
		if ra.After != 17*time.Second {
			t.Errorf("After = %v, want 17s", ra.After)
		}
		if got := codeOf(e); got != "unavailable" {
			t.Errorf("Code() = %q, want unavailable", got)
		}
	}
	if !strings.Contains(err.Error(), "17s") {
		t.Errorf("message %q does not say how long to wait", err)
	}
	if errors.Unwrap(err) != channel.ErrUnavailable {
		t.Errorf("Unwrap = %v, want ErrUnavailable", errors.Unwrap(err))
	}
}

// R19: every error has a stable code, reachable through wrapping.
func TestErrorCodes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"ErrNotFound", channel.ErrNotFound, "not_found"},
		{"ErrInvalid", channel.ErrInvalid, "invalid"},
		{"ErrUnsupported", channel.ErrUnsupported, "invalid"},
		{"ErrTooLarge", channel.ErrTooLarge, "invalid"},
		{"ErrRefused", channel.ErrRefused, "forbidden"},
		{"ErrUnavailable", channel.ErrUnavailable, "unavailable"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrapped := fmt.Errorf("channel %q: %w", "tg", tt.err)
			if !errors.Is(wrapped, tt.err) {
				t.Error("errors.Is through wrapping failed")
			}
			if got := codeOf(wrapped); got != tt.code {
				t.Errorf("Code() = %q, want %q", got, tt.code)
			}
			if tt.err.Error() == "" {
				t.Error("empty message")
			}
			// Sentinels sharing a code are still distinct.
			for j, other := range tests {
				if i != j && errors.Is(tt.err, other.err) {
					t.Errorf("%s matches %s", tt.name, other.name)
				}
			}
		})
	}
}

// R6: command words default, and are validated.
func TestCommandsSettings(t *testing.T) {
	n, s, l := channel.Commands{}.Words()
	if n != "/new" || s != "/ticket" || l != "/tickets" {
		t.Errorf("defaults %q %q %q", n, s, l)
	}
	n, s, l = channel.Commands{New: "/nuevo", Switch: "/caso", List: "/casos"}.Words()
	if n != "/nuevo" || s != "/caso" || l != "/casos" {
		t.Errorf("custom %q %q %q", n, s, l)
	}
	for name, c := range map[string]channel.Commands{
		"no slash":    {New: "new"},
		"slash only":  {List: "/"},
		"space":       {Switch: "/my ticket"},
		"tab":         {Switch: "/my\tticket"},
		"at":          {List: "/list@bot"},
		"two slashes": {List: "/a/b"},
		"too long":    {New: "/" + strings.Repeat("n", channel.MaxCommandLen)},
		"same":        {New: "/ticket"},
		"same case":   {New: "/a", Switch: "/A"},
		"bad utf8":    {New: "/\xff"},
		"same folded": {New: "/caso", Switch: "/ｃａｓｏ"},
	} {
		err := c.Validate()
		if !errors.Is(err, channel.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
		ch := channel.Channel{ID: "x", Workspace: "w", Kind: channel.KindTelegram, Account: "bot", Settings: channel.Settings{Commands: c}}
		if !errors.Is(ch.Validate(), channel.ErrInvalid) {
			t.Errorf("%s: the channel accepts it", name)
		}
	}
	for name, c := range map[string]channel.Commands{
		"defaults": {},
		"custom":   {Enabled: true, New: "/nuevo", Switch: "/caso", List: "/casos", ShowSubject: true},
		"unicode":  {New: "/novo_ticket", Switch: "/câmbio", List: "/lista"},
	} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
