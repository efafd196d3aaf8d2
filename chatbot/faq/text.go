package faq

import (
	"strings"
	"unicode"

	"github.com/telenet/contactcenter/internal/textfold"
)

// words returns the normalised words of s: case-folded, without accents
// (decomposed, combining marks removed), split at every character that is
// not a letter or a digit, and with a plural "s" cut from words longer
// than three letters ("precios" and "precio" are one word; "ss" is kept).
func words(s string) []string {
	f := strings.FieldsFunc(textfold.Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range f {
		f[i] = stem(w)
	}
	return f
}

func stem(w string) string {
	if len(w) > 3 && w[len(w)-1] == 's' && w[len(w)-2] != 's' {
		return w[:len(w)-1]
	}
	return w
}

// stopwords are the built-in stopwords by base language, written as words
// returns them. A Language's Stopwords replace them.
var stopwords = map[string][]string{
	"es": strings.Fields("a al algo como con cual cuales cuando de del donde el en es esta este esto hay la las lo los me mi mis no o para pero por que se si sin su sus te tengo tu un una uno y ya yo puedo quiero"),
	"en": strings.Fields("a an and are at be can do does for from how i in is it me my of on or the to what when where which who why with you your"),
	"pt": strings.Fields("a ao as com como da das de do dos e em eu isso meu minha na no nos o os ou para por que se sem seu sua um uma"),
}

// handOffWords are the built-in words that ask for a person, by base
// language. A Language's HandOffWords replace them.
var handOffWords = map[string][]string{
	"es": {"humano", "agente", "persona", "asesor", "operador", "ejecutivo"},
	"en": {"human", "agent", "person", "operator", "representative", "someone real"},
	"pt": {"humano", "atendente", "pessoa", "agente", "operador"},
}
