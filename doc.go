// Package contactcenter is an embeddable contact-center engine: tickets,
// conversations, agent assignment, timeouts, customer commands, templates
// and business hours as plain Go, behind storage and transport interfaces. The host
// application brings its own persistence and user interface.
//
// # The map
//
// The domain packages hold the rules and perform no I/O:
//
//   - ticket: workspaces, contacts and tickets (cases that outlive their
//     conversations).
//   - conversation: conversations, messages, agents, teams, events, actors
//     and causes, timers, and the pure decisions of the rules (R3–R5, R7,
//     R9–R12): each takes the current state, the input and the time and
//     returns a Change: what to store, the events to publish and the
//     timers to set.
//   - channel: channel configuration and settings (R6's command words), the
//     Transport interface that carries messages and the capabilities a
//     channel declares; MemoryTransport for tests and examples.
//   - command: the contacts' commands to move between their open tickets
//     (R6): the parser, the decision (Decide) and the answers, in the
//     contact's language.
//   - template: the template language (variables with fallbacks, a variant
//     per language) and snippets (R14, R15).
//   - hours: business hours in an IANA time zone, for the out-of-hours
//     message (R4).
//   - chatbot: the boundary of a bot that answers first (R2): turns,
//     replies and typed actions; chatbot/faq is a bot that works out of
//     the box.
//   - workflow: workflows as data (R16): a trigger, conditions and steps,
//     decoded and validated with positioned problems, and the pure tests
//     of a snapshot (Start, Condition.Eval) and walk past branches and
//     jumps (Definition.Next) the engine runs them with.
//
// The shell around them:
//
//   - This package: the Engine, the shell that loads, decides, commits and
//     advances (see "How a command flows").
//   - store: the unit-of-work storage contract; store/memory keeps state in
//     memory, store/sqlite in one SQLite file, store/postgres in a
//     PostgreSQL database shared by several processes; store/storetest is
//     the conformance suite every store passes; store/faultstore wraps any
//     store to fail chosen or random calls, for fault tests.
//   - telegram: the Telegram channel on github.com/go-telegram/bot (long
//     polling or webhook, crash-safe); telegram/telegramtest is a fake Bot
//     API server for tests.
//   - chatbot/webhook, chatbot/dialogflow/es and chatbot/dialogflow/cx:
//     bots elsewhere (any HTTPS bot with signed JSON, Dialogflow agents);
//     chatbot/dialogflow/dialogflowfake is a fake Dialogflow for tests.
//     The engine holds a channel's new conversations for its bot and runs
//     its turns as a durable reaction (Config.Bots, channel.Bot).
//   - Workflows run in the engine (PublishWorkflow, DryRun, WorkflowRuns):
//     a run is stored with the event that starts it and driven a step per
//     transaction; its waits are timers; its events carry it as their
//     cause, so a workflow never starts on its own doing.
//
// # The rules
//
// The rules R1–R21 the code cites are described in docs/rules.md, each with
// the files that implement it and its tests.
//
// # How a command flows
//
// Every command (Receive, Reply, Assign…), every reaction and every timer
// runs as a step, in the shape of etcd's raft Ready/Advance. The step loads
// what the rule needs from the store, asks a pure decision of the domain
// (conversation.Receive with its Automatic messages for R9, R4 and R5,
// command.Apply for R6 with the answers' texts, conversation.AssignQueue,
// conversation.TimeoutTimer…) for a
// conversation.Change, and commits in one transaction everything the
// Change holds: the writes, the events, stamped with the step's
// conversation.Actor and conversation.Cause, and the durable effects — the
// timers it sets or clears, R7's timeout of each conversation it writes,
// the outbound messages it stores pending, and a job for each reaction its
// events start. After the commit the engine advances the step from one
// place: it runs the reactions' jobs, publishes the events (R17) and sends
// the messages (R18). Nothing is called after a command by hand.
//
// A reaction plugs in on the committed event stream: R11's automatic
// assignment is one, and a host adds its own in Config.Reactions. Its job
// is stored with the events that start it, so a crash between the event
// and the reaction loses nothing: the job is due again, and Run, on this
// engine or another on the store, runs it. The events of the engine's
// calls a reaction makes carry its cause, one level deeper than the event
// it reacts to, so an automation tells its own doing from others' and a
// chain of reactions ends (MaxReactionDepth). A host's own timers are kinds
// registered in Config.Timers, set with SetTimer with an opaque payload,
// and fired once across the engines on a store.
//
// # Errors
//
// Every Engine method returns an *Error whose Code says what kind of failure
// it is (CodeNotFound, CodeConflict, CodeInvalid, CodeForbidden,
// CodeUnavailable, CodeCanceled, CodeContention) and whose cause is the domain's sentinel
// (conversation.ErrClosed, ticket.ErrNotFound…), so hosts use errors.Is and
// errors.As. A failed command leaves the state as it was (R19). Data a store
// refuses for good (store.ErrRejected) is CodeInvalid: trying again cannot
// help; CodeUnavailable may pass. CodeConflict says the state forbids the
// change (a closed conversation); CodeContention that concurrent changes
// kept colliding for Config.MaxAttempts, and trying again may succeed.
//
// # What contacts send
//
// Nothing a contact sends is dropped unseen (R18). Receive repairs what no
// store could hold (conversation.Clean: NUL bytes and bytes that are not
// UTF-8 become U+FFFD, a text beyond conversation.MaxTextBytes is cut) and
// keeps a file beyond conversation.MaxAttachmentSize as metadata, marked
// Oversize; Message.Altered and the message.received event say what was
// done. A message that cannot be stored for good is put aside by the
// channel adapter with Engine.Reject, so that it does not hold up the
// messages after it: it is recorded once, however often the channel
// delivers it, as a conversation.RejectedMessage that Engine.Rejections
// lists, with a message.rejected event.
//
// # Time and ids
//
// The engine reads the time only through Config.Now and makes ids only
// through Config.NewID, so tests and examples are deterministic.
package contactcenter
