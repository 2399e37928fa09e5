package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

// workflowActivitySQL reads every workflow's last run and counts through
// runs_workflow: per workflow, its newest run, the runs since ?1, and
// the failed runs since ?1 newer than its newest succeeded run. The runs
// since ?1 are read as a range of ids from ?2 (store.IDWindow), and the
// few whose ids do not tell their creation time through runs_skewed, as
// RunList reads a time window (migration 00024): not every run of the
// workflow.
const workflowActivitySQL = `
SELECT w.id, coalesce(l.id, ''), coalesce(l.status, ''), coalesce(l.created_at, 0),
	(SELECT count(*) FROM runs r WHERE r.workflow_id = w.id AND r.id >= ?2 AND r.created_at >= ?1 AND r.time_skewed = 0)
	+ (SELECT count(*) FROM runs r INDEXED BY runs_skewed WHERE r.time_skewed <> 0 AND r.created_at >= ?1 AND r.workflow_id = w.id),
	(SELECT count(*) FROM runs r WHERE r.workflow_id = w.id AND r.id >= ?2 AND r.created_at >= ?1 AND r.time_skewed = 0
		AND r.status = 'failed' AND r.id > ` + lastSucceededSQL + `)
	+ (SELECT count(*) FROM runs r INDEXED BY runs_skewed WHERE r.time_skewed <> 0 AND r.created_at >= ?1 AND r.workflow_id = w.id
		AND r.status = 'failed' AND r.id > ` + lastSucceededSQL + `)
FROM workflows w
LEFT JOIN runs l ON l.id = (SELECT x.id FROM runs x WHERE x.workflow_id = w.id ORDER BY x.id DESC LIMIT 1)
ORDER BY w.id`

// lastSucceededSQL is the id of workflow w's newest succeeded run, or an empty
// string.
const lastSucceededSQL = `coalesce((SELECT s.id FROM runs s WHERE s.workflow_id = w.id AND s.status = 'succeeded'
	ORDER BY s.id DESC LIMIT 1), '')`

// WorkflowActivity returns every workflow's last run and its runs and
// unanswered failures since p.Since, in one query.
func (s *Store) WorkflowActivity(ctx context.Context, p store.WorkflowActivityParams) ([]store.WorkflowActivity, error) {
	from, _ := store.IDWindow(p.Since, time.Time{})
	rows, err := s.reader.QueryContext(ctx, workflowActivitySQL, nanos(p.Since), from)
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
