package engine

import (
	"context"
	"errors"
	"github.com/hookflow/hookflow/kinds"
	"sync"
	"time"

	"github.com/hookflow/hookflow/store"
)

// Response is what a sync trigger answers: a respond step's status, headers
// and body, or the outcome of a run that ended without one.
type Response struct {
	Status  int
	Headers map[string]string
	Body    any
}

// waiters hands responses from workers to the requests waiting on them.
type waiters struct {
	mu sync.Mutex
	m  map[string]chan Response
}

func (w *waiters) init() { w.m = map[string]chan Response{} }

func (w *waiters) add(runID string) {
	w.mu.Lock()
	w.m[runID] = make(chan Response, 1)
	w.mu.Unlock()
}

func (w *waiters) get(runID string) chan Response {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.m[runID]
}

func (w *waiters) remove(runID string) {
	w.mu.Lock()
	delete(w.m, runID)
	w.mu.Unlock()
}

func (w *waiters) notify(runID string, r Response) {
	if ch := w.get(runID); ch != nil {
		select {
		case ch <- r:
		default:
		}
	}
}

// ErrResponseTimeout means the run did not respond within the wait.
var ErrResponseTimeout = errors.New("run did not respond in time")

// AwaitResponse waits until the run responds (a respond step, or the run's
// end) or timeout passes (ErrResponseTimeout). Runs executed by this engine
// answer at once; a run another replica executes is found by polling the
// store, so sync triggers work whichever replica runs the workflow.
func (e *Engine) AwaitResponse(ctx context.Context, runID string, timeout time.Duration) (Response, error) {
	ch := e.waiters.get(runID)
	if ch == nil {
		e.waiters.add(runID)
		ch = e.waiters.get(runID)
	}
	defer e.waiters.remove(runID)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.NewTicker(200 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case r := <-ch:
			return r, nil
		case <-deadline.C:
			return Response{}, ErrResponseTimeout
		case <-ctx.Done():
			return Response{}, ctx.Err()
		case <-poll.C:
			if r, ok := e.storedResponse(ctx, runID); ok {
				return r, nil
			}
		}
	}
}

// storedResponse reads a run's response from the store, if it has one.
func (e *Engine) storedResponse(ctx context.Context, runID string) (Response, bool) {
	run, err := e.store.RunGet(ctx, runID)
	if err != nil {
		return Response{}, false
	}
	results, err := e.store.StepResultList(ctx, runID)
	if err != nil {
		return Response{}, false
	}
	c, err := e.cache.revision(ctx, run.WorkflowID, run.Revision)
	if err != nil {
		return Response{}, false
	}
	var payload any
	for _, r := range results {
		if r.Status != store.StepSucceeded || r.StepIndex >= len(c.Steps) {
			continue
		}
		out, _ := decodeJSON(r.Output)
		switch c.Steps[r.StepIndex].Program.(type) {
		case kinds.Responder:
			return responseFromStep(out), true
		case kinds.PayloadSetter:
			payload = out
		}
	}
	if !store.Finished(run.Status) {
		return Response{}, false
	}
	if payload == nil && run.Status == store.StatusSucceeded {
		if ev, err := e.store.EventGet(ctx, run.EventID); err == nil {
			payload = ParsePayload(&ev)
		}
	}
	return finalResponse(run.ID, run.Status, payload), true
}

// responseFromStep reads a respond step's output.
func responseFromStep(out any) Response {
	m, _ := out.(map[string]any)
	r := Response{Status: 200, Headers: map[string]string{}, Body: m["body"]}
	switch s := m["status"].(type) {
	case int:
		r.Status = s
	case float64:
		r.Status = int(s)
	}
	if hs, ok := m["headers"].(map[string]any); ok {
		for k, v := range hs {
			if sv, ok := v.(string); ok {
				r.Headers[k] = sv
			}
		}
	}
	return r
}

// finalResponse answers for a run that ended without a respond step: its
// final payload when it succeeded, a JSON error (502) when it failed.
func finalResponse(runID, status string, payload any) Response {
	switch status {
	case store.StatusSucceeded:
		return Response{Status: 200, Body: payload}
	case store.StatusFiltered:
		return Response{Status: 200, Body: map[string]any{"run_id": runID, "status": status}}
	default:
		// The caller of a trigger is anonymous: the run's error (which may
		// name internal hosts) stays in the run history.
		return Response{Status: 502, Body: map[string]any{"error": map[string]any{
			"code": "run_failed", "message": "the workflow run failed; its run history has the details", "run_id": runID,
		}}}
	}
}
