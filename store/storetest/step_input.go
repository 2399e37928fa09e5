package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/hookflow/hookflow/store"
)

// testStepInput checks that inputs written with a reference to an earlier
// attempt's output (StepResult.InputRef) read back byte for byte, wherever
// either attempt is kept: in the run's row as it was accepted, in later
// updates, in the same update, in a replay's copied attempts.
func testStepInput(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Parallel()
	shaped := []byte(`{"currency":"USD","email":"jane.doe@example.com","order":"ord_0123456789abcdef","total":150.5}`)
	request := func(body []byte) []byte {
		return []byte(`{"body":` + string(body) + `,"headers":{"x-source":"hookflow"},"method":"POST","url":"http://127.0.0.1/d/7"}`)
	}
	response := []byte(`{"body":"accepted for delivery, thank you very much","headers":{},"status":200}`)
	withRef := func(r store.StepResult, from store.StepResult) store.StepResult {
		r.InputRef = store.RefInput(r.Input, from.StepID, from.Attempt, from.Output)
		if r.InputRef == nil {
			t.Fatalf("RefInput(%s): no reference to %s's output", r.StepID, from.StepID)
		}
		return r
	}
	check := func(t *testing.T, b *bundle, runID string, want []store.StepResult) {
		t.Helper()
		got, err := b.s.StepResultList(b.ctx, runID)
		if err != nil || len(got) != len(want) {
			t.Fatalf("StepResultList = %d results, %v; want %d", len(got), err, len(want))
		}
		for i, w := range want {
			w.InputIsEventBody, w.InputRef = false, nil // hints for writing only
			diff(t, fmt.Sprintf("step %d (%s)", i, w.StepID), got[i], w)
		}
	}

	t.Run("ReferencesResolve", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		p := event("w", b.now)
		p.Event.Body = []byte(`{"id":"ord_0123456789abcdef","amount":150.5,"currency":"USD"}`)
		p.Owner, p.LeaseUntil, p.NextStep = "a", b.now.Add(time.Minute), 2
		filter := store.StepResult{RunID: p.RunID, StepID: "all", Attempt: 1, Status: store.StepSucceeded,
			Input: p.Event.Body, InputIsEventBody: true, Output: []byte(`true`), StartedAt: b.now}
		shape := store.StepResult{RunID: p.RunID, StepID: "shape", StepIndex: 1, Attempt: 1, Status: store.StepSucceeded,
			Input: p.Event.Body, InputIsEventBody: true, Output: shaped, StartedAt: b.now}
		p.Results = []store.StepResult{filter, shape}
		b.acceptParams(t, p)

		// A first delivery fails; its record refers to the transform's
		// output, kept in the run's row.
		failed := withRef(store.StepResult{RunID: p.RunID, StepID: "deliver", StepIndex: 2, Attempt: 1,
			Status: store.StepRetrying, Input: request(shaped), Output: []byte(`{"status":503}`),
			Error: "503 Service Unavailable", StatusCode: 503, StartedAt: b.now, Duration: time.Millisecond}, shape)
		b.update(t, store.RunUpdateParams{ID: p.RunID, Owner: "a", Attempt: 1, Status: store.StatusRetrying,
			NextStep: 2, StepAttempt: 1, RunAt: b.now, Results: []store.StepResult{failed}, Now: b.now})
		b.claimOne(t, "a", p.RunID)

		// The second succeeds; a step after it takes the response as its
		// input whole, in the same update, and a third the transform's
		// output again.
		sent := withRef(store.StepResult{RunID: p.RunID, StepID: "deliver", StepIndex: 2, Attempt: 2,
			Status: store.StepSucceeded, Input: request(shaped), Output: response, StatusCode: 200,
			StartedAt: b.now.Add(time.Second), Duration: 2 * time.Millisecond}, shape)
		whole := withRef(store.StepResult{RunID: p.RunID, StepID: "log", StepIndex: 3, Attempt: 1,
			Status: store.StepSucceeded, Input: response, Output: []byte(`{"logged":true}`), StartedAt: b.now.Add(time.Second)}, sent)
		again := withRef(store.StepResult{RunID: p.RunID, StepID: "echo", StepIndex: 4, Attempt: 1,
			Status: store.StepSucceeded, Input: []byte(`[` + string(shaped) + `]`), Output: []byte(`null`), StartedAt: b.now.Add(time.Second)}, shape)
		b.update(t, store.RunUpdateParams{ID: p.RunID, Owner: "a", Attempt: 2, Status: store.StatusSucceeded,
			NextStep: 5, Results: []store.StepResult{sent, whole, again}, Now: b.now.Add(time.Second)})
		check(t, b, p.RunID, []store.StepResult{filter, shape, failed, sent, whole, again})

		// A replay carries the attempts with their references.
		id := newID()
		if _, err := b.s.RunInsert(b.ctx, store.RunInsertParams{ID: id, WorkflowID: "w", Revision: 1, EventID: p.Event.ID,
			NextStep: 5, ReplayOf: p.RunID, Results: []store.StepResult{filter, shape, sent, whole}, Now: b.now}); err != nil {
			t.Fatalf("RunInsert: %v", err)
		}
		carried := []store.StepResult{filter, shape, sent, whole}
		for i := range carried {
			carried[i].RunID = id
		}
		check(t, b, id, carried)
	})

	t.Run("LargeAcceptedRecords", func(t *testing.T) {
		t.Parallel()
		b := setup(t, newStore)
		b.workflow(t, "w")
		// Records over what a run's row holds are kept as rows: the
		// reference resolves there too.
		big := []byte(`{"note":"` + string(make64k()) + `"}`)
		p := event("w", b.now)
		p.Owner, p.LeaseUntil, p.NextStep = "a", b.now.Add(time.Minute), 2
		shape := store.StepResult{RunID: p.RunID, StepID: "shape", Attempt: 1, Status: store.StepSucceeded,
			Input: p.Event.Body, InputIsEventBody: true, Output: big, StartedAt: b.now}
		next := withRef(store.StepResult{RunID: p.RunID, StepID: "deliver", StepIndex: 1, Attempt: 1,
			Status: store.StepSucceeded, Input: request(big), Output: response, StartedAt: b.now}, shape)
		p.Results = []store.StepResult{shape, next}
		b.acceptParams(t, p)
		check(t, b, p.RunID, []store.StepResult{shape, next})
	})
}

// make64k is 64 KiB of text that is valid inside a JSON string.
func make64k() []byte {
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}
