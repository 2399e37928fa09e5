package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hookflow/hookflow/store"
)

// WaitBegin records a wait step's wait unless it is recorded already, and
// returns it as stored.
func (s *Store) WaitBegin(ctx context.Context, p store.WaitBeginParams) (store.Wait, error) {
	var w store.Wait
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM runs WHERE id = $1`, text(p.RunID)).Scan(&one); err != nil {
			return fmt.Errorf("run %s: %w", p.RunID, notFound(err))
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO run_waits (run_id, step_id, until) VALUES ($1, $2, $3)
			ON CONFLICT (run_id, step_id) DO NOTHING`, text(p.RunID), text(p.StepID), ts(p.Until)); err != nil {
			return err
		}
		var err error
		w, err = getWait(ctx, tx, p.RunID, p.StepID)
		return err
	})
	if err != nil {
		return store.Wait{}, fmt.Errorf("begin wait %s of run %s: %w", p.StepID, p.RunID, err)
	}
	return w, nil
}

// WaitResume records the request that resumes a wait step and makes its
// run due, in one transaction. The run's row is locked first, so that a
// worker writing the run as waiting meanwhile either sees the resume
// (RunUpdateParams.WaitStep) or is seen waiting by it.
func (s *Store) WaitResume(ctx context.Context, p store.WaitResumeParams) error {
	if len(p.Resume) == 0 {
		return fmt.Errorf("resume wait %s of run %s: empty resume", p.StepID, p.RunID)
	}
	err := s.tx(ctx, func(tx pgx.Tx) error { return resumeWait(ctx, tx, p, true) })
	if err != nil {
		return fmt.Errorf("resume wait %s of run %s: %w", p.StepID, p.RunID, err)
	}
	return nil
}

