package workflows

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
)

// Every builtin that builds a string, list or map, or walks a nested value,
// is replaced by the same builtin with a Budget as a hidden first argument
// (budgetArgs adds it where the expression calls it): before doing its work
// it charges what it will build, or checks the size of what it will walk,
// so an expression cannot make a 30 GB string out of an 860 KB payload,
// nor walk a list that holds itself twenty times over.

// sizer says what a call will build, in bytes, from its arguments, before
// it runs. It may walk them (bounded by max, what the budget has left).
type sizer func(args []any, max int) (int, error)

// boundedBuiltin is one of expr's builtins, or Hookflow's own function,
// under a budget.
type boundedBuiltin struct {
	name string
	// size is charged before the call (nil: nothing is known before).
	size sizer
	// after charges the result once made, where the result is no larger
	// than a small multiple of what the arguments hold (nil: nothing).
	after bool
	// fn replaces expr's implementation (nil: expr's own is called).
	fn func(args ...any) (any, error)
	// types are fn's signatures, without the budget (nil: expr's own).
	types []any
}

var contextType = reflect.TypeOf((*context.Context)(nil)).Elem()

// stringLen is the size of a string made from the i-th argument's length
// times num/den.
func stringLen(i, num, den int) sizer {
	return func(args []any, _ int) (int, error) {
		s, _ := args[i].(string)
		return len(s)*num/den + elemBytes, nil
	}
}

// walked is the size of the arguments from the i-th on, walked.
func walked(i int) sizer {
	return func(args []any, max int) (int, error) {
		n := 0
		for _, a := range args[i:] {
			m, err := dataBytes(a, max-n)
			if err != nil {
				return 0, err
			}
			if n += m; n > max {
				break
			}
		}
		return n, nil
	}
}

// listLen is the size of a list as long as the i-th argument (a list or a
// map), each element per bytes.
func listLen(i, per int) sizer {
	return func(args []any, _ int) (int, error) {
		return 24 + lengthOf(args[i])*per, nil
	}
}

