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

	type listed struct {
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
	check := func(what string, got listed) {
		t.Helper()
		if len(got.Workflows) != 3 {
			t.Fatalf("%s: %d workflows", what, len(got.Workflows))
		}
		for _, w := range got.Workflows {
			a := w.Activity
			switch w.ID {
			case "failing":
				if a.LastRun == nil || a.LastRun.ID != last || a.LastRun.Status != "failed" || a.Runs24h != 2 || a.Failures != 2 {
					t.Errorf("%s: failing: %+v (last run %+v)", what, a, a.LastRun)
				}
			case "fine":
				if a.LastRun == nil || a.LastRun.ID != okRun || a.LastRun.Status != "succeeded" || a.Runs24h != 1 || a.Failures != 0 {
					t.Errorf("%s: fine: %+v", what, a)
				}
			case "idle":
				if a.LastRun != nil || a.Runs24h != 0 || a.Failures != 0 {
					t.Errorf("%s: idle: %+v", what, a)
				}
			}
		}
	}
	var got listed
	b.api(http.MethodGet, "/api/v1/workflows", nil).decode(t, &got)
	check("the whole list", got)
	// A page by each order shows the same activity, whatever of it the
	// order read of every workflow.
	for sort, first := range map[string]string{"name": "failing", "last_run": "fine", "failures": "failing"} {
		var page listed
		b.api(http.MethodGet, "/api/v1/workflows?limit=10&sort="+sort, nil).decode(t, &page)
		check("sort="+sort, page)
		if page.Workflows[0].ID != first {
			t.Errorf("sort=%s: %s first, want %s", sort, page.Workflows[0].ID, first)
		}
	}
}
