package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/store"
)

// TestReplaysPlan: a run's replays are read through runs_replay_of, in
// order; the unresolved failed runs through runs_status, each one's latest
// replay looked up in runs_replay_of, never by a scan of the runs.
func TestReplaysPlan(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	q, args := runListQuery(store.RunListParams{ReplayOf: "r"})
	plan := queryPlan(t, s, q, args...)
	if !strings.Contains(plan, "runs_replay_of") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("the replays of a run are not read in order through runs_replay_of:\n%s", plan)
	}
	q, args = runListQuery(store.RunListParams{Status: store.StatusFailed, Unresolved: true})
	plan = queryPlan(t, s, q, args...)
	if !strings.Contains(plan, "runs_status") || !strings.Contains(plan, "runs_replay_of") || strings.Contains(plan, "SCAN x") {
		t.Errorf("the unresolved failed runs are not read through runs_status and runs_replay_of:\n%s", plan)
	}
}

// TestWorkflowActivityPlan: the workflow list's activity reads each
// workflow's runs through runs_workflow, never a scan of every run: those
// of the last day as a range of ids, counted from the index alone past
// the tolerance of the window's start, and the few whose ids do not tell
// their creation time in one pass over runs_skewed. The last runs alone
// are one seek each.
func TestWorkflowActivityPlan(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "hookflow.db"))
	plan := queryPlan(t, s, workflowActivitySQL, int64(0), "0194", "[]", "0195")
	for _, scan := range strings.SplitAfter(plan, "\n") {
		if (strings.Contains(scan, "SCAN r") && !strings.Contains(scan, "SCAN r USING INDEX runs_skewed")) ||
			strings.Contains(scan, "SCAN s") || strings.Contains(scan, "SCAN x") || strings.Contains(scan, "SCAN l") {
			t.Errorf("the activity query scans runs (%s):\n%s", strings.TrimSpace(scan), plan)
		}
	}
	for _, want := range []string{"COVERING INDEX runs_workflow (workflow_id=? AND id>?)", "INDEX runs_workflow (workflow_id=? AND id>? AND id<?)",
		"SCAN r USING INDEX runs_skewed"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the activity query does not read %s:\n%s", want, plan)
		}
	}
	plan = queryPlan(t, s, workflowLastRunSQL, "[]")
	if strings.Contains(plan, "SCAN x") || strings.Contains(plan, "SCAN l") || !strings.Contains(plan, "COVERING INDEX runs_workflow") {
		t.Errorf("the last runs are not sought through runs_workflow:\n%s", plan)
	}
}
