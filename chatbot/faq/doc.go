// Package faq is a chatbot that works out of the box: it answers
// frequently asked questions from a file and hands the conversation to a
// human when asked to or when it has no good answer. It implements
// chatbot.Bot.
//
// The file (see Set, and Sample: sample.json, 30 entries in Spanish and
// English) lists entries, each an answer and the questions it answers in
// one language. A contact's text is matched against the questions of the
// contact's language with BM25 (Robertson and Zaragoza), over normalised
// words: case-folded and without accents through golang.org/x/text,
// split at anything that is not a letter or a digit, without the
// language's stopwords, and with a plural "s" cut.
//
// The bot hands off (a chatbot.HandOff with a note for the agent and the
// language's message for the contact) when
//
//   - the text holds a hand-off word or phrase of any of its languages
//     ("humano", "agente", "persona", "human", "agent"…; Language.HandOffWords),
//   - the best entry scores below Set.MinScore (DefaultMinScore), or
//   - the best entry scores below Set.MinLead (DefaultMinLead) times the
//     best other entry: two answers fit and the bot does not guess.
//
// It keeps no state and answers from the turn alone, so a retried turn
// gets the same reply.
package faq
