package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
)

// AcceptParams is one event for one workflow revision.
type AcceptParams struct {
	WorkflowID string
	Revision   int
	Event      store.Event
	// Sync registers the run for AwaitResponse before it can start.
	Sync bool
	// Payload is DecodePayload(&Event) where the caller made it already
	// (nil: Accept makes it). It must not be changed afterwards.
	Payload *Payload
	// Answer, if set, is called with the result once the event is durable
	// and not a duplicate, before Accept returns, from the goroutine that
	// made it durable: a trigger answers its caller from there without
	// waiting for its own goroutine to run again. Every event of the batch
	// waits behind it, so it must return quickly.
	Answer func(store.AcceptResult)
}

type acceptReq struct {
	params store.EventAcceptParams
	answer func(store.AcceptResult)
	// st is the run's state after runAtAccept (nil if it could not run).
	st *runState
	// cost is the budget preclaim took for the run's hand-over to a
	// worker, 0 where it took none.
	cost int64
	done chan acceptResp
}

type acceptResp struct {
	res store.AcceptResult
	err error
}

// Accept makes the event and its queued run durable and returns the run's
// id. It returns only after the transaction holding them has committed, so
// a trigger may acknowledge the event as soon as Accept returns. Concurrent
// calls share transactions (group commit). A duplicate idempotency key
// returns the first run's id with Duplicate set and starts nothing.
func (e *Engine) Accept(ctx context.Context, p AcceptParams) (store.AcceptResult, error) {
	start := time.Now()
	ev := p.Event
	if ev.ID == "" {
		ev.ID = newID()
	}
	ev.WorkflowID = p.WorkflowID
	e.noteCost(RunCost(int64(len(ev.Body))))
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = e.now().UTC()
	}
	req := &acceptReq{
		params: store.EventAcceptParams{Event: ev, RunID: newID(), Revision: p.Revision},
		done:   make(chan acceptResp, 1),
		answer: p.Answer,
	}
	ctx, span := e.traceAccept(ctx, &req.params.Event)
	req.st = e.runAtAccept(ctx, &req.params, p.Payload)
	if p.Sync {
		e.waiters.add(req.params.RunID)
	}
	e.gate.RLock()
	if !e.started.Load() || e.stopping.Load() {
		e.gate.RUnlock()
		e.waiters.remove(req.params.RunID)
		endAccept(span, store.AcceptResult{}, ErrNotStarted)
		return store.AcceptResult{}, ErrNotStarted
	}
	select {
	case e.accepts <- req:
		e.gate.RUnlock()
	case <-ctx.Done():
		e.gate.RUnlock()
		e.waiters.remove(req.params.RunID)
		endAccept(span, store.AcceptResult{}, ctx.Err())
		return store.AcceptResult{}, ctx.Err()
	}
	// Once queued the write happens whatever ctx does; wait for it so the
	// answer is never "failed" for an event that was in fact stored.
	resp := <-req.done
	endAccept(span, resp.res, resp.err)
	if resp.err == nil {
		e.cfg.Metrics.observeAccept(p.WorkflowID, resp.res.Duplicate, start)
		if status := req.params.Status; status != "" && !resp.res.Duplicate {
			// The run ended as it was accepted.
			e.cfg.Metrics.observeRun(p.WorkflowID, status)
			e.countRun(p.WorkflowID, status, req.params.Event.ReceivedAt)
			if p.Sync {
				e.waiters.notify(req.params.RunID, finalResponse(req.params.RunID, status, req.st.payload()))
			}
		}
	}
	if p.Sync && (resp.err != nil || resp.res.RunID != req.params.RunID) {
		e.waiters.remove(req.params.RunID)
	}
	return resp.res, resp.err
}

// acceptLoop writes queued accepts: each transaction takes everything that
// arrived while the previous one was committing, up to AcceptBatch.
func (e *Engine) acceptLoop() {
	defer e.loops.Done()
	var b acceptBatch
	for first := range e.accepts {
		b.take(e, first)
		results, err := e.store.EventAccept(context.Background(), b.params)
		e.accepted(&b, results, err)
		b.forget()
	}
}

// acceptBatch is one group commit's accepts.
type acceptBatch struct {
	batch[*acceptReq, store.EventAcceptParams]
}

// take starts a batch with first and whatever else is waiting, and leases
// what it can of it to this engine (preclaim).
func (b *acceptBatch) take(e *Engine, first *acceptReq) {
	b.fill(e.accepts, first, e.cfg.AcceptBatch, func(r *acceptReq) store.EventAcceptParams { return r.params })
	e.preclaim(b.params, b.reqs)
	e.cfg.Metrics.observeBatch(len(b.params))
}

