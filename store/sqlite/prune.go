package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

// Retention finds finished runs through their events, not through an index
// of finish times (which every run would have to update as it ends): a run
// ends after its event arrived, so each run that finished before Before
// belongs to an event received before Before. Prune walks each workflow's
// events in the order they arrived (events_workflow_received) and looks up
// their runs (runs_event); events whose runs are not all pruned are passed
// over, so each call reads them again: the unfinished runs older than the
// retention, which are few.

// pruneWorkflowSQL finds the next workflow id that has events, after the
// given one, by skipping through the index (the events of a deleted
// workflow's last in-flight webhooks included).
const pruneWorkflowSQL = `
	SELECT workflow_id FROM events INDEXED BY events_workflow_received
	WHERE workflow_id > ? ORDER BY workflow_id LIMIT 1`

// pruneEventsSQL reads a workflow's next events received before the cutoff,
// after the cursor (received_at, rowid).
const pruneEventsSQL = `
	SELECT rowid, id, received_at FROM events INDEXED BY events_workflow_received
	WHERE workflow_id = ? AND received_at < ? AND (received_at, rowid) > (?, ?)
	ORDER BY received_at, rowid LIMIT ?`

// pruneRunsSQL picks those events' finished runs that finished before the
// cutoff.
const pruneRunsSQL = `
	SELECT id, event_id FROM runs INDEXED BY runs_event
	WHERE event_id IN (SELECT value FROM json_each(?))
		AND finished_at > 0 AND finished_at < ?
		AND status IN ('succeeded', 'filtered', 'failed', 'cancelled')`

// pruneCursor is where a workflow's walk through its events stands.
type pruneCursor struct{ received, rowid int64 }

// Prune deletes finished runs older than p.Before with their step attempts,
// and their events once no run of them is left, in short transactions of
// at most p.Limit events (default 1000) and their runs, sized and spaced
// by a pacer (prune_pace.go) so that accepts go on meanwhile. When it
// deleted anything it then gives the space back: incremental vacuum (the
// file is auto_vacuum=INCREMENTAL) in short steps, and a checkpoint of
// the WAL. A cancelled ctx stops between batches with what was done so
// far; the next call starts again from the oldest events left.
func (s *Store) Prune(ctx context.Context, p store.PruneParams) (store.PruneResult, error) {
	var total store.PruneResult
	if p.Before.IsZero() {
		return total, nil
	}
	pace := newPacer(p.Batch())
	before := nanos(p.Before)
	workflow := ""
	for {
		var next string
		err := s.reader.QueryRowContext(ctx, pruneWorkflowSQL, workflow).Scan(&next)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		workflow = next
		cursor := pruneCursor{received: -1, rowid: -1}
		for {
			if err := ctx.Err(); err != nil {
				return total, fmt.Errorf("prune: %w", err)
			}
			start := time.Now()
			n, more, err := s.pruneBatch(ctx, workflow, before, pace.size, &cursor)
			total.Runs += n.Runs
			total.Events += n.Events
			if err != nil {
				return total, fmt.Errorf("prune: %w", err)
			}
			if s.afterPruneBatch != nil {
				s.afterPruneBatch()
			}
			pace.done(ctx, time.Since(start))
			if !more {
				break
			}
		}
	}
	if total.Runs > 0 {
		if err := s.reclaim(ctx); err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
	}
	return total, nil
}

// pruneBatch deletes, in one transaction, what is to go of the workflow's
// next limit events after cursor, and moves cursor past them. more is false
// once the workflow's events before the cutoff are all read.
func (s *Store) pruneBatch(ctx context.Context, workflow string, before int64, limit int, cursor *pruneCursor) (res store.PruneResult, more bool, err error) {
	var next pruneCursor
	// Durable (write), though a deletion lost in a power cut would only be
	// made again: the batch's pages are then flushed by its own fsync,
	// within the batch's time and before its pause, not by the fsync of
	// the next accepted webhook, which would wait for them.
	err = s.write(ctx, func(tx *sql.Tx) error {
		res = store.PruneResult{}
		var events []string
		var err error
		events, next, err = pruneEvents(ctx, tx, workflow, before, limit, *cursor)
		if err != nil {
			return err
		}
		more = len(events) == limit
		if len(events) == 0 {
			return nil
		}
		eventsJSON, err := json.Marshal(events)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, pruneRunsSQL, string(eventsJSON), before)
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
		pruned, err := json.Marshal(eventIDs)
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
				AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.event_id = events.id)`, string(pruned))
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
		return store.PruneResult{}, false, err
	}
	*cursor = next
	return res, more, nil
}

// pruneEvents returns the ids of the workflow's next limit events received
// before the cutoff, after cursor, and the cursor past them.
func pruneEvents(ctx context.Context, tx *sql.Tx, workflow string, before int64, limit int, cursor pruneCursor) ([]string, pruneCursor, error) {
	rows, err := tx.QueryContext(ctx, pruneEventsSQL, workflow, before, cursor.received, cursor.rowid, limit)
	if err != nil {
		return nil, cursor, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&cursor.rowid, &id, &cursor.received); err != nil {
			return nil, cursor, err
		}
		ids = append(ids, id)
	}
	return ids, cursor, rows.Err()
}

// vacuumMaxStep bounds how many free pages one incremental vacuum step
// returns to the file system (16 MiB of 4 KiB pages); a pacer sizes the
// steps, each a short write of its own, so accepts are not held up behind
// one long one.
const vacuumMaxStep = 4096

// truncateTries bounds reclaim's wait for the background checkpointer: a
// checkpoint already running makes the truncating one give up at once.
const (
	truncateTries = 20
	truncatePause = 10 * time.Millisecond
)

// reclaim gives free pages back to the file system and truncates the WAL.
// A checkpoint that readers keep from finishing is not an error: the next
// one finishes it.
func (s *Store) reclaim(ctx context.Context) error {
	prev := int64(-1)
	pace := newPacer(vacuumMaxStep)
	for {
		var free int64
		if err := s.writer.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
			return fmt.Errorf("freelist count: %w", err)
		}
		if free == 0 || free == prev { // done, or no progress
			break
		}
		prev = free
		start := time.Now()
		if _, err := s.writer.ExecContext(ctx, fmt.Sprintf(`PRAGMA incremental_vacuum(%d)`, pace.size)); err != nil {
			return fmt.Errorf("incremental vacuum: %w", err)
		}
		pace.done(ctx, time.Since(start))
	}
	for range truncateTries {
		var busy, logFrames, checkpointed int
		if err := s.writer.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("checkpoint: %w", ctx.Err())
		case <-time.After(truncatePause):
		}
	}
	return nil
}
