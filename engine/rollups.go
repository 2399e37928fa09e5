package engine

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hookflow/hookflow/store"
)

// RollupRetention is how long the dashboard's per-minute rollups are kept.
const RollupRetention = 8 * 24 * time.Hour

// rollups adds up, per workflow and minute, the runs that finished here and
// the delivery attempts made here since the last flush. Counting costs a
// map update under a lock; the store sees one upsert per workflow and
// minute every RollupEvery, never a write per run.
type rollups struct {
	mu sync.Mutex
	m  map[rollupKey]*store.Rollup
	// sampled is the last minute the backlog was sampled in.
	sampled int64
}

type rollupKey struct {
	workflow string
	minute   int64
}

// at returns the rollup of (workflow, the minute of now); r.mu is held.
func (r *rollups) at(workflow string, now time.Time) *store.Rollup {
	k := rollupKey{workflow, store.UnixMinute(now)}
	ru := r.m[k]
	if ru == nil {
		if r.m == nil {
			r.m = map[rollupKey]*store.Rollup{}
		}
		ru = &store.Rollup{WorkflowID: workflow, Minute: store.FromUnixMinute(k.minute)}
		r.m[k] = ru
	}
	return ru
}

// countRun counts a run that reached a final status, with the time from
// its event (since; zero: unknown) to now.
func (e *Engine) countRun(workflow, status string, since time.Time) {
	switch status {
	case store.StatusSucceeded, store.StatusFailed, store.StatusFiltered, store.StatusCancelled:
	default:
		return
	}
	now := e.now()
	r := &e.rollups
	r.mu.Lock()
	defer r.mu.Unlock()
	ru := r.at(workflow, now)
	switch status {
	case store.StatusSucceeded:
		ru.Succeeded++
	case store.StatusFailed:
		ru.Failed++
	case store.StatusFiltered:
		ru.Filtered++
	default:
		ru.Cancelled++
	}
	if !since.IsZero() {
		ru.Latency.Add(max(now.Sub(since), 0))
	}
}

// countDelivery counts an outbound step's attempt by its result's status.
func (e *Engine) countDelivery(workflow, stepStatus string) {
	r := &e.rollups
	r.mu.Lock()
	defer r.mu.Unlock()
	switch stepStatus {
	case store.StepSucceeded:
		r.at(workflow, e.now()).Delivered++
	case store.StepFailed:
		r.at(workflow, e.now()).DeliveryFailed++
	case store.StepRetrying:
		r.at(workflow, e.now()).DeliveryRetried++
	}
}

// take empties the rollups and returns them in key order.
func (r *rollups) take() []store.Rollup {
	r.mu.Lock()
	m := r.m
	r.m = nil
	r.mu.Unlock()
	out := make([]store.Rollup, 0, len(m))
	for _, ru := range m {
		out = append(out, *ru)
	}
	slices.SortFunc(out, func(a, b store.Rollup) int {
		return cmp.Or(strings.Compare(a.WorkflowID, b.WorkflowID), a.Minute.Compare(b.Minute))
	})
	return out
}

// putBack adds rollups that could not be written to those counted since.
func (r *rollups) putBack(rs []store.Rollup) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range rs {
		r.at(rs[i].WorkflowID, rs[i].Minute).Add(&rs[i])
	}
}

// FlushRollups writes the rollups counted since the last flush, adding
// them to the stored ones. Where the store fails they are kept for the
// next flush. The engine flushes every Config.RollupEvery and at
// Shutdown; it is exported for tools and tests.
func (e *Engine) FlushRollups(ctx context.Context) error {
	if e.store == nil {
		return nil // an engine without a store runs nothing to count
	}
	rs := e.rollups.take()
	if len(rs) == 0 {
		return nil
	}
	if err := e.store.RollupAdd(ctx, rs); err != nil {
		e.rollups.putBack(rs)
		return err
	}
	return nil
}

// SampleBacklog records each workflow's queued and retrying runs, and the
// age of its oldest due one, in the current minute's rollups.
func (e *Engine) SampleBacklog(ctx context.Context) error {
	if e.store == nil {
		return errors.New("sample backlog: the engine has no store")
	}
	now := e.now()
	bs, err := e.store.RollupBacklog(ctx, now.UTC())
	if err != nil {
		return err
	}
	r := &e.rollups
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sampled = store.UnixMinute(now)
	for _, b := range bs {
		ru := r.at(b.WorkflowID, now)
		ru.Backlog = max(ru.Backlog, b.Count)
		ru.OldestDue = max(ru.OldestDue, b.OldestDue)
	}
	return nil
}

// rollupLoop flushes the rollups every RollupEvery and samples the backlog
// once a minute, until Shutdown (which flushes once more after the last
// run has finished).
func (e *Engine) rollupLoop() {
	defer e.loops.Done()
	tick := time.NewTicker(e.cfg.RollupEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-e.stop:
			return
		}
		ctx, cancel := context.WithTimeout(e.runCtx, time.Minute)
		e.rollups.mu.Lock()
		due := e.rollups.sampled != store.UnixMinute(e.now())
		e.rollups.mu.Unlock()
		if due {
			if err := e.SampleBacklog(ctx); err != nil {
				e.log.Error("dashboard: sample backlog", "err", err)
			}
		}
		if err := e.FlushRollups(ctx); err != nil {
			e.log.Error("dashboard: write rollups", "err", err)
		}
		cancel()
	}
}

// flushAtShutdown writes what the last runs added to the rollups.
func (e *Engine) flushAtShutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.FlushRollups(ctx); err != nil {
		e.log.Error("dashboard: write rollups at shutdown", "err", err)
	}
}

// PruneRollups deletes the rollups older than RollupRetention. The
// retention loop calls it.
func (e *Engine) PruneRollups(ctx context.Context) (int64, error) {
	if e.store == nil {
		return 0, nil
	}
	n, err := e.store.RollupPrune(ctx, e.now().Add(-RollupRetention).UTC())
	if err != nil && ctx.Err() == nil {
		e.log.Error("retention: prune rollups", "err", err)
	}
	return n, err
}
