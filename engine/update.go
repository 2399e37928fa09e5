package engine

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	"github.com/hookflow/hookflow/store"
)

type updateReq struct {
	p    store.RunUpdateParams
	done chan error
}

// runUpdate records a run's progress. While the engine runs, the writes of
// all workers are batched: each transaction takes every update that arrived
// while the previous one was committing (group commit, as for accepts), and
// each caller gets its own answer once its update is committed (progress
// is not fsynced on its own: see the store's writeQueue).
func (e *Engine) runUpdate(ctx context.Context, p store.RunUpdateParams) error {
	if !e.started.Load() {
		return e.store.RunUpdate(ctx, p)
	}
	req := &updateReq{p: p, done: make(chan error, 1)}
	e.updates <- req
	return <-req.done
}

// updateLoop writes batched run updates until the updates channel closes
// (after every worker has stopped).
func (e *Engine) updateLoop() {
	defer e.writer.Done()
	var b updateBatch
	for first := range e.updates {
		b.take(e, first)
		errs, err := e.store.RunUpdateMany(context.Background(), b.params)
		b.updated(errs, err)
		b.forget()
	}
}

// batch is one group commit's requests, and the store parameters of each.
type batch[R, P any] struct {
	reqs   []R
	params []P
}

// fill starts the batch anew with first and whatever else is waiting in ch
// (up to max in all), and takes each one's parameters.
func (b *batch[R, P]) fill(ch <-chan R, first R, max int, param func(R) P) {
	b.reqs = drain(ch, append(b.reqs[:0], first), max)
	b.params = b.params[:0]
	for _, r := range b.reqs {
		b.params = append(b.params, param(r))
	}
}

// forget drops the batch's references once it is answered: the slices'
// arrays are kept for the next batch, and would otherwise hold the events
// (bodies, decoded payloads, step records) of the largest batch written
// lately for as long as the server runs.
func (b *batch[R, P]) forget() {
	clear(b.reqs)
	clear(b.params)
}

// updateBatch is one group commit's run updates.
type updateBatch struct {
	batch[*updateReq, store.RunUpdateParams]
}

// take starts a batch with first and whatever else is waiting.
func (b *updateBatch) take(e *Engine, first *updateReq) {
	b.fill(e.updates, first, e.cfg.AcceptBatch, func(r *updateReq) store.RunUpdateParams { return r.p })
}

// updated answers a written batch's workers.
func (b *updateBatch) updated(errs []error, err error) {
	if err == nil && len(errs) != len(b.reqs) {
		err = fmt.Errorf("update runs: store returned %d results for %d updates", len(errs), len(b.reqs))
	}
	for i, r := range b.reqs {
		if err != nil {
			r.done <- err
			continue
		}
		r.done <- errs[i]
	}
}

// batchLoop replaces acceptLoop and updateLoop for a store.BatchWriter:
// each transaction takes the accepts and the run updates that arrived
// while the previous one was committing. Updates are answered once
// committed; accepts once durable, by a goroutine of their own, so that
// the fsync of one batch overlaps the writing of the next (one batch is
// synced at a time, and answered in order). It ends once both channels
// have closed, telling loops when the accepts are all answered (so the
// jobs channel can close) and writer at the end.
func (e *Engine) batchLoop(bw store.BatchWriter) {
	defer e.writer.Done()
	accepts, updates := e.accepts, e.updates
	var (
		ab      acceptBatch
		ub      updateBatch
		syncing chan struct{} // closed once the last accepts are answered
	)
	for accepts != nil || updates != nil {
		ab.reqs, ab.params, ub.reqs, ub.params = ab.reqs[:0], ab.params[:0], ub.reqs[:0], ub.params[:0]
		select {
		case r, ok := <-accepts:
			if !ok {
				accepts = nil
				if syncing != nil {
					<-syncing
				}
				e.loops.Done()
				continue
			}
			ab.take(e, r)
		case r, ok := <-updates:
			if !ok {
				updates = nil
				continue
			}
			ub.take(e, r)
		}
		// The other channel's waiting requests join this transaction.
		if accepts != nil && len(ab.reqs) == 0 && len(accepts) > 0 {
			ab.take(e, <-accepts)
		}
		if updates != nil && len(ub.reqs) == 0 && len(updates) > 0 {
			ub.take(e, <-updates)
		}
		res := bw.WriteBatch(context.Background(), ab.params, ub.params)
		if len(ub.reqs) > 0 {
			ub.updated(res.Updated, res.UpdateErr)
		}
		if len(ab.reqs) > 0 {
			if syncing != nil {
				<-syncing // answers go out in order
			}
			done := make(chan struct{})
			syncing = done
			answer := &acceptBatch{batch[*acceptReq, store.EventAcceptParams]{
				reqs: slices.Clone(ab.reqs), params: slices.Clone(ab.params)}}
			go func() {
				defer close(done)
				err := res.AcceptErr
				if err == nil && res.Durable != nil {
					err = res.Durable()
				}
				e.accepted(answer, res.Accepted, err)
			}()
			// With every P busy, the new goroutine would wait in this one's
			// run queue until the next batch is written, so the fsync would
			// not overlap that write at all, and the writer would then wait
			// for it. Yield so it starts now; it blocks in the fsync at
			// once, and the runtime hands its P back to this loop.
			runtime.Gosched()
		}
		ab.forget() // answer holds its own copy
		ub.forget()
	}
	if syncing != nil {
		<-syncing
	}
}

// drain appends to batch whatever is already waiting in ch, up to max
// items in all, without blocking: what arrived while the last transaction
// was committing goes into the next one (group commit).
func drain[T any](ch <-chan T, batch []T, max int) []T {
	for len(batch) < max {
		select {
		case r, ok := <-ch:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}
