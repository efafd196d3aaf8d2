// Package conversation holds the live side of a contact center:
// conversations, their messages, the agents who answer and the events every
// change publishes, together with the rules that decide what happens.
//
// The rules are pure functions of (state, input, now) that return a Change:
// the new state to store and the events to publish, in order. They never
// perform I/O and never read the clock, so they are tested without mocks;
// the engine in the module root loads the state, calls them, commits the
// Change in one store transaction and then publishes its events.
//
//	Receive      R9   a contact's message joins or opens a conversation
//	Clean        R18  a contact's message repaired so that any store holds it
//	Reject       R18  a contact's message refused for good, put aside as a record and an event
//	Reply        R10  an agent's reply; the first to reply to an unassigned
//	                  conversation becomes its assignee
//	Assign       R11  manual assignment, unassignment and transfer
//	Unassign
//	Transfer
//	Close        R12  closing a conversation with a closing note
//	CloseTicket  R12  closing a ticket closes its open conversation
//
// Every decision checks who acts (an Actor) and returns an error wrapping
// a sentinel error of this package (or of package ticket, for rules on the
// ticket itself) when the input is not acceptable; the state passed in is
// never modified.
package conversation
