package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// TestRunWindowPlan: a run list with a time window seeks the window's ids
// in the index its other filters read (the primary key, runs_workflow,
// runs_status), never reads the runs newer than the window, and finds the
// runs whose ids do not tell their creation time through runs_skewed.
func TestRunWindowPlan(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	since := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	until := since.Add(time.Hour)
	for _, c := range []struct {
		name  string
		p     store.RunListParams
		index string
	}{
		{"until", store.RunListParams{Until: until}, "sqlite_autoindex_runs_1 (id<?)"},
		{"since", store.RunListParams{Since: since}, "sqlite_autoindex_runs_1 (id>?)"},
		{"window", store.RunListParams{Since: since, Until: until}, "sqlite_autoindex_runs_1 (id>? AND id<?)"},
		{"window, next page", store.RunListParams{Since: since, Until: until, Before: "x"}, "sqlite_autoindex_runs_1 (id>? AND id<?)"},
		{"workflow", store.RunListParams{WorkflowID: "w", Until: until}, "runs_workflow (workflow_id=? AND id<?)"},
		{"workflow window", store.RunListParams{WorkflowID: "w", Since: since, Until: until}, "runs_workflow (workflow_id=? AND id>? AND id<?)"},
		{"failed", store.RunListParams{Status: store.StatusFailed, Until: until}, "runs_status (status=? AND id<?)"},
		{"workflow failed", store.RunListParams{WorkflowID: "w", Status: store.StatusFailed, Until: until}, "runs_workflow_status (workflow_id=? AND status=? AND id<?)"},
		{"workflow queued", store.RunListParams{WorkflowID: "w", Status: store.StatusQueued, Until: until}, "runs_workflow_status (workflow_id=? AND status=? AND id<?)"},
		{"workflow failed, next page", store.RunListParams{WorkflowID: "w", Status: store.StatusFailed, Until: until, Before: "x"}, "runs_workflow_status (workflow_id=? AND status=? AND id<?)"},
		{"succeeded", store.RunListParams{Status: store.StatusSucceeded, Since: since, Until: until}, "sqlite_autoindex_runs_1 (id>? AND id<?)"},
	} {
		q, args := runListQuery(c.p)
		plan := queryPlan(t, s, q, args...)
		if !strings.Contains(plan, "INDEX "+c.index) {
			t.Errorf("RunList(%s) does not seek %s:\n%s", c.name, c.index, plan)
		}
		if !strings.Contains(plan, "INDEX runs_skewed (created_at") {
			t.Errorf("RunList(%s) does not read the skewed runs by creation time:\n%s", c.name, plan)
		}
	}
}
