// Package command reads and answers the commands contacts send to move
// between their open tickets (R6): a new ticket (/new), a switch to another
// open ticket (/ticket 1432) and the list of their open tickets (/tickets),
// with the words each channel configures.
//
// Parse is pure and cheap for ordinary text, which it rejects at the first
// character; it tolerates Telegram's /cmd@BotName form, extra spaces, a
// number written #1432 and full-width characters. Answers holds the texts
// of the replies in an x/text catalog owned by the library (English,
// Spanish and Portuguese, with plural forms), chooses the language from the
// contact's, and lets a host override any text.
package command
