package sqlite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// fileSize is the database's size on disk: the file and its WAL.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err == nil {
			n += fi.Size()
		} else if !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	return n
}

// TestPruneShrinksFile: pruning most of the history gives the space back
// to the file system (incremental vacuum, WAL truncated) while the store is
// open, and what is left still reads.
func TestPruneShrinksFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookflow.db")
	s := open(t, path, WithSynchronous(SynchronousNormal))
	if _, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{ID: "bench", Definition: []byte(`{}`), HookKey: "k"}); err != nil {
		t.Fatalf("WorkflowSave: %v", err)
	}
	const total, keep = 600, 30
	body := bytes.Repeat([]byte("x"), 4096)
	ps := benchEvents(total, body, nil)
	if _, err := s.EventAccept(ctx, ps); err != nil {
		t.Fatalf("EventAccept: %v", err)
	}
	// Finish every run with a step result of its own, in one statement:
	// the claim-and-update path has tests of its own, and this one is
	// about the file.
	start := time.Now()
	if _, err := s.writer.Exec(`UPDATE runs SET status = 'succeeded', finished_at = ?`, nanos(start.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.writer.Exec(`
		INSERT INTO step_results (run_id, step_id, step_index, attempt, status, input, output, error, status_code, started_at, duration_ns)
		SELECT id, 's', 0, 1, 'succeeded', ?, ?, '', 200, ?, 0 FROM runs`, body, body, nanos(start)); err != nil {
		t.Fatal(err)
	}
	// The runs to keep finished later.
	kept := map[string]bool{}
	for i, p := range ps[:keep] {
		if _, err := s.writer.Exec(`UPDATE runs SET finished_at = ? WHERE id = ?`, nanos(start.Add(2*time.Hour)), p.RunID); err != nil {
			t.Fatal(err)
		}
		kept[ps[i].RunID] = true
	}
	if _, err := s.writer.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	before := fileSize(t, path)

	res, err := s.Prune(ctx, store.PruneParams{Before: start.Add(time.Hour), Limit: 300})
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if res.Runs != total-keep || res.Events != total-keep {
		t.Errorf("Prune = %+v, want %d runs and events", res, total-keep)
	}
	after := fileSize(t, path)
	t.Logf("database and WAL: %d bytes before pruning, %d after", before, after)
	if after > before/4 {
		t.Errorf("database and WAL hold %d bytes after pruning 95%% of %d, want under a quarter", after, before)
	}
	if free := pragma(t, s.writer, "freelist_count"); free != "0" {
		t.Errorf("freelist_count = %s after Prune, want 0", free)
	}
	runs, err := s.RunList(ctx, store.RunListParams{Limit: 1000})
	if err != nil || len(runs) != keep {
		t.Fatalf("RunList after Prune = %d runs, %v; want %d", len(runs), err, keep)
	}
	for _, r := range runs {
		if !kept[r.ID] {
			t.Errorf("run %s kept, want pruned", r.ID)
		}
		if got, err := s.StepResultList(ctx, r.ID); err != nil || len(got) != 1 || !bytes.Equal(got[0].Output, body) {
			t.Errorf("StepResultList(%s) after Prune = %d results, %v", r.ID, len(got), err)
		}
	}
}

// TestPrunePlan: each of retention's queries searches an index, never
// scans the history nor sorts it.
func TestPrunePlan(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	for _, c := range []struct {
		name  string
		query string
		args  []any
		want  string
	}{
		{"next workflow", pruneWorkflowSQL, []any{""}, "SEARCH events USING COVERING INDEX events_workflow_received (workflow_id>?)"},
		{"events", pruneEventsSQL, []any{"w", 1, 0, 0, 10}, "SEARCH events USING INDEX events_workflow_received (workflow_id=? AND received_at>? AND received_at<?)"},
		{"runs", pruneRunsSQL, []any{`["e"]`, 1}, "SEARCH runs USING INDEX runs_event (event_id=?)"},
	} {
		plan := queryPlan(t, s, c.query, c.args...)
		if !strings.Contains(plan, c.want) {
			t.Errorf("%s: plan does not %s:\n%s", c.name, c.want, plan)
		}
		if strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "SCAN events") || strings.Contains(plan, "SCAN runs") {
			t.Errorf("%s: plan scans or sorts:\n%s", c.name, plan)
		}
	}
}
