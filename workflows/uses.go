package workflows

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// UsesTrigger reports whether any expression of the steps reads the
// trigger (or the whole environment, $env): a run of a workflow whose steps
// never do need not describe its request to them.
func (c *Compiled) UsesTrigger() bool { return c.usesTrigger }

// DecodesPayload reports whether the workflow may need its payload decoded:
// the trigger checks it (a schema, an idempotency key) or answers with the
// run's final payload (Sync), a step's expressions read it (ReadsPayload),
// or a respond step without a body answers with it. A trigger decodes the
// JSON body of such a workflow as it arrives, and only checks the others'.
func (c *Compiled) DecodesPayload() bool { return c.decodesPayload }

// ReadsPayload reports whether an expression or template of the step names
// payload (or $env): a run need not decode a JSON body before a step whose
// expressions do. (A step that uses the payload itself where it has no body
// expression, webhook or respond, takes it from the run when it does.)
func (s *CompiledStep) ReadsPayload() bool { return s.readsPayload }

// programs returns the step's compiled expressions, its templates' included.
func (s *CompiledStep) programs() []*vm.Program {
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
	return programs
}

// names reports whether an expression of the step names the variable
// name or the whole environment ($env).
func (s *CompiledStep) names(name string) bool {
	for _, p := range s.programs() {
		if p == nil {
			continue
		}
		v := identifiers{name: name}
		node := p.Node()
		ast.Walk(&node, &v)
		if v.found {
			return true
		}
	}
	return false
}

// identifiers looks for an identifier: name or $env.
type identifiers struct {
	name  string
	found bool
}

func (v *identifiers) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && (id.Value == v.name || id.Value == "$env") {
		v.found = true
	}
}
