package kinds

import (
	"fmt"

	"github.com/expr-lang/expr/vm"

	"github.com/hookflow/hookflow/workflows"
)

// body is a step's body compiled: a mapping, or an expression.
type body struct {
	expr    *vm.Program
	mapping *workflows.CompiledMapping
}

// compileBody compiles a body; nil where none is given (the payload).
func compileBody(b *workflows.StepBuild, v workflows.Body) (*body, error) {
	switch {
	case v.Mapping != nil:
		m, err := b.Mapping("body", v.Mapping)
		if err != nil {
			return nil, err
		}
		return &body{mapping: m}, nil
	case v.Expr != "":
		p, err := b.Expr("body", v.Expr)
		if err != nil {
			return nil, err
		}
		return &body{expr: p}, nil
	}
	return nil, nil
}

// eval gives the body's value; an error reads after "body", as ": ..." or
// ".field: ...".
func (bd *body) eval(env *workflows.Env) (any, error) {
	if bd.mapping != nil {
		v, err := bd.mapping.Eval(env, nil)
		if err != nil {
			return nil, fmt.Errorf(".%w", err)
		}
		return v, nil
	}
	v, err := workflows.Eval(bd.expr, env)
	if err != nil {
		return nil, fmt.Errorf(": %w", err)
	}
	return v, nil
}
