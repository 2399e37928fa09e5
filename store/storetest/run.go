package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

func testRunInsert(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Replay", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		p := event("w", b.now)
		b.acceptParams(t, p)
		later := b.now.Add(time.Hour)
		want := store.Run{
			ID: newID(), WorkflowID: "w", Revision: 4, EventID: p.Event.ID, Status: store.StatusQueued,
			NextStep: 2, RunAt: later, ReplayOf: p.RunID, CreatedAt: later, UpdatedAt: later,
		}
		r, err := b.s.RunInsert(b.ctx, store.RunInsertParams{
			ID: want.ID, WorkflowID: "w", Revision: 4, EventID: p.Event.ID, NextStep: 2, ReplayOf: p.RunID, Now: later,
		})
		if err != nil {
			t.Fatalf("RunInsert: %v", err)
		}
		diff(t, "RunInsert", r, want)
		diff(t, "RunGet", b.run(t, want.ID), want)

		// It is queued like any other run: due at its Now.
		claimed := b.claim(t, store.RunClaimParams{Owner: "x", Now: later})
		if got := RunIDs(claimed); !slices.Equal(got, []string{p.RunID, want.ID}) {
			t.Errorf("RunClaim = %v, want the first run then the replay", got)
		}
	})

	t.Run("CarriesResults", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		p := event("w", b.now)
		b.acceptParams(t, p)
		id := newID()
		carried := []store.StepResult{{
			RunID: id, StepID: "shape", StepIndex: 0, Attempt: 1, Status: store.StepSucceeded,
			Input: []byte(`{"a":1}`), Output: []byte(`{"b":2}`), StartedAt: b.now, Duration: time.Millisecond,
		}}
		if _, err := b.s.RunInsert(b.ctx, store.RunInsertParams{
			ID: id, WorkflowID: "w", Revision: 1, EventID: p.Event.ID, NextStep: 1, ReplayOf: p.RunID,
			Results: carried, Now: b.now,
		}); err != nil {
			t.Fatalf("RunInsert: %v", err)
		}
		got, err := b.s.StepResultList(b.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("StepResultList(replay) = %d results, want 1", len(got))
		}
		diff(t, "StepResultList(replay)", got[0], carried[0])
	})

	t.Run("UnknownEvent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := newID()
		_, err := b.s.RunInsert(b.ctx, store.RunInsertParams{ID: id, WorkflowID: "w", Revision: 1, EventID: newID(), Now: b.now})
		wantErr(t, "RunInsert(unknown event)", err, store.ErrNotFound)
		_, err = b.s.RunGet(b.ctx, id)
		wantErr(t, "RunGet(refused run)", err, store.ErrNotFound)
	})

	t.Run("GetNotFound", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		_, err := b.s.RunGet(b.ctx, newID())
		wantErr(t, "RunGet", err, store.ErrNotFound)
		srs, err := b.s.StepResultList(b.ctx, newID())
		if err != nil || len(srs) != 0 {
			t.Errorf("StepResultList(unknown run) = %d, %v; want none, no error", len(srs), err)
		}
	})
}

