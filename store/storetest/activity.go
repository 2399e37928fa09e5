package storetest

import (
	"fmt"
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

// testWorkflowActivityWindow: the activity counts exactly the runs created
// since the time asked, and the failures among them newer (by id) than
// their workflow's newest succeeded run, whether their ids tell their
// creation time or not (skewed), at the window's edges, and where that
// success is older than the window or has an id above every UUIDv7; the
// counts are those of the definition, computed here from the runs made.
func testWorkflowActivityWindow(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	at := b.now
	h := func(d float64) time.Time { return at.Add(time.Duration(d * float64(time.Hour))) }
	near := store.IDTimeTolerance - 10*time.Millisecond
	type made struct {
		workflow, id, status string
		created              time.Time
	}
	ok, failed, filtered := store.StatusSucceeded, store.StatusFailed, store.StatusFiltered
	runs := []made{
		// a: failures after a success older than the windows; a skewed
		// failure whose id is older than the window but newer than that
		// success, and one whose id is older than the success; failures
		// whose ids are within the tolerance of the window's start.
		{"a", idAt(h(-5)), ok, h(-5)},
		{"a", idAt(h(-2)), failed, h(-2)},
		{"a", idAt(h(-0.5)), failed, h(-0.5)},
		{"a", idAt(h(-4)), failed, h(-0.2)},
		{"a", idAt(h(-6)), failed, h(-0.1)},
		{"a", idAt(at.Add(near)), failed, at.Add(-time.Microsecond)},
		{"a", idAt(at.Add(-near)), failed, at},
		// b: a success newer than a skewed failure of the window, whose id
		// is older than the success; a filtered run last.
		{"b", idAt(h(-3)), failed, h(-0.3)},
		{"b", idAt(h(-2)), failed, h(-2)},
		{"b", idAt(h(-1)), ok, h(-1)},
		{"b", idAt(h(1.0 / 6)), filtered, h(1.0 / 6)},
		// c: successes with ids above every UUIDv7 (not UUIDs), one of
		// them before every window; upper-case ids.
		{"c", "run-c-not-a-uuid", ok, h(-8)},
		{"c", "run-c-2", ok, h(-12)},
		{"c", idAt(h(-0.5)), failed, h(-0.5)},
		{"c", "FFFFFFFF-FFFF-7FFF-BFFF-FFFFFFFFFFFF", failed, h(-0.25)},
		{"c", "FFFFFFFF-FFFF-7FFF-BFFF-FFFFFFFFFFFE", failed, h(-30)},
		// d: no success at all; a skewed failure with an id two days old.
		{"d", idAt(h(-10)), failed, h(-10)},
		{"d", idAt(h(-1.5)), failed, h(-1.5)},
		{"d", idAt(h(-48)), failed, h(-0.6)},
		{"d", idAt(h(-1.0 / 3)), failed, h(-1.0 / 3)},
		// e: no runs.
	}
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		b.workflow(t, id)
	}
	for _, r := range runs {
		p := event(r.workflow, r.created)
		p.RunID, p.Status = r.id, r.status
		b.acceptParams(t, p)
	}
	for _, since := range []time.Time{at, at.Add(-time.Microsecond), h(-0.25), h(-1), h(-3), h(-7), h(-24), h(1), {}} {
		var want []store.WorkflowActivity
		for _, wf := range []string{"a", "b", "c", "d", "e"} {
			a, lastOK := store.WorkflowActivity{WorkflowID: wf}, ""
			for _, r := range runs {
				if r.workflow == wf && r.status == ok && r.id > lastOK {
					lastOK = r.id
				}
			}
			for _, r := range runs {
				if r.workflow != wf {
					continue
				}
				if r.id > a.LastRunID {
					a.LastRunID, a.LastRunStatus, a.LastRunAt = r.id, r.status, r.created
				}
				if !r.created.Before(since) {
					a.Runs++
					if r.status == failed && r.id > lastOK {
						a.Failures++
					}
				}
			}
			want = append(want, a)
		}
		got, err := b.s.WorkflowActivity(b.ctx, store.WorkflowActivityParams{Since: since})
		if err != nil {
			t.Fatalf("WorkflowActivity(since %s): %v", since, err)
		}
		if len(got) != len(want) {
			t.Fatalf("WorkflowActivity(since %s) = %+v, want %d workflows", since, got, len(want))
		}
		for i := range want {
			diff(t, fmt.Sprintf("activity of %s since %s", want[i].WorkflowID, since), got[i], want[i])
		}
		// A page of the list counts its workflows alike.
		page, err := b.s.WorkflowActivity(b.ctx, store.WorkflowActivityParams{Since: since, WorkflowIDs: []string{"d", "a"}})
		if err != nil {
			t.Fatalf("WorkflowActivity(since %s, a and d): %v", since, err)
		}
		if len(page) != 2 {
			t.Fatalf("WorkflowActivity(since %s, a and d) = %+v", since, page)
		}
		diff(t, fmt.Sprintf("activity of a since %s, a page", since), page[0], want[0])
		diff(t, fmt.Sprintf("activity of d since %s, a page", since), page[1], want[3])
		// The last runs alone, counting nothing.
		last, err := b.s.WorkflowActivity(b.ctx, store.WorkflowActivityParams{Since: since, LastRunOnly: true})
		if err != nil {
			t.Fatalf("WorkflowActivity(since %s, last runs only): %v", since, err)
		}
		if len(last) != len(want) {
			t.Fatalf("WorkflowActivity(since %s, last runs only) = %+v, want %d workflows", since, last, len(want))
		}
		for i, w := range want {
			w.Runs, w.Failures = 0, 0
			diff(t, fmt.Sprintf("last run of %s", w.WorkflowID), last[i], w)
		}
	}
}
