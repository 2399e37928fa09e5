package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// execution carries one claimed run through its steps.
type execution struct {
	e          *Engine
	run        store.Run
	st         *runState
	pending    []store.StepResult // recorded at the next write
	leaseUntil time.Time
	responded  bool
	// failClass is the error class of the step that failed the run, and
	// failure the issue its failure was counted into (failure_issues.go).
	failClass string
	failure   *store.FailureRecorded
	span      trace.Span // this execution's, where traced
	// release: the run's claim is given back at its next write (it waits
	// on a paused destination, having made no attempt).
	release bool
}

// log is the engine's logger with the run's attributes, made only when
// something is logged: making it for every run costs a share of the CPU
// of delivering an event for nothing.
func (x *execution) log() *slog.Logger {
	return x.e.log.With("run", x.run.ID, "workflow", x.run.WorkflowID)
}

// execute runs a claimed run from its next step until it finishes, waits,
// or must be retried later, recording every step attempt.
//
// st, when not nil, is the run's state as the accept left it (see
// runAtAccept): the run goes on from it without loading anything.
func (e *Engine) execute(ctx context.Context, r store.Run, st *runState) {
	x := &execution{e: e, run: r, leaseUntil: r.LeaseUntil}
	if x.leaseUntil.IsZero() {
		x.leaseUntil = e.now().Add(e.cfg.LeaseFor)
	}
	if e.crashedBefore(r) {
		x.crashed(ctx)
		return
	}
	if st != nil {
		x.st = st
		x.steps(ctx, st.compiled)
		return
	}
	c, err := e.cache.revision(ctx, r.WorkflowID, r.Revision)
	if err != nil {
		x.abort(ctx, fmt.Errorf("load workflow: %w", err))
		return
	}
	ev, ok := e.recent.get(r.EventID)
	if !ok {
		if ev, err = e.store.EventGet(ctx, r.EventID); err != nil {
			x.abort(ctx, fmt.Errorf("load event: %w", err))
			return
		}
	}
	secrets, err := e.secrets(ctx)
	if err != nil {
		x.abort(ctx, fmt.Errorf("load secrets: %w", err))
		return
	}
	x.st = newRunState(c, &ev, r.ID, secrets)
	if r.NextStep > 0 || (r.NextStep < len(c.Steps) && len(c.Steps[r.NextStep].Steps) > 0) {
		results, err := e.store.StepResultList(ctx, r.ID)
		if err == nil {
			err = x.st.restore(results, r.NextStep)
		}
		if err != nil {
			x.abort(ctx, fmt.Errorf("restore step outputs: %w", err))
			return
		}
	}
	x.steps(ctx, c)
}

