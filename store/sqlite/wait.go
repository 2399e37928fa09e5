package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hookflow/hookflow/store"
)

// WaitBegin records a wait step's wait unless it is recorded already, and
// returns it as stored.
func (s *Store) WaitBegin(ctx context.Context, p store.WaitBeginParams) (store.Wait, error) {
	var w store.Wait
	err := s.writeQueue(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO run_waits (run_id, step_id, until) VALUES (?, ?, ?)
			ON CONFLICT (run_id, step_id) DO NOTHING`, p.RunID, p.StepID, nanos(p.Until))
		if isForeignKey(err) {
			return fmt.Errorf("run %s: %w", p.RunID, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		w, err = getWait(ctx, tx, p.RunID, p.StepID)
		return err
	})
	if err != nil {
		return store.Wait{}, fmt.Errorf("begin wait %s of run %s: %w", p.StepID, p.RunID, err)
	}
	return w, nil
}

// WaitResume records the request that resumes a wait step and makes its
// run due, in one durable transaction.
func (s *Store) WaitResume(ctx context.Context, p store.WaitResumeParams) error {
	if len(p.Resume) == 0 {
		return fmt.Errorf("resume wait %s of run %s: empty resume", p.StepID, p.RunID)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, p.RunID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("run %s: %w", p.RunID, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if store.Finished(status) {
			return fmt.Errorf("run %s has finished (%s): %w", p.RunID, status, store.ErrConflict)
		}
		return resumeWait(ctx, tx, p)
	})
	if err != nil {
		return fmt.Errorf("resume wait %s of run %s: %w", p.StepID, p.RunID, err)
	}
	return nil
}

// resumeWait stores a wait's resume, unless one came before
// (store.ErrConflict). Where the wait had begun, its run is due at once if
// it is waiting (on it); a resume that comes before the wait begins is
// kept for it, and wakes nothing (the run may be waiting on another step).
func resumeWait(ctx context.Context, tx *sql.Tx, p store.WaitResumeParams) error {
	now := nanos(store.OrNow(p.Now))
	res, err := tx.ExecContext(ctx, `UPDATE run_waits SET resume = ?, resumed_at = ? WHERE run_id = ? AND step_id = ? AND resumed_at = 0`,
		p.Resume, now, p.RunID, p.StepID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		_, err = tx.ExecContext(ctx, `UPDATE runs SET run_at = ?, updated_at = ? WHERE id = ? AND status = 'waiting'`,
			now, now, p.RunID)
		return err
	}
	res, err = tx.ExecContext(ctx, `
		INSERT INTO run_waits (run_id, step_id, until, resume, resumed_at) VALUES (?, ?, 0, ?, ?)
		ON CONFLICT (run_id, step_id) DO NOTHING`, p.RunID, p.StepID, p.Resume, now)
	if isForeignKey(err) {
		return fmt.Errorf("run %s: %w", p.RunID, store.ErrNotFound)
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("resumed before: %w", store.ErrConflict)
	}
	return nil
}

// WaitGet returns a wait step's state in a run.
func (s *Store) WaitGet(ctx context.Context, runID, stepID string) (store.Wait, error) {
	w, err := getWait(ctx, s.reader, runID, stepID)
	if err != nil {
		return store.Wait{}, fmt.Errorf("get wait %s of run %s: %w", stepID, runID, err)
	}
	return w, nil
}

// isForeignKey reports whether err is a foreign key violation (here: a
// wait of a run that does not exist).
func isForeignKey(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getWait(ctx context.Context, q querier, runID, stepID string) (store.Wait, error) {
	w := store.Wait{RunID: runID, StepID: stepID}
	var until, resumed int64
	err := q.QueryRowContext(ctx, `SELECT until, resume, resumed_at FROM run_waits WHERE run_id = ? AND step_id = ?`,
		runID, stepID).Scan(&until, &w.Resume, &resumed)
	if err != nil {
		return store.Wait{}, notFound(err)
	}
	if len(w.Resume) == 0 {
		w.Resume = nil
	}
	w.Until, w.ResumedAt = fromNanos(until), fromNanos(resumed)
	return w, nil
}

// updateExtras writes what an update carries beside the run's own state:
// the runs it starts, the waits it resumes, and, for a run that waits on a
// step resumed while it ran, its being due at once.
func (s *Store) updateExtras(ctx context.Context, tx *sql.Tx, p store.RunUpdateParams) error {
	if len(p.Start) > 0 {
		a, err := newAcceptBatch(p.Start)
		if err != nil {
			return err
		}
		if err := s.acceptTx(ctx, tx, a); err != nil {
			return fmt.Errorf("start runs: %w", err)
		}
	}
	for _, r := range p.Resume {
		if r.Now.IsZero() {
			r.Now = p.Now
		}
		if err := resumeWait(ctx, tx, r); err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("resume wait %s of run %s: %w", r.StepID, r.RunID, err)
		}
	}
	if p.WaitStep != "" && p.Status == store.StatusWaiting {
		now := nanos(store.OrNow(p.Now))
		if _, err := tx.ExecContext(ctx, `
			UPDATE runs SET run_at = ? WHERE id = ? AND status = 'waiting' AND EXISTS (
				SELECT 1 FROM run_waits WHERE run_id = ? AND step_id = ? AND resumed_at <> 0)`,
			now, p.ID, p.ID, p.WaitStep); err != nil {
			return fmt.Errorf("wait step %s: %w", p.WaitStep, err)
		}
	}
	return nil
}
