package engine

import (
	"context"
	"errors"
	"time"

	"github.com/hookflow/hookflow/store"
)

// DefaultCrashLimit is Config.CrashLimit's default.
const DefaultCrashLimit = 3

// ErrCrashedWorker is the error of a run failed because executing it took
// its worker down again and again (see Config.CrashLimit).
var ErrCrashedWorker = errors.New("stopped: the run crashed the worker")

// crashedBefore reports whether a claimed run's executions ended without a
// word CrashLimit times in a row: its worker died in it each time (a
// fatal error no recover catches, such as running out of memory, or the
// OOM killer), and executing it again would most likely kill this one.
// Its current claim is one of its unrecorded claims.
func (e *Engine) crashedBefore(r store.Run) bool {
	return e.cfg.CrashLimit > 0 && r.UnrecordedClaims-1 >= e.cfg.CrashLimit
}

// crashed fails a run that crashed its worker too often, without executing
// anything of it, and starts the workflow's on_failure workflow as for any
// failed run.
func (x *execution) crashed(ctx context.Context) {
	msg := ErrCrashedWorker.Error()
	if !x.write(ctx, store.StatusFailed, x.run.NextStep, x.run.StepAttempt, time.Time{}, msg) {
		return
	}
	x.e.cfg.Metrics.observeRun(x.run.WorkflowID, store.StatusFailed)
	x.e.countRun(x.run.WorkflowID, store.StatusFailed, x.run.CreatedAt)
	x.log().Error("run failed: each of its last executions ended with its worker gone",
		"next_step", x.run.NextStep, "claims", x.run.UnrecordedClaims)
	// The run's event and state are not loaded: they may be what crashes.
	if c, err := x.e.cache.revision(ctx, x.run.WorkflowID, x.run.Revision); err == nil {
		step := ""
		if x.run.NextStep < len(c.Steps) {
			step = c.Steps[x.run.NextStep].ID
		}
		x.e.startOnFailure(c.Workflow, x.run, step, msg, x.failure)
	}
	x.e.waiters.notify(x.run.ID, finalResponse(x.run.ID, store.StatusFailed, nil))
}
