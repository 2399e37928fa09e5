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

// programNames reports whether a program names the variable name or the
// whole environment ($env).
func programNames(p *vm.Program, name string) bool {
	v := identifiers{name: name}
	node := p.Node()
	ast.Walk(&node, &v)
	return v.found
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
