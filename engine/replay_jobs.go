package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// A bulk replay replays every run matching a filter (workflow, status,
// created between since and until) as a durable job (store.ReplayJob):
// the runs are taken newest first, a page at a time, and each page's
// replays are inserted in the transaction that moves the job's cursor past
// them, so a job resumed after a crash or a restart goes on where it was
// and replays each run exactly once. A job is leased to one engine at a
// time (replicas of a PostgreSQL store); a lease whose owner died is taken
// over.

// Bulk replay limits.
const (
	// DefaultReplayRate is a job's replays per second when none is given.
	DefaultReplayRate = 50
	// MaxReplayRate caps a job's replays per second.
	MaxReplayRate = 1000
	// replayLease is how long a job stays leased without word from its
	// owner.
	replayLease = 30 * time.Second
	// replaySample is how many runs a preview shows.
	replaySample = 5
)

// BulkReplayParams selects the runs of a bulk replay and says how they are
// replayed.
type BulkReplayParams struct {
	WorkflowID string
	Status     string
	Since      time.Time
	Until      time.Time
	// From is store.ReplayFromStart (the default) or
	// store.ReplayFromFailedStep (each run from the step it failed at).
	From          string
	RatePerSecond int
}

// check fills in defaults and refuses what cannot be done, naming the field.
func (p *BulkReplayParams) check(now time.Time) error {
	switch p.From {
	case "":
		p.From = store.ReplayFromStart
	case store.ReplayFromStart, store.ReplayFromFailedStep:
	default:
		return &workflows.FieldError{Field: "from", Message: fmt.Sprintf("must be %q or %q, got %q", store.ReplayFromStart, store.ReplayFromFailedStep, p.From)}
	}
	switch p.Status {
	case "", store.StatusQueued, store.StatusRunning, store.StatusRetrying, store.StatusWaiting,
		store.StatusSucceeded, store.StatusFiltered, store.StatusFailed, store.StatusCancelled:
	default:
		return &workflows.FieldError{Field: "status", Message: fmt.Sprintf("is not a run status: %q", p.Status)}
	}
	switch {
	case p.RatePerSecond == 0:
		p.RatePerSecond = DefaultReplayRate
	case p.RatePerSecond < 0 || p.RatePerSecond > MaxReplayRate:
		return &workflows.FieldError{Field: "rate_per_second", Message: fmt.Sprintf("must be between 1 and %d, got %d", MaxReplayRate, p.RatePerSecond)}
	}
	// Only the runs there are now: not the replays the job makes.
	if p.Until.IsZero() || p.Until.After(now) {
		p.Until = now
	}
	if !p.Since.IsZero() && !p.Since.Before(p.Until) {
		return &workflows.FieldError{Field: "since", Message: "must be before until"}
	}
	return nil
}

func (p BulkReplayParams) list() store.RunListParams {
	return store.RunListParams{WorkflowID: p.WorkflowID, Status: p.Status, Since: p.Since, Until: p.Until}
}

// BulkReplayPreview counts the runs a bulk replay would replay and shows a
// few of them, newest first.
func (e *Engine) BulkReplayPreview(ctx context.Context, p BulkReplayParams) (int, []store.Run, error) {
	if err := p.check(e.now().UTC()); err != nil {
		return 0, nil, err
	}
	n, err := e.store.RunCount(ctx, p.list())
	if err != nil {
		return 0, nil, fmt.Errorf("preview bulk replay: %w", err)
	}
	l := p.list()
	l.Limit = replaySample
	sample, err := e.store.RunList(ctx, l)
	if err != nil {
		return 0, nil, fmt.Errorf("preview bulk replay: %w", err)
	}
	return n, sample, nil
}

// BulkReplay starts a durable bulk replay job of the runs p selects.
func (e *Engine) BulkReplay(ctx context.Context, p BulkReplayParams) (store.ReplayJob, error) {
	now := e.now().UTC()
	if err := p.check(now); err != nil {
		return store.ReplayJob{}, err
	}
	n, err := e.store.RunCount(ctx, p.list())
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("start bulk replay: %w", err)
	}
	j, err := e.store.ReplayJobCreate(ctx, store.ReplayJob{
		ID: newID(), WorkflowID: p.WorkflowID, Status: p.Status, Since: p.Since, Until: p.Until, From: p.From,
		RatePerSecond: p.RatePerSecond, Total: n, CreatedAt: now,
	})
	if err != nil {
		return store.ReplayJob{}, fmt.Errorf("start bulk replay: %w", err)
	}
	e.log.Info("bulk replay started", "job", j.ID, "runs", n, "workflow", p.WorkflowID, "status", p.Status)
	signal(e.replayWake)
	return j, nil
}

// replayJobs is the engine's share of the bulk replay jobs: the jobs it
// works on now.
type replayJobs struct {
	mu     sync.Mutex
	active map[string]bool
}

// replayLoop looks for running jobs no live engine works on, and works on
// them, until Shutdown.
func (e *Engine) replayLoop() {
	defer e.loops.Done()
	t := time.NewTicker(max(e.cfg.PollInterval, 100*time.Millisecond))
	defer t.Stop()
	for {
		e.takeReplayJobs()
		select {
		case <-e.stop:
			return
		case <-t.C:
		case <-e.replayWake:
		}
	}
}

