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
// than one run each time a worker frees up. It claims when the store may
// hold due runs: after an accept that left runs queued (wake), when the
// next run comes due (a retry, a delay's end, a lease running out: the
// store tells when, and this engine's workers when they schedule one), at
// the latest a poll interval after the last claim (runs other replicas
// schedule), and as workers free up while the last claim found a full
// batch. (A worker freeing up alone is no reason: runs accepted here are
// handed to the workers directly, and a claim takes the workers' room while
// it runs, which would make the accepts queue their runs instead.)
//
// The timer is set after each claim that leaves nothing due, and only
// then: nothing else puts it off. (It used to be set anew each time the
// dispatcher woke, so workers freeing up more often than the poll interval,
// as under a steady load, kept it from ever firing, and runs coming due
// waited as long as that load lasted.)
func (e *Engine) dispatch() {
	defer e.loops.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var wakeAt time.Time // when the timer fires (the real clock)
	more := true         // the store may hold due runs
	for {
		if e.stopping.Load() {
			return
		}
		if more && int(e.busy.Load()) <= e.cfg.Workers {
			if free := e.takeSlots(2 * e.cfg.Workers); free > 0 {
				// The budget of bytes in flight, for runs of the recent
				// accepts' average size: a claim no larger than its room.
				var each int64
				if e.budget != nil {
					each = min(e.avgCost.Load(), e.budget.Max())
					if room := e.budget.TryAcquireUpTo(free, each); room < free {
						e.busy.Add(int64(room - free))
						if free = room; free == 0 {
							// Until room comes back (freed), or the poll.
							wakeAt = time.Now().Add(e.cfg.PollInterval)
							timer.Reset(e.cfg.PollInterval)
							goto wait
						}
					}
				}
				now := e.now().UTC()
				runs, err := e.store.RunClaim(e.runCtx, store.RunClaimParams{
					Owner:            e.cfg.Owner,
					Limit:            free,
					Now:              now,
					LeaseFor:         e.cfg.LeaseFor,
					ExcludeWorkflows: e.saturated(),
				})
				if err != nil && !errors.Is(err, context.Canceled) {
					e.log.Error("claim runs", "err", err)
				}
				handed := 0
				for _, r := range runs {
					if !e.reserve(r) {
						e.release(r, e.now())
						continue
					}
					e.jobs <- job{run: r, cost: each} // never blocks: its slot was taken
					handed++
				}
				e.busy.Add(int64(handed - free)) // give back the slots not used
				e.budget.Release(int64(free-handed) * each)
				more = len(runs) == free
				if more {
					continue // there may be more due
				}
				// Every run due is claimed, or held back by a concurrency
				// limit (whose runs wake this loop as they end).
				wait := e.cfg.PollInterval
				if err == nil {
					wait = e.untilDue(now)
				}
				wakeAt = time.Now().Add(wait)
				timer.Reset(wait)
			}
		}
	wait:
		select {
		case <-e.wake:
			more = true
		case <-e.freed:
		case <-e.scheduled:
			// A worker scheduled a run: come back for it if it is due
			// before the timer fires.
			if at := e.soonest.Swap(0); at != 0 {
				wait := max(time.Unix(0, at).Sub(e.now()), minWait)
				if next := time.Now().Add(wait); next.Before(wakeAt) {
					wakeAt = next
					timer.Reset(wait)
				}
			}
		case <-timer.C:
			more = true
		case <-e.stop:
			return
		}
	}
}

// minWait is the least the dispatcher sleeps for a run coming due: with a
// clock that stands still (a test's), a run due a moment later would
// otherwise have it claim without pause.
const minWait = time.Millisecond

// untilDue is how long the dispatcher may sleep after a claim at now that
// left no run due: until the next run comes due, and at most the poll
// interval.
func (e *Engine) untilDue(now time.Time) time.Duration {
	next, err := e.store.RunNextDue(e.runCtx, now)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			e.log.Error("find the next due run", "err", err)
		}
		return e.cfg.PollInterval
	}
	if next.IsZero() {
		return e.cfg.PollInterval
	}
	return min(max(next.Sub(now), minWait), e.cfg.PollInterval)
}

// schedule tells the dispatcher that this engine made a run due at at (a
// retry, a delay), so that it claims the run then rather than at its next
// poll.
func (e *Engine) schedule(at time.Time) {
	n := at.UnixNano()
	for {
		cur := e.soonest.Load()
		if cur != 0 && cur <= n {
			return // the dispatcher has been told of an earlier one
		}
		if e.soonest.CompareAndSwap(cur, n) {
			signal(e.scheduled)
			return
		}
	}
}

// takeSlots reserves up to max places among the runs handed to workers
// (busy: executing or waiting in the jobs buffer, at most twice the
// workers) and returns how many it took. The dispatcher and the accept loop
// both reserve before they hand runs out, so neither ever blocks on a full
// buffer (a worker waiting in Accept for an on_failure run must not wait on
// the accept loop waiting on the workers).
func (e *Engine) takeSlots(max int) int {
	for {
		busy := e.busy.Load()
		n := min(int64(max), int64(2*e.cfg.Workers)-busy)
		if n <= 0 {
			return 0
		}
		if e.busy.CompareAndSwap(busy, busy+n) {
			return int(n)
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
// is not counted: the caller releases it, due again immediately.
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
		return false
	}
	l.n++
	e.mu.Unlock()
	return true
}

func (e *Engine) unreserve(r store.Run) {
	limited := false
	e.mu.Lock()
	if l := e.running[r.WorkflowID]; l != nil {
		limited = l.limit > 0
		if l.n--; l.n <= 0 {
			delete(e.running, r.WorkflowID)
		}
	}
	e.mu.Unlock()
	if limited {
		signal(e.wake) // runs held back by the limit may be claimed now
	}
}

// release gives a claimed run back, due at the given time, where it stood.
// Its claim is not counted as one that crashed (store.Run.UnrecordedClaims).
func (e *Engine) release(r store.Run, at time.Time) {
	err := e.runUpdate(context.Background(), store.RunUpdateParams{
		ID: r.ID, Owner: e.cfg.Owner, Attempt: r.Attempt,
		Status: store.StatusQueued, NextStep: r.NextStep, StepAttempt: r.StepAttempt,
		RunAt: at.UTC(), Release: true, Now: e.now().UTC(),
	})
	if errors.Is(err, store.ErrRunCancelled) {
		return // asked to cancel: it is now
	}
	if err != nil {
		e.log.Error("release run", "run", r.ID, "err", err)
		return
	}
	if at.After(e.now()) {
		e.schedule(at)
	}
}

// job is a run handed to a worker, with its state when the accept made it.
type job struct {
	run store.Run
	st  *runState
	// cost is the budget of bytes in flight the run holds (Budget).
	cost int64
}

// work executes runs handed out by dispatch and the accepts.
func (e *Engine) work() {
	defer e.workers.Done()
	for j := range e.jobs {
		e.execute(e.runCtx, j.run, j.st)
		j.st = nil // its memory goes with the budget it held
		e.unreserve(j.run)
		e.budget.Release(j.cost)
		if e.busy.Add(-1) <= int64(e.cfg.Workers) || j.cost > 0 {
			signal(e.freed)
		}
	}
}
