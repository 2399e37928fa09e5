package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// TestLoopSurvivesKill: a run whose loop sends 500 items, one by one, to a
// receiver is killed with SIGKILL half-way; after a restart every item is
// delivered, and an item sent twice (the one in flight at the kill) has
// the same webhook-id both times, each item its own.
func TestLoopSurvivesKill(t *testing.T) {
	t.Parallel()
	const items = 500
	recv := receivertest.New(t)
	recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Delay: 5 * time.Millisecond} })
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(fmt.Sprintf(`{
  "format": "hookflow/v1", "id": "lines", "name": "Each line",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "each_line", "type": "for_each", "items": "payload.lines", "steps": [
      {"id": "send", "type": "webhook", "url": "%s/line/{{ index }}", "body": "item"}
    ]}
  ]
}`, recv.URL))
	var lines []string
	for i := range items {
		lines = append(lines, fmt.Sprintf(`{"n": %d}`, i))
	}
	payload := []byte(`{"lines": [` + strings.Join(lines, ",") + `]}`)
	if code, body, err := srv.trigger(srv.hookPath("lines"), payload); err != nil || code != http.StatusAccepted {
		t.Fatalf("trigger: %d %s, %v", code, body, err)
	}
	waitFor(t, 20*time.Second, "a hundred items delivered", func() (bool, string) {
		n := recv.Count()
		return n >= 100, fmt.Sprint(n, " requests")
	})
	srv.kill()
	before := recv.Count()
	if before >= items {
		t.Fatalf("all %d items were delivered before the kill; the receiver is not slow enough for this test", items)
	}

	again := startServer(t, serverOptions{DB: srv.opts.DB})
	waitFor(t, 60*time.Second, fmt.Sprintf("%d items at the receiver", items), func() (bool, string) {
		n := distinctIDs(recv)
		return n >= items, fmt.Sprintf("%d distinct of %d requests", n, recv.Count())
	})
	runs := again.waitRuns("lines", 1, 15*time.Second)
	if runs[0].Status != "succeeded" {
		t.Errorf("run %s, want succeeded", runs[0].Status)
	}
	idOf := map[string]string{}  // path -> webhook-id
	owner := map[string]string{} // webhook-id -> path
	sent := map[string]int{}
	for _, h := range recv.Hits() {
		sent[h.Path]++
		if id, ok := idOf[h.Path]; ok && id != h.WebhookID() {
			t.Errorf("%s sent again with webhook-id %q, first %q", h.Path, h.WebhookID(), id)
		}
		if p, ok := owner[h.WebhookID()]; ok && p != h.Path {
			t.Errorf("webhook-id %q used by %s and %s", h.WebhookID(), p, h.Path)
		}
		idOf[h.Path], owner[h.WebhookID()] = h.WebhookID(), h.Path
		var body struct{ N int }
		if err := json.Unmarshal(h.Body, &body); err != nil || h.Path != fmt.Sprintf("/line/%d", body.N) {
			t.Errorf("%s got %s", h.Path, h.Body)
		}
	}
	twice := 0
	for i := range items {
		switch n := sent[fmt.Sprintf("/line/%d", i)]; {
		case n == 0:
			t.Errorf("item %d never delivered", i)
		case n > 1:
			twice++
		}
	}
	if twice > 1 {
		t.Errorf("%d items delivered more than once; only the one in flight at the kill may be", twice)
	}
	t.Logf("killed after %d requests; %d items delivered in %d requests", before, items, recv.Count())
}

// TestBenchLoopMode: hookflow bench --mode loop posts events of 100 items
// to a child server, whose loop delivers every item to the bench's
// receiver, and reports the items delivered.
func TestBenchLoopMode(t *testing.T) {
	t.Parallel()
	res := cli(t, nil, "bench", "--mode", "loop", "--connections", "2", "--json", "--quiet")
	if res.Code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", res.Code, res.Stdout, res.Stderr)
	}
	var out struct {
		Mode          string  `json:"mode"`
		Accepted      int     `json:"accepted"`
		Delivered     int     `json:"delivered"`
		Lost          int     `json:"lost"`
		DeliveredPerS float64 `json:"delivered_per_s"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil {
		t.Fatalf("%v in %s", err, res.Stdout)
	}
	if out.Mode != "loop" || out.Accepted != 2 || out.Delivered != 200 || out.Lost != 0 || out.DeliveredPerS <= 0 {
		t.Errorf("result = %+v, want 2 events, 200 items delivered", out)
	}
}
