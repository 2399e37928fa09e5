package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/hookflow/hookflow/store"
)

// pruneRunsSQL picks the next batch: finished runs, oldest finish first,
// through the partial index on finished_at.
const pruneRunsSQL = `
	SELECT id, event_id FROM runs INDEXED BY runs_finished
	WHERE finished_at > 0 AND finished_at < ?
		AND status IN ('succeeded', 'filtered', 'failed', 'cancelled')
	ORDER BY finished_at LIMIT ?`

// Prune deletes finished runs older than p.Before with their step attempts,
// and their events once no run of them is left, p.Limit runs (default 1000)
// per transaction. When it deleted anything it then gives the space back:
// incremental vacuum (the file is auto_vacuum=INCREMENTAL) in steps, and a
// TRUNCATE checkpoint of the WAL. A cancelled ctx stops between batches
// with what was done so far.
func (s *Store) Prune(ctx context.Context, p store.PruneParams) (store.PruneResult, error) {
	var total store.PruneResult
	if p.Before.IsZero() {
		return total, nil
	}
	limit := p.Batch()
	before := nanos(p.Before)
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		n, err := s.pruneBatch(ctx, before, limit)
		total.Runs += n.Runs
		total.Events += n.Events
		if err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		if n.Runs < limit {
			break
		}
	}
	if total.Runs > 0 {
		if err := s.reclaim(ctx); err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
	}
	return total, nil
}

// pruneBatch deletes one batch of runs in one transaction.
func (s *Store) pruneBatch(ctx context.Context, before int64, limit int) (store.PruneResult, error) {
	var res store.PruneResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, pruneRunsSQL, before, limit)
		if err != nil {
			return err
		}
		var runIDs, eventIDs []string
		seen := map[string]bool{}
		for rows.Next() {
			var id, ev string
			if err := rows.Scan(&id, &ev); err != nil {
				rows.Close()
				return err
			}
			runIDs = append(runIDs, id)
			if !seen[ev] {
				seen[ev] = true
				eventIDs = append(eventIDs, ev)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(runIDs) == 0 {
			return nil
		}
		runs, err := json.Marshal(runIDs)
		if err != nil {
			return err
		}
		events, err := json.Marshal(eventIDs)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM step_results WHERE run_id IN (SELECT value FROM json_each(?))`, string(runs)); err != nil {
			return fmt.Errorf("delete step results: %w", err)
		}
		r, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE id IN (SELECT value FROM json_each(?))`, string(runs))
		if err != nil {
			return fmt.Errorf("delete runs: %w", err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		res.Runs = int(n)
		// An event goes with its last run: one still queued, running,
		// retrying or waiting (or a newer replay) keeps it.
		r, err = tx.ExecContext(ctx, `
			DELETE FROM events WHERE id IN (SELECT value FROM json_each(?))
				AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.event_id = events.id)`, string(events))
		if err != nil {
			return fmt.Errorf("delete events: %w", err)
		}
		if n, err = r.RowsAffected(); err != nil {
			return err
		}
		res.Events = int(n)
		return nil
	})
	if err != nil {
		return store.PruneResult{}, err
	}
	return res, nil
}

// vacuumStep is how many free pages one incremental vacuum step returns to
// the file system (16 MiB of 4 KiB pages): each step is a short write, so
// accepts are not held up behind one long one.
const vacuumStep = 4096

// reclaim gives free pages back to the file system and truncates the WAL.
// A checkpoint that readers keep from finishing is not an error: the next
// one finishes it.
func (s *Store) reclaim(ctx context.Context) error {
	prev := int64(-1)
	for {
		var free int64
		if err := s.writer.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
			return fmt.Errorf("freelist count: %w", err)
		}
		if free == 0 || free == prev { // done, or no progress
			break
		}
		prev = free
		if _, err := s.writer.ExecContext(ctx, fmt.Sprintf(`PRAGMA incremental_vacuum(%d)`, vacuumStep)); err != nil {
			return fmt.Errorf("incremental vacuum: %w", err)
		}
	}
	var busy, logFrames, checkpointed int
	if err := s.writer.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}
