package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/hookflow/hookflow/store"
)

// workflowActivitySQL reads every workflow's (or ?3's) last run and
// counts: per workflow, its newest run, the runs since ?1, and the failed
// runs since ?1 newer than its newest succeeded run. The runs since ?1 are
// ranges of ids in runs_workflow (store.IDSince): those at or after ?4 are
// counted from the index alone; the few in [?2, ?4), made within the
// tolerance of ?1, have their creation time read. Skewed runs
// (time_skewed, migration 00024) are in the first count by their ids, not
// their times: one pass over runs_skewed, grouped by workflow (skewed),
// takes out those at or after ?4 and adds those created since ?1. That
// pass reads every skewed run, of any time (one whose id sorts at or after
// ?4 may be older than ?1): none where ids are as Hookflow makes them.
//
// A failure is counted where no succeeded run is newer. Runs not skewed
// since ?1 are newer than ?2, so their workflow's newest succeeded run
// (ok) is looked for from ?2 only, not among all its runs (every one of
// them, for a workflow that always fails); a skewed failed run since ?1,
// whose id may be older, looks for a newer success of its own.
const workflowActivitySQL = `
WITH heads AS MATERIALIZED (
	SELECT w.id AS id,
		(SELECT x.id FROM runs x WHERE x.workflow_id = w.id ORDER BY x.id DESC LIMIT 1) AS last,
		coalesce((SELECT s.id FROM runs s WHERE s.workflow_id = w.id AND s.id >= ?2 AND s.status = 'succeeded'
			ORDER BY s.id DESC LIMIT 1), '') AS ok
	FROM workflows w
	WHERE ?3 = '[]' OR w.id IN (SELECT value FROM json_each(?3))
), skewed AS MATERIALIZED (
	SELECT r.workflow_id AS id,
		sum(r.created_at >= ?1) - sum(r.id >= ?4) AS runs,
		sum(CASE WHEN r.created_at >= ?1 AND r.status = 'failed' THEN NOT EXISTS (SELECT 1 FROM runs s
			WHERE s.workflow_id = r.workflow_id AND s.id > r.id AND s.status = 'succeeded') ELSE 0 END) AS failures
	FROM runs r INDEXED BY runs_skewed
	WHERE r.time_skewed <> 0 AND (?3 = '[]' OR r.workflow_id IN (SELECT value FROM json_each(?3)))
	GROUP BY r.workflow_id
)
SELECT h.id, coalesce(l.id, ''), coalesce(l.status, ''), coalesce(l.created_at, 0),
	(SELECT count(*) FROM runs r WHERE r.workflow_id = h.id AND r.id >= ?4)
	+ (SELECT count(*) FROM runs r WHERE r.workflow_id = h.id AND r.id >= ?2 AND r.id < ?4 AND r.created_at >= ?1
		AND r.time_skewed = 0)
	+ coalesce(k.runs, 0),
	(SELECT count(*) FROM runs r WHERE r.workflow_id = h.id AND r.id > max(?2, h.ok) AND r.created_at >= ?1
		AND r.time_skewed = 0 AND r.status = 'failed')
	+ coalesce(k.failures, 0)
FROM heads h
LEFT JOIN skewed k ON k.id = h.id
LEFT JOIN runs l ON l.id = h.last
ORDER BY h.id`

// workflowLastRunSQL reads every workflow's (or ?1's) last run alone
// (store.WorkflowActivityParams.LastRunOnly), in the columns of
// workflowActivitySQL.
const workflowLastRunSQL = `
SELECT w.id, coalesce(l.id, ''), coalesce(l.status, ''), coalesce(l.created_at, 0), 0, 0
FROM workflows w
LEFT JOIN runs l ON l.id = (SELECT x.id FROM runs x WHERE x.workflow_id = w.id ORDER BY x.id DESC LIMIT 1)
WHERE ?1 = '[]' OR w.id IN (SELECT value FROM json_each(?1))
ORDER BY w.id`

// WorkflowActivity returns every workflow's (or p.WorkflowIDs') last run
// and its runs and unanswered failures since p.Since, in one query.
func (s *Store) WorkflowActivity(ctx context.Context, p store.WorkflowActivityParams) ([]store.WorkflowActivity, error) {
	ids, err := json.Marshal(append([]string{}, p.WorkflowIDs...))
	if err != nil {
		return nil, fmt.Errorf("workflow activity: %w", err)
	}
	q, args := workflowLastRunSQL, []any{string(ids)}
	if !p.LastRunOnly {
		from, sure := store.IDSince(p.Since)
		q, args = workflowActivitySQL, []any{nanos(p.Since), from, string(ids), sure}
	}
	rows, err := s.reader.QueryContext(ctx, q, args...)
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
