package engine

import (
	"context"
	"fmt"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// Replay queues a new run of a run's event with the workflow's current
// revision, from the start or from the step named fromStep (the earlier
// steps' recorded outputs are carried over). The new run links back to the
// original.
func (e *Engine) Replay(ctx context.Context, runID, fromStep string) (store.Run, error) {
	orig, err := e.store.RunGet(ctx, runID)
	if err != nil {
		return store.Run{}, fmt.Errorf("replay %s: %w", runID, err)
	}
	wf, err := e.store.WorkflowGet(ctx, orig.WorkflowID)
	if err != nil {
		return store.Run{}, fmt.Errorf("replay %s: %w", runID, err)
	}
	c, err := e.cache.revision(ctx, wf.ID, wf.Revision)
	if err != nil {
		return store.Run{}, err
	}
	p := store.RunInsertParams{
		ID: newID(), WorkflowID: wf.ID, Revision: wf.Revision, EventID: orig.EventID,
		ReplayOf: orig.ID, Now: e.now().UTC(),
	}
	if fromStep != "" {
		idx := c.StepIndex(fromStep)
		if idx < 0 {
			return store.Run{}, &workflows.FieldError{Field: "from_step", Message: fmt.Sprintf("workflow %s has no step %q", wf.ID, fromStep)}
		}
		p.NextStep = idx
		if p.Results, err = e.carriedResults(ctx, orig, c, idx, p.ID); err != nil {
			return store.Run{}, err
		}
	}
	run, err := e.store.RunInsert(ctx, p)
	if err != nil {
		return store.Run{}, fmt.Errorf("replay %s: %w", runID, err)
	}
	signal(e.wake)
	return run, nil
}

// carriedResults copies the original run's last completed result of each
// step before idx (matched by step id) into the new run.
func (e *Engine) carriedResults(ctx context.Context, orig store.Run, c *workflows.Compiled, idx int, newRunID string) ([]store.StepResult, error) {
	results, err := e.store.StepResultList(ctx, orig.ID)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", orig.ID, err)
	}
	last := map[string]store.StepResult{}
	for _, r := range results {
		if completed(r.Status) {
			last[r.StepID] = r
		}
	}
	var out []store.StepResult
	for i := 0; i < idx; i++ {
		s := c.Steps[i]
		r, ok := last[s.ID]
		if !ok {
			continue
		}
		r.RunID, r.StepIndex = newRunID, i
		out = append(out, r)
	}
	return out, nil
}
