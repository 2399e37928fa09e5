package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTestURL: a workflow's test URL captures a request as the editor's
// sample, while the workflow is disabled too, and starts no run; the
// editor's Listen gets it; credentials are redacted as in a stored event.
func TestTestURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(`{"format": "hookflow/v1", "id": "shop", "name": "Shop", "enabled": false,
  "trigger": {"type": "webhook", "auth": {"type": "token", "secret": "s3cret-token-value"}},
  "steps": [{"id": "s", "type": "webhook", "url": "https://example.com/"}]}`)
	testURL := strings.Replace(w.TriggerURL, "/hooks/", "/hooks/test/", 1)
	if got := b.apiOK(http.MethodGet, "/api/v1/workflows/shop", nil, http.StatusOK)["test_url"]; got != testURL {
		t.Errorf("test_url = %v, want %s", got, testURL)
	}

	heard := make(chan map[string]any, 1)
	go func() {
		r := b.api(http.MethodGet, "/api/v1/workflows/shop/events/next?timeout=10s", nil)
		if r.status != http.StatusOK {
			heard <- map[string]any{"status": r.status}
			return
		}
		heard <- r.json(t)
	}()
	a := b.send(http.MethodPost, testURL, map[string]any{"order": "A-1"}, "Authorization", "Bearer not-checked")
	if a.status != http.StatusOK {
		t.Fatalf("test URL = %d %s, want 200", a.status, a.body)
	}
	if a.header.Get("Content-Security-Policy") == "" || a.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the test URL's answer is not inert: %v", a.header)
	}
	got := a.json(t)
	ev := got["event"].(map[string]any)
	if got["captured"] != true || ev["body"].(map[string]any)["order"] != "A-1" || ev["headers"].(map[string]any)["authorization"] != "[redacted]" {
		t.Errorf("captured = %v", got)
	}
	// Listen takes what is captured after it starts: capture again until
	// it answers.
	deadline := time.After(15 * time.Second)
	for heardIt := false; !heardIt; {
		select {
		case h := <-heard:
			e, _ := h["event"].(map[string]any)
			if e == nil || e["source"] != "test" || e["body"].(map[string]any)["order"] != "A-1" {
				t.Errorf("Listen heard %v, want the capture", h)
			}
			heardIt = true
		case <-time.After(100 * time.Millisecond):
			b.send(http.MethodPost, testURL, map[string]any{"order": "A-1"})
		case <-deadline:
			t.Fatal("Listen did not hear the capture")
		}
	}
	if runs := b.runIDs("workflow=shop"); len(runs) != 0 {
		t.Errorf("the test URL started %d runs", len(runs))
	}
	if a := b.send(http.MethodPost, "/hooks/test/no-such-key", map[string]any{}); a.status != http.StatusNotFound {
		t.Errorf("unknown key = %d, want 404", a.status)
	}
	if a := b.send(http.MethodPost, testURL, "{bad", "Content-Type", "application/json"); a.status != http.StatusBadRequest {
		t.Errorf("bad JSON = %d, want 400", a.status)
	}
}
