package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/hookflow/hookflow/store"
)

// pruneRunsSQL deletes one batch: the oldest finished runs before $1
// (through the partial index on finished_at), with their step attempts by
// cascade, answering each run's event. SKIP LOCKED lets two replicas prune
// at once, each its own batch.
const pruneRunsSQL = `
	DELETE FROM runs WHERE id = ANY(ARRAY(
		SELECT id FROM runs
		WHERE finished_at < $1 AND status IN ('succeeded', 'filtered', 'failed', 'cancelled')
		ORDER BY finished_at LIMIT $2
		FOR UPDATE SKIP LOCKED))
	RETURNING event_id`

// lockEventsSQL locks the events of a batch, in id order, before their
// runs are counted: another replica's Prune deleting other runs of one of
// them (a replay) commits first, so the count below sees its runs gone too,
// and the last run's batch deletes the event (without the lock, each would
// see the other's run and the event would be left without any).
const lockEventsSQL = `SELECT id FROM events WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`

// pruneEventsSQL deletes the events of a batch that no run is left of (a
// later statement of the transaction, so it sees the batch's runs gone).
const pruneEventsSQL = `
	DELETE FROM events e WHERE e.id = ANY($1::text[])
		AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.event_id = e.id)`

// Prune deletes finished runs older than p.Before with their step attempts,
// and their events once no run of them is left, p.Limit runs (default 1000)
// per transaction. A zero Before prunes nothing. A cancelled ctx stops
// between batches with what was done so far. Freed space is left to
// autovacuum, which reuses it for new rows.
func (s *Store) Prune(ctx context.Context, p store.PruneParams) (store.PruneResult, error) {
	var total store.PruneResult
	if p.Before.IsZero() {
		return total, nil
	}
	limit := p.Batch()
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		var n store.PruneResult
		err := s.tx(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, pruneRunsSQL, ts(p.Before), limit)
			if err != nil {
				return err
			}
			var events []string
			seen := map[string]bool{}
			for rows.Next() {
				var ev string
				if err := rows.Scan(&ev); err != nil {
					rows.Close()
					return err
				}
				n.Runs++
				if !seen[ev] {
					seen[ev] = true
					events = append(events, ev)
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if len(events) == 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, lockEventsSQL, events); err != nil {
				return fmt.Errorf("lock events: %w", err)
			}
			tag, err := tx.Exec(ctx, pruneEventsSQL, events)
			if err != nil {
				return fmt.Errorf("delete events: %w", err)
			}
			n.Events = int(tag.RowsAffected())
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		total.Runs += n.Runs
		total.Events += n.Events
		if n.Runs < limit {
			return total, nil
		}
	}
}
