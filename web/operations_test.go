package web_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// TestRunControls: retry-now brings a retrying run's attempt forward (the
// receiver sees it at once, not in an hour), cancel ends a retrying run,
// and both answer 409 with a plain message for a finished run.
func TestRunControls(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply { return receivertest.Reply{Status: 503} })
	w := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "name": "Slow retries", "trigger": {"type": "webhook"},
		"steps": [{"id": "send", "type": "webhook", "url": %q, "retry": {"max_attempts": 5, "initial": "1h", "max": "1h"}}]}`, b.recv.URL+"/x"))
	id := b.trigger(w.TriggerURL, map[string]any{"n": 1})
	waitFor(t, "the run retrying", func() bool { return b.getRun(id).Run.Status == "retrying" })
	before := b.recv.Count()
	b.apiOK(http.MethodPost, "/api/v1/runs/"+id+"/retry-now", nil, http.StatusAccepted)
	waitFor(t, "the attempt made now", func() bool { return b.recv.Count() > before })
	waitFor(t, "the run retrying again", func() bool { return b.getRun(id).Run.Status == "retrying" })

	got := b.apiOK(http.MethodPost, "/api/v1/runs/"+id+"/cancel", nil, http.StatusOK)
	if run, _ := got["run"].(map[string]any); run["status"] != "cancelled" {
		t.Fatalf("cancel = %v, want the run cancelled", got)
	}
	e := wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+id+"/cancel", nil), http.StatusConflict, "conflict")
	if msg, _ := e["message"].(string); msg != "the run is cancelled, so it cannot be cancelled: it has finished" {
		t.Errorf("cancel of a finished run: %q", msg)
	}
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/"+id+"/retry-now", nil), http.StatusConflict, "conflict")
	wantError(t, b.api(http.MethodPost, "/api/v1/runs/nope/cancel", nil), http.StatusNotFound, "not_found")
}

// TestBulkReplayAndIssues: the failed runs of a workflow make one issue
// (acknowledged, then resolved, through the API); a dry bulk replay counts
// them, a real one replays each once and reports its progress.
func TestBulkReplayAndIssues(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply { return receivertest.Reply{Status: 400} })
	w := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "name": "Bad", "trigger": {"type": "webhook"},
		"steps": [{"id": "send", "type": "webhook", "url": %q}]}`, b.recv.URL+"/x"))
	for i := range 3 {
		b.waitRun(b.trigger(w.TriggerURL, map[string]any{"n": i}))
	}
	issues, _ := b.apiOK(http.MethodGet, "/api/v1/issues?workflow="+w.ID, nil, http.StatusOK)["issues"].([]any)
	if len(issues) != 1 {
		t.Fatalf("issues = %v, want 1", issues)
	}
	issue := issues[0].(map[string]any)
	if issue["count"] != float64(3) || issue["class"] != "http_400" || issue["step"] != "send" || issue["state"] != "open" {
		t.Errorf("issue = %v", issue)
	}
	id := issue["id"].(string)
	b.apiOK(http.MethodPost, "/api/v1/issues/"+id, map[string]any{"state": "acknowledged"}, http.StatusOK)
	if got, _ := b.apiOK(http.MethodGet, "/api/v1/issues?state=acknowledged", nil, http.StatusOK)["issues"].([]any); len(got) != 1 {
		t.Errorf("acknowledged issues = %v, want 1", got)
	}
	wantError(t, b.api(http.MethodPost, "/api/v1/issues/"+id, map[string]any{"state": "closed"}), http.StatusBadRequest, "bad_request")
	wantError(t, b.api(http.MethodGet, "/api/v1/issues?state=closed", nil), http.StatusBadRequest, "bad_request")

	filter := map[string]any{"workflow": w.ID, "status": "failed", "dry": true}
	preview := b.apiOK(http.MethodPost, "/api/v1/replays", filter, http.StatusOK)
	if sample, _ := preview["sample"].([]any); preview["count"] != float64(3) || len(sample) != 3 {
		t.Fatalf("preview = %v, want 3 runs", preview)
	}
	wantError(t, b.api(http.MethodPost, "/api/v1/replays", map[string]any{"from": "middle"}), http.StatusBadRequest, "bad_request")
	delete(filter, "dry")
	job, _ := b.apiOK(http.MethodPost, "/api/v1/replays", filter, http.StatusAccepted)["job"].(map[string]any)
	jobID, _ := job["id"].(string)
	if job["total"] != float64(3) || job["state"] != "running" {
		t.Fatalf("job = %v", job)
	}
	var done map[string]any
	waitFor(t, "the job done", func() bool {
		done, _ = b.apiOK(http.MethodGet, "/api/v1/replays/"+jobID, nil, http.StatusOK)["job"].(map[string]any)
		return done["state"] == "done"
	})
	if done["done"] != float64(3) || done["failed"] != float64(0) {
		t.Errorf("job at its end = %v, want 3 replayed", done)
	}
	if replays := b.runIDs("workflow=" + w.ID); len(replays) != 6 {
		t.Errorf("runs after the bulk replay = %d, want 6", len(replays))
	}
	wantError(t, b.api(http.MethodDelete, "/api/v1/replays/"+jobID, nil), http.StatusConflict, "conflict")
	if jobs, _ := b.apiOK(http.MethodGet, "/api/v1/replays", nil, http.StatusOK)["jobs"].([]any); len(jobs) != 1 {
		t.Errorf("jobs = %v, want 1", jobs)
	}
}

// waitFor polls cond until it holds, for a bounded time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
