package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// replayJob is the part of a bulk replay job the test reads.
type replayJob struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Total  int    `json:"total"`
	Done   int    `json:"done"`
	Failed int    `json:"failed"`
}

// TestBulkReplaySurvivesKill: a bulk replay of 1,000 failed runs is killed
// with SIGKILL mid-job; after a restart on the same database the job goes
// on where it was and ends with every failed run replayed exactly once
// (one replay run naming it), and every replay delivered.
func TestBulkReplaySurvivesKill(t *testing.T) {
	t.Parallel()
	const runs = 1000
	var mended atomic.Bool
	recv := receivertest.New(t)
	recv.Answer(func(receivertest.Hit) receivertest.Reply {
		if mended.Load() {
			return receivertest.Reply{}
		}
		return receivertest.Reply{Status: http.StatusBadRequest}
	})
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(fmt.Sprintf(`{
  "format": "hookflow/v1", "id": "orders", "name": "Orders",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "send", "type": "webhook", "url": "%s/orders/{{ payload.n }}"}]
}`, recv.URL))
	payloads := make([][]byte, runs)
	for i := range payloads {
		payloads[i] = fmt.Appendf(nil, `{"n": %d}`, i)
	}
	srv.triggerAll(srv.hookPath("orders"), payloads)
	filter := map[string]any{"workflow": "orders", "status": "failed", "dry": true}
	waitFor(t, 60*time.Second, "1,000 failed runs", func() (bool, string) {
		var preview struct{ Count int }
		srv.do("POST", "/api/v1/replays", filter, &preview)
		return preview.Count == runs, fmt.Sprint(preview.Count, " failed")
	})
	mended.Store(true)

	delete(filter, "dry")
	filter["rate_per_second"] = 50
	var started struct{ Job replayJob }
	if code := srv.do("POST", "/api/v1/replays", filter, &started); code != http.StatusAccepted || started.Job.Total != runs {
		t.Fatalf("POST /api/v1/replays = %d, %+v; want 202, 1,000 runs", code, started.Job)
	}
	job := func(s *server) replayJob {
		var out struct{ Job replayJob }
		if code := s.do("GET", "/api/v1/replays/"+started.Job.ID, nil, &out); code != http.StatusOK {
			t.Fatalf("GET /api/v1/replays/%s = %d", started.Job.ID, code)
		}
		return out.Job
	}
	waitFor(t, 60*time.Second, "a part of the runs replayed", func() (bool, string) {
		j := job(srv)
		return j.Done >= 150, fmt.Sprintf("%+v", j)
	})
	if j := job(srv); j.State != "running" || j.Done >= runs {
		t.Fatalf("job before the kill = %+v; it should be mid-way", j)
	}
	srv.kill()
	again := startServer(t, serverOptions{DB: srv.opts.DB})
	var end replayJob
	waitFor(t, 90*time.Second, "the job done", func() (bool, string) {
		end = job(again)
		return end.State == "done", fmt.Sprintf("%+v", end)
	})
	if !strings.Contains(again.output(), "bulk replay resumed") {
		t.Errorf("the restarted server did not say it resumed the job")
	}
	if end.Done != runs || end.Failed != 0 {
		t.Errorf("job at its end = %+v, want 1,000 replayed", end)
	}

	// Every failed run has exactly one replay.
	replays := map[string]int{}
	failed := 0
	cursor := ""
	for {
		var page struct {
			Runs []struct {
				ID       string `json:"id"`
				Status   string `json:"status"`
				ReplayOf string `json:"replay_of"`
			} `json:"runs"`
			NextCursor string `json:"next_cursor"`
		}
		if code := again.do("GET", "/api/v1/runs?limit=1000&workflow=orders&cursor="+url.QueryEscape(cursor), nil, &page); code != http.StatusOK {
			t.Fatalf("GET /api/v1/runs = %d", code)
		}
		for _, r := range page.Runs {
			if r.ReplayOf != "" {
				replays[r.ReplayOf]++
			} else if r.Status == "failed" {
				failed++
			}
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if failed != runs || len(replays) != runs {
		t.Errorf("%d failed runs, %d of them replayed; want %d, all", failed, len(replays), runs)
	}
	for of, n := range replays {
		if n != 1 {
			t.Errorf("run %s replayed %d times", of, n)
		}
	}
	// Every replay is delivered (a delivery in flight at the kill may come
	// twice, under the same webhook-id).
	waitFor(t, 60*time.Second, "every replay delivered", func() (bool, string) {
		n := distinctIDs(recv) - runs // the failed first deliveries
		return n >= runs, fmt.Sprint(n, " replays delivered")
	})
}
