package triggers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/triggers"
	"github.com/hookflow/hookflow/workflows"
)

// hookBundle is a webhook receiver over a real engine and SQLite file.
type hookBundle struct {
	store store.Store
	eng   *engine.Engine
	hook  *triggers.Webhook
	srv   *httptest.Server
}

func setupHooks(t *testing.T, trusted string) *hookBundle {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hooks.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e, err := engine.New(engine.Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	proxies, err := triggers.ParseTrustedProxies(trusted)
	if err != nil {
		t.Fatal(err)
	}
	h := triggers.NewWebhook(triggers.WebhookConfig{Engine: e, TrustedProxies: proxies})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Serve(w, r, strings.TrimPrefix(r.URL.Path, "/hooks/"))
	}))
	t.Cleanup(srv.Close)
	return &hookBundle{store: s, eng: e, hook: h, srv: srv}
}

// save stores a workflow whose trigger is the given JSON and returns its URL.
func (b *hookBundle) save(t *testing.T, id, trigger string) string {
	t.Helper()
	w, err := workflows.Decode([]byte(`{"format": "hookflow/v1", "id": "` + id + `", "name": "` + id + `",
		"trigger": ` + trigger + `, "steps": [{"id": "t", "type": "transform", "expr": "payload"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.eng.SaveWorkflow(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	return b.srv.URL + "/hooks/" + res.Workflow.HookKey
}

func (b *hookBundle) post(t *testing.T, url, body string, header map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func (b *hookBundle) runs(t *testing.T, id string) int {
	t.Helper()
	runs, err := b.store.RunList(context.Background(), store.RunListParams{WorkflowID: id, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(runs)
}

func TestWebhookSchema(t *testing.T) {
	t.Parallel()
	b := setupHooks(t, "")
	url := b.save(t, "orders", `{"type": "webhook", "schema": {"type": "object", "required": ["id"],
		"properties": {"id": {"type": "integer"}, "items": {"type": "array", "items": {"properties": {"qty": {"minimum": 1}}}}}}}`)
	if r := b.post(t, url, `{"id": 7, "items": [{"qty": 2}]}`, nil); r.StatusCode != http.StatusAccepted {
		t.Fatalf("matching payload: %d, want 202", r.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"id": 7, "items": [{"qty": 2}, {"qty": 0}]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"path":"/items/1/qty"`) {
		t.Fatalf("mismatching payload: %d %s; want 422 naming /items/1/qty", resp.StatusCode, body)
	}
	if n := b.runs(t, "orders"); n != 1 {
		t.Fatalf("%d runs, want 1 (the mismatch must start nothing)", n)
	}
}

func TestWebhookAllowIPs(t *testing.T) {
	t.Parallel()
	b := setupHooks(t, "127.0.0.1")
	open := b.save(t, "open", `{"type": "webhook", "allow_ips": ["127.0.0.0/8"]}`)
	closed := b.save(t, "closed", `{"type": "webhook", "allow_ips": ["203.0.113.0/24"]}`)
	if r := b.post(t, open, `{}`, nil); r.StatusCode != http.StatusAccepted {
		t.Fatalf("allowed caller: %d, want 202", r.StatusCode)
	}
	if r := b.post(t, closed, `{}`, nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("caller outside allow_ips: %d, want 403", r.StatusCode)
	}
	// The peer 127.0.0.1 is a trusted proxy: X-Forwarded-For names the caller.
	if r := b.post(t, closed, `{}`, map[string]string{"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}); r.StatusCode != http.StatusAccepted {
		t.Fatalf("forwarded allowed caller: %d, want 202", r.StatusCode)
	}
	if r := b.post(t, open, `{}`, map[string]string{"X-Forwarded-For": "203.0.113.9"}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("forwarded caller outside allow_ips: %d, want 403", r.StatusCode)
	}
	if n := b.runs(t, "closed"); n != 1 {
		t.Fatalf("closed: %d runs, want 1", n)
	}
}

func TestWebhookRateLimit(t *testing.T) {
	t.Parallel()
	b := setupHooks(t, "")
	url := b.save(t, "limited", `{"type": "webhook", "rate_limit": {"per_second": 0.5, "burst": 3}}`)
	codes := map[int]int{}
	var retryAfter string
	for range 6 {
		r := b.post(t, url, `{}`, nil)
		codes[r.StatusCode]++
		if r.StatusCode == http.StatusTooManyRequests {
			retryAfter = r.Header.Get("Retry-After")
		}
	}
	if codes[http.StatusAccepted] != 3 || codes[http.StatusTooManyRequests] != 3 {
		t.Fatalf("answers %v; want 3 accepted then 3 rate limited", codes)
	}
	if retryAfter == "" || retryAfter == "0" {
		t.Fatalf("Retry-After %q; want a positive number of seconds", retryAfter)
	}
	if n := b.runs(t, "limited"); n != 3 {
		t.Fatalf("%d runs, want 3", n)
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	trusted, err := triggers.ParseTrustedProxies("10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ remote, xff, want string }{
		{"203.0.113.5:1234", "198.51.100.1", "203.0.113.5"},         // untrusted peer: XFF ignored
		{"10.1.2.3:1234", "198.51.100.1", "198.51.100.1"},           // trusted peer
		{"10.1.2.3:1234", "198.51.100.1, 10.9.9.9", "198.51.100.1"}, // chain of trusted proxies
		{"192.0.2.1:1234", "", "192.0.2.1"},                         // no header
		{"[::ffff:10.1.2.3]:1", "198.51.100.7", "198.51.100.7"},     // mapped peer
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := triggers.ClientIP(r, trusted); got != netip.MustParseAddr(c.want) {
			t.Errorf("ClientIP(%s, %q) = %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	if _, err := triggers.ParseTrustedProxies("nope"); err == nil {
		t.Error("a bad proxy entry parsed")
	}
}

// TestWebhookAcceptedAnswer: 202 with a JSON body naming the run stored.
func TestWebhookAcceptedAnswer(t *testing.T) {
	t.Parallel()
	b := setupHooks(t, "")
	url := b.save(t, "answer", `{"type": "webhook"}`)
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"n": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("answer %d %q, want 202 application/json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var got map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&got); err != nil || len(got) != 1 {
		t.Fatalf("body %q: %v; want one field, run_id", body, err)
	}
	runs, err := b.store.RunList(context.Background(), store.RunListParams{WorkflowID: "answer"})
	if err != nil || len(runs) != 1 || got["run_id"] != runs[0].ID {
		t.Errorf("run_id %v; stored runs %+v (%v)", got["run_id"], runs, err)
	}
}

// plainWriter hides every optional interface of the ResponseWriter it
// wraps: no write deadline, no flush.
type plainWriter struct{ http.ResponseWriter }

// TestWebhookAnswerWithoutDeadlines: where the response cannot be given a
// write deadline, the 202 is not written early (it could block the batch)
// but by the request's handler, the same answer.
func TestWebhookAnswerWithoutDeadlines(t *testing.T) {
	t.Parallel()
	b := setupHooks(t, "")
	b.save(t, "plain", `{"type": "webhook"}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hook.Serve(plainWriter{w}, r, strings.TrimPrefix(r.URL.Path, "/hooks/"))
	}))
	defer srv.Close()
	wf, err := b.store.WorkflowGet(context.Background(), "plain")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.URL+"/hooks/"+wf.HookKey, "application/json", strings.NewReader(`{"n": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != http.StatusAccepted || got.RunID == "" {
		t.Fatalf("answer %d %s (%v); want 202 with a run_id", resp.StatusCode, body, err)
	}
	if _, err := b.store.RunGet(context.Background(), got.RunID); err != nil {
		t.Errorf("RunGet(%s): %v", got.RunID, err)
	}
}
