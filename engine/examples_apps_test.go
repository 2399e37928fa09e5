package engine

import (
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
// on_failure fails twice for one cause; the failures make one issue, and
// PagerDuty (the receiver) is sent one trigger event, as its Events API v2
// documents it, naming the issue, whose dedup key is the failing
// workflow's, so that a later alert joins the first.
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
	// Both failures are of one issue: on_failure started once, as the
	// first opened it.
	waitUntil(t, "the PagerDuty run", func() bool {
		runs, err := x.db.RunList(x.ctx, store.RunListParams{WorkflowID: "failures-to-pagerduty"})
		return err == nil && len(runs) > 0
	})
	waitUntil(t, "the PagerDuty event", func() bool { return len(x.recv.On("/pagerduty/v2/enqueue")) > 0 })
	runs, err := x.db.RunList(x.ctx, store.RunListParams{WorkflowID: "failures-to-pagerduty"})
	if err != nil || len(runs) != 1 {
		t.Fatalf("pagerduty runs = %d, %v; want 1 for one issue", len(runs), err)
	}
	if r := x.waitFinished(runs[0].ID); r.Status != store.StatusSucceeded {
		t.Fatalf("pagerduty run = %s (%q)", r.Status, r.Error)
	}
	events := x.recv.On("/pagerduty/v2/enqueue")
	if len(events) != 1 {
		t.Fatalf("%d PagerDuty events, want 1", len(events))
	}
	h := events[0]
	if h.Method != "POST" || h.Header.Get("Content-Type") != "application/json" {
		t.Errorf("event: %s %s", h.Method, h.Header.Get("Content-Type"))
	}
	got := mustJSON(t, h.Body).(map[string]any)
	payload, _ := got["payload"].(map[string]any)
	details, _ := payload["custom_details"].(map[string]any)
	issue, _ := details["issue"].(map[string]any)
	if got["routing_key"] != x.secret("pagerduty_routing_key") || got["event_action"] != "trigger" || got["dedup_key"] != "hookflow-orders" ||
		payload["summary"] != "Workflow Orders failed at step notify" || payload["source"] != "hookflow" ||
		payload["severity"] != "error" || payload["component"] != "orders" {
		t.Errorf("event %s, want a trigger event of Events API v2 for workflow orders", h.Body)
	}
	if details["run_id"] != failed[0].ID || details["error"] != failed[0].Error || issue["class"] != "http_422" || issue["state"] != "open" {
		t.Errorf("custom_details %v, want the first failed run and its open http_422 issue", details)
	}
	out := mustJSON(t, x.resultsOf(runs[0].ID, "page")[0].Output).(map[string]any)
	if body, _ := out["body"].(map[string]any); body["dedup_key"] != "hookflow-orders" || out["status"] != float64(202) {
		t.Errorf("page output %v, want PagerDuty's answer with the dedup key", out)
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
