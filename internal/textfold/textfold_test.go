package textfold

import "testing"

func TestFold(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"FACTURA", "factura"},
		{"Fáctura", "factura"},
		{"MUÑOZ", "munoz"},
		{"Straße", "strasse"},
		{"ÇA VA", "ca va"},
		{"", ""},
		{"日本語", "日本語"},
	} {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Every rune of the table folds in context as it does alone: a rune
// before or after it changes nothing.
func TestTableAgreesWithTheChain(t *testing.T) {
	for r := rune(0); r < tableSize; r++ {
		for _, s := range []string{string(r), "a" + string(r), string(r) + "e\u0301", "É" + string(r) + "Z"} {
			if got, want := Fold(s), chain(s); got != want {
				t.Fatalf("Fold(%q) = %q, the chain gives %q", s, got, want)
			}
		}
	}
}

// FuzzFold checks Fold against the chain of transformers it stands for.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"FACTURA", "Fáctura", "Ωmega", "İstanbul", "e\u0301", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Fold(s), chain(s); got != want {
			t.Errorf("Fold(%q) = %q, the chain gives %q", s, got, want)
		}
	})
}

func BenchmarkFold(b *testing.B) {
	for _, s := range []string{"Hello, where is my order?", "Hola, ¿dónde está mi pedido?"} {
		b.Run(s[:5], func(b *testing.B) {
			for b.Loop() {
				Fold(s)
			}
		})
	}
}
