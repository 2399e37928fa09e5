package engine

import (
	"context"
	"time"

	"github.com/hookflow/hookflow/store"
)

// retain prunes old runs and events (Config.Retention), and expired keys of
// the key-value store, at Start and every
// RetentionEvery, until Shutdown, which cancels a prune in progress between
// batches.
func (e *Engine) retain() {
	defer e.loops.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-e.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	tick := time.NewTicker(e.cfg.RetentionEvery)
	defer tick.Stop()
	for {
		_, _ = e.Prune(ctx)
		_, _ = e.PruneKV(ctx)
		_, _, _ = e.PruneAudit(ctx)
		_, _ = e.PruneRollups(ctx)
		select {
		case <-tick.C:
		case <-e.stop:
			return
		}
	}
}

// Prune deletes the runs that finished more than Config.Retention ago, with
// their step results, and the events they leave without a run; the store
// then gives the space back. It does nothing when Retention is 0. The
// retention loop calls it; it is exported for tools and tests.
func (e *Engine) Prune(ctx context.Context) (store.PruneResult, error) {
	if e.cfg.Retention <= 0 || e.store == nil {
		return store.PruneResult{}, nil
	}
	before := e.now().Add(-e.cfg.Retention).UTC()
	start := time.Now()
	res, err := e.store.Prune(ctx, store.PruneParams{Before: before})
	if res.Runs > 0 || res.Events > 0 {
		e.log.Info("retention: pruned old runs", "runs", res.Runs, "events", res.Events,
			"finished_before", before, "took", time.Since(start).Round(time.Millisecond))
	}
	if err != nil && ctx.Err() == nil {
		e.log.Error("retention: prune", "err", err)
	}
	return res, err
}
