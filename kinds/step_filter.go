package kinds

import (
	"context"
	"fmt"

	"github.com/expr-lang/expr/vm"

	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:    "filter",
			Title:   "Continue only if",
			Summary: "Ends the run, as filtered, unless a condition holds.",
			Fields: []workflows.Field{
				{Name: "expr", Label: "Condition", Kind: workflows.ValueCondition, Required: true,
					Help:        "The run goes on where this is true, and ends as filtered where it is false.",
					Placeholder: "payload.status == 'paid' && payload.amount > 100"},
			},
			Example: []byte(`{"id": "paid", "type": "filter", "expr": "payload.status == 'paid'"}`),
		},
		New: func() workflows.StepSettings { return &Filter{} },
	})
}

// Filter ends the run as filtered where its condition is false.
type Filter struct {
	// Expr is the condition: an expression giving true or false.
	Expr string `json:"expr,omitempty"`
}

// Compile compiles the condition.
func (f *Filter) Compile(b *workflows.StepBuild) (any, error) {
	if f.Expr == "" {
		return nil, b.Required("expr")
	}
	p, err := b.Condition("expr", f.Expr)
	if err != nil {
		return nil, err
	}
	return &filterStep{cond: p}, nil
}

type filterStep struct{ cond *vm.Program }

var (
	_ Step = (*filterStep)(nil)
	_ Pure = (*filterStep)(nil)
)

func (*filterStep) Pure() {}

func (s *filterStep) Run(_ context.Context, rt Runtime) Outcome {
	ok, err := workflows.EvalBool(s.cond, rt.Env())
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("expr: %w", err)}
	}
	if !ok {
		return Outcome{Status: store.StepFiltered, Output: false}
	}
	return Outcome{Status: store.StepSucceeded, Output: true}
}
