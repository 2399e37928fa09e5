package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/store/storetest"
)

// TestUpgradeFromSchema4: a database written before the run indexes were
// made lean and rebuilt (migrations 5 to 7) and before runs counted their
// unrecorded claims (8) opens, migrates, and still lists its runs by
// status, finds their step records, hands its queued run and the running
// one whose lease expired to a worker, and prunes them.
func TestUpgradeFromSchema4(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	old := time.Now().Add(-48 * time.Hour).UnixNano()

	if err := registerWALVFS(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(path, config{synchronous: SynchronousFull}, roleWriter))
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrator(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 4); err != nil {
		t.Fatalf("migrate to 4: %v", err)
	}
	runs := map[string]string{"r-ok": "succeeded", "r-filtered": "filtered", "r-failed": "failed",
		"r-running": "running", "r-queued": "queued"}
	if _, err := db.Exec(`INSERT INTO workflows (id, revision, enabled, hook_key, name, definition, created_at, updated_at)
		VALUES ('w', 1, 1, 'k', 'w', x'7b7d', 1, 1)`); err != nil {
		t.Fatal(err)
	}
	for id, status := range runs {
		if _, err := db.Exec(`INSERT INTO events (id, workflow_id, source, method, headers, query, body, received_at, idempotency_key)
			VALUES (?, 'w', 'webhook', 'POST', '{}', '', x'7b7d', ?, '')`, "e-"+id, old); err != nil {
			t.Fatal(err)
		}
		finished := int64(0)
		if store.Finished(status) {
			finished = old
		}
		if _, err := db.Exec(`INSERT INTO runs (id, workflow_id, revision, event_id, status, run_at, created_at, updated_at, finished_at)
			VALUES (?, 'w', 1, ?, ?, ?, ?, ?, ?)`, id, "e-"+id, status, old, old, old, finished); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO step_results (run_id, step_id, step_index, attempt, status, input, output, error,
			status_code, started_at, duration_ns) VALUES (?, 's', 0, 1, 'succeeded', x'7b7d', x'7b7d', '', 0, ?, 0)`, id, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := open(t, path)
	for id, status := range runs {
		got, err := s.RunList(ctx, store.RunListParams{Status: status})
		if err != nil || len(got) != 1 || got[0].ID != id {
			t.Errorf("RunList(%s) = %+v, %v; want %s", status, got, err, id)
		}
		if steps, err := s.StepResultList(ctx, id); err != nil || len(steps) != 1 {
			t.Errorf("StepResultList(%s) = %d results, %v; want 1", id, len(steps), err)
		}
	}
	claimed, err := s.RunClaim(ctx, store.RunClaimParams{Owner: "w1", Limit: 10, Now: time.Now(), LeaseFor: time.Minute})
	if err != nil {
		t.Fatalf("RunClaim: %v", err)
	}
	claimedIDs := storetest.RunIDs(claimed)
	slices.Sort(claimedIDs)
	if !slices.Equal(claimedIDs, []string{"r-queued", "r-running"}) {
		t.Errorf("RunClaim after the upgrade = %v; want the queued run and the running one, its lease long expired", claimedIDs)
	}
	for _, r := range claimed {
		if r.UnrecordedClaims != 1 {
			t.Errorf("run %s claimed after the upgrade: %d unrecorded claims, want 1 (the claims before it not counted)", r.ID, r.UnrecordedClaims)
		}
	}
	res, err := s.Prune(ctx, store.PruneParams{Before: time.Now().Add(-time.Hour)})
	if err != nil || res != (store.PruneResult{Runs: 3, Events: 3}) {
		t.Errorf("Prune = %+v, %v; want the three finished runs and their events", res, err)
	}
	left, err := s.RunList(ctx, store.RunListParams{})
	if err != nil {
		t.Fatal(err)
	}
	ids := storetest.RunIDs(left)
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"r-queued", "r-running"}) {
		t.Errorf("runs after Prune = %v, want the unfinished ones", ids)
	}
}
