package faq

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/conversation"
)

// Defaults of a Set's thresholds and of BM25.
const (
	// DefaultMinScore is the lowest BM25 score of the best entry that the
	// bot answers with. A score grows with the number of questions (the
	// inverse document frequency is a logarithm of it): a word of the
	// text found in one question of sixty scores about 3.7, in one of two
	// about 0.7; gibberish scores 0. The default suits files of a few
	// dozen questions and more; a very small file needs a lower MinScore.
	DefaultMinScore = 2.0
	// DefaultMinLead is how many times the second best entry's score the
	// best entry's must be: below it the two are too close to choose and
	// the bot hands off.
	DefaultMinLead = 1.2
	// K1 and B are the BM25 parameters (Robertson and Zaragoza's usual
	// values): K1 how fast repeated words saturate, B how much a long
	// question is discounted.
	K1 = 1.2
	B  = 0.75
)

// Limits on a Set.
const (
	MaxEntries     = 100_000
	MaxQuestions   = 100
	MaxAnswerLen   = 4096
	MaxQuestionLen = 1024
)

// Set is the content of an FAQ file: questions and answers by language,
// the words that ask for a person, and the thresholds of confidence. The
// file is this struct in JSON (see sample.json, which Sample serves):
//
//	{
//	  "default_language": "es",
//	  "min_score": 2.0, "min_lead": 1.2,
//	  "hand_off_team": "",
//	  "languages": {
//	    "es": {"hand_off_words": ["humano", "agente"], "hand_off_message": "Te paso con una persona."},
//	    "en": {"hand_off_message": "A person will answer you."}
//	  },
//	  "entries": [
//	    {"language": "es", "questions": ["¿Cuál es el horario?"], "answer": "De 9 a 18 h."}
//	  ]
//	}
//
// Absent fields take DefaultSet's values. Unknown fields are errors, so
// that a misspelt field is not silently ignored.
type Set struct {
	// DefaultLanguage is the language (a BCP 47 tag, of which the base
	// language counts: "es-MX" is "es") of a contact whose language has no
	// entries; "" to try every language and take the best answer.
	DefaultLanguage string `json:"default_language"`
	// MinScore and MinLead are the thresholds of confidence; see
	// DefaultMinScore and DefaultMinLead. MinScore > 0, MinLead >= 1.
	MinScore float64 `json:"min_score"`
	MinLead  float64 `json:"min_lead"`
	// HandOffTeam is the team whose queue a handed-off conversation joins;
	// "" for the workspace's queue.
	HandOffTeam string `json:"hand_off_team"`
	// Languages are the per-language settings, by BCP 47 tag.
	Languages map[string]Language `json:"languages"`
	Entries   []Entry             `json:"entries"`
}

// Language holds a language's settings.
type Language struct {
	// HandOffWords are words and phrases that ask for a person ("humano",
	// "hablar con alguien"), matched as normalised words; nil for the
	// built-in ones of es, en and pt.
	HandOffWords []string `json:"hand_off_words"`
	// HandOffMessage is sent to the contact on a hand-off; "" for none.
	HandOffMessage string `json:"hand_off_message"`
	// Greeting is sent before the answer of a conversation's first turn;
	// "" for none.
	Greeting string `json:"greeting"`
	// Stopwords are words left out of matching; nil for the built-in ones
	// of es, en and pt (none for other languages).
	Stopwords []string `json:"stopwords"`
}

// Entry is one answer and the questions it answers, in one language.
type Entry struct {
	Language  string   `json:"language"`
	Questions []string `json:"questions"`
	Answer    string   `json:"answer"`
}

// DefaultSet returns an empty Set with the default thresholds.
func DefaultSet() Set { return Set{MinScore: DefaultMinScore, MinLead: DefaultMinLead} }

// Parse reads an FAQ file (JSON, as Set describes) and returns its bot.
// A JSON error (syntax, a wrong type, an unknown field) is a *FileError
// with the line where decoding stopped; a wrong value one with the entry
// (from 1) and the field. Both wrap ErrInvalid.
func Parse(data []byte) (*Bot, error) {
	s := DefaultSet()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		off := dec.InputOffset()
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case errors.As(err, &te):
			off = te.Offset
		}
		line := 1 + bytes.Count(data[:min(int(off), len(data))], []byte("\n"))
		return nil, &FileError{Line: line, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	if dec.More() {
		return nil, &FileError{Line: 1 + bytes.Count(data[:dec.InputOffset()], []byte("\n")), Err: fmt.Errorf("%w: data after the FAQ object", ErrInvalid)}
	}
	return New(s)
}

