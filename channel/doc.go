// Package channel describes the entry points of a contact center and the
// transports that carry messages over them.
//
// A Channel is one configured entry point: a kind (telegram, …), the
// messaging account it uses (which bot) and its settings. A Transport is
// what the engine sends through: it sends and edits messages and declares
// its Capabilities (text, voice, files, edits, limits). Outbound messages are
// stored before a transport is asked to send them (R18), so a transport only
// has to say whether the channel accepted, refused or could not be reached.
//
// MemoryTransport is an in-memory Transport for tests and offline examples.
//
// This package performs no I/O of its own; adapters such as the telegram
// package implement Transport.
package channel
