package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// TestStorageIncrSurvivesKill: a run whose loop counts each of 300 items
// in a storage step, then sends it, is killed with SIGKILL half-way; after
// a restart the run finishes and the count is exactly 300: an increment
// made before the kill and not yet recorded is not applied again.
func TestStorageIncrSurvivesKill(t *testing.T) {
	t.Parallel()
	const items = 300
	recv := receivertest.New(t)
	recv.Answer(func(receivertest.Hit) receivertest.Reply { return receivertest.Reply{Delay: 5 * time.Millisecond} })
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(fmt.Sprintf(`{
  "format": "hookflow/v1", "id": "tally", "name": "Tally",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "each_line", "type": "for_each", "items": "payload.lines", "steps": [
      {"id": "count", "type": "storage", "op": "incr", "key": "lines"},
      {"id": "send", "type": "webhook", "url": "%s/line/{{ index }}", "body": "{n: item.n, count: steps.count.value}"}
    ]}
  ]
}`, recv.URL))
	var lines []string
	for i := range items {
		lines = append(lines, fmt.Sprintf(`{"n": %d}`, i))
	}
	payload := []byte(`{"lines": [` + strings.Join(lines, ",") + `]}`)
	if code, body, err := srv.trigger(srv.hookPath("tally"), payload); err != nil || code != http.StatusAccepted {
		t.Fatalf("trigger: %d %s, %v", code, body, err)
	}
	waitFor(t, 20*time.Second, "a hundred items sent", func() (bool, string) {
		n := recv.Count()
		return n >= 100, fmt.Sprint(n, " requests")
	})
	srv.kill()
	before := recv.Count()
	if before >= items {
		t.Fatalf("all %d items were sent before the kill; the receiver is not slow enough for this test", items)
	}

	again := startServer(t, serverOptions{DB: srv.opts.DB})
	runs := again.waitRuns("tally", 1, 60*time.Second)
	if runs[0].Status != "succeeded" {
		t.Fatalf("run %s, want succeeded", runs[0].Status)
	}
	var page struct {
		Entries []struct {
			Key   string `json:"key"`
			Value int    `json:"value"`
		} `json:"entries"`
	}
	if code := again.do(http.MethodGet, "/api/v1/storage?scope=tally", nil, &page); code != http.StatusOK {
		t.Fatalf("GET storage = %d", code)
	}
	if len(page.Entries) != 1 || page.Entries[0].Key != "lines" || page.Entries[0].Value != items {
		t.Fatalf("keys = %+v, want lines = %d", page.Entries, items)
	}
	t.Logf("killed after %d requests; %d requests in all", before, recv.Count())
}
