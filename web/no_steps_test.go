package web_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestHookNoSteps: a workflow created with a name and a trigger only has
// its trigger URL at once; a POST to it is stored and its run succeeds;
// its export ("steps": []) imports again unchanged.
func TestHookNoSteps(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(`{"format": "hookflow/v1", "id": "first", "name": "First",
		"trigger": {"type": "webhook", "methods": ["POST"]}}`)
	if w.TriggerURL == "" {
		t.Fatalf("no trigger URL: %+v", w)
	}
	runID := b.trigger(w.TriggerURL, map[string]any{"order": "A-1", "amount": 12})
	run := b.waitRun(runID)
	if run.Run.Status != "succeeded" {
		t.Fatalf("run = %+v, want succeeded", run.Run)
	}
	if len(run.Steps) != 0 {
		t.Errorf("%d step results, want none", len(run.Steps))
	}
	jsonEqual(t, mustMarshal(t, run.Event.Body), map[string]any{"order": "A-1", "amount": 12})

	r := b.api(http.MethodGet, "/api/v1/export?id=first", nil)
	if r.status != http.StatusOK {
		t.Fatalf("export = %d %s", r.status, r.body)
	}
	var exp map[string]any
	r.decode(t, &exp)
	if steps, ok := exp["steps"].([]any); !ok || len(steps) != 0 {
		t.Errorf("exported steps = %#v, want []", exp["steps"])
	}
	if again := b.importDefs(string(r.body)); again[0].Changed || again[0].Revision != 1 {
		t.Errorf("re-import of the export = %+v", again)
	}

	// A sync trigger with no steps answers with the payload it got.
	sync := b.create(`{"format": "hookflow/v1", "id": "echo", "name": "Echo",
		"trigger": {"type": "webhook", "response": {"mode": "sync"}}}`)
	r = b.send(http.MethodPost, sync.TriggerURL, map[string]any{"ping": 1})
	if r.status != http.StatusOK {
		t.Fatalf("sync trigger = %d %s", r.status, r.body)
	}
	jsonEqual(t, r.body, map[string]any{"ping": 1})
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
