package web_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The webhook step's auth, body formats and response fields round-trip
// through the editor too (TestEditorBrowserRoundTrip).
func init() {
	roundTripDefs = append(roundTripDefs, `{
  "format": "hookflow/v1", "id": "rt-http", "name": "Round trip: HTTP",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "upload", "type": "webhook", "url": "https://api.example.com/files",
     "auth": {"type": "oauth2_client_credentials", "token_url": "https://auth.example.com/token", "client_id": "app",
              "client_secret": "{{ secrets.client_secret }}", "scopes": ["files.write", "files.read"],
              "audience": "https://api.example.com", "client_auth": "body"},
     "body": {"title": "{{ payload.title }}", "file.filename": "a.pdf", "file.content_base64": "{{ payload.pdf }}"},
     "body_format": "multipart", "response": "binary", "fail_on_status": [202, "5xx"]},
    {"id": "legacy", "type": "webhook", "url": "https://soap.example.com/orders",
     "auth": {"type": "api_key", "name": "key", "value": "{{ secrets.soap_key }}", "in": "query"},
     "body": "<order id=\"{{ payload.id }}\"/>", "body_format": "xml", "response": "text"},
    {"id": "crm", "type": "webhook", "url": "https://crm.example.com/leads",
     "auth": {"type": "basic", "username": "hookflow", "password": "{{ secrets.crm }}"},
     "body": {"email": "{{ payload.email }}"}, "body_format": "form"}
  ]
}`)
}

// TestEditorBrowserWebhookAuthAndBodyFormat: a webhook step's auth type
// and body format, picked in the editor from the kind's description, save,
// and an event's request arrives as a form with the bearer token.
func TestEditorBrowserWebhookAuthAndBodyFormat(t *testing.T) {
	b, u := loggedIn(t)
	u.acceptLeaving()

	u.click("#new-workflow")
	u.click("#gallery-blank")
	u.waitPath("/workflows/new")
	u.typeInto("#wf-name", "Form with auth")
	u.click(`[data-add-step="webhook"]`)
	u.fill(u.byLabel("URL"), b.recv.URL+"/form")
	u.click(u.mark("the Authentication section", `() => [...document.querySelectorAll('details.object > summary')].find((s) => s.textContent.includes('Authentication'))`))
	u.choose(`select[data-field^="steps"][data-field$=".auth.type"]`, "Bearer token")
	u.fill(u.byLabel("Token (bearer)"), "tok-typed-in-the-form")
	u.choose(`select[data-field^="steps"][data-field$=".body_format"]`, "Form (URL-encoded)")
	u.click("#save")
	u.waitJS("the new workflow's page opens", `/^\/workflows\/form-with-auth-[0-9a-f]+$/.test(location.pathname)`)
	id := strings.TrimPrefix(u.eval(`location.pathname`), "/workflows/")

	var wf workflow
	b.api(http.MethodGet, "/api/v1/workflows/"+id, nil).decode(t, &wf)
	runID := b.trigger(wf.TriggerURL, map[string]any{"name": "Ada", "n": 3})
	if done := b.waitRun(runID); done.Run.Status != "succeeded" {
		t.Fatalf("run = %s (%s)", done.Run.Status, done.Run.Error)
	}
	hits := b.recv.Hits()
	if len(hits) != 1 {
		t.Fatalf("the receiver got %d requests, want 1", len(hits))
	}
	r := httptest.NewRequest(hits[0].Method, hits[0].URI, bytes.NewReader(hits[0].Body))
	r.Header = hits[0].Header
	if err := r.ParseForm(); err != nil {
		t.Fatalf("ParseForm: %v", err)
	}
	if r.PostForm.Get("name") != "Ada" || r.PostForm.Get("n") != "3" {
		t.Errorf("form = %v (content type %q)", r.PostForm, r.Header.Get("Content-Type"))
	}
	if got := r.Header.Get("Authorization"); got != "Bearer tok-typed-in-the-form" {
		t.Errorf("Authorization = %q", got)
	}
}
