package engine

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// received rebuilds the request a receiver got, so that the standard
// library's parsers read it as a server would.
func received(h receivertest.Hit) *http.Request {
	r := httptest.NewRequest(h.Method, h.URI, bytes.NewReader(h.Body))
	r.Header = h.Header.Clone()
	return r
}

// oneStep is a workflow of one webhook step with the given fields, sent to
// the receiver's /hook.
func oneStep(id, fields string) string {
	return `{"format": "hookflow/v1", "id": "` + id + `", "name": "HTTP", "trigger": {"type": "webhook"},
  "steps": [{"id": "send", "type": "webhook", "url": "{{ vars.recv }}/hook",
    "retry": {"max_attempts": 2, "initial": "10ms", "max": "20ms"}, ` + fields + `}]}`
}

// TestWebhookBodyFormats: each body format arrives as its content type
// says, and the standard library's parser reads it back.
func TestWebhookBodyFormats(t *testing.T) {
	t.Parallel()
	pdf := []byte("%PDF-1.4\x00\x01\xff binary")
	payload := `{"name": "Ada Lovelace", "tags": ["vip", "new"], "doc": "` + base64.StdEncoding.EncodeToString(pdf) + `"}`
	cases := []struct {
		name, fields string
		check        func(t *testing.T, r *http.Request, body []byte)
	}{
		{"form", `"body_format": "form", "body": {"name": "{{ payload.name }}", "tags": "{{ payload.tags }}", "customer.email": "ada@example.com", "n": 3}`,
			func(t *testing.T, r *http.Request, _ []byte) {
				if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
					t.Errorf("content type %q", ct)
				}
				if err := r.ParseForm(); err != nil {
					t.Fatalf("ParseForm: %v", err)
				}
				if r.PostForm.Get("name") != "Ada Lovelace" || strings.Join(r.PostForm["tags"], ",") != "vip,new" ||
					r.PostForm.Get("customer[email]") != "ada@example.com" || r.PostForm.Get("n") != "3" {
					t.Errorf("form = %v", r.PostForm)
				}
			}},
		{"multipart", `"body_format": "multipart", "body": {"title": "Report for {{ payload.name }}",
        "file.filename": "report.pdf", "file.content_type": "application/pdf", "file.content_base64": "{{ payload.doc }}",
        "notes.filename": "notes.txt", "notes.content": "plain notes"}`,
			func(t *testing.T, r *http.Request, _ []byte) {
				if err := r.ParseMultipartForm(1 << 20); err != nil {
					t.Fatalf("ParseMultipartForm: %v", err)
				}
				if got := r.MultipartForm.Value["title"]; len(got) != 1 || got[0] != "Report for Ada Lovelace" {
					t.Errorf("title = %v", got)
				}
				for _, want := range []struct {
					field, filename, ctype string
					content                []byte
				}{{"file", "report.pdf", "application/pdf", pdf}, {"notes", "notes.txt", "text/plain; charset=utf-8", []byte("plain notes")}} {
					fhs := r.MultipartForm.File[want.field]
					if len(fhs) != 1 {
						t.Fatalf("%s: %d files", want.field, len(fhs))
					}
					f, err := fhs[0].Open()
					if err != nil {
						t.Fatal(err)
					}
					got, _ := io.ReadAll(f)
					f.Close()
					if fhs[0].Filename != want.filename || fhs[0].Header.Get("Content-Type") != want.ctype || !bytes.Equal(got, want.content) {
						t.Errorf("%s = %s %s %q, want %s %s %q", want.field, fhs[0].Filename, fhs[0].Header.Get("Content-Type"), got,
							want.filename, want.ctype, want.content)
					}
				}
			}},
		{"xml-object", `"body_format": "xml", "body": {"order.@id": "A-1", "order.customer": "{{ payload.name }}", "order.tag": "{{ payload.tags }}"}`,
			func(t *testing.T, r *http.Request, body []byte) {
				var order struct {
					XMLName  xml.Name `xml:"order"`
					ID       string   `xml:"id,attr"`
					Customer string   `xml:"customer"`
					Tags     []string `xml:"tag"`
				}
				if err := xml.Unmarshal(body, &order); err != nil {
					t.Fatalf("xml.Unmarshal(%s): %v", body, err)
				}
				if order.ID != "A-1" || order.Customer != "Ada Lovelace" || strings.Join(order.Tags, ",") != "vip,new" {
					t.Errorf("order = %+v from %s", order, body)
				}
				if ct := r.Header.Get("Content-Type"); ct != "application/xml" {
					t.Errorf("content type %q", ct)
				}
			}},
		{"xml-template", `"body_format": "xml", "body": "<ping><who>{{ payload.name }}</who></ping>"`,
			func(t *testing.T, _ *http.Request, body []byte) {
				var ping struct {
					Who string `xml:"who"`
				}
				if err := xml.Unmarshal(body, &ping); err != nil || ping.Who != "Ada Lovelace" {
					t.Errorf("ping = %+v, %v from %s", ping, err, body)
				}
			}},
		{"text", `"body_format": "text", "headers": {"Content-Type": "text/csv"}, "body": "name,tags\n{{ payload.name }},{{ join(payload.tags, ';') }}"`,
			func(t *testing.T, r *http.Request, body []byte) {
				if string(body) != "name,tags\nAda Lovelace,vip;new" || r.Header.Get("Content-Type") != "text/csv" {
					t.Errorf("text body %q, %s", body, r.Header.Get("Content-Type"))
				}
			}},
		{"json", `"body": {"who": "{{ payload.name }}"}`,
			func(t *testing.T, r *http.Request, body []byte) {
				jsonEqual(t, "json body", body, `{"who":"Ada Lovelace"}`)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			wf := b.save(oneStep("body-"+c.name, c.fields))
			run := b.accept(wf, payload)
			if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
				t.Fatalf("run %s: %s", r.Status, r.Error)
			}
			hits := b.recv.Hits()
			if len(hits) != 1 {
				t.Fatalf("%d requests", len(hits))
			}
			c.check(t, received(hits[0]), hits[0].Body)
			// The record holds the body as text where it is not JSON.
			rs := b.results(run)
			var in struct {
				Body any `json:"body"`
			}
			if err := json.Unmarshal(rs[0].Input, &in); err != nil || in.Body == nil {
				t.Errorf("recorded input %s: %v", rs[0].Input, err)
			}
		})
	}
}

