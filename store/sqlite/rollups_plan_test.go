package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRollupPlans: the backlog sample reads the unfinished runs through
// an index (runs_status or runs_due), never the whole runs table; rollup
// queries read rollups by minute (all workflows) or by key (one).
func TestRollupPlans(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	plan := queryPlan(t, s, rollupBacklogSQL, int64(0))
	if !strings.Contains(plan, "INDEX runs_status") && !strings.Contains(plan, "INDEX runs_due") {
		t.Errorf("backlog sample does not read runs_status or runs_due:\n%s", plan)
	}
	for _, c := range []struct {
		name, q, index string
		args           []any
	}{
		{"all", rollupQueryAll, "rollups_minute", []any{0, 60, 1}},
		{"workflow", rollupQueryWorkflow, "sqlite_autoindex_rollups_1", []any{0, 60, 1, "w"}},
	} {
		plan := queryPlan(t, s, c.q, c.args...)
		if !strings.Contains(plan, c.index) && !strings.Contains(plan, "PRIMARY KEY") {
			t.Errorf("rollup query (%s) does not read %s:\n%s", c.name, c.index, plan)
		}
	}
}
