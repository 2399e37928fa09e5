package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// testWait covers wait steps (WaitBegin, WaitResume, WaitGet) and what a
// run update carries beside its run: the runs it starts, the waits it
// resumes, the wait it waits on.
func testWait(t *testing.T, newStore func(t *testing.T) store.Store) {
	// waiting claims run id and writes it waiting at step 1 until a day
	// later, on wait step "approval" (WaitStep when on).
	waiting := func(t *testing.T, b *bundle, id string, on bool) store.Run {
		t.Helper()
		r := b.claimOne(t, "w1", id)
		p := store.RunUpdateParams{ID: id, Owner: "w1", Attempt: r.Attempt, Status: store.StatusWaiting,
			NextStep: 1, RunAt: b.now.Add(24 * time.Hour), Now: b.now}
		if on {
			p.WaitStep = "approval"
		}
		b.update(t, p)
		return r
	}

	t.Run("BeginKeepsTheFirstUntil", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.accept(t, "w", b.now)[0]
		until := b.now.Add(time.Hour)
		w, err := b.s.WaitBegin(b.ctx, store.WaitBeginParams{RunID: id, StepID: "approval", Until: until})
		if err != nil || !w.Until.Equal(until) || w.Resumed() || !w.ResumedAt.IsZero() {
			t.Fatalf("WaitBegin = %+v, %v; want until %v, not resumed", w, err, until)
		}
		w, err = b.s.WaitBegin(b.ctx, store.WaitBeginParams{RunID: id, StepID: "approval", Until: until.Add(time.Hour)})
		if err != nil || !w.Until.Equal(until) {
			t.Fatalf("WaitBegin again = %+v, %v; want the first until %v kept", w, err, until)
		}
		never, err := b.s.WaitBegin(b.ctx, store.WaitBeginParams{RunID: id, StepID: "other"})
		if err != nil || !never.Until.IsZero() {
			t.Fatalf("WaitBegin without until = %+v, %v", never, err)
		}
		_, err = b.s.WaitBegin(b.ctx, store.WaitBeginParams{RunID: "none", StepID: "approval"})
		wantErr(t, "WaitBegin of an unknown run", err, store.ErrNotFound)
		_, err = b.s.WaitGet(b.ctx, id, "third")
		wantErr(t, "WaitGet of a wait not begun", err, store.ErrNotFound)
	})

	t.Run("ResumeOnceMakesTheRunDue", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.accept(t, "w", b.now)[0]
		waiting(t, b, id, false)
		if _, err := b.s.WaitBegin(b.ctx, store.WaitBeginParams{RunID: id, StepID: "approval", Until: b.now.Add(24 * time.Hour)}); err != nil {
			t.Fatalf("WaitBegin: %v", err)
		}
		if runs := b.claim(t, store.RunClaimParams{Owner: "w2", Now: b.now.Add(time.Minute)}); len(runs) != 0 {
			t.Fatalf("a waiting run was claimed before its time: %v", RunIDs(runs))
		}
		later := b.now.Add(time.Minute)
		resume := []byte(`{"resumed":true,"method":"POST"}`)
		if err := b.s.WaitResume(b.ctx, store.WaitResumeParams{RunID: id, StepID: "approval", Resume: resume, Now: later}); err != nil {
			t.Fatalf("WaitResume: %v", err)
		}
		err := b.s.WaitResume(b.ctx, store.WaitResumeParams{RunID: id, StepID: "approval", Resume: []byte(`{"x":1}`), Now: later})
		wantErr(t, "a second WaitResume", err, store.ErrConflict)
		w, err := b.s.WaitGet(b.ctx, id, "approval")
		if err != nil || string(w.Resume) != string(resume) || !w.ResumedAt.Equal(later) || !w.Until.Equal(b.now.Add(24*time.Hour)) {
			t.Fatalf("WaitGet = %+v, %v; want the first resume at %v", w, err, later)
		}
		runs := b.claim(t, store.RunClaimParams{Owner: "w2", Now: later})
		if got := RunIDs(runs); len(got) != 1 || got[0] != id {
			t.Fatalf("claim after the resume = %v, want [%s]", got, id)
		}
		err = b.s.WaitResume(b.ctx, store.WaitResumeParams{RunID: "none", StepID: "approval", Resume: resume, Now: later})
		wantErr(t, "WaitResume of an unknown run", err, store.ErrNotFound)
	})

	t.Run("ResumeBeforeTheWaitBeginsWakesNothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.accept(t, "w", b.now)[0]
		waiting(t, b, id, false) // on another step, a delay say
		if err := b.s.WaitResume(b.ctx, store.WaitResumeParams{RunID: id, StepID: "approval", Resume: []byte(`{"resumed":true}`), Now: b.now}); err != nil {
			t.Fatalf("WaitResume: %v", err)
		}
		if runs := b.claim(t, store.RunClaimParams{Owner: "w2", Now: b.now}); len(runs) != 0 {
			t.Fatalf("a resume of a wait not begun woke the run: %v", RunIDs(runs))
		}
		w, err := b.s.WaitBegin(b.ctx, store.WaitBeginParams{RunID: id, StepID: "approval", Until: b.now.Add(time.Hour)})
		if err != nil || !w.Resumed() || !w.Until.IsZero() {
			t.Fatalf("WaitBegin after the resume = %+v, %v; want it resumed", w, err)
		}
	})

	t.Run("ResumeOfAFinishedRunConflicts", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		id := b.accept(t, "w", b.now)[0]
		r := b.claimOne(t, "w1", id)
		b.update(t, store.RunUpdateParams{ID: id, Owner: "w1", Attempt: r.Attempt, Status: store.StatusFailed, Now: b.now})
		err := b.s.WaitResume(b.ctx, store.WaitResumeParams{RunID: id, StepID: "approval", Resume: []byte(`{}`), Now: b.now})
		wantErr(t, "WaitResume of a failed run", err, store.ErrConflict)
	})

	t.Run("ResumedWhileRunningIsDueAtOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		ids := b.accept(t, "w", b.now, b.now)
		for _, id := range ids {
			if _, err := b.s.WaitBegin(b.ctx, store.WaitBeginParams{RunID: id, StepID: "approval"}); err != nil {
				t.Fatalf("WaitBegin: %v", err)
			}
		}
		// Both runs are resumed while still queued, before they wait.
		for _, id := range ids {
			if err := b.s.WaitResume(b.ctx, store.WaitResumeParams{RunID: id, StepID: "approval", Resume: []byte(`{"resumed":true}`), Now: b.now}); err != nil {
				t.Fatalf("WaitResume: %v", err)
			}
		}
		runs := b.claim(t, store.RunClaimParams{Owner: "w1", Now: b.now})
		if len(runs) != 2 {
			t.Fatalf("claimed %d runs, want 2", len(runs))
		}
		for i, r := range runs {
			p := store.RunUpdateParams{ID: r.ID, Owner: "w1", Attempt: r.Attempt, Status: store.StatusWaiting,
				NextStep: 0, RunAt: b.now.Add(24 * time.Hour), Now: b.now}
			if i == 0 {
				p.WaitStep = "approval"
			}
			b.update(t, p)
		}
		got := RunIDs(b.claim(t, store.RunClaimParams{Owner: "w2", Now: b.now}))
		if len(got) != 1 || got[0] != runs[0].ID {
			t.Fatalf("claimed %v, want only the run that named its wait step, %s", got, runs[0].ID)
		}
	})

	t.Run("UpdateStartsRunsAndResumesWaits", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "parent")
		b.workflow(t, "child")
		parent := b.accept(t, "parent", b.now)[0]
		r := b.claimOne(t, "w1", parent)
		start := event("child", b.now)
		start.Event.Source = "workflow"
		start.Event.Headers = map[string]string{"hookflow-parent-run": parent}
		b.update(t, store.RunUpdateParams{ID: parent, Owner: "w1", Attempt: r.Attempt, Status: store.StatusWaiting,
			RunAt: b.now.Add(time.Hour), WaitStep: "call", Now: b.now, Start: []store.EventAcceptParams{start}})
		if _, err := b.s.WaitBegin(b.ctx, store.WaitBeginParams{RunID: parent, StepID: "call", Until: b.now.Add(time.Hour)}); err != nil {
			t.Fatalf("WaitBegin: %v", err)
		}
		child := b.claimOne(t, "w2", start.RunID)
		ev, err := b.s.EventGet(b.ctx, child.EventID)
		if err != nil || ev.Source != "workflow" || ev.Headers["hookflow-parent-run"] != parent || string(ev.Body) != `{"ok":true}` {
			t.Fatalf("child event = %+v, %v", ev, err)
		}
		// The child finishes, resuming its parent's wait in the same write.
		resume := store.WaitResumeParams{RunID: parent, StepID: "call", Resume: []byte(`{"run_id":"` + child.ID + `"}`)}
		b.update(t, store.RunUpdateParams{ID: child.ID, Owner: "w2", Attempt: child.Attempt, Status: store.StatusSucceeded,
			NextStep: 1, Now: b.now.Add(time.Second), Resume: []store.WaitResumeParams{resume, resume}})
		if got := RunIDs(b.claim(t, store.RunClaimParams{Owner: "w3", Now: b.now.Add(time.Second)})); len(got) != 1 || got[0] != parent {
			t.Fatalf("claimed %v as the child finished, want its parent %s", got, parent)
		}
		w, err := b.s.WaitGet(b.ctx, parent, "call")
		if err != nil || !w.Resumed() || !w.ResumedAt.Equal(b.now.Add(time.Second)) {
			t.Fatalf("parent's wait = %+v, %v; want resumed as the child finished", w, err)
		}

		// An update whose fence fails starts nothing.
		lost := event("child", b.now)
		err = b.s.RunUpdate(b.ctx, store.RunUpdateParams{ID: parent, Owner: "w1", Attempt: r.Attempt, Status: store.StatusWaiting,
			Now: b.now, Start: []store.EventAcceptParams{lost}})
		wantErr(t, "a fenced-off update", err, store.ErrLeaseLost)
		if _, err := b.s.RunGet(b.ctx, lost.RunID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("RunGet of a run started by a fenced-off update: %v, want not found", err)
		}
		// Many: the update with a start is applied with the others.
		other := b.accept(t, "parent", b.now)[0]
		ro := b.claimOne(t, "w4", other)
		batched := event("child", b.now)
		errs, err := b.s.RunUpdateMany(b.ctx, []store.RunUpdateParams{
			{ID: other, Owner: "w4", Attempt: ro.Attempt, Status: store.StatusSucceeded, NextStep: 1, Now: b.now,
				Start: []store.EventAcceptParams{batched}},
			{ID: parent, Owner: "w1", Attempt: r.Attempt, Status: store.StatusSucceeded, Now: b.now},
		})
		if err != nil || errs[0] != nil || !errors.Is(errs[1], store.ErrLeaseLost) {
			t.Fatalf("RunUpdateMany = %v, %v; want the first applied, the second fenced off", errs, err)
		}
		if got := b.run(t, batched.RunID); got.Status != store.StatusQueued {
			t.Fatalf("run started in a batch = %s, want queued", got.Status)
		}
	})
}
