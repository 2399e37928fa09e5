package web_test

import (
	"net/http"
	"testing"
)

// TestEditorBrowserWorkflowPicker: the workflow step's Workflow field
// offers the other stored workflows by name and id, leaves out the one
// being edited, says when a typed id is unknown, and saves what is picked.
func TestEditorBrowserWorkflowPicker(t *testing.T) {
	b, u := loggedIn(t)
	b.create(`{"format": "hookflow/v1", "id": "lookup-customer", "name": "Look up a customer", "trigger": {"type": "manual"},
		"steps": [{"id": "t", "type": "transform", "expr": "payload"}]}`)
	b.create(`{"format": "hookflow/v1", "id": "notify", "name": "Notify", "trigger": {"type": "manual"},
		"steps": [{"id": "t", "type": "transform", "expr": "payload"}]}`)
	b.create(`{"format": "hookflow/v1", "id": "caller", "name": "Caller", "trigger": {"type": "webhook"},
		"steps": [{"id": "enrich", "type": "workflow", "workflow": "notify", "wait": true}]}`)

	u.open("/workflows/caller")
	pick := u.byLabel("Workflow: pick a workflow")
	u.waitJS("the stored workflows are offered", `[...document.querySelectorAll('.workflow-pick option')].some((o) => o.textContent === 'Look up a customer (lookup-customer)')`)
	options := u.eval(`[...document.querySelector('.workflow-pick').options].map((o) => o.textContent + (o.selected ? '*' : '')).join('|')`)
	if options != "Pick a workflow…|Look up a customer (lookup-customer)|Notify (notify)*" {
		t.Errorf("the picker offers %q, want the other workflows by name and id, notify picked, caller left out", options)
	}
	u.waitVisible(u.byRole("link", "Open workflow notify"))

	u.choose(pick, "Look up a customer (lookup-customer)")
	if got := u.eval(`document.querySelector('[data-field="steps[0].workflow"]').value`); got != "lookup-customer" {
		t.Errorf("picking Look up a customer gives %q", got)
	}
	u.fill(u.byLabel("Workflow"), "no-such-flow")
	u.waitJS("a typed unknown id is said so", `document.querySelector('.workflow-pick').selectedOptions[0].textContent === 'no-such-flow (not found)'`)
	if u.eval(`String(document.querySelector('.workflow-pick-row a').hidden)`) != "true" {
		t.Error("an unknown workflow has an Open link")
	}
	u.fill(u.byLabel("Workflow"), "lookup-customer")
	u.waitJS("a typed known id is picked", `document.querySelector('.workflow-pick').selectedOptions[0].textContent === 'Look up a customer (lookup-customer)'`)

	u.click("#save")
	u.waitJS("saved", `/Saved revision/.test(document.getElementById('toast').textContent)`)
	var got struct {
		Definition struct {
			Steps []struct {
				Workflow string `json:"workflow"`
			} `json:"steps"`
		} `json:"definition"`
	}
	b.api(http.MethodGet, "/api/v1/workflows/caller", nil).decode(t, &got)
	if len(got.Definition.Steps) != 1 || got.Definition.Steps[0].Workflow != "lookup-customer" {
		t.Fatalf("saved steps = %+v, want the workflow step calling lookup-customer", got.Definition.Steps)
	}
}
