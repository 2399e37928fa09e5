package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// TestWaitSurvivesKill: a run waiting for an approval survives a SIGKILL
// of the server; after a restart, a request to the resume URL it sent
// resumes it, once.
func TestWaitSurvivesKill(t *testing.T) {
	t.Parallel()
	recv := receivertest.New(t)

	srv := startServer(t, serverOptions{})
	srv.createWorkflow(fmt.Sprintf(`{
  "format": "hookflow/v1", "id": "approve", "name": "Approve",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "ask", "type": "webhook", "url": "%s/ask", "body": "{text: 'Approve order ' + payload.id + ': ' + resumeURL('approval')}"},
    {"id": "approval", "type": "wait", "timeout": "48h"},
    {"id": "done", "type": "webhook", "url": "%s/done", "body": "{order: payload.id, approved: steps.approval.body.approved}"}
  ]
}`, recv.URL, recv.URL))
	if code, _, err := srv.trigger(srv.hookPath("approve"), []byte(`{"id": "A-7"}`)); err != nil || code != http.StatusAccepted {
		t.Fatalf("trigger: %d, %v", code, err)
	}
	ask := recv.Wait(t, 1)[0]
	var msg struct{ Text string }
	if err := json.Unmarshal(ask.Body, &msg); err != nil {
		t.Fatalf("ask body %s: %v", ask.Body, err)
	}
	i := strings.Index(msg.Text, "http")
	if i < 0 {
		t.Fatalf("no link in %q", msg.Text)
	}
	link, err := url.Parse(msg.Text[i:])
	if err != nil || !strings.HasPrefix(link.Path, "/hooks/resume/") || !strings.HasPrefix(msg.Text[i:], srv.URL) {
		t.Fatalf("link %q: %v; want a resume URL on %s", msg.Text[i:], err, srv.URL)
	}
	waitFor(t, 5*time.Second, "the run to wait", func() (bool, string) {
		n := statusCounts(srv.runs("approve"))
		return n["waiting"] == 1, fmt.Sprint(n)
	})
	srv.kill()

	// The restarted server listens on another port: the link's path is
	// what names the run.
	again := startServer(t, serverOptions{DB: srv.opts.DB})
	time.Sleep(300 * time.Millisecond) // the restarted engine has claimed what was due
	if runs := again.runs("approve"); len(runs) != 1 || runs[0].Status != "waiting" {
		t.Fatalf("runs after the restart = %+v, want one still waiting", runs)
	}
	resume := func() (int, string) {
		resp, err := again.client.Post(again.URL+link.Path, "application/json", strings.NewReader(`{"approved": true}`))
		if err != nil {
			t.Fatalf("resume: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := resume(); code != http.StatusOK {
		t.Fatalf("resume = %d %s", code, body)
	}
	runs := again.waitRuns("approve", 1, 10*time.Second)
	if runs[0].Status != "succeeded" {
		t.Fatalf("run %s, want succeeded", runs[0].Status)
	}
	done := recv.On("/done")
	if len(done) != 1 || string(done[0].Body) != `{"approved":true,"order":"A-7"}` {
		t.Fatalf("done = %d requests, first %s", len(done), func() string {
			if len(done) > 0 {
				return string(done[0].Body)
			}
			return ""
		}())
	}
	if code, _ := resume(); code != http.StatusConflict {
		t.Errorf("second resume = %d, want 409", code)
	}
	if n := len(recv.On("/ask")); n != 1 {
		t.Errorf("the ask step ran %d times, want once", n)
	}
}
