package engine

import (
	"context"
	"fmt"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() { registerStep(workflows.StepFilter, stepFilter) }

// stepFilter ends the run as filtered where its expression is false.
func stepFilter(_ context.Context, _ *Engine, st *runState, s *workflows.CompiledStep, _ int) outcome {
	ok, err := workflows.EvalBool(s.Expr, &st.env)
	if err != nil {
		return outcome{status: store.StepFailed, err: fmt.Errorf("expr: %w", err)}
	}
	if !ok {
		return outcome{status: store.StepFiltered, output: false}
	}
	return outcome{status: store.StepSucceeded, output: true}
}
