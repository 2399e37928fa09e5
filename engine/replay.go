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
	return e.ReplayFrom(ctx, runID, ReplayOptions{FromStep: fromStep})
}

// ReplayFrom is Replay with options: a step inside another (a loop's
// item's: "each_line[3].send"), and a loop's failed items only.
func (e *Engine) ReplayFrom(ctx context.Context, runID string, o ReplayOptions) (store.Run, error) {
	if o.OnlyFailed && o.FromStep == "" {
		return store.Run{}, &workflows.FieldError{Field: "only_failed", Message: "goes with from_step: the loop whose failed items run again"}
	}
	orig, err := e.store.RunGet(ctx, runID)
	if err != nil {
		return store.Run{}, fmt.Errorf("replay %s: %w", runID, err)
	}
	wf, err := e.store.WorkflowGet(ctx, orig.WorkflowID)
	if err != nil {
		return store.Run{}, fmt.Errorf("replay %s: %w", runID, err)
	}
	p, err := e.replayParams(ctx, orig, wf, o)
	if err != nil {
		return store.Run{}, err
	}
	run, err := e.store.RunInsert(ctx, p)
	if err != nil {
		return store.Run{}, fmt.Errorf("replay %s: %w", runID, err)
	}
	signal(e.wake)
	return run, nil
}

// replayParams is the new run that replays orig with wf's current
// revision, as o says.
func (e *Engine) replayParams(ctx context.Context, orig store.Run, wf store.Workflow, o ReplayOptions) (store.RunInsertParams, error) {
	c, err := e.cache.revision(ctx, wf.ID, wf.Revision)
	if err != nil {
		return store.RunInsertParams{}, err
	}
	p := store.RunInsertParams{
		ID: newID(), WorkflowID: wf.ID, Revision: wf.Revision, EventID: orig.EventID,
		ReplayOf: orig.ID, Now: e.now().UTC(),
	}
	if o.FromStep != "" {
		from, err := replayPoint(c, o.FromStep)
		if err != nil {
			return store.RunInsertParams{}, &workflows.FieldError{Field: "from_step", Message: fmt.Sprintf("workflow %s: %v", wf.ID, err)}
		}
		from.onlyFailed = o.OnlyFailed
		p.NextStep = from.index
		if p.Results, err = e.carriedResults(ctx, orig, c, from, p.ID); err != nil {
			return store.RunInsertParams{}, err
		}
	}
	return p, nil
}

// carriedResults copies the original run's last completed result of each
// step before the replay's point (matched by step id or path) into the new
// run: the top-level steps before it, and the nested steps of its
// top-level step that ran before it.
func (e *Engine) carriedResults(ctx context.Context, orig store.Run, c *workflows.Compiled, from *replayFrom, newRunID string) ([]store.StepResult, error) {
	results, err := e.store.StepResultList(ctx, orig.ID)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", orig.ID, err)
	}
	last := map[string]store.StepResult{}
	var nested []string // paths, in the order first recorded
	for _, r := range results {
		isNested := r.StepIndex == from.index && r.StepID != c.Steps[from.index].ID
		if isNested {
			if _, seen := from.lastStatus[r.StepID]; !seen {
				nested = append(nested, r.StepID)
			}
			from.lastStatus[r.StepID] = r.Status
		}
		if completed(r.Status) {
			last[r.StepID] = r
		}
	}
	if _, ran := from.lastStatus[from.path]; len(from.levels) > 0 && !ran {
		return nil, &workflows.FieldError{Field: "from_step", Message: fmt.Sprintf("run %s has no record of step %q", orig.ID, from.path)}
	}
	var out []store.StepResult
	for i := 0; i < from.index; i++ {
		s := c.Steps[i]
		r, ok := last[s.ID]
		if !ok {
			continue
		}
		r.RunID, r.StepIndex = newRunID, i
		out = append(out, r)
	}
	for _, path := range nested {
		r, ok := last[path]
		if !ok || !from.carries(path) {
			continue
		}
		r.RunID = newRunID
		out = append(out, r)
	}
	return out, nil
}
