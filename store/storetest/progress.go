package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// testAcceptProgress covers runs stored with the steps the engine executed
// before accepting their events: finished, leased at a step, queued at a
// step.
func testAcceptProgress(t *testing.T, newStore func(t *testing.T) store.Store) {
	steps := func(runID string, at time.Time, statuses ...string) []store.StepResult {
		var out []store.StepResult
		for i, s := range statuses {
			out = append(out, store.StepResult{RunID: runID, StepID: fmt.Sprintf("s%d", i), StepIndex: i, Attempt: 1,
				Status: s, Input: []byte(`{"ok":true}`), Output: []byte(`{"n":` + fmt.Sprint(i) + `}`),
				StartedAt: at, Duration: time.Duration(i+1) * time.Microsecond})
		}
		return out
	}

	t.Run("StoredAtTheirStep", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		filtered := event("w", b.now)
		filtered.NextStep, filtered.Status = 1, store.StatusFiltered
		filtered.Results = steps(filtered.RunID, b.now, store.StepFiltered)
		filtered.Owner, filtered.LeaseUntil = "acceptor", b.now.Add(time.Minute) // a final status wins
		leased := event("w", b.now)
		leased.NextStep, leased.Owner, leased.LeaseUntil = 2, "acceptor", b.now.Add(time.Minute)
		leased.Results = steps(leased.RunID, b.now, store.StepSucceeded, store.StepSkipped)
		queued := event("w", b.now)
		queued.NextStep, queued.Results = 1, steps(queued.RunID, b.now, store.StepSucceeded)
		b.acceptParams(t, filtered, leased, queued)

		r := b.run(t, filtered.RunID)
		if r.Status != store.StatusFiltered || r.NextStep != 1 || r.LeaseOwner != "" || !r.LeaseUntil.IsZero() ||
			!r.FinishedAt.Equal(b.now) {
			t.Errorf("finished run = %s at %d, owner %q, lease %v, finished %v; want filtered at 1, no lease, finished %v",
				r.Status, r.NextStep, r.LeaseOwner, r.LeaseUntil, r.FinishedAt, b.now)
		}
		r = b.run(t, leased.RunID)
		if r.Status != store.StatusRunning || r.NextStep != 2 || r.LeaseOwner != "acceptor" || r.Attempt != 1 || !r.FinishedAt.IsZero() {
			t.Errorf("leased run = %s at %d, owner %q, attempt %d, finished %v; want running at 2, acceptor, 1, unfinished",
				r.Status, r.NextStep, r.LeaseOwner, r.Attempt, r.FinishedAt)
		}
		for _, p := range []store.EventAcceptParams{filtered, leased, queued} {
			got, err := b.s.StepResultList(b.ctx, p.RunID)
			if err != nil || len(got) != len(p.Results) {
				t.Fatalf("StepResultList(%s) = %d results, %v; want %d", p.RunID, len(got), err, len(p.Results))
			}
			for i := range got {
				diff(t, fmt.Sprintf("run %s step %d", p.RunID, i), got[i], p.Results[i])
			}
		}
		// The finished run is never claimed; the queued one is, at its step.
		runs := b.claim(t, store.RunClaimParams{Owner: "other", Now: b.now})
		if len(runs) != 1 || runs[0].ID != queued.RunID || runs[0].NextStep != 1 {
			t.Fatalf("RunClaim = %+v; want only the queued run at step 1", runs)
		}
		// Retention prunes the finished run like any other.
		res, err := b.s.Prune(b.ctx, store.PruneParams{Before: b.now.Add(time.Second)})
		if err != nil || res.Runs != 1 {
			t.Fatalf("Prune = %+v, %v; want the finished run pruned", res, err)
		}
	})

	t.Run("InputIsEventBody", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		p := event("w", b.now)
		p.Event.Body = []byte(`{"order":7,"items":[1,2,3]}`)
		p.Owner, p.LeaseUntil, p.NextStep = "a", b.now.Add(time.Minute), 1
		first := store.StepResult{RunID: p.RunID, StepID: "s0", Attempt: 1, Status: store.StepSucceeded,
			Input: p.Event.Body, InputIsEventBody: true, Output: []byte(`true`), StartedAt: b.now}
		p.Results = []store.StepResult{first}
		b.acceptParams(t, p)
		second := store.StepResult{RunID: p.RunID, StepID: "s1", StepIndex: 1, Attempt: 1, Status: store.StepSucceeded,
			Input: p.Event.Body, InputIsEventBody: true, Output: []byte(`{"n":1}`), StartedAt: b.now}
		third := store.StepResult{RunID: p.RunID, StepID: "s2", StepIndex: 2, Attempt: 1, Status: store.StepSucceeded,
			Input: []byte(`{"n":1}`), StartedAt: b.now}
		b.update(t, store.RunUpdateParams{ID: p.RunID, Owner: "a", Attempt: 1, Status: store.StatusSucceeded, NextStep: 3,
			Results: []store.StepResult{second, third}, Now: b.now})
		got, err := b.s.StepResultList(b.ctx, p.RunID)
		if err != nil || len(got) != 3 {
			t.Fatalf("StepResultList = %d results, %v; want 3", len(got), err)
		}
		for i, want := range []store.StepResult{first, second, third} {
			want.InputIsEventBody = false // a hint for writing only
			diff(t, fmt.Sprintf("step %d", i), got[i], want)
		}
	})

	t.Run("DuplicateStoresNoSteps", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		first := withKey(event("w", b.now), "k")
		dup := withKey(event("w", b.now), "k")
		dup.NextStep, dup.Status, dup.Results = 1, store.StatusSucceeded, steps(dup.RunID, b.now, store.StepSucceeded)
		res := b.acceptParams(t, first, dup)
		if !res[1].Duplicate || res[1].RunID != first.RunID {
			t.Fatalf("second accept = %+v; want a duplicate of %s", res[1], first.RunID)
		}
		if got, err := b.s.StepResultList(b.ctx, dup.RunID); err != nil || len(got) != 0 {
			t.Errorf("StepResultList(duplicate's run) = %d results, %v; want none", len(got), err)
		}
	})

	t.Run("BadStatus", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		p := event("w", b.now)
		p.Status = store.StatusRetrying
		if _, err := b.s.EventAccept(b.ctx, []store.EventAcceptParams{p}); err == nil {
			t.Fatal("EventAccept with status retrying succeeded; want an error")
		}
		if _, err := b.s.EventGet(b.ctx, p.Event.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("EventGet after the refused batch: %v; want ErrNotFound", err)
		}
	})

	t.Run("WriteBatch", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		bw, ok := b.s.(store.BatchWriter)
		if !ok {
			t.Skip("the store writes accepts and updates apart")
		}
		b.workflow(t, "w")
		id := b.acceptN(t, "w", 1)[0]
		run := b.claimOne(t, "a", id)
		done := store.RunUpdateParams{ID: id, Owner: "a", Attempt: run.Attempt, Status: store.StatusSucceeded, NextStep: 1,
			Results: steps(id, b.now, store.StepSucceeded), Now: b.now}
		stale := store.RunUpdateParams{ID: id, Owner: "gone", Attempt: 9, Status: store.StatusFailed, Now: b.now}
		p := event("w", b.now)
		p.Owner, p.LeaseUntil = "a", b.now.Add(time.Minute) // not claimable below
		res := bw.WriteBatch(b.ctx, []store.EventAcceptParams{p}, []store.RunUpdateParams{done, stale})
		if res.AcceptErr != nil || res.UpdateErr != nil || len(res.Accepted) != 1 || res.Accepted[0].RunID != p.RunID {
			t.Fatalf("WriteBatch = %+v; want the event accepted and the updates applied", res)
		}
		if len(res.Updated) != 2 || res.Updated[0] != nil || !errors.Is(res.Updated[1], store.ErrLeaseLost) {
			t.Fatalf("WriteBatch update errors = %v; want nil, ErrLeaseLost", res.Updated)
		}
		if r := b.run(t, id); r.Status != store.StatusSucceeded {
			t.Errorf("updated run status = %s, want succeeded", r.Status)
		}
		b.run(t, p.RunID)

		// A failing accept (an event id used before) leaves the updates applied.
		again := b.acceptN(t, "w", 1)[0]
		run = b.claimOne(t, "a", again)
		reused := event("w", b.now)
		reused.Event.ID = p.Event.ID
		res = bw.WriteBatch(b.ctx, []store.EventAcceptParams{reused}, []store.RunUpdateParams{{ID: again, Owner: "a",
			Attempt: run.Attempt, Status: store.StatusSucceeded, NextStep: 1, Now: b.now}})
		if !errors.Is(res.AcceptErr, store.ErrConflict) || res.UpdateErr != nil || len(res.Updated) != 1 || res.Updated[0] != nil {
			t.Fatalf("WriteBatch with a reused event id = %+v; want ErrConflict for the accept only", res)
		}
		if r := b.run(t, again); r.Status != store.StatusSucceeded {
			t.Errorf("run updated beside a failed accept: status %s, want succeeded", r.Status)
		}
	})
}
