// Package faqbench builds the FAQ of the FAQ bot's benchmarks: a file of
// generated entries and the turns that ask their questions, the same for
// every benchmark that measures a turn.
package faqbench

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/faq"
	"github.com/telenet/contactcenter/conversation"
)

// Bot returns an FAQ bot of n generated entries, in Spanish and English
// by turns, each with three questions of 5 to 8 words and a 20-word
// answer, over a vocabulary of 2,000 words; and turns turns, each asking
// the first question of a random entry in its language.
func Bot(n, turns int) (*faq.Bot, []chatbot.Turn, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 2000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("palabra%dx", i)
	}
	sentence := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(w, " ")
	}
	s := faq.DefaultSet()
	for i := range n {
		lang := "es"
		if i%2 == 1 {
			lang = "en"
		}
		s.Entries = append(s.Entries, faq.Entry{Language: lang, Questions: []string{sentence(6), sentence(8), sentence(5)}, Answer: sentence(20)})
	}
	bot, err := faq.New(s)
	if err != nil {
		return nil, nil, err
	}
	out := make([]chatbot.Turn, turns)
	for i := range out {
		e := s.Entries[rng.IntN(len(s.Entries))]
		out[i] = chatbot.Turn{ID: chatbot.TurnID(fmt.Sprint("t", i)), Kind: chatbot.TurnMessage, Bot: "faq", Workspace: "ws", Conversation: "c1", Channel: "tg",
			Contact:  chatbot.Contact{ID: "k1", Name: "Ana", Language: e.Language},
			Messages: []chatbot.Inbound{{ID: conversation.MessageID(fmt.Sprint("m", i)), Text: "¿" + e.Questions[0] + "?"}}}
	}
	return bot, out, nil
}
