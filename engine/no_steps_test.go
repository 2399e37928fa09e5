package engine

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestNoStepsRecordsTheEvent: a workflow saved with a trigger and no step
// yet is valid; an event it accepts is stored whole and its run succeeds
// with no step result.
func TestNoStepsRecordsTheEvent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wf := b.save(`{"format": "hookflow/v1", "id": "bare", "name": "Bare",
		"trigger": {"type": "webhook", "methods": ["POST"]}}`)
	body := `{"order": "A-1", "amount": 1250}`
	id := b.accept(wf, body)
	run := b.waitFinished(id)
	if run.Status != "succeeded" {
		t.Fatalf("run status %s (%s), want succeeded", run.Status, run.Error)
	}
	if rs := b.results(id); len(rs) != 0 {
		t.Errorf("%d step results, want none: %+v", len(rs), rs)
	}
	ev, err := b.db.EventGet(b.ctx, run.EventID)
	if err != nil {
		t.Fatalf("EventGet: %v", err)
	}
	if !bytes.Equal(ev.Body, []byte(body)) {
		t.Errorf("event body %q, want %q", ev.Body, body)
	}

	// Its stored definition writes its steps as a list, so an export
	// imports again.
	got, err := b.db.WorkflowGet(b.ctx, "bare")
	if err != nil {
		t.Fatalf("WorkflowGet: %v", err)
	}
	var def map[string]any
	if err := json.Unmarshal(got.Definition, &def); err != nil {
		t.Fatalf("definition: %v", err)
	}
	if steps, ok := def["steps"].([]any); !ok || len(steps) != 0 {
		t.Errorf("stored steps = %#v, want []", def["steps"])
	}
}
