package kinds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:  "workflow",
			Title: "Run another workflow",
			Summary: "Starts a run of another workflow with a payload (trigger.source \"workflow\", trigger.parent_run this run). " +
				"With Wait, this run waits for it, without holding a worker, and its output is the other run's final payload " +
				"(or its respond step's body); if that run fails, so does this step. Without Wait, the output is {\"run_id\"}.",
			Fields: []workflows.Field{
				{Name: "workflow", Label: "Workflow", Kind: workflows.ValueWorkflowRef, Required: true, Placeholder: "lookup-customer",
					Help: "The workflow to run: pick it by name, or type its id. It runs even when disabled (its trigger is off, not its calls)."},
				{Name: "payload", Label: "Payload", Kind: workflows.ValueMapping,
					Help: "Its payload, field by field (or an expression). Empty: this run's current payload."},
				{Name: "wait", Label: "Wait for it to finish", Kind: workflows.ValueBoolean,
					Help: "Wait for the other run, and go on with its result."},
				{Name: "timeout", Label: "Give up after", Kind: workflows.ValueDuration, Placeholder: "5m",
					Help: "With Wait: how long to wait before the step fails. Empty: for ever."},
			},
			Example: []byte(`{"id": "enrich", "type": "workflow", "workflow": "lookup-customer", "payload": {"email": "{{ payload.email }}"}, "wait": true, "timeout": "5m"}`),
		},
		New: func() workflows.StepSettings { return &CallWorkflow{} },
	})
}

// CallWorkflow starts a run of another workflow, and may wait for it.
type CallWorkflow struct {
	// Workflow is the id of the workflow to run.
	Workflow string `json:"workflow"`
	// Payload is its payload: a mapping, or an expression (default: the
	// current payload).
	Payload workflows.Body `json:"payload,omitzero"`
	// Wait makes the step wait for the run to finish.
	Wait bool `json:"wait,omitempty"`
	// Timeout bounds the wait; empty: for ever.
	Timeout string `json:"timeout,omitempty"`
}

// Compile checks the workflow id and compiles the payload.
func (w *CallWorkflow) Compile(b *workflows.StepBuild) (any, error) {
	s := &callStep{workflow: w.Workflow, wait: w.Wait}
	switch {
	case w.Workflow == "":
		return nil, b.Required("workflow")
	case !workflows.ValidID(w.Workflow):
		return nil, b.Errorf("workflow", "must be a workflow id ([a-z0-9][a-z0-9-]{0,63}), got %q", w.Workflow)
	}
	if w.Timeout != "" {
		if !w.Wait {
			return nil, b.Errorf("timeout", "goes with wait")
		}
		d, err := b.Duration("timeout", w.Timeout)
		if err != nil {
			return nil, err
		}
		s.timeout = d
	}
	switch {
	case w.Payload.Mapping != nil:
		m, err := b.Mapping("payload", w.Payload.Mapping)
		if err != nil {
			return nil, err
		}
		s.mapping = m
	case w.Payload.Expr != "":
		p, err := b.Expr("payload", w.Payload.Expr)
		if err != nil {
			return nil, err
		}
		s.expr = p
	default:
		b.UsesPayload() // it sends the payload on
	}
	return s, nil
}

type callStep struct {
	workflow string
	expr     *vm.Program
	mapping  *workflows.CompiledMapping
	wait     bool
	timeout  time.Duration
}

var (
	_ Step           = (*callStep)(nil)
	_ WorkflowCaller = (*callStep)(nil)
	_ Outbound       = (*callStep)(nil)
)

// WaitsAgain: a waiting attempt (on the child) is not the step done.
func (*callStep) WaitsAgain() {}

// CallsWorkflow is the workflow the step starts.
func (s *callStep) CallsWorkflow() string { return s.workflow }

// Timeout makes the step Outbound: the run's progress, and with it the
// child run, is written as soon as the step is done.
func (*callStep) Timeout() time.Duration { return 10 * time.Second }

func (s *callStep) Run(ctx context.Context, rt Runtime) Outcome {
	payload, err := s.payload(rt)
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: err}
	}
	if test, _ := rt.Test(); test {
		// A test run starts nothing: it shows what would be sent.
		return Outcome{Status: store.StepSucceeded, Output: map[string]any{"workflow": s.workflow, "payload": payload, "test": true}}
	}
	c, ok := rt.(Calls)
	if !ok {
		return Outcome{Status: store.StepFailed, Err: errNoCalls}
	}
	now := rt.Now()
	id := c.ChildRunID()
	res, err := c.RunResult(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound): // not started yet (or its start was lost with a crash)
		if id, err = c.StartRun(ctx, s.workflow, payload); err != nil {
			return Outcome{Status: store.StepFailed, Err: err}
		}
		if !s.wait {
			return Outcome{Status: store.StepSucceeded, Output: map[string]any{"run_id": id}}
		}
		return s.await(ctx, c, id, now)
	case err != nil:
		return Outcome{Status: store.StepRetrying, Err: fmt.Errorf("read run %s: %w", id, err), At: now.Add(5 * time.Second)}
	case !s.wait:
		return Outcome{Status: store.StepSucceeded, Output: map[string]any{"run_id": id}}
	}
	switch res.Status {
	case store.StatusSucceeded, store.StatusFiltered:
		return Outcome{Status: store.StepSucceeded, Output: res.Output}
	case store.StatusFailed, store.StatusCancelled:
		return Outcome{Status: store.StepFailed, Output: map[string]any{"run_id": id},
			Err: fmt.Errorf("run %s of workflow %s %s: %s", id, s.workflow, res.Status, res.Error)}
	}
	return s.await(ctx, c, id, now)
}

// await makes the step wait for run id, or fails it where its time is up.
func (s *callStep) await(ctx context.Context, c Calls, id string, now time.Time) Outcome {
	var until time.Time
	if s.timeout > 0 {
		until = now.Add(s.timeout)
	}
	w, err := c.WaitBegin(ctx, until)
	if err != nil {
		return Outcome{Status: store.StepRetrying, Err: fmt.Errorf("record the wait: %w", err), At: now.Add(5 * time.Second)}
	}
	if w.Resumed { // it finished meanwhile: run the step again at once
		return Outcome{Status: store.StepWaiting, Output: map[string]any{"run_id": id, "waiting": true}, At: now, Again: true}
	}
	if !w.Until.IsZero() && !now.Before(w.Until) {
		return Outcome{Status: store.StepFailed, Output: map[string]any{"run_id": id},
			Err: fmt.Errorf("timed out: run %s of workflow %s did not finish within %s", id, s.workflow, s.timeout)}
	}
	at := w.Until
	if at.IsZero() {
		at = now.Add(foreverFromAt)
	}
	return Outcome{Status: store.StepWaiting, Output: map[string]any{"run_id": id, "waiting": true}, At: at, Again: true}
}

// payload is the child's payload: the mapping's, the expression's, or the
// current one.
func (s *callStep) payload(rt Runtime) (any, error) {
	switch {
	case s.mapping != nil:
		v, err := s.mapping.Eval(rt.Env(), nil)
		if err != nil {
			return nil, fmt.Errorf("payload.%w", err)
		}
		return v, nil
	case s.expr != nil:
		v, err := workflows.Eval(s.expr, rt.Env())
		if err != nil {
			return nil, fmt.Errorf("payload: %w", err)
		}
		return v, nil
	}
	return rt.Payload(), nil
}
