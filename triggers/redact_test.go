package triggers_test

import (
	"context"
	"net/http"
	"testing"
)

// TestStoredHeadersRedacted: the headers that carry a caller's credentials
// are stored with the event as "[redacted]", every one of them; the
// others are stored as sent.
func TestStoredHeadersRedacted(t *testing.T) {
	t.Parallel()
	b := setupHooks(t, "")
	url := b.save(t, "creds", `{"type": "webhook"}`)
	resp := b.post(t, url, `{"n": 1}`, map[string]string{
		"Authorization":       "Basic dXNlcjpwYXNzd29yZA==",
		"PROXY-AUTHORIZATION": "Basic cHJveHk6c2VjcmV0MQ==",
		"cookie":              "session=7c1e0f2a9b",
		"X-Plain":             "kept",
	})
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("answer %d, want 202", resp.StatusCode)
	}
	evs, err := b.store.EventListByWorkflow(context.Background(), "creds", 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("stored events %v (%v), want 1", evs, err)
	}
	h := evs[0].Headers
	for _, name := range []string{"authorization", "proxy-authorization", "cookie"} {
		if h[name] != "[redacted]" {
			t.Errorf("%s stored as %q, want [redacted]", name, h[name])
		}
	}
	if h["x-plain"] != "kept" {
		t.Errorf("x-plain stored as %q, want it as sent", h["x-plain"])
	}
}
