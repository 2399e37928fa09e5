package engine

import (
	"context"
	"fmt"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// Export returns the definitions of the given workflows (all when ids is
// empty), each with its current enabled flag.
func Export(ctx context.Context, s store.Store, ids []string) ([]*workflows.Workflow, error) {
	var recs []store.Workflow
	if len(ids) == 0 {
		all, err := s.WorkflowList(ctx)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		recs = all
	}
	for _, id := range ids {
		rec, err := s.WorkflowGet(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", id, err)
		}
		recs = append(recs, rec)
	}
	out := make([]*workflows.Workflow, 0, len(recs))
	for _, rec := range recs {
		w, err := Definition(rec)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}
