package web_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

// TestTemplatesRoute: GET /api/v1/templates offers every example with its
// sample; each definition saves as it is.
func TestTemplatesRoute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got := b.apiOK(http.MethodGet, "/api/v1/templates", nil, http.StatusOK)
	list := got["templates"].([]any)
	if len(list) < 8 {
		t.Fatalf("%d templates, want at least 8", len(list))
	}
	for _, item := range list {
		tpl := item.(map[string]any)
		sample, _ := tpl["sample"].(map[string]any)
		if tpl["name"] == "" || sample == nil || sample["body"] == nil || sample["method"] == "" {
			t.Errorf("template %v: name or sample missing", tpl["id"])
		}
		def, _ := json.Marshal(tpl["definition"])
		if _, err := workflows.Decode(def); err != nil {
			t.Fatalf("template %v: %v", tpl["id"], err)
		}
		b.apiOK(http.MethodPost, "/api/v1/workflows", def, http.StatusCreated)
	}
}
