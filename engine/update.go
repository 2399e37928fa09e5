package engine

import (
	"context"
	"fmt"

	"github.com/hookflow/hookflow/store"
)

type updateReq struct {
	p    store.RunUpdateParams
	done chan error
}

// runUpdate records a run's progress. While the engine runs, the writes of
// all workers are batched: each transaction takes every update that arrived
// while the previous one was committing (group commit, as for accepts), and
// each caller gets its own answer once its update is durable.
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
	batch := make([]*updateReq, 0, e.cfg.AcceptBatch)
	params := make([]store.RunUpdateParams, 0, e.cfg.AcceptBatch)
	for first := range e.updates {
		batch = drain(e.updates, append(batch[:0], first), e.cfg.AcceptBatch)
		params = params[:0]
		for _, r := range batch {
			params = append(params, r.p)
		}
		errs, err := e.store.RunUpdateMany(context.Background(), params)
		if err == nil && len(errs) != len(batch) {
			err = fmt.Errorf("update runs: store returned %d results for %d updates", len(errs), len(batch))
		}
		for i, r := range batch {
			if err != nil {
				r.done <- err
				continue
			}
			r.done <- errs[i]
		}
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
