package kinds

import (
	"context"
	"errors"
	"fmt"

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
				{Name: "match", Label: "Conditions", Kind: workflows.ValueCondition,
					Help: "Rules a field of the data must meet (is, is greater than, contains...), all of them or any; or an expression giving true or false. The run goes on where they hold."},
				{Name: "expr", Label: "Condition (expression)", Kind: workflows.ValueExpression,
					Help:        "For advanced use, instead of Conditions: an expression giving true or false.",
					Placeholder: "payload.status == 'paid' && payload.amount > 100"},
			},
			Example: []byte(`{"id": "paid", "type": "filter", "match": {"all": [{"field": "payload.status", "op": "eq", "value": "paid"}]}}`),
		},
		New: func() workflows.StepSettings { return &Filter{} },
	})
}

// Filter ends the run as filtered where its condition is false.
type Filter struct {
	// Match is the condition: rules (a match object), or an expression.
	Match workflows.Condition `json:"match,omitzero"`
	// Expr is the condition as an expression giving true or false.
	Expr string `json:"expr,omitempty"`
}

// Compile compiles the condition, given one way or the other.
func (f *Filter) Compile(b *workflows.StepBuild) (any, error) {
	cond, field := f.Match, "match"
	switch {
	case !f.Match.IsZero() && f.Expr != "":
		return nil, b.Errorf("expr", "give match or expr, not both")
	case f.Expr != "":
		cond, field = workflows.Condition{Expr: f.Expr}, "expr"
	case f.Match.IsZero():
		return nil, b.Errorf("match", "is required (or an expression in expr)")
	}
	c, err := b.Condition(field, cond)
	if err != nil {
		return nil, err
	}
	return &filterStep{cond: c}, nil
}

type filterStep struct{ cond *workflows.CompiledCondition }

var (
	_ Step = (*filterStep)(nil)
	_ Pure = (*filterStep)(nil)
)

func (*filterStep) Pure() {}

// Run ends the run where the condition is false, saying which rule did
// not hold and what it saw.
func (s *filterStep) Run(_ context.Context, rt Runtime) Outcome {
	ok, err := s.cond.Eval(rt.Env())
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("condition: %w", err)}
	}
	if !ok {
		return Outcome{Status: store.StepFiltered, Output: false, Err: errors.New(s.cond.Explain(rt.Env()))}
	}
	return Outcome{Status: store.StepSucceeded, Output: true}
}
