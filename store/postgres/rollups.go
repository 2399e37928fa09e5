package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// rollupAddSQL upserts one rollup: counts add to what every replica wrote,
// backlog samples keep the larger value.
var rollupAddSQL = func() string {
	var set, params []string
	for _, c := range store.RollupCountColumns {
		set = append(set, c+" = rollups."+c+" + excluded."+c)
	}
	set = append(set, "backlog = greatest(rollups.backlog, excluded.backlog)",
		"oldest_due_ms = greatest(rollups.oldest_due_ms, excluded.oldest_due_ms)")
	for i := range len(store.RollupCountColumns) + 4 {
		params = append(params, fmt.Sprintf("$%d", i+1))
	}
	return `INSERT INTO rollups (workflow_id, minute, ` + strings.Join(store.RollupCountColumns, ", ") + `, backlog, oldest_due_ms)
		VALUES (` + strings.Join(params, ", ") + `)
		ON CONFLICT (workflow_id, minute) DO UPDATE SET ` + strings.Join(set, ", ")
}()

// rollupQuerySQL sums rollups per minute over workflows (the backlog
// too), then per bucket (the backlog by its largest minute). $1 is the
// first minute, $2 the end, $3 the bucket's minutes; where is "" or a
// condition on $4.
func rollupQuerySQL(where string) string {
	var inner, outer []string
	for _, c := range store.RollupCountColumns {
		inner = append(inner, "sum("+c+") AS "+c)
		outer = append(outer, "sum("+c+")::bigint")
	}
	return `SELECT b, ` + strings.Join(outer, ", ") + `, max(backlog)::bigint, max(oldest)::bigint
		FROM (SELECT (minute - $1) / $3 AS b, ` + strings.Join(inner, ", ") + `,
				sum(backlog) AS backlog, max(oldest_due_ms) AS oldest
			FROM rollups WHERE minute >= $1 AND minute < $2` + where + `
			GROUP BY minute) m
		GROUP BY b ORDER BY b`
}

var (
	rollupQueryAll      = rollupQuerySQL("")
	rollupQueryWorkflow = rollupQuerySQL(" AND workflow_id = $4")
)

// rollupValues are a rollup's values in the order of rollupAddSQL.
func rollupValues(r *store.Rollup) []any {
	v := []any{text(r.WorkflowID), store.UnixMinute(r.Minute), r.Succeeded, r.Failed, r.Filtered, r.Cancelled,
		r.Delivered, r.DeliveryFailed, r.DeliveryRetried}
	for _, c := range r.Latency {
		v = append(v, c)
	}
	return append(v, r.Backlog, r.OldestDue.Milliseconds())
}

// RollupAdd adds the rollups to their rows in one transaction, in key
// order so that replicas adding to the same rows at once do not deadlock.
func (s *Store) RollupAdd(ctx context.Context, rollups []store.Rollup) error {
	if len(rollups) == 0 {
		return nil
	}
	sorted := slices.Clone(rollups)
	slices.SortFunc(sorted, func(a, b store.Rollup) int {
		return cmp.Or(strings.Compare(a.WorkflowID, b.WorkflowID), a.Minute.Compare(b.Minute))
	})
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		for i := range sorted {
			b.Queue(rollupAddSQL, rollupValues(&sorted[i])...)
		}
		return tx.SendBatch(ctx, &b).Close()
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
		args = append(args, text(p.WorkflowID))
	}
	rows, err := s.pool.Query(ctx, q, args...)
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
		t := []any{&n, &b.Succeeded, &b.Failed, &b.Filtered, &b.Cancelled, &b.Delivered, &b.DeliveryFailed, &b.DeliveryRetried}
		for i := range b.Latency {
			t = append(t, &b.Latency[i])
		}
		if err := rows.Scan(append(t, &b.Backlog, &old)...); err != nil {
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

const rollupBacklogSQL = `
SELECT workflow_id, count(*), min(run_at) FILTER (WHERE run_at <= $1)
FROM runs WHERE status IN ('queued', 'retrying')
GROUP BY workflow_id ORDER BY workflow_id`

// RollupBacklog counts each workflow's queued and retrying runs.
func (s *Store) RollupBacklog(ctx context.Context, now time.Time) ([]store.Backlog, error) {
	now = store.OrNow(now)
	rows, err := s.pool.Query(ctx, rollupBacklogSQL, ts(now))
	if err != nil {
		return nil, fmt.Errorf("sample backlog: %w", err)
	}
	defer rows.Close()
	var out []store.Backlog
	for rows.Next() {
		var (
			b      store.Backlog
			oldest pgtype.Timestamptz
		)
		if err := rows.Scan(&b.WorkflowID, &b.Count, &oldest); err != nil {
			return nil, fmt.Errorf("sample backlog: %w", err)
		}
		if oldest.Valid {
			b.OldestDue = max(now.Sub(oldest.Time), 0)
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
	tag, err := s.pool.Exec(ctx, `DELETE FROM rollups WHERE minute < $1`, store.UnixMinute(before))
	if err != nil {
		return 0, fmt.Errorf("prune rollups: %w", err)
	}
	return tag.RowsAffected(), nil
}