func testRunClaim(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("DueOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		ids := b.accept(t, "w",
			b.now.Add(time.Second), // future
			b.now,
			b.now.Add(-time.Second),
			b.now.Add(-2*time.Second),
		)
		// Oldest due first, by run_at rather than id.
		runs := b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, LeaseFor: time.Minute, Limit: 2})
		if got, want := RunIDs(runs), []string{ids[3], ids[2]}; !slices.Equal(got, want) {
			t.Fatalf("RunClaim(limit 2) = %v, want the two oldest due runs %v", got, want)
		}
		runs = append(runs, b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, LeaseFor: time.Minute})...)
		if got, want := RunIDs(runs), []string{ids[3], ids[2], ids[1]}; !slices.Equal(got, want) {
			t.Fatalf("RunClaim = %v, want the due runs oldest first %v", got, want)
		}
		for _, r := range runs {
			want := b.run(t, r.ID)
			diff(t, "claimed run vs RunGet", r, want)
			if r.Status != store.StatusRunning || r.LeaseOwner != "a" || !r.LeaseUntil.Equal(b.now.Add(time.Minute)) ||
				r.Attempt != 1 || !r.UpdatedAt.Equal(b.now) {
				t.Errorf("claimed run: status %s, owner %q, lease until %v, attempt %d, updated %v; want running, a, now+1m, 1, now",
					r.Status, r.LeaseOwner, r.LeaseUntil, r.Attempt, r.UpdatedAt)
			}
		}
		if r := b.run(t, ids[0]); r.Status != store.StatusQueued || r.Attempt != 0 {
			t.Errorf("future run: status %s, attempt %d; want queued, 0", r.Status, r.Attempt)
		}
		if runs := b.claim(t, store.RunClaimParams{Owner: "b", Now: b.now}); len(runs) != 0 {
			t.Errorf("second RunClaim = %v, want none (claimed runs are leased)", RunIDs(runs))
		}
		runs = b.claim(t, store.RunClaimParams{Owner: "b", Now: b.now.Add(time.Second)})
		if got := RunIDs(runs); !slices.Equal(got, []string{ids[0]}) {
			t.Errorf("RunClaim when the future run is due = %v, want [%s]", got, ids[0])
		}
	})

	t.Run("Limit", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		ids := b.acceptN(t, "w", 5) // same run_at: ordered by id
		for _, want := range [][]string{ids[0:2], ids[2:4], ids[4:5], {}} {
			runs := b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, Limit: 2})
			if got := RunIDs(runs); !slices.Equal(got, want) {
				t.Errorf("RunClaim(limit 2) = %v, want %v", got, want)
			}
		}
	})

	t.Run("ExcludeWorkflows", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		for _, id := range []string{"w1", "w2", "w3"} {
			b.workflow(t, id)
		}
		w1 := b.acceptN(t, "w1", 2)
		w2 := b.acceptN(t, "w2", 2)
		w3 := b.acceptN(t, "w3", 1)
		runs := b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, ExcludeWorkflows: []string{"w1", "w3"}})
		if got := RunIDs(runs); !slices.Equal(got, w2) {
			t.Errorf("RunClaim excluding w1, w3 = %v, want w2's %v", got, w2)
		}
		runs = b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, ExcludeWorkflows: []string{"w1"}})
		if got := RunIDs(runs); !slices.Equal(got, w3) {
			t.Errorf("RunClaim excluding w1 = %v, want w3's %v", got, w3)
		}
		runs = b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, LeaseFor: time.Second})
		if got := RunIDs(runs); !slices.Equal(got, w1) {
			t.Errorf("RunClaim = %v, want w1's %v", got, w1)
		}
		// Expired leases are excluded too.
		later := b.now.Add(time.Hour)
		if runs := b.claim(t, store.RunClaimParams{Owner: "b", Now: later, ExcludeWorkflows: []string{"w1", "w2", "w3"}}); len(runs) != 0 {
			t.Errorf("RunClaim excluding every workflow = %v, want none", RunIDs(runs))
		}
		if runs := b.claim(t, store.RunClaimParams{Owner: "b", Now: later, ExcludeWorkflows: []string{"w2", "w3"}}); !slices.Equal(RunIDs(runs), w1) {
			t.Errorf("RunClaim of expired leases excluding w2, w3 = %v, want w1's %v", RunIDs(runs), w1)
		}
	})

	t.Run("FinishedNeverClaimed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		statuses := []string{store.StatusSucceeded, store.StatusFiltered, store.StatusFailed, store.StatusCancelled}
		b.acceptN(t, "w", len(statuses))
		runs := b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now})
		for i, r := range runs {
			b.update(t, store.RunUpdateParams{ID: r.ID, Owner: "a", Attempt: r.Attempt, Status: statuses[i], Now: b.now})
		}
		if runs := b.claim(t, store.RunClaimParams{Owner: "b", Now: b.now.Add(24 * time.Hour)}); len(runs) != 0 {
			t.Errorf("RunClaim = %v, want no finished run", RunIDs(runs))
		}
	})

	t.Run("RetryingWaitingQueued", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.acceptN(t, "w", 1)[0]
		r := b.claimOne(t, "a", id)
		at := b.now
		for i, step := range []struct {
			status string
			runAt  time.Duration // after the update; 0 means due at once
		}{
			{store.StatusRetrying, 10 * time.Second},
			{store.StatusWaiting, time.Hour},
			{store.StatusQueued, 0}, // released at shutdown
		} {
			var runAt time.Time
			if step.runAt > 0 {
				runAt = at.Add(step.runAt)
			}
			b.update(t, store.RunUpdateParams{ID: id, Owner: r.LeaseOwner, Attempt: r.Attempt, Status: step.status, RunAt: runAt, Now: at})
			if step.runAt > 0 {
				if runs := b.claim(t, store.RunClaimParams{Owner: "b", Now: at.Add(step.runAt - time.Microsecond)}); len(runs) != 0 {
					t.Errorf("%s run claimed before its run_at", step.status)
				}
			}
			at = at.Add(step.runAt)
			owner := fmt.Sprintf("owner-%d", i)
			runs := b.claim(t, store.RunClaimParams{Owner: owner, Now: at})
			if len(runs) != 1 || runs[0].ID != id {
				t.Fatalf("%s run not claimed when due: got %v", step.status, RunIDs(runs))
			}
			r = runs[0]
			if r.Attempt != i+2 || r.LeaseOwner != owner || r.Status != store.StatusRunning {
				t.Errorf("reclaimed %s run: attempt %d, owner %q, status %s; want %d, %s, running",
					step.status, r.Attempt, r.LeaseOwner, r.Status, i+2, owner)
			}
		}
	})

	t.Run("ExpiredLease", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.acceptN(t, "w", 1)[0]
		b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, LeaseFor: time.Minute})
		for _, at := range []time.Time{b.now.Add(30 * time.Second), b.now.Add(time.Minute)} {
			if runs := b.claim(t, store.RunClaimParams{Owner: "b", Now: at}); len(runs) != 0 {
				t.Errorf("RunClaim at %v: claimed %v, a live lease", at.Sub(b.now), RunIDs(runs))
			}
		}
		at := b.now.Add(time.Minute + time.Microsecond)
		runs := b.claim(t, store.RunClaimParams{Owner: "b", Now: at, LeaseFor: time.Minute})
		if len(runs) != 1 || runs[0].ID != id {
			t.Fatalf("RunClaim after the lease expired = %v, want [%s]", RunIDs(runs), id)
		}
		if r := runs[0]; r.LeaseOwner != "b" || r.Attempt != 2 || !r.LeaseUntil.Equal(at.Add(time.Minute)) {
			t.Errorf("reclaimed run: owner %q, attempt %d, lease until %v; want b, 2, %v", r.LeaseOwner, r.Attempt, r.LeaseUntil, at.Add(time.Minute))
		}
		err := b.s.RunUpdate(b.ctx, store.RunUpdateParams{ID: id, Owner: "a", Attempt: 1, Status: store.StatusSucceeded, Now: at})
		wantErr(t, "RunUpdate by the expired owner", err, store.ErrLeaseLost)
		b.update(t, store.RunUpdateParams{ID: id, Owner: "b", Attempt: 2, Status: store.StatusSucceeded, Now: at})
	})

	t.Run("LeaseExtended", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.acceptN(t, "w", 1)[0]
		r := b.claimOne(t, "a", id)
		until := b.now.Add(5 * time.Minute)
		b.update(t, store.RunUpdateParams{ID: id, Owner: "a", Attempt: r.Attempt, Status: store.StatusRunning, LeaseUntil: until, Now: b.now})
		if runs := b.claim(t, store.RunClaimParams{Owner: "b", Now: b.now.Add(2 * time.Minute)}); len(runs) != 0 {
			t.Errorf("RunClaim claimed %v under an extended lease", RunIDs(runs))
		}
		if runs := b.claim(t, store.RunClaimParams{Owner: "b", Now: until.Add(time.Microsecond)}); len(runs) != 1 {
			t.Errorf("RunClaim after the extended lease = %v, want the run", RunIDs(runs))
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		const total, workers = 200, 8
		ids := b.acceptN(t, "w", total)
		var (
			mu    sync.Mutex
			owner = map[string]string{}
			wg    sync.WaitGroup
		)
		for g := range workers {
			name := fmt.Sprintf("worker-%d", g)
			wg.Go(func() {
				for {
					runs, err := b.s.RunClaim(b.ctx, store.RunClaimParams{Owner: name, Limit: 7, Now: b.now, LeaseFor: time.Hour})
					if err != nil {
						t.Errorf("RunClaim(%s): %v", name, err)
						return
					}
					if len(runs) == 0 {
						return
					}
					mu.Lock()
					for _, r := range runs {
						if prev, ok := owner[r.ID]; ok {
							t.Errorf("run %s claimed by %s and %s", r.ID, prev, name)
						}
						owner[r.ID] = name
						if r.LeaseOwner != name || r.Attempt != 1 {
							t.Errorf("run %s claimed by %s: owner %q, attempt %d", r.ID, name, r.LeaseOwner, r.Attempt)
						}
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(owner) != total {
			t.Errorf("%d runs claimed, want %d", len(owner), total)
		}
		for _, id := range ids {
			if r := b.run(t, id); r.LeaseOwner != owner[id] || r.Attempt != 1 {
				t.Errorf("run %s: owner %q, attempt %d; want %q, 1", id, r.LeaseOwner, r.Attempt, owner[id])
			}
		}
	})
}

func testRunUpdate(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Fenced", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		ids := b.acceptN(t, "w", 2)
		claimed := b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, Limit: 1})[0]
		result := []store.StepResult{{RunID: claimed.ID, StepID: "s", Attempt: 1, Status: store.StepSucceeded, StartedAt: b.now}}
		for _, p := range []store.RunUpdateParams{
			{ID: claimed.ID, Owner: "b", Attempt: 1},                         // another owner
			{ID: claimed.ID, Owner: "a", Attempt: 2},                         // another attempt
			{ID: claimed.ID, Owner: "a", Attempt: 0},                         // an earlier attempt
			{ID: ids[1], Owner: "", Attempt: 0},                              // a run never claimed
			{ID: newID(), Owner: "a", Attempt: 1},                            // no such run
			{ID: ids[1], Owner: "a", Attempt: 1, Status: store.StatusQueued}, // still not claimed
		} {
			if p.Status == "" {
				p.Status = store.StatusSucceeded
			}
			p.NextStep, p.Error, p.Results, p.Now = 1, "stale", result, b.now.Add(time.Second)
			err := b.s.RunUpdate(b.ctx, p)
			wantErr(t, fmt.Sprintf("RunUpdate(owner %q, attempt %d)", p.Owner, p.Attempt), err, store.ErrLeaseLost)
		}
		diff(t, "run after refused updates", b.run(t, claimed.ID), claimed)
		if srs, err := b.s.StepResultList(b.ctx, claimed.ID); err != nil || len(srs) != 0 {
			t.Errorf("StepResultList after refused updates = %d, %v; want none written", len(srs), err)
		}

		b.update(t, store.RunUpdateParams{ID: claimed.ID, Owner: "a", Attempt: 1, Status: store.StatusSucceeded, Results: result, Now: b.now})
		// Finished, the run has no lease left to write under.
		err := b.s.RunUpdate(b.ctx, store.RunUpdateParams{ID: claimed.ID, Owner: "a", Attempt: 1, Status: store.StatusFailed, Results: result, Now: b.now})
		wantErr(t, "RunUpdate after a final status", err, store.ErrLeaseLost)
		if r := b.run(t, claimed.ID); r.Status != store.StatusSucceeded {
			t.Errorf("run status %s, want succeeded", r.Status)
		}
		if srs, err := b.s.StepResultList(b.ctx, claimed.ID); err != nil || len(srs) != 1 {
			t.Errorf("StepResultList = %d, %v; want 1", len(srs), err)
		}
	})

	t.Run("Many", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		b.acceptN(t, "w", 3)
		runs := b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, Limit: 3})
		if len(runs) != 3 {
			t.Fatalf("claimed %d runs, want 3", len(runs))
		}
		res := func(id string) []store.StepResult {
			return []store.StepResult{{RunID: id, StepID: "s", Attempt: 1, Status: store.StepSucceeded, StartedAt: b.now}}
		}
		errs, err := b.s.RunUpdateMany(b.ctx, []store.RunUpdateParams{
			{ID: runs[0].ID, Owner: "a", Attempt: 1, Status: store.StatusSucceeded, NextStep: 1, Results: res(runs[0].ID), Now: b.now},
			{ID: runs[1].ID, Owner: "b", Attempt: 1, Status: store.StatusFailed, Results: res(runs[1].ID), Now: b.now}, // not its owner
			{ID: runs[2].ID, Owner: "a", Attempt: 1, Status: store.StatusRetrying, NextStep: 0, StepAttempt: 1,
				RunAt: b.now.Add(time.Minute), Results: res(runs[2].ID), Now: b.now},
		})
		if err != nil || len(errs) != 3 {
			t.Fatalf("RunUpdateMany = %v, %v; want 3 per-update results", errs, err)
		}
		if errs[0] != nil || errs[2] != nil {
			t.Errorf("RunUpdateMany errs = %v; want the first and third applied", errs)
		}
		wantErr(t, "RunUpdateMany(other owner)", errs[1], store.ErrLeaseLost)
		if r := b.run(t, runs[0].ID); r.Status != store.StatusSucceeded || r.NextStep != 1 {
			t.Errorf("first run %s at step %d, want succeeded at 1", r.Status, r.NextStep)
		}
		if r := b.run(t, runs[1].ID); r.Status != store.StatusRunning || r.LeaseOwner != "a" {
			t.Errorf("fenced run %s owned by %q, want still running under a", r.Status, r.LeaseOwner)
		}
		if r := b.run(t, runs[2].ID); r.Status != store.StatusRetrying || !r.RunAt.Equal(b.now.Add(time.Minute)) {
			t.Errorf("third run %s due %v, want retrying in a minute", r.Status, r.RunAt)
		}
		for i, want := range []int{1, 0, 1} {
			if srs, err := b.s.StepResultList(b.ctx, runs[i].ID); err != nil || len(srs) != want {
				t.Errorf("run %d: %d step results, %v; want %d", i, len(srs), err, want)
			}
		}
		if errs, err := b.s.RunUpdateMany(b.ctx, nil); err != nil || len(errs) != 0 {
			t.Errorf("RunUpdateMany(nothing) = %v, %v", errs, err)
		}
	})

	t.Run("Statuses", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		at := b.now.Add(time.Minute)
		cases := []struct {
			status string
			runAt  time.Time // given
			want   time.Time // run_at after the update
		}{
			{status: store.StatusRetrying, runAt: at.Add(10 * time.Second), want: at.Add(10 * time.Second)},
			{status: store.StatusWaiting, runAt: at.Add(time.Hour), want: at.Add(time.Hour)},
			{status: store.StatusQueued, runAt: time.Time{}, want: at},
			{status: store.StatusQueued, runAt: at.Add(time.Second), want: at.Add(time.Second)},
			{status: store.StatusSucceeded, want: b.now},
			{status: store.StatusFiltered, want: b.now},
			{status: store.StatusFailed, want: b.now},
			{status: store.StatusCancelled, want: b.now},
		}
		b.acceptN(t, "w", len(cases))
		runs := b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now})
		for i, c := range cases {
			r := runs[i]
			b.update(t, store.RunUpdateParams{
				ID: r.ID, Owner: "a", Attempt: r.Attempt, Status: c.status, NextStep: 3, StepAttempt: 2,
				RunAt: c.runAt, Error: "error " + c.status, Now: at,
			})
			want := r
			want.Status, want.NextStep, want.StepAttempt, want.Error = c.status, 3, 2, "error "+c.status
			want.LeaseOwner, want.LeaseUntil, want.RunAt, want.UpdatedAt = "", time.Time{}, c.want, at
			if store.Finished(c.status) {
				want.FinishedAt = at
			}
			diff(t, c.status+" run", b.run(t, r.ID), want)
		}
	})

	t.Run("Running", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.acceptN(t, "w", 1)[0]
		r := b.claimOne(t, "a", id)
		at := b.now.Add(time.Second)
		until := b.now.Add(5 * time.Minute)
		b.update(t, store.RunUpdateParams{
			ID: id, Owner: "a", Attempt: 1, Status: store.StatusRunning, NextStep: 1, StepAttempt: 1, LeaseUntil: until, Now: at,
		})
		want := r
		want.NextStep, want.StepAttempt, want.LeaseUntil, want.UpdatedAt = 1, 1, until, at
		diff(t, "running run with a new lease", b.run(t, id), want)

		// No LeaseUntil: the lease stays as it was.
		at = at.Add(time.Second)
		b.update(t, store.RunUpdateParams{
			ID: id, Owner: "a", Attempt: 1, Status: store.StatusRunning, NextStep: 2, Error: "step 1 retried", Now: at,
		})
		want.NextStep, want.StepAttempt, want.Error, want.UpdatedAt = 2, 0, "step 1 retried", at
		diff(t, "running run", b.run(t, id), want)
	})

	t.Run("UnknownStatus", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.acceptN(t, "w", 1)[0]
		r := b.claimOne(t, "a", id)
		if err := b.s.RunUpdate(b.ctx, store.RunUpdateParams{ID: id, Owner: "a", Attempt: 1, Status: "done", Now: b.now}); err == nil {
			t.Errorf("RunUpdate with status %q: no error", "done")
		}
		// In a batch, one unknown status refuses the whole batch.
		good := store.RunUpdateParams{ID: id, Owner: "a", Attempt: 1, Status: store.StatusSucceeded, Now: b.now}
		bad := store.RunUpdateParams{ID: id, Owner: "a", Attempt: 1, Status: "done", Now: b.now}
		if errs, err := b.s.RunUpdateMany(b.ctx, []store.RunUpdateParams{good, bad}); err == nil {
			t.Errorf("RunUpdateMany with status %q = %v, no error", "done", errs)
		}
		diff(t, "run after a refused status", b.run(t, id), r)
	})

	t.Run("StepResults", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		ids := b.acceptN(t, "w", 2)
		runs := b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now})
		id, other := ids[0], ids[1]
		first := []store.StepResult{
			// Listed in the order recorded, whatever their index or time.
			{
				RunID: id, StepID: "shape", StepIndex: 1, Attempt: 1, Status: store.StepSucceeded,
				Input: []byte(`{"a":1}`), Output: []byte(`{"b":[1,2]}`),
				StartedAt: b.now.Add(2 * time.Second), Duration: 1234567 * time.Nanosecond,
			},
			{
				RunID: id, StepID: "paid", StepIndex: 0, Attempt: 1, Status: store.StepFiltered,
				Input: []byte(`{"a":1}`), Output: []byte(`false`),
				StartedAt: b.now.Add(time.Second), Duration: 42 * time.Microsecond,
			},
			{
				RunID: id, StepID: "notify", StepIndex: 2, Attempt: 1, Status: store.StepFailed,
				Input: []byte(`{"b":[1,2]}`), Error: "503 Service Unavailable", StatusCode: 503,
				StartedAt: b.now.Add(3 * time.Second), Duration: 1500 * time.Millisecond,
			},
		}
		second := []store.StepResult{
			{
				RunID: id, StepID: "notify", StepIndex: 2, Attempt: 2, Status: store.StepSucceeded,
				Input: []byte(`{"b":[1,2]}`), Output: []byte(`{"status":200,"headers":{},"body":"ok"}`), StatusCode: 200,
				StartedAt: b.now.Add(time.Hour), Duration: 3*time.Hour + time.Nanosecond,
			},
			{RunID: id, StepID: "wait", StepIndex: 3, Attempt: 1, Status: store.StepSkipped, StartedAt: b.now.Add(time.Hour)},
		}
		b.update(t, store.RunUpdateParams{ID: id, Owner: "a", Attempt: 1, Status: store.StatusRetrying, NextStep: 2, StepAttempt: 1,
			RunAt: b.now.Add(time.Minute), Results: first, Now: b.now.Add(4 * time.Second)})
		b.update(t, store.RunUpdateParams{ID: other, Owner: "a", Attempt: runs[1].Attempt, Status: store.StatusSucceeded,
			Results: []store.StepResult{{RunID: other, StepID: "x", Attempt: 1, Status: store.StepSucceeded, StartedAt: b.now}}, Now: b.now})
		runs = b.claim(t, store.RunClaimParams{Owner: "b", Now: b.now.Add(time.Hour)})
		if len(runs) != 1 {
			t.Fatalf("RunClaim of the retrying run = %v", RunIDs(runs))
		}
		b.update(t, store.RunUpdateParams{ID: id, Owner: "b", Attempt: 2, Status: store.StatusSucceeded, NextStep: 4,
			Results: second, Now: b.now.Add(2 * time.Hour)})

		got, err := b.s.StepResultList(b.ctx, id)
		if err != nil {
			t.Fatalf("StepResultList: %v", err)
		}
		want := append(slices.Clone(first), second...)
		if len(got) != len(want) {
			t.Fatalf("StepResultList = %d results, want %d", len(got), len(want))
		}
		for i := range want {
			diff(t, fmt.Sprintf("step result %d", i), got[i], want[i])
		}
		if got, err := b.s.StepResultList(b.ctx, other); err != nil || len(got) != 1 || got[0].StepID != "x" {
			t.Errorf("StepResultList(other run) = %+v, %v; want its one result", got, err)
		}
	})
}

