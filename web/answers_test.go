package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/hookflow/hookflow/store"
)

// wantValidJSON checks an answer is valid JSON in valid UTF-8.
func wantValidJSON(t *testing.T, what string, r *answer) {
	t.Helper()
	if !utf8.Valid(r.body) || !json.Valid(r.body) {
		t.Errorf("%s = %d, not valid JSON in UTF-8: %q", what, r.status, r.body)
	}
}

// A body arrives with invalid UTF-8 and is kept as it came (a step's input
// holds it as received); the API shows it with U+FFFD, never the raw bytes.
func TestAPIAnswersValidUTF8(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hook := b.create(passDef("pass", b.recv.URL)).TriggerURL
	runID := b.trigger(hook, "{\"name\": \"\xffAda\"}", "Content-Type", "application/json", "X-Name", "\xfe")
	b.waitRun(runID)

	r := b.api(http.MethodGet, "/api/v1/runs/"+runID, nil)
	wantValidJSON(t, "GET run", r)
	var run runDetail
	r.decode(t, &run)
	if len(run.Steps) == 0 || !strings.Contains(string(run.Steps[0].Input), "\uFFFDAda") {
		t.Errorf("step input = %+v, want the name with U+FFFD", run.Steps)
	}
	wantValidJSON(t, "GET events", b.api(http.MethodGet, "/api/v1/workflows/pass/events", nil))
	wantValidJSON(t, "POST test", b.api(http.MethodPost, "/api/v1/workflows/pass/test", "{\"payload\": {\"name\": \"\xff\"}}"))
}

// A run whose records cannot all be encoded (an event stored before numbers
// beyond float64's range were refused, a damaged step output) is still
// readable: the run answers valid JSON, an error in place of what cannot
// be shown.
func TestRunStoredUnencodableReadable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(relayDef("relay", b.recv.URL))
	body := []byte(`{"status": "paid", "amount": 1e400}`)
	runID := uuid.NewString()
	now := time.Now().UTC()
	_, err := b.store.EventAccept(context.Background(), []store.EventAcceptParams{{
		Event: store.Event{ID: uuid.NewString(), WorkflowID: w.ID, Source: "webhook", Method: http.MethodPost,
			Headers: map[string]string{"content-type": "application/json"}, Body: body, ReceivedAt: now},
		RunID: runID, Revision: w.Revision, NextStep: 1, Status: store.StatusSucceeded,
		Results: []store.StepResult{{RunID: runID, StepID: "paid", StepIndex: 0, Attempt: 1, Status: store.StepSucceeded,
			Input: body, Output: []byte(`{"a": `), StartedAt: now}},
	}})
	if err != nil {
		t.Fatalf("store the event: %v", err)
	}

	r := b.api(http.MethodGet, "/api/v1/runs/"+runID, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET run = %d %s", r.status, r.body)
	}
	wantValidJSON(t, "GET run", r)
	var run struct {
		Run   struct{ Status string }
		Event struct {
			Body      any    `json:"body"`
			BodyError string `json:"body_error"`
		}
		Steps []struct {
			Input       json.RawMessage `json:"input"`
			Output      json.RawMessage `json:"output"`
			OutputError string          `json:"output_error"`
		}
	}
	r.decode(t, &run)
	if run.Run.Status != "succeeded" || run.Event.Body == nil && run.Event.BodyError == "" {
		t.Errorf("run = %s, event body %v / %q", r.body, run.Event.Body, run.Event.BodyError)
	}
	if len(run.Steps) != 1 || len(run.Steps[0].Output) != 0 || run.Steps[0].OutputError == "" || len(run.Steps[0].Input) == 0 {
		t.Errorf("steps = %s; want the input, and an error in place of the damaged output", r.body)
	}

	r = b.api(http.MethodGet, "/api/v1/workflows/relay/events", nil)
	if r.status != http.StatusOK || len(r.body) == 0 {
		t.Fatalf("GET events = %d %q", r.status, r.body)
	}
	wantValidJSON(t, "GET events", r)
}

// The editor's preview of a value JSON cannot hold (a float past its range)
// is an error the editor can show, not an empty answer.
func TestExprValueNotJSON(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := b.api(http.MethodPost, "/api/v1/expr", map[string]any{"expr": "payload.n * 10", "payload": map[string]any{"n": 1e308}})
	e := wantError(t, r, http.StatusBadRequest, "expr_error")
	if m, _ := e["message"].(string); !strings.Contains(m, "JSON") {
		t.Errorf("message = %q", m)
	}
}
