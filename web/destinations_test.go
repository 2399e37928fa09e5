package web_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// destinationsAnswer is GET /api/v1/destinations's answer.
type destinationsAnswer struct {
	Destinations []struct {
		ID                  string     `json:"id"`
		Key                 string     `json:"key"`
		State               string     `json:"state"`
		ConsecutiveFailures int        `json:"consecutive_failures"`
		LastError           string     `json:"last_error"`
		PausedUntil         *time.Time `json:"paused_until"`
		RunsWaiting         int        `json:"runs_waiting"`
	} `json:"destinations"`
}

// pauseDestination makes the bundle's receiver fail until the returned
// switch is set, and sends it runs of a workflow that pauses it after two
// failures; it returns once the destination is paused with runs waiting.
func (b *bundle) pauseDestination(runs int) (*atomic.Bool, destinationsAnswer) {
	b.t.Helper()
	var up atomic.Bool
	b.recv.Answer(func(receivertest.Hit) receivertest.Reply {
		if up.Load() {
			return receivertest.Reply{}
		}
		return receivertest.Reply{Status: http.StatusBadGateway}
	})
	w := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": "orders", "name": "Orders", "trigger": {"type": "webhook"},
		"steps": [{"id": "send", "type": "webhook", "url": %q, "pause_after": 2,
			"retry": {"max_attempts": 5, "initial": "100ms", "max": "100ms"}}]}`, b.recv.URL+"/orders"))
	for i := range runs {
		b.trigger(w.TriggerURL, map[string]any{"n": i})
	}
	var got destinationsAnswer
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.api(http.MethodGet, "/api/v1/destinations", nil).decode(b.t, &got)
		if len(got.Destinations) == 1 && got.Destinations[0].State == "paused" && got.Destinations[0].RunsWaiting == runs {
			return &up, got
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("destination not paused with %d runs waiting: %+v", runs, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDestinationsAPI: a destination that keeps failing is listed paused,
// with its failures, last error and the runs waiting on it; a viewer reads
// it but cannot resume it; an editor's "resume now" opens it and every
// waiting run is delivered.
func TestDestinationsAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	up, got := b.pauseDestination(4)
	d := got.Destinations[0]
	if d.Key != b.recv.URL || d.ID == "" || d.ConsecutiveFailures < 2 || d.PausedUntil == nil || d.LastError == "" {
		t.Errorf("destination = %+v, want %s paused after 2 failures, with its error", d, b.recv.URL)
	}
	attempts := b.recv.Count()
	if attempts > 2+4 { // the threshold, and calls in flight as it was reached
		t.Errorf("receiver got %d attempts, want the pause to stop them after 2", attempts)
	}

	b.addUser("viewer@example.com", "viewer", "viewer-pass-1")
	viewer := b.loginUser(b.url, "viewer@example.com", "viewer-pass-1")
	if r := b.send(http.MethodGet, "/api/v1/destinations", nil, "Cookie", viewer); r.status != http.StatusOK {
		t.Errorf("viewer GET destinations = %d\n%s", r.status, r.body)
	}
	r := b.send(http.MethodPost, "/api/v1/destinations/"+d.ID+"/resume", nil, "Cookie", viewer, "X-Hookflow", "1")
	wantError(t, r, http.StatusForbidden, "not_allowed")
	wantError(t, b.api(http.MethodPost, "/api/v1/destinations/https-nowhere.example-443/resume", nil), http.StatusNotFound, "not_found")

	up.Store(true)
	res := b.apiOK(http.MethodPost, "/api/v1/destinations/"+d.ID+"/resume", nil, http.StatusOK)
	if dest, _ := res["destination"].(map[string]any); dest["state"] != "open" {
		t.Errorf("resume = %v, want the destination open", res)
	}
	for _, id := range b.runIDs("workflow=orders") {
		if run := b.waitRun(id); run.Run.Status != "succeeded" {
			t.Errorf("run %s = %s, want succeeded", id, run.Run.Status)
		}
	}
	if _, ok := findAudit(b.audit(""), "admin token", "destination.resume", d.Key); !ok {
		t.Errorf("audit has no resume of %s: %+v", d.Key, b.audit(""))
	}
}
