package postgres

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookflow/hookflow/engine"
	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// pausing delivers each event, pausing its destination after 3 failures in
// a row.
const pausing = `{
  "format": "hookflow/v1", "id": "pausing", "name": "Pausing",
  "trigger": {"type": "webhook", "methods": ["POST"]},
  "steps": [
    {"id": "deliver", "type": "webhook", "url": "{{ vars.recv }}/deliver", "timeout": "1s", "pause_after": 3,
     "body": "{n: payload.n, run: run.id}",
     "retry": {"max_attempts": 5, "initial": "1s", "max": "1s"}}
  ]
}`

// TestReplicasHonourPause: a destination paused by the failures one
// replica saw is paused for the other too: runs the other executes make
// no attempt, and wait; once the destination answers again, after the
// cool-down, every run is delivered exactly once.
func TestReplicasHonourPause(t *testing.T) {
	t.Parallel()
	testURL(t)
	clock := &fakeClock{now: time.Now().UTC().Truncate(time.Second)}
	c := newClusterClock(t, 1, clock.Now)
	var up atomic.Bool
	c.recv.Answer(func(receivertest.Hit) receivertest.Reply {
		if up.Load() {
			return receivertest.Reply{}
		}
		return receivertest.Reply{Status: http.StatusServiceUnavailable}
	})
	wf := c.save(pausing)
	key, err := engine.DestinationKey(c.recv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for n := range 3 {
		if status, _, err := c.post(c.replicas[0], wf.HookKey, fmt.Sprintf(`{"n": %d}`, n)); err != nil || status != http.StatusAccepted {
			t.Fatalf("post = %d, %v", status, err)
		}
	}
	c.waitUntil("the destination paused", func() bool { return !c.replicas[0].engine.PausedUntil(key).IsZero() })
	if got := c.recv.Count(); got != 3 {
		t.Fatalf("receiver got %d attempts, want 3 (the threshold)", got)
	}

	// Replica 0 stops, replica 1 starts: the pause holds for replica 1.
	if err := c.replicas[0].engine.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	other := c.addReplica("replica-1")
	c.waitUntil("replica-1 sees the pause", func() bool { return !other.engine.PausedUntil(key).IsZero() })
	for n := 3; n < 13; n++ {
		if status, _, err := c.post(other, wf.HookKey, fmt.Sprintf(`{"n": %d}`, n)); err != nil || status != http.StatusAccepted {
			t.Fatalf("post = %d, %v", status, err)
		}
	}
	clock.add(5 * time.Second) // the first runs' retries come due: they wait too
	c.waitUntil("every run waiting on the destination", func() bool {
		runs, err := other.db.RunRetryingWithError(context.Background(), "destination paused: "+key)
		if err != nil {
			t.Fatalf("RunRetryingWithError: %v", err)
		}
		return len(runs) == 13
	})
	if got := c.recv.Count(); got != 3 {
		t.Fatalf("receiver got %d attempts while paused, want still 3", got)
	}
	if len(other.spy.claimedRuns()) == 0 {
		t.Fatalf("replica-1 executed no run")
	}

	// After the cool-down replica 1 probes; the destination answers.
	up.Store(true)
	clock.add(time.Minute)
	c.waitUntil("the destination open", func() bool {
		all, err := other.db.DestinationList(context.Background())
		return err == nil && len(all) == 1 && all[0].State == store.DestinationOpen
	})
	// The runs are made due from now on, 50 a second (and those that
	// found the probe under way, a moment later): the clock moves on.
	c.waitUntil("every run delivered", func() bool {
		clock.add(10 * time.Millisecond)
		return c.unfinished(wf.ID) == 0
	})
	dels, total := c.deliveries()
	if len(dels) != 13 || total != 3+13 {
		t.Errorf("receiver got %d requests under %d webhook-ids, want 16 under 13 (3 failures, each run once)", total, len(dels))
		runs, err := other.db.RunList(context.Background(), store.RunListParams{WorkflowID: wf.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			t.Logf("run %s: %s attempt %d (%s)", r.ID, r.Status, r.Attempt, r.Error)
		}
	}
	for id, d := range dels {
		if d.n < 3 && d.hits != 2 || d.n >= 3 && d.hits != 1 {
			t.Errorf("webhook-id %s (event %d) sent %d times", id, d.n, d.hits)
		}
	}
}
