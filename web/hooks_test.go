package web_test

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestHookAcceptsJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("relay", b.recv.URL))
	r := b.send(http.MethodPost, w.TriggerURL, map[string]any{"id": "A-7", "status": "paid", "amount": 1250})
	if r.status != http.StatusAccepted {
		t.Fatalf("trigger = %d %s", r.status, r.body)
	}
	runID, _ := r.json(t)["run_id"].(string)
	if runID == "" {
		t.Fatalf("no run_id: %s", r.body)
	}
	// Written whole, in one piece, as soon as the event is durable.
	if cl := r.header.Get("Content-Length"); cl != fmt.Sprint(len(r.body)) {
		t.Errorf("Content-Length %q for a %d-byte answer", cl, len(r.body))
	}
	got := b.recv.Next(t)
	if got.Method != http.MethodPost || got.Path != "/orders/A-7" {
		t.Errorf("receiver got %s %s", got.Method, got.Path)
	}
	jsonEqual(t, got.Body, map[string]any{"order": "A-7", "total": 12.5})
	if got.Header.Get("webhook-id") == "" {
		t.Error("no webhook-id header")
	}
	if run := b.waitRun(runID); run.Run.Status != "succeeded" {
		t.Errorf("run = %+v", run.Run)
	}
}

// wantReceived gives the engine a moment, then checks the receiver got
// exactly n requests in all.
func (b *bundle) wantReceived(n int) {
	b.t.Helper()
	time.Sleep(100 * time.Millisecond)
	if got := len(b.recv.Hits()); got != n {
		b.t.Errorf("receiver got %d requests, want %d", got, n)
	}
}

func TestHookMalformedJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// pass sends the body on without reading it, so its body is only
	// checked; relay reads the payload, so its body is decoded as it
	// arrives. Both refuse the same bodies.
	workflows := map[string]string{
		"pass":  b.create(passDef("pass", b.recv.URL)).TriggerURL,
		"relay": b.create(relayDef("relay", b.recv.URL)).TriggerURL,
	}
	bodies := []string{`{"a": `, `{"a": 1} x`, `{"a": 1}]`, "{\"a\": \"\x01\"}", `{"a": "\q"}`}
	for id, url := range workflows {
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/vnd.api+json"} {
			for _, body := range bodies {
				r := b.send(http.MethodPost, url, body, "Content-Type", ct)
				wantError(t, r, http.StatusBadRequest, "bad_json")
			}
		}
		if ids := b.runIDs("workflow=" + id); len(ids) != 0 {
			t.Errorf("%s: runs after malformed JSON: %v", id, ids)
		}
	}
}

func TestHookFormBody(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(passDef("form", b.recv.URL))
	r := b.send(http.MethodPost, w.TriggerURL, "name=Ada+Lovelace&tag=a&tag=b", "Content-Type", "application/x-www-form-urlencoded")
	if r.status != http.StatusAccepted {
		t.Fatalf("form trigger = %d %s", r.status, r.body)
	}
	jsonEqual(t, b.recv.Next(t).Body, map[string]any{"name": "Ada Lovelace", "tag": []string{"a", "b"}})
}

func TestHookTextBody(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(passDef("text", b.recv.URL))
	r := b.send(http.MethodPost, w.TriggerURL, "hello, {world", "Content-Type", "text/plain")
	if r.status != http.StatusAccepted {
		t.Fatalf("text trigger = %d %s", r.status, r.body)
	}
	jsonEqual(t, b.recv.Next(t).Body, "hello, {world")
}

func TestHookQueryPayload(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(passDef("query", b.recv.URL))
	r := b.send(http.MethodGet, w.TriggerURL+"?user=7&ok=yes", nil)
	if r.status != http.StatusAccepted {
		t.Fatalf("GET trigger = %d %s", r.status, r.body)
	}
	jsonEqual(t, b.recv.Next(t).Body, map[string]any{"user": "7", "ok": "yes"})
}

func TestHookMethodNotAllowed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("posts", b.recv.URL)) // methods: POST
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		r := b.send(m, w.TriggerURL, nil)
		wantError(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
		if allow := r.header.Get("Allow"); allow != "POST" {
			t.Errorf("%s: Allow = %q", m, allow)
		}
	}
	if ids := b.runIDs("workflow=posts"); len(ids) != 0 {
		t.Errorf("runs: %v", ids)
	}
}

func TestHookBodyLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, withMaxBody(1<<10))
	w := b.create(passDef("small", b.recv.URL))
	fits := `{"pad": "` + strings.Repeat("x", 1000) + `"}`
	b.trigger(w.TriggerURL, fits)
	over := `{"pad": "` + strings.Repeat("x", 1100) + `"}`
	wantError(t, b.send(http.MethodPost, w.TriggerURL, over, "Content-Type", "application/json"), http.StatusRequestEntityTooLarge, "body_too_large")

	// Without a Content-Length (chunked) the limit holds while reading.
	req, _ := http.NewRequest(http.MethodPost, w.TriggerURL, io.MultiReader(strings.NewReader(over)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	wantError(t, b.do(req), http.StatusRequestEntityTooLarge, "body_too_large")

	if ids := b.runIDs("workflow=small"); len(ids) != 1 {
		t.Errorf("runs = %v, want only the one that fit", ids)
	}
}

// TestHookTruncatedBody: a body shorter than its Content-Length (the
// sender gave up half way) is refused with 400, and nothing is stored.
func TestHookTruncatedBody(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(passDef("cut", b.recv.URL))
	u, err := url.Parse(w.TriggerURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"id": 1, "pad": "`
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		u.Path, u.Host, len(body)+100, body)
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	wantError(t, &answer{status: resp.StatusCode, header: resp.Header, body: raw}, http.StatusBadRequest, "bad_request")
	if ids := b.runIDs("workflow=cut"); len(ids) != 0 {
		t.Errorf("runs = %v, want none", ids)
	}
}

func TestHookBodyDefaultLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(passDef("big", b.recv.URL))
	big := bytes.Repeat([]byte("a"), 2<<20)
	wantError(t, b.send(http.MethodPost, w.TriggerURL, big, "Content-Type", "text/plain"), http.StatusRequestEntityTooLarge, "body_too_large")
	req, _ := http.NewRequest(http.MethodPost, w.TriggerURL, io.MultiReader(bytes.NewReader(big)))
	req.ContentLength = -1
	wantError(t, b.do(req), http.StatusRequestEntityTooLarge, "body_too_large")
	// Just under the default limit is fine.
	b.trigger(w.TriggerURL, big[:1<<20-100])
	if ids := b.runIDs("workflow=big"); len(ids) != 1 {
		t.Errorf("runs = %v, want one", ids)
	}
}

func TestHookUnknownKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wantError(t, b.send(http.MethodPost, "/hooks/no-such-key", map[string]any{}), http.StatusNotFound, "not_found")
	wantError(t, b.send(http.MethodGet, "/hooks/no-such-key", nil), http.StatusNotFound, "not_found")
}

const githubSecret = "literal-github-secret-0451"

