// Package template is the library's template language: messages with
// variables that are filled in for a conversation when they are sent.
//
// A template is text with tags in double braces. A tag names a variable,
// or several, tried in turn, and may end with a quoted fallback used when
// none has a value:
//
//	Hola {{contact.first_name | "there"}}, your ticket is #{{ticket.number}}.
//
// That is the whole language: no loops, no conditions, no code. The
// variables are those of Variables: the contact (with their custom fields
// as contact.fields.<key>), the ticket, the conversation, the agent and the
// channel. A template is checked when it is made: a malformed tag or an
// unknown variable is an *Error with its line and column, so a mistake
// shows when the template is saved, not as a blank when it is sent (R15).
//
// Values are inserted as they are: text that came from a customer (their
// name, a custom field) is data and is never read as template code (R15).
//
// A Template holds a variant per language; Render picks the variant that
// best matches the contact's language with golang.org/x/text's language
// matching (es-MX gets the es variant), or the first variant when none
// matches. A Snippet is a template that agents look up by a shortcut
// (R14); the engine renders both for a conversation.
package template