// accepted answers a written batch's callers and hands its leased runs to
// the workers.
func (e *Engine) accepted(b *acceptBatch, results []store.AcceptResult, err error) {
	if err == nil && len(results) != len(b.reqs) {
		err = fmt.Errorf("accept: store returned %d results for %d events", len(results), len(b.reqs))
	}
	queued := false
	for i, r := range b.reqs {
		if err != nil {
			r.done <- acceptResp{err: fmt.Errorf("accept event: %w", err)}
			continue
		}
		p := b.params[i]
		queued = queued || (!results[i].Duplicate && p.Status == "" && p.Owner == "")
		if !results[i].Duplicate {
			if p.Status == "" && (p.Owner == "" || r.st == nil) {
				e.recent.add(p.Event) // a worker will load it
			}
			for _, res := range p.Results {
				e.cfg.Metrics.observeStep(r.st.compiled.Steps[res.StepIndex].Type, res.Status, res.Duration)
			}
		}
		if r.answer != nil && !results[i].Duplicate {
			r.answer(results[i])
		}
		r.done <- acceptResp{res: results[i]}
	}
	e.handOut(b, results, err)
	if err == nil && queued {
		signal(e.wake) // the dispatcher claims the runs no worker took
	}
}

// preclaim creates the first unfinished runs of a batch already leased to
// this engine, as many as its workers and their buffer have room for, so
// they skip the claim round trip through the store. It reserves that room
// in busy. (A run that ended as it was accepted needs no worker.) The runs
// it cannot lease are stored queued, from their first step.
func (e *Engine) preclaim(params []store.EventAcceptParams, reqs []*acceptReq) {
	want := 0
	for _, p := range params {
		if p.Status == "" {
			want++
		}
	}
	n := 0
	if !e.stopping.Load() {
		n = e.takeSlots(want)
	}
	until := e.now().Add(e.cfg.LeaseFor).UTC()
	leased := 0
	for i := range params {
		switch {
		case params[i].Status != "":
		case leased < n && e.takeCost(reqs[i], &params[i]):
			params[i].Owner, params[i].LeaseUntil = e.cfg.Owner, until
			leased++
		default:
			// Queued behind a backlog (or over the budget of bytes in
			// flight): the steps run at accept are dropped, not stored.
			// The worker that claims the run later runs them again, which
			// costs less than reading their records back.
			params[i].NextStep, params[i].Results = 0, nil
		}
	}
	if leased < n {
		e.busy.Add(int64(leased - n)) // the budget held some back
	}
}

// takeCost takes the budget for handing the run of p to a worker with its
// state; false if the budget has no room for it now.
func (e *Engine) takeCost(r *acceptReq, p *store.EventAcceptParams) bool {
	cost, ok := e.budget.TryAcquire(RunCost(int64(len(p.Event.Body))))
	r.cost = cost
	return ok
}

// noteCost adds an accepted event's RunCost to the running average that
// claims estimate their runs with.
func (e *Engine) noteCost(c int64) {
	old := e.avgCost.Load()
	e.avgCost.Store(old + (c-old)/8) // races lose an update, no more
}

// handOut gives the workers the runs preclaim leased, once they are
// durable, with their state; room reserved for duplicates or a failed
// batch is given back.
func (e *Engine) handOut(b *acceptBatch, results []store.AcceptResult, err error) {
	for i, p := range b.params {
		if p.Owner == "" || p.Status != "" {
			continue
		}
		cost := b.reqs[i].cost
		if err != nil || results[i].Duplicate || results[i].RunID != p.RunID {
			e.busy.Add(-1)
			e.budget.Release(cost)
			continue
		}
		r := store.Run{
			ID: p.RunID, WorkflowID: p.Event.WorkflowID, Revision: p.Revision, EventID: p.Event.ID,
			Status: store.StatusRunning, Attempt: 1, UnrecordedClaims: 1, NextStep: p.NextStep, RunAt: p.Event.ReceivedAt,
			LeaseOwner: p.Owner, LeaseUntil: p.LeaseUntil, CreatedAt: p.Event.ReceivedAt,
		}
		if !e.reserve(r) {
			e.busy.Add(-1)
			e.budget.Release(cost)
			// Not from here: the release is a run update, which the
			// loop running handOut may be the one to write. Workers are
			// waited for before updates close.
			e.workers.Add(1)
			go func() {
				defer e.workers.Done()
				e.release(r, e.now())
			}()
			continue
		}
		e.jobs <- job{run: r, st: b.reqs[i].st, cost: cost}
	}
}
