package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// RunRetryNow makes a retrying run due at now.
func (s *Store) RunRetryNow(ctx context.Context, id string, now time.Time) (store.Run, error) {
	var r store.Run
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		r, err = scanRun(tx.QueryRow(ctx, `
			UPDATE runs SET run_at = $1, updated_at = $1 WHERE id = $2 AND status = 'retrying'
			RETURNING `+runColumns, ts(store.OrNow(now)), text(id)))
		if errors.Is(err, pgx.ErrNoRows) {
			return runNotIn(ctx, tx, id, "retrying")
		}
		return err
	})
	if err != nil {
		return store.Run{}, fmt.Errorf("retry run %s now: %w", id, err)
	}
	return r, nil
}

// runNotIn says why a run could not be changed: ErrNotFound, or ErrConflict
// naming its status.
func runNotIn(ctx context.Context, tx pgx.Tx, id, want string) error {
	var status string
	if err := tx.QueryRow(ctx, `SELECT status FROM runs WHERE id = $1`, text(id)).Scan(&status); err != nil {
		return notFound(err)
	}
	return fmt.Errorf("%w: the run is %s, not %s", store.ErrConflict, status, want)
}

// RunCancel cancels a run that is not executing, or marks one that is.
func (s *Store) RunCancel(ctx context.Context, p store.RunCancelParams) (store.Run, bool, error) {
	now := ts(store.OrNow(p.Now))
	var (
		r         store.Run
		cancelled bool
	)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		r, err = scanRun(tx.QueryRow(ctx, `
			UPDATE runs SET status = 'cancelled', finished_at = $1, updated_at = $1, lease_owner = '', lease_until = NULL
			WHERE id = $2 AND (status IN ('queued', 'retrying', 'waiting') OR (status = 'running' AND lease_until < $1))
			RETURNING `+runColumns, now, text(p.ID)))
		if err == nil {
			cancelled = true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		r, err = scanRun(tx.QueryRow(ctx, `
			UPDATE runs SET cancel_requested = true, updated_at = $1 WHERE id = $2 AND status = 'running'
			RETURNING `+runColumns, now, text(p.ID)))
		if errors.Is(err, pgx.ErrNoRows) {
			return runNotIn(ctx, tx, p.ID, "queued, retrying, waiting or running")
		}
		return err
	})
	if err != nil {
		return store.Run{}, false, fmt.Errorf("cancel run %s: %w", p.ID, err)
	}
	return r, cancelled, nil
}

