package web_test

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The API the editor stands on: login sessions and their CSRF guard,
// rollback, stats, listening for the next event, and the embedded UI.

// login posts the admin token and returns the session cookie.
func (b *bundle) login() *http.Cookie {
	b.t.Helper()
	r := b.send(http.MethodPost, "/api/v1/session", map[string]string{"token": b.token})
	if r.status != http.StatusOK {
		b.t.Fatalf("login = %d %s", r.status, r.body)
	}
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "hookflow_session" {
			return c
		}
	}
	b.t.Fatalf("login set no session cookie: %v", r.header.Values("Set-Cookie"))
	return nil
}

func TestSessionLogin(t *testing.T) {
	t.Parallel()
	b := setup(t)

	wantError(t, b.send(http.MethodPost, "/api/v1/session", map[string]string{"token": b.token + "x"}), http.StatusUnauthorized, "unauthorized")
	wantError(t, b.send(http.MethodPost, "/api/v1/session", map[string]string{}), http.StatusBadRequest, "bad_json")
	wantError(t, b.send(http.MethodPost, "/api/v1/session", `{"token": "`+b.token+`"}`, "Content-Type", "text/plain"),
		http.StatusUnsupportedMediaType, "bad_request")

	ck := b.login()
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure || ck.MaxAge <= 0 {
		t.Errorf("session cookie = %+v; want HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP, a max age", ck)
	}
	cookie := "hookflow_session=" + ck.Value

	// Reads with the cookie.
	if r := b.send(http.MethodGet, "/api/v1/workflows", nil, "Cookie", cookie); r.status != http.StatusOK {
		t.Fatalf("GET workflows with the session = %d %s", r.status, r.body)
	}
	info := b.send(http.MethodGet, "/api/v1/session", nil, "Cookie", cookie).json(t)
	if info["via"] != "session" || info["expires_at"] == nil {
		t.Errorf("GET session = %v", info)
	}
	if info := b.apiOK(http.MethodGet, "/api/v1/session", nil, http.StatusOK); info["via"] != "token" {
		t.Errorf("GET session with the token = %v", info)
	}

	// Changes need the X-Hookflow header or a JSON body: a cross-site form
	// can send neither.
	def := relayDef("via-cookie", b.recv.URL)
	wantError(t, b.send(http.MethodPost, "/api/v1/workflows", def, "Cookie", cookie,
		"Content-Type", "application/x-www-form-urlencoded"), http.StatusForbidden, "csrf")
	wantError(t, b.send(http.MethodPost, "/api/v1/workflows", def, "Cookie", cookie), http.StatusForbidden, "csrf")
	if r := b.send(http.MethodPost, "/api/v1/workflows", def, "Cookie", cookie, "X-Hookflow", "1"); r.status != http.StatusCreated {
		t.Fatalf("create with the session and X-Hookflow = %d %s", r.status, r.body)
	}
	if r := b.send(http.MethodPost, "/api/v1/workflows/via-cookie/disable", nil, "Cookie", cookie, "Content-Type", "application/json"); r.status != http.StatusOK {
		t.Fatalf("disable with the session and a JSON content type = %d %s", r.status, r.body)
	}
	// The bearer token needs no such header.
	b.apiOK(http.MethodPost, "/api/v1/workflows/via-cookie/enable", nil, http.StatusOK)

	// Logout ends the session and clears the cookie.
	r := b.send(http.MethodDelete, "/api/v1/session", nil, "Cookie", cookie)
	if r.status != http.StatusNoContent {
		t.Fatalf("logout = %d %s", r.status, r.body)
	}
	if sc := r.header.Get("Set-Cookie"); !strings.Contains(sc, "hookflow_session=;") || !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("logout Set-Cookie = %q, want the cookie cleared", sc)
	}
	wantError(t, b.send(http.MethodGet, "/api/v1/workflows", nil, "Cookie", cookie), http.StatusUnauthorized, "unauthorized")
	// Logging out twice, or without a session, is fine.
	if r := b.send(http.MethodDelete, "/api/v1/session", nil); r.status != http.StatusNoContent {
		t.Errorf("logout without a session = %d", r.status)
	}
}

func TestSessionCookieSecureOverTLS(t *testing.T) {
	t.Parallel()
	srv, token := openAPIServer(t)
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/session", strings.NewReader(`{"token": "`+token+`"}`))
	req.Header.Set("Content-Type", "application/json")
	client := ts.Client()
	client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the test server's own certificate
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cks := resp.Cookies()
	if resp.StatusCode != http.StatusOK || len(cks) != 1 || !cks[0].Secure || !cks[0].HttpOnly {
		t.Errorf("login over TLS = %d, cookies %+v; want one Secure, HttpOnly cookie", resp.StatusCode, cks)
	}
}

