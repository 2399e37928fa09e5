package workflows

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// UsesTrigger reports whether any expression of the steps reads the
// trigger (or the whole environment, $env): a run of a workflow whose steps
// never do need not describe its request to them.
func (c *Compiled) UsesTrigger() bool { return c.usesTrigger }

// stepsUseTrigger reports whether an expression of steps names trigger.
func stepsUseTrigger(steps []*CompiledStep) bool {
	for _, s := range steps {
		programs := []*vm.Program{s.When, s.Expr, s.Body, s.Until}
		templates := []*Template{s.URL, s.SignSecret}
		for _, h := range s.Headers {
			templates = append(templates, h.Value)
		}
		for _, t := range templates {
			if t != nil {
				for _, p := range t.parts {
					programs = append(programs, p.program)
				}
			}
		}
		for _, p := range programs {
			if p != nil && namesTrigger(p) {
				return true
			}
		}
	}
	return false
}

// namesTrigger reports whether program p names trigger or $env.
func namesTrigger(p *vm.Program) bool {
	var v identifiers
	node := p.Node()
	ast.Walk(&node, &v)
	return v.trigger
}

type identifiers struct{ trigger bool }

func (v *identifiers) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && (id.Value == "trigger" || id.Value == "$env") {
		v.trigger = true
	}
}
