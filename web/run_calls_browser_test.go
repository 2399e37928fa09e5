package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestEditorBrowserParentAndChildRuns: the run page of a run whose
// workflow step started another links to that run, and the other's page
// links back to its parent.
func TestEditorBrowserParentAndChildRuns(t *testing.T) {
	b, u := loggedIn(t)
	b.create(`{"format": "hookflow/v1", "id": "lookup-customer", "name": "Look up a customer", "trigger": {"type": "manual"},
		"steps": [{"id": "found", "type": "transform", "expr": "{email: payload.email, tier: 'gold'}"}]}`)
	parent := b.create(`{"format": "hookflow/v1", "id": "orders", "name": "Orders", "trigger": {"type": "webhook"},
		"steps": [{"id": "enrich", "type": "workflow", "workflow": "lookup-customer", "payload": "{email: payload.email}", "wait": true},
		          {"id": "t", "type": "transform", "expr": "steps.enrich"}]}`)
	runID := b.trigger(parent.TriggerURL, map[string]any{"email": "ann@example.com"})
	if d := b.waitRun(runID); d.Run.Status != "succeeded" {
		t.Fatalf("run = %s (%s)", d.Run.Status, d.Run.Error)
	}
	var detail struct {
		Calls struct {
			Parent *struct {
				RunID string `json:"run_id"`
			} `json:"parent"`
			Children []struct {
				RunID string `json:"run_id"`
				Step  string `json:"step"`
			} `json:"children"`
		} `json:"calls"`
	}
	b.api(http.MethodGet, "/api/v1/runs/"+runID, nil).decode(t, &detail)
	if detail.Calls.Parent != nil || len(detail.Calls.Children) != 1 || detail.Calls.Children[0].Step != "enrich" {
		t.Fatalf("calls of the parent run = %+v, want one child, of step enrich", detail.Calls)
	}
	child := detail.Calls.Children[0].RunID
	if d := b.getRun(child); d.Run.Status != "succeeded" || d.Event.Source != "workflow" {
		t.Fatalf("child run = %+v (source %s)", d.Run, d.Event.Source)
	}

	u.open("/runs/" + runID)
	u.click(u.byRole("link", "Open the run step enrich started"))
	u.waitPath("/runs/" + child)
	u.waitText(".meta-grid", "Started by", "step enrich")
	if strings.Contains(u.eval(`document.querySelector('.run-page').textContent`), "Open its run") {
		t.Error("the child run, which starts none, links to a run of its own")
	}
	u.click(u.byRole("link", "Open the parent run (step enrich)"))
	u.waitPath("/runs/" + runID)
	u.waitVisible(u.byRole("link", "Open the run step enrich started"))
	if strings.Contains(u.eval(`document.querySelector('.meta-grid').textContent`), "Started by") {
		t.Error("the parent run says it was started by another")
	}
}
