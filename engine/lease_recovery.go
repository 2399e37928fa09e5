package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/hookflow/hookflow/store"
)

// A run claimed by an engine stays leased to it until the lease runs out
// (Config.LeaseFor). When the process dies without releasing its runs
// (SIGKILL, a crash, the OOM killer, power loss), a restart would wait that
// long before resuming them. ReleaseDeadLeases takes them back at once
// where the engine can tell that their owner is gone.

// ReleaseDeadLeases queues again, due now and at the step they were at,
// the running runs leased to processes of this host that are no longer
// alive, and returns how many it released. Runs leased by other hosts, by
// live processes, or under owner names not made by this package, are left
// to their leases. Call it before Start, and only where every process that
// shares the store runs on this host and in this pid namespace (a SQLite
// file): replicas elsewhere cannot be seen to be alive.
//
// The runs are not given back as their owner would give them
// (store.RunUpdateParams.Release): their owner died executing them, so the
// claim stays counted, and a run that kills every process that executes it
// is failed after a few restarts instead of resumed at each one
// (Config.CrashLimit).
func (e *Engine) ReleaseDeadLeases(ctx context.Context) (int, error) {
	if e.store == nil {
		return 0, errors.New("release runs of dead processes: the engine has no store")
	}
	const page = 500
	released, cursor := 0, ""
	for range 10_000 { // at most 5 million running runs
		runs, err := e.store.RunList(ctx, store.RunListParams{Status: store.StatusRunning, Before: cursor, Limit: page})
		if err != nil {
			return released, fmt.Errorf("release runs of dead processes: %w", err)
		}
		for _, r := range runs {
			if !deadOwner(r.LeaseOwner, e.cfg.Owner) {
				continue
			}
			now := e.now().UTC()
			err := e.store.RunUpdate(ctx, store.RunUpdateParams{
				ID: r.ID, Owner: r.LeaseOwner, Attempt: r.Attempt,
				Status: store.StatusQueued, NextStep: r.NextStep, StepAttempt: r.StepAttempt,
				RunAt: now, Now: now,
			})
			switch {
			case errors.Is(err, store.ErrLeaseLost): // taken over meanwhile
			case errors.Is(err, store.ErrRunCancelled): // asked to cancel while its owner was gone: it is now
			case err != nil:
				return released, fmt.Errorf("release run %s of %s: %w", r.ID, r.LeaseOwner, err)
			default:
				released++
			}
		}
		if len(runs) < page {
			break
		}
		cursor = runs[len(runs)-1].ID
	}
	if released > 0 {
		e.log.Info("resuming runs of a process that stopped without releasing them", "runs", released)
	}
	return released, nil
}
