package engine

import (
	"context"
	"fmt"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() { registerStep(workflows.StepTransform, stepTransform) }

// stepTransform replaces the payload with its expression's value.
func stepTransform(_ context.Context, _ *Engine, st *runState, s *workflows.CompiledStep, _ int) outcome {
	v, err := workflows.Eval(s.Expr, &st.env)
	if err != nil {
		return outcome{status: store.StepFailed, err: fmt.Errorf("expr: %w", err)}
	}
	return outcome{status: store.StepSucceeded, output: v}
}
