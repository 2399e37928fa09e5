package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/web"
)

// onHost sends a request to the test server as if to host name host.
func (b *bundle) onHost(host, method, path string, body string, headers ...string) *answer {
	b.t.Helper()
	req, err := http.NewRequest(method, b.url+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// With an editor URL, the editor, its login and the admin API answer on
// its host name only, and trigger URLs on any other only: no trigger
// answer shares the editor's origin.
func TestEditorURLSplitsHosts(t *testing.T) {
	t.Parallel()
	b := setup(t, withBaseURL("https://hooks.example.test"), withEditorURL("https://admin.example.test/"))
	const admin, hooks = "admin.example.test", "hooks.example.test"
	auth := []string{"Authorization", "Bearer " + b.token, "Content-Type", "application/json"}

	r := b.onHost(admin, http.MethodPost, "/api/v1/workflows", syncDef("slow", "100ms",
		fmt.Sprintf(`{"id": "call", "type": "webhook", "url": "%s/slow"}`, b.recv.URL)), auth...)
	if r.status != http.StatusCreated {
		t.Fatalf("create on the editor's host = %d %s", r.status, r.body)
	}
	var w workflow
	r.decode(t, &w)
	key, ok := strings.CutPrefix(w.TriggerURL, "https://hooks.example.test/hooks/")
	if !ok {
		t.Fatalf("trigger_url = %q, want it on the base URL", w.TriggerURL)
	}

	// The editor's host name, with or without its default port.
	for _, host := range []string{admin, "ADMIN.example.test:443"} {
		if r := b.onHost(host, http.MethodGet, "/", "", "Accept", "text/html"); r.status != http.StatusOK || !strings.Contains(string(r.body), "<html") {
			t.Errorf("GET / on %s = %d", host, r.status)
		}
		if r := b.onHost(host, http.MethodGet, "/api/v1/workflows", "", auth...); r.status != http.StatusOK {
			t.Errorf("GET workflows on %s = %d %s", host, r.status, r.body)
		}
		if r := b.onHost(host, http.MethodPost, "/api/v1/session", `{"token": "`+b.token+`"}`, "Content-Type", "application/json"); r.status != http.StatusOK {
			t.Errorf("login on %s = %d %s", host, r.status, r.body)
		}
		r := b.onHost(host, http.MethodPost, "/hooks/"+key, `{}`, "Content-Type", "application/json")
		wantError(t, r, http.StatusNotFound, "not_found")
		wantInert(t, "trigger on the editor's host", r)
	}

	// Any other host name: trigger URLs only.
	for _, host := range []string{hooks, "127.0.0.1"} {
		r := b.onHost(host, http.MethodPost, "/hooks/"+key, `{}`, "Content-Type", "application/json")
		if r.status != http.StatusAccepted {
			t.Fatalf("trigger on %s = %d %s", host, r.status, r.body)
		}
		// A sync run past its timeout points to its status on the editor's URL.
		got := r.json(t)
		if id, _ := got["run_id"].(string); got["status_url"] != "https://admin.example.test/api/v1/runs/"+id {
			t.Errorf("status_url = %v", got["status_url"])
		}
		for _, req := range [][2]string{{http.MethodGet, "/"}, {http.MethodGet, "/api/v1/workflows"}, {http.MethodGet, "/assets/app.css"},
			{http.MethodPost, "/api/v1/session"}, {http.MethodGet, "/workflows/slow"}, {http.MethodGet, "/api/v1/openapi.json"}} {
			r := b.onHost(host, req[0], req[1], `{"token": "`+b.token+`"}`, append([]string{"Accept", "text/html"}, auth...)...)
			wantError(t, r, http.StatusNotFound, "not_found")
		}
	}
	// Probes call by address: health answers everywhere.
	for _, host := range []string{admin, hooks} {
		if r := b.onHost(host, http.MethodGet, "/healthz", ""); r.status != http.StatusOK {
			t.Errorf("healthz on %s = %d", host, r.status)
		}
	}
}

func TestCheckEditorURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		editor, base string
		ok           bool
	}{
		{"https://admin.example.com", "https://hooks.example.com", true},
		{"http://admin.internal:8080/", "https://hooks.example.com", true},
		{"https://admin.example.com", "", false},                                 // trigger URLs would be built on the editor's host
		{"https://Example.com", "https://example.com:443/", false},               // the same host
		{"https://admin.example.com/editor", "https://hooks.example.com", false}, // not an origin
		{"admin.example.com", "https://hooks.example.com", false},
		{"ftp://admin.example.com", "https://hooks.example.com", false},
	} {
		if err := web.CheckEditorURL(tc.editor, tc.base); (err == nil) != tc.ok {
			t.Errorf("CheckEditorURL(%q, %q) = %v; want ok %v", tc.editor, tc.base, err, tc.ok)
		} else if err != nil && !strings.Contains(err.Error(), "--") {
			t.Errorf("CheckEditorURL(%q, %q) = %v; want it to name the setting", tc.editor, tc.base, err)
		}
	}
}
