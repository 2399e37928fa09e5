package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
)

// TestStepInputStoredSmall: inputs that are the event's body, or hold an
// earlier attempt's output, are stored without those bytes, as on SQLite.
func TestStepInputStoredSmall(t *testing.T) {
	t.Parallel()
	testURL(t)
	s := open(t, newSchema(t))
	ctx := context.Background()
	now := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	if _, err := s.WorkflowSave(ctx, store.WorkflowSaveParams{ID: "w", Name: "w", Enabled: true,
		Definition: []byte(`{"format":"hookflow/v1","id":"w","steps":[]}`), HookKey: "key-w", Now: now}); err != nil {
		t.Fatalf("WorkflowSave: %v", err)
	}
	body := []byte(`{"id":"ord_0123456789abcdef","amount":150.5,"currency":"USD","note":"a body of some length"}`)
	shaped := []byte(`{"currency":"USD","order":"ord_0123456789abcdef","total":150.5}`)
	request := []byte(`{"body":` + string(shaped) + `,"method":"POST","url":"http://127.0.0.1/d/7"}`)
	runID := uuid.Must(uuid.NewV7()).String()
	shape := store.StepResult{RunID: runID, StepID: "shape", Attempt: 1, Status: store.StepSucceeded,
		Input: body, InputIsEventBody: true, Output: shaped, StartedAt: now}
	deliver := store.StepResult{RunID: runID, StepID: "deliver", StepIndex: 1, Attempt: 1, Status: store.StepSucceeded,
		Input: request, InputRef: store.RefInput(request, "shape", 1, shaped), Output: []byte(`{"status":200}`), StartedAt: now}
	if _, err := s.EventAccept(ctx, []store.EventAcceptParams{{
		Event: store.Event{ID: uuid.Must(uuid.NewV7()).String(), WorkflowID: "w", Source: "webhook", Method: "POST",
			Headers: map[string]string{}, Body: body, ReceivedAt: now},
		RunID: runID, Revision: 1, NextStep: 2, Status: store.StatusSucceeded,
		Results: []store.StepResult{shape, deliver},
	}}); err != nil {
		t.Fatalf("EventAccept: %v", err)
	}

	rows, err := s.pool.Query(ctx, `SELECT length(input) FROM step_results WHERE run_id = $1 ORDER BY seq`, runID)
	if err != nil {
		t.Fatalf("stored inputs: %v", err)
	}
	var lengths []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatalf("stored inputs: %v", err)
		}
		lengths = append(lengths, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("stored inputs: %v", err)
	}
	if len(lengths) != 2 || lengths[0] != 1 || lengths[1] > len(request)-len(shaped)+16 {
		t.Fatalf("stored input lengths = %v; want 1 (the event's body) and at most %d (the request less the output)",
			lengths, len(request)-len(shaped)+16)
	}
	got, err := s.StepResultList(ctx, runID)
	if err != nil || len(got) != 2 || string(got[0].Input) != string(body) || string(got[1].Input) != string(request) {
		t.Fatalf("StepResultList = %+v, %v; want the inputs as made", got, err)
	}
}
