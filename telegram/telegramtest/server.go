package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// firstBotID is the first user id given to bots whose token has no numeric
// prefix.
const firstBotID = 1000000

// Server is a fake Telegram Bot API server. Create it with [NewServer] and
// release it with [Server.Close]. All methods are safe for concurrent use.
type Server struct {
	hs     *httptest.Server
	now    func() time.Time
	client *http.Client // webhook deliveries
	done   chan struct{}
	wg     sync.WaitGroup // webhook goroutines

	retryMin, retryMax time.Duration

	mu        sync.Mutex
	closed    bool
	changed   chan struct{} // closed and replaced on every state change
	bots      map[string]*botState
	botIDs    map[int64]*botState
	nextBotID int64
	users     map[int64]*User
	groups    map[int64]*Group
	chats     map[int64]*chatState
	calls     []Call
	limits    Limits
	tooMany   int
	files     map[string]*storedFile
	filePaths map[string]*storedFile
	fileSeq   int
}

// Option configures a [Server] in [NewServer].
type Option func(*Server)

// WithClock sets the clock used for message dates, edit dates, [Call.At] and
// rate-limit windows (default time.Now). It may be called concurrently and
// must not call back into the Server. A nil clock is ignored.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithWebhookRetry sets the delay before the first retry of a webhook
// delivery that failed (default 50ms); the delay doubles on each further
// failure of the same update up to maxDelay (default 1s). Non-positive
// values keep the defaults.
func WithWebhookRetry(initial, maxDelay time.Duration) Option {
	return func(s *Server) {
		if initial > 0 {
			s.retryMin = initial
		}
		if maxDelay > 0 {
			s.retryMax = maxDelay
		}
	}
}

// NewServer starts a fake Bot API server listening on 127.0.0.1. It has no
// bots, users or groups until [Server.AddBot], [Server.User] and
// [Server.Group] are called.
func NewServer(opts ...Option) *Server {
	s := &Server{
		now:       time.Now,
		client:    &http.Client{Timeout: 10 * time.Second},
		done:      make(chan struct{}),
		retryMin:  50 * time.Millisecond,
		retryMax:  time.Second,
		changed:   make(chan struct{}),
		bots:      map[string]*botState{},
		botIDs:    map[int64]*botState{},
		nextBotID: firstBotID,
		users:     map[int64]*User{},
		groups:    map[int64]*Group{},
		chats:     map[int64]*chatState{},
		files:     map[string]*storedFile{},
		filePaths: map[string]*storedFile{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.retryMax < s.retryMin {
		s.retryMax = s.retryMin
	}
	s.hs = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL returns the server's base URL, to be passed to bot.WithServerURL.
func (s *Server) URL() string { return s.hs.URL }

// Close stops webhook deliveries, ends waiting getUpdates requests (they
// answer with an empty result) and shuts the listener down. It is safe to
// call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	for _, b := range s.bots {
		if b.webhook != nil {
			b.webhook.cancel()
			b.webhook = nil
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.hs.Close()
	s.client.CloseIdleConnections()
}

// AddBot registers a bot and returns its user (what getMe answers). The
// user id is the token's numeric prefix when the token looks like
// Telegram's "<id>:<secret>" and that id is free; otherwise it comes from a
// counter starting at 1000000. Requests with unregistered tokens get 401
// "Unauthorized". Adding the same token again with the same username
// returns the existing bot; with another username it panics.
func (s *Server) AddBot(token, username string) models.User {
	if token == "" || strings.ContainsAny(token, "/?#") {
		panic(fmt.Sprintf("telegramtest: invalid bot token %q", token))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.bots[token]; ok {
		if b.user.Username != username {
			panic(fmt.Sprintf("telegramtest: bot token %q already registered as %q", token, b.user.Username))
		}
		return b.user
	}
	var id int64
	if prefix, _, ok := strings.Cut(token, ":"); ok {
		if n, err := strconv.ParseInt(prefix, 10, 64); err == nil && n > 0 && !s.idTaken(n) {
			id = n
		}
	}
	if id == 0 {
		for s.idTaken(s.nextBotID) {
			s.nextBotID++
		}
		id = s.nextBotID
		s.nextBotID++
	}
	b := &botState{
		token: token,
		user: models.User{
			ID:            id,
			IsBot:         true,
			FirstName:     username,
			Username:      username,
			CanJoinGroups: true,
		},
		history:   map[int64]json.RawMessage{},
		changed:   make(chan struct{}),
		blocked:   map[int64]bool{},
		chatSends: map[int64][]time.Time{},
	}
	s.bots[token] = b
	s.botIDs[id] = b
	s.notifyLocked()
	return b.user
}

// idTaken reports whether id is used by a bot or a user. Caller holds s.mu.
func (s *Server) idTaken(id int64) bool {
	_, bot := s.botIDs[id]
	_, user := s.users[id]
	return bot || user
}

// Call is one recorded HTTP request to the server, successful or not.
type Call struct {
	// Method is the Bot API method in its canonical spelling (as given when
	// the method is unknown), "download" for a file download, or "" when
	// the path was not /bot<token>/<method>.
	Method string
	// Token is the bot token from the URL.
	Token string
	// Params holds every non-file parameter as text: query string and body
	// merged (the body wins). Non-string JSON values (numbers, objects such
	// as reply_parameters) are kept as their JSON text.
	Params map[string]string
	// Files holds uploaded files by form field name.
	Files map[string]File
	// Status is the HTTP status of the answer.
	Status int
	// At is the server clock when the request arrived.
	At time.Time
}

// File is an uploaded file.
type File struct {
	// Name is the file name given in the multipart form.
	Name string
	// Data is the file content.
	Data []byte
}

// Calls returns every request received so far, in the order they were
// answered.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = copyCall(c)
	}
	return out
}

// CallsTo returns the recorded requests to method (matched
// case-insensitively), in the order they were answered.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if strings.EqualFold(c.Method, method) {
			out = append(out, copyCall(c))
		}
	}
	return out
}

