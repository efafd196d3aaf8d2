package command_test

import (
	"errors"
	"testing"

	"github.com/telenet/contactcenter/channel"
	"github.com/telenet/contactcenter/command"
	"github.com/telenet/contactcenter/ticket"
)

var on = channel.Commands{Enabled: true}

func TestParse(t *testing.T) {
	custom := channel.Commands{Enabled: true, New: "/Nuevo", Switch: "/caso", List: "/casos"}
	tests := []struct {
		name string
		text string
		s    channel.Commands
		bot  string
		want command.Command
		ok   bool
	}{
		{"ordinary text", "hello", on, "", command.Command{}, false},
		{"off", "/tickets", channel.Commands{}, "", command.Command{}, false},
		{"empty", "", on, "", command.Command{}, false},
		{"only spaces", "   ", on, "", command.Command{}, false},
		{"slash only", "/", on, "", command.Command{}, false},
		{"unknown command", "/start", on, "", command.Command{}, false},
		{"slash inside", "see a/b", on, "", command.Command{}, false},
		{"list", "/tickets", on, "", command.Command{Kind: command.List, Word: "/tickets"}, true},
		{"list upper", "/TICKETS", on, "", command.Command{Kind: command.List, Word: "/tickets"}, true},
		{"list with words", "/tickets please", on, "", command.Command{Kind: command.List, Word: "/tickets"}, true},
		{"new", "/new", on, "", command.Command{Kind: command.New, Word: "/new"}, true},
		{"new subject", "  /new   my   invoice  ", on, "", command.Command{Kind: command.New, Word: "/new", Subject: "my   invoice"}, true},
		{"new subject as written", "/new  Ｆａｃｔｕｒａ　ﾃｽﾄ\nline2", on, "", command.Command{Kind: command.New, Word: "/new", Subject: "Ｆａｃｔｕｒａ　ﾃｽﾄ\nline2"}, true},
		{"full-width word configured", "/nuevo", channel.Commands{Enabled: true, New: "/ｎｕｅｖｏ"}, "", command.Command{Kind: command.New, Word: "/ｎｕｅｖｏ"}, true},
		{"tab after the word", "/tickets\tplease", on, "", command.Command{Kind: command.List, Word: "/tickets"}, true},
		{"bot name with @", "/tickets@SupportBot", on, "@supportbot", command.Command{Kind: command.List, Word: "/tickets"}, true},
		{"switch", "/ticket 1432", on, "", command.Command{Kind: command.Switch, Word: "/ticket", Number: 1432}, true},
		{"switch hash", "/ticket #1432", on, "", command.Command{Kind: command.Switch, Word: "/ticket", Number: 1432}, true},
		{"switch hash apart", "/ticket # 1432", on, "", command.Command{Kind: command.Switch, Word: "/ticket", Number: 1432}, true},
		{"switch spaces", "\t/ticket    1432  \n", on, "", command.Command{Kind: command.Switch, Word: "/ticket", Number: 1432}, true},
		{"full width", "／ｔｉｃｋｅｔ　＃１４３２", on, "", command.Command{Kind: command.Switch, Word: "/ticket", Number: 1432}, true},
		{"bot name, any", "/ticket@SupportBot 7", on, "", command.Command{Kind: command.Switch, Word: "/ticket", Number: 7}, true},
		{"bot name, ours", "/tickets@supportbot", on, "SupportBot", command.Command{Kind: command.List, Word: "/tickets"}, true},
		{"bot name, another", "/tickets@OtherBot", on, "SupportBot", command.Command{}, false},
		{"custom words", "/NUEVO factura", custom, "", command.Command{Kind: command.New, Word: "/Nuevo", Subject: "factura"}, true},
		{"custom switch", "/caso 3", custom, "", command.Command{Kind: command.Switch, Word: "/caso", Number: 3}, true},
		{"default word off with custom", "/ticket 3", custom, "", command.Command{}, false},
		{"prefix is not the word", "/ticketz 3", on, "", command.Command{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := command.Parse(tt.text, tt.s, tt.bot)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if ok != tt.ok || got != tt.want {
				t.Errorf("Parse(%q) = %+v, %t; want %+v, %t", tt.text, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// R6.2: a switch without a valid number is a usage error.
func TestParseUsage(t *testing.T) {
	for _, text := range []string{"/ticket", "/ticket abc", "/ticket 12 13", "/ticket -4", "/ticket 0", "/ticket #",
		"/ticket 1e3", "/ticket 99999999999999999999", "/ticket ١٢٣", "/ticket 12a"} {
		got, ok, err := command.Parse(text, on, "")
		if !ok || got.Kind != command.Switch || got.Word != "/ticket" {
			t.Errorf("Parse(%q) = %+v, %t; want a switch", text, got, ok)
		}
		if !errors.Is(err, command.ErrUsage) {
			t.Errorf("Parse(%q) error %v, want ErrUsage", text, err)
		}
		var coded interface{ Code() string }
		if !errors.As(err, &coded) || coded.Code() != "invalid" {
			t.Errorf("Parse(%q): no code invalid", text)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[command.Kind]string{command.New: "new", command.Switch: "switch", command.List: "list", 9: "Kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", k, got, want)
		}
	}
}

// FuzzParse checks that Parse never panics and that what it returns holds
// together. The seed corpus is in testdata/fuzz/FuzzParse.
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 30s ./command/
func FuzzParse(f *testing.F) {
	for _, s := range []string{"/ticket 1432", "/new hello", "/tickets", "／ｔｉｃｋｅｔ　＃１４３２", "/ticket@bot #7", "hi", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, ok, err := command.Parse(text, on, "")
		again, ok2, err2 := command.Parse(text, on, "")
		if c != again || ok != ok2 || (err == nil) != (err2 == nil) {
			t.Fatalf("Parse(%q) is not deterministic", text)
		}
		if !ok {
			if err != nil || c != (command.Command{}) {
				t.Fatalf("Parse(%q): not a command but %+v, %v", text, c, err)
			}
			return
		}
		switch c.Kind {
		case command.New, command.List:
			if err != nil {
				t.Fatalf("Parse(%q): %v", text, err)
			}
		case command.Switch:
			if (err == nil) != (c.Number > 0) {
				t.Fatalf("Parse(%q) = %+v, %v: a switch has a number or a usage error", text, c, err)
			}
			if err != nil && !errors.Is(err, command.ErrUsage) {
				t.Fatalf("Parse(%q): %v is not a usage error", text, err)
			}
		default:
			t.Fatalf("Parse(%q): kind %v", text, c.Kind)
		}
		if c.Word != "/new" && c.Word != "/ticket" && c.Word != "/tickets" {
			t.Fatalf("Parse(%q): word %q", text, c.Word)
		}
		if c.Number < 0 || c.Number > ticket.Number(999999999999999999) {
			t.Fatalf("Parse(%q): number %d", text, c.Number)
		}
	})
}

// BenchmarkParse measures the parser on what every inbound message meets:
// ordinary text (rejected at once) and a command.
//
//	go test -run '^$' -bench Parse -benchmem ./command/
func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"text", "Hola, mi pedido #A-17 no ha llegado todavía"},
		{"switch", "/ticket #1432"},
		{"full-width", "／ｔｉｃｋｅｔ　＃１４３２"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := command.Parse(bc.text, on, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// What every switch command meets allocates nothing: /ticket #1432 in
// ASCII (full-width text still goes through width.Fold).
func TestParseSwitchAllocatesNothing(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		c, ok, err := command.Parse("/ticket #1432", on, "")
		if !ok || err != nil || c.Number != 1432 {
			t.Fatalf("Parse: %+v %t %v", c, ok, err)
		}
	})
	if allocs > 0 {
		t.Errorf("Parse(/ticket #1432) allocates %.0f times", allocs)
	}
}
