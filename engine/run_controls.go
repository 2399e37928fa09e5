package engine

import (
	"context"
	"fmt"

	"github.com/hookflow/hookflow/store"
)

// RetryNow makes a retrying run attempt its step now rather than at its
// backoff's time. store.ErrConflict where the run is not retrying.
func (e *Engine) RetryNow(ctx context.Context, runID string) (store.Run, error) {
	r, err := e.store.RunRetryNow(ctx, runID, e.now().UTC())
	if err != nil {
		return store.Run{}, fmt.Errorf("retry now: %w", err)
	}
	signal(e.wake)
	return r, nil
}

// Cancel ends a queued, retrying or waiting run as cancelled. A run whose
// attempt is in flight finishes that attempt, which is recorded, and is
// then cancelled instead of going on (cancelled is false then: the run is
// still running). store.ErrConflict where the run has finished.
func (e *Engine) Cancel(ctx context.Context, runID string) (r store.Run, cancelled bool, err error) {
	r, cancelled, err = e.store.RunCancel(ctx, store.RunCancelParams{ID: runID, Now: e.now().UTC()})
	if err != nil {
		return store.Run{}, false, fmt.Errorf("cancel: %w", err)
	}
	if cancelled {
		e.cfg.Metrics.observeRun(r.WorkflowID, store.StatusCancelled)
		e.countRun(r.WorkflowID, store.StatusCancelled, r.CreatedAt)
		e.waiters.notify(r.ID, finalResponse(r.ID, store.StatusCancelled, nil))
		e.log.Info("run cancelled", "run", r.ID, "workflow", r.WorkflowID)
	}
	return r, cancelled, nil
}

// cancelled is told that the run, asked to cancel while its attempt was in
// flight, has ended cancelled with the write just made.
func (x *execution) cancelled() {
	x.log().Info("run cancelled after its attempt in flight")
	x.e.cfg.Metrics.observeRun(x.run.WorkflowID, store.StatusCancelled)
	x.e.countRun(x.run.WorkflowID, store.StatusCancelled, x.run.CreatedAt)
	if !x.responded {
		x.e.waiters.notify(x.run.ID, finalResponse(x.run.ID, store.StatusCancelled, nil))
	}
}