// RunCount counts the runs RunList would list, without its limit.
func (s *Store) RunCount(ctx context.Context, p store.RunListParams) (int, error) {
	p.Before, p.ReplayOf = "", ""
	where, args := runListWhere(p)
	q := `SELECT count(*) FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	var n int
	if err := s.pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count runs: %w", err)
	}
	return n, nil
}

// failureIssueColumns are scanFailureIssue's columns.
const failureIssueColumns = `id, workflow_id, step_id, class, state, count, first_seen, last_seen, sample_run,
	last_error, updated_at`

func scanFailureIssue(row pgx.Row, extra ...any) (store.FailureIssue, error) {
	var (
		i                    store.FailureIssue
		first, last, updated pgtype.Timestamptz
		count                int64
	)
	dest := append([]any{&i.ID, &i.WorkflowID, &i.StepID, &i.Class, &i.State, &count, &first, &last,
		&i.SampleRunID, &i.LastError, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return store.FailureIssue{}, err
	}
	i.Count = int(count)
	i.FirstSeen, i.LastSeen, i.UpdatedAt = fromTS(first), fromTS(last), fromTS(updated)
	return i, nil
}

// recordFailure counts a failed run into its issue (p.Failure), inside the
// transaction of its update.
func recordFailure(ctx context.Context, tx pgx.Tx, p store.RunUpdateParams) error {
	f := p.Failure
	if f == nil || p.Status != store.StatusFailed {
		return nil
	}
	if f.NewID == "" {
		return errors.New("record failure: the issue has no new id")
	}
	now := ts(store.OrNow(p.Now))
	var opened bool
	i, err := scanFailureIssue(tx.QueryRow(ctx, `
		INSERT INTO failure_issues AS f (id, workflow_id, step_id, class, state, count, first_seen, last_seen,
			sample_run, last_error, last_opened, updated_at)
		VALUES ($1, $2, $3, $4, 'open', 1, $5, $5, $6, $7, true, $5)
		ON CONFLICT (workflow_id, step_id, class) DO UPDATE SET
			count = f.count + 1, last_seen = excluded.last_seen, sample_run = excluded.sample_run,
			last_error = excluded.last_error, updated_at = excluded.updated_at,
			last_opened = (f.state = 'resolved'),
			state = CASE WHEN f.state = 'resolved' THEN 'open' ELSE f.state END
		RETURNING `+failureIssueColumns+`, last_opened`,
		text(f.NewID), text(f.WorkflowID), text(f.StepID), text(f.Class), now, text(p.ID), text(f.Error)), &opened)
	if err != nil {
		return fmt.Errorf("record failure: %w", err)
	}
	if f.Result != nil {
		*f.Result = store.FailureRecorded{Issue: i, Opened: opened}
	}
	return nil
}

// FailureIssueList returns issues, last seen first.
func (s *Store) FailureIssueList(ctx context.Context, p store.FailureIssueListParams) ([]store.FailureIssue, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+failureIssueColumns+` FROM failure_issues
		WHERE ($1 = '' OR workflow_id = $1) AND ($2 = '' OR state = $2)
		ORDER BY last_seen DESC, id LIMIT $3`, text(p.WorkflowID), text(p.State), store.ClampLimit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list issues: %w", err)
	}
	out, err := collect(rows, func(r pgx.Row) (store.FailureIssue, error) { return scanFailureIssue(r) })
	if err != nil {
		return nil, fmt.Errorf("list issues: %w", err)
	}
	return out, nil
}

// FailureIssueGet returns one issue.
func (s *Store) FailureIssueGet(ctx context.Context, id string) (store.FailureIssue, error) {
	i, err := scanFailureIssue(s.pool.QueryRow(ctx, `SELECT `+failureIssueColumns+` FROM failure_issues WHERE id = $1`, text(id)))
	if err != nil {
		return store.FailureIssue{}, fmt.Errorf("get issue %s: %w", id, notFound(err))
	}
	return i, nil
}

// FailureIssueSetState sets an issue's state.
func (s *Store) FailureIssueSetState(ctx context.Context, id, state string, now time.Time) (store.FailureIssue, error) {
	if !store.ValidIssueState(state) {
		return store.FailureIssue{}, fmt.Errorf("set issue %s: unknown state %q", id, state)
	}
	i, err := scanFailureIssue(s.pool.QueryRow(ctx, `
		UPDATE failure_issues SET state = $1, updated_at = $2 WHERE id = $3 RETURNING `+failureIssueColumns,
		state, ts(store.OrNow(now)), text(id)))
	if err != nil {
		return store.FailureIssue{}, fmt.Errorf("set issue %s: %w", id, notFound(err))
	}
	return i, nil
}

// replayJobColumns are scanReplayJob's columns.
const replayJobColumns = `id, workflow_id, status, since, until, from_point, rate_per_second, state, total, done,
	failed, cursor, last_error, lease_owner, lease_until, created_at, updated_at, finished_at`

func scanReplayJob(row pgx.Row) (store.ReplayJob, error) {
	var (
		j                                                    store.ReplayJob
		since, until, leaseUntil, created, updated, finished pgtype.Timestamptz
		total, done, failed                                  int64
	)
	if err := row.Scan(&j.ID, &j.WorkflowID, &j.Status, &since, &until, &j.From, &j.RatePerSecond, &j.State,
		&total, &done, &failed, &j.Cursor, &j.LastError, &j.LeaseOwner, &leaseUntil, &created, &updated,
		&finished); err != nil {
		return store.ReplayJob{}, err
	}
	j.Total, j.Done, j.Failed = int(total), int(done), int(failed)
	j.Since, j.Until, j.LeaseUntil = fromTS(since), fromTS(until), fromTS(leaseUntil)
	j.CreatedAt, j.UpdatedAt, j.FinishedAt = fromTS(created), fromTS(updated), fromTS(finished)
	return j, nil
}

// ReplayJobCreate stores a new job, running.
func (s *Store) ReplayJobCreate(ctx context.Context, j store.ReplayJob) (store.ReplayJob, error) {
	if j.ID == "" {
		return store.ReplayJob{}, errors.New("create replay job: empty id")
	}
	now := ts(store.OrNow(j.CreatedAt))
	out, err := scanReplayJob(s.pool.QueryRow(ctx, `
		INSERT INTO replay_jobs (id, workflow_id, status, since, until, from_point, rate_per_second, state, total,
			created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9, $9)
		RETURNING `+replayJobColumns,
		text(j.ID), text(j.WorkflowID), text(j.Status), ts(j.Since), ts(j.Until), text(j.From), j.RatePerSecond, j.Total, now))
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("create replay job %s: %w", j.ID, conflict(err))
	}
	return out, nil
}

// ReplayJobGet returns one job.
func (s *Store) ReplayJobGet(ctx context.Context, id string) (store.ReplayJob, error) {
	j, err := scanReplayJob(s.pool.QueryRow(ctx, `SELECT `+replayJobColumns+` FROM replay_jobs WHERE id = $1`, text(id)))
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("get replay job %s: %w", id, notFound(err))
	}
	return j, nil
}

// ReplayJobList returns the latest jobs, newest first.
func (s *Store) ReplayJobList(ctx context.Context, p store.ReplayJobListParams) ([]store.ReplayJob, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+replayJobColumns+` FROM replay_jobs
		WHERE ($1 = '' OR state = $1) ORDER BY id DESC LIMIT $2`, text(p.State), store.ClampLimit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list replay jobs: %w", err)
	}
	out, err := collect(rows, scanReplayJob)
	if err != nil {
		return nil, fmt.Errorf("list replay jobs: %w", err)
	}
	return out, nil
}

// ReplayJobCancel ends a running job as cancelled.
func (s *Store) ReplayJobCancel(ctx context.Context, id string, now time.Time) (store.ReplayJob, error) {
	var j store.ReplayJob
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		j, err = scanReplayJob(tx.QueryRow(ctx, `
			UPDATE replay_jobs SET state = 'cancelled', finished_at = $1, updated_at = $1, lease_owner = '', lease_until = NULL
			WHERE id = $2 AND state = 'running' RETURNING `+replayJobColumns, ts(store.OrNow(now)), text(id)))
		if errors.Is(err, pgx.ErrNoRows) {
			var state string
			if err := tx.QueryRow(ctx, `SELECT state FROM replay_jobs WHERE id = $1`, text(id)).Scan(&state); err != nil {
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
// p.Takeover's. Replicas claiming one job at once: the row lock orders
// them, and the second finds the lease taken.
func (s *Store) ReplayJobClaim(ctx context.Context, p store.ReplayJobClaimParams) (store.ReplayJob, error) {
	if p.Owner == "" {
		return store.ReplayJob{}, errors.New("claim replay job: empty owner")
	}
	now := store.OrNow(p.Now)
	j, err := scanReplayJob(s.pool.QueryRow(ctx, `
		UPDATE replay_jobs SET lease_owner = $1, lease_until = $2, updated_at = $3
		WHERE id = $4 AND state = 'running' AND (lease_until IS NULL OR lease_until < $3 OR lease_owner = $1
			OR lease_owner = '' OR ($5 <> '' AND lease_owner = $5))
		RETURNING `+replayJobColumns,
		text(p.Owner), ts(now.Add(p.LeaseFor)), ts(now), text(p.ID), text(p.Takeover)))
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrLeaseLost
	}
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("claim replay job %s: %w", p.ID, err)
	}
	return j, nil
}

// ReplayJobAdvance inserts the items' replays and moves the job on, in one
// transaction fenced by its lease (the job's row locked first).
func (s *Store) ReplayJobAdvance(ctx context.Context, p store.ReplayJobAdvanceParams) (store.ReplayJob, error) {
	now := ts(store.OrNow(p.Now))
	var (
		cursor string
		j      store.ReplayJob
	)
	for _, it := range p.Items {
		cursor = it.SourceRunID
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM replay_jobs WHERE id = $1 AND lease_owner = $2 FOR UPDATE`,
			text(p.ID), text(p.Owner)).Scan(&state)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && state != store.ReplayRunning) {
			return store.ErrLeaseLost
		}
		if err != nil {
			return err
		}
		var (
			done, failed int
			lastErr      string
		)
		for _, it := range p.Items {
			if it.Run == nil {
				failed, lastErr = failed+1, it.Error
				continue
			}
			if _, err := insertRun(ctx, tx, *it.Run); err != nil {
				if !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("replay of %s: %w", it.SourceRunID, err)
				}
				failed, lastErr = failed+1, fmt.Sprintf("run %s: its event is gone", it.SourceRunID)
				continue
			}
			done++
		}
		j, err = scanReplayJob(tx.QueryRow(ctx, `
			UPDATE replay_jobs SET done = done + $1, failed = failed + $2,
				cursor = CASE WHEN $3 = '' THEN cursor ELSE $3 END,
				last_error = CASE WHEN $4 = '' THEN last_error ELSE $4 END, lease_until = $5, updated_at = $6,
				state = CASE WHEN $7::bool THEN 'done' ELSE state END,
				finished_at = CASE WHEN $7::bool THEN $6 ELSE finished_at END,
				lease_owner = CASE WHEN $7::bool THEN '' ELSE lease_owner END
			WHERE id = $8 RETURNING `+replayJobColumns,
			done, failed, text(cursor), text(lastErr), ts(p.LeaseUntil), now, p.Finish, text(p.ID)))
		return err
	})
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("advance replay job %s: %w", p.ID, err)
	}
	return j, nil
}
