package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookflow/hookflow/store"
)

// cancelAfterUpdate ends a run asked to cancel, in the transaction of the
// update that wrote its attempt in flight.
func cancelAfterUpdate(ctx context.Context, tx *sql.Tx, id string, now int64) error {
	if _, err := tx.ExecContext(ctx, `
		UPDATE runs SET status = 'cancelled', finished_at = ?, updated_at = ?, lease_owner = '', lease_until = 0
		WHERE id = ?`, now, now, id); err != nil {
		return fmt.Errorf("cancel: %w", err)
	}
	return nil
}

// RunRetryNow makes a retrying run due at now.
func (s *Store) RunRetryNow(ctx context.Context, id string, now time.Time) (store.Run, error) {
	var r store.Run
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanRun(tx.QueryRowContext(ctx, `
			UPDATE runs SET run_at = ?, updated_at = ? WHERE id = ? AND status = 'retrying'
			RETURNING `+runColumns, nanos(now), nanos(now), id))
		if errors.Is(err, sql.ErrNoRows) {
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
func runNotIn(ctx context.Context, tx *sql.Tx, id, want string) error {
	var status string
	if err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, id).Scan(&status); err != nil {
		return notFound(err)
	}
	return fmt.Errorf("%w: the run is %s, not %s", store.ErrConflict, status, want)
}

// RunCancel cancels a run that is not executing, or marks one that is.
func (s *Store) RunCancel(ctx context.Context, p store.RunCancelParams) (store.Run, bool, error) {
	now := nanos(store.OrNow(p.Now))
	var (
		r         store.Run
		cancelled bool
	)
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanRun(tx.QueryRowContext(ctx, `
			UPDATE runs SET status = 'cancelled', finished_at = ?, updated_at = ?, lease_owner = '', lease_until = 0
			WHERE id = ? AND (status = 'queued' OR status = 'retrying' OR status = 'waiting'
				OR (status = 'running' AND lease_until < ?))
			RETURNING `+runColumns, now, now, p.ID, now))
		if err == nil {
			cancelled = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		r, err = scanRun(tx.QueryRowContext(ctx, `
			UPDATE runs SET cancel_requested = 1, updated_at = ? WHERE id = ? AND status = 'running'
			RETURNING `+runColumns, now, p.ID))
		if errors.Is(err, sql.ErrNoRows) {
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
	from, where, args := runListWhere(p)
	if !p.Since.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, nanos(p.Since))
	}
	if !p.Until.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, nanos(p.Until))
	}
	q := `SELECT count(*) FROM ` + from
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	var n int
	if err := s.reader.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count runs: %w", err)
	}
	return n, nil
}

// failureIssueColumns are scanFailureIssue's columns.
const failureIssueColumns = `id, workflow_id, step_id, class, state, count, first_seen, last_seen, sample_run,
	last_error, updated_at`

func scanFailureIssue(sc scanner, extra ...any) (store.FailureIssue, error) {
	var (
		i                    store.FailureIssue
		first, last, updated int64
	)
	dest := append([]any{&i.ID, &i.WorkflowID, &i.StepID, &i.Class, &i.State, &i.Count, &first, &last,
		&i.SampleRunID, &i.LastError, &updated}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return store.FailureIssue{}, err
	}
	i.FirstSeen, i.LastSeen, i.UpdatedAt = fromNanos(first), fromNanos(last), fromNanos(updated)
	return i, nil
}

// recordFailure counts a failed run into its issue (p.Failure), inside the
// transaction of its update.
func recordFailure(ctx context.Context, tx *sql.Tx, p store.RunUpdateParams) error {
	f := p.Failure
	if f == nil || p.Status != store.StatusFailed {
		return nil
	}
	if f.NewID == "" {
		return errors.New("record failure: the issue has no new id")
	}
	now := nanos(store.OrNow(p.Now))
	var opened bool
	i, err := scanFailureIssue(tx.QueryRowContext(ctx, `
		INSERT INTO failure_issues (id, workflow_id, step_id, class, state, count, first_seen, last_seen,
			sample_run, last_error, last_opened, updated_at)
		VALUES (?, ?, ?, ?, 'open', 1, ?, ?, ?, ?, 1, ?)
		ON CONFLICT (workflow_id, step_id, class) DO UPDATE SET
			count = count + 1, last_seen = excluded.last_seen, sample_run = excluded.sample_run,
			last_error = excluded.last_error, updated_at = excluded.updated_at,
			last_opened = (state = 'resolved'),
			state = CASE WHEN state = 'resolved' THEN 'open' ELSE state END
		RETURNING `+failureIssueColumns+`, last_opened`,
		f.NewID, f.WorkflowID, f.StepID, f.Class, now, now, p.ID, f.Error, now), &opened)
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
	q := `SELECT ` + failureIssueColumns + ` FROM failure_issues WHERE (? = '' OR workflow_id = ?) AND (? = '' OR state = ?)
		ORDER BY last_seen DESC, id LIMIT ?`
	return queryList(ctx, s, "list issues", func(sc scanner) (store.FailureIssue, error) { return scanFailureIssue(sc) }, q, p.WorkflowID, p.WorkflowID, p.State, p.State, store.ClampLimit(p.Limit))
}

// FailureIssueGet returns one issue.
func (s *Store) FailureIssueGet(ctx context.Context, id string) (store.FailureIssue, error) {
	i, err := scanFailureIssue(s.reader.QueryRowContext(ctx, `SELECT `+failureIssueColumns+` FROM failure_issues WHERE id = ?`, id))
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
	var i store.FailureIssue
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		i, err = scanFailureIssue(tx.QueryRowContext(ctx, `
			UPDATE failure_issues SET state = ?, updated_at = ? WHERE id = ? RETURNING `+failureIssueColumns,
			state, nanos(store.OrNow(now)), id))
		return notFound(err)
	})
	if err != nil {
		return store.FailureIssue{}, fmt.Errorf("set issue %s: %w", id, err)
	}
	return i, nil
}
