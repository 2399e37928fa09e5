package kinds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:  "wait",
			Title: "Wait for a callback or an approval",
			Summary: "Waits until a request comes to the run's resume URL (resumeURL(\"STEP_ID\") in any earlier step, " +
				"such as a message with an Approve link), then goes on with what the request brought as steps.ID: " +
				"{resumed, method, body, query, at}. The wait survives restarts and takes no worker. " +
				"Inside a loop or a path, each item waits on its own URL (resumeURL in the item's steps names the item's), " +
				"and the run page lists it by its path, such as each_line[2].approval, with Approve and Resume.",
			Fields: []workflows.Field{
				{Name: "timeout", Label: "Give up after", Kind: workflows.ValueDuration, Placeholder: "48h",
					Help: "How long to wait for the request, such as 30m or 48h. Empty: wait for ever."},
				{Name: "on_timeout", Label: "When no request came in time", Kind: workflows.ValueSelect, Default: "fail",
					Options: []workflows.Option{
						{Value: "fail", Label: "Fail the run"},
						{Value: "continue", Label: "Go on, with {\"resumed\": false, \"timed_out\": true}"},
					},
					Help: "Fail the run, or go on to the next step."},
			},
			Example: []byte(`{"id": "approval", "type": "wait", "timeout": "48h", "on_timeout": "fail"}`),
		},
		New: func() workflows.StepSettings { return &Wait{} },
	})
}

// Wait makes the run wait, in the store, for a request to its resume URL.
type Wait struct {
	// Timeout is how long to wait; empty: for ever.
	Timeout string `json:"timeout,omitempty"`
	// OnTimeout is "fail" (the default) or "continue".
	OnTimeout string `json:"on_timeout,omitempty"`
}

// Compile reads the timeout and the choice made on it.
func (w *Wait) Compile(b *workflows.StepBuild) (any, error) {
	s := &waitStep{}
	if w.Timeout != "" {
		d, err := b.Duration("timeout", w.Timeout)
		if err != nil {
			return nil, err
		}
		s.timeout = d
	}
	switch w.OnTimeout {
	case "", "fail":
	case "continue":
		s.goOn = true
	default:
		return nil, b.Errorf("on_timeout", "must be fail or continue, not %q", w.OnTimeout)
	}
	if s.goOn && s.timeout == 0 {
		return nil, b.Errorf("on_timeout", "goes with a timeout")
	}
	return s, nil
}

type waitStep struct {
	timeout time.Duration // 0: for ever
	goOn    bool          // on timeout, continue
}

var (
	_             Step       = (*waitStep)(nil)
	_             ResumeStep = (*waitStep)(nil)
	errNoCalls               = errors.New("this runtime cannot wait nor start runs")
	foreverFromAt            = 100 * 365 * 24 * time.Hour
)

// ResumeStep is implemented by the programs of steps a request to a
// resume URL resumes (resumeURL("ID") names one).
type ResumeStep interface{ Resumes() }

// WaitsAgain is implemented by the programs of steps that, once waiting,
// run again when the run resumes (to learn why it did), rather than being
// done: a waiting attempt of theirs is not the step done.
type WaitsAgain interface{ WaitsAgain() }

func (*waitStep) Resumes()    {}
func (*waitStep) WaitsAgain() {}

func (s *waitStep) Run(ctx context.Context, rt Runtime) Outcome {
	if test, _ := rt.Test(); test {
		// A test run does not wait: it shows the step as not resumed.
		return Outcome{Status: store.StepSucceeded, Output: map[string]any{"resumed": false, "test": true}}
	}
	c, ok := rt.(Calls)
	if !ok {
		return Outcome{Status: store.StepFailed, Err: errNoCalls}
	}
	now := rt.Now()
	var until time.Time
	if s.timeout > 0 {
		until = now.Add(s.timeout)
	}
	w, err := c.WaitBegin(ctx, until)
	if err != nil {
		// The store could not be reached: try again shortly.
		return Outcome{Status: store.StepRetrying, Err: fmt.Errorf("record the wait: %w", err), At: now.Add(5 * time.Second)}
	}
	switch {
	case w.Resumed:
		return Outcome{Status: store.StepSucceeded, Output: w.Output}
	case !w.Until.IsZero() && !now.Before(w.Until):
		if s.goOn {
			return Outcome{Status: store.StepSucceeded, Output: map[string]any{"resumed": false, "timed_out": true}}
		}
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("timed out: no request came to its resume URL within %s", s.timeout)}
	}
	at, out := w.Until, map[string]any{"waiting": true}
	if at.IsZero() {
		at = now.Add(foreverFromAt)
	} else {
		out["until"] = at.UTC().Format(time.RFC3339Nano)
	}
	return Outcome{Status: store.StepWaiting, Output: out, At: at, Again: true}
}