// takeReplayJobs claims the running jobs whose lease is free, ran out, or
// belongs to a process that is gone, and starts working on each.
func (e *Engine) takeReplayJobs() {
	ctx := e.runCtx
	jobs, err := e.store.ReplayJobList(ctx, store.ReplayJobListParams{State: store.ReplayRunning, Limit: 100})
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("list bulk replay jobs", "err", err)
		}
		return
	}
	now := e.now().UTC()
	for _, j := range jobs {
		e.replays.mu.Lock()
		busy := e.replays.active[j.ID]
		e.replays.mu.Unlock()
		if busy {
			continue
		}
		takeover := ""
		if deadOwner(j.LeaseOwner, e.cfg.Owner) {
			takeover = j.LeaseOwner
		} else if j.LeaseOwner != "" && j.LeaseOwner != e.cfg.Owner && j.LeaseUntil.After(now) {
			continue // another engine works on it
		}
		j, err := e.store.ReplayJobClaim(ctx, store.ReplayJobClaimParams{
			ID: j.ID, Owner: e.cfg.Owner, Takeover: takeover, Now: now, LeaseFor: replayLease})
		if err != nil {
			if !errors.Is(err, store.ErrLeaseLost) && ctx.Err() == nil {
				e.log.Error("claim bulk replay job", "job", j.ID, "err", err)
			}
			continue
		}
		if e.stopping.Load() {
			return
		}
		e.replays.mu.Lock()
		e.replays.active[j.ID] = true
		e.replays.mu.Unlock()
		e.loops.Add(1)
		go e.runReplayJob(j)
	}
}

// runReplayJob replays the job's runs a page a second (a page being its
// rate), until none is left, the job is cancelled or taken over, or the
// engine stops.
func (e *Engine) runReplayJob(j store.ReplayJob) {
	defer e.loops.Done()
	defer func() {
		e.replays.mu.Lock()
		delete(e.replays.active, j.ID)
		e.replays.mu.Unlock()
	}()
	log := e.log.With("job", j.ID)
	if j.Cursor != "" {
		log.Info("bulk replay resumed", "done", j.Done, "failed", j.Failed, "total", j.Total)
	}
	rate := max(j.RatePerSecond, 1)
	page := min(rate, 500)
	every := time.Duration(page) * time.Second / time.Duration(rate)
	ctx := context.WithoutCancel(e.runCtx)
	workflows := map[string]*store.Workflow{}
	for {
		start := time.Now()
		runs, err := e.store.RunList(ctx, store.RunListParams{
			WorkflowID: j.WorkflowID, Status: j.Status, Since: j.Since, Until: j.Until, Before: j.Cursor, Limit: page})
		if err != nil {
			log.Error("bulk replay: list runs", "err", err)
			return // the lease runs out, and the job is taken up again
		}
		items := make([]store.ReplayJobItem, len(runs))
		for i, r := range runs {
			items[i] = e.replayItem(ctx, r, j.From, workflows)
		}
		finish := len(runs) < page
		now := e.now().UTC()
		next, err := e.store.ReplayJobAdvance(ctx, store.ReplayJobAdvanceParams{
			ID: j.ID, Owner: e.cfg.Owner, Now: now, LeaseUntil: now.Add(replayLease), Items: items, Finish: finish})
		if errors.Is(err, store.ErrLeaseLost) {
			log.Info("bulk replay stopped here: cancelled or taken over")
			return
		}
		if err != nil {
			log.Error("bulk replay: record progress", "err", err)
			return
		}
		j = next
		if len(runs) > 0 {
			signal(e.wake)
		}
		if finish {
			log.Info("bulk replay done", "done", j.Done, "failed", j.Failed, "total", j.Total)
			return
		}
		wait := time.NewTimer(max(every-time.Since(start), 0))
		select {
		case <-e.stop:
			wait.Stop()
			return
		case <-wait.C:
		}
	}
}

// replayItem is the replay of source run r: from the start, or from the
// step it failed at; an error where it cannot be made.
func (e *Engine) replayItem(ctx context.Context, r store.Run, from string, cache map[string]*store.Workflow) store.ReplayJobItem {
	it := store.ReplayJobItem{SourceRunID: r.ID}
	wf, ok := cache[r.WorkflowID]
	if !ok {
		w, err := e.store.WorkflowGet(ctx, r.WorkflowID)
		if err == nil {
			wf = &w
		}
		cache[r.WorkflowID] = wf
	}
	if wf == nil {
		it.Error = fmt.Sprintf("run %s: workflow %s is gone", r.ID, r.WorkflowID)
		return it
	}
	var o ReplayOptions
	if from == store.ReplayFromFailedStep && r.Status == store.StatusFailed {
		if c, err := e.cache.revision(ctx, r.WorkflowID, r.Revision); err == nil && r.NextStep < len(c.Steps) {
			o.FromStep = c.Steps[r.NextStep].ID
		}
	}
	p, err := e.replayParams(ctx, r, *wf, o)
	if err != nil {
		it.Error = fmt.Sprintf("run %s: %v", r.ID, err)
		return it
	}
	it.Run = &p
	return it
}

// ReplayJobCancel cancels a bulk replay job: the replays made stay, no
// more are made.
func (e *Engine) ReplayJobCancel(ctx context.Context, id string) (store.ReplayJob, error) {
	j, err := e.store.ReplayJobCancel(ctx, id, e.now().UTC())
	if err != nil {
		return store.ReplayJob{}, err
	}
	e.log.Info("bulk replay cancelled", "job", j.ID, "done", j.Done, "total", j.Total)
	return j, nil
}
