package postgres

import (
	"context"
	"sync"
	"testing"

	"github.com/hookflow/hookflow/store"
)

// TestKVIncrAcrossReplicas: two stores on one database (two replicas'
// pools) incrementing one key 1,000 times each, 8 at a time, end at 2,000.
func TestKVIncrAcrossReplicas(t *testing.T) {
	t.Parallel()
	url := newSchema(t)
	a, b := open(t, url), open(t, url)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for _, s := range []*Store{a, b} {
		for range 8 {
			wg.Go(func() {
				for range 125 {
					if _, err := s.KVIncr(ctx, store.KVIncrParams{KVWrite: store.KVWrite{Scope: store.KVGlobal, Key: "hits"}, By: 1}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("KVIncr: %v", err)
	}
	e, err := a.KVGet(ctx, store.KVGetParams{Scope: store.KVGlobal, Key: "hits"})
	if err != nil || string(e.Value) != "2000" {
		t.Fatalf("hits = %s, %v; want 2000", e.Value, err)
	}
}

// counted counts each event per customer, then delivers it.
const counted = `{
  "format": "hookflow/v1", "id": "counted", "name": "Counted",
  "trigger": {"type": "webhook", "methods": ["POST"]},
  "steps": [
    {"id": "count", "type": "storage", "op": "incr", "key": "events:{{ payload.n % 2 }}", "scope": "global"},
    {"id": "deliver", "type": "webhook", "url": "{{ vars.recv }}/deliver", "timeout": "1s",
     "body": "{n: payload.n, run: run.id, count: steps.count.value}"}
  ]
}`

// TestReplicasCountOnce: 200 events posted alternately to two replicas,
// each counted by a storage step: the two counts add up to the events.
func TestReplicasCountOnce(t *testing.T) {
	t.Parallel()
	testURL(t)
	const events = 200
	c := newCluster(t, 2)
	wf := c.save(counted)
	acked := c.postAll(wf.HookKey, events, 16, c.replicas)
	if len(acked) != events {
		t.Fatalf("%d of %d events acknowledged", len(acked), events)
	}
	c.waitDelivered(wf.ID, acked)
	for _, key := range []string{"events:0", "events:1"} {
		e, err := c.replicas[1].db.KVGet(context.Background(), store.KVGetParams{Scope: store.KVGlobal, Key: key})
		if err != nil || string(e.Value) != "100" {
			t.Errorf("%s = %s, %v; want 100", key, e.Value, err)
		}
	}
}
