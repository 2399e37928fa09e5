package workflows

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
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
}

// maxNodes bounds the size of one expression.
const maxNodes = 2000

// functions are the helpers Hookflow adds to expr's builtins.
var functions = []expr.Option{
	expr.Function("sha256", func(params ...any) (any, error) {
		s, err := stringArg("sha256", params, 0)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:]), nil
	}, new(func(string) string)),
	expr.Function("hmacSHA256", func(params ...any) (any, error) {
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
	}, new(func(key, message string) string)),
	expr.Function("urlEncode", func(params ...any) (any, error) {
		s, err := stringArg("urlEncode", params, 0)
		if err != nil {
			return nil, err
		}
		return url.QueryEscape(s), nil
	}, new(func(string) string)),
	expr.Function("uuid", func(params ...any) (any, error) {
		return newUUID(), nil
	}, new(func() string)),
	expr.Function("formatTime", func(params ...any) (any, error) {
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
	}, new(func(any, string) string), new(func(any, string, string) string)),
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

func compileOptions(extra ...expr.Option) []expr.Option {
	opts := []expr.Option{expr.Env(Env{}), expr.MaxNodes(maxNodes)}
	opts = append(opts, functions...)
	opts = append(opts, boundedBuiltins...)
	opts = append(opts, addGuard...)
	return append(opts, extra...)
}

// CompileExpr compiles an expression whose value may be anything. Errors
// from expr carry the line and column (see fieldErr); a panic inside expr's
// compiler is returned as an error.
func CompileExpr(src string) (p *vm.Program, err error) {
	defer recoverInto(&err, "compile expression")
	return expr.Compile(src, compileOptions()...)
}

// CompileBool compiles an expression that must be a boolean. Where expr's
// checker cannot know the type (payload fields are untyped), an expression
// whose last operation is arithmetic, such as payload.x + 1, is refused too.
func CompileBool(src string) (p *vm.Program, err error) {
	defer recoverInto(&err, "compile expression")
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

// Eval runs a compiled expression. Errors carry expr's line and column; a
// panic is returned as an error.
func Eval(p *vm.Program, env *Env) (v any, err error) {
	defer recoverInto(&err, "evaluate expression")
	if env == nil {
		env = &Env{}
	}
	return expr.Run(p, *env)
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
