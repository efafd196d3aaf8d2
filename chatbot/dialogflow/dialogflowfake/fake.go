package dialogflowfake

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Intent is a scripted answer: what the fake answers to a query that
// matches it.
type Intent struct {
	// Name is the intent's display name (ES intent.displayName, CX
	// intent.displayName and currentPage.displayName).
	Name string
	// Phrases match a text query: the query equals one, ignoring case and
	// surrounding space, or, when no intent has such a phrase, contains
	// one.
	Phrases []string
	// Events match an event query by name ("WELCOME").
	Events []string
	// Texts are the text responses, one message each.
	Texts []string
	// Payloads are custom payloads, answered after the texts.
	Payloads []map[string]any
	// Parameters are the intent's parameters. ES answers them as they
	// are; CX merges them into the session's parameters (a nil value
	// removes one) and answers all of the session's.
	Parameters map[string]any
	// HandOff adds, for CX, a liveAgentHandoff message with
	// HandOffMetadata; ES has no such message and ignores it.
	HandOff         bool
	HandOffMetadata map[string]any
	// EndInteraction ends the conversation: ES's intent.endInteraction,
	// CX's endInteraction message (the last one).
	EndInteraction bool
}

// Request is a detectIntent request the fake received.
type Request struct {
	// API is "es" or "cx".
	API string
	// Path is the request's URL path.
	Path string
	// Project, Location (ES: "" for the global agent), Agent (CX),
	// Environment (CX, "" for the draft) and Session are read from the
	// path.
	Project, Location, Agent, Environment, Session string
	// Authorization is the header as sent; Token is what follows
	// "Bearer ".
	Authorization, Token string
	// Text or Event is the query; LanguageCode its language.
	Text, Event, LanguageCode string
	// Body is the request's body.
	Body []byte
}

// Server is a fake Dialogflow API on 127.0.0.1. Its methods are safe for
// concurrent use.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	intents  []Intent
	fallback Intent
	token    string
	delay    time.Duration
	next     []answer
	reqs     []Request
	sessions map[string]map[string]any
}

type answer struct {
	status int
	body   string
}

// DefaultFallback is the fallback intent of a new Server.
var DefaultFallback = Intent{Name: "Default Fallback Intent", Texts: []string{"Sorry, could you say that again?"}}