func (x *execution) steps(ctx context.Context, c *workflows.Compiled) {
	ctx = x.traceRun(ctx)
	defer x.endRun()
	last := len(c.Steps) - 1
	var i, attempt int // the step under way, for the nested steps' writes
	x.st.nested.checkpoint = func(ctx context.Context) bool {
		x.pending = append(x.pending, x.st.nested.take()...)
		return x.write(ctx, store.StatusRunning, i, attempt-1, time.Time{}, "")
	}
	x.st.nested.extend = func(ctx context.Context, timeout time.Duration) bool {
		x.pending = append(x.pending, x.st.nested.take()...)
		return x.extendLease(ctx, i, attempt-1, timeout)
	}
	for i = x.run.NextStep; i <= last; i++ {
		s := c.Steps[i]
		attempt = 1
		if i == x.run.NextStep {
			attempt = x.run.StepAttempt + 1
		}
		outbound, isOutbound := s.Program.(kinds.Outbound)
		if isOutbound && !x.extendLease(ctx, i, attempt-1, outbound.Timeout()) {
			return
		}
		x.st.at(i, s)
		res, out := x.e.runStep(ctx, x.st, s, attempt)
		x.pending = append(x.pending, x.st.nested.take()...)
		if errors.Is(out.err, errLeaseLost) {
			return // another worker has the run
		}
		if out.paused {
			// The run waits on its destination with its retries untouched.
			// Where no request was made, nothing is recorded, and the
			// claim is given back (a claim that records nothing would
			// count towards CrashLimit); a failed probe is recorded.
			if madeRequest(out.err) {
				x.e.cfg.Metrics.observeStep(s.Type, res.Status, res.Duration)
				x.pending = append(x.pending, res)
			} else {
				x.release = true
			}
			x.finish(store.StatusRetrying, i, attempt-1, out.at, res.Error)
			return
		}
		x.e.cfg.Metrics.observeStep(s.Type, res.Status, res.Duration)
		if isOutbound {
			x.e.countDelivery(x.run.WorkflowID, res.Status)
		}
		if out.status == store.StepFailed && ctx.Err() != nil {
			// Shutting down: give the run back at this step, unrecorded.
			x.finish(store.StatusQueued, i, attempt-1, x.e.now(), "")
			return
		}
		x.pending = append(x.pending, res)
		switch out.status {
		case store.StepSucceeded:
			x.st.apply(s, out.output, out.raw)
			if _, responds := s.Program.(kinds.Responder); responds && !x.responded {
				if !x.write(ctx, store.StatusRunning, i+1, 0, time.Time{}, "") {
					return
				}
				x.responded = true
				x.e.waiters.notify(x.run.ID, responseFromStep(out.output))
			} else if isOutbound && i < last {
				if !x.write(ctx, store.StatusRunning, i+1, 0, time.Time{}, "") {
					return
				}
			}
		case store.StepSkipped:
			x.st.env.Steps[s.ID] = nil
		case store.StepFiltered:
			x.finish(store.StatusFiltered, i+1, 0, time.Time{}, "")
			return
		case store.StepWaiting:
			if out.again { // it holds steps, one of which waits
				x.finish(store.StatusWaiting, i, attempt, out.at, "")
				return
			}
			x.finish(store.StatusWaiting, i+1, 0, out.at, "")
			return
		case store.StepRetrying:
			x.finish(store.StatusRetrying, i, attempt, out.at, res.Error)
			return
		default:
			cause := out.err
			if cause == nil {
				cause = errors.New(res.Error)
			}
			x.failClass = FailureClass(cause, res.StatusCode)
			x.finish(store.StatusFailed, i, attempt, time.Time{}, fmt.Sprintf("step %q: %s", s.ID, res.Error))
			return
		}
	}
	x.finish(store.StatusSucceeded, len(c.Steps), 0, time.Time{}, "")
}

// extendLease makes sure the lease outlasts the coming step, writing the
// pending results with it.
func (x *execution) extendLease(ctx context.Context, next, stepAttempt int, timeout time.Duration) bool {
	now := x.e.now()
	if x.leaseUntil.Sub(now) > timeout+10*time.Second {
		return true
	}
	x.leaseUntil = now.Add(max(x.e.cfg.LeaseFor, timeout+30*time.Second))
	return x.write(ctx, store.StatusRunning, next, stepAttempt, time.Time{}, "")
}

// write records the pending step attempts and the run's state. It reports
// false when the lease was lost (another worker owns the run now) or the
// store failed, in which case this worker must stop working on the run.
func (x *execution) write(ctx context.Context, status string, next, stepAttempt int, at time.Time, errMsg string) bool {
	now := x.e.now().UTC()
	p := store.RunUpdateParams{
		ID: x.run.ID, Owner: x.e.cfg.Owner, Attempt: x.run.Attempt,
		Status: status, NextStep: next, StepAttempt: stepAttempt,
		Error: errMsg, Results: x.pending, Now: now,
		// A run queued again is given back (shutting down): its claim
		// did not crash anything.
		Release: status == store.StatusQueued || x.release,
	}
	if !at.IsZero() {
		p.RunAt = at.UTC()
	}
	if status == store.StatusRunning {
		p.LeaseUntil = x.leaseUntil.UTC()
	}
	x.prepare(&p)
	x.noteFailure(&p)
	// The write must happen even when shutdown cancels ctx.
	err := x.e.runUpdate(context.WithoutCancel(ctx), p)
	if err != nil {
		if errors.Is(err, store.ErrRunCancelled) {
			x.cancelled()
		} else if errors.Is(err, store.ErrLeaseLost) {
			x.log().Warn("run lease lost; another worker has it", "err", err)
		} else {
			x.log().Error("record run progress", "err", err)
		}
		return false
	}
	x.pending = x.pending[:0]
	x.written(&p)
	return true
}

