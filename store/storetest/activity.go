package storetest

import (
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// testWorkflowActivity: every workflow's last run, its runs since a time,
// and its failures since that time not followed by a success, in one call;
// a workflow without runs is listed with none.
func testWorkflowActivity(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	for _, id := range []string{"w1", "w2", "w3"} {
		b.workflow(t, id)
	}
	at := func(minutes int) time.Time { return b.now.Add(time.Duration(minutes) * time.Minute) }
	since := at(0)
	// w1: failed before since, succeeded, then two failures; w2: failed,
	// then succeeded, then filtered; w3: no runs.
	w1 := b.accept(t, "w1", at(-10), at(1), at(2), at(3))
	w2 := b.accept(t, "w2", at(-5), at(1), at(4))
	claimed := map[string]store.Run{}
	for _, r := range b.claim(t, store.RunClaimParams{Owner: "x", Now: at(5)}) {
		claimed[r.ID] = r
	}
	for id, status := range map[string]string{
		w1[0]: store.StatusFailed, w1[1]: store.StatusSucceeded, w1[2]: store.StatusFailed, w1[3]: store.StatusFailed,
		w2[0]: store.StatusFailed, w2[1]: store.StatusSucceeded, w2[2]: store.StatusFiltered,
	} {
		b.update(t, store.RunUpdateParams{ID: id, Owner: "x", Attempt: claimed[id].Attempt, Status: status, Now: at(5)})
	}

	got, err := b.s.WorkflowActivity(b.ctx, store.WorkflowActivityParams{Since: since})
	if err != nil {
		t.Fatalf("WorkflowActivity: %v", err)
	}
	want := []store.WorkflowActivity{
		{WorkflowID: "w1", LastRunID: w1[3], LastRunStatus: store.StatusFailed, LastRunAt: at(3), Runs: 3, Failures: 2},
		{WorkflowID: "w2", LastRunID: w2[2], LastRunStatus: store.StatusFiltered, LastRunAt: at(4), Runs: 2, Failures: 0},
		{WorkflowID: "w3"},
	}
	if len(got) != len(want) {
		t.Fatalf("WorkflowActivity = %+v, want %d workflows", got, len(want))
	}
	for i := range want {
		diff(t, "activity of "+want[i].WorkflowID, got[i], want[i])
	}

	// Since earlier: the failure before w1's success is counted as a run,
	// not as a failure; w2's early failure is followed by a success.
	got, err = b.s.WorkflowActivity(b.ctx, store.WorkflowActivityParams{Since: at(-60)})
	if err != nil {
		t.Fatalf("WorkflowActivity: %v", err)
	}
	if got[0].Runs != 4 || got[0].Failures != 2 || got[1].Runs != 3 || got[1].Failures != 0 {
		t.Errorf("since an hour before: %+v", got)
	}
	// A success after the failures clears them.
	ok := b.accept(t, "w1", at(6))[0]
	runs := b.claim(t, store.RunClaimParams{Owner: "y", Now: at(7)})
	if len(runs) != 1 || runs[0].ID != ok {
		t.Fatalf("claimed %v, want [%s]", RunIDs(runs), ok)
	}
	r := runs[0]
	b.update(t, store.RunUpdateParams{ID: ok, Owner: "y", Attempt: r.Attempt, Status: store.StatusSucceeded, Now: at(6)})
	got, err = b.s.WorkflowActivity(b.ctx, store.WorkflowActivityParams{Since: since})
	if err != nil {
		t.Fatalf("WorkflowActivity: %v", err)
	}
	if got[0].Failures != 0 || got[0].Runs != 4 || got[0].LastRunID != ok || got[0].LastRunStatus != store.StatusSucceeded {
		t.Errorf("after a success: %+v", got[0])
	}
}