func TestRevisionRollback(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(relayDef("rb", b.recv.URL))
	v2 := strings.Replace(relayDef("rb", b.recv.URL), "payload.amount / 100.0", "payload.amount", 1)
	b.apiOK(http.MethodPut, "/api/v1/workflows/rb", v2, http.StatusOK)
	b.apiOK(http.MethodPost, "/api/v1/workflows/rb/disable", nil, http.StatusOK)

	var got workflow
	r := b.api(http.MethodPost, "/api/v1/workflows/rb/revisions/1/rollback", nil)
	if r.status != http.StatusOK {
		t.Fatalf("rollback = %d %s", r.status, r.body)
	}
	r.decode(t, &got)
	if got.Revision != 3 || got.Enabled {
		t.Errorf("after rollback: revision %d, enabled %v; want a new revision 3, still disabled", got.Revision, got.Enabled)
	}
	if !strings.Contains(string(got.Definition), "payload.amount / 100.0") {
		t.Errorf("rolled back definition = %s", got.Definition)
	}
	revs := b.apiOK(http.MethodGet, "/api/v1/workflows/rb/revisions", nil, http.StatusOK)["revisions"].([]any)
	if len(revs) != 3 {
		t.Errorf("%d revisions after rollback, want 3: history is kept", len(revs))
	}
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/rb/revisions/x/rollback", nil), http.StatusBadRequest, "bad_request")
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/rb/revisions/9/rollback", nil), http.StatusNotFound, "not_found")
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/nope/revisions/1/rollback", nil), http.StatusNotFound, "not_found")
}

func TestWorkflowStats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(`{"format": "hookflow/v1", "id": "st", "name": "Stats",
		"trigger": {"type": "webhook"},
		"steps": [{"id": "send", "type": "webhook", "url": "` + b.recv.URL + `/{{ payload.path }}"}]}`)

	s := b.apiOK(http.MethodGet, "/api/v1/workflows/st/stats", nil, http.StatusOK)
	if s["runs_24h"] != 0.0 || s["failures_24h"] != 0.0 || s["last_run"] != nil {
		t.Errorf("stats of a new workflow = %v", s)
	}
	b.waitRun(b.trigger(w.TriggerURL, map[string]any{"path": "ok"}))
	last := b.trigger(w.TriggerURL, map[string]any{"path": "fail"})
	b.waitRun(last)

	s = b.apiOK(http.MethodGet, "/api/v1/workflows/st/stats", nil, http.StatusOK)
	lr, _ := s["last_run"].(map[string]any)
	if s["runs_24h"] != 2.0 || s["failures_24h"] != 1.0 || s["capped"] != false || lr["id"] != last || lr["status"] != "failed" {
		t.Errorf("stats = %v; want 2 runs, 1 failure, the last one failed", s)
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/workflows/nope/stats", nil), http.StatusNotFound, "not_found")
}

func TestNextEventLongPoll(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(passDef("ln", b.recv.URL))
	// An event from before the wait is not "next".
	b.trigger(w.TriggerURL, map[string]any{"n": 1})
	if r := b.api(http.MethodGet, "/api/v1/workflows/ln/events/next?timeout=300ms", nil); r.status != http.StatusNoContent {
		t.Fatalf("nothing new: %d %s, want 204", r.status, r.body)
	}
	// Events sent while the request waits: it answers with one of them.
	// Nothing says when its wait has begun (an event sent before then is
	// not "next"), so the test sends one every 50ms until the answer comes;
	// the request's own 10s timeout bounds the loop.
	type result struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, b.url+"/api/v1/workflows/ln/events/next?timeout=10s", nil)
		req.Header.Set("Authorization", "Bearer "+b.token)
		resp, err := b.client.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: body, err: err}
	}()
	var (
		res  result
		sent = 0
	)
	for answered := false; !answered; {
		sent++
		b.trigger(w.TriggerURL, map[string]any{"n": 1 + sent})
		select {
		case res = <-done:
			answered = true
		case <-time.After(50 * time.Millisecond):
		}
	}
	var out struct {
		Event struct {
			Method string         `json:"method"`
			Body   map[string]any `json:"body"`
		} `json:"event"`
	}
	if res.err != nil || res.status != http.StatusOK || json.Unmarshal(res.body, &out) != nil {
		t.Fatalf("next event = %d %s (%v), want 200 with an event", res.status, res.body, res.err)
	}
	if n, _ := out.Event.Body["n"].(float64); n < 2 || n > float64(1+sent) || out.Event.Method != "POST" {
		t.Errorf("next event = %s, want one of the %d sent while waiting", res.body, sent)
	}
	for _, bad := range []string{"x", "-1s", "1h"} {
		wantError(t, b.api(http.MethodGet, "/api/v1/workflows/ln/events/next?timeout="+bad, nil), http.StatusBadRequest, "bad_request")
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/workflows/nope/events/next", nil), http.StatusNotFound, "not_found")
}

