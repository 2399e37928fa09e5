package workflows

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// Env is the environment an expression runs in.
type Env struct {
	// Payload is the current payload: the parsed trigger body, replaced by
	// each transform.
	Payload any `expr:"payload"`
	// Trigger describes the request or tick that started the run: method,
	// headers (lower-case names), query, body (text), received_at.
	Trigger map[string]any `expr:"trigger"`
	// Steps holds each earlier step's output by step id.
	Steps map[string]any `expr:"steps"`
	// Vars are the workflow's constants.
	Vars map[string]any `expr:"vars"`
	// Secrets are the named secrets.
	Secrets map[string]any `expr:"secrets"`
	// Run is {id, workflow, attempt}.
	Run map[string]any `expr:"run"`
	// Item and Index are, inside a for_each step's steps, the item being
	// worked on and its place in the list from 0; nil elsewhere.
	Item  any `expr:"item"`
	Index any `expr:"index"`
	// State and Response are, in a poll trigger's fields, what the last
	// poll left (state.cursor) and the API's answer ({status, headers,
	// body}); nil elsewhere.
	State    map[string]any `expr:"state"`
	Response any            `expr:"response"`

	// Budget bounds the evaluations made with this environment (see
	// Limits); nil: each evaluation gets a budget of its own.
	Budget *Budget `expr:"_budget"`
	// Tick and Keep are Budget's loop counters, set by Eval (see
	// loopGuard); callers leave them nil.
	Tick func(any) any `expr:"_tick"`
	Keep func(any) any `expr:"_keep"`

	// ResumeURL is resumeURL("STEP_ID"): the URL that resumes that wait
	// step of the run (set by the engine; nil: resumeURL fails).
	ResumeURL func(step string) (string, error) `expr:"resumeURL"`
}

// maxNodes bounds the size of one expression.
const maxNodes = 2000

// hookflowFunction is a helper Hookflow adds to expr's builtins.
type hookflowFunction struct {
	fn    func(params ...any) (any, error)
	types []any
}

// functions are the helpers Hookflow adds to expr's builtins, by name.
var functions = map[string]hookflowFunction{
	"sha256": {func(params ...any) (any, error) {
		s, err := stringArg("sha256", params, 0)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:]), nil
	}, []any{new(func(string) string)}},
	"hmacSHA256": {func(params ...any) (any, error) {
		key, err := stringArg("hmacSHA256", params, 0)
		if err != nil {
			return nil, err
		}
		msg, err := stringArg("hmacSHA256", params, 1)
		if err != nil {
			return nil, err
		}
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte(msg))
		return hex.EncodeToString(mac.Sum(nil)), nil
	}, []any{new(func(key, message string) string)}},
	"urlEncode": {func(params ...any) (any, error) {
		s, err := stringArg("urlEncode", params, 0)
		if err != nil {
			return nil, err
		}
		return url.QueryEscape(s), nil
	}, []any{new(func(string) string)}},
	"uuid": {func(params ...any) (any, error) {
		return newUUID(), nil
	}, []any{new(func() string)}},
	"formatTime": {func(params ...any) (any, error) {
		t, ok := params[0].(time.Time)
		if !ok {
			return nil, fmt.Errorf("formatTime: first argument must be a time, got %T", params[0])
		}
		layout, err := stringArg("formatTime", params, 1)
		if err != nil {
			return nil, err
		}
		if len(params) > 2 {
			zone, err := stringArg("formatTime", params, 2)
			if err != nil {
				return nil, err
			}
			loc, err := time.LoadLocation(zone)
			if err != nil {
				return nil, fmt.Errorf("formatTime: unknown time zone %q", zone)
			}
			t = t.In(loc)
		}
		return t.Format(layout), nil
	}, []any{new(func(any, string) string), new(func(any, string, string) string)}},
}

// stringArg returns the i-th argument of fn, which must be a string. The
// checker enforces that where it knows the argument's type; values from the
// payload are only known when the expression runs.
func stringArg(fn string, params []any, i int) (string, error) {
	s, ok := params[i].(string)
	if !ok {
		return "", fmt.Errorf("%s: argument %d must be a string, got %s", fn, i+1, jsonTypeName(params[i]))
	}
	return s, nil
}

// TypeName names the kind of an expression's value as a JSON user would:
// "a string", "an object"; for messages.
func TypeName(v any) string { return jsonTypeName(v) }

// jsonTypeName names the kind of an expression value as a JSON user would.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// exprOptions are the options every expression is compiled with; the
// guards (expr_guard.go) bound its work.
var exprOptions = sync.OnceValue(func() []expr.Option {
	opts := []expr.Option{expr.Env(Env{}), expr.MaxNodes(maxNodes)}
	for name, f := range functions {
		if !boundedNames[name] {
			opts = append(opts, expr.Function(name, f.fn, f.types...))
		}
	}
	opts = append(opts, boundedOptions(functions)...)
	opts = append(opts, operatorFunctions...)
	return append(opts, expr.Patch(budgetArgs{}), expr.Patch(loopGuard{}), expr.Patch(operatorGuard{}))
})

