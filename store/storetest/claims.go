package storetest

import (
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// testUnrecordedClaims covers Run.UnrecordedClaims: one more at every
// claim (an expired lease's too), back to 0 when step attempts are
// recorded, one less when the owner releases the run, kept otherwise (a
// lease extended before a step, a run given back for a dead process).
func testUnrecordedClaims(t *testing.T, newStore func(t *testing.T) store.Store) {
	wantClaims := func(t *testing.T, b *bundle, id, when string, want int) store.Run {
		t.Helper()
		r := b.run(t, id)
		if r.UnrecordedClaims != want {
			t.Errorf("%s: UnrecordedClaims = %d, want %d", when, r.UnrecordedClaims, want)
		}
		return r
	}
	result := func(id string, at time.Time) []store.StepResult {
		return []store.StepResult{{RunID: id, StepID: "s", Attempt: 1, Status: store.StepSucceeded, StartedAt: at}}
	}

	t.Run("Crashes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		p := event("w", b.now)
		p.Owner, p.LeaseUntil = "a", b.now.Add(time.Minute)
		b.acceptParams(t, p)
		id := p.RunID
		wantClaims(t, b, id, "created claimed", 1)

		// The owner extends its lease before a step, then dies in it: the
		// lease runs out and the run is claimed again, three times over.
		b.update(t, store.RunUpdateParams{ID: id, Owner: "a", Attempt: 1, Status: store.StatusRunning,
			LeaseUntil: b.now.Add(2 * time.Minute), Now: b.now})
		wantClaims(t, b, id, "lease extended", 1)
		at := b.now.Add(2*time.Minute + time.Microsecond)
		for i, owner := range []string{"b", "c", "d"} {
			runs := b.claim(t, store.RunClaimParams{Owner: owner, Now: at, LeaseFor: time.Minute})
			if len(runs) != 1 || runs[0].ID != id {
				t.Fatalf("RunClaim by %s = %v, want [%s]", owner, RunIDs(runs), id)
			}
			if runs[0].UnrecordedClaims != i+2 {
				t.Errorf("claimed by %s: UnrecordedClaims = %d, want %d", owner, runs[0].UnrecordedClaims, i+2)
			}
			at = at.Add(time.Minute + time.Microsecond)
		}
		// A dead owner's run given back as it was still counts its claim.
		b.update(t, store.RunUpdateParams{ID: id, Owner: "d", Attempt: 4, Status: store.StatusQueued, RunAt: at, Now: at})
		r := wantClaims(t, b, id, "given back for a dead owner", 4)
		if r.Status != store.StatusQueued {
			t.Errorf("given back run is %s, want queued", r.Status)
		}
		// Once a step attempt is recorded, the count starts over.
		runs := b.claim(t, store.RunClaimParams{Owner: "e", Now: at})
		if len(runs) != 1 || runs[0].UnrecordedClaims != 5 {
			t.Fatalf("claimed after the give-back: %+v, want the run with 5 unrecorded claims", runs)
		}
		r = runs[0]
		b.update(t, store.RunUpdateParams{ID: id, Owner: "e", Attempt: r.Attempt, Status: store.StatusWaiting, NextStep: 1,
			RunAt: at.Add(time.Hour), Results: result(id, at), Now: at})
		wantClaims(t, b, id, "a step recorded", 0)
		runs = b.claim(t, store.RunClaimParams{Owner: "f", Now: at.Add(time.Hour)})
		if len(runs) != 1 || runs[0].UnrecordedClaims != 1 {
			t.Errorf("claimed after a recorded step: %+v, want the run with 1 unrecorded claim", runs)
		}
	})

	t.Run("Released", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.acceptN(t, "w", 1)[0]
		wantClaims(t, b, id, "queued", 0)
		// Claimed and released cleanly again and again (restarts during a
		// long step, a concurrency limit): no claim is left counted.
		for i := range 4 {
			r := b.claimOne(t, "a", id)
			if r.UnrecordedClaims != 1 {
				t.Errorf("claim %d: UnrecordedClaims = %d, want 1", i+1, r.UnrecordedClaims)
			}
			b.update(t, store.RunUpdateParams{ID: id, Owner: "a", Attempt: r.Attempt, Status: store.StatusQueued,
				RunAt: b.now, Release: true, Now: b.now})
			wantClaims(t, b, id, "released", 0)
		}
		// A crash, then a claim released: the crash stays counted.
		r := b.claimOne(t, "a", id)
		b.update(t, store.RunUpdateParams{ID: id, Owner: "a", Attempt: r.Attempt, Status: store.StatusQueued, RunAt: b.now, Now: b.now})
		r = b.claimOne(t, "b", id)
		if r.UnrecordedClaims != 2 {
			t.Errorf("claimed after a crash: UnrecordedClaims = %d, want 2", r.UnrecordedClaims)
		}
		b.update(t, store.RunUpdateParams{ID: id, Owner: "b", Attempt: r.Attempt, Status: store.StatusQueued,
			RunAt: b.now, Release: true, Now: b.now})
		wantClaims(t, b, id, "released after a crash", 1)
		// Released with the steps it executed meanwhile: progress.
		r = b.claimOne(t, "c", id)
		b.update(t, store.RunUpdateParams{ID: id, Owner: "c", Attempt: r.Attempt, Status: store.StatusQueued, NextStep: 1,
			RunAt: b.now, Release: true, Results: result(id, b.now), Now: b.now})
		wantClaims(t, b, id, "released with a step recorded", 0)
	})

	t.Run("Many", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		b.acceptN(t, "w", 3)
		runs := b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now})
		errs, err := b.s.RunUpdateMany(b.ctx, []store.RunUpdateParams{
			{ID: runs[0].ID, Owner: "a", Attempt: 1, Status: store.StatusRunning, NextStep: 1, Results: result(runs[0].ID, b.now), Now: b.now},
			{ID: runs[1].ID, Owner: "a", Attempt: 1, Status: store.StatusQueued, RunAt: b.now, Release: true, Now: b.now},
			{ID: runs[2].ID, Owner: "a", Attempt: 1, Status: store.StatusRunning, LeaseUntil: b.now.Add(time.Hour), Now: b.now},
		})
		if err != nil || len(errs) != 3 || errs[0] != nil || errs[1] != nil || errs[2] != nil {
			t.Fatalf("RunUpdateMany = %v, %v", errs, err)
		}
		for i, want := range []int{0, 0, 1} {
			wantClaims(t, b, runs[i].ID, "RunUpdateMany", want)
		}
	})
}

