package triggers_test

import (
	"net/http"
	"testing"
)

// Every answer Serve writes is inert, the 202 written early by Accept
// included.
func TestWebhookAnswersInert(t *testing.T) {
	t.Parallel()
	b := setupHooks(t, "")
	url := b.save(t, "inert", `{"type": "webhook", "methods": ["POST"]}`)
	for what, resp := range map[string]*http.Response{
		"202":          b.post(t, url, `{"a": 1}`, nil),
		"400 bad JSON": b.post(t, url, `{"a": `, nil),
		"400 1e400":    b.post(t, url, `{"a": 1e400}`, nil),
		"404":          b.post(t, b.srv.URL+"/hooks/nope", `{}`, nil),
	} {
		if resp.Header.Get("Content-Security-Policy") != "sandbox; default-src 'none'" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s (%d): not inert: %v", what, resp.StatusCode, resp.Header)
		}
	}
}
