package web_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEditorBrowserRunNowAndApprove: Run now starts a stored run with the
// payload typed in, and opens its page; there the waiting wait step shows
// its resume URL, and Approve resumes the run.
func TestEditorBrowserRunNowAndApprove(t *testing.T) {
	b, u := loggedIn(t)
	b.create(approvalWorkflow("approve", b.recv.URL))

	u.open("/workflows/approve")
	u.click("#run-now")
	u.waitVisible("#run-now-payload")
	if got := u.eval(`document.querySelector('label[for="run-now-payload"]').textContent`); got != "Payload (JSON)" {
		u.fail("payload label = %q", got)
	}
	u.fill("#run-now-payload", `{"id": "R-`)
	u.click("#run-now-start")
	u.waitText("#run-now-error", "Not JSON")
	u.fill("#run-now-payload", `{"id": "R-1"}`)
	u.click("#run-now-start")
	u.waitJS("the run page opens", `location.pathname.startsWith('/runs/')`)
	runID := strings.TrimPrefix(u.eval(`location.pathname`), "/runs/")

	approve := `button[aria-label="Approve step approval"]`
	u.waitVisible(approve)
	url := u.eval(`(() => { const l = [...document.querySelectorAll('label')].find((l) => l.textContent === 'Resume URL of step approval');
		return document.getElementById(l.htmlFor).value })()`)
	if !strings.HasPrefix(url, b.url+"/hooks/resume/") || strings.Contains(url, runID) {
		u.fail("resume URL = %q, want an unguessable one on %s", url, b.url)
	}
	u.click(approve)
	u.waitJS("the run succeeds", `!!document.querySelector('.page-head .pill.st-succeeded')`)

	run := b.getRun(runID)
	if run.Run.Status != "succeeded" || run.Event.Source != "manual" {
		t.Fatalf("run = %+v / source %q, want a succeeded manual run", run.Run, run.Event.Source)
	}
	done := b.recv.On("/done")
	if len(done) != 1 {
		t.Fatalf("%d requests to /done", len(done))
	}
	var got struct {
		Order    string `json:"order"`
		Approval struct {
			Resumed bool           `json:"resumed"`
			Body    map[string]any `json:"body"`
		} `json:"approval"`
	}
	if err := json.Unmarshal(done[0].Body, &got); err != nil || got.Order != "R-1" || !got.Approval.Resumed || got.Approval.Body["approved"] != true {
		t.Fatalf("done body = %s (%v)", done[0].Body, err)
	}
}

// The wait and workflow steps, every field of each, round-trip through the
// editor too (TestEditorBrowserRoundTrip).
func init() {
	roundTripDefs = append(roundTripDefs, `{
  "format": "hookflow/v1", "id": "rt-calls", "name": "Round trip: calls and waits",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "ask", "type": "webhook", "url": "https://chat.example.com/hook", "body": {"text": "Approve: {{ resumeURL(\"approval\") }}"}},
    {"id": "approval", "type": "wait", "timeout": "48h", "on_timeout": "continue"},
    {"id": "hold", "type": "wait"},
    {"id": "enrich", "type": "workflow", "workflow": "lookup", "payload": {"email": "{{ payload.email }}"}, "wait": true, "timeout": "5m"},
    {"id": "fire", "type": "workflow", "workflow": "lookup", "payload": "{email: payload.email}"},
    {"id": "pass", "type": "workflow", "workflow": "lookup"}
  ]
}`)
}