func TestNextEventStream(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(passDef("sse", b.recv.URL))
	req, _ := http.NewRequest(http.MethodGet, b.url+"/api/v1/workflows/sse/events/next?timeout=10s", nil)
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("stream = %d %q", resp.StatusCode, ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Scan() // ": listening" arrives before any event: the wait has begun
	b.trigger(w.TriggerURL, map[string]any{"hello": "stream"})
	var name, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
		if data != "" {
			break
		}
	}
	var msg struct {
		Event struct {
			Body map[string]any `json:"body"`
		} `json:"event"`
	}
	if err := json.Unmarshal([]byte(data), &msg); err != nil || name != "event" || msg.Event.Body["hello"] != "stream" {
		t.Errorf("stream message %q %q (%v), want the event", name, data, err)
	}

	// A stream with nothing to deliver ends with a timeout message.
	req, _ = http.NewRequest(http.MethodGet, b.url+"/api/v1/workflows/sse/events/next?timeout=200ms", nil)
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Accept", "text/event-stream")
	r := b.do(req)
	if !strings.Contains(string(r.body), "event: timeout") {
		t.Errorf("idle stream = %q, want a timeout message", r.body)
	}
}

func TestEditorServed(t *testing.T) {
	t.Parallel()
	b := setup(t)

	r := b.send(http.MethodGet, "/", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(r.body), `src="/assets/js/app.js"`) {
		t.Fatalf("GET / = %d %q", r.status, r.header.Get("Content-Type"))
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("index Cache-Control = %q, want no-cache", cc)
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("index CSP = %q", csp)
	}
	etag := r.header.Get("ETag")
	if r := b.send(http.MethodGet, "/", nil, "If-None-Match", etag); etag == "" || r.status != http.StatusNotModified {
		t.Errorf("revalidating the index with ETag %q = %d, want 304", etag, r.status)
	}

	// The single-page app's paths answer the index to a browser.
	for _, p := range []string{"/workflows/new", "/runs/abc", "/login"} {
		r := b.send(http.MethodGet, p, nil, "Accept", "text/html,application/xhtml+xml")
		if r.status != http.StatusOK || !strings.Contains(string(r.body), "<title>Hookflow</title>") {
			t.Errorf("GET %s from a browser = %d", p, r.status)
		}
	}
	// API paths never do.
	wantError(t, b.send(http.MethodGet, "/api/v1/nope", nil, "Accept", "text/html"), http.StatusNotFound, "not_found")
	wantError(t, b.send(http.MethodGet, "/hooks/nope/x", nil, "Accept", "text/html"), http.StatusNotFound, "not_found")

	// Every file the index and the scripts load is there, with its type.
	for p, ct := range map[string]string{
		"/assets/app.css": "text/css", "/assets/js/app.js": "javascript", "/assets/js/editor.js": "javascript",
		"/assets/js/list.js": "javascript", "/assets/js/runs.js": "javascript", "/assets/js/api.js": "javascript",
		"/assets/js/dom.js": "javascript", "/assets/js/diff.js": "javascript", "/assets/favicon.svg": "image/svg+xml",
	} {
		r := b.send(http.MethodGet, p, nil)
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), ct) || r.header.Get("ETag") == "" {
			t.Errorf("GET %s = %d %q", p, r.status, r.header.Get("Content-Type"))
		}
		if strings.Contains(string(r.body), "http://") || strings.Contains(string(r.body), "https://") {
			if p != "/assets/js/editor.js" && p != "/assets/favicon.svg" { // placeholders and the SVG namespace
				t.Errorf("%s refers to another host", p)
			}
		}
	}
	wantError(t, b.send(http.MethodGet, "/assets/nope.js", nil), http.StatusNotFound, "not_found")
	wantError(t, b.send(http.MethodGet, "/assets/../openapi.json", nil), http.StatusNotFound, "not_found")
}
