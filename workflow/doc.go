// Package workflow is the model of workflows (R16): automations that a
// workspace defines as data and the engine runs.
//
// A workflow (Definition) is a trigger, a condition and steps. The
// Trigger names the kind of event that starts a run, such as a
// conversation opened, a contact's message, a tag added or an agent's
// presence changed, with filters of its own (From, Tag, Field, Presence,
// Service); the time-based triggers (no reply from the contact or from an
// agent, waiting in the queue) fire once a state has lasted Trigger.After.
// The condition (If) tests the event and the objects it concerns, as a
// Snapshot holds them: fields such as contact.language, ticket.tags or
// conversation.waiting compared with ops such as eq, in, contains or
// matches, grouped with all, any and not. The steps then act, one after
// another: assign, send a template or a snippet, tag, set a field or the
// priority, close, wait, hand to the chatbot, notify the host or call a
// step the host registered; Branch and Jump steps only choose the step
// that acts next.
//
// Definitions are data, not code: they are written as JSON (Decode reads
// it strictly, Parse also validates), stored, versioned and shown to
// people, and a definition is checked as a whole before it is published.
// Validate reports every problem at once, each with its Kind, its Path in
// the definition ("steps[2].team") and, when read from JSON, its line and
// column, so an editor can point at it. It also refuses definitions that
// could loop: a Branch or a Wait's timeout only goes forward, a Jump goes
// back at most Max times, and every step must be reachable.
//
// The package is pure: it does no I/O, reads no clock (a Snapshot carries
// Now) and keeps no state but a cache of compiled regular expressions.
// Matches and Start say whether an event starts a run; Condition.Eval
// tests a condition and returns a Trace of every comparison, for dry runs
// and a run's history; Definition.Next walks past Branch and Jump steps to
// the next step that acts. Compile prepares a definition once for testing
// many events: its Holds and Start give what Holds and Start give, with
// the condition's fields resolved, texts folded, patterns compiled and
// values parsed beforehand.
//
// Runs are the engine's. It stores each run durably with the version of
// the definition it started on, so that publishing a new version changes
// no run under way, and it keeps the run's Position between steps. A run
// cannot trigger itself into a loop (R16), by cause: the events a run's
// steps store carry a conversation.Cause that names the chain they belong
// to and its depth, so the engine tells a workflow's own doing from
// others' and bounds a chain of reactions; within a run, only a Jump goes
// back, at most Max times.
package workflow
