package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// StepReport is one step of a test run, as the API and `hookflow run` show
// it.
type StepReport struct {
	Step       string          `json:"step"`
	Type       string          `json:"type"`
	Status     string          `json:"status"`
	Input      json.RawMessage `json:"input,omitempty"`
	Output     json.RawMessage `json:"output,omitempty"`
	Error      string          `json:"error,omitempty"`
	StatusCode int             `json:"status_code,omitempty"`
	DurationMS float64         `json:"duration_ms"`
	// Until is when a delay would end or a retry would happen.
	Until string `json:"until,omitempty"`
	// SetsPayload says the step's output is the payload the next steps
	// see (a transform's), so the editor previews them with it.
	SetsPayload bool `json:"sets_payload,omitempty"`
	// Outbound: the step calls out, and its input is the request it
	// makes (or would make).
	Outbound bool `json:"-"`
}

// TestReport is the result of a test run.
type TestReport struct {
	Status string       `json:"status"`
	Error  string       `json:"error,omitempty"`
	Steps  []StepReport `json:"steps"`
}

// TestOptions tune a test run.
type TestOptions struct {
	// Send makes webhook steps really send; otherwise they only show the
	// request they would make.
	Send bool
}

// Test runs a workflow once, in memory, for the given event: nothing is
// stored, delays do not wait and failed webhooks are not retried. It is the
// editor's "Test" and `hookflow run`.
func (e *Engine) Test(ctx context.Context, c *workflows.Compiled, ev *store.Event, opts TestOptions) TestReport {
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = e.now().UTC()
	}
	secrets, err := e.secrets(ctx)
	if err != nil {
		return TestReport{Status: store.StatusFailed, Error: "load secrets: " + err.Error()}
	}
	st := newRunState(c, ev, "test-"+newID(), secrets)
	st.test, st.send = true, opts.Send
	rep := TestReport{Status: store.StatusSucceeded, Steps: []StepReport{}}
	for i, s := range c.Steps {
		st.at(i, s)
		res, out := e.runStep(ctx, st, s, 1)
		for _, n := range st.nested.take() {
			rep.Steps = append(rep.Steps, StepReport{
				Step: n.StepID, Type: st.nested.types[n.StepID], Status: n.Status, Input: n.Input, Output: n.Output,
				Error: n.Error, StatusCode: n.StatusCode, DurationMS: float64(n.Duration) / float64(time.Millisecond),
			})
		}
		sr := StepReport{
			Step: s.ID, Type: s.Type, Status: res.Status, Input: res.Input, Output: res.Output,
			Error: res.Error, StatusCode: res.StatusCode, DurationMS: float64(res.Duration) / float64(time.Millisecond),
		}
		if !out.at.IsZero() {
			sr.Until = out.at.UTC().Format(time.RFC3339Nano)
		}
		_, sr.Outbound = s.Program.(kinds.Outbound)
		_, sr.SetsPayload = s.Program.(kinds.PayloadSetter)
		rep.Steps = append(rep.Steps, sr)
		switch out.status {
		case store.StepSucceeded, store.StepWaiting:
			st.apply(s, out.output, out.raw)
		case store.StepSkipped:
			st.env.Steps[s.ID] = nil
		case store.StepFiltered:
			rep.Status = store.StatusFiltered
			return rep
		default:
			rep.Status = store.StatusFailed
			rep.Error = "step " + s.ID + ": " + res.Error
			return rep
		}
	}
	return rep
}
