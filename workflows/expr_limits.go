package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// MaxStringBytes caps the strings the size-multiplying builtins (repeat,
// join, toJSON) may build, so an expression over an outsider's payload
// cannot exhaust memory. expr's own memory budget already bounds ranges,
// arrays and loops.
const MaxStringBytes = 8 << 20

var errTooLarge = fmt.Errorf("result would exceed %d MiB", MaxStringBytes>>20)

// boundedBuiltins replace expr's repeat, join and toJSON with versions that
// stop at MaxStringBytes.
var boundedBuiltins = []expr.Option{
	expr.DisableBuiltin("repeat"),
	expr.Function("repeat", func(params ...any) (any, error) {
		s, err := stringArg("repeat", params, 0)
		if err != nil {
			return nil, err
		}
		n, ok := toInt(params[1])
		if !ok || n < 0 {
			return nil, errors.New("repeat: argument 2 must be a non-negative whole number")
		}
		if n > 0 && len(s) > MaxStringBytes/n {
			return nil, fmt.Errorf("repeat: %w", errTooLarge)
		}
		return strings.Repeat(s, n), nil
	}, new(func(string, int) string)),
	expr.DisableBuiltin("join"),
	expr.Function("join", func(params ...any) (any, error) {
		list, ok := params[0].([]any)
		if !ok {
			if ss, isStrings := params[0].([]string); isStrings {
				list = make([]any, len(ss))
				for i, s := range ss {
					list[i] = s
				}
			} else {
				return nil, fmt.Errorf("join: argument 1 must be an array, got %s", jsonTypeName(params[0]))
			}
		}
		sep := ""
		if len(params) > 1 {
			if sep, ok = params[1].(string); !ok {
				return nil, fmt.Errorf("join: argument 2 must be a string, got %s", jsonTypeName(params[1]))
			}
		}
		var b strings.Builder
		for i, v := range list {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("join: element %d is %s, not a string", i, jsonTypeName(v))
			}
			if b.Len()+len(sep)+len(s) > MaxStringBytes {
				return nil, fmt.Errorf("join: %w", errTooLarge)
			}
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(s)
		}
		return b.String(), nil
	}, new(func([]any) string), new(func([]any, string) string)),
	expr.DisableBuiltin("toJSON"),
	expr.Function("toJSON", func(params ...any) (any, error) {
		b := &boundedJSON{left: MaxStringBytes}
		if err := b.write(params[0], ""); err != nil {
			return nil, fmt.Errorf("toJSON: %w", err)
		}
		return b.buf.String(), nil
	}, new(func(any) string)),
}

// boundedJSON writes indented JSON like expr's toJSON, stopping as soon as
// the output passes its budget (json.Marshal would build it all first).
type boundedJSON struct {
	buf  bytes.Buffer
	left int
}

func (b *boundedJSON) put(p []byte) error {
	if len(p) > b.left {
		return errTooLarge
	}
	b.left -= len(p)
	b.buf.Write(p)
	return nil
}

func (b *boundedJSON) write(v any, indent string) error {
	inner := indent + "  "
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return b.put([]byte("{}"))
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if err := b.put([]byte("{\n")); err != nil {
			return err
		}
		for i, k := range keys {
			kb, _ := marshalNoEscape(k)
			if err := b.put([]byte(inner + string(kb) + ": ")); err != nil {
				return err
			}
			if err := b.write(x[k], inner); err != nil {
				return err
			}
			sep := ",\n"
			if i == len(keys)-1 {
				sep = "\n"
			}
			if err := b.put([]byte(sep)); err != nil {
				return err
			}
		}
		return b.put([]byte(indent + "}"))
	case []any:
		if len(x) == 0 {
			return b.put([]byte("[]"))
		}
		if err := b.put([]byte("[\n")); err != nil {
			return err
		}
		for i, e := range x {
			if err := b.put([]byte(inner)); err != nil {
				return err
			}
			if err := b.write(e, inner); err != nil {
				return err
			}
			sep := ",\n"
			if i == len(x)-1 {
				sep = "\n"
			}
			if err := b.put([]byte(sep)); err != nil {
				return err
			}
		}
		return b.put([]byte(indent + "]"))
	}
	if s, ok := v.(string); ok && len(s) > b.left {
		return errTooLarge
	}
	out, err := marshalNoEscape(v)
	if err != nil {
		return err
	}
	// Leaves of other types (structs, typed maps) are indented as a whole.
	var ind bytes.Buffer
	if json.Indent(&ind, out, indent, "  ") == nil {
		out = ind.Bytes()
	}
	return b.put(out)
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		if n == float64(int(n)) {
			return int(n), true
		}
	}
	return 0, false
}

// concatGuard routes "+" whose operands may be strings through _add, which
// refuses to build a string over MaxStringBytes (a doubling reduce would
// otherwise exhaust memory). Additions of known numbers, times and
// durations keep expr's own opcode.
type concatGuard struct{}

func (concatGuard) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok || b.Operator != "+" {
		return
	}
	if !mayBeString(b.Left.Type()) && !mayBeString(b.Right.Type()) {
		return
	}
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: "_add"},
		Arguments: []ast.Node{b.Left, b.Right},
	})
}

func mayBeString(t reflect.Type) bool {
	return t == nil || t.Kind() == reflect.Interface || t.Kind() == reflect.String
}

var addGuard = []expr.Option{
	expr.Function("_add", func(params ...any) (any, error) {
		if a, ok := params[0].(string); ok {
			if b, ok := params[1].(string); ok {
				if len(a)+len(b) > MaxStringBytes {
					return nil, fmt.Errorf("string concatenation: %w", errTooLarge)
				}
				return a + b, nil
			}
		}
		return runtime.Add(params[0], params[1]), nil
	}, new(func(any, any) any)),
	expr.Patch(concatGuard{}),
}
