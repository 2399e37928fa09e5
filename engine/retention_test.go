package engine

import (
	"errors"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// TestRetention: the retention loop prunes runs finished longer ago than
// Config.Retention, with their events, and never a run still waiting.
func TestRetention(t *testing.T) {
	t.Parallel()
	clk := newClock()
	b := setup(t, withClock(clk), withConfig(func(c *Config) {
		c.Retention = time.Hour
		c.RetentionEvery = 10 * time.Millisecond
	}))
	done := b.save(`{"format": "hookflow/v1", "id": "done", "name": "Done", "trigger": {"type": "webhook"},
  "steps": [{"id": "shape", "type": "transform", "expr": "{n: payload.n}"}]}`)
	wait := b.save(`{"format": "hookflow/v1", "id": "wait", "name": "Wait", "trigger": {"type": "webhook"},
  "steps": [{"id": "later", "type": "delay", "for": "24h"}, {"id": "shape", "type": "transform", "expr": "1"}]}`)
	old := []string{b.accept(done, `{"n":1}`), b.accept(done, `{"n":2}`)}
	waiting := b.accept(wait, `{"n":3}`)
	for _, id := range old {
		b.waitStatus(id, store.StatusSucceeded)
	}
	b.waitStatus(waiting, store.StatusWaiting)

	// Half an hour on, a run finished since then joins them.
	clk.Advance(30 * time.Minute)
	recent := b.accept(done, `{"n":4}`)
	b.waitStatus(recent, store.StatusSucceeded)
	time.Sleep(50 * time.Millisecond) // a few rounds of the loop: nothing is old enough yet
	for _, id := range append(old, recent) {
		if _, err := b.db.RunGet(b.ctx, id); err != nil {
			t.Fatalf("run %s pruned before its time: %v", id, err)
		}
	}

	// Past the retention of the first two only.
	clk.Advance(45 * time.Minute)
	for _, id := range old {
		waitUntil(t, "run "+id+" pruned", func() bool {
			_, err := b.db.RunGet(b.ctx, id)
			return errors.Is(err, store.ErrNotFound)
		})
		if rs := b.results(id); len(rs) != 0 {
			t.Errorf("run %s pruned but %d step results left", id, len(rs))
		}
	}
	for _, id := range []string{recent, waiting} {
		r, err := b.db.RunGet(b.ctx, id)
		if err != nil {
			t.Fatalf("run %s pruned: %v", id, err)
		}
		if _, err := b.db.EventGet(b.ctx, r.EventID); err != nil {
			t.Errorf("event of kept run %s: %v", id, err)
		}
	}
}

// TestRetentionOff: without a retention period nothing is ever pruned.
func TestRetentionOff(t *testing.T) {
	t.Parallel()
	clk := newClock()
	b := setup(t, withClock(clk), withConfig(func(c *Config) { c.RetentionEvery = 10 * time.Millisecond }))
	wf := b.save(`{"format": "hookflow/v1", "id": "done", "name": "Done", "trigger": {"type": "webhook"},
  "steps": [{"id": "shape", "type": "transform", "expr": "1"}]}`)
	id := b.accept(wf, `{}`)
	b.waitStatus(id, store.StatusSucceeded)
	clk.Advance(24 * 365 * time.Hour)
	if res, err := b.engine.Prune(b.ctx); err != nil || res != (store.PruneResult{}) {
		t.Errorf("Prune without retention = %+v, %v; want nothing", res, err)
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := b.db.RunGet(b.ctx, id); err != nil {
		t.Errorf("run pruned without retention: %v", err)
	}
}
