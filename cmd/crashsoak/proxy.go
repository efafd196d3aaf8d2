package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// send is one message the fake Bot API accepted from a child: what the
// parent needs to count deliveries, to tell which process sent what, and
// to see what was on its way when a process was killed.
type send struct {
	// Instance names the child process that sent it ("sqlite#2").
	Instance string
	// Started and Done are when the request reached the proxy and when the
	// fake's answer came back.
	Started, Done time.Time
	// Method is the Bot API method (sendMessage, copyMessage, ...).
	Method string
	// Chat and ID are the new message's chat and message id.
	Chat int64
	ID   int
	// Text is the text sent (sendMessage); empty for copies.
	Text string
	// FromChat and FromID name the copied message (copyMessage).
	FromChat int64
	FromID   int
}

// key names a message of the fake: its chat and id.
type key struct {
	Chat int64
	ID   int
}

func (s send) key() key { return key{s.Chat, s.ID} }

// recorder keeps the sends of every child, in the order their answers
// came back, and tells subscribers about each.
type recorder struct {
	mu    sync.Mutex
	sends []send
	subs  []chan<- send
}

func (r *recorder) add(s send) {
	r.mu.Lock()
	r.sends = append(r.sends, s)
	subs := r.subs
	r.mu.Unlock()
	for _, c := range subs {
		c <- s
	}
}

// subscribe sends every later send to c, which must be drained.
func (r *recorder) subscribe(c chan<- send) {
	r.mu.Lock()
	r.subs = append(r.subs, c)
	r.mu.Unlock()
}

// since returns the sends recorded from index i on, and the next index.
func (r *recorder) since(i int) ([]send, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]send(nil), r.sends[i:]...)
	return out, len(r.sends)
}

// all returns every send recorded.
func (r *recorder) all() []send {
	out, _ := r.since(0)
	return out
}

// lastAt returns when the latest send was answered.
func (r *recorder) lastAt() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sends) == 0 {
		return time.Time{}
	}
	return r.sends[len(r.sends)-1].Done
}

// proxy stands between one child and the fake Bot API. Each child gets
// its own, so that every message the fake accepts is known by the process
// that sent it. A request whose body arrived whole is passed on even if
// the child dies meanwhile, as Telegram would carry out a request it
// received; only long polls end with the child.
type proxy struct {
	upstream string
	rec      *recorder
	client   *http.Client
	srv      *http.Server
	url      string

	mu       sync.Mutex
	instance string
	active   map[string]*sync.WaitGroup
}

func newProxy(upstream string, rec *recorder) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{
		upstream: strings.TrimRight(upstream, "/"),
		rec:      rec,
		client:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		url:      "http://" + ln.Addr().String(),
		active:   map[string]*sync.WaitGroup{},
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// URL returns the address the child uses as its Bot API.
func (p *proxy) URL() string { return p.url }

// setInstance names the process whose requests come next.
func (p *proxy) setInstance(name string) {
	p.mu.Lock()
	p.instance = name
	p.mu.Unlock()
}

// settle waits until the requests of instance that reached the proxy have
// their answers, so that everything it sent is recorded.
func (p *proxy) settle(instance string) {
	p.mu.Lock()
	wg := p.active[instance]
	p.mu.Unlock()
	if wg != nil {
		wg.Wait()
	}
}

func (p *proxy) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
	p.client.CloseIdleConnections()
}

// sendMethods are the Bot API methods that post a message.
var sendMethods = map[string]bool{
	"sendmessage": true, "copymessage": true, "senddocument": true, "sendvoice": true,
	"sendphoto": true, "sendaudio": true,
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	p.mu.Lock()
	inst := p.instance
	wg := p.active[inst]
	if wg == nil {
		wg = &sync.WaitGroup{}
		p.active[inst] = wg
	}
	wg.Add(1)
	p.mu.Unlock()
	defer wg.Done()

	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the child went away before its request was whole
	}
	method := strings.ToLower(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:])
	ctx := r.Context()
	if method != "getupdates" {
		ctx = context.WithoutCancel(ctx)
	}
	out, err := http.NewRequestWithContext(ctx, r.Method, p.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header.Set("Content-Type", r.Header.Get("Content-Type"))
	resp, err := p.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	answer, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if sendMethods[method] && resp.StatusCode == http.StatusOK {
		if s, ok := parseSend(method, r.Header.Get("Content-Type"), body, answer); ok {
			s.Instance, s.Started, s.Done = inst, started, time.Now()
			p.rec.add(s)
		}
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// parseSend reads an accepted send from its request and answer.
func parseSend(method, contentType string, body, answer []byte) (send, bool) {
	var env struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
	}
	if json.Unmarshal(answer, &env) != nil || !env.OK {
		return send{}, false
	}
	s := send{Method: method}
	params := formParams(contentType, body)
	if method == "copymessage" {
		var id struct {
			MessageID int `json:"message_id"`
		}
		if json.Unmarshal(env.Result, &id) != nil {
			return send{}, false
		}
		s.ID = id.MessageID
		s.Chat, _ = strconv.ParseInt(params["chat_id"], 10, 64)
		s.FromChat, _ = strconv.ParseInt(params["from_chat_id"], 10, 64)
		s.FromID, _ = strconv.Atoi(params["message_id"])
		return s, true
	}
	var m struct {
		ID   int `json:"message_id"`
		Chat struct {
			ID int64 `json:"id"`
		} `json:"chat"`
		Text    string `json:"text"`
		Caption string `json:"caption"`
	}
	if json.Unmarshal(env.Result, &m) != nil {
		return send{}, false
	}
	s.ID, s.Chat, s.Text = m.ID, m.Chat.ID, m.Text
	if s.Text == "" {
		s.Text = m.Caption
	}
	return s, true
}

// formParams returns the text fields of a request body: multipart (as
// go-telegram/bot sends), JSON or URL-encoded.
func formParams(contentType string, body []byte) map[string]string {
	out := map[string]string{}
	ct, ctParams, _ := mime.ParseMediaType(contentType)
	switch ct {
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					return out
				}
				break
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return out
			}
			if part.FileName() == "" {
				out[part.FormName()] = string(data)
			}
		}
	case "application/json":
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			for k, v := range m {
				var s string
				if json.Unmarshal(v, &s) == nil {
					out[k] = s
				} else {
					out[k] = string(v)
				}
			}
		}
	}
	return out
}
