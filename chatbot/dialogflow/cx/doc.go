// Package cx is a Dialogflow CX agent (API v3) as a chatbot.Bot (R2).
//
// A Client posts each turn to
// {Endpoint}/v3/projects/{Project}/locations/{Location}/agents/{Agent}/sessions/{session}:detectIntent
// (…/environments/{Environment}/sessions/… for an environment), with
// "Authorization: Bearer <token>" from its TokenSource, and the body
//
//	{"queryInput": {"text": {"text": "…"}, "languageCode": "es"}}
//
// or, for a turn without text, {"queryInput": {"event": {"event":
// "WELCOME"}, "languageCode": "es"}} (dialogflow.DefaultEvents). The
// session is the conversation's (dialogflow.SessionID).
//
// From the answer's queryResult.responseMessages it takes, in order,
//
//   - text.text: one message each;
//   - payload: actions by package dialogflow's table;
//   - liveAgentHandoff: a chatbot.HandOff, to the team named by the
//     metadata's "team" key ("" for the workspace's queue) with its "note"
//     key as the note for the agent;
//   - endInteraction: a chatbot.Close (the flow reached END_SESSION).
//
// and from queryResult.parameters the actions of package dialogflow's
// table, once: CX answers with all the session's parameters on every
// turn, so the client keeps those of the table in the reply's State and
// acts only on what changed (see Client.Turn). Other messages (audio,
// telephony, conversation success) make nothing.
package cx
