package workflows

import (
	"fmt"
	"reflect"
	"regexp"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// The guards below rewrite a compiled expression so that its work is
// counted against the Budget it runs with. expr's VM cannot be interrupted
// from outside, so the expression interrupts itself: every loop body calls
// back into the budget, which ends the evaluation (a panic the VM turns
// into an error) when time, iterations or memory run out.

// budgetIdent names the Budget in the environment (Env.Budget).
const budgetIdent = "_budget"

func budgetNode() ast.Node { return &ast.IdentifierNode{Value: budgetIdent} }

// budgetArgs hands the budget to the bounded builtins as their first
// argument: the expression says replace(s, a, b), the program calls
// replace(_budget, s, a, b).
type budgetArgs struct{}

func (budgetArgs) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || !boundedNames[id.Value] {
		return
	}
	if len(call.Arguments) > 0 {
		if first, ok := call.Arguments[0].(*ast.IdentifierNode); ok && first.Value == budgetIdent {
			return
		}
	}
	ast.Patch(node, &ast.CallNode{
		Callee:    call.Callee,
		Arguments: append([]ast.Node{budgetNode()}, call.Arguments...),
	})
}

// loopCounters name the budget's loop hooks in the environment (Env.Tick,
// Env.Keep): keep is for loops that keep a value per iteration.
var loopCounters = map[string]string{
	"all": "_tick", "none": "_tick", "any": "_tick", "one": "_tick",
	"find": "_tick", "findIndex": "_tick", "findLast": "_tick", "findLastIndex": "_tick",
	"count": "_tick", "sum": "_tick", "reduce": "_tick",
	"map": "_keep", "filter": "_keep", "groupBy": "_keep", "sortBy": "_keep",
}

// loopGuard makes every loop body count its iterations: map(xs, f(#))
// runs as map(xs, _keep(f(#))). The hooks are plain functions held in the
// environment, which the VM calls without building an argument list: a
// builtin called with the budget would cost more than many loop bodies.
type loopGuard struct{}

func (loopGuard) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BuiltinNode)
	if !ok {
		return
	}
	if b.Name == "count" && len(b.Arguments) == 1 {
		// count(list) without a condition counts the items (the
		// formatter), where expr's would count those that are true.
		ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: "_count"}, Arguments: b.Arguments})
		return
	}
	hook, ok := loopCounters[b.Name]
	if !ok {
		return
	}
	for _, a := range b.Arguments {
		p, ok := a.(*ast.PredicateNode)
		if !ok {
			continue
		}
		if c, ok := p.Node.(*ast.CallNode); ok {
			if id, ok := c.Callee.(*ast.IdentifierNode); ok && (id.Value == "_tick" || id.Value == "_keep") {
				continue
			}
		}
		ast.Patch(&p.Node, &ast.CallNode{
			Callee:    &ast.IdentifierNode{Value: hook},
			Arguments: []ast.Node{p.Node},
		})
	}
}

// operatorGuard routes the operators that may build or walk large values
// through the budget: "+" on what may be strings (a doubling reduce would
// otherwise build gigabytes), "==", "!=" and "in" on what may be lists or
// maps (comparing two lists that each hold one list twice, thirty levels
// deep, takes a billion steps), and "matches" with a pattern that is not
// written in the expression (a pattern from the payload). Operators on
// values known to be numbers, times or other simple values keep expr's
// own opcodes.
type operatorGuard struct{}

func (operatorGuard) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok {
		return
	}
	var fn string
	if b.Operator != "+" && (b.Left.Type() == nil || b.Right.Type() == nil) {
		return // a side the checker could not type is an error it reports as it is
	}
	switch b.Operator {
	case "+":
		if mayBeString(b.Left.Type()) || mayBeString(b.Right.Type()) {
			fn = "_add"
		}
	case "==", "!=":
		if mayBeComposite(b.Left.Type()) && mayBeComposite(b.Right.Type()) {
			fn = "_equal"
		}
	case "in", "not in":
		if mayBeComposite(b.Left.Type()) {
			fn = "_in"
		}
	case "matches":
		if _, constant := b.Right.(*ast.StringNode); !constant {
			fn = "_matches"
		}
	}
	if fn == "" {
		return
	}
	var call ast.Node = &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: fn},
		Arguments: []ast.Node{budgetNode(), b.Left, b.Right},
	}
	if b.Operator == "!=" || b.Operator == "not in" {
		call = &ast.UnaryNode{Operator: "!", Node: call}
	}
	ast.Patch(node, call)
}

func mayBeString(t reflect.Type) bool {
	return t == nil || t.Kind() == reflect.Interface || t.Kind() == reflect.String
}

func mayBeComposite(t reflect.Type) bool {
	if t == nil {
		return true
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Slice, reflect.Array, reflect.Map:
		return true
	}
	return false
}

// operatorFunctions implement what operatorGuard routes.
var operatorFunctions = []expr.Option{
	expr.Function("_add", func(params ...any) (any, error) {
		budget := params[0].(*Budget)
		if a, ok := params[1].(string); ok {
			if b, ok := params[2].(string); ok {
				if err := budget.charge(len(a) + len(b) + elemBytes); err != nil {
					return nil, err
				}
				return a + b, nil
			}
		}
		return runtime.Add(params[1], params[2]), nil
	}, new(func(*Budget, any, any) any)),
	expr.Function("_equal", func(params ...any) (any, error) {
		if err := walkable(params[0].(*Budget), params[1:]); err != nil {
			return nil, err
		}
		return runtime.Equal(params[1], params[2]), nil
	}, new(func(*Budget, any, any) bool)),
	expr.Function("_matches", matchPattern, new(func(*Budget, any, any) bool)),
	expr.Function("_in", func(params ...any) (any, error) {
		if err := walkable(params[0].(*Budget), params[1:]); err != nil {
			return nil, err
		}
		return runtime.In(params[1], params[2]), nil
	}, new(func(*Budget, any, any) bool)),
}

// maxPatternBytes bounds a regular expression taken from data: matching
// takes time in proportion to the text times the pattern.
const maxPatternBytes = 256

func matchPattern(params ...any) (any, error) {
	budget := params[0].(*Budget)
	text, ok := params[1].(string)
	if !ok || params[2] == nil {
		return false, nil
	}
	pattern, ok := params[2].(string)
	if !ok {
		return nil, fmt.Errorf("matches: the pattern is %s, not a string", jsonTypeName(params[2]))
	}
	if len(pattern) > maxPatternBytes {
		return nil, fmt.Errorf("%w: a pattern taken from data may be at most %d bytes long, this one is %d", ErrLimit, maxPatternBytes, len(pattern))
	}
	if err := budget.every(); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("matches: %w", err)
	}
	return re.MatchString(text), nil
}

// walkable checks that values are small enough to walk: no larger, fully
// unfolded, than the memory limit.
func walkable(budget *Budget, values []any) error {
	n, err := walked(0)(values, budget.limits.MaxBytes)
	if err != nil {
		return err
	}
	if n > budget.limits.MaxBytes {
		return budget.tooLarge()
	}
	return budget.every()
}