func lengthOf(v any) int {
	switch x := v.(type) {
	case []any:
		return len(x)
	case map[string]any:
		return len(x)
	case string:
		return len(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return rv.Len()
	}
	return 0
}

var boundedBuiltins = []boundedBuiltin{
	{name: "repeat", size: func(args []any, max int) (int, error) {
		s, _ := args[0].(string)
		n, ok := toInt(args[1])
		if !ok || n < 0 {
			return 0, errors.New("repeat: argument 2 must be a non-negative whole number")
		}
		if n > 0 && len(s) > max/n {
			return max + 1, nil
		}
		return len(s) * n, nil
	}, fn: func(args ...any) (any, error) {
		n, _ := toInt(args[1])
		return strings.Repeat(args[0].(string), n), nil
	}, types: []any{new(func(string, int) string)}},
	{name: "replace", size: func(args []any, _ int) (int, error) {
		s, old, repl := args[0].(string), args[1].(string), args[2].(string)
		n := strings.Count(s, old)
		if len(args) > 3 {
			if limit, ok := toInt(args[3]); ok && limit >= 0 && limit < n {
				n = limit
			}
		}
		return len(s) + n*(len(repl)-len(old)) + elemBytes, nil
	}},
	{name: "join", size: func(args []any, _ int) (int, error) {
		list, err := stringList("join", args[0])
		if err != nil {
			return 0, err
		}
		sep := ""
		if len(args) > 1 {
			sep, _ = args[1].(string)
		}
		n := len(sep) * max(len(list)-1, 0)
		for _, s := range list {
			n += len(s)
		}
		return n + elemBytes, nil
	}, fn: func(args ...any) (any, error) {
		list, err := stringList("join", args[0])
		if err != nil {
			return nil, err
		}
		sep := ""
		if len(args) > 1 {
			sep, _ = args[1].(string)
		}
		return strings.Join(list, sep), nil
	}, types: []any{new(func([]any) string), new(func([]any, string) string), new(func([]string) string), new(func([]string, string) string)}},
	{name: "split", size: splitSize},
	{name: "splitAfter", size: splitSize},
	// Case mapping may make a string up to half as long again.
	{name: "upper", size: stringLen(0, 3, 2)},
	{name: "lower", size: stringLen(0, 3, 2)},
	{name: "toBase64", size: stringLen(0, 4, 3)},
	{name: "fromBase64", size: stringLen(0, 3, 4)},
	// fromJSON's value takes more memory than its text; its text is
	// charged first, then the value.
	{name: "fromJSON", size: stringLen(0, 1, 1), after: true},
	{name: "string", size: walked(0)},
	{name: "concat", size: func(args []any, _ int) (int, error) {
		n := 24
		for _, a := range args {
			n += lengthOf(a) * elemBytes
		}
		return n, nil
	}},
	{name: "flatten", size: walked(0)},
	{name: "uniq", size: listLen(0, elemBytes)},
	{name: "reverse", size: listLen(0, elemBytes)},
	{name: "sort", size: listLen(0, elemBytes)},
	{name: "keys", size: listLen(0, elemBytes)},
	{name: "values", size: listLen(0, elemBytes)},
	{name: "toPairs", size: listLen(0, 2*elemBytes+24)},
	{name: "fromPairs", size: listLen(0, entryBytes)},
	{name: "take", size: listLen(0, elemBytes)},
	// These walk nested lists and build nothing: the walk is bounded.
	{name: "max", size: walkOnly},
	{name: "min", size: walkOnly},
	{name: "mean", size: walkOnly},
	{name: "median", size: walkOnly},
	{name: "toJSON", fn: nil, types: []any{new(func(any) string)}}, // see boundedToJSON
	// Hookflow's own functions (expr.go).
	{name: "sha256", size: constSize(64)},
	{name: "hmacSHA256", size: constSize(64)},
	{name: "urlEncode", size: stringLen(0, 3, 1)},
	{name: "formatTime", after: true},
	{name: "formatNumber", after: true},
	{name: "formatMoney", after: true},
	{name: "formatDate", after: true},
	{name: "truncate", after: true},
	{name: "titleCase", size: stringLen(0, 3, 2)},
	{name: "slugify", size: stringLen(0, 3, 2)},
	{name: "pick", after: true},
	{name: "omit", after: true},
}

// walkOnly checks that the arguments, fully unfolded, are within what the
// budget has left, and charges nothing: the function builds nothing.
func walkOnly(args []any, max int) (int, error) {
	n, err := walked(0)(args, max)
	if err != nil || n > max {
		return n, err // more than max: the charge refuses it
	}
	return 0, nil
}

func constSize(n int) sizer {
	return func([]any, int) (int, error) { return n + elemBytes, nil }
}

// splitSize is the list split or splitAfter makes: one element per piece
// (the pieces share the string's bytes).
func splitSize(args []any, _ int) (int, error) {
	s, sep := args[0].(string), args[1].(string)
	n := strings.Count(s, sep) + 1
	if sep == "" {
		n = utf8.RuneCountInString(s)
	}
	if len(args) > 2 {
		if limit, ok := toInt(args[2]); ok && limit >= 0 && limit < n {
			n = limit
		}
	}
	return 24 + n*elemBytes, nil
}

// stringList reads join's list.
func stringList(fn string, v any) ([]string, error) {
	switch x := v.(type) {
	case []string:
		return x, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s: element %d is %s, not a string", fn, i, jsonTypeName(e))
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: argument 1 must be an array, got %s", fn, jsonTypeName(v))
}

// boundedNames are the functions that take the budget as first argument.
var boundedNames = func() map[string]bool {
	m := map[string]bool{}
	for _, b := range boundedBuiltins {
		m[b.name] = true
	}
	return m
}()

// boundedOptions installs the bounded builtins. Hookflow's own functions
// (fns, by name) are wrapped the same way.
func boundedOptions(fns map[string]hookflowFunction) []expr.Option {
	var opts []expr.Option
	for _, b := range boundedBuiltins {
		call, types, validate := b.fn, b.types, (func([]reflect.Type) (reflect.Type, error))(nil)
		if b.name == "toJSON" {
			call = nil // needs the budget itself
		} else if f, ok := fns[b.name]; ok {
			call, types = f.fn, f.types
		} else if call == nil {
			orig := builtin.Builtins[builtin.Index[b.name]]
			call, validate = builtinCall(orig), orig.Validate
			for _, t := range orig.Types {
				types = append(types, t)
			}
		}
		bb := b
		wrapped := func(args ...any) (any, error) {
			budget := args[0].(*Budget)
			args = args[1:]
			if bb.name == "toJSON" {
				return boundedToJSON(budget, args[0])
			}
			if bb.size != nil {
				n, err := bb.size(args, budget.left())
				if err != nil {
					return nil, err
				}
				if err := budget.charge(n); err != nil {
					return nil, err
				}
			} else if err := budget.every(); err != nil {
				return nil, err
			}
			v, err := call(args...)
			if err != nil || !bb.after {
				return v, err
			}
			n, err := dataBytes(v, budget.left())
			if err == nil {
				err = budget.charge(n)
			}
			if err != nil {
				return nil, err
			}
			return v, nil
		}
		fn := &builtin.Function{Name: b.name, Func: wrapped}
		for _, t := range types {
			fn.Types = append(fn.Types, withContext(t))
		}
		if validate != nil {
			fn.Types = nil
			fn.Validate = func(args []reflect.Type) (reflect.Type, error) {
				if len(args) == 0 {
					return validate(args)
				}
				return validate(args[1:])
			}
		}
		opts = append(opts, expr.DisableBuiltin(b.name), func(c *conf.Config) { c.Functions[fn.Name] = fn })
	}
	return opts
}

// builtinCall calls an expr builtin however it is implemented.
func builtinCall(f *builtin.Function) func(args ...any) (any, error) {
	switch {
	case f.Func != nil:
		return f.Func
	case f.Fast != nil:
		return func(args ...any) (any, error) { return f.Fast(args[0]), nil }
	case f.Safe != nil:
		return func(args ...any) (any, error) {
			v, _, err := f.Safe(args...)
			return v, err
		}
	}
	panic("expr builtin " + f.Name + " has no implementation")
}

// withContext is a function type with a context.Context put first.
func withContext(t any) reflect.Type {
	ft, ok := t.(reflect.Type)
	if !ok {
		ft = reflect.TypeOf(t)
	}
	if ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	in := []reflect.Type{contextType}
	for i := 0; i < ft.NumIn(); i++ {
		in = append(in, ft.In(i))
	}
	out := make([]reflect.Type, ft.NumOut())
	for i := range out {
		out[i] = ft.Out(i)
	}
	return reflect.FuncOf(in, out, ft.IsVariadic())
}

// boundedToJSON writes indented JSON like expr's toJSON, charging the
// budget as it goes and stopping as soon as the budget is spent
// (json.Marshal would build it all first).
func boundedToJSON(budget *Budget, v any) (any, error) {
	b := &boundedJSON{budget: budget}
	if err := b.write(v, "", 0); err != nil {
		return nil, fmt.Errorf("toJSON: %w", err)
	}
	return b.buf.String(), nil
}

type boundedJSON struct {
	buf    bytes.Buffer
	budget *Budget
}

func (b *boundedJSON) put(p []byte) error {
	if err := b.budget.charge(len(p)); err != nil {
		return err
	}
	b.buf.Write(p)
	return nil
}

func (b *boundedJSON) write(v any, indent string, depth int) error {
	if depth > maxValueDepth {
		return errTooDeep
	}
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
			if err := b.write(x[k], inner, depth+1); err != nil {
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
			if err := b.write(e, inner, depth+1); err != nil {
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
	n, err := dataBytes(v, b.budget.left())
	if err != nil {
		return err
	}
	if err := b.budget.charge(n); err != nil {
		return err
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
	b.buf.Write(out)
	return nil
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
