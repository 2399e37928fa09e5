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
}

type acceptReq struct {
	params store.EventAcceptParams
	done   chan acceptResp
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
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = e.now().UTC()
	}
	req := &acceptReq{
		params: store.EventAcceptParams{Event: ev, RunID: newID(), Revision: p.Revision},
		done:   make(chan acceptResp, 1),
	}
	if p.Sync {
		e.waiters.add(req.params.RunID)
	}
	e.gate.RLock()
	if !e.started.Load() || e.stopping.Load() {
		e.gate.RUnlock()
		e.waiters.remove(req.params.RunID)
		return store.AcceptResult{}, ErrNotStarted
	}
	select {
	case e.accepts <- req:
		e.gate.RUnlock()
	case <-ctx.Done():
		e.gate.RUnlock()
		e.waiters.remove(req.params.RunID)
		return store.AcceptResult{}, ctx.Err()
	}
	// Once queued the write happens whatever ctx does; wait for it so the
	// answer is never "failed" for an event that was in fact stored.
	resp := <-req.done
	if resp.err == nil {
		e.cfg.Metrics.observeAccept(p.WorkflowID, resp.res.Duplicate, start)
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
	batch := make([]*acceptReq, 0, e.cfg.AcceptBatch)
	params := make([]store.EventAcceptParams, 0, e.cfg.AcceptBatch)
	for first := range e.accepts {
		batch = drain(e.accepts, append(batch[:0], first), e.cfg.AcceptBatch)
		params = params[:0]
		for _, r := range batch {
			params = append(params, r.params)
		}
		claimed := e.preclaim(params)
		e.cfg.Metrics.observeBatch(len(params))
		results, err := e.store.EventAccept(context.Background(), params)
		if err == nil && len(results) != len(batch) {
			err = fmt.Errorf("accept: store returned %d results for %d events", len(results), len(batch))
		}
		for i, r := range batch {
			if err != nil {
				r.done <- acceptResp{err: fmt.Errorf("accept event: %w", err)}
				continue
			}
			if !results[i].Duplicate {
				e.recent.add(r.params.Event)
			}
			r.done <- acceptResp{res: results[i]}
		}
		e.handOut(params[:claimed], results, err)
		if err == nil {
			signal(e.wake)
		}
	}
}

// preclaim creates the first runs of a batch already leased to this engine,
// as many as its workers and their buffer have room for, so they skip the
// claim round trip through the store. It reserves that room in busy and
// returns how many it took (the first n params).
func (e *Engine) preclaim(params []store.EventAcceptParams) int {
	if e.stopping.Load() {
		return 0
	}
	n := e.takeSlots(len(params))
	if n == 0 {
		return 0
	}
	until := e.now().Add(e.cfg.LeaseFor).UTC()
	for i := range params[:n] {
		params[i].Owner, params[i].LeaseUntil = e.cfg.Owner, until
	}
	return n
}

// handOut gives the workers the runs preclaim leased, once they are
// durable; room reserved for duplicates or a failed batch is given back.
func (e *Engine) handOut(params []store.EventAcceptParams, results []store.AcceptResult, err error) {
	for i, p := range params {
		if err != nil || results[i].Duplicate || results[i].RunID != p.RunID {
			e.busy.Add(-1)
			continue
		}
		r := store.Run{
			ID: p.RunID, WorkflowID: p.Event.WorkflowID, Revision: p.Revision, EventID: p.Event.ID,
			Status: store.StatusRunning, Attempt: 1, RunAt: p.Event.ReceivedAt,
			LeaseOwner: p.Owner, LeaseUntil: p.LeaseUntil, CreatedAt: p.Event.ReceivedAt,
		}
		if !e.reserve(r) {
			e.busy.Add(-1)
			continue
		}
		e.jobs <- r
	}
}
