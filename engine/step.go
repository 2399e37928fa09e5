package engine

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// outcome is what one step attempt came to.
type outcome struct {
	status string // one of store.Step*
	// input overrides the recorded input (default: the payload).
	input      any
	output     any
	err        error
	statusCode int
	// at is when a retrying step is tried again or a delay ends.
	at time.Time
	// raw is the JSON of output as computed, before any redaction.
	raw []byte
	// redacted: the recorded input or output had secret values removed,
	// so the record cannot stand in for the step (see restore).
	redacted bool
	// again: the step is not done when the run resumes (kinds.Outcome).
	again bool
	// wakes: a waiting step inside may be resumed early (kinds.Outcome).
	wakes bool
	// paused: no attempt was made, the destination being paused
	// (kinds.Outcome): neither recorded nor counted.
	paused bool
}

// runStep evaluates a step's when and executes it, returning the attempt's
// record and outcome.
func (e *Engine) runStep(ctx context.Context, st *runState, s *workflows.CompiledStep, attempt int) (store.StepResult, outcome) {
	start := e.now()
	st.eng = e
	ctx, span := e.traceStep(ctx, st, s, attempt)
	if st.env.ResumeURL == nil {
		st.env.ResumeURL = st.resumeURL
	}
	st.env.Run["attempt"] = attempt
	// The step's expressions and templates share one budget (time, memory,
	// loop iterations), which also ends with the run's context.
	if st.env.Budget == nil {
		st.env.Budget = workflows.NewBudget(ctx)
	} else {
		st.env.Budget.Reset(ctx)
	}
	if s.ReadsPayload() {
		st.payload() // decoded where still pending
	}
	var out outcome
	if s.When != nil {
		ok, err := s.When.Eval(&st.env)
		switch {
		case err != nil:
			out = outcome{status: store.StepFailed, err: fmt.Errorf("when: %w", err)}
		case !ok:
			// The record says which condition was false, and what it saw.
			out = outcome{status: store.StepSkipped, output: map[string]any{"skipped": s.When.Explain(&st.env)}}
		}
	}
	if out.status == "" {
		step, ok := s.Program.(kinds.Step)
		if !ok {
			out = outcome{status: store.StepFailed, err: fmt.Errorf("no executor for step type %q", s.Type)}
		} else {
			st.eng, st.attempt = e, attempt
			out = safeStep(ctx, step, e, st, s)
		}
	}
	in := out.input
	if in == nil {
		in = st.env.Payload
		if st.input != nil {
			in = st.input
		}
	}
	res := store.StepResult{
		RunID:      st.runID,
		StepID:     s.ID,
		StepIndex:  s.Index,
		Attempt:    attempt,
		Status:     out.status,
		StatusCode: out.statusCode,
		StartedAt:  start.UTC(),
		Duration:   durationSince(e.now(), start),
	}
	var err error
	if out.input == nil && st.input == nil && st.payloadJSON != nil {
		res.Input = st.payloadJSON // the payload is unchanged since it was last encoded
	} else if res.Input, err = jsonOf(in); err != nil {
		res.Input = nil
	}
	if res.Output, err = jsonOf(out.output); err != nil && out.status == store.StepSucceeded {
		out = outcome{status: store.StepFailed, err: fmt.Errorf("output is not JSON: %w", err)}
		res.Status = out.status
	}
	if out.err != nil {
		res.Error = out.err.Error()
	}
	out.raw = res.Output
	// The record is stored, shown and logged: no secret value in it. (The
	// run goes on with the real values in memory.)
	input, output := st.redactJSON(res.Input), st.redactJSON(res.Output)
	out.redacted = !bytes.Equal(input, res.Input) || !bytes.Equal(output, res.Output)
	res.InputIsEventBody = out.input == nil && st.input == nil && st.payloadIsBody && !out.redacted
	res.Input, res.Output = input, output
	st.lastRecord = recordRef{}
	if !out.redacted {
		if !res.InputIsEventBody {
			res.InputRef = st.inputRef(res.Input)
		}
		if out.status == store.StepSucceeded {
			st.lastRecord = recordRef{step: s, stepID: s.ID, attempt: attempt, output: res.Output}
		}
	}
	res.Error = redactString(res.Error, st.secretValues())
	endStep(span, &res)
	return res, out
}

// safeStep runs a step, turning a panic inside it into a failed attempt.
func safeStep(ctx context.Context, step kinds.Step, e *Engine, st *runState, s *workflows.CompiledStep) (out outcome) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("step panicked", "run", st.runID, "step", s.ID, "panic", redactString(fmt.Sprint(r), st.secretValues()))
			out = outcome{status: store.StepFailed, err: fmt.Errorf("internal error in %s step", s.Type)}
		}
	}()
	o := step.Run(ctx, st)
	return outcome{status: o.Status, input: o.Input, output: o.Output, err: o.Err, statusCode: o.StatusCode, at: o.At, again: o.Again, wakes: o.Wakes, paused: o.Paused}
}
