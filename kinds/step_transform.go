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
				{Name: "set", Label: "Fields", Kind: workflows.ValueMapping,
					Help: "The new payload, field by field: text with fields of the data in it, such as {{ payload.name }} paid. A value that is one field alone keeps its type; a key with dots (customer.email) makes nested fields."},
				{Name: "keep", Label: "Keep the incoming fields", Kind: workflows.ValueBoolean,
					Help: "Keep the incoming payload's fields, and add or replace these."},
				{Name: "expr", Label: "New payload (expression)", Kind: workflows.ValueExpression,
					Help:        "For advanced use, instead of Fields: an expression whose value becomes the payload.",
					Placeholder: "{order: payload.id, total: payload.amount / 100.0}"},
			},
			Example: []byte(`{"id": "shape", "type": "transform", "set": {"order": "{{ payload.id }}", "customer.email": "{{ payload.email }}"}}`),
		},
		New: func() workflows.StepSettings { return &Transform{} },
	})
}

// Transform replaces the payload with a new one: fields mapped one by one,
// or an expression's value.
type Transform struct {
	// Set maps the new payload's fields.
	Set *workflows.Mapping `json:"set,omitempty"`
	// Keep keeps the incoming payload's fields beside Set's.
	Keep bool `json:"keep,omitempty"`
	// Expr is the new payload: an expression.
	Expr string `json:"expr,omitempty"`
}

// Compile compiles the mapping or the expression.
func (t *Transform) Compile(b *workflows.StepBuild) (any, error) {
	switch {
	case t.Set != nil && t.Expr != "":
		return nil, b.Errorf("expr", "give set or expr, not both")
	case t.Keep && t.Set == nil:
		return nil, b.Errorf("keep", "goes with set")
	case t.Set != nil:
		m, err := b.Mapping("set", t.Set)
		if err != nil {
			return nil, err
		}
		if t.Keep {
			b.UsesPayload() // it copies the payload's fields
		}
		return &transformStep{set: m, keep: t.Keep}, nil
	case t.Expr == "":
		return nil, b.Errorf("set", "is required (or an expression in expr)")
	}
	p, err := b.Expr("expr", t.Expr)
	if err != nil {
		return nil, err
	}
	return &transformStep{expr: p}, nil
}

type transformStep struct {
	expr *vm.Program
	set  *workflows.CompiledMapping
	keep bool
}

var (
	_ Step          = (*transformStep)(nil)
	_ Pure          = (*transformStep)(nil)
	_ PayloadSetter = (*transformStep)(nil)
)

func (*transformStep) Pure()        {}
func (*transformStep) SetsPayload() {}

func (s *transformStep) Run(_ context.Context, rt Runtime) Outcome {
	if s.set != nil {
		var keep map[string]any
		if s.keep {
			keep, _ = rt.Payload().(map[string]any)
		}
		v, err := s.set.Eval(rt.Env(), keep)
		if err != nil {
			return Outcome{Status: store.StepFailed, Err: fmt.Errorf("set.%w", err)}
		}
		return Outcome{Status: store.StepSucceeded, Output: v}
	}
	v, err := workflows.Eval(s.expr, rt.Env())
	if err != nil {
		return Outcome{Status: store.StepFailed, Err: fmt.Errorf("expr: %w", err)}
	}
	return Outcome{Status: store.StepSucceeded, Output: v}
}