// resumeWait stores a wait's resume, unless one came before
// (store.ErrConflict), and makes its run due where it is waiting. With
// refuseFinished, a finished run is store.ErrConflict too.
func resumeWait(ctx context.Context, tx pgx.Tx, p store.WaitResumeParams, refuseFinished bool) error {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM runs WHERE id = $1 FOR UPDATE`, text(p.RunID)).Scan(&status)
	if err != nil {
		return fmt.Errorf("run %s: %w", p.RunID, notFound(err))
	}
	if refuseFinished && store.Finished(status) {
		return fmt.Errorf("run %s has finished (%s): %w", p.RunID, status, store.ErrConflict)
	}
	now := store.OrNow(p.Now)
	tag, err := tx.Exec(ctx, `UPDATE run_waits SET resume = $1, resumed_at = $2 WHERE run_id = $3 AND step_id = $4 AND resumed_at IS NULL`,
		p.Resume, ts(now), text(p.RunID), text(p.StepID))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		_, err = tx.Exec(ctx, `UPDATE runs SET run_at = $1, updated_at = $1 WHERE id = $2 AND status = 'waiting'`,
			ts(now), text(p.RunID))
		return err
	}
	// Before the wait began: kept for it, waking nothing.
	tag, err = tx.Exec(ctx, `
		INSERT INTO run_waits (run_id, step_id, resume, resumed_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (run_id, step_id) DO NOTHING`, text(p.RunID), text(p.StepID), p.Resume, ts(now))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("resumed before: %w", store.ErrConflict)
	}
	return nil
}

// WaitGet returns a wait step's state in a run.
func (s *Store) WaitGet(ctx context.Context, runID, stepID string) (store.Wait, error) {
	w, err := getWait(ctx, s.pool, runID, stepID)
	if err != nil {
		return store.Wait{}, fmt.Errorf("get wait %s of run %s: %w", stepID, runID, err)
	}
	return w, nil
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func getWait(ctx context.Context, q querier, runID, stepID string) (store.Wait, error) {
	w := store.Wait{RunID: runID, StepID: stepID}
	var until, resumed pgtype.Timestamptz
	err := q.QueryRow(ctx, `SELECT until, resume, resumed_at FROM run_waits WHERE run_id = $1 AND step_id = $2`,
		text(runID), text(stepID)).Scan(&until, &w.Resume, &resumed)
	if err != nil {
		return store.Wait{}, notFound(err)
	}
	if len(w.Resume) == 0 {
		w.Resume = nil
	}
	if until.Valid {
		w.Until = until.Time.UTC()
	}
	if resumed.Valid {
		w.ResumedAt = resumed.Time.UTC()
	}
	return w, nil
}

// hasExtras reports an update that writes more than the run's own state
// (see updateExtras): it needs a transaction of its own.
func hasExtras(p store.RunUpdateParams) bool {
	return len(p.Start) > 0 || len(p.Resume) > 0 || (p.WaitStep != "" && p.Status == store.StatusWaiting) ||
		(p.Failure != nil && p.Status == store.StatusFailed)
}

// updateWithExtras is RunUpdate for an update with extras: the fenced
// update and its extras in one transaction. A run that ended cancelled
// (store.ErrRunCancelled) has its update and extras written all the same.
func (s *Store) updateWithExtras(ctx context.Context, p store.RunUpdateParams) error {
	var cancelled bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, updateRunSQL, updateArgs(p)...).Scan(&n, &cancelled); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("owner %s attempt %d: %w", p.Owner, p.Attempt, store.ErrLeaseLost)
		}
		if err := updateExtras(ctx, tx, p); err != nil {
			return err
		}
		return recordFailure(ctx, tx, p)
	})
	if err == nil && cancelled {
		return store.ErrRunCancelled
	}
	return err
}

// updateExtras writes what an update carries beside the run's own state:
// the runs it starts (queued, without idempotency keys), the waits it
// resumes, and, for a run that waits on a step resumed while it ran, its
// being due at once.
func updateExtras(ctx context.Context, tx pgx.Tx, p store.RunUpdateParams) error {
	now := store.OrNow(p.Now)
	for i, a := range p.Start {
		if err := store.CheckAccept(a); err != nil {
			return fmt.Errorf("start run %d: %w", i, err)
		}
		if a.Status != "" || a.Owner != "" || len(a.Results) > 0 || a.Event.IdempotencyKey != "" {
			return fmt.Errorf("start run %s: only a queued run without results or idempotency key", a.RunID)
		}
		e := a.Event
		h, err := store.EncodeHeaders(e.Headers)
		if err != nil {
			return fmt.Errorf("start run %s: %w", a.RunID, err)
		}
		m, err := store.EncodeMeta(e.Meta)
		if err != nil {
			return fmt.Errorf("start run %s: %w", a.RunID, err)
		}
		at := e.ReceivedAt
		if at.IsZero() {
			at = now
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO events (id, workflow_id, source, method, headers, query, body, received_at, idempotency_key, meta)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9)`,
			text(e.ID), text(e.WorkflowID), text(e.Source), text(e.Method), text(h), text(e.Query),
			store.NonNil(e.Body), ts(at), text(m)); err != nil {
			return fmt.Errorf("start run %s: %w", a.RunID, conflict(err))
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO runs (id, workflow_id, revision, event_id, status, next_step, run_at, created_at, updated_at, time_skewed)
			VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $7, $8)`,
			text(a.RunID), text(e.WorkflowID), a.Revision, text(e.ID), a.NextStep, ts(at), ts(now),
			store.IDTimeSkewed(a.RunID, now)); err != nil {
			return fmt.Errorf("start run %s: %w", a.RunID, conflict(err))
		}
	}
	for _, r := range p.Resume {
		if r.Now.IsZero() {
			r.Now = now
		}
		// A savepoint: a resume refused must not abort the transaction.
		err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error { return resumeWait(ctx, sp, r, false) })
		if err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("resume wait %s of run %s: %w", r.StepID, r.RunID, err)
		}
	}
	if p.WaitStep != "" && p.Status == store.StatusWaiting {
		if _, err := tx.Exec(ctx, `
			UPDATE runs SET run_at = $1 WHERE id = $2 AND status = 'waiting' AND EXISTS (
				SELECT 1 FROM run_waits WHERE run_id = $2 AND step_id = $3 AND resumed_at IS NOT NULL)`,
			ts(now), text(p.ID), text(p.WaitStep)); err != nil {
			return fmt.Errorf("wait step %s: %w", p.WaitStep, err)
		}
	}
	return nil
}
