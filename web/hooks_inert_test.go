package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// wantInert checks an answer to a trigger URL carries the headers that
// keep it inert in a browser on Hookflow's host.
func wantInert(t *testing.T, what string, r *answer) {
	t.Helper()
	if got := r.header.Get("Content-Security-Policy"); got != "sandbox; default-src 'none'" {
		t.Errorf("%s (%d): Content-Security-Policy = %q", what, r.status, got)
	}
	if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s (%d): X-Content-Type-Options = %q", what, r.status, got)
	}
}

// A sync workflow answering text/html with a caller's value in it would run
// the caller's script on Hookflow's host, the editor's: every answer under
// /hooks/ is sandboxed and never sniffed, whatever its outcome.
func TestHookAnswersInert(t *testing.T) {
	t.Parallel()
	b := setup(t)
	page := b.create(syncDef("page", "5s", `
    {"id": "reply", "type": "respond", "status": 200, "headers": {"Content-Type": "text/html; charset=utf-8"},
     "body": "'<h1>Thanks, ' + payload.name + '</h1>'"}`)).TriggerURL
	script := "<script>fetch('/api/v1/workflows')</script>"
	r := b.send(http.MethodPost, page, map[string]any{"name": script})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), script) || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("sync page = %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
	wantInert(t, "sync text/html answer", r)

	pass := b.create(passDef("pass", b.recv.URL)).TriggerURL
	wantInert(t, "202", b.send(http.MethodPost, pass, map[string]any{"a": 1}))
	wantInert(t, "400 bad JSON", b.send(http.MethodPost, pass, `{"a":`, "Content-Type", "application/json"))
	wantInert(t, "404 unknown key", b.send(http.MethodPost, "/hooks/nope", map[string]any{}))
	wantInert(t, "404 no route", b.send(http.MethodGet, "/hooks/a/b", nil, "Accept", "text/html"))
	wantInert(t, "404 /hooks", b.send(http.MethodGet, "/hooks", nil, "Accept", "text/html"))
	wantInert(t, "405", b.send(http.MethodPut, page, map[string]any{}))

	failing := b.create(syncDef("failing", "5s", fmt.Sprintf(`{"id": "call", "type": "webhook", "url": "%s/fail"}`, b.recv.URL))).TriggerURL
	wantInert(t, "502 failed sync run", b.send(http.MethodPost, failing, map[string]any{}))
	slow := b.create(syncDef("slow", "100ms", fmt.Sprintf(`{"id": "call", "type": "webhook", "url": "%s/slow"}`, b.recv.URL))).TriggerURL
	wantInert(t, "202 sync timeout", b.send(http.MethodPost, slow, map[string]any{}))

	limited := b.create(`{"format": "hookflow/v1", "id": "limited", "name": "Limited",
  "trigger": {"type": "webhook", "rate_limit": {"per_second": 0.001, "burst": 1}, "idempotency_key": "payload.id"},
  "steps": [{"id": "shape", "type": "transform", "expr": "payload"}]}`).TriggerURL
	wantInert(t, "202 first", b.send(http.MethodPost, limited, map[string]any{"id": "x"}))
	wantInert(t, "429", b.send(http.MethodPost, limited, map[string]any{"id": "x"}))
	dedup := b.create(`{"format": "hookflow/v1", "id": "dedup", "name": "Dedup",
  "trigger": {"type": "webhook", "idempotency_key": "payload.id"},
  "steps": [{"id": "shape", "type": "transform", "expr": "payload"}]}`).TriggerURL
	b.trigger(dedup, map[string]any{"id": "x"})
	r = b.send(http.MethodPost, dedup, map[string]any{"id": "x"})
	if r.status != http.StatusOK {
		t.Errorf("duplicate = %d %s", r.status, r.body)
	}
	wantInert(t, "200 duplicate", r)

	// gin answers a trailing slash itself, with a redirect, before any
	// handler runs.
	req, _ := http.NewRequest(http.MethodPost, pass+"/", strings.NewReader(`{}`))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantInert(t, "redirect", &answer{status: resp.StatusCode, header: resp.Header, body: body})
}

