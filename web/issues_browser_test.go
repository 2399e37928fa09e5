package web_test

import (
	"fmt"
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// TestIssuesBrowser: the Issues page lists the failures of a workflow as
// one issue (its error, count and sample run), acknowledges and resolves
// it; the runs page's "Replay these" previews how many failed runs the
// filter selects, starts the bulk replay and follows it to its end.
func TestIssuesBrowser(t *testing.T) {
	b, u := loggedIn(t)
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Status: 400} })
	w := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": "orders", "name": "Orders", "trigger": {"type": "webhook"},
		"steps": [{"id": "send", "type": "webhook", "url": %q}]}`, b.recv.URL+"/orders"))
	var last string
	for i := range 3 {
		last = b.trigger(w.TriggerURL, map[string]any{"n": i})
		b.waitRun(last)
	}

	u.open("/issues")
	u.waitText(".issues-table", "orders", "send", "HTTP 400", "3")
	u.screenshot("editor-issues.png")
	row := `tr.issue-row`
	u.click(u.byRole("button", "Acknowledge: orders send HTTP 400"))
	u.waitJS("the issue acknowledged", `document.querySelector('tr.issue-row')?.classList.contains('issue-acknowledged')`)
	u.click(u.byRole("button", "Resolve: orders send HTTP 400"))
	u.waitJS("the issue resolved", `document.querySelector('tr.issue-row')?.classList.contains('issue-resolved')`)
	u.open("/issues?state=open")
	u.waitText(".page", "No issues match.")
	u.open("/issues?state=resolved")
	u.waitVisible(row)
	u.click(u.byRole("link", "Sample run of orders send"))
	u.waitPath("/runs/" + last)

	u.open("/runs?workflow=orders&status=failed")
	u.waitJS("three failed runs", `document.querySelectorAll('tr.run-row').length === 3`)
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{} })
	u.click("#replay-these")
	u.waitText("#bulk-replay-count", "3 failed runs of orders match")
	u.screenshot("editor-bulk-replay.png")
	u.click("#bulk-replay-start")
	u.waitText("#bulk-replay-state", "Done: 3 of 3 replayed.")
	if n := len(b.runIDs("workflow=orders&status=succeeded")); n != 3 {
		t.Errorf("succeeded replays = %d, want 3", n)
	}
}
