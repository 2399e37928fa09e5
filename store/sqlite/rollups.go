package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/hookflow/hookflow/store"
)

// rollupAddSQL upserts one rollup: counts add, backlog samples keep the
// larger value.
var rollupAddSQL = func() string {
	var set []string
	for _, c := range store.RollupCountColumns {
		set = append(set, c+" = "+c+" + excluded."+c)
	}
	set = append(set, "backlog = max(backlog, excluded.backlog)", "oldest_due_ms = max(oldest_due_ms, excluded.oldest_due_ms)")
	n := len(store.RollupCountColumns) + 4
	return `INSERT INTO rollups (workflow_id, minute, ` + strings.Join(store.RollupCountColumns, ", ") + `, backlog, oldest_due_ms)
		VALUES (?` + strings.Repeat(", ?", n-1) + `)
		ON CONFLICT (workflow_id, minute) DO UPDATE SET ` + strings.Join(set, ", ")
}()

// rollupQuerySQL sums rollups per minute over workflows (the backlog
// too), then per bucket (the backlog by its largest minute). ?1 is the
// first minute, ?2 the end, ?3 the bucket's minutes; where is "" or a
// condition on ?4.
func rollupQuerySQL(where string) string {
	var inner, outer []string
	for _, c := range store.RollupCountColumns {
		inner = append(inner, "sum("+c+") AS "+c)
		outer = append(outer, "sum("+c+")")
	}
	return `SELECT b, ` + strings.Join(outer, ", ") + `, max(backlog), max(oldest)
		FROM (SELECT (minute - ?1) / ?3 AS b, ` + strings.Join(inner, ", ") + `,
				sum(backlog) AS backlog, max(oldest_due_ms) AS oldest
			FROM rollups WHERE minute >= ?1 AND minute < ?2` + where + `
			GROUP BY minute)
		GROUP BY b ORDER BY b`
}

var (
	rollupQueryAll      = rollupQuerySQL("")
	rollupQueryWorkflow = rollupQuerySQL(" AND workflow_id = ?4")
)

// rollupValues are a rollup's values in the order of rollupAddSQL.
func rollupValues(r *store.Rollup) []any {
	v := []any{r.WorkflowID, store.UnixMinute(r.Minute), r.Succeeded, r.Failed, r.Filtered, r.Cancelled,
		r.Delivered, r.DeliveryFailed, r.DeliveryRetried}
	for _, c := range r.Latency {
		v = append(v, c)
	}
	return append(v, r.Backlog, r.OldestDue.Milliseconds())
}

// rollupTargets are the scan targets of a query row into r, after the
// bucket number.
func rollupTargets(r *store.Rollup, oldestMS *int64) []any {
	t := []any{&r.Succeeded, &r.Failed, &r.Filtered, &r.Cancelled, &r.Delivered, &r.DeliveryFailed, &r.DeliveryRetried}
	for i := range r.Latency {
		t = append(t, &r.Latency[i])
	}
	return append(t, &r.Backlog, oldestMS)
}

// RollupAdd adds the rollups to their rows in one transaction. Its loss
// in a power cut loses a few seconds of counts, never a run: it is not
// fsynced.
func (s *Store) RollupAdd(ctx context.Context, rollups []store.Rollup) error {
	if len(rollups) == 0 {
		return nil
	}
	err := s.writeQueue(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, rollupAddSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range rollups {
			if _, err := stmt.ExecContext(ctx, rollupValues(&rollups[i])...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("add %d rollups: %w", len(rollups), err)
	}
	return nil
}

// RollupQuery sums rollups into buckets.
func (s *Store) RollupQuery(ctx context.Context, p store.RollupQueryParams) ([]store.RollupBucket, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	from := store.UnixMinute(p.From)
	step := int64(p.Step / time.Minute)
	args := []any{from, from + step*int64(p.Buckets), step}
	q := rollupQueryAll
	if p.WorkflowID != "" {
		q = rollupQueryWorkflow
		args = append(args, p.WorkflowID)
	}
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query rollups: %w", err)
	}
	defer rows.Close()
	var out []store.RollupBucket
	for rows.Next() {
		var (
			b      store.RollupBucket
			n, old int64
		)
		if err := rows.Scan(append([]any{&n}, rollupTargets(&b, &old)...)...); err != nil {
			return nil, fmt.Errorf("query rollups: %w", err)
		}
		b.WorkflowID, b.Minute, b.OldestDue = p.WorkflowID, p.From.Add(time.Duration(n)*p.Step).UTC(), time.Duration(old)*time.Millisecond
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query rollups: %w", err)
	}
	return out, nil
}

// rollupBacklogSQL reads the queued and retrying runs through runs_status,
// whose condition it repeats.
const rollupBacklogSQL = `
SELECT workflow_id, count(*), coalesce(min(CASE WHEN run_at <= ?1 THEN run_at END), 0)
FROM runs WHERE status IN ('queued', 'retrying') AND ` + runsStatusIndexed + `
GROUP BY workflow_id ORDER BY workflow_id`

// RollupBacklog counts each workflow's queued and retrying runs.
func (s *Store) RollupBacklog(ctx context.Context, now time.Time) ([]store.Backlog, error) {
	now = store.OrNow(now)
	rows, err := s.reader.QueryContext(ctx, rollupBacklogSQL, nanos(now))
	if err != nil {
		return nil, fmt.Errorf("sample backlog: %w", err)
	}
	defer rows.Close()
	var out []store.Backlog
	for rows.Next() {
		var (
			b      store.Backlog
			oldest int64
		)
		if err := rows.Scan(&b.WorkflowID, &b.Count, &oldest); err != nil {
			return nil, fmt.Errorf("sample backlog: %w", err)
		}
		if oldest != 0 {
			b.OldestDue = max(now.Sub(fromNanos(oldest)), 0)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sample backlog: %w", err)
	}
	return out, nil
}

// RollupPrune deletes the rollups of minutes before before.
func (s *Store) RollupPrune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.writeQueue(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM rollups WHERE minute < ?`, store.UnixMinute(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune rollups: %w", err)
	}
	return n, nil
}
