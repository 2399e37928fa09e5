package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

const destinationColumns = `key, state, consecutive_failures, paused_until, cooldown, last_error, last_failure_at, updated_at`

func scanDestination(sc scanner) (store.Destination, error) {
	var (
		d                             store.Destination
		until, cooldown, last, update int64
	)
	if err := sc.Scan(&d.Key, &d.State, &d.ConsecutiveFailures, &until, &cooldown, &d.LastError, &last, &update); err != nil {
		return store.Destination{}, err
	}
	d.PausedUntil, d.Cooldown, d.LastFailureAt, d.UpdatedAt = fromNanos(until), time.Duration(cooldown), fromNanos(last), fromNanos(update)
	return d, nil
}

// DestinationList returns every stored destination, ordered by key.
func (s *Store) DestinationList(ctx context.Context) ([]store.Destination, error) {
	return queryList(ctx, s, "list destinations", scanDestination, `SELECT `+destinationColumns+` FROM destinations ORDER BY key`)
}

// DestinationChange reads, changes and stores a destination in one
// transaction (the writer's: changes are one after the other).
func (s *Store) DestinationChange(ctx context.Context, key string, change func(d *store.Destination) error) (store.Destination, error) {
	var (
		d         store.Destination
		changeErr error
	)
	err := s.writeQueue(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = scanDestination(tx.QueryRowContext(ctx, `SELECT `+destinationColumns+` FROM destinations WHERE key = ?`, key))
		if errors.Is(err, sql.ErrNoRows) {
			d, err = store.Destination{Key: key, State: store.DestinationOpen}, nil
		}
		if err != nil {
			return err
		}
		if changeErr = change(&d); changeErr != nil {
			return changeErr
		}
		d.Key = key
		_, err = tx.ExecContext(ctx, `
			INSERT INTO destinations (`+destinationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET state = excluded.state,
				consecutive_failures = excluded.consecutive_failures, paused_until = excluded.paused_until,
				cooldown = excluded.cooldown, last_error = excluded.last_error,
				last_failure_at = excluded.last_failure_at, updated_at = excluded.updated_at`,
			key, d.State, d.ConsecutiveFailures, nanos(d.PausedUntil), int64(d.Cooldown), d.LastError,
			nanos(d.LastFailureAt), nanos(store.OrNow(d.UpdatedAt)))
		return err
	})
	if changeErr != nil {
		return store.Destination{}, changeErr
	}
	if err != nil {
		return store.Destination{}, fmt.Errorf("change destination %s: %w", key, err)
	}
	return d, nil
}

// RunRetryingWithError returns the retrying runs whose error contains
// text, oldest first.
func (s *Store) RunRetryingWithError(ctx context.Context, text string) ([]store.Run, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+runColumns+` FROM runs
		WHERE status = 'retrying' AND instr(error, ?) > 0 ORDER BY created_at, id`, text)
	if err != nil {
		return nil, fmt.Errorf("list retrying runs: %w", err)
	}
	runs, err := scanRuns(rows)
	if err != nil {
		return nil, fmt.Errorf("list retrying runs: %w", err)
	}
	return runs, nil
}

// RunRetryAt moves the next attempt of runs still retrying.
func (s *Store) RunRetryAt(ctx context.Context, p []store.RunRetryAtParams) (int, error) {
	var n int
	err := s.writeQueue(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, r := range p {
			res, err := tx.ExecContext(ctx, `UPDATE runs SET run_at = ? WHERE id = ? AND status = 'retrying'`, nanos(r.At), r.ID)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("move retrying runs: %w", err)
	}
	return n, nil
}
