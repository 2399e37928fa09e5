package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// replayedWorkflow makes a workflow whose runs fail (its webhook answers
// 400), two failed runs a and b, and replays: a is replayed once more after
// the workflow is mended (its latest replay succeeds), b once before (its
// latest replay failed). It returns the workflow's id and the runs' ids.
func replayedWorkflow(t *testing.T, b *bundle, name string) (wf string, ids map[string]string) {
	t.Helper()
	def := func(path string) string {
		return fmt.Sprintf(`{"format": "hookflow/v1", "name": %q, "trigger": {"type": "webhook"},
			"steps": [{"id": "send", "type": "webhook", "url": %q, "retry": {"max_attempts": 1}}]}`, name, b.recv.URL+path)
	}
	w := b.create(def("/fail"))
	ids = map[string]string{}
	for _, n := range []string{"a", "b"} {
		ids[n] = b.trigger(w.TriggerURL, map[string]any{"run": n})
		if r := b.waitRun(ids[n]); r.Run.Status != "failed" {
			t.Fatalf("run %s: %s, want failed", n, r.Run.Status)
		}
	}
	replay := func(of string) string {
		t.Helper()
		id, _ := b.apiOK(http.MethodPost, "/api/v1/runs/"+of+"/replay", map[string]any{}, http.StatusAccepted)["run_id"].(string)
		b.waitRun(id)
		return id
	}
	ids["a1"] = replay(ids["a"]) // fails
	ids["b1"] = replay(ids["b"]) // fails
	b.apiOK(http.MethodPut, "/api/v1/workflows/"+w.ID, def("/ok"), http.StatusOK)
	ids["a2"] = replay(ids["a"]) // succeeds
	return w.ID, ids
}

// TestRunsReplays: a replay names its source (replay_of), a run's replays
// are listed with replay_of=, and unresolved=1 leaves out the failed runs
// whose latest replay succeeded.
func TestRunsReplays(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf, ids := replayedWorkflow(t, b, "Flaky")
	if r := b.getRun(ids["a2"]); r.Run.ReplayOf != ids["a"] || r.Run.Status != "succeeded" {
		t.Errorf("replay a2: replay_of %q, status %s; want %s, succeeded", r.Run.ReplayOf, r.Run.Status, ids["a"])
	}
	if r := b.getRun(ids["a1"]); r.Run.ReplayOf != ids["a"] || r.Run.Status != "failed" {
		t.Errorf("replay a1: replay_of %q, status %s", r.Run.ReplayOf, r.Run.Status)
	}
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"replay_of=" + ids["a"], []string{ids["a2"], ids["a1"]}},
		{"replay_of=" + ids["b"], []string{ids["b1"]}},
		{"replay_of=" + ids["a2"], []string{}},
		{"status=failed", []string{ids["b1"], ids["a1"], ids["b"], ids["a"]}},
		{"status=failed&unresolved=1", []string{ids["b1"], ids["a1"], ids["b"]}},
		{"status=failed&unresolved=0", []string{ids["b1"], ids["a1"], ids["b"], ids["a"]}},
		{"workflow=" + wf + "&unresolved=1", []string{ids["a2"], ids["b1"], ids["a1"], ids["b"]}},
	} {
		if got := b.runIDs(c.query); !slices.Equal(got, c.want) {
			t.Errorf("runs?%s = %v, want %v", c.query, got, c.want)
		}
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/runs?unresolved=yes", nil), http.StatusBadRequest, "bad_request")
}
