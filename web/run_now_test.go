package web_test

import (
	"net/http"
	"testing"
)

func TestRunNowStartsAStoredRunOfADisabledWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(passDef("by-hand", b.recv.URL))
	b.apiOK(http.MethodPost, "/api/v1/workflows/by-hand/disable", nil, http.StatusOK)

	got := b.apiOK(http.MethodPost, "/api/v1/workflows/"+w.ID+"/runs", map[string]any{"payload": map[string]any{"order": 7}}, http.StatusAccepted)
	id, _ := got["run_id"].(string)
	if id == "" {
		t.Fatalf("no run_id in %v", got)
	}
	run := b.waitRun(id)
	if run.Run.Status != "succeeded" || run.Run.Workflow != "by-hand" {
		t.Fatalf("run = %+v, want by-hand succeeded", run.Run)
	}
	if run.Event.Source != "manual" {
		t.Errorf("event source = %q, want manual", run.Event.Source)
	}
	hit := b.recv.Last()
	jsonEqual(t, hit.Body, map[string]any{"order": 7})
	if ids := b.runIDs("workflow=by-hand"); len(ids) != 1 || ids[0] != id {
		t.Errorf("stored runs = %v, want [%s]", ids, id)
	}
}

func TestRunNowRefusesBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(passDef("by-hand", b.recv.URL))
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/none/runs", map[string]any{"payload": 1}), http.StatusNotFound, "not_found")
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/by-hand/runs", `{"payload": `), http.StatusBadRequest, "bad_json")
	wantError(t, b.api(http.MethodPost, "/api/v1/workflows/by-hand/runs", `{"payload": 1e999}`), http.StatusBadRequest, "bad_json")
	if n := b.recv.Count(); n != 0 {
		t.Errorf("receiver got %d requests, want none", n)
	}
}