// testRunNextDue covers RunNextDue: the first RunAt of a run waiting its
// turn, or LeaseUntil of a running one, after the given time.
func testRunNextDue(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	next := func(after time.Time) time.Time {
		t.Helper()
		got, err := b.s.RunNextDue(b.ctx, after)
		if err != nil {
			t.Fatalf("RunNextDue: %v", err)
		}
		return got
	}
	if got := next(b.now); !got.IsZero() {
		t.Errorf("RunNextDue of an empty store = %v, want the zero time", got)
	}
	b.workflow(t, "w")
	ids := b.accept(t, "w", b.now.Add(-time.Hour), b.now.Add(time.Hour), b.now.Add(3*time.Hour))
	if got := next(b.now); !got.Equal(b.now.Add(time.Hour)) {
		t.Errorf("RunNextDue = %v, want the queued run due in an hour (the one due already is not next)", got)
	}

	// A running run comes due when its lease ends; a waiting or retrying
	// run at its RunAt; a finished run never.
	runs := b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, LeaseFor: 30 * time.Minute})
	if len(runs) != 1 || runs[0].ID != ids[0] {
		t.Fatalf("RunClaim = %v, want [%s]", RunIDs(runs), ids[0])
	}
	if got := next(b.now); !got.Equal(b.now.Add(30 * time.Minute)) {
		t.Errorf("RunNextDue with a run leased for 30m = %v, want its lease's end", got)
	}
	b.update(t, store.RunUpdateParams{ID: ids[0], Owner: "a", Attempt: 1, Status: store.StatusRetrying, StepAttempt: 1,
		RunAt: b.now.Add(2 * time.Hour), Now: b.now})
	if got := next(b.now.Add(time.Hour)); !got.Equal(b.now.Add(2 * time.Hour)) {
		t.Errorf("RunNextDue after an hour = %v, want the retry in two hours", got)
	}
	runs = b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now.Add(2 * time.Hour)})
	for _, r := range runs {
		b.update(t, store.RunUpdateParams{ID: r.ID, Owner: "a", Attempt: r.Attempt, Status: store.StatusSucceeded, Now: b.now})
	}
	if got := next(b.now); !got.Equal(b.now.Add(3 * time.Hour)) {
		t.Errorf("RunNextDue with two runs finished = %v, want the last queued run's RunAt", got)
	}
	if got := next(b.now.Add(3 * time.Hour)); !got.IsZero() {
		t.Errorf("RunNextDue once every run is due = %v, want the zero time", got)
	}
}