// A respond step may not set cookies, security headers or CORS: the
// workflow is refused when saved, naming the header.
func TestRespondHeadersRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := func(id, header string) string {
		return syncDef(id, "5s", fmt.Sprintf(`
    {"id": "shape", "type": "transform", "expr": "payload"},
    {"id": "reply", "type": "respond", "headers": {"X-Fine": "yes", %q: "v"}, "body": "payload"}`, header))
	}
	for i, h := range []string{"Set-Cookie", "set-cookie", "Set-Cookie2", "Content-Security-Policy", "Content-Security-Policy-Report-Only",
		"X-Content-Type-Options", "Access-Control-Allow-Origin", "access-control-allow-credentials", "Strict-Transport-Security",
		"X-Frame-Options", "Cross-Origin-Opener-Policy", "Permissions-Policy", "Referrer-Policy", "Clear-Site-Data", "Alt-Svc", "NEL"} {
		id := fmt.Sprintf("refused-%d", i)
		for _, m := range []string{http.MethodPost, http.MethodPut} {
			path := "/api/v1/workflows"
			if m == http.MethodPut {
				b.create(def(id, "X-Other"))
				path += "/" + id
			}
			e := wantError(t, b.api(m, path, def(id, h)), http.StatusUnprocessableEntity, "invalid_workflow")
			if e["field"] != "steps[1].headers."+h || e["step"] != "reply" {
				t.Errorf("%s %s: field, step = %v, %v; want steps[1].headers.%s, reply", m, h, e["field"], e["step"], h)
			}
		}
	}
	// Headers that shape only this answer are the author's.
	b.create(syncDef("fine", "5s", `{"id": "reply", "type": "respond", "status": 303,
    "headers": {"Location": "/thanks", "Link": "<https://example.com/p2>; rel=\"next\"", "Cache-Control": "no-store", "Content-Type": "text/plain"}}`))
	e := wantError(t, b.api(http.MethodPost, "/api/v1/import", def("imported", "Set-Cookie")), http.StatusUnprocessableEntity, "invalid_workflow")
	if e["field"] != "steps[1].headers.Set-Cookie" {
		t.Errorf("import: field = %v", e["field"])
	}
}

// A revision stored before such headers were refused still runs, and
// never sends them.
func TestRespondStoredRefusedHeadersDropped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	def := syncDef("old", "5s", `
    {"id": "reply", "type": "respond", "status": 200, "body": "{ok: true}",
     "headers": {"Set-Cookie": "hookflow_session=stolen; Path=/", "Content-Security-Policy": "script-src 'unsafe-inline'",
                 "Access-Control-Allow-Origin": "*", "X-Kept": "yes"}}`)
	if _, err := b.store.WorkflowSave(context.Background(), store.WorkflowSaveParams{
		ID: "old", Name: "Old", Enabled: true, Definition: []byte(def), HookKey: store.NewHookKey(), Now: time.Now(),
	}); err != nil {
		t.Fatalf("store the revision: %v", err)
	}
	var w workflow
	r := b.api(http.MethodGet, "/api/v1/workflows/old", nil)
	r.decode(t, &w)
	r = b.send(http.MethodPost, w.TriggerURL, map[string]any{})
	if r.status != http.StatusOK || r.header.Get("X-Kept") != "yes" {
		t.Fatalf("stored revision's answer = %d %v %s", r.status, r.header, r.body)
	}
	jsonEqual(t, r.body, map[string]any{"ok": true})
	for _, h := range []string{"Set-Cookie", "Access-Control-Allow-Origin"} {
		if v := r.header.Get(h); v != "" {
			t.Errorf("%s sent: %q", h, v)
		}
	}
	wantInert(t, "stored revision's answer", r)
}
