package kinds

import (
	"context"
	"fmt"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:    "delay",
			Title:   "Wait",
			Summary: "Waits for a while, or until a time, before the next step; the wait survives restarts.",
			Fields: []workflows.Field{
				{Name: "for", Label: "Wait for", Kind: workflows.ValueDuration, Placeholder: "15m",
					Help: "How long to wait, such as 30s, 15m or 2h. Give this or Wait until."},
				{Name: "until", Label: "Wait until", Kind: workflows.ValueExpression, Placeholder: "payload.send_at",
					Help: "An expression giving the time to wait for: a time, an RFC 3339 string or unix seconds. A time that has passed waits not at all."},
			},
			Example: []byte(`{"id": "later", "type": "delay", "for": "15m"}`),
		},
		New: func() workflows.StepSettings { return &Delay{} },
	})
}

// Delay makes the run wait, in the store, until a duration has passed or
// a computed time has come.
type Delay struct {
	// For is a duration to wait, e.g. "15m".
	For string `json:"for,omitempty"`
	// Until is an expression giving the time to wait for.
	Until string `json:"until,omitempty"`
}

// Compile reads the duration or compiles the expression.
func (d *Delay) Compile(b *workflows.StepBuild) (any, error) {
	s := &delayStep{}
	var err error
	switch {
	case d.For != "" && d.Until != "":
		return nil, b.Errorf("until", "give either for or until, not both")
	case d.For != "":
		if s.wait, err = b.Duration("for", d.For); err != nil {
			return nil, err
		}
	case d.Until != "":
		if s.until, err = b.Expr("until", d.Until); err != nil {
			return nil, err
		}
	default:
		return nil, b.Errorf("for", "a delay step needs for or until")
	}
	return s, nil
}

type delayStep struct {
	wait  time.Duration
	until *vm.Program // nil: wait
}

var _ Step = (*delayStep)(nil)

func (s *delayStep) Run(_ context.Context, rt Runtime) Outcome {
	now := rt.Now()
	until := now.Add(s.wait)
	if s.until != nil {
		v, err := workflows.Eval(s.until, rt.Env())
		if err != nil {
			return Outcome{Status: store.StepFailed, Err: fmt.Errorf("until: %w", err)}
		}
		if until, err = asTime(v); err != nil {
			return Outcome{Status: store.StepFailed, Err: fmt.Errorf("until: %w", err)}
		}
	}
	out := map[string]any{"until": until.UTC().Format(time.RFC3339Nano)}
	if !until.After(now) {
		return Outcome{Status: store.StepSucceeded, Output: out}
	}
	return Outcome{Status: store.StepWaiting, Output: out, At: until}
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
