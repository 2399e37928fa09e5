package engine

import (
	"context"
	"fmt"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() { registerStep(workflows.StepRespond, stepRespond) }

// stepRespond computes the answer a sync trigger gives its caller.
func stepRespond(_ context.Context, _ *Engine, st *runState, s *workflows.CompiledStep, _ int) outcome {
	status := s.Status
	if status == 0 {
		status = 200
	}
	headers := map[string]any{}
	for _, h := range s.Headers {
		v, err := h.Value.Render(&st.env)
		if err != nil {
			return outcome{status: store.StepFailed, err: fmt.Errorf("headers.%s: %w", h.Name, err)}
		}
		headers[h.Name] = v
	}
	var body any
	if s.Body == nil {
		body = st.payload()
	} else {
		v, err := workflows.Eval(s.Body, &st.env)
		if err != nil {
			return outcome{status: store.StepFailed, err: fmt.Errorf("body: %w", err)}
		}
		body = v
	}
	return outcome{status: store.StepSucceeded, statusCode: status,
		output: map[string]any{"status": status, "headers": headers, "body": body}}
}
