package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// checkCalls refuses a workflow whose workflow steps call, directly or
// through the stored workflows they call, the workflow itself: a circle of
// calls that would only end at the depth limit. Workflows that do not
// exist yet are left to the run (the step fails, saying so).
func (e *Engine) checkCalls(ctx context.Context, w *workflows.Workflow, c *workflows.Compiled) error {
	for _, call := range callsOf(c.Steps, "steps") {
		chain, err := e.callChain(ctx, call.workflow, w.ID, map[string]bool{})
		if err != nil {
			return err
		}
		if chain != nil {
			return &workflows.FieldError{Field: call.field + ".workflow", Step: call.step, Message: fmt.Sprintf(
				"calls go round in a circle: %s -> %s", w.ID, strings.Join(chain, " -> "))}
		}
	}
	return nil
}

// call is one workflow step: where it is, and what it calls.
type call struct{ field, step, workflow string }

// callsOf lists the workflow steps among steps (nested ones too), with
// their field paths under prefix.
func callsOf(steps []*workflows.CompiledStep, prefix string) []call {
	var out []call
	for i, s := range steps {
		field := fmt.Sprintf("%s[%d]", prefix, i)
		if wc, ok := s.Program.(kinds.WorkflowCaller); ok {
			out = append(out, call{field: field, step: s.ID, workflow: wc.CallsWorkflow()})
		}
		out = append(out, callsOf(s.Steps, field+".steps")...)
	}
	return out
}

// callChain returns the chain of calls from workflow id to target (id
// first, target last), or nil where there is none.
func (e *Engine) callChain(ctx context.Context, id, target string, seen map[string]bool) ([]string, error) {
	if id == target {
		return []string{id}, nil
	}
	if seen[id] {
		return nil, nil
	}
	seen[id] = true
	rec, err := e.store.WorkflowGet(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("check calls of %s: %w", id, err)
	}
	c, err := e.cache.revision(ctx, rec.ID, rec.Revision)
	if err != nil {
		return nil, nil // a stored workflow that no longer compiles calls nothing here
	}
	for _, call := range callsOf(c.Steps, "steps") {
		chain, err := e.callChain(ctx, call.workflow, target, seen)
		if err != nil || chain != nil {
			return append([]string{id}, chain...), err
		}
	}
	return nil, nil
}
