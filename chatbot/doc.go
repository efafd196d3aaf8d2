// Package chatbot is the boundary between the library and a chatbot that
// answers a conversation before a human does (R2).
//
// A channel's settings may name a bot. A new conversation on such a
// channel is held by the bot: it waits in no agents' queue until the bot
// hands it off. The engine asks the bot for one Turn at a time per
// conversation, in order, and the bot answers with a Reply: messages for
// the contact, typed Actions, and its new State.
//
// # Why a turn carries an id and the bot's state
//
// A bot is called outside any store transaction, over a network perhaps,
// and a call can time out, fail or be cut by a restart after the bot did
// its work. The engine therefore stores a turn as durable work before it
// calls the bot, with a TurnID made once, and calls again with the same
// Turn until one reply is applied. The id lets a bot that keeps records
// recognise a retry; the State lets a bot keep none at all: whatever it
// needs from one turn to the next it returns in Reply.State, the engine
// stores it with the outcome of the turn, and the next turn brings it
// back. A retried turn carries the state its first attempt saw, so a bot
// that answers from (Turn, State) alone answers a retry as it answered the
// first attempt.
//
// # How a reply is applied
//
// Reply.Validate sorts a reply into what applies and what is refused
// (Checked): an invalid message or action is refused with an
// *Refusal, which the engine records, and the others apply. The
// engine stores the bot's messages with author bot and sends them through
// the outbox; they do not count as an agent's reply for R7's timer. It
// then applies the actions, in order, through the rules of package
// conversation with actor conversation.AsBot(Turn.Bot), so a bot may do
// what those rules let it and no more; an action that a rule refuses (a
// team that does not exist) is refused and recorded like an invalid one.
// The first action that ends the bot's hold (HandOff, AssignTeam,
// AssignAgent, Close, TurnOff) does so; the bot takes no further turn in
// the conversation until a human hands it back (TurnResumed) or the
// channel's bot settings give it back (TurnTimedOut).
//
// # When a bot fails
//
// A failure policy, read from the channel's settings (channel.Bot), bounds each attempt
// (TurnTimeout) and says how many failures in a row are tolerated before
// the engine hands the conversation to humans with an automatic message
// (Fallback), and what happens when no human takes a handed-off
// conversation in time (NoHuman).
//
// Package faq is a bot that works out of the box: questions and answers
// from a file, matched by BM25.
//
// This package is a domain package: it imports only the standard library,
// golang.org/x/text and the other domain packages, and performs no I/O.
package chatbot
