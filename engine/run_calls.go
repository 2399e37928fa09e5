package engine

import (
	"context"
	"errors"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// RunCalls are the runs a run is linked with by workflow steps: the run
// and step that started it, and the runs its own workflow steps started.
type RunCalls struct {
	// Parent is the run whose workflow step started this one (nil: none).
	Parent *RunCall `json:"parent,omitempty"`
	// Children are the runs this run's workflow steps started, by the
	// path of the step (each_line[2].enrich inside a loop), in the order
	// the steps first ran.
	Children []RunCall `json:"children"`
}

// RunCall is a run started by a workflow step, and that step's path.
type RunCall struct {
	RunID string `json:"run_id"`
	Step  string `json:"step"`
}

// Calls reads the runs run r is linked with by workflow steps, from its
// event ev and its step records. The children of a run whose workflow
// revision is gone are not known: none are listed.
func (e *Engine) Calls(ctx context.Context, r store.Run, ev *store.Event, results []store.StepResult) (RunCalls, error) {
	out := RunCalls{Children: []RunCall{}}
	if p := parentRun(ev); p != "" {
		out.Parent = &RunCall{RunID: p, Step: ev.Headers[headerParentStep]}
	}
	c, err := e.cache.revision(ctx, r.WorkflowID, r.Revision)
	if err != nil {
		return out, nil // a deleted workflow: its children are not known
	}
	seen := map[string]bool{}
	for _, rec := range results {
		if seen[rec.StepID] {
			continue
		}
		seen[rec.StepID] = true
		s := stepAtPath(c, rec.StepID)
		if s == nil {
			continue
		}
		if _, ok := s.Program.(kinds.WorkflowCaller); !ok {
			continue
		}
		id := childRunID(r.ID, rec.StepID)
		_, err := e.store.RunGet(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound): // not started (failed before, or gone with retention)
		case err != nil:
			return RunCalls{}, err
		default:
			out.Children = append(out.Children, RunCall{RunID: id, Step: rec.StepID})
		}
	}
	return out, nil
}

// stepAtPath is the step a record's path names: a top-level step by its
// id, a nested one by its path (each_line[2].enrich); nil where the
// workflow has none.
func stepAtPath(c *workflows.Compiled, path string) *workflows.CompiledStep {
	i := c.StepIndex(path[:nextIDEnd(path)])
	if i < 0 {
		return nil
	}
	if path == c.Steps[i].ID {
		return c.Steps[i]
	}
	return findStep(c.Steps[i].Steps, stepIDOf(path))
}

// findStep is the step with id among steps and the steps they hold.
func findStep(steps []*workflows.CompiledStep, id string) *workflows.CompiledStep {
	for _, s := range steps {
		if s.ID == id {
			return s
		}
		if f := findStep(s.Steps, id); f != nil {
			return f
		}
	}
	return nil
}
