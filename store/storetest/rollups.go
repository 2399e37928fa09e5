package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// testRollups runs the tests of store.RollupStore.
func testRollups(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("AddQuery", func(t *testing.T) { testRollupAddQuery(t, newStore) })
	t.Run("Buckets", func(t *testing.T) { testRollupBuckets(t, newStore) })
	t.Run("Backlog", func(t *testing.T) { testRollupBacklog(t, newStore) })
	t.Run("Prune", func(t *testing.T) { testRollupPrune(t, newStore) })
}

// minute is the suite's "now" truncated to the minute, plus i minutes.
func minute(i int) time.Time { return base.Truncate(time.Minute).Add(time.Duration(i) * time.Minute) }

func (b *bundle) rollupAdd(t *testing.T, rs ...store.Rollup) {
	t.Helper()
	if err := b.s.RollupAdd(b.ctx, rs); err != nil {
		t.Fatalf("RollupAdd: %v", err)
	}
}

func (b *bundle) rollupQuery(t *testing.T, p store.RollupQueryParams) []store.RollupBucket {
	t.Helper()
	got, err := b.s.RollupQuery(b.ctx, p)
	if err != nil {
		t.Fatalf("RollupQuery(%+v): %v", p, err)
	}
	return got
}

// wantBuckets compares buckets field by field.
func wantBuckets(t *testing.T, what string, got, want []store.RollupBucket) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d buckets %+v, want %d %+v", what, len(got), got, len(want), want)
	}
	for i := range want {
		if !got[i].Minute.Equal(want[i].Minute) {
			t.Errorf("%s[%d]: minute %s, want %s", what, i, got[i].Minute, want[i].Minute)
		}
		g, w := got[i], want[i]
		g.Minute, w.Minute = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s[%d]:\n got %+v\nwant %+v", what, i, g, w)
		}
	}
}

// testRollupAddQuery: a second add to a (workflow, minute) adds its counts
// and histogram and keeps the larger backlog sample; a query sums
// workflows, or keeps one.
func testRollupAddQuery(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	lat := func(ds ...time.Duration) (h store.Histogram) {
		for _, d := range ds {
			h.Add(d)
		}
		return h
	}
	b.rollupAdd(t,
		store.Rollup{WorkflowID: "a", Minute: minute(0), Succeeded: 3, Failed: 1, Delivered: 2, DeliveryRetried: 1,
			Latency: lat(time.Millisecond, time.Millisecond, 3*time.Second, time.Minute), Backlog: 5, OldestDue: 2 * time.Second},
		store.Rollup{WorkflowID: "b", Minute: minute(0), Filtered: 2, Cancelled: 1, DeliveryFailed: 4,
			Latency: lat(time.Millisecond, 2*time.Hour, 3*time.Hour), Backlog: 7, OldestDue: time.Second},
	)
	// A second engine's flush (and a smaller backlog sample) of minute 0.
	b.rollupAdd(t, store.Rollup{WorkflowID: "a", Minute: minute(0), Succeeded: 10, Failed: 2, Delivered: 5,
		Latency: lat(time.Millisecond), Backlog: 1, OldestDue: 5 * time.Second})

	hour := store.RollupQueryParams{From: minute(-59), Step: time.Minute, Buckets: 60}
	a := hour
	a.WorkflowID = "a"
	wantBuckets(t, "workflow a", b.rollupQuery(t, a), []store.RollupBucket{{
		WorkflowID: "a", Minute: minute(0), Succeeded: 13, Failed: 3, Delivered: 7, DeliveryRetried: 1,
		Latency: lat(time.Millisecond, time.Millisecond, time.Millisecond, 3*time.Second, time.Minute), Backlog: 5, OldestDue: 5 * time.Second,
	}})
	wantBuckets(t, "all", b.rollupQuery(t, hour), []store.RollupBucket{{
		Minute: minute(0), Succeeded: 13, Failed: 3, Filtered: 2, Cancelled: 1, Delivered: 7, DeliveryFailed: 4, DeliveryRetried: 1,
		Latency: lat(time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond, 3*time.Second, time.Minute, 2*time.Hour, 3*time.Hour),
		// Backlog sums the workflows' samples of the minute.
		Backlog: 12, OldestDue: 5 * time.Second,
	}})
	none := hour
	none.WorkflowID = "c"
	if got := b.rollupQuery(t, none); len(got) != 0 {
		t.Errorf("workflow without rollups: %+v, want none", got)
	}
	for _, bad := range []store.RollupQueryParams{
		{From: minute(0), Step: 90 * time.Second, Buckets: 2},
		{From: minute(0), Step: time.Minute, Buckets: 0},
		{From: minute(0).Add(time.Second), Step: time.Minute, Buckets: 2},
	} {
		if _, err := b.s.RollupQuery(b.ctx, bad); err == nil {
			t.Errorf("RollupQuery(%+v): no error", bad)
		}
	}
}