// TestWebhookAuthTypes: each auth type arrives at the receiver as its
// scheme has it, and the credential is not in the run's records.
func TestWebhookAuthTypes(t *testing.T) {
	t.Parallel()
	const cred = "s3cr3t-literal-credential"
	cases := []struct {
		name, auth string
		check      func(r *http.Request) bool
	}{
		{"bearer", `{"type": "bearer", "token": "` + cred + `"}`,
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+cred }},
		{"basic", `{"type": "basic", "username": "ada", "password": "` + cred + `"}`,
			func(r *http.Request) bool { u, p, ok := r.BasicAuth(); return ok && u == "ada" && p == cred }},
		{"api-key-header", `{"type": "api_key", "name": "X-Api-Key", "value": "` + cred + `"}`,
			func(r *http.Request) bool { return r.Header.Get("X-Api-Key") == cred }},
		{"api-key-query", `{"type": "api_key", "name": "key", "value": "` + cred + `", "in": "query"}`,
			func(r *http.Request) bool {
				return r.URL.Query().Get("key") == cred && r.URL.Query().Get("keep") == "1"
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			def := strings.Replace(oneStep("auth-"+c.name, `"auth": `+c.auth), "/hook", "/hook?keep=1", 1)
			wf := b.save(def)
			run := b.accept(wf, `{"n": 1}`)
			if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
				t.Fatalf("run %s: %s", r.Status, r.Error)
			}
			hits := b.recv.Hits()
			if len(hits) != 1 || !c.check(received(hits[0])) {
				t.Fatalf("receiver got %d requests; the first: %v %v", len(hits), hits[0].URI, hits[0].Header)
			}
			for _, rs := range b.results(run) {
				if strings.Contains(string(rs.Input)+string(rs.Output)+rs.Error, cred) {
					t.Errorf("the credential is in the record: %s", rs.Input)
				}
			}
		})
	}
}