// Bot is the FAQ bot: a chatbot.Bot that answers each turn from a Set. It
// matches the contact's text against every question of the contact's
// language by BM25 over normalised words (case-folded, accents removed,
// stopwords left out, a plural "s" cut), and answers with the entry whose
// question scores best. It hands off to humans when the text asks for a
// person (Language.HandOffWords) or when it is not confident: the best
// score is below MinScore, or below MinLead times the score of the best
// other entry.
//
// The bot keeps no state of its own (it returns Turn.State unchanged) and
// answers from the turn alone, so a retried turn gets the same reply. It
// is immutable and safe for concurrent use.
type Bot struct {
	set   Set
	langs map[string]*index // by base language
	order []string          // the indexed languages, sorted
	def   string
	hand  map[string][][]string
}

// New returns the bot of s, which it checks first: thresholds in range,
// known languages, entries with an answer and at least one question with
// a word, texts within the limits. Errors are *FileError wrapping
// ErrInvalid.
func New(s Set) (*Bot, error) {
	switch {
	case !(s.MinScore > 0) || math.IsInf(s.MinScore, 0):
		return nil, fieldError(0, "min_score", "%v: more than 0", s.MinScore)
	case !(s.MinLead >= 1) || math.IsInf(s.MinLead, 0):
		return nil, fieldError(0, "min_lead", "%v: at least 1", s.MinLead)
	case len(s.Entries) == 0:
		return nil, fieldError(0, "entries", "no entry")
	case len(s.Entries) > MaxEntries:
		return nil, fieldError(0, "entries", "%d entries, more than %d", len(s.Entries), MaxEntries)
	}
	if err := (chatbot.HandOff{Team: conversation.TeamID(s.HandOffTeam)}).Validate(); err != nil {
		return nil, &FileError{Field: "hand_off_team", Err: fmt.Errorf("%w: %w", ErrInvalid, err)}
	}
	b := &Bot{set: s, langs: map[string]*index{}, hand: map[string][][]string{}}
	if s.DefaultLanguage != "" {
		d, err := base(s.DefaultLanguage)
		if err != nil {
			return nil, fieldError(0, "default_language", "%v", err)
		}
		b.def = d
	}
	settings := map[string]Language{}
	for tag, l := range s.Languages {
		d, err := base(tag)
		if err != nil {
			return nil, fieldError(0, "languages", "%v", err)
		}
		if _, dup := settings[d]; dup {
			return nil, fieldError(0, "languages", "language %q given twice", d)
		}
		for _, m := range []string{l.HandOffMessage, l.Greeting} {
			if err := (chatbot.Message{Text: m}).Validate(); m != "" && err != nil {
				return nil, fieldError(0, "languages", "%s: %v", tag, err)
			}
		}
		settings[d] = l
	}
	for i, e := range s.Entries {
		n := i + 1
		d, err := base(e.Language)
		if err != nil {
			return nil, fieldError(n, "language", "%v", err)
		}
		switch {
		case strings.TrimSpace(e.Answer) == "":
			return nil, fieldError(n, "answer", "empty answer")
		case len(e.Answer) > MaxAnswerLen:
			return nil, fieldError(n, "answer", "%d bytes, more than %d", len(e.Answer), MaxAnswerLen)
		case !utf8.ValidString(e.Answer) || strings.IndexByte(e.Answer, 0) >= 0:
			return nil, fieldError(n, "answer", "not valid UTF-8 or holds a NUL byte")
		case len(e.Questions) == 0:
			return nil, fieldError(n, "questions", "no question")
		case len(e.Questions) > MaxQuestions:
			return nil, fieldError(n, "questions", "%d questions, more than %d", len(e.Questions), MaxQuestions)
		}
		ix := b.langs[d]
		if ix == nil {
			ix = newIndex(stopSet(d, settings[d]))
			b.langs[d] = ix
		}
		for j, q := range e.Questions {
			if len(q) > MaxQuestionLen || !utf8.ValidString(q) {
				return nil, fieldError(n, "questions", "question %d: longer than %d bytes or not valid UTF-8", j+1, MaxQuestionLen)
			}
			if !ix.add(i, q) {
				return nil, fieldError(n, "questions", "question %d (%q) has no word to match once stopwords are left out", j+1, q)
			}
		}
	}
	if b.def != "" && b.langs[b.def] == nil {
		return nil, fieldError(0, "default_language", "%q has no entries", s.DefaultLanguage)
	}
	for d := range b.langs {
		b.order = append(b.order, d)
		b.langs[d].finish()
	}
	slices.Sort(b.order)
	for d := range settings {
		if b.langs[d] == nil {
			b.order = append(b.order, d) // a language with settings and no entries still hands off
		}
	}
	for _, d := range b.order {
		hw := settings[d].HandOffWords
		if hw == nil {
			hw = handOffWords[d]
		}
		for _, w := range hw {
			if ws := words(w); len(ws) > 0 {
				b.hand[d] = append(b.hand[d], ws)
			}
		}
	}
	b.set.Languages = settings
	return b, nil
}
