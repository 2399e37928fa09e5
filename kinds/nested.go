package kinds

import (
	"errors"

	"github.com/hookflow/hookflow/workflows"
)

// What kinds that hold steps (for_each, paths) share with the engine.

// ErrRunLost is wrapped by the error of an outcome of RunSteps where the
// run must stop at once (another worker has it): a step that holds steps
// passes that outcome on as it is and runs nothing more.
var ErrRunLost = errors.New("run lease lost")

// PayloadCarrier steps leave the run a payload their output carries (the
// payload a path left): the engine takes it from the output, also when a
// run resumes after the step from its record.
type PayloadCarrier interface {
	// PayloadOf is the payload the run goes on with after output.
	PayloadOf(output any) any
}

// innerIDs are the ids of steps and of the steps they hold, at any depth.
func innerIDs(steps []*workflows.CompiledStep) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.ID)
		out = append(out, innerIDs(s.Steps)...)
	}
	return out
}
