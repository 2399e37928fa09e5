package storetest

import (
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// testRunControls: retry-now makes a retrying run due now and refuses any
// other; cancel ends a queued, retrying or waiting run at once, marks a
// running one (its owner's next update is written, then the run ends
// cancelled), and refuses a finished one.
func testRunControls(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	b.workflow(t, "w")
	ids := b.acceptN(t, "w", 4)
	claimed := map[string]store.Run{}
	for _, r := range b.claim(t, store.RunClaimParams{Owner: "x", Now: b.now}) {
		claimed[r.ID] = r
	}
	later := b.now.Add(time.Hour)
	retrying, waiting, running, done := ids[0], ids[1], ids[2], ids[3]
	b.update(t, store.RunUpdateParams{ID: retrying, Owner: "x", Attempt: claimed[retrying].Attempt, Status: store.StatusRetrying, RunAt: later, Now: b.now})
	b.update(t, store.RunUpdateParams{ID: waiting, Owner: "x", Attempt: claimed[waiting].Attempt, Status: store.StatusWaiting, RunAt: later, Now: b.now})
	b.update(t, store.RunUpdateParams{ID: done, Owner: "x", Attempt: claimed[done].Attempt, Status: store.StatusSucceeded, Now: b.now})

	// Retry now.
	now := b.now.Add(time.Minute)
	r, err := b.s.RunRetryNow(b.ctx, retrying, now)
	if err != nil {
		t.Fatalf("RunRetryNow(retrying): %v", err)
	}
	if !r.RunAt.Equal(now) || r.Status != store.StatusRetrying {
		t.Errorf("RunRetryNow: run at %v status %s, want %v retrying", r.RunAt, r.Status, now)
	}
	if got := RunIDs(b.claim(t, store.RunClaimParams{Owner: "y", Now: now})); len(got) != 1 || got[0] != retrying {
		t.Errorf("after RunRetryNow, claimed %v, want [%s]", got, retrying)
	}
	for _, id := range []string{waiting, running, done} {
		_, err := b.s.RunRetryNow(b.ctx, id, now)
		wantErr(t, "RunRetryNow(not retrying)", err, store.ErrConflict)
	}
	_, err = b.s.RunRetryNow(b.ctx, newID(), now)
	wantErr(t, "RunRetryNow(unknown)", err, store.ErrNotFound)

	// Cancel a waiting run at once.
	r, cancelled, err := b.s.RunCancel(b.ctx, store.RunCancelParams{ID: waiting, Now: now})
	if err != nil || !cancelled || r.Status != store.StatusCancelled || !r.FinishedAt.Equal(now) {
		t.Errorf("RunCancel(waiting) = %s cancelled=%v finished %v, %v; want cancelled at %v", r.Status, cancelled, r.FinishedAt, err, now)
	}
	// A running run is marked; its owner's next update is applied, then
	// the run is cancelled and the owner told so.
	r, cancelled, err = b.s.RunCancel(b.ctx, store.RunCancelParams{ID: running, Now: now})
	if err != nil || cancelled || r.Status != store.StatusRunning {
		t.Errorf("RunCancel(running) = %s cancelled=%v, %v; want running, marked", r.Status, cancelled, err)
	}
	err = b.s.RunUpdate(b.ctx, store.RunUpdateParams{
		ID: running, Owner: "x", Attempt: claimed[running].Attempt, Status: store.StatusRunning, NextStep: 1,
		LeaseUntil: now.Add(time.Minute), Now: now,
		Results: []store.StepResult{{StepID: "a", Attempt: 1, Status: store.StepSucceeded, Output: []byte(`1`), StartedAt: now}},
	})
	wantErr(t, "RunUpdate(cancel asked)", err, store.ErrRunCancelled)
	if got := b.run(t, running); got.Status != store.StatusCancelled || got.NextStep != 1 || got.LeaseOwner != "" || !got.FinishedAt.Equal(now) {
		t.Errorf("run asked to cancel, after its update: %s at step %d owner %q finished %v; want cancelled at 1", got.Status, got.NextStep, got.LeaseOwner, got.FinishedAt)
	}
	if res, err := b.s.StepResultList(b.ctx, running); err != nil || len(res) != 1 {
		t.Errorf("the cancelled run's attempt in flight: %d recorded, %v; want 1", len(res), err)
	}
	// A finished run cannot be cancelled.
	for _, id := range []string{done, waiting, running} {
		_, _, err := b.s.RunCancel(b.ctx, store.RunCancelParams{ID: id, Now: now})
		wantErr(t, "RunCancel(finished)", err, store.ErrConflict)
	}
	_, _, err = b.s.RunCancel(b.ctx, store.RunCancelParams{ID: newID(), Now: now})
	wantErr(t, "RunCancel(unknown)", err, store.ErrNotFound)

	// Through RunUpdateMany as well: the cancelled update gets its error at
	// its index, the other is applied as usual.
	more := b.acceptN(t, "w", 2)
	got := map[string]store.Run{}
	for _, r := range b.claim(t, store.RunClaimParams{Owner: "z", Now: now}) {
		got[r.ID] = r
	}
	if _, _, err := b.s.RunCancel(b.ctx, store.RunCancelParams{ID: more[0], Now: now}); err != nil {
		t.Fatalf("RunCancel: %v", err)
	}
	errs, err := b.s.RunUpdateMany(b.ctx, []store.RunUpdateParams{
		{ID: more[0], Owner: "z", Attempt: got[more[0]].Attempt, Status: store.StatusRetrying, RunAt: later, Now: now},
		{ID: more[1], Owner: "z", Attempt: got[more[1]].Attempt, Status: store.StatusRetrying, RunAt: later, Now: now},
	})
	if err != nil {
		t.Fatalf("RunUpdateMany: %v", err)
	}
	wantErr(t, "RunUpdateMany[cancel asked]", errs[0], store.ErrRunCancelled)
	if errs[1] != nil {
		t.Errorf("RunUpdateMany[other] = %v", errs[1])
	}
	if s0, s1 := b.run(t, more[0]).Status, b.run(t, more[1]).Status; s0 != store.StatusCancelled || s1 != store.StatusRetrying {
		t.Errorf("after RunUpdateMany: %s, %s; want cancelled, retrying", s0, s1)
	}
	if n, err := b.s.RunCount(b.ctx, store.RunListParams{WorkflowID: "w", Status: store.StatusCancelled}); err != nil || n != 3 {
		t.Errorf("RunCount(cancelled) = %d, %v; want 3", n, err)
	}
}

// testFailureIssues: failed runs of one workflow, step and class share an
// issue that counts them; the first opens it, a failure after it is
// resolved opens it again, while acknowledged it stays so.
func testFailureIssues(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	b.workflow(t, "w")
	ids := b.acceptN(t, "w", 6)
	claimed := map[string]store.Run{}
	for _, r := range b.claim(t, store.RunClaimParams{Owner: "x", Now: b.now}) {
		claimed[r.ID] = r
	}
	fail := func(id, class string, at time.Time) store.FailureRecorded {
		t.Helper()
		var res store.FailureRecorded
		b.update(t, store.RunUpdateParams{ID: id, Owner: "x", Attempt: claimed[id].Attempt, Status: store.StatusFailed,
			Error: "boom " + id, Now: at,
			Failure: &store.FailureRecord{WorkflowID: "w", StepID: "send", Class: class, Error: "boom " + id, NewID: newID(), Result: &res}})
		return res
	}
	t1, t2, t3 := b.now.Add(time.Second), b.now.Add(2*time.Second), b.now.Add(3*time.Second)
	first := fail(ids[0], "http_5xx", t1)
	if !first.Opened || first.Issue.Count != 1 || first.Issue.State != store.IssueOpen || first.Issue.SampleRunID != ids[0] {
		t.Errorf("first failure: %+v, want opened, count 1", first)
	}
	second := fail(ids[1], "http_5xx", t2)
	if second.Opened || second.Issue.ID != first.Issue.ID || second.Issue.Count != 2 ||
		!second.Issue.FirstSeen.Equal(t1) || !second.Issue.LastSeen.Equal(t2) || second.Issue.SampleRunID != ids[1] {
		t.Errorf("second failure: %+v, want the same issue, count 2, not opened", second)
	}
	other := fail(ids[2], "timeout", t2)
	if !other.Opened || other.Issue.ID == first.Issue.ID {
		t.Errorf("another class: %+v, want an issue of its own, opened", other)
	}
	if _, err := b.s.FailureIssueSetState(b.ctx, first.Issue.ID, store.IssueAcknowledged, t2); err != nil {
		t.Fatalf("FailureIssueSetState(acknowledged): %v", err)
	}
	if r := fail(ids[3], "http_5xx", t3); r.Opened || r.Issue.State != store.IssueAcknowledged || r.Issue.Count != 3 {
		t.Errorf("failure while acknowledged: %+v, want acknowledged still, count 3", r)
	}
	if _, err := b.s.FailureIssueSetState(b.ctx, first.Issue.ID, store.IssueResolved, t3); err != nil {
		t.Fatalf("FailureIssueSetState(resolved): %v", err)
	}
	if r := fail(ids[4], "http_5xx", t3); !r.Opened || r.Issue.State != store.IssueOpen || r.Issue.Count != 4 {
		t.Errorf("failure after resolved: %+v, want reopened, count 4", r)
	}
	// A run that does not fail counts nothing, even with a record.
	var none store.FailureRecorded
	b.update(t, store.RunUpdateParams{ID: ids[5], Owner: "x", Attempt: claimed[ids[5]].Attempt, Status: store.StatusSucceeded, Now: t3,
		Failure: &store.FailureRecord{WorkflowID: "w", StepID: "send", Class: "http_5xx", NewID: newID(), Result: &none}})
	if none.Issue.ID != "" {
		t.Errorf("a succeeded run was counted into %+v", none)
	}

	list, err := b.s.FailureIssueList(b.ctx, store.FailureIssueListParams{WorkflowID: "w"})
	if err != nil || len(list) != 2 || list[0].ID != first.Issue.ID {
		t.Fatalf("FailureIssueList(w) = %v, %v; want 2, last seen first", list, err)
	}
	if list, err := b.s.FailureIssueList(b.ctx, store.FailureIssueListParams{State: store.IssueOpen}); err != nil || len(list) != 2 {
		t.Errorf("FailureIssueList(open) = %d, %v; want 2", len(list), err)
	}
	if list, err := b.s.FailureIssueList(b.ctx, store.FailureIssueListParams{WorkflowID: "other"}); err != nil || len(list) != 0 {
		t.Errorf("FailureIssueList(other) = %d, %v; want 0", len(list), err)
	}
	got, err := b.s.FailureIssueGet(b.ctx, other.Issue.ID)
	if err != nil {
		t.Fatalf("FailureIssueGet: %v", err)
	}
	diff(t, "FailureIssueGet", got, other.Issue)
	_, err = b.s.FailureIssueGet(b.ctx, newID())
	wantErr(t, "FailureIssueGet(unknown)", err, store.ErrNotFound)
	_, err = b.s.FailureIssueSetState(b.ctx, newID(), store.IssueResolved, t3)
	wantErr(t, "FailureIssueSetState(unknown)", err, store.ErrNotFound)

	// A workflow's issues go with it.
	if err := b.s.WorkflowDelete(b.ctx, "w"); err != nil {
		t.Fatalf("WorkflowDelete: %v", err)
	}
	if list, err := b.s.FailureIssueList(b.ctx, store.FailureIssueListParams{}); err != nil || len(list) != 0 {
		t.Errorf("issues after the workflow was deleted = %d, %v; want 0", len(list), err)
	}
}

// testReplayJobs: a job's advance inserts its replays and moves its cursor
// in one transaction fenced by its lease; a job cancelled, or claimed by
// another, writes nothing more; a lease run out or held by a gone owner is
// taken over.
func testReplayJobs(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	b.workflow(t, "w")
	ids := b.acceptN(t, "w", 3)
	j, err := b.s.ReplayJobCreate(b.ctx, store.ReplayJob{ID: newID(), WorkflowID: "w", Status: store.StatusFailed,
		Until: b.now, From: store.ReplayFromStart, RatePerSecond: 10, Total: 3, CreatedAt: b.now})
	if err != nil {
		t.Fatalf("ReplayJobCreate: %v", err)
	}
	if j.State != store.ReplayRunning || j.Total != 3 || !j.Until.Equal(b.now) || j.From != store.ReplayFromStart {
		t.Errorf("ReplayJobCreate = %+v", j)
	}
	lease := time.Minute
	if _, err := b.s.ReplayJobClaim(b.ctx, store.ReplayJobClaimParams{ID: j.ID, Owner: "a", Now: b.now, LeaseFor: lease}); err != nil {
		t.Fatalf("ReplayJobClaim(a): %v", err)
	}
	_, err = b.s.ReplayJobClaim(b.ctx, store.ReplayJobClaimParams{ID: j.ID, Owner: "b", Now: b.now, LeaseFor: lease})
	wantErr(t, "ReplayJobClaim(b, leased to a)", err, store.ErrLeaseLost)

	replay := func(of string) store.ReplayJobItem {
		ev := b.run(t, of).EventID
		return store.ReplayJobItem{SourceRunID: of, Run: &store.RunInsertParams{ID: newID(), WorkflowID: "w", Revision: 1, EventID: ev, ReplayOf: of, Now: b.now}}
	}
	first := replay(ids[2])
	j, err = b.s.ReplayJobAdvance(b.ctx, store.ReplayJobAdvanceParams{ID: j.ID, Owner: "a", Now: b.now, LeaseUntil: b.now.Add(lease),
		Items: []store.ReplayJobItem{first, {SourceRunID: ids[1], Error: "its step is gone"}}})
	if err != nil {
		t.Fatalf("ReplayJobAdvance: %v", err)
	}
	if j.Done != 1 || j.Failed != 1 || j.Cursor != ids[1] || j.LastError != "its step is gone" || j.State != store.ReplayRunning {
		t.Errorf("after an advance: %+v", j)
	}
	if r := b.run(t, first.Run.ID); r.ReplayOf != ids[2] || r.Status != store.StatusQueued {
		t.Errorf("the replay: %+v", r)
	}
	// Another owner, its lease not run out, is fenced off and writes nothing.
	stray := replay(ids[0])
	_, err = b.s.ReplayJobAdvance(b.ctx, store.ReplayJobAdvanceParams{ID: j.ID, Owner: "b", Now: b.now, Items: []store.ReplayJobItem{stray}})
	wantErr(t, "ReplayJobAdvance(b)", err, store.ErrLeaseLost)
	if _, err := b.s.RunGet(b.ctx, stray.Run.ID); err == nil {
		t.Errorf("a fenced advance inserted its replay")
	}
	// Its owner gone, b takes the job over and finishes it.
	if _, err := b.s.ReplayJobClaim(b.ctx, store.ReplayJobClaimParams{ID: j.ID, Owner: "b", Takeover: "a", Now: b.now, LeaseFor: lease}); err != nil {
		t.Fatalf("ReplayJobClaim(b, taking over from a): %v", err)
	}
	j, err = b.s.ReplayJobAdvance(b.ctx, store.ReplayJobAdvanceParams{ID: j.ID, Owner: "b", Now: b.now, Items: []store.ReplayJobItem{stray}, Finish: true})
	if err != nil || j.State != store.ReplayDone || j.Done != 2 || j.Cursor != ids[0] || !j.FinishedAt.Equal(b.now) {
		t.Errorf("final advance = %+v, %v; want done, 2 replayed", j, err)
	}
	_, err = b.s.ReplayJobCancel(b.ctx, j.ID, b.now)
	wantErr(t, "ReplayJobCancel(done)", err, store.ErrConflict)

	// A cancelled job: its owner's advance is fenced off.
	k, err := b.s.ReplayJobCreate(b.ctx, store.ReplayJob{ID: newID(), From: store.ReplayFromFailedStep, RatePerSecond: 1, Total: 1, CreatedAt: b.now})
	if err != nil {
		t.Fatalf("ReplayJobCreate: %v", err)
	}
	if _, err := b.s.ReplayJobClaim(b.ctx, store.ReplayJobClaimParams{ID: k.ID, Owner: "a", Now: b.now, LeaseFor: lease}); err != nil {
		t.Fatalf("ReplayJobClaim: %v", err)
	}
	if k, err = b.s.ReplayJobCancel(b.ctx, k.ID, b.now); err != nil || k.State != store.ReplayCancelled {
		t.Fatalf("ReplayJobCancel = %+v, %v", k, err)
	}
	_, err = b.s.ReplayJobAdvance(b.ctx, store.ReplayJobAdvanceParams{ID: k.ID, Owner: "a", Now: b.now, Items: []store.ReplayJobItem{replay(ids[0])}})
	wantErr(t, "ReplayJobAdvance(cancelled)", err, store.ErrLeaseLost)
	_, err = b.s.ReplayJobClaim(b.ctx, store.ReplayJobClaimParams{ID: k.ID, Owner: "a", Now: b.now, LeaseFor: lease})
	wantErr(t, "ReplayJobClaim(cancelled)", err, store.ErrLeaseLost)

	list, err := b.s.ReplayJobList(b.ctx, store.ReplayJobListParams{})
	if err != nil || len(list) != 2 || list[0].ID != k.ID {
		t.Errorf("ReplayJobList = %d jobs, %v; want 2, newest first", len(list), err)
	}
	if list, err := b.s.ReplayJobList(b.ctx, store.ReplayJobListParams{State: store.ReplayRunning}); err != nil || len(list) != 0 {
		t.Errorf("ReplayJobList(running) = %d, %v; want 0", len(list), err)
	}
	got, err := b.s.ReplayJobGet(b.ctx, k.ID)
	if err != nil {
		t.Fatalf("ReplayJobGet: %v", err)
	}
	diff(t, "ReplayJobGet", got, k)
	_, err = b.s.ReplayJobGet(b.ctx, newID())
	wantErr(t, "ReplayJobGet(unknown)", err, store.ErrNotFound)
}

// testOperations runs the tests of store.OperationsStore.
func testOperations(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("RunControls", func(t *testing.T) { testRunControls(t, newStore) })
	t.Run("FailureIssues", func(t *testing.T) { testFailureIssues(t, newStore) })
	t.Run("ReplayJobs", func(t *testing.T) { testReplayJobs(t, newStore) })
}
