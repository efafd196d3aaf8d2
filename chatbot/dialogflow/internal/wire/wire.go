// Package wire is the HTTP call and the reply assembly that the ES and CX
// clients share.
package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/telenet/contactcenter/chatbot"
	"github.com/telenet/contactcenter/chatbot/dialogflow"
)

// Post sends body as JSON to url with the bearer token of ts and decodes a
// 2xx answer into out. A non-2xx answer is a *dialogflow.APIError; an
// answer that is not JSON or larger than dialogflow.MaxResponseBytes wraps
// dialogflow.ErrBadResponse.
func Post(ctx context.Context, client *http.Client, ts dialogflow.TokenSource, url string, body, out any) error {
	tok, err := ts(ctx)
	if err != nil {
		return fmt.Errorf("dialogflow: token: %w", err)
	}
	if tok == "" {
		return Config("the token source returned an empty token")
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("dialogflow: encoding the request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return Config("request URL %q: %v", url, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("dialogflow: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, dialogflow.MaxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("dialogflow: reading the answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return apiError(resp.StatusCode, data)
	}
	if len(data) > dialogflow.MaxResponseBytes {
		return BadResponse("answer longer than %d bytes", dialogflow.MaxResponseBytes)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return BadResponse("answer is not a detectIntent response: %v", err)
	}
	return nil
}

func apiError(status int, body []byte) error {
	e := &dialogflow.APIError{StatusCode: status}
	var g struct {
		Error *struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &g) == nil && g.Error != nil {
		e.Message, e.Status = g.Error.Message, g.Error.Status
	}
	return e
}

// TextMessages appends a message for each non-blank text.
func TextMessages(ms []chatbot.Message, texts []string) []chatbot.Message {
	for _, t := range texts {
		if strings.TrimSpace(t) != "" {
			ms = append(ms, chatbot.Message{Text: t})
		}
	}
	return ms
}

// Collect gathers actions and logs the problems of a mapping.
type Collect struct {
	Log     *slog.Logger
	Turn    chatbot.TurnID
	Actions []chatbot.Action
}

// Add appends acts and logs errs.
func (c *Collect) Add(acts []chatbot.Action, errs []error) {
	c.Actions = append(c.Actions, acts...)
	for _, err := range errs {
		var pe *dialogflow.ParamError
		name := ""
		if errors.As(err, &pe) {
			name = pe.Name
		}
		c.Log.Warn("dialogflow: parameter makes no action", "turn", string(c.Turn), "parameter", name, "err", err)
	}
}

// Logger returns l, or a logger that discards.
func Logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// BadResponse returns an error wrapping dialogflow.ErrBadResponse and
// chatbot.ErrInvalid, with a message that says what is wrong.
func BadResponse(format string, args ...any) error {
	return fmt.Errorf("dialogflow: "+format+": %w (%w)", append(args, dialogflow.ErrBadResponse, chatbot.ErrInvalid)...)
}

// Config returns an error wrapping dialogflow.ErrConfig.
func Config(format string, args ...any) error {
	return fmt.Errorf("dialogflow: "+format+": %w", append(args, dialogflow.ErrConfig)...)
}
