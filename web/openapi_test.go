package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/store/sqlite"
	"github.com/hookflow/hookflow/web"
)

// openAPIServer is a server over a fresh store, enough to list its routes
// and serve the document.
func openAPIServer(t *testing.T) (*web.Server, string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookflow.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	hash, token, _, err := web.AdminToken(ctx, st, "")
	if err != nil {
		t.Fatalf("admin token: %v", err)
	}
	eng, err := engine.New(engine.Config{Store: st, Sender: actions.NewSender(actions.Config{}), Logger: quiet})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	return web.New(web.Config{Engine: eng, AdminTokenHash: hash, Logger: quiet}), token
}

// openAPIParts is the part of the document the test reads.
type openAPIParts struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// ginToOpenAPI turns "/api/v1/workflows/:id" into "/api/v1/workflows/{id}".
var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

func ginToOpenAPI(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// TestOpenAPIMatchesRoutes walks the router's real routes: every /api/v1
// route is documented, and every documented operation is a real route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	srv, _ := openAPIServer(t)
	var doc openAPIParts
	if err := json.Unmarshal(web.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q, want 3.x", doc.OpenAPI)
	}

	real := map[string]bool{} // "GET /api/v1/workflows/{id}"
	for _, r := range srv.Routes() {
		real[r.Method+" "+ginToOpenAPI(r.Path)] = true
	}
	documented := map[string]bool{}
	for p, item := range doc.Paths {
		for _, m := range httpMethods {
			if _, ok := item[m]; ok {
				documented[strings.ToUpper(m)+" "+p] = true
			}
		}
	}

	var undocumented, missing []string
	for k := range real {
		if strings.Contains(k, " /api/v1/") && !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !real[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(missing)
	for _, k := range undocumented {
		t.Errorf("route %s is not in web/openapi.json", k)
	}
	for _, k := range missing {
		t.Errorf("web/openapi.json documents %s, which the router does not have", k)
	}
	if len(documented) < 20 {
		t.Errorf("only %d operations documented", len(documented))
	}
}

// TestOpenAPIParametersAndRefs checks each path parameter is declared and
// each $ref points at something in the document.
func TestOpenAPIParametersAndRefs(t *testing.T) {
	t.Parallel()
	raw := web.OpenAPI()
	var whole map[string]any
	if err := json.Unmarshal(raw, &whole); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	type param struct {
		Name string `json:"name"`
		In   string `json:"in"`
	}
	for p, item := range doc.Paths {
		var shared []param
		if b, ok := item["parameters"]; ok {
			if err := json.Unmarshal(b, &shared); err != nil {
				t.Fatalf("%s parameters: %v", p, err)
			}
		}
		want := ginParam.FindAllString(strings.NewReplacer("{", ":", "}", "").Replace(p), -1)
		for _, m := range httpMethods {
			b, ok := item[m]
			if !ok {
				continue
			}
			var o struct {
				Parameters []param                    `json:"parameters"`
				Responses  map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(b, &o); err != nil {
				t.Fatalf("%s %s: %v", m, p, err)
			}
			if len(o.Responses) == 0 {
				t.Errorf("%s %s has no responses", m, p)
			}
			have := map[string]bool{}
			for _, x := range append(shared, o.Parameters...) {
				if x.In == "path" {
					have[x.Name] = true
				}
			}
			for _, w := range want {
				if !have[w[1:]] {
					t.Errorf("%s %s does not declare path parameter %s", m, p, w[1:])
				}
			}
		}
	}
	for _, ref := range regexp.MustCompile(`"\$ref": "#/([^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
		var node any = whole
		for _, part := range strings.Split(ref[1], "/") {
			m, ok := node.(map[string]any)
			if !ok {
				node = nil
				break
			}
			node = m[part]
		}
		if node == nil {
			t.Errorf("$ref #/%s points at nothing", ref[1])
		}
	}
	// The error shape every error answer uses is described.
	if !bytes.Contains(raw, []byte(`"Error"`)) {
		t.Error("the error shape is not in the document")
	}
}

// TestOpenAPIServed checks the document is served, behind the admin auth.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	srv, token := openAPIServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	resp, err := ts.Client().Get(ts.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the token: %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/openapi.json", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(buf.Bytes(), web.OpenAPI()) {
		t.Errorf("GET /api/v1/openapi.json = %d, %d bytes; want 200 and the embedded document", resp.StatusCode, buf.Len())
	}
}
