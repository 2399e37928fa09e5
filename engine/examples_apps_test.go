package engine

import (
	"encoding/json"
	"testing"

	"github.com/hookflow/hookflow/apps"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
)

func init() {
	exampleCases["failures-to-pagerduty"] = testFailuresToPagerDuty
	exampleSecrets["pagerduty_routing_key"] = "R0UT1NGK3Y00000000000000000000EX"
}

// testFailuresToPagerDuty: a workflow naming the template as its
// on_failure fails for good; PagerDuty (the receiver) is sent a trigger
// event, as its Events API v2 documents it, whose dedup key is the
// failing workflow's, so that a second failure joins the first alert.
func testFailuresToPagerDuty(t *testing.T, x *example) {
	x.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		switch h.Path {
		case "/orders":
			return receivertest.Reply{Status: 422, Body: `{"error": "bad order"}`}
		case "/pagerduty/v2/enqueue":
			return receivertest.Reply{Status: 202, Body: `{"status": "success", "message": "Event processed", "dedup_key": "hookflow-orders"}`}
		}
		return receivertest.Reply{}
	})
	orders := x.save(`{"format": "hookflow/v1", "id": "orders", "name": "Orders", "trigger": {"type": "webhook"},
	  "steps": [{"id": "notify", "type": "webhook", "url": "{{ vars.recv }}/orders"}],
	  "on_failure": "failures-to-pagerduty"}`)
	var failed []store.Run
	for _, id := range []string{"A-1", "A-2"} {
		r := x.waitFinished(x.accept(orders, `{"id": "`+id+`"}`))
		if r.Status != store.StatusFailed {
			t.Fatalf("orders run = %s (%q), want failed", r.Status, r.Error)
		}
		failed = append(failed, r)
	}
	waitUntil(t, "two PagerDuty events", func() bool { return len(x.recv.On("/pagerduty/v2/enqueue")) == 2 })
	for i, h := range x.recv.On("/pagerduty/v2/enqueue") {
		if h.Method != "POST" || h.Header.Get("Content-Type") != "application/json" {
			t.Errorf("event %d: %s %s", i, h.Method, h.Header.Get("Content-Type"))
		}
		got := mustJSON(t, h.Body).(map[string]any)
		details, _ := got["payload"].(map[string]any)["custom_details"].(map[string]any)
		var r store.Run
		for _, f := range failed {
			if details["run_id"] == f.ID {
				r = f
			}
		}
		if r.ID == "" {
			t.Fatalf("event %d names run %v, not a failed one", i, details["run_id"])
		}
		quoted, _ := json.Marshal(r.Error)
		jsonEqual(t, "event", h.Body, `{"routing_key": "`+x.secret("pagerduty_routing_key")+`", "event_action": "trigger", "dedup_key": "hookflow-orders",
		  "payload": {"summary": "Workflow Orders failed at step notify", "source": "hookflow", "severity": "error", "component": "orders",
		    "custom_details": {"run_id": "`+r.ID+`", "workflow": "orders", "workflow_name": "Orders", "step": "notify",
		      "error": `+string(quoted)+`, "failed_at": "`+details["failed_at"].(string)+`"}}}`)
	}
	runs, err := x.db.RunList(x.ctx, store.RunListParams{WorkflowID: "failures-to-pagerduty"})
	if err != nil || len(runs) != 2 {
		t.Fatalf("pagerduty runs = %d, %v; want 2", len(runs), err)
	}
	for _, run := range runs {
		if r := x.waitFinished(run.ID); r.Status != store.StatusSucceeded {
			t.Errorf("pagerduty run = %s (%q)", r.Status, r.Error)
		}
		out := mustJSON(t, x.resultsOf(run.ID, "page")[0].Output).(map[string]any)
		if body, _ := out["body"].(map[string]any); body["dedup_key"] != "hookflow-orders" || out["status"] != float64(202) {
			t.Errorf("page output %v, want PagerDuty's answer with the dedup key", out)
		}
	}
}

// appAddress is what an app step gives the field its action's URL starts
// with (a webhook's URL, a base URL), as JSON; "" where it gives none.
func appAddress(a *kinds.AppStep) string {
	app, ok := apps.Lookup(a.App)
	if !ok {
		return ""
	}
	action, ok := app.Action(a.Action)
	if !ok {
		return ""
	}
	parts, err := apps.Parse(action.Request.URL)
	if err != nil || parts[0].Field == "" {
		return ""
	}
	return string(a.With[parts[0].Field])
}
