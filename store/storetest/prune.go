package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

func testPrune(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("FinishedRunsAndTheirEvents", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		received := b.now.Add(-10 * time.Hour)
		ps := make([]store.EventAcceptParams, 10)
		for i := range ps {
			ps[i] = event("w", received)
		}
		ps[2] = withKey(ps[2], "k1")
		b.acceptParams(t, ps...)
		claimed := map[string]store.Run{}
		for _, r := range b.claim(t, store.RunClaimParams{Owner: "o", Now: received}) {
			claimed[r.ID] = r
		}
		if len(claimed) != len(ps) {
			t.Fatalf("claimed %d runs, want %d", len(claimed), len(ps))
		}
		set := func(i int, status string, at time.Time, results ...store.StepResult) {
			t.Helper()
			r := claimed[ps[i].RunID]
			b.update(t, store.RunUpdateParams{ID: r.ID, Owner: "o", Attempt: r.Attempt, Status: status,
				RunAt: at.Add(24 * time.Hour), Results: results, Now: at})
		}
		step := store.StepResult{StepID: "s", Attempt: 1, Status: store.StepSucceeded,
			Input: []byte(`{}`), Output: []byte(`{}`), StartedAt: received}
		// Pruned: every final status, finished before b.now.
		set(0, store.StatusSucceeded, b.now.Add(-9*time.Hour), step)
		set(1, store.StatusFailed, b.now.Add(-2*time.Hour), step)
		set(2, store.StatusFiltered, b.now.Add(-3*time.Hour))
		set(3, store.StatusCancelled, b.now.Add(-time.Nanosecond*1000))
		set(4, store.StatusSucceeded, b.now.Add(-9*time.Hour)) // replayed below
		// Kept: finished at or after b.now, or not finished, however old.
		set(5, store.StatusSucceeded, b.now)
		set(6, store.StatusSucceeded, b.now.Add(time.Minute))
		set(7, store.StatusQueued, received)
		set(8, store.StatusWaiting, received)
		// ps[9] stays running.
		replay, err := b.s.RunInsert(b.ctx, store.RunInsertParams{ID: newID(), WorkflowID: "w", Revision: 1,
			EventID: ps[4].Event.ID, ReplayOf: ps[4].RunID, Now: b.now.Add(time.Hour)})
		if err != nil {
			t.Fatalf("RunInsert(replay): %v", err)
		}

		// Limit 2: five runs are pruned in three transactions by one call.
		res, err := b.s.Prune(b.ctx, store.PruneParams{Before: b.now, Limit: 2})
		if err != nil {
			t.Fatalf("Prune: %v", err)
		}
		if want := (store.PruneResult{Runs: 5, Events: 4}); res != want {
			t.Errorf("Prune = %+v, want %+v (the replayed event is kept)", res, want)
		}
		for i := range 5 {
			_, err := b.s.RunGet(b.ctx, ps[i].RunID)
			wantErr(t, "RunGet(pruned run)", err, store.ErrNotFound)
			if got, err := b.s.StepResultList(b.ctx, ps[i].RunID); err != nil || len(got) != 0 {
				t.Errorf("StepResultList(pruned run %d) = %d results, %v; want none", i, len(got), err)
			}
			_, err = b.s.EventGet(b.ctx, ps[i].Event.ID)
			if i == 4 {
				if err != nil {
					t.Errorf("EventGet(event with a queued replay): %v", err)
				}
				continue
			}
			wantErr(t, "EventGet(pruned event)", err, store.ErrNotFound)
		}
		for i := 5; i < len(ps); i++ {
			if _, err := b.s.RunGet(b.ctx, ps[i].RunID); err != nil {
				t.Errorf("RunGet(kept run %d): %v", i, err)
			}
			if _, err := b.s.EventGet(b.ctx, ps[i].Event.ID); err != nil {
				t.Errorf("EventGet(kept event %d): %v", i, err)
			}
		}
		runs, err := b.s.RunList(b.ctx, store.RunListParams{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		want := newestFirst(ps[5].RunID, ps[6].RunID, ps[7].RunID, ps[8].RunID, ps[9].RunID, replay.ID)
		if got := RunIDs(runs); !slices.Equal(got, want) {
			t.Errorf("RunList after Prune = %v, want %v", got, want)
		}

		// The pruned event's idempotency key is free again.
		again := b.acceptParams(t, withKey(event("w", b.now), "k1"))
		if again[0].Duplicate {
			t.Errorf("EventAccept(key of a pruned event) = duplicate, want a new run")
		}

		// Nothing left to prune at b.now; the replay's event goes with it.
		if res, err := b.s.Prune(b.ctx, store.PruneParams{Before: b.now}); err != nil || res != (store.PruneResult{}) {
			t.Errorf("second Prune = %+v, %v; want nothing", res, err)
		}
		var r store.Run
		for _, c := range b.claim(t, store.RunClaimParams{Owner: "p", Now: b.now.Add(time.Hour)}) {
			if c.ID == replay.ID {
				r = c
			}
		}
		if r.ID == "" {
			t.Fatalf("RunClaim did not claim the replay")
		}
		b.update(t, store.RunUpdateParams{ID: r.ID, Owner: "p", Attempt: r.Attempt, Status: store.StatusSucceeded,
			Now: b.now.Add(time.Hour)})
		res, err = b.s.Prune(b.ctx, store.PruneParams{Before: b.now.Add(2 * time.Hour)})
		if err != nil {
			t.Fatalf("Prune(later): %v", err)
		}
		if want := (store.PruneResult{Runs: 3, Events: 3}); res != want {
			t.Errorf("Prune(later) = %+v, want %+v", res, want)
		}
		_, err = b.s.EventGet(b.ctx, ps[4].Event.ID)
		wantErr(t, "EventGet(event of the pruned replay)", err, store.ErrNotFound)
	})

	t.Run("EveryWorkflow", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		var ps []store.EventAcceptParams
		for _, wf := range []string{"a", "b", "c"} {
			b.workflow(t, wf)
			old, recent := event(wf, b.now.Add(-2*time.Hour)), event(wf, b.now)
			for _, p := range []*store.EventAcceptParams{&old, &recent} {
				p.Status, p.NextStep = store.StatusFiltered, 1 // finished as accepted
			}
			ps = append(ps, old, recent)
		}
		b.acceptParams(t, ps...)
		res, err := b.s.Prune(b.ctx, store.PruneParams{Before: b.now.Add(-time.Hour), Limit: 1})
		if err != nil {
			t.Fatalf("Prune: %v", err)
		}
		if want := (store.PruneResult{Runs: 3, Events: 3}); res != want {
			t.Errorf("Prune = %+v, want %+v (the old run of each workflow)", res, want)
		}
		for i, p := range ps {
			_, err := b.s.RunGet(b.ctx, p.RunID)
			if i%2 == 0 {
				wantErr(t, "RunGet(old run of "+p.Event.WorkflowID+")", err, store.ErrNotFound)
			} else if err != nil {
				t.Errorf("RunGet(recent run of %s): %v", p.Event.WorkflowID, err)
			}
		}
	})

	t.Run("ZeroBeforePrunesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.accept(t, "w", b.now)[0]
		r := b.claimOne(t, "o", id)
		b.update(t, store.RunUpdateParams{ID: id, Owner: "o", Attempt: r.Attempt, Status: store.StatusSucceeded, Now: b.now})
		if res, err := b.s.Prune(b.ctx, store.PruneParams{}); err != nil || res != (store.PruneResult{}) {
			t.Errorf("Prune(zero Before) = %+v, %v; want nothing", res, err)
		}
		b.run(t, id)
	})
}
