package web_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// TestDashboardBrowser: a load of events through a webhook workflow (every
// fifth delivery refused) shows on the dashboard's charts, all of it,
// within a minute; the workflow's own view shows the same, another
// workflow's view none of it.
func TestDashboardBrowser(t *testing.T) {
	b, u := loggedIn(t)
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.PathN%5 == 0 {
			return receivertest.Reply{Status: 400}
		}
		return receivertest.Reply{}
	})
	w := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": "orders", "name": "Orders", "trigger": {"type": "webhook"},
		"steps": [{"id": "send", "type": "webhook", "url": %q}]}`, b.recv.URL+"/orders"))
	b.create(`{"format": "hookflow/v1", "id": "quiet", "name": "Quiet", "trigger": {"type": "webhook"}, "steps": []}`)
	const n = 50
	runs := make([]string, 0, n)
	for i := range n {
		runs = append(runs, b.trigger(w.TriggerURL, map[string]any{"n": i}))
	}
	for _, id := range runs {
		b.waitRun(id)
	}

	u.open("/dashboard")
	u.waitText("h1", "Dashboard")
	waitMinute(u, "the dashboard counts the load's runs",
		fmt.Sprintf(`document.querySelector('#dash-runs-summary')?.textContent.startsWith('%d runs: 40 succeeded, 10 failed')`, n))
	u.waitText("#dash-deliveries-summary", "50 attempts: 40 delivered, 10 failed", "(80% delivered)")
	u.waitText("#dash-latency-summary", "p50 ", "p95 ")
	u.waitText("#dash-backlog-summary", "queued or retrying runs")
	u.waitJS("four charts drawn", `document.querySelectorAll('section.dash-card canvas').length === 4`)
	for _, name := range []string{"Runs by status", "Delivery attempts by outcome", "Event to finish latency", "Backlog"} {
		u.waitVisible(u.byRole("heading", name))
		u.waitJS("the "+name+" chart labelled", fmt.Sprintf(`!!document.querySelector('[role="img"][aria-label=%q]')`, name+" chart"))
	}
	if got := u.eval(unnamedControls); got != "[]" {
		t.Errorf("dashboard controls without an accessible name: %s", got)
	}
	u.screenshot("editor-dashboard.png")

	// The last day and week hold the same runs.
	u.click(u.byRole("button", "Last week"))
	u.waitJS("the week range", `location.search.includes('range=week')`)
	u.waitText("#dash-runs-summary", "50 runs: 40 succeeded")

	// The workflow's page links to its own view.
	u.open("/workflows/orders")
	u.click(u.byRole("link", "Monitoring"))
	u.waitPath("/dashboard")
	u.waitText("h1", "Monitoring: orders")
	u.waitText("#dash-runs-summary", "50 runs: 40 succeeded, 10 failed")
	u.open("/dashboard?workflow=quiet")
	u.waitText("#dash-runs-summary", "0 runs")
}

// waitMinute waits, for a minute at most, until js is true: the page
// refreshes itself and rollups reach the store within seconds.
func waitMinute(u *ui, what, js string) {
	u.t.Helper()
	if _, err := chromedp.Run(u.ctx, chromedp.Poll[json.RawMessage](js, chromedp.WithPollingTimeout(time.Minute))); err != nil {
		u.fail("waiting until %s (%s): %v", what, js, err)
	}
}
