// Package es is a Dialogflow ES agent (API v2) as a chatbot.Bot (R2).
//
// A Client posts each turn to
// {Endpoint}/v2/projects/{Project}/agent/sessions/{session}:detectIntent
// (or …/locations/{Location}/agent/… for a regional agent), with
// "Authorization: Bearer <token>" from its TokenSource, and the body
//
//	{"queryInput": {"text": {"text": "…", "languageCode": "es"}}}
//
// or, for a turn without text, {"queryInput": {"event": {"name":
// "WELCOME", "languageCode": "es"}}} (dialogflow.DefaultEvents). The
// session is the conversation's (dialogflow.SessionID).
//
// From the answer's queryResult it takes
//
//   - the text messages of fulfillmentMessages (text.text, one message
//     each) and image messages (a file message), of the default platform
//     only: messages for another platform (FACEBOOK, TELEGRAM…) are copies
//     for other integrations; fulfillmentText when there is no text
//     message;
//   - the actions of custom payloads (fulfillmentMessages[].payload and
//     webhookPayload) and of parameters, by package dialogflow's table;
//   - intent.endInteraction, an intent that ends the conversation, as a
//     chatbot.Close: the agent says the conversation is over, and handing
//     off is what the handoff parameter is for.
//
// Other messages (cards, quick replies, suggestions) make nothing: a
// channel adapter has no general form for them. queryResult.languageCode
// makes no action: no action sets a contact's
// language.
//
// Dialogflow keeps the session's state, so a reply's State is the turn's,
// unchanged, and a retried turn is sent again as it was: the agent sees it
// twice, in the same session. An intent whose fulfillment has side effects
// of its own should make them idempotent.
package es