// tokenServer is an OAuth2 token endpoint on 127.0.0.1 that counts its
// fetches and gives tokens tok-1, tok-2, ... living expiresIn seconds.
type tokenServer struct {
	*httptest.Server
	fetches   atomic.Int32
	expiresIn int
	// slow holds each answer a moment, so that runs starting meanwhile
	// all want the token while it is being fetched.
	slow  bool
	mu    sync.Mutex
	forms []map[string][]string
	basic []string
}

func newTokenServer(t *testing.T, expiresIn int) *tokenServer {
	ts := &tokenServer{expiresIn: expiresIn}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		u, p, _ := r.BasicAuth()
		ts.mu.Lock()
		ts.forms = append(ts.forms, r.PostForm)
		ts.basic = append(ts.basic, u+":"+p)
		ts.mu.Unlock()
		if r.PostForm.Get("grant_type") != "client_credentials" || u != "app-id" || p != "app-secret" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error": "invalid_client"}`))
			return
		}
		if ts.slow {
			time.Sleep(200 * time.Millisecond)
		}
		n := ts.fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "tok-" + strconv.Itoa(int(n)), "token_type": "Bearer", "expires_in": ts.expiresIn})
	}))
	t.Cleanup(ts.Close)
	return ts
}

// oauth2Step is a workflow whose webhook step authorises with the token
// server's tokens.
func oauth2Step(id, tokenURL string) string {
	return oneStep(id, `"auth": {"type": "oauth2_client_credentials", "token_url": "`+tokenURL+`",
      "client_id": "app-id", "client_secret": "{{ secrets.client_secret }}", "scopes": ["orders.write", "orders.read"], "audience": "https://api.example"}`)
}

// secretsOf gives the engine fixed secrets.
func secretsOf(m map[string]any) func(context.Context) (map[string]any, error) {
	return func(context.Context) (map[string]any, error) { return m, nil }
}

// secretsConfig gives the engine the client secret the token server takes.
func secretsConfig(c *Config) {
	c.Secrets = secretsOf(map[string]any{"client_secret": "app-secret"})
}

// TestWebhookOAuth2OneFetch: 50 runs at once through the engine share one
// token fetch, and no token is in the runs' records.
func TestWebhookOAuth2OneFetch(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t, 3600)
	tokens.slow = true
	b := setup(t, withConfig(secretsConfig))
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Header.Get("Authorization") != "Bearer tok-1" {
			return receivertest.Reply{Status: 401}
		}
		return receivertest.Reply{}
	})
	wf := b.save(oauth2Step("oauth-once", tokens.URL))
	var runs []string
	for range 50 {
		runs = append(runs, b.accept(wf, `{"n": 1}`))
	}
	for _, run := range runs {
		if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
			t.Fatalf("run %s: %s", r.Status, r.Error)
		}
	}
	if n := tokens.fetches.Load(); n != 1 {
		t.Errorf("%d token fetches for 50 runs, want 1", n)
	}
	tokens.mu.Lock()
	if f := tokens.forms[0]; f["scope"][0] != "orders.write orders.read" || f["audience"][0] != "https://api.example" {
		t.Errorf("token request form = %v", f)
	}
	tokens.mu.Unlock()
	if hits := b.recv.Hits(); len(hits) != 50 {
		t.Errorf("%d deliveries, want 50", len(hits))
	}
	for _, run := range runs[:5] {
		for _, rs := range b.results(run) {
			if all := string(rs.Input) + string(rs.Output) + rs.Error; strings.Contains(all, "tok-1") || strings.Contains(all, "app-secret") {
				t.Errorf("a token or the client secret is in the record: %s %s", rs.Input, rs.Output)
			}
		}
	}
}

