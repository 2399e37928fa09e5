package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// workflowActivitySQL reads every workflow's (or $2's) last run and
// counts as SQLite's does (see there): the runs since $1 as ranges of ids
// in runs_workflow (store.IDSince), those at or after $4 from the index
// alone, those in [$3, $4) with their creation time read; skewed runs in
// one pass over runs_skewed, grouped by workflow; a workflow's newest
// succeeded run looked for from $3 only, and a newer one for each skewed
// failed run since $1.
const workflowActivitySQL = `
WITH heads AS MATERIALIZED (
	SELECT w.id,
		(SELECT x.id FROM runs x WHERE x.workflow_id = w.id ORDER BY x.id DESC LIMIT 1) AS last,
		coalesce((SELECT s.id FROM runs s WHERE s.workflow_id = w.id AND s.id >= $3 AND s.status = 'succeeded'
			ORDER BY s.id DESC LIMIT 1), '') AS ok
	FROM workflows w
	WHERE cardinality($2::text[]) = 0 OR w.id = ANY($2::text[])
), skewed AS MATERIALIZED (
	SELECT r.workflow_id AS id,
		count(*) FILTER (WHERE r.created_at >= $1) - count(*) FILTER (WHERE r.id >= $4) AS runs,
		count(*) FILTER (WHERE r.created_at >= $1 AND r.status = 'failed' AND NOT EXISTS (SELECT 1 FROM runs s
			WHERE s.workflow_id = r.workflow_id AND s.id > r.id AND s.status = 'succeeded')) AS failures
	FROM runs r
	WHERE r.time_skewed AND (cardinality($2::text[]) = 0 OR r.workflow_id = ANY($2::text[]))
	GROUP BY r.workflow_id
)
SELECT h.id, coalesce(l.id, ''), coalesce(l.status, ''), l.created_at,
	(SELECT count(*) FROM runs r WHERE r.workflow_id = h.id AND r.id >= $4)
	+ (SELECT count(*) FROM runs r WHERE r.workflow_id = h.id AND r.id >= $3 AND r.id < $4 AND r.created_at >= $1
		AND NOT r.time_skewed)
	+ coalesce(k.runs, 0),
	(SELECT count(*) FROM runs r WHERE r.workflow_id = h.id AND r.id > greatest($3, h.ok) AND r.created_at >= $1
		AND NOT r.time_skewed AND r.status = 'failed')
	+ coalesce(k.failures, 0)
FROM heads h
LEFT JOIN skewed k ON k.id = h.id
LEFT JOIN runs l ON l.id = h.last
ORDER BY h.id`

// workflowLastRunSQL reads every workflow's (or $1's) last run alone
// (store.WorkflowActivityParams.LastRunOnly), in the columns of
// workflowActivitySQL.
const workflowLastRunSQL = `
SELECT w.id, coalesce(l.id, ''), coalesce(l.status, ''), l.created_at, 0::bigint, 0::bigint
FROM workflows w
LEFT JOIN runs l ON l.id = (SELECT x.id FROM runs x WHERE x.workflow_id = w.id ORDER BY x.id DESC LIMIT 1)
WHERE cardinality($1::text[]) = 0 OR w.id = ANY($1::text[])
ORDER BY w.id`

// WorkflowActivity returns every workflow's (or p.WorkflowIDs') last run
// and its runs and unanswered failures since p.Since, in one query.
func (s *Store) WorkflowActivity(ctx context.Context, p store.WorkflowActivityParams) ([]store.WorkflowActivity, error) {
	ids := make([]string, len(p.WorkflowIDs))
	for i, id := range p.WorkflowIDs {
		ids[i] = text(id)
	}
	q, args := workflowLastRunSQL, []any{ids}
	if !p.LastRunOnly {
		since := ts(p.Since)
		if p.Since.IsZero() { // every run
			since = pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
		}
		from, sure := store.IDSince(p.Since)
		q, args = workflowActivitySQL, []any{since, ids, text(from), text(sure)}
	}
	// The planner prices the subqueries once per workflow, far above
	// jit_above_cost at thousands of workflows, and compiling the plan
	// took longer than running it (0.75 s of 1.4 s at 5,000 workflows and
	// a million runs): JIT is off for this read alone.
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("workflow activity: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return nil, fmt.Errorf("workflow activity: %w", err)
	}
	rows, err := tx.Query(ctx, q, args...)
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
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("workflow activity: %w", err)
	}
	return out, nil
}
