package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/store"
)

// queryPlan is SQLite's EXPLAIN QUERY PLAN of q, one step per line.
func queryPlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.writer.Query(`EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// TestRunListPlan: each run list is read in order through an index, never
// sorted whole; runs_status (partial) serves the statuses it holds, and
// runs_lease the running runs (the only list sorted: they are as many as
// the workers take on).
func TestRunListPlan(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	for _, c := range []struct {
		name  string
		p     store.RunListParams
		index string
	}{
		{"running", store.RunListParams{Status: store.StatusRunning}, "runs_lease"},
		{"all", store.RunListParams{}, "sqlite_autoindex_runs_1"},
		{"workflow", store.RunListParams{WorkflowID: "w"}, "runs_workflow"},
		{"failed", store.RunListParams{Status: store.StatusFailed}, "runs_status"},
		{"queued", store.RunListParams{Status: store.StatusQueued, Before: "x"}, "runs_status"},
		{"succeeded", store.RunListParams{Status: store.StatusSucceeded}, "sqlite_autoindex_runs_1"},
		{"workflow and filtered", store.RunListParams{WorkflowID: "w", Status: store.StatusFiltered}, "runs_workflow"},
	} {
		q, args := runListQuery(c.p)
		plan := queryPlan(t, s, q, args...)
		if !strings.Contains(plan, "USING INDEX "+c.index) && !strings.Contains(plan, "USING COVERING INDEX "+c.index) {
			t.Errorf("RunList(%s) does not read %s:\n%s", c.name, c.index, plan)
		}
		if strings.Contains(plan, "TEMP B-TREE") && c.p.Status != store.StatusRunning {
			t.Errorf("RunList(%s) sorts:\n%s", c.name, plan)
		}
	}
	if plan := queryPlan(t, s, firstRunSQL, "w", "key"); !strings.Contains(plan, "runs_event") {
		t.Errorf("the first run of an event is not found through runs_event:\n%s", plan)
	}
}

// TestRunWritesWithoutTempTables: inserting or updating a run evaluates
// the conditions of the partial run indexes with plain comparisons. A
// condition written `status IN (a, b, c)` is coded as a temporary table
// built for every row written (migration 00007 took them out).
func TestRunWritesWithoutTempTables(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	for name, q := range map[string]string{"insert event": insertEventSQL, "insert run": insertRunSQL, "update run": updateRunSQL} {
		args := make([]any, strings.Count(q, "?"))
		rows, err := s.writer.Query(`EXPLAIN `+q, args...)
		if err != nil {
			t.Fatalf("EXPLAIN %s: %v", name, err)
		}
		for rows.Next() {
			var addr, p1, p2, p3, p5 int
			var op string
			var p4, comment any
			if err := rows.Scan(&addr, &op, &p1, &p2, &p3, &p4, &p5, &comment); err != nil {
				t.Fatal(err)
			}
			if op == "OpenEphemeral" {
				t.Errorf("%s builds a temporary table (instruction %d)", name, addr)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
}

// TestNextDuePlan: RunNextDue seeks the first entry after a time in each
// queue index (runs_due, runs_lease) and sorts nothing, however many runs
// wait.
func TestNextDuePlan(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	plan := queryPlan(t, s, nextDueSQL, 1, 1)
	for _, index := range []string{"runs_due (run_at>?)", "runs_lease (lease_until>?)"} {
		if !strings.Contains(plan, "INDEX "+index) {
			t.Errorf("RunNextDue does not seek %s:\n%s", index, plan)
		}
	}
	if strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("RunNextDue sorts:\n%s", plan)
	}
}

// TestWorkflowHeadsPlan: the workflow list's heads are read from the
// covering index, in order, never from the table's definitions.
func TestWorkflowHeadsPlan(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	plan := queryPlan(t, s, `SELECT `+workflowHeadColumns+` FROM workflows ORDER BY id`)
	if !strings.Contains(plan, "USING COVERING INDEX workflows_heads") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("WorkflowHeads does not scan workflows_heads alone:\n%s", plan)
	}
}
