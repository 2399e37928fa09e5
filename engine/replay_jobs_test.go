package engine

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/hookflow/hookflow/internal/receivertest"
	"github.com/hookflow/hookflow/store"
)

// TestBulkReplayFromFailedStep: two engines share a store; a bulk replay
// from the failed step is worked on by one of them at a time, replays each
// failed run once, and each replay starts at the step that failed: the
// first step's receiver is not called again.
func TestBulkReplayFromFailedStep(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var mended atomic.Bool
	b.recv.Answer(func(h receivertest.Hit) receivertest.Reply {
		if h.Path == "/second" && !mended.Load() {
			return receivertest.Reply{Status: 400}
		}
		return receivertest.Reply{}
	})
	other := b.newEngine(batchSpy{b.spy}, nil)
	b.start(other)
	wf := b.save(`{
  "format": "hookflow/v1", "id": "two-calls", "name": "Two calls",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "first", "type": "webhook", "url": "{{ vars.recv }}/first"},
    {"id": "second", "type": "webhook", "url": "{{ vars.recv }}/second"}
  ]
}`)
	const n = 40
	for i := range n {
		b.accept(wf, fmt.Sprintf(`{"n": %d}`, i))
	}
	waitUntil(t, "the failed runs", func() bool {
		c, err := b.db.RunCount(b.ctx, store.RunListParams{WorkflowID: wf.ID, Status: store.StatusFailed})
		return err == nil && c == n
	})
	mended.Store(true)
	firstCalls := func() int {
		c := 0
		for _, h := range b.recv.Hits() {
			if h.Path == "/first" {
				c++
			}
		}
		return c
	}
	before := firstCalls()

	count, sample, err := b.engine.BulkReplayPreview(b.ctx, BulkReplayParams{WorkflowID: wf.ID, Status: store.StatusFailed})
	if err != nil || count != n || len(sample) != replaySample {
		t.Fatalf("preview = %d, %d runs shown, %v; want %d, %d", count, len(sample), err, n, replaySample)
	}
	j, err := b.engine.BulkReplay(b.ctx, BulkReplayParams{WorkflowID: wf.ID, Status: store.StatusFailed,
		From: store.ReplayFromFailedStep, RatePerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the job done", func() bool {
		got, err := b.db.ReplayJobGet(b.ctx, j.ID)
		j = got
		return err == nil && got.State == store.ReplayDone
	})
	if j.Done != n || j.Failed != 0 || j.Total != n {
		t.Errorf("job = %+v, want %d replayed", j, n)
	}
	waitUntil(t, "the replays succeeded", func() bool {
		c, err := b.db.RunCount(b.ctx, store.RunListParams{WorkflowID: wf.ID, Status: store.StatusSucceeded})
		return err == nil && c == n
	})
	seen := map[string]int{}
	runs, err := b.db.RunList(b.ctx, store.RunListParams{WorkflowID: wf.ID, Status: store.StatusSucceeded, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		seen[r.ReplayOf]++
	}
	if len(seen) != n {
		t.Errorf("%d failed runs replayed, want %d", len(seen), n)
	}
	for of, c := range seen {
		if c != 1 || of == "" {
			t.Errorf("run %q replayed %d times", of, c)
		}
	}
	if got := firstCalls(); got != before {
		t.Errorf("the first step was called %d more times; the replays should start at the failed step", got-before)
	}

	_, err = b.engine.BulkReplay(b.ctx, BulkReplayParams{From: "middle"})
	if err == nil {
		t.Errorf("a bulk replay from %q was accepted", "middle")
	}
}
