package dialogflowfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/telenet/contactcenter/chatbot/dialogflow/dialogflowfake"
)

func post(t *testing.T, url, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("answer is not JSON: %s", b)
	}
	return resp.StatusCode, m
}

// The fake refuses what the API refuses, with Google's error JSON, and
// records every request.
func TestRefusals(t *testing.T) {
	srv := dialogflowfake.NewServer()
	defer srv.Close()
	es := srv.URL() + "/v2/projects/p/agent/sessions/s:detectIntent"
	text := `{"queryInput":{"text":{"text":"hi","languageCode":"en"}}}`
	for _, c := range []struct {
		name, url, auth, body string
		status                int
		grpc                  string
	}{
		{"no token", es, "", text, 401, "UNAUTHENTICATED"},
		{"not bearer", es, "Basic x", text, 401, "UNAUTHENTICATED"},
		{"unknown path", srv.URL() + "/v2/projects/p/sessions/s:detectIntent", "Bearer t", text, 404, "NOT_FOUND"},
		{"no language", es, "Bearer t", `{"queryInput":{"text":{"text":"hi"}}}`, 400, "INVALID_ARGUMENT"},
		{"no query", es, "Bearer t", `{"queryInput":{}}`, 400, "INVALID_ARGUMENT"},
		{"long text", es, "Bearer t", `{"queryInput":{"text":{"text":"` + strings.Repeat("é", 257) + `","languageCode":"en"}}}`, 400, "INVALID_ARGUMENT"},
		{"long session", srv.URL() + "/v2/projects/p/agent/sessions/" + strings.Repeat("s", 37) + ":detectIntent", "Bearer t", text, 400, "INVALID_ARGUMENT"},
		{"cx language in text", srv.URL() + "/v3/projects/p/locations/global/agents/a/sessions/s:detectIntent", "Bearer t", text, 400, "INVALID_ARGUMENT"},
	} {
		status, m := post(t, c.url, c.auth, c.body)
		e, _ := m["error"].(map[string]any)
		if status != c.status || e == nil || e["status"] != c.grpc || e["code"] != float64(c.status) || e["message"] == "" {
			t.Errorf("%s: %d %v", c.name, status, m)
		}
	}
	if n := len(srv.Requests()); n != 8 {
		t.Errorf("%d requests recorded, want 8", n)
	}
}

// Exact phrases win over contained ones; unmatched text gets the fallback;
// ES answers the intent's parameters, CX the session's.
func TestMatching(t *testing.T) {
	srv := dialogflowfake.NewServer()
	defer srv.Close()
	srv.Add(
		dialogflowfake.Intent{Name: "price", Phrases: []string{"price"}, Texts: []string{"contains"}, Parameters: map[string]any{"a": "1"}},
		dialogflowfake.Intent{Name: "exact", Phrases: []string{"What is the PRICE"}, Texts: []string{"exact"}, Parameters: map[string]any{"b": "2"}},
	)
	es := srv.URL() + "/v2/projects/p/agent/sessions/s:detectIntent"
	q := func(text string) string {
		return `{"queryInput":{"text":{"text":"` + text + `","languageCode":"en"}}}`
	}
	_, m := post(t, es, "Bearer t", q("what is the price "))
	qr := m["queryResult"].(map[string]any)
	if qr["fulfillmentText"] != "exact" || qr["intent"].(map[string]any)["isFallback"] != false {
		t.Errorf("exact: %v", qr)
	}
	_, m = post(t, es, "Bearer t", q("the price please"))
	if qr = m["queryResult"].(map[string]any); qr["fulfillmentText"] != "contains" {
		t.Errorf("contains: %v", qr)
	}
	_, m = post(t, es, "Bearer t", q("weather?"))
	if qr = m["queryResult"].(map[string]any); qr["fulfillmentText"] != dialogflowfake.DefaultFallback.Texts[0] || qr["intent"].(map[string]any)["isFallback"] != true {
		t.Errorf("fallback: %v", qr)
	}
	cx := srv.URL() + "/v3/projects/p/locations/global/agents/a/sessions/s1:detectIntent"
	cq := func(text string) string { return `{"queryInput":{"text":{"text":"` + text + `"},"languageCode":"en"}}` }
	post(t, cx, "Bearer t", cq("price"))
	_, m = post(t, cx, "Bearer t", cq("what is the price"))
	params := m["queryResult"].(map[string]any)["parameters"].(map[string]any)
	if params["a"] != "1" || params["b"] != "2" {
		t.Errorf("CX session parameters: %v", params)
	}
	_, m = post(t, cx, "Bearer t", cq("weather"))
	if mt := m["queryResult"].(map[string]any)["match"].(map[string]any)["matchType"]; mt != "NO_MATCH" {
		t.Errorf("CX fallback match type %v", mt)
	}
}
