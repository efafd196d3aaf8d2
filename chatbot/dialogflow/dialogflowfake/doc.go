// Package dialogflowfake is a fake Dialogflow API, ES (v2) and CX (v3),
// for tests of the adapters of packages es and cx and of a host's bots
// built on them. It makes no network call: a Server listens on 127.0.0.1
// (net/http/httptest) and answers detectIntent from scripted intents.
//
//	srv := dialogflowfake.NewServer()
//	defer srv.Close()
//	srv.Add(dialogflowfake.Intent{Name: "refund", Phrases: []string{"refund"},
//		Texts: []string{"A person will help you."}, Parameters: map[string]any{"handoff": "billing"}})
//	bot := &es.Client{Project: "p", Endpoint: srv.URL(), Token: dialogflow.StaticToken("t")}
//
// # What it speaks
//
// POST /v2/projects/{p}/agent/sessions/{s}:detectIntent and
// /v2/projects/{p}/locations/{l}/agent/sessions/{s}:detectIntent (ES),
// /v3/projects/{p}/locations/{l}/agents/{a}/sessions/{s}:detectIntent and
// /v3/…/agents/{a}/environments/{e}/sessions/{s}:detectIntent (CX). A text
// query matches the first intent with a phrase equal to the text, ignoring
// case and surrounding space, else the first with a phrase the text
// contains; an event query matches by event name; nothing matched gets
// the fallback (DefaultFallback, or SetFallback's).
//
// The ES answer has queryResult.fulfillmentText, fulfillmentMessages
// (text, then payloads), parameters (the intent's) and intent (with
// endInteraction). The CX answer has queryResult.responseMessages (text,
// payloads, liveAgentHandoff, endInteraction), parameters (the session's,
// which the fake keeps as CX does) and match.
//
// Like the real API the fake refuses, with Google's error JSON, a request
// without a bearer token (401 UNAUTHENTICATED; RequireToken names the one
// token it accepts), without a language code or query (400
// INVALID_ARGUMENT), with a text longer than 256 characters or a session
// id longer than 36, and an unknown path (404).
//
// # Faults and records
//
// FailNext answers the next request with an HTTP status and Google's
// error JSON, AnswerNext with any status and body (malformed JSON, an
// answer without queryResult); SetDelay holds each answer, for tests of a
// deadline. Requests returns every request received, with the ids read
// from its path, its bearer token, its query and language code, so a test
// can assert what a client sent.
package dialogflowfake
