// Package ticket models the customer's side of a contact center: the
// workspace (tenant) that every object belongs to, the contacts who write in,
// and their tickets, the cases that outlive the conversations held about them.
//
// A ticket has a number that is unique and sequential in its workspace
// (1432), a subject, a status, a priority and tags. The functions here are
// pure: they validate and return new values and never perform I/O, so the
// rules can be tested and reused without a store.
//
// Rules implemented here are cited by their number in the specification
// (R9, R12, R19).
package ticket