// TestWebhookOAuth2Refresh: a 401 from the target (the token revoked)
// makes one new fetch, and the request is sent again and succeeds.
func TestWebhookOAuth2Refresh(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t, 3600)
	b := setup(t, withConfig(secretsConfig))
	var revoked atomic.Bool
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		auth := h.Header.Get("Authorization")
		if auth == "Bearer tok-2" || (auth == "Bearer tok-1" && !revoked.Load()) {
			return receivertest.Reply{}
		}
		return receivertest.Reply{Status: 401}
	})
	wf := b.save(oauth2Step("oauth-refresh", tokens.URL))
	if r := b.waitFinished(b.accept(wf, `{"n": 1}`)); r.Status != store.StatusSucceeded {
		t.Fatalf("first run %s: %s", r.Status, r.Error)
	}
	revoked.Store(true)
	run := b.accept(wf, `{"n": 2}`)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded || r.Attempt != 1 {
		t.Fatalf("run after revocation %s (attempt %d): %s", r.Status, r.Attempt, r.Error)
	}
	if n := tokens.fetches.Load(); n != 2 {
		t.Errorf("%d token fetches, want 2 (one refresh)", n)
	}
	var auths []string
	for _, h := range b.recv.Hits() {
		auths = append(auths, h.Header.Get("Authorization"))
	}
	if want := "Bearer tok-1,Bearer tok-1,Bearer tok-2"; strings.Join(auths, ",") != want {
		t.Errorf("requests authorised %v, want %s", auths, want)
	}
}

// TestWebhookOAuth2Expiry: a token is used until shortly before it
// expires, then fetched again (an injected clock).
func TestWebhookOAuth2Expiry(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t, 3600)
	clock := newClock()
	egress, err := actions.ParseEgressAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	sender := actions.NewSender(actions.Config{Egress: egress, Now: clock.Now})
	t.Cleanup(sender.CloseIdleConnections)
	b := setup(t, withClock(clock), withConfig(func(c *Config) { secretsConfig(c); c.Sender = sender }))
	wf := b.save(oauth2Step("oauth-expiry", tokens.URL))
	runOnce := func() {
		t.Helper()
		if r := b.waitFinished(b.accept(wf, `{"n": 1}`)); r.Status != store.StatusSucceeded {
			t.Fatalf("run %s: %s", r.Status, r.Error)
		}
	}
	runOnce()
	clock.Advance(58 * time.Minute) // within the hour, before the last minute
	runOnce()
	if n := tokens.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches within the token's life, want 1", n)
	}
	clock.Advance(90 * time.Second) // in its last minute: refreshed
	runOnce()
	if n := tokens.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches after the token's life, want 2", n)
	}
	var auths []string
	for _, h := range b.recv.Hits() {
		auths = append(auths, h.Header.Get("Authorization"))
	}
	if want := "Bearer tok-1,Bearer tok-1,Bearer tok-2"; strings.Join(auths, ",") != want {
		t.Errorf("requests authorised %v, want %s", auths, want)
	}
}

// TestWebhookOAuth2BadClient: a token URL refusing the client fails the
// step at once, naming the provider's error code, never the secret.
func TestWebhookOAuth2BadClient(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t, 3600)
	b := setup(t, withConfig(func(c *Config) {
		c.Secrets = secretsOf(map[string]any{"client_secret": "wrong-secret"})
	}))
	wf := b.save(oauth2Step("oauth-bad", tokens.URL))
	run := b.accept(wf, `{"n": 1}`)
	r := b.waitFinished(run)
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "invalid_client") || strings.Contains(r.Error, "wrong-secret") {
		t.Fatalf("run %s: %q; want failed, naming invalid_client", r.Status, r.Error)
	}
	if len(b.recv.Hits()) != 0 {
		t.Errorf("the target was called without a token")
	}
}

