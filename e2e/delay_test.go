package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// TestDelaySurvivesKill is issue 4: a run waiting in a 3 s delay step
// survives a SIGKILL of the server, and its webhook is delivered after a
// restart, no earlier than 3 s after the event arrived.
func TestDelaySurvivesKill(t *testing.T) {
	t.Parallel()
	recv := receivertest.New(t)

	srv := startServer(t, serverOptions{})
	srv.createWorkflow(fmt.Sprintf(`{
  "format": "hookflow/v1", "id": "later", "name": "Three seconds later",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "wait", "type": "delay", "for": "3s"},
    {"id": "notify", "type": "webhook", "url": "%s/later"}
  ]
}`, recv.URL))
	sent := time.Now()
	if code, _, err := srv.trigger(srv.hookPath("later"), []byte(`{"n": 1}`)); err != nil || code != http.StatusAccepted {
		t.Fatalf("trigger: %d, %v", code, err)
	}
	waitFor(t, 5*time.Second, "the run to wait", func() (bool, string) {
		n := statusCounts(srv.runs("later"))
		return n["waiting"] == 1, fmt.Sprint(n)
	})
	srv.kill()

	again := startServer(t, serverOptions{DB: srv.opts.DB})
	waitFor(t, 15*time.Second, "the delayed delivery", func() (bool, string) {
		n := recv.Count()
		return n > 0, fmt.Sprintf("%d deliveries", n)
	})
	first := recv.Hits()[0].At
	if early := first.Sub(sent); early < 3*time.Second {
		t.Fatalf("delivered %v after the event, before the 3s delay", early)
	}
	runs := again.waitRuns("later", 1, 5*time.Second)
	if runs[0].Status != "succeeded" {
		t.Errorf("run %s, want succeeded", runs[0].Status)
	}
	time.Sleep(300 * time.Millisecond)
	if n := recv.Count(); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
}
