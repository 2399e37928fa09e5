package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

// workflowActivitySQL reads every workflow's last run and counts through
// runs_workflow: per workflow, its newest run, the runs since ?1, and the
// failed runs since ?1 newer than its newest succeeded run. Each
// workflow's newest run and newest succeeded run are looked up once
// (heads, materialized), not again for each failed run counted. The runs
// since ?1 are read as a range of ids from ?2 (store.IDWindow, a prefix
// no id equals), and the few whose ids do not tell their creation time
// through runs_skewed, as RunList reads a time window (migration 00024):
// not every run of the workflow.
const workflowActivitySQL = `
WITH heads AS MATERIALIZED (
	SELECT w.id AS id,
		(SELECT x.id FROM runs x WHERE x.workflow_id = w.id ORDER BY x.id DESC LIMIT 1) AS last,
		coalesce((SELECT s.id FROM runs s WHERE s.workflow_id = w.id AND s.status = 'succeeded'
			ORDER BY s.id DESC LIMIT 1), '') AS ok
	FROM workflows w
	WHERE ?3 = '[]' OR w.id IN (SELECT value FROM json_each(?3))
)
SELECT h.id, coalesce(l.id, ''), coalesce(l.status, ''), coalesce(l.created_at, 0),
	(SELECT count(*) FROM runs r WHERE r.workflow_id = h.id AND r.id >= ?2 AND r.created_at >= ?1 AND r.time_skewed = 0)
	+ (SELECT count(*) FROM runs r INDEXED BY runs_skewed WHERE r.time_skewed <> 0 AND r.created_at >= ?1 AND r.workflow_id = h.id),
	(SELECT count(*) FROM runs r WHERE r.workflow_id = h.id AND r.id > max(?2, h.ok) AND r.created_at >= ?1 AND r.time_skewed = 0
		AND r.status = 'failed')
	+ (SELECT count(*) FROM runs r INDEXED BY runs_skewed WHERE r.time_skewed <> 0 AND r.created_at >= ?1 AND r.workflow_id = h.id
		AND r.status = 'failed' AND r.id > h.ok)
FROM heads h
LEFT JOIN runs l ON l.id = h.last
ORDER BY h.id`

// WorkflowActivity returns every workflow's (or p.WorkflowIDs') last run
// and its runs and unanswered failures since p.Since, in one query.
func (s *Store) WorkflowActivity(ctx context.Context, p store.WorkflowActivityParams) ([]store.WorkflowActivity, error) {
	from, _ := store.IDWindow(p.Since, time.Time{})
	ids, err := json.Marshal(append([]string{}, p.WorkflowIDs...))
	if err != nil {
		return nil, fmt.Errorf("workflow activity: %w", err)
	}
	rows, err := s.reader.QueryContext(ctx, workflowActivitySQL, nanos(p.Since), from, string(ids))
	if err != nil {
		return nil, fmt.Errorf("workflow activity: %w", err)
	}
	defer rows.Close()
	var out []store.WorkflowActivity
	for rows.Next() {
		var (
			a    store.WorkflowActivity
			last sql.NullInt64
		)
		if err := rows.Scan(&a.WorkflowID, &a.LastRunID, &a.LastRunStatus, &last, &a.Runs, &a.Failures); err != nil {
			return nil, fmt.Errorf("workflow activity: %w", err)
		}
		if a.LastRunID != "" {
			a.LastRunAt = fromNanos(last.Int64)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("workflow activity: %w", err)
	}
	return out, nil
}
