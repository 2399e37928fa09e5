package web_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestWorkflowListActivity: GET /api/v1/workflows gives each workflow's
// last run, its runs of the last 24 hours and its failures not followed by
// a success.
func TestWorkflowListActivity(t *testing.T) {
	t.Parallel()
	b := setup(t)
	mk := func(id, path string) workflow {
		return b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": %q, "name": %q, "trigger": {"type": "webhook"},
			"steps": [{"id": "send", "type": "webhook", "url": %q, "retry": {"max_attempts": 1}}]}`, id, id, b.recv.URL+path))
	}
	failing, fine := mk("failing", "/fail"), mk("fine", "/ok")
	mk("idle", "/ok")
	var last string
	for range 2 {
		last = b.trigger(failing.TriggerURL, map[string]any{})
		b.waitRun(last)
	}
	okRun := b.trigger(fine.TriggerURL, map[string]any{})
	b.waitRun(okRun)

	var got struct {
		Workflows []struct {
			ID       string `json:"id"`
			Activity struct {
				LastRun *struct {
					ID, Status, CreatedAt string
				} `json:"last_run"`
				Runs24h  int `json:"runs_24h"`
				Failures int `json:"failures"`
			} `json:"activity"`
		} `json:"workflows"`
	}
	b.api(http.MethodGet, "/api/v1/workflows", nil).decode(t, &got)
	if len(got.Workflows) != 3 {
		t.Fatalf("%d workflows", len(got.Workflows))
	}
	for _, w := range got.Workflows {
		a := w.Activity
		switch w.ID {
		case "failing":
			if a.LastRun == nil || a.LastRun.ID != last || a.LastRun.Status != "failed" || a.Runs24h != 2 || a.Failures != 2 {
				t.Errorf("failing: %+v (last run %+v)", a, a.LastRun)
			}
		case "fine":
			if a.LastRun == nil || a.LastRun.ID != okRun || a.LastRun.Status != "succeeded" || a.Runs24h != 1 || a.Failures != 0 {
				t.Errorf("fine: %+v", a)
			}
		case "idle":
			if a.LastRun != nil || a.Runs24h != 0 || a.Failures != 0 {
				t.Errorf("idle: %+v", a)
			}
		}
	}
}
