package faq

import _ "embed"

// sample is the sample file: a small shop's 30 questions and answers, in
// Spanish and English.
//
//go:embed sample.json
var sample []byte

// SampleFile returns the sample file (sample.json): a small shop's 30
// entries in Spanish and English, with the hand-off words and messages of
// both languages. It is a starting point for a host's own file, and what
// the examples run.
func SampleFile() []byte { return append([]byte(nil), sample...) }

// Sample returns the bot of the sample file (SampleFile).
func Sample() *Bot {
	b, err := Parse(sample)
	if err != nil {
		panic("faq: the sample file does not parse: " + err.Error())
	}
	return b
}
