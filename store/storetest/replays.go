package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// testRunReplays: a run's replays are listed by ReplayOf, newest first, and
// Unresolved leaves out the failed runs whose latest replay succeeded (a
// run whose latest replay failed, or that has none, stays).
func testRunReplays(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	b := setup(t, newStore)
	b.workflow(t, "w")
	b.workflow(t, "other")
	ids := b.acceptN(t, "w", 4)
	otherRun := b.acceptN(t, "other", 1)[0]
	a, bb, c, ok := ids[0], ids[1], ids[2], ids[3]
	claimed := map[string]store.Run{}
	for _, r := range b.claim(t, store.RunClaimParams{Owner: "x", Now: b.now}) {
		claimed[r.ID] = r
	}
	finish := func(id, status string, at time.Time) {
		t.Helper()
		b.update(t, store.RunUpdateParams{ID: id, Owner: "x", Attempt: claimed[id].Attempt, Status: status, Now: at})
	}
	for id, status := range map[string]string{a: store.StatusFailed, bb: store.StatusFailed, c: store.StatusFailed, ok: store.StatusSucceeded, otherRun: store.StatusFailed} {
		finish(id, status, b.now)
	}

	// replay inserts a replay of run of at minutes later and ends it with status.
	replay := func(of string, minutes int, status string) string {
		t.Helper()
		at := b.now.Add(time.Duration(minutes) * time.Minute)
		r, err := b.s.RunInsert(b.ctx, store.RunInsertParams{
			ID: newID(), WorkflowID: "w", Revision: 1, EventID: b.run(t, of).EventID, ReplayOf: of, Now: at,
		})
		if err != nil {
			t.Fatalf("RunInsert(replay of %s): %v", of, err)
		}
		for _, got := range b.claim(t, store.RunClaimParams{Owner: "x", Now: at}) {
			claimed[got.ID] = got
		}
		finish(r.ID, status, at)
		return r.ID
	}
	a1 := replay(a, 1, store.StatusFailed)
	a2 := replay(a, 2, store.StatusSucceeded) // a is resolved
	b1 := replay(bb, 1, store.StatusSucceeded)
	b2 := replay(bb, 2, store.StatusFailed) // bb's latest replay failed: unresolved

	for _, cse := range []struct {
		name string
		p    store.RunListParams
		want []string
	}{
		{"replays of a", store.RunListParams{ReplayOf: a}, newestFirst(a1, a2)},
		{"replays of bb", store.RunListParams{ReplayOf: bb}, newestFirst(b1, b2)},
		{"replays of c", store.RunListParams{ReplayOf: c}, nil},
		{"replays of a, failed", store.RunListParams{ReplayOf: a, Status: store.StatusFailed}, []string{a1}},
		{"replays of a, limit", store.RunListParams{ReplayOf: a, Limit: 1}, []string{a2}},
		{"unresolved failed", store.RunListParams{Unresolved: true, Status: store.StatusFailed}, newestFirst(bb, c, a1, b2, otherRun)},
		{"unresolved failed of w", store.RunListParams{Unresolved: true, Status: store.StatusFailed, WorkflowID: "w"}, newestFirst(bb, c, a1, b2)},
		{"unresolved, any status", store.RunListParams{Unresolved: true}, newestFirst(bb, c, ok, otherRun, a1, a2, b1, b2)},
		{"unresolved, page after bb", store.RunListParams{Unresolved: true, Status: store.StatusFailed, Before: bb}, func() []string {
			var out []string
			for _, id := range newestFirst(bb, c, a1, b2, otherRun) {
				if id < bb {
					out = append(out, id)
				}
			}
			return out
		}()},
		{"all failed", store.RunListParams{Status: store.StatusFailed}, newestFirst(a, bb, c, a1, b2, otherRun)},
	} {
		runs, err := b.s.RunList(b.ctx, cse.p)
		if err != nil {
			t.Errorf("RunList(%s): %v", cse.name, err)
			continue
		}
		if got := RunIDs(runs); !slices.Equal(got, cse.want) {
			t.Errorf("RunList(%s) = %v, want %v", cse.name, got, cse.want)
		}
	}
	if r := b.run(t, a2); r.ReplayOf != a {
		t.Errorf("replay %s records replay_of %q, want %s", a2, r.ReplayOf, a)
	}
}