func testRunList(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Filters", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w1")
		b.workflow(t, "w2")
		w1 := b.acceptN(t, "w1", 3)
		w2 := b.acceptN(t, "w2", 2)
		claimed := map[string]store.Run{}
		for _, r := range b.claim(t, store.RunClaimParams{Owner: "a", Now: b.now, Limit: 4}) {
			claimed[r.ID] = r
		}
		// w1: succeeded, failed, running; w2: succeeded, queued
		for id, status := range map[string]string{w1[0]: store.StatusSucceeded, w1[1]: store.StatusFailed, w2[0]: store.StatusSucceeded} {
			b.update(t, store.RunUpdateParams{ID: id, Owner: "a", Attempt: claimed[id].Attempt, Status: status, Now: b.now})
		}
		for _, c := range []struct {
			name string
			p    store.RunListParams
			want []string
		}{
			{"all", store.RunListParams{}, newestFirst(append(w1, w2...)...)},
			{"workflow", store.RunListParams{WorkflowID: "w1"}, newestFirst(w1...)},
			{"status", store.RunListParams{Status: store.StatusSucceeded}, newestFirst(w1[0], w2[0])},
			{"workflow and status", store.RunListParams{WorkflowID: "w1", Status: store.StatusSucceeded}, []string{w1[0]}},
			{"running", store.RunListParams{Status: store.StatusRunning}, []string{w1[2]}},
			{"queued", store.RunListParams{Status: store.StatusQueued}, []string{w2[1]}},
			{"failed", store.RunListParams{Status: store.StatusFailed}, []string{w1[1]}},
			{"workflow and failed", store.RunListParams{WorkflowID: "w2", Status: store.StatusFailed}, nil},
			{"unknown workflow", store.RunListParams{WorkflowID: "none"}, nil},
			{"limit", store.RunListParams{Limit: 2}, newestFirst(append(w1, w2...)...)[:2]},
		} {
			runs, err := b.s.RunList(b.ctx, c.p)
			if err != nil {
				t.Errorf("RunList(%s): %v", c.name, err)
				continue
			}
			if got := RunIDs(runs); !slices.Equal(got, c.want) {
				t.Errorf("RunList(%s) = %v, want %v", c.name, got, c.want)
			}
		}
		// Listed runs are whole records.
		runs, err := b.s.RunList(b.ctx, store.RunListParams{WorkflowID: "w1", Status: store.StatusRunning})
		if err != nil || len(runs) != 1 {
			t.Fatalf("RunList(running w1) = %d, %v", len(runs), err)
		}
		diff(t, "listed run", runs[0], b.run(t, w1[2]))
	})

	t.Run("CreatedBetween", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		p := event("w", b.now)
		b.acceptParams(t, p)
		var ids []string // created at now+1m, +2m, +3m, +4m
		for i := 1; i <= 4; i++ {
			r, err := b.s.RunInsert(b.ctx, store.RunInsertParams{
				ID: newID(), WorkflowID: "w", Revision: 1, EventID: p.Event.ID, ReplayOf: p.RunID,
				Now: b.now.Add(time.Duration(i) * time.Minute),
			})
			if err != nil {
				t.Fatalf("RunInsert: %v", err)
			}
			ids = append(ids, r.ID)
		}
		minute := func(n int) time.Time { return b.now.Add(time.Duration(n) * time.Minute) }
		for _, c := range []struct {
			name string
			p    store.RunListParams
			want []string
		}{
			// Since is inclusive, Until exclusive.
			{"since", store.RunListParams{Since: minute(2)}, newestFirst(ids[1:]...)},
			{"until", store.RunListParams{Until: minute(3)}, newestFirst(p.RunID, ids[0], ids[1])},
			{"between", store.RunListParams{Since: minute(2), Until: minute(4)}, newestFirst(ids[1:3]...)},
			{"between, just inside", store.RunListParams{Since: minute(2).Add(-time.Microsecond), Until: minute(2).Add(time.Microsecond)}, []string{ids[1]}},
			{"empty range", store.RunListParams{Since: minute(2).Add(time.Microsecond), Until: minute(3)}, nil},
		} {
			runs, err := b.s.RunList(b.ctx, c.p)
			if err != nil {
				t.Errorf("RunList(%s): %v", c.name, err)
				continue
			}
			if got := RunIDs(runs); !slices.Equal(got, c.want) {
				t.Errorf("RunList(%s) = %v, want %v", c.name, got, c.want)
			}
		}
	})

	t.Run("Pages", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w1")
		b.workflow(t, "w2")
		var all, w1 []string
		for range 5 { // interleaved ids
			ids := b.acceptN(t, "w1", 3)
			w1 = append(w1, ids...)
			all = append(all, ids...)
			all = append(all, b.acceptN(t, "w2", 2)...)
		}
		for _, c := range []struct {
			name  string
			p     store.RunListParams
			want  []string
			pages int
		}{
			{"all", store.RunListParams{Limit: 10}, newestFirst(all...), 3},
			{"workflow", store.RunListParams{WorkflowID: "w1", Limit: 4}, newestFirst(w1...), 4},
		} {
			var got []string
			pages := 0
			p := c.p
			for {
				runs, err := b.s.RunList(b.ctx, p)
				if err != nil {
					t.Fatalf("RunList(%s, before %q): %v", c.name, p.Before, err)
				}
				if len(runs) == 0 {
					break
				}
				if len(runs) > p.Limit {
					t.Fatalf("RunList(%s): page of %d, limit %d", c.name, len(runs), p.Limit)
				}
				pages++
				got = append(got, RunIDs(runs)...)
				p.Before = runs[len(runs)-1].ID
			}
			if !slices.Equal(got, c.want) || pages != c.pages {
				t.Errorf("RunList(%s) pages: %d pages of %v\nwant %d pages of %v", c.name, pages, got, c.pages, c.want)
			}
		}
	})

	t.Run("DefaultAndMaxLimit", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		b.acceptN(t, "w", 1005)
		for _, c := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {5000, 1000}, {1000, 1000}, {7, 7}} {
			runs, err := b.s.RunList(b.ctx, store.RunListParams{Limit: c.limit})
			if err != nil || len(runs) != c.want {
				t.Errorf("RunList(limit %d) = %d runs, %v; want %d", c.limit, len(runs), err, c.want)
			}
		}
	})
}