// finish writes the run's new state and tells whoever waits on it.
func (x *execution) finish(status string, next, stepAttempt int, at time.Time, errMsg string) {
	if !x.write(context.Background(), status, next, stepAttempt, at, errMsg) {
		return
	}
	x.e.cfg.Metrics.observeRun(x.run.WorkflowID, status)
	x.e.countRun(x.run.WorkflowID, status, x.run.CreatedAt)
	if status == store.StatusWaiting || status == store.StatusRetrying {
		x.e.schedule(at)
	}
	switch status {
	case store.StatusFailed:
		x.log().Warn("run failed", "err", errMsg)
		x.e.startOnFailure(x.st.compiled.Workflow, x.run, x.failedStep(next), errMsg, x.failure)
	case store.StatusRetrying:
		x.log().Info("run will retry", "at", at, "attempt", stepAttempt, "err", errMsg)
	}
	if !x.responded && (store.Finished(status)) {
		x.e.waiters.notify(x.run.ID, finalResponse(x.run.ID, status, x.st.payload()))
	}
}

func (x *execution) failedStep(next int) string {
	if steps := x.st.compiled.Steps; next < len(steps) {
		return steps[next].ID
	}
	return ""
}

// abort ends a run that cannot execute at all (its revision or event is
// gone, or the store failed). Where the cause is shutdown it is released.
func (x *execution) abort(ctx context.Context, err error) {
	if ctx.Err() != nil {
		x.e.release(x.run, x.e.now())
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		x.pending = nil
		if x.write(context.Background(), store.StatusFailed, x.run.NextStep, x.run.StepAttempt, time.Time{}, err.Error()) {
			x.e.countRun(x.run.WorkflowID, store.StatusFailed, x.run.CreatedAt)
		}
		x.log().Error("run cannot execute", "err", err)
		return
	}
	// A transient failure: try again shortly.
	x.log().Error("run deferred", "err", err)
	x.e.release(x.run, x.e.now().Add(5*time.Second))
}

// secrets returns the named secrets for expressions.
func (e *Engine) secrets(ctx context.Context) (map[string]any, error) {
	if e.cfg.Secrets == nil {
		return nil, nil
	}
	return e.cfg.Secrets(ctx)
}

// startOnFailure starts a workflow's on_failure workflow with the failure's
// details as its payload.
//
// Unless the workflow's on_failure_mode is "every", only a failure that
// opened its issue starts it (see failure_issues.go); the payload then
// names the issue and its count.
func (e *Engine) startOnFailure(w *workflows.Workflow, r store.Run, step, errMsg string, issue *store.FailureRecorded) {
	if w.OnFailure == "" || w.OnFailure == w.ID || !opensIssue(w, issue) {
		return
	}
	ctx := context.Background()
	target, err := e.store.WorkflowGet(ctx, w.OnFailure)
	if err != nil {
		e.log.Error("on_failure workflow not found", "workflow", w.ID, "on_failure", w.OnFailure, "err", err)
		return
	}
	if !target.Enabled {
		return
	}
	payload := map[string]any{
		"run_id": r.ID, "workflow": w.ID, "workflow_name": w.Name,
		"step": step, "error": errMsg, "failed_at": e.now().UTC().Format(time.RFC3339Nano),
	}
	if i := issuePayload(issue); i != nil {
		payload["issue"], payload["count"] = i, issue.Issue.Count
	}
	body, _ := jsonOf(payload)
	ev := store.Event{Source: "failure", Method: "POST", Body: body,
		Headers: map[string]string{"content-type": "application/json"}}
	_, err = e.Accept(ctx, AcceptParams{WorkflowID: target.ID, Revision: target.Revision, Event: ev})
	if errors.Is(err, ErrNotStarted) {
		// Shutting down: write the event and its queued run directly, so the
		// failure notice is not lost; the next start (or a replica) runs it.
		ev.ID, ev.WorkflowID, ev.ReceivedAt = newID(), target.ID, e.now().UTC()
		_, err = e.store.EventAccept(ctx, []store.EventAcceptParams{{Event: ev, RunID: newID(), Revision: target.Revision}})
	}
	if err != nil {
		e.log.Error("start on_failure workflow", "workflow", w.ID, "err", err)
	}
}
