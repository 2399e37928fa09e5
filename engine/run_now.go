package engine

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hookflow/hookflow/store"
)

// RunNow starts a durable, stored run of a workflow's current revision with
// payload (JSON; empty: null) as its event's body, as its trigger would,
// and returns the run's id once it is durable. The trigger's source is
// "manual". Like n8n's manual executions, a disabled workflow runs too: to
// be disabled stops the trigger, not an operator.
func (e *Engine) RunNow(ctx context.Context, workflowID string, payload []byte) (store.AcceptResult, error) {
	w, err := e.store.WorkflowGet(ctx, workflowID)
	if err != nil {
		return store.AcceptResult{}, fmt.Errorf("run workflow %s now: %w", workflowID, err)
	}
	if len(payload) == 0 {
		payload = []byte("null")
	}
	ev := store.Event{Source: "manual", Method: http.MethodPost, Body: payload,
		Headers: map[string]string{"content-type": "application/json"}}
	res, err := e.Accept(ctx, AcceptParams{WorkflowID: w.ID, Revision: w.Revision, Event: ev})
	if err != nil {
		return store.AcceptResult{}, fmt.Errorf("run workflow %s now: %w", workflowID, err)
	}
	return res, nil
}