// testRollupBuckets: minutes are summed into buckets of several minutes,
// the backlog by its largest minute; the range's ends hold.
func testRollupBuckets(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	for i := -1; i <= 10; i++ {
		b.rollupAdd(t, store.Rollup{WorkflowID: "a", Minute: minute(i), Succeeded: 1, Backlog: int64(i + 10)},
			store.Rollup{WorkflowID: "b", Minute: minute(i), Failed: 2, Backlog: 1, OldestDue: time.Duration(i+1) * time.Second})
	}
	got := b.rollupQuery(t, store.RollupQueryParams{From: minute(0), Step: 5 * time.Minute, Buckets: 2})
	wantBuckets(t, "5 minute buckets", got, []store.RollupBucket{
		{Minute: minute(0), Succeeded: 5, Failed: 10, Backlog: 4 + 10 + 1, OldestDue: 5 * time.Second},
		{Minute: minute(5), Succeeded: 5, Failed: 10, Backlog: 9 + 10 + 1, OldestDue: 10 * time.Second},
	})
}

// testRollupBacklog: queued and retrying runs are counted per workflow;
// the oldest due one's age is taken at now, a retrying run not yet due
// has none.
func testRollupBacklog(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	b.workflow(t, "a")
	b.workflow(t, "b")
	b.workflow(t, "c")
	b.acceptN(t, "a", 3)
	ids := b.acceptN(t, "b", 2)
	done := b.acceptN(t, "c", 1)
	claimed := map[string]store.Run{}
	for _, r := range b.claim(t, store.RunClaimParams{Owner: "x", Now: b.now.Add(time.Second), Limit: 100}) {
		claimed[r.ID] = r
	}
	// b's runs: one retrying later, one running; c's succeeded.
	b.update(t, store.RunUpdateParams{ID: ids[0], Owner: "x", Attempt: claimed[ids[0]].Attempt, Status: store.StatusRetrying,
		RunAt: b.now.Add(time.Hour), Now: b.now.Add(time.Second)})
	b.update(t, store.RunUpdateParams{ID: done[0], Owner: "x", Attempt: claimed[done[0]].Attempt, Status: store.StatusSucceeded,
		Now: b.now.Add(time.Second)})
	for id, r := range claimed {
		if r.WorkflowID == "a" {
			b.update(t, store.RunUpdateParams{ID: id, Owner: "x", Attempt: r.Attempt, Status: store.StatusQueued,
				Release: true, Now: b.now.Add(time.Second)})
		}
	}
	got, err := b.s.RollupBacklog(b.ctx, b.now.Add(10*time.Second))
	if err != nil {
		t.Fatalf("RollupBacklog: %v", err)
	}
	// a's runs, given back at now+1s, are due from then.
	want := []store.Backlog{{WorkflowID: "a", Count: 3, OldestDue: 9 * time.Second}, {WorkflowID: "b", Count: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RollupBacklog = %+v, want %+v", got, want)
	}
}

// testRollupPrune: rollups of minutes before the cut are deleted.
func testRollupPrune(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	for i := range 4 {
		b.rollupAdd(t, store.Rollup{WorkflowID: "a", Minute: minute(i), Succeeded: 1})
	}
	n, err := b.s.RollupPrune(b.ctx, minute(2).Add(30*time.Second))
	if err != nil || n != 2 {
		t.Fatalf("RollupPrune = %d, %v; want 2", n, err)
	}
	got := b.rollupQuery(t, store.RollupQueryParams{From: minute(0), Step: time.Minute, Buckets: 4})
	wantBuckets(t, "after prune", got, []store.RollupBucket{{Minute: minute(2), Succeeded: 1}, {Minute: minute(3), Succeeded: 1}})
}
