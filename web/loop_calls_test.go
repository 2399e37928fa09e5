package web_test

import (
	"net/http"
	"testing"
)

// A workflow step inside a loop starts one run per item, each waited for,
// and the run page's calls list each by its path.
func TestLoopCallsWorkflow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.create(`{"format": "hookflow/v1", "id": "double", "name": "Double", "trigger": {"type": "manual"},
		"steps": [{"id": "d", "type": "transform", "expr": "{n: payload.n * 2}"}]}`)
	w := b.create(`{"format": "hookflow/v1", "id": "each-double", "name": "Each double", "trigger": {"type": "webhook"},
		"steps": [{"id": "each_n", "type": "for_each", "items": "payload.ns", "concurrency": 2, "steps": [
		  {"id": "call", "type": "workflow", "workflow": "double", "payload": "{n: item}", "wait": true}]},
		  {"id": "sum", "type": "transform", "expr": "{sum: steps.each_n.results[0].n + steps.each_n.results[1].n}"}]}`)
	run := b.trigger(w.TriggerURL, map[string]any{"ns": []int{1, 20}})
	d := b.waitRun(run)
	if d.Run.Status != "succeeded" {
		t.Fatalf("run = %s (%s)", d.Run.Status, d.Run.Error)
	}
	var detail struct {
		Steps []struct {
			Step   string         `json:"step"`
			Output map[string]any `json:"output"`
		} `json:"steps"`
		Calls struct {
			Children []struct {
				RunID string `json:"run_id"`
				Step  string `json:"step"`
			} `json:"children"`
		} `json:"calls"`
	}
	b.api(http.MethodGet, "/api/v1/runs/"+run, nil).decode(t, &detail)
	last := detail.Steps[len(detail.Steps)-1]
	if last.Step != "sum" || last.Output["sum"] != float64(42) {
		t.Errorf("last step = %+v, want sum 42", last)
	}
	if c := detail.Calls.Children; len(c) != 2 || c[0].Step == c[1].Step || c[0].RunID == c[1].RunID {
		t.Errorf("calls = %+v, want one run per item", c)
	}
}