// TestWebhookResponseFormats: text and binary response bodies, and
// fail_on_status failing a 2xx and a 5xx at once.
func TestWebhookResponseFormats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		switch h.Path {
		case "/accepted":
			return receivertest.Reply{Status: 202, Body: `{"queued":true}`}
		case "/down":
			return receivertest.Reply{Status: 503, Body: "down"}
		}
		return receivertest.Reply{Body: `{"a":1}`}
	})
	out := func(fields string) store.Run {
		t.Helper()
		wf := b.save(oneStep("resp-"+strconv.Itoa(len(b.recv.Hits())), fields))
		return b.waitFinished(b.accept(wf, `{}`))
	}
	r := out(`"response": "text"`)
	if rs := b.results(r.ID); r.Status != store.StatusSucceeded || !strings.Contains(string(rs[0].Output), `"body":"{\"a\":1}"`) {
		t.Errorf("text response: %s %s", r.Status, rs[0].Output)
	}
	r = out(`"response": "binary"`)
	if rs := b.results(r.ID); r.Status != store.StatusSucceeded || !strings.Contains(string(rs[0].Output), `"body":"`+base64.StdEncoding.EncodeToString([]byte(`{"a":1}`))+`"`) {
		t.Errorf("binary response: %s %s", r.Status, rs[0].Output)
	}
	wf := b.save(strings.Replace(oneStep("resp-202", `"fail_on_status": [202, "4xx"]`), "/hook", "/accepted", 1))
	r = b.waitFinished(b.accept(wf, `{}`))
	if r.Status != store.StatusFailed || !strings.Contains(r.Error, "202") {
		t.Errorf("202 listed in fail_on_status: run %s %q, want failed", r.Status, r.Error)
	}
	before := len(b.recv.Hits())
	wf = b.save(strings.Replace(oneStep("resp-5xx", `"fail_on_status": ["5xx"]`), "/hook", "/down", 1))
	r = b.waitFinished(b.accept(wf, `{}`))
	if r.Status != store.StatusFailed || len(b.recv.Hits()) != before+1 {
		t.Errorf("5xx listed in fail_on_status: run %s after %d attempts, want failed after 1", r.Status, len(b.recv.Hits())-before)
	}
}

// TestWebhookAuthTestRun: the editor's test shows the request with its
// credentials hidden and fetches no token; with send, the token is
// fetched and the request is authorised, and still nothing shows it.
func TestWebhookAuthTestRun(t *testing.T) {
	t.Parallel()
	tokens := newTokenServer(t, 3600)
	b := setup(t, withConfig(secretsConfig))
	c, err := workflows.Compile(decode(t, strings.Replace(oauth2Step("oauth-test-run", tokens.URL), "{{ vars.recv }}", b.recv.URL, 1)))
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	ev := jsonEvent(`{"n": 1}`)
	rep := b.engine.Test(b.ctx, c, &ev, TestOptions{})
	if rep.Status != store.StatusSucceeded || tokens.fetches.Load() != 0 || len(b.recv.Hits()) != 0 {
		t.Fatalf("test without send: %s %q, %d fetches, %d requests; want nothing sent", rep.Status, rep.Error, tokens.fetches.Load(), len(b.recv.Hits()))
	}
	ev = jsonEvent(`{"n": 1}`)
	rep = b.engine.Test(b.ctx, c, &ev, TestOptions{Send: true})
	if rep.Status != store.StatusSucceeded || tokens.fetches.Load() != 1 || len(b.recv.Hits()) != 1 {
		t.Fatalf("test with send: %s %q, %d fetches, %d requests", rep.Status, rep.Error, tokens.fetches.Load(), len(b.recv.Hits()))
	}
	if got := b.recv.Hits()[0].Header.Get("Authorization"); got != "Bearer tok-1" {
		t.Errorf("Authorization = %q", got)
	}
	for _, s := range rep.Steps {
		if all := string(s.Input) + string(s.Output) + s.Error; strings.Contains(all, "tok-1") || strings.Contains(all, "app-secret") {
			t.Errorf("the test report shows a credential: %s %s", s.Input, s.Output)
		}
	}
}
