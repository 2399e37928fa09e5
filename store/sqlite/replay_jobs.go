package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

// replayJobColumns are scanReplayJob's columns.
const replayJobColumns = `id, workflow_id, status, since, until, from_point, rate_per_second, state, total, done,
	failed, cursor, last_error, lease_owner, lease_until, created_at, updated_at, finished_at`

func scanReplayJob(sc scanner) (store.ReplayJob, error) {
	var (
		j                                                    store.ReplayJob
		since, until, leaseUntil, created, updated, finished int64
	)
	if err := sc.Scan(&j.ID, &j.WorkflowID, &j.Status, &since, &until, &j.From, &j.RatePerSecond, &j.State,
		&j.Total, &j.Done, &j.Failed, &j.Cursor, &j.LastError, &j.LeaseOwner, &leaseUntil, &created, &updated,
		&finished); err != nil {
		return store.ReplayJob{}, err
	}
	j.Since, j.Until, j.LeaseUntil = fromNanos(since), fromNanos(until), fromNanos(leaseUntil)
	j.CreatedAt, j.UpdatedAt, j.FinishedAt = fromNanos(created), fromNanos(updated), fromNanos(finished)
	return j, nil
}

// ReplayJobCreate stores a new job, running.
func (s *Store) ReplayJobCreate(ctx context.Context, j store.ReplayJob) (store.ReplayJob, error) {
	if j.ID == "" {
		return store.ReplayJob{}, errors.New("create replay job: empty id")
	}
	now := nanos(store.OrNow(j.CreatedAt))
	var out store.ReplayJob
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = scanReplayJob(tx.QueryRowContext(ctx, `
			INSERT INTO replay_jobs (id, workflow_id, status, since, until, from_point, rate_per_second, state, total,
				created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)
			RETURNING `+replayJobColumns,
			j.ID, j.WorkflowID, j.Status, nanos(j.Since), nanos(j.Until), j.From, j.RatePerSecond, j.Total, now, now))
		if isConstraint(err) {
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		}
		return err
	})
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("create replay job %s: %w", j.ID, err)
	}
	return out, nil
}

// ReplayJobGet returns one job.
func (s *Store) ReplayJobGet(ctx context.Context, id string) (store.ReplayJob, error) {
	j, err := scanReplayJob(s.reader.QueryRowContext(ctx, `SELECT `+replayJobColumns+` FROM replay_jobs WHERE id = ?`, id))
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("get replay job %s: %w", id, notFound(err))
	}
	return j, nil
}

// ReplayJobList returns the latest jobs, newest first.
func (s *Store) ReplayJobList(ctx context.Context, p store.ReplayJobListParams) ([]store.ReplayJob, error) {
	return queryList(ctx, s, "list replay jobs", scanReplayJob, `SELECT `+replayJobColumns+` FROM replay_jobs
		WHERE (? = '' OR state = ?) ORDER BY id DESC LIMIT ?`, p.State, p.State, store.ClampLimit(p.Limit))
}

// ReplayJobCancel ends a running job as cancelled.
func (s *Store) ReplayJobCancel(ctx context.Context, id string, now time.Time) (store.ReplayJob, error) {
	t := nanos(store.OrNow(now))
	var j store.ReplayJob
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = scanReplayJob(tx.QueryRowContext(ctx, `
			UPDATE replay_jobs SET state = 'cancelled', finished_at = ?, updated_at = ?, lease_owner = '', lease_until = 0
			WHERE id = ? AND state = 'running' RETURNING `+replayJobColumns, t, t, id))
		if errors.Is(err, sql.ErrNoRows) {
			var state string
			if err := tx.QueryRowContext(ctx, `SELECT state FROM replay_jobs WHERE id = ?`, id).Scan(&state); err != nil {
				return notFound(err)
			}
			return fmt.Errorf("%w: the job is %s", store.ErrConflict, state)
		}
		return err
	})
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("cancel replay job %s: %w", id, err)
	}
	return j, nil
}

// ReplayJobClaim leases a running job whose lease is free, p.Owner's, or
// p.Takeover's.
func (s *Store) ReplayJobClaim(ctx context.Context, p store.ReplayJobClaimParams) (store.ReplayJob, error) {
	if p.Owner == "" {
		return store.ReplayJob{}, errors.New("claim replay job: empty owner")
	}
	now := store.OrNow(p.Now)
	var j store.ReplayJob
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = scanReplayJob(tx.QueryRowContext(ctx, `
			UPDATE replay_jobs SET lease_owner = ?, lease_until = ?, updated_at = ?
			WHERE id = ? AND state = 'running' AND (lease_until < ? OR lease_owner = ? OR lease_owner = '' OR (? <> '' AND lease_owner = ?))
			RETURNING `+replayJobColumns,
			p.Owner, nanos(now.Add(p.LeaseFor)), nanos(now), p.ID, nanos(now), p.Owner, p.Takeover, p.Takeover))
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrLeaseLost
		}
		return err
	})
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("claim replay job %s: %w", p.ID, err)
	}
	return j, nil
}

// ReplayJobAdvance inserts the items' replays and moves the job on, in one
// transaction fenced by its lease.
func (s *Store) ReplayJobAdvance(ctx context.Context, p store.ReplayJobAdvanceParams) (store.ReplayJob, error) {
	now := nanos(store.OrNow(p.Now))
	var (
		done, failed int
		cursor       string
		j            store.ReplayJob
	)
	for _, it := range p.Items {
		cursor = it.SourceRunID
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM replay_jobs WHERE id = ? AND lease_owner = ?`, p.ID, p.Owner).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && state != store.ReplayRunning) {
			return store.ErrLeaseLost
		}
		if err != nil {
			return err
		}
		done, failed = 0, 0
		var lastErr string
		for _, it := range p.Items {
			if it.Run == nil {
				failed, lastErr = failed+1, it.Error
				continue
			}
			if _, err := s.insertRun(ctx, tx, *it.Run); err != nil {
				if !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("replay of %s: %w", it.SourceRunID, err)
				}
				failed, lastErr = failed+1, fmt.Sprintf("run %s: its event is gone", it.SourceRunID)
				continue
			}
			done++
		}
		finish := any(nil)
		if p.Finish {
			finish = now
		}
		j, err = scanReplayJob(tx.QueryRowContext(ctx, `
			UPDATE replay_jobs SET done = done + ?, failed = failed + ?, cursor = CASE WHEN ? = '' THEN cursor ELSE ? END,
				last_error = CASE WHEN ? = '' THEN last_error ELSE ? END, lease_until = ?, updated_at = ?,
				state = CASE WHEN ? IS NULL THEN state ELSE 'done' END,
				finished_at = coalesce(?, finished_at),
				lease_owner = CASE WHEN ? IS NULL THEN lease_owner ELSE '' END
			WHERE id = ? RETURNING `+replayJobColumns,
			done, failed, cursor, cursor, lastErr, lastErr, nanos(p.LeaseUntil), now, finish, finish, finish, p.ID))
		return err
	})
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("advance replay job %s: %w", p.ID, err)
	}
	return j, nil
}
