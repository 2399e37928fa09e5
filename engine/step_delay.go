package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() { registerStep(workflows.StepDelay, stepDelay) }

// stepDelay makes the run wait, in the store, until a duration has passed
// or a computed time has come.
func stepDelay(_ context.Context, e *Engine, st *runState, s *workflows.CompiledStep, _ int) outcome {
	now := e.now()
	until := now.Add(s.Delay)
	if s.Until != nil {
		v, err := workflows.Eval(s.Until, &st.env)
		if err != nil {
			return outcome{status: store.StepFailed, err: fmt.Errorf("until: %w", err)}
		}
		if until, err = asTime(v); err != nil {
			return outcome{status: store.StepFailed, err: fmt.Errorf("until: %w", err)}
		}
	}
	out := map[string]any{"until": until.UTC().Format(time.RFC3339Nano)}
	if !until.After(now) {
		return outcome{status: store.StepSucceeded, output: out}
	}
	return outcome{status: store.StepWaiting, output: out, at: until}
}

// asTime reads a time from an expression value: a time, an RFC 3339
// string, or unix seconds.
func asTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", x)
		}
		return t, nil
	case int:
		return time.Unix(int64(x), 0), nil
	case int64:
		return time.Unix(x, 0), nil
	case float64:
		return time.Unix(0, int64(x*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("want a time, got %T", v)
}
