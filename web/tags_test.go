package web_test

import (
	"net/http"
	"testing"
)

// TestWorkflowTags: tags are kept with a workflow, and the list filters by
// one, in any case.
func TestWorkflowTags(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for id, tags := range map[string]string{"a": `["billing", "alerts"]`, "b": `["ops"]`, "c": `[]`} {
		b.apiOK(http.MethodPost, "/api/v1/workflows", []byte(`{"format": "hookflow/v1", "id": "`+id+`", "name": "`+id+`", "tags": `+tags+`,
  "trigger": {"type": "manual"}, "steps": [{"id": "s", "type": "transform", "expr": "payload"}]}`), http.StatusCreated)
	}
	got := b.apiOK(http.MethodGet, "/api/v1/workflows?tag=BILLING", nil, http.StatusOK)
	list := got["workflows"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != "a" {
		t.Fatalf("?tag=BILLING = %v, want a alone", list)
	}
	tags := list[0].(map[string]any)["definition"].(map[string]any)["tags"].([]any)
	if len(tags) != 2 || tags[0] != "billing" {
		t.Errorf("tags = %v", tags)
	}
	if all := b.apiOK(http.MethodGet, "/api/v1/workflows", nil, http.StatusOK)["workflows"].([]any); len(all) != 3 {
		t.Errorf("without a tag: %d workflows, want 3", len(all))
	}
}