func githubSig(body string) string {
	m := hmac.New(sha256.New, []byte(githubSecret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestHookGitHubSignature(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := strings.Replace(passDef("gh", b.recv.URL), `{"type": "webhook"}`,
		fmt.Sprintf(`{"type": "webhook", "methods": ["POST"], "auth": {"type": "github", "secret": %q}}`, githubSecret), 1)
	w := b.create(def)
	body := `{"action": "opened", "number": 7}`

	r := b.send(http.MethodPost, w.TriggerURL, body, "Content-Type", "application/json", "X-Hub-Signature-256", githubSig(body))
	if r.status != http.StatusAccepted {
		t.Fatalf("signed = %d %s", r.status, r.body)
	}
	jsonEqual(t, b.recv.Next(t).Body, map[string]any{"action": "opened", "number": 7})

	tampered := `{"action": "opened", "number": 8}`
	for name, sig := range map[string]string{
		"other body": githubSig(body),
		"garbage":    "sha256=00",
		"no prefix":  strings.TrimPrefix(githubSig(tampered), "sha256="),
		"missing":    "",
	} {
		r := b.send(http.MethodPost, w.TriggerURL, tampered, "Content-Type", "application/json", "X-Hub-Signature-256", sig)
		wantError(t, r, http.StatusUnauthorized, "unauthorized")
		for _, leak := range []string{githubSecret, githubSig(tampered), strings.TrimPrefix(githubSig(tampered), "sha256=")} {
			if bytes.Contains(r.body, []byte(leak)) {
				t.Errorf("%s: the 401 holds %q: %s", name, leak, r.body)
			}
		}
	}
	b.wantReceived(1)
	if ids := b.runIDs("workflow=gh"); len(ids) != 1 {
		t.Errorf("runs = %v, want only the signed one", ids)
	}
}

func TestHookIdempotency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := strings.Replace(passDef("dedup", b.recv.URL), `{"type": "webhook"}`,
		`{"type": "webhook", "idempotency_key": "trigger.headers['x-delivery']"}`, 1)
	w := b.create(def)

	first := b.trigger(w.TriggerURL, map[string]any{"n": 1}, "X-Delivery", "d-1")
	r := b.send(http.MethodPost, w.TriggerURL, map[string]any{"n": 1}, "X-Delivery", "d-1")
	if r.status != http.StatusOK {
		t.Fatalf("duplicate = %d %s", r.status, r.body)
	}
	got := r.json(t)
	if got["run_id"] != first || got["duplicate"] != true {
		t.Errorf("duplicate = %v, want run_id %s and duplicate true", got, first)
	}
	other := b.trigger(w.TriggerURL, map[string]any{"n": 2}, "X-Delivery", "d-2")
	if other == first {
		t.Error("another delivery got the first run")
	}
	// Without the header there is no key: nothing is deduplicated.
	none1 := b.trigger(w.TriggerURL, map[string]any{"n": 3})
	none2 := b.trigger(w.TriggerURL, map[string]any{"n": 3})
	if none1 == none2 {
		t.Error("deliveries without a key were deduplicated")
	}
	for _, id := range []string{first, other, none1, none2} {
		b.waitRun(id)
	}
	if ids := b.runIDs("workflow=dedup"); len(ids) != 4 {
		t.Errorf("runs = %v, want four", ids)
	}
	b.wantReceived(4)
}

// A trigger whose secret cannot be rendered refuses every caller, without
// saying more than that.
func TestHookAuthMisconfigured(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := strings.Replace(passDef("nosecret", b.recv.URL), `{"type": "webhook"}`,
		`{"type": "webhook", "auth": {"type": "github", "secret": "{{ secrets.missing.value }}"}}`, 1)
	w := b.create(def)
	body := `{"a": 1}`
	r := b.send(http.MethodPost, w.TriggerURL, body, "Content-Type", "application/json", "X-Hub-Signature-256", githubSig(body))
	wantError(t, r, http.StatusUnauthorized, "unauthorized")
	if ids := b.runIDs("workflow=nosecret"); len(ids) != 0 {
		t.Errorf("runs = %v", ids)
	}
}

// A token trigger's credential is never stored with the event, whether it
// came in the header or the query.
func TestHookTokenRedacted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const token = "tok-redact-me-7781"
	def := strings.Replace(passDef("tok", b.recv.URL), `{"type": "webhook"}`,
		`{"type": "webhook", "auth": {"type": "token", "secret": "`+token+`", "header": "X-Token", "query": "token"}}`, 1)
	w := b.create(def)

	wantError(t, b.send(http.MethodPost, w.TriggerURL+"?token=nope", map[string]any{}), http.StatusUnauthorized, "unauthorized")
	ids := []string{
		b.trigger(w.TriggerURL+"?token="+token+"&keep=1", map[string]any{"via": "query"}),
		b.trigger(w.TriggerURL, map[string]any{"via": "header"}, "X-Token", token),
	}
	for _, id := range ids {
		run := b.waitRun(id)
		raw := b.api(http.MethodGet, "/api/v1/runs/"+id, nil).body
		if run.Run.Status != "succeeded" || bytes.Contains(raw, []byte(token)) {
			t.Errorf("run %s (%s) shows the token: %s", id, run.Run.Status, raw)
		}
	}
	raw := b.api(http.MethodGet, "/api/v1/workflows/tok/events", nil).body
	if bytes.Contains(raw, []byte(token)) || !bytes.Contains(raw, []byte("keep=1")) {
		t.Errorf("events = %s", raw)
	}
	for _, got := range b.recv.Hits() {
		if bytes.Contains(got.Body, []byte(token)) {
			t.Errorf("the receiver got the token: %s", got.Body)
		}
	}
}
