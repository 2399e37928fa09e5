package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// workflowActivitySQL reads every workflow's last run and counts through
// runs_workflow: per workflow, its newest run, the runs since $1, and
// the failed runs since $1 newer than its newest succeeded run.
const workflowActivitySQL = `
SELECT w.id, coalesce(l.id, ''), coalesce(l.status, ''), l.created_at,
	(SELECT count(*) FROM runs r WHERE r.workflow_id = w.id AND r.created_at >= $1),
	(SELECT count(*) FROM runs r WHERE r.workflow_id = w.id AND r.created_at >= $1 AND r.status = 'failed'
		AND r.id > coalesce((SELECT s.id FROM runs s WHERE s.workflow_id = w.id AND s.status = 'succeeded'
			ORDER BY s.id DESC LIMIT 1), ''))
FROM workflows w
LEFT JOIN runs l ON l.id = (SELECT x.id FROM runs x WHERE x.workflow_id = w.id ORDER BY x.id DESC LIMIT 1)
WHERE cardinality($2::text[]) = 0 OR w.id = ANY($2::text[])
ORDER BY w.id`

// WorkflowActivity returns every workflow's (or p.WorkflowIDs') last run
// and its runs and unanswered failures since p.Since, in one query.
func (s *Store) WorkflowActivity(ctx context.Context, p store.WorkflowActivityParams) ([]store.WorkflowActivity, error) {
	ids := make([]string, len(p.WorkflowIDs))
	for i, id := range p.WorkflowIDs {
		ids[i] = text(id)
	}
	rows, err := s.pool.Query(ctx, workflowActivitySQL, ts(p.Since), ids)
	if err != nil {
		return nil, fmt.Errorf("workflow activity: %w", err)
	}
	out, err := collect(rows, func(row pgx.Row) (store.WorkflowActivity, error) {
		var (
			a              store.WorkflowActivity
			last           pgtype.Timestamptz
			runs, failures int64
		)
		if err := row.Scan(&a.WorkflowID, &a.LastRunID, &a.LastRunStatus, &last, &runs, &failures); err != nil {
			return a, err
		}
		a.LastRunAt, a.Runs, a.Failures = fromTS(last), int(runs), int(failures)
		return a, nil
	})
	if err != nil {
		return nil, fmt.Errorf("workflow activity: %w", err)
	}
	return out, nil
}
