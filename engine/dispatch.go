package engine

import (
	"context"
	"errors"
	"time"

	"github.com/hookflow/hookflow/store"
)

// dispatch claims due runs and hands them to the workers. It keeps up to
// one batch of claimed runs waiting beyond those executing, and claims again
// once that buffer is half used, so that claims come in batches rather
// than one run each time a worker frees up. It waits for a wake-up (an
// accept committed, a worker freed) or the poll interval, which is what
// finds retries and delays coming due.
func (e *Engine) dispatch() {
	defer e.loops.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if e.stopping.Load() {
			return
		}
		busy := int(e.busy.Load())
		free := 2*e.cfg.Workers - busy
		if busy <= e.cfg.Workers {
			runs, err := e.store.RunClaim(e.runCtx, store.RunClaimParams{
				Owner:            e.cfg.Owner,
				Limit:            free,
				Now:              e.now().UTC(),
				LeaseFor:         e.cfg.LeaseFor,
				ExcludeWorkflows: e.saturated(),
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				e.log.Error("claim runs", "err", err)
			}
			for _, r := range runs {
				if !e.reserve(r) {
					continue
				}
				e.busy.Add(1)
				e.jobs <- r
			}
			if len(runs) == free {
				continue // there may be more due
			}
		}
		timer.Reset(e.cfg.PollInterval)
		select {
		case <-e.wake:
		case <-e.freed:
		case <-timer.C:
		case <-e.stop:
			return
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// load counts a workflow's runs executing here against its limit.
type load struct {
	n     int
	limit int // 0: none
}

// saturated lists the workflows at their concurrency limit here.
func (e *Engine) saturated() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for id, l := range e.running {
		if l.limit > 0 && l.n >= l.limit {
			out = append(out, id)
		}
	}
	return out
}

// reserve counts a claimed run against its workflow's concurrency limit. A
// run over the limit (claimed in the same batch as others of its workflow)
// is released at once, due again immediately.
func (e *Engine) reserve(r store.Run) bool {
	limit := 0
	if c, err := e.cache.revision(e.runCtx, r.WorkflowID, r.Revision); err == nil {
		limit = c.Workflow.Concurrency
	}
	e.mu.Lock()
	l := e.running[r.WorkflowID]
	if l == nil {
		l = &load{}
		e.running[r.WorkflowID] = l
	}
	l.limit = limit
	if limit > 0 && l.n >= limit {
		e.mu.Unlock()
		e.release(r, e.now())
		return false
	}
	l.n++
	e.mu.Unlock()
	return true
}

func (e *Engine) unreserve(r store.Run) {
	e.mu.Lock()
	if l := e.running[r.WorkflowID]; l != nil {
		if l.n--; l.n <= 0 {
			delete(e.running, r.WorkflowID)
		}
	}
	e.mu.Unlock()
}

// release gives a claimed run back, due at the given time, where it stood.
func (e *Engine) release(r store.Run, at time.Time) {
	err := e.runUpdate(context.Background(), store.RunUpdateParams{
		ID: r.ID, Owner: e.cfg.Owner, Attempt: r.Attempt,
		Status: store.StatusQueued, NextStep: r.NextStep, StepAttempt: r.StepAttempt,
		RunAt: at.UTC(), Now: e.now().UTC(),
	})
	if err != nil {
		e.log.Error("release run", "run", r.ID, "err", err)
	}
}

// work executes runs handed out by dispatch.
func (e *Engine) work() {
	defer e.workers.Done()
	for r := range e.jobs {
		e.execute(e.runCtx, r)
		e.unreserve(r)
		if e.busy.Add(-1) <= int64(e.cfg.Workers) {
			signal(e.freed)
		}
	}
}
