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
			Type:    "transform",
			Title:   "Reshape the payload",
			Summary: "Replaces the payload with a new value built from it; later steps see the new one.",
			Fields: []workflows.Field{
				{Name: "expr", Label: "New payload", Kind: workflows.ValueExpression, Required: true,
					Help:        "An expression whose value becomes the payload, such as an object built from the old one's fields.",
					Placeholder: "{order: payload.id, total: payload.amount / 100.0}"},
			},
			Example: []byte(`{"id": "shape", "type": "transform", "expr": "{order: payload.id, total: payload.amount / 100.0}"}`),
		},
		New: func() workflows.StepSettings { return &Transform{} },
	})
}

// Transform replaces the payload with its expression's value.
type Transform struct {
	// Expr is the new payload: an expression.
	Expr string `json:"expr,omitempty"`
}

// Compile compiles the expression.
func (t *Transform) Compile(b *workflows.StepBuild) (any, error) {
	if t.Expr == "" {
		return nil, b.Required("expr")
	}
	p, err := b.Expr("expr", t.Expr)
	if err != nil {
		return nil, err
	}
	return &transformStep{expr: p}, nil
}

type transformStep struct{ expr *vm.Program }

var (
	_ Step          = (*transformStep)(nil)
	_ Pure          = (*transformStep)(nil)
	_ PayloadSetter = (*transformStep)(nil)
)

func (*transformStep) Pure()        {}
func (*transformStep) SetsPayload() {}

func (s *transformStep) Run(_ context.Context, rt Runtime) Outcome {
	v, err := workflows.Eval(s.expr, rt.Env())
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("expr: %w", err)}
	}
	return Outcome{Status: store.StepSucceeded, Output: v}
}