func copyCall(c Call) Call {
	c.Params = maps.Clone(c.Params)
	if c.Files != nil {
		files := make(map[string]File, len(c.Files))
		for k, f := range c.Files {
			f.Data = append([]byte(nil), f.Data...)
			files[k] = f
		}
		c.Files = files
	}
	return c
}

// WaitUntil calls cond now and again after every change of the server's
// state (a request answered, a message stored, an update enqueued or
// confirmed, ...) until it returns true or timeout passes. It reports the
// last result of cond. cond runs without any lock held, so it may call the
// Server's methods.
func (s *Server) WaitUntil(timeout time.Duration, cond func() bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-timer.C:
			return cond()
		}
	}
}

// notifyLocked wakes WaitUntil callers. Caller holds s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// apiError is a Bot API error answer.
type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func badRequest(desc string) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + desc}
}

var (
	errUnauthorized = &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"}
	errNotFound     = &apiError{code: http.StatusNotFound, desc: "Not Found"}
	errBlocked      = &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user"}
	errChatNotFound = badRequest("chat not found")
	errWebhookSet   = &apiError{code: http.StatusConflict, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	errTerminated   = &apiError{code: http.StatusConflict, desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
)

// result is a successful answer.
type result struct {
	value       any
	description string
}

// methodFunc handles a Bot API method; it runs with s.mu held.
type methodFunc func(s *Server, r *request) (result, *apiError)

// methods maps lower-case method names to their canonical name and handler.
// getUpdates is handled separately because it waits without the lock.
var methods = map[string]struct {
	name string
	fn   methodFunc
}{}

func init() {
	for name, fn := range map[string]methodFunc{
		"getMe":           (*Server).getMe,
		"getUpdates":      nil,
		"setWebhook":      (*Server).setWebhook,
		"deleteWebhook":   (*Server).deleteWebhook,
		"getWebhookInfo":  (*Server).getWebhookInfo,
		"sendMessage":     (*Server).sendMessage,
		"editMessageText": (*Server).editMessageText,
		"sendVoice":       (*Server).sendVoice,
		"sendDocument":    (*Server).sendDocument,
		"sendPhoto":       (*Server).sendPhoto,
		"sendAudio":       (*Server).sendAudio,
		"copyMessage":     (*Server).copyMessage,
		"sendChatAction":  (*Server).sendChatAction,
		"getFile":         (*Server).getFile,
	} {
		methods[strings.ToLower(name)] = struct {
			name string
			fn   methodFunc
		}{name, fn}
	}
}

// request is a parsed Bot API call.
type request struct {
	ctx    context.Context
	bot    *botState
	params map[string]string
	files  map[string]File
	now    time.Time
}

func (s *Server) serveHTTP(w http.ResponseWriter, hr *http.Request) {
	call := Call{At: s.now()}
	status, body := s.handle(hr, &call)
	call.Status = status
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.notifyLocked()
	s.mu.Unlock()
	w.Header().Set("Content-Type", body.contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body.raw)
}

type answer struct {
	raw         []byte
	contentType string
}

func jsonAnswer(v any) answer {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: marshal answer: %v", err))
	}
	return answer{raw: data, contentType: "application/json"}
}

func okAnswer(res result) (int, answer) {
	value, err := json.Marshal(res.value)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: marshal result: %v", err))
	}
	return http.StatusOK, jsonAnswer(struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Description string          `json:"description,omitempty"`
	}{true, value, res.description})
}

func errAnswer(e *apiError) (int, answer) {
	type parameters struct {
		RetryAfter int `json:"retry_after"`
	}
	env := struct {
		OK          bool        `json:"ok"`
		ErrorCode   int         `json:"error_code"`
		Description string      `json:"description"`
		Parameters  *parameters `json:"parameters,omitempty"`
	}{false, e.code, e.desc, nil}
	if e.retryAfter > 0 {
		env.Parameters = &parameters{RetryAfter: e.retryAfter}
	}
	return e.code, jsonAnswer(env)
}

// handle answers one HTTP request, filling call.
func (s *Server) handle(hr *http.Request, call *Call) (int, answer) {
	path := hr.URL.Path
	if rest, ok := strings.CutPrefix(path, "/file/bot"); ok {
		return s.download(rest, call)
	}
	rest, ok := strings.CutPrefix(path, "/bot")
	if !ok {
		return errAnswer(errNotFound)
	}
	token, method, _ := strings.Cut(rest, "/")
	call.Token = token
	call.Method = method

	params, files, parseErr := parseParams(hr)
	call.Params = params
	call.Files = files

	s.mu.Lock()
	b := s.bots[token]
	s.mu.Unlock()
	if b == nil {
		return errAnswer(errUnauthorized)
	}
	m, ok := methods[strings.ToLower(method)]
	if !ok {
		return errAnswer(errNotFound)
	}
	call.Method = m.name
	if parseErr != nil {
		return errAnswer(parseErr)
	}
	r := &request{ctx: hr.Context(), bot: b, params: params, files: files, now: call.At}
	if m.fn == nil {
		res, err := s.getUpdates(r)
		if err != nil {
			return errAnswer(err)
		}
		return okAnswer(res)
	}
	s.mu.Lock()
	res, err := m.fn(s, r)
	if err != nil {
		s.mu.Unlock()
		return errAnswer(err)
	}
	status, ans := okAnswer(res)
	s.mu.Unlock()
	return status, ans
}

func (s *Server) getMe(r *request) (result, *apiError) {
	return result{value: r.bot.user}, nil
}