// NewServer starts a fake with no intents, DefaultFallback and any bearer
// token accepted. Close it when done.
func NewServer() *Server {
	s := &Server{fallback: DefaultFallback, sessions: make(map[string]map[string]any)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL returns the base URL to give a client as its Endpoint.
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down; it waits for requests in progress.
func (s *Server) Close() { s.srv.Close() }

// Add scripts an intent. Intents are matched in the order they were added.
func (s *Server) Add(in ...Intent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.intents = append(s.intents, in...)
}

// SetFallback sets the intent answered when no intent matches.
func (s *Server) SetFallback(in Intent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fallback = in
}

// RequireToken makes the fake answer 401 UNAUTHENTICATED to a request
// whose bearer token is not token; "" accepts any. A request without an
// Authorization header is always refused so.
func (s *Server) RequireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// SetDelay makes the fake wait d before each answer, or until the request
// is cancelled: for tests of a client's deadline.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// FailNext makes the next request get an HTTP status with Google's error
// JSON: {"error":{"code":status,"message":message,"status":grpcStatus}}.
// Calls queue up, one answer per request.
func (s *Server) FailNext(status int, grpcStatus, message string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": status, "message": message, "status": grpcStatus}})
	s.AnswerNext(status, string(b))
}

// AnswerNext makes the next request get status and body as they are (a
// malformed answer, a body without queryResult). Calls queue up, one
// answer per request.
func (s *Server) AnswerNext(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = append(s.next, answer{status, body})
}

// Requests returns the requests received so far, oldest first, including
// refused ones.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// SessionParameters returns a copy of a CX session's parameters.
func (s *Server) SessionParameters(session string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.sessions[session])
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	req := Request{Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), Body: body}
	req.Token, _ = strings.CutPrefix(req.Authorization, "Bearer ")
	ok := parsePath(&req)
	if ok {
		decodeQuery(&req, body)
	}

	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	delay, token := s.delay, s.token
	var canned *answer
	if len(s.next) > 0 {
		canned = &s.next[0]
		s.next = s.next[1:]
	}
	s.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case canned != nil:
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(canned.status)
		io.WriteString(w, canned.body)
		return
	case r.Method != http.MethodPost:
		fail(w, http.StatusMethodNotAllowed, "INVALID_ARGUMENT", "detectIntent takes POST")
		return
	case !ok:
		fail(w, http.StatusNotFound, "NOT_FOUND", "unknown path "+r.URL.Path)
		return
	case !strings.HasPrefix(req.Authorization, "Bearer ") || req.Token == "" || token != "" && req.Token != token:
		fail(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
		return
	case len(req.Session) > 36:
		fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", "session id longer than 36 characters")
		return
	case req.LanguageCode == "":
		fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", "languageCode is required")
		return
	case req.Text == "" && req.Event == "":
		fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", "queryInput needs a text or an event")
		return
	case utf8.RuneCountInString(req.Text) > 256:
		fail(w, http.StatusBadRequest, "INVALID_ARGUMENT", "text longer than 256 characters")
		return
	}
	in, fallback := s.match(req)
	var resp any
	if req.API == "es" {
		resp = esAnswer(req, in, fallback)
	} else {
		resp = s.cxAnswer(req, in, fallback)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(resp)
}

func fail(w http.ResponseWriter, status int, grpc, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": status, "message": msg, "status": grpc}})
}

// parsePath reads the ids of an ES or CX detectIntent path.
func parsePath(req *Request) bool {
	p, ok := strings.CutSuffix(req.Path, ":detectIntent")
	if !ok {
		return false
	}
	seg := strings.Split(strings.TrimPrefix(p, "/"), "/")
	take := func(names ...string) bool {
		if len(seg) < len(names) {
			return false
		}
		for i, n := range names {
			if n != "" && seg[i] != n || n == "" && seg[i] == "" {
				return false
			}
		}
		return true
	}
	switch {
	case take("v2", "projects", "", "agent", "sessions", "") && len(seg) == 6:
		req.API, req.Project, req.Session = "es", seg[2], seg[5]
	case take("v2", "projects", "", "locations", "", "agent", "sessions", "") && len(seg) == 8:
		req.API, req.Project, req.Location, req.Session = "es", seg[2], seg[4], seg[7]
	case take("v3", "projects", "", "locations", "", "agents", "", "sessions", "") && len(seg) == 9:
		req.API, req.Project, req.Location, req.Agent, req.Session = "cx", seg[2], seg[4], seg[6], seg[8]
	case take("v3", "projects", "", "locations", "", "agents", "", "environments", "", "sessions", "") && len(seg) == 11:
		req.API, req.Project, req.Location, req.Agent, req.Environment, req.Session = "cx", seg[2], seg[4], seg[6], seg[8], seg[10]
	default:
		return false
	}
	return true
}

func decodeQuery(req *Request, body []byte) {
	var in struct {
		QueryInput struct {
			Text *struct {
				Text         string `json:"text"`
				LanguageCode string `json:"languageCode"`
			} `json:"text"`
			Event *struct {
				Name         string `json:"name"`
				Event        string `json:"event"`
				LanguageCode string `json:"languageCode"`
			} `json:"event"`
			LanguageCode string `json:"languageCode"`
		} `json:"queryInput"`
	}
	if json.Unmarshal(body, &in) != nil {
		return
	}
	q := in.QueryInput
	if req.API == "cx" {
		req.LanguageCode = q.LanguageCode
	}
	if q.Text != nil {
		req.Text = q.Text.Text
		if req.API == "es" {
			req.LanguageCode = q.Text.LanguageCode
		}
	}
	if q.Event != nil {
		req.Event = q.Event.Name
		if req.API == "cx" {
			req.Event = q.Event.Event
		} else {
			req.LanguageCode = q.Event.LanguageCode
		}
	}
}

// match returns the intent req matches, or the fallback and true.
func (s *Server) match(req Request) (Intent, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Event != "" {
		for _, in := range s.intents {
			if slices.Contains(in.Events, req.Event) {
				return in, false
			}
		}
		return s.fallback, true
	}
	text := strings.ToLower(strings.TrimSpace(req.Text))
	for _, in := range s.intents {
		for _, p := range in.Phrases {
			if strings.ToLower(strings.TrimSpace(p)) == text {
				return in, false
			}
		}
	}
	for _, in := range s.intents {
		for _, p := range in.Phrases {
			if p := strings.ToLower(strings.TrimSpace(p)); p != "" && strings.Contains(text, p) {
				return in, false
			}
		}
	}
	return s.fallback, true
}

func esAnswer(req Request, in Intent, fallback bool) any {
	var msgs []any
	for _, t := range in.Texts {
		msgs = append(msgs, map[string]any{"text": map[string]any{"text": []string{t}}})
	}
	for _, p := range in.Payloads {
		msgs = append(msgs, map[string]any{"payload": p})
	}
	params := in.Parameters
	if params == nil {
		params = map[string]any{}
	}
	return map[string]any{
		"responseId": fmt.Sprintf("fake-%d", time.Now().UnixNano()),
		"queryResult": map[string]any{
			"queryText":                req.Text + req.Event,
			"languageCode":             req.LanguageCode,
			"parameters":               params,
			"allRequiredParamsPresent": true,
			"fulfillmentText":          strings.Join(in.Texts, "\n"),
			"fulfillmentMessages":      msgs,
			"intent": map[string]any{
				"name":           "projects/" + req.Project + "/agent/intents/" + strings.ReplaceAll(strings.ToLower(in.Name), " ", "-"),
				"displayName":    in.Name,
				"endInteraction": in.EndInteraction,
				"isFallback":     fallback,
			},
			"intentDetectionConfidence": 1,
		},
	}
}

func (s *Server) cxAnswer(req Request, in Intent, fallback bool) any {
	s.mu.Lock()
	sp := s.sessions[req.Session]
	if sp == nil {
		sp = make(map[string]any)
		s.sessions[req.Session] = sp
	}
	for k, v := range in.Parameters {
		if v == nil {
			delete(sp, k)
		} else {
			sp[k] = v
		}
	}
	params := maps.Clone(sp)
	s.mu.Unlock()

	var msgs []any
	for _, t := range in.Texts {
		msgs = append(msgs, map[string]any{"text": map[string]any{"text": []string{t}}})
	}
	for _, p := range in.Payloads {
		msgs = append(msgs, map[string]any{"payload": p})
	}
	if in.HandOff {
		meta := in.HandOffMetadata
		if meta == nil {
			meta = map[string]any{}
		}
		msgs = append(msgs, map[string]any{"liveAgentHandoff": map[string]any{"metadata": meta}})
	}
	if in.EndInteraction {
		msgs = append(msgs, map[string]any{"endInteraction": map[string]any{}})
	}
	matchType := "INTENT"
	switch {
	case fallback:
		matchType = "NO_MATCH"
	case req.Event != "":
		matchType = "EVENT"
	}
	agent := "projects/" + req.Project + "/locations/" + req.Location + "/agents/" + req.Agent
	return map[string]any{
		"responseId": fmt.Sprintf("fake-%d", time.Now().UnixNano()),
		"queryResult": map[string]any{
			"text":             req.Text,
			"languageCode":     req.LanguageCode,
			"parameters":       params,
			"responseMessages": msgs,
			"currentPage":      map[string]any{"name": agent + "/flows/00000000-0000-0000-0000-000000000000/pages/START_PAGE", "displayName": in.Name},
			"intent":           map[string]any{"name": agent + "/intents/" + strings.ReplaceAll(strings.ToLower(in.Name), " ", "-"), "displayName": in.Name},
			"match":            map[string]any{"matchType": matchType, "confidence": 1},
		},
	}
}
