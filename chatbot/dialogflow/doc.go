// Package dialogflow is what the Dialogflow adapters share: the mapping of
// an agent's parameters and custom payloads to chatbot actions, the
// session id of a conversation, the language and event a turn is sent
// with, and the adapters' errors (R2).
//
// The adapters are package es (Dialogflow ES, API v2) and package cx
// (Dialogflow CX, API v3); each Client is a chatbot.Bot that calls
// detectIntent over HTTPS with net/http and encoding/json, with no Google
// client library. Package dialogflowfake is a fake of both APIs for tests.
//
// # Sessions, languages, events
//
// A conversation is one Dialogflow session (SessionID), so the agent keeps
// its contexts, page and parameters from turn to turn. A turn with text
// sends its text (chatbot.Turn.Text, cut to MaxQueryChars); a turn without
// text sends an event (DefaultEvents: WELCOME when opened, RESUMED when a
// human hands the conversation back, TIMED_OUT when no human took it), and
// a turn with neither (a message of files only) makes no request and gets
// an empty reply. The language is the contact's, matched against the
// agent's languages (Language).
//
// # Parameters and payloads
//
// An agent acts on the conversation with parameters of these names (the
// names respond.io's Dialogflow integration uses, and synonyms), read from
// queryResult.parameters and from custom payloads (PayloadActions). Names
// are matched ignoring case and with - for _; other names are the agent's
// own slots and are ignored, as are empty values and false ones.
//
//	parameter                  value                          action
//	tag, add_tag               string or list of strings      chatbot.Tag, one each
//	untag, remove_tag          string or list                 chatbot.Untag, one each
//	set_field.<key>,           string, number or bool         chatbot.SetField{<key>, value}
//	  set_field_<key>
//	contact_field +            field key + value              chatbot.SetField
//	  contact_value
//	unsubscribe                true                           chatbot.SetField{UnsubscribedField, "true"}
//	unset_field                field key or list              chatbot.UnsetField
//	priority                   low|normal|high|urgent, -1..2  chatbot.SetPriority
//	snippet                    shortcut or list               chatbot.SendSnippet
//	template                   template name or list          chatbot.SendTemplate
//	file, file_url             URL or list (+ file_caption)   chatbot.SendFile (FileAt)
//	notify                     name, {"name","data"}, list    chatbot.Notify (+ notify_data object)
//	assign_agent, assign_user  agent id (+ note)              chatbot.AssignAgent
//	assign_team                team id (+ note)               chatbot.AssignTeam
//	handoff, hand_off, human   true, or a team id (+ note,    chatbot.HandOff
//	                             handoff_team)
//	close, mark_done           true (+ close_category,        chatbot.Close
//	                             close_summary)
//	bot_status                 "off" ("on" does nothing)      chatbot.TurnOff
//	turn_off, bot_off          true                           chatbot.TurnOff
//
// "True" is true, a non-zero number, or "true", "yes", "on", "1"; "false",
// "no", "off", "0" and "" are false. A value of the wrong shape (a list
// for bot_status, "superhigh" for priority) makes no action and a
// *ParamError, which the clients log. The values are not checked here: the
// engine validates each action (chatbot.Reply.Validate) and refuses and
// records what breaks a rule, a tag too long or a field key with capitals.
//
// A custom payload ({"actions": [{"tag": "vip"}, {"handoff": "billing",
// "note": "wants a refund"}]}, or its keys at the top: {"tag": "vip"}) is
// mapped with the same table: each object of "actions" in order, or the
// payload itself. A payload with none of the names (a Messenger card) is
// ignored, never refused.
//
// # The order of a reply's actions
//
// A reply's actions come from its payloads (in message order), then its
// parameters, then the agent's own ending (CX liveAgentHandoff and
// endInteraction messages, ES intent.endInteraction). HoldLast then moves
// the actions that end the bot's hold after the others, so that the tags
// and fields of a reply apply before the bot lets the conversation go;
// of those, only the first applies.
//
// # Errors
//
// A non-2xx answer is an *APIError with Google's status and message; an
// answer that is not JSON, has no queryResult or is larger than
// MaxResponseBytes wraps ErrBadResponse and chatbot.ErrInvalid; a client
// that misses its project or token returns ErrConfig; a context that ends
// first returns its error. Each counts as a failed turn for the channel's
// failure policy (channel.Bot).
//
// This package and the adapters import only the standard library and the
// library's domain packages.
package dialogflow
