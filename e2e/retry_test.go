package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// sendDefinition is one webhook step to url: %s the workflow id, %s the
// URL. Retries are quick and bounded.
const sendDefinition = `{
  "format": "hookflow/v1",
  "id": %q,
  "name": "Send to one receiver",
  "enabled": true,
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "send", "type": "webhook", "url": %q,
     "retry": {"max_attempts": 5, "initial": "100ms", "max": "300ms"}}
  ]
}`

// helloEvent is the event the retry tests send.
const helloEvent = `{"hello": "world"}`

// sendOnce starts a server with a workflow sending to url, triggers it
// once, waits for the run to finish and returns it.
func sendOnce(t *testing.T, url string) runDetail {
	t.Helper()
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(fmt.Sprintf(sendDefinition, "send", url))
	id := srv.triggerAll(srv.hookPath("send"), [][]byte{[]byte(helloEvent)})[0]
	srv.waitRuns("send", 1, 15*time.Second)
	return srv.run(id)
}

// TestRetryUntilDelivered: a receiver answering 500, 500, then 200 gets
// the event at the third attempt, each attempt under the same webhook-id.
func TestRetryUntilDelivered(t *testing.T) {
	t.Parallel()
	recv := receivertest.New(t)
	recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.N <= 2 {
			return receivertest.Reply{Status: http.StatusInternalServerError}
		}
		return receivertest.Reply{}
	})
	r := sendOnce(t, recv.URL+"/in")
	if r.Run.Status != "succeeded" {
		t.Errorf("run status %s (%s), want succeeded", r.Run.Status, r.Run.Error)
	}
	got := recv.Hits()
	if len(got) != 3 {
		t.Errorf("receiver got %d requests, want 3", len(got))
	}
	checkExactlyOnceEach(t, got, map[string]any{"world": jsonValue(t, helloEvent)}, func(b any) string {
		m, _ := b.(map[string]any)
		return fmt.Sprint(m["hello"])
	})
	want := []struct {
		status string
		code   int
	}{{"retrying", 500}, {"retrying", 500}, {"succeeded", 200}}
	if len(r.Steps) != len(want) {
		t.Fatalf("run shows %d step attempts, want 3: %+v", len(r.Steps), r.Steps)
	}
	for i, w := range want {
		if s := r.Steps[i]; s.Step != "send" || s.Attempt != i+1 || s.Status != w.status || s.StatusCode != w.code {
			t.Errorf("step attempt %d = %s #%d %s HTTP %d, want send #%d %s HTTP %d", i, s.Step, s.Attempt, s.Status, s.StatusCode, i+1, w.status, w.code)
		}
	}
}

// TestNoRetryOn400: a 400 is tried once and fails the run.
func TestNoRetryOn400(t *testing.T) {
	t.Parallel()
	recv := receivertest.New(t)
	recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Status: http.StatusBadRequest} })
	r := sendOnce(t, recv.URL+"/in")
	if r.Run.Status != "failed" || !strings.Contains(r.Run.Error, "400") {
		t.Errorf("run = %s (%q), want failed naming the 400", r.Run.Status, r.Run.Error)
	}
	if len(r.Steps) != 1 || r.Steps[0].Status != "failed" || r.Steps[0].StatusCode != http.StatusBadRequest {
		t.Errorf("step attempts %+v, want one, failed with HTTP 400", r.Steps)
	}
	if n := recv.Count(); n != 1 {
		t.Errorf("receiver got %d requests, want 1: a 400 is not retried", n)
	}
}

// TestRedirectNotFollowed: a 302 to another receiver is not followed; the
// run fails.
func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	elsewhere := receivertest.New(t)
	redirecting := receivertest.New(t)
	redirecting.Answer(func(receivertest.Hit) receivertest.Reply {
		return receivertest.Reply{Status: http.StatusFound, Header: map[string]string{"Location": elsewhere.URL + "/moved"}}
	})
	r := sendOnce(t, redirecting.URL+"/in")
	if r.Run.Status != "failed" {
		t.Errorf("run = %s (%q), want failed", r.Run.Status, r.Run.Error)
	}
	if len(r.Steps) != 1 || r.Steps[0].StatusCode != http.StatusFound {
		t.Errorf("step attempts %+v, want one with HTTP 302", r.Steps)
	}
	if n := redirecting.Count(); n != 1 {
		t.Errorf("redirecting receiver got %d requests, want 1", n)
	}
	if n := elsewhere.Count(); n != 0 {
		t.Errorf("the redirect's target got %d requests, want none: redirects are not followed", n)
	}
}