func compileOptions(extra ...expr.Option) []expr.Option {
	return append(append([]expr.Option(nil), exprOptions()...), extra...)
}

// CompileExpr compiles an expression whose value may be anything. Errors
// from expr carry the line and column (see fieldErr); a panic inside expr's
// compiler is returned as an error.
func CompileExpr(src string) (p *vm.Program, err error) {
	defer recoverInto(&err, "compile expression")
	if err := check(src); err != nil {
		return nil, err
	}
	return expr.Compile(src, compileOptions()...)
}

// check runs expr's checker on an expression as written, before the guards
// rewrite it (expr_guard.go): a name that means nothing, or a function
// called with the wrong arguments, is refused with expr's own message.
// The guards' rewriting would otherwise hide some such mistakes from it.
func check(src string) error {
	_, err := expr.Compile(src, checkOptions()...)
	return err
}

// checkOptions are expr's builtins as they are and Hookflow's functions
// without their budget: the names and types an expression is written with.
var checkOptions = sync.OnceValue(func() []expr.Option {
	opts := []expr.Option{expr.Env(Env{}), expr.MaxNodes(maxNodes)}
	for name, f := range functions {
		opts = append(opts, expr.Function(name, f.fn, f.types...))
	}
	return opts
})

// CompileBool compiles an expression that must be a boolean. Where expr's
// checker cannot know the type (payload fields are untyped), an expression
// whose last operation is arithmetic, such as payload.x + 1, is refused too.
func CompileBool(src string) (p *vm.Program, err error) {
	defer recoverInto(&err, "compile expression")
	if err := check(src); err != nil {
		return nil, err
	}
	p, err = expr.Compile(src, compileOptions(expr.AsBool())...)
	if err != nil {
		return nil, err
	}
	if n, op := nonBoolean(p.Node()); n != nil {
		xe := &file.Error{Location: n.Location(), Message: fmt.Sprintf("expected bool, but %q never gives one", op)}
		return nil, xe.Bind(p.Source())
	}
	return p, nil
}

// nonBoolean returns the node, and its operator, of an expression that can
// only give a number, string, array or range where a boolean is wanted.
func nonBoolean(n ast.Node) (ast.Node, string) {
	switch n := n.(type) {
	case *ast.BinaryNode:
		switch n.Operator {
		case "+", "-", "*", "/", "%", "**", "^", "..":
			return n, n.Operator
		}
	case *ast.UnaryNode:
		switch n.Operator {
		case "-", "+":
			return n, n.Operator
		}
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && id.Value == "_add" {
			return n, "+" // a "+" routed through the concatenation guard
		}
	case *ast.ConditionalNode:
		if m, op := nonBoolean(n.Exp1); m != nil {
			return m, op
		}
		return nonBoolean(n.Exp2)
	}
	return nil, ""
}

// Eval runs a compiled expression within env's Budget (a new one if it has
// none): an evaluation past the budget's limits, or a value larger than
// the memory limit, is an error wrapping ErrLimit. Errors carry expr's
// line and column; a panic is returned as an error.
func Eval(p *vm.Program, env *Env) (v any, err error) { return evalSized(p, env, true) }

// EvalList is Eval for an expression giving a list a step goes through
// item by item (a loop's items): the list's own size is not held to the
// memory limit, as it is neither recorded nor sent whole (the step bounds
// its length); what the expression builds still is.
func EvalList(p *vm.Program, env *Env) (v any, err error) { return evalSized(p, env, false) }

func evalSized(p *vm.Program, env *Env, sized bool) (v any, err error) {
	defer recoverInto(&err, "evaluate expression")
	var e Env
	if env != nil {
		e = *env
	}
	if e.Budget == nil {
		e.Budget = NewBudget(context.Background())
	}
	e.Tick, e.Keep = e.Budget.tick, e.Budget.keep
	if v, err = expr.Run(p, e); err != nil {
		return nil, vmLimitError(err)
	}
	if !sized {
		return v, nil
	}
	if err := e.Budget.fits(v); err != nil {
		return nil, err
	}
	return v, nil
}

// EvalBool runs a compiled boolean expression.
func EvalBool(p *vm.Program, env *Env) (bool, error) {
	v, err := Eval(p, env)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("expression gave %s, want a boolean", jsonTypeName(v))
	}
	return b, nil
}

// recoverInto turns a panic into an error, for deferred use: expr is a
// large library fed with user input, and one bad expression must not take
// the server down.
func recoverInto(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: internal error in expr: %v", what, r)
	}
}

// vmLimitError words the error of expr's own memory budget (the elements
// of the lists and maps an evaluation makes) as Hookflow's limits are.
func vmLimitError(err error) error {
	var fe *file.Error
	if errors.As(err, &fe) && fe.Message == "memory budget exceeded" && fe.Unwrap() == nil {
		fe.Message = fmt.Sprintf("%v: it built lists and maps of more than %d elements in all (the expression memory limit)", ErrLimit, conf.DefaultMemoryBudget)
		fe.Wrap(ErrLimit)
	}
	return err
}
