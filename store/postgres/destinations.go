package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

const destinationColumns = `key, state, consecutive_failures, paused_until, cooldown, last_error, last_failure_at, updated_at`

func scanDestination(row pgx.Row) (store.Destination, error) {
	var (
		d                   store.Destination
		until, last, update pgtype.Timestamptz
		cooldown            int64
	)
	if err := row.Scan(&d.Key, &d.State, &d.ConsecutiveFailures, &until, &cooldown, &d.LastError, &last, &update); err != nil {
		return store.Destination{}, err
	}
	d.PausedUntil, d.Cooldown, d.LastFailureAt, d.UpdatedAt = fromTS(until), time.Duration(cooldown), fromTS(last), fromTS(update)
	return d, nil
}

// DestinationList returns every stored destination, ordered by key.
func (s *Store) DestinationList(ctx context.Context) ([]store.Destination, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+destinationColumns+` FROM destinations ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("list destinations: %w", err)
	}
	out, err := collect(rows, scanDestination)
	if err != nil {
		return nil, fmt.Errorf("list destinations: %w", err)
	}
	return out, nil
}

// DestinationChange reads, changes and stores a destination in one
// transaction; the row is locked (created first where missing), so that
// replicas changing one destination do so one after the other.
func (s *Store) DestinationChange(ctx context.Context, key string, change func(d *store.Destination) error) (store.Destination, error) {
	var (
		d         store.Destination
		changeErr error
	)
	key = text(key)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO destinations (`+destinationColumns+`) VALUES ($1, $2, 0, NULL, 0, '', NULL, now())
			ON CONFLICT (key) DO NOTHING`, key, store.DestinationOpen); err != nil {
			return err
		}
		var err error
		d, err = scanDestination(tx.QueryRow(ctx, `SELECT `+destinationColumns+` FROM destinations WHERE key = $1 FOR UPDATE`, key))
		if err != nil {
			return err
		}
		if changeErr = change(&d); changeErr != nil {
			return changeErr
		}
		_, err = tx.Exec(ctx, `
			UPDATE destinations SET state = $2, consecutive_failures = $3, paused_until = $4, cooldown = $5,
				last_error = $6, last_failure_at = $7, updated_at = $8
			WHERE key = $1`,
			key, d.State, d.ConsecutiveFailures, ts(d.PausedUntil), int64(d.Cooldown), text(d.LastError),
			ts(d.LastFailureAt), ts(store.OrNow(d.UpdatedAt)))
		return err
	})
	if changeErr != nil {
		return store.Destination{}, changeErr
	}
	if err != nil {
		return store.Destination{}, fmt.Errorf("change destination %s: %w", key, err)
	}
	d.Key = key
	return d, nil
}

// RunRetryingWithError returns the retrying runs whose error contains
// text, oldest first.
func (s *Store) RunRetryingWithError(ctx context.Context, t string) ([]store.Run, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+runColumns+` FROM runs
		WHERE status = 'retrying' AND strpos(error, $1) > 0 ORDER BY created_at, id`, text(t))
	if err != nil {
		return nil, fmt.Errorf("list retrying runs: %w", err)
	}
	runs, err := collect(rows, scanRun)
	if err != nil {
		return nil, fmt.Errorf("list retrying runs: %w", err)
	}
	return runs, nil
}

// RunRetryAt moves the next attempt of runs still retrying.
func (s *Store) RunRetryAt(ctx context.Context, p []store.RunRetryAtParams) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	ids := make([]string, len(p))
	at := make([]pgtype.Timestamptz, len(p))
	for i, r := range p {
		ids[i], at[i] = text(r.ID), ts(r.At)
	}
	tag, err := s.pool.Exec(ctx, `
		UPDATE runs SET run_at = m.at FROM unnest($1::text[], $2::timestamptz[]) AS m(id, at)
		WHERE runs.id = m.id AND runs.status = 'retrying'`, ids, at)
	if err != nil {
		return 0, fmt.Errorf("move retrying runs: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
