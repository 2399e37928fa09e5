package workflows

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/vm"
)

// A condition says when something holds: an expression giving true or
// false, or, for people who do not write expressions, a match object of
// rules, each a field, an operator and a value:
//
//	{"all": [{"field": "payload.type", "op": "eq", "value": "payment.succeeded"},
//	         {"any": [{"field": "payload.data.amount", "op": "gt", "value": 10000},
//	                  {"field": "payload.vip", "op": "is_true"}]}]}
//
// A match object is compiled, when the workflow is saved, into one
// expression (so it runs as fast as one written by hand), and each of its
// rules into one more, run only to say which rule failed and what value it
// saw ("payload.data.amount gt 10000: was 5000").

// Condition is an expression or a match object.
type Condition struct {
	// Expr is the expression, where the condition is one.
	Expr string
	// Match is the match object, where the condition is one.
	Match *Match
}

// IsZero reports an empty condition (none given).
func (c Condition) IsZero() bool { return c.Expr == "" && c.Match == nil }

// MarshalJSON writes the expression as a string, the match as an object.
func (c Condition) MarshalJSON() ([]byte, error) {
	if c.Match != nil {
		return marshalNoEscape(c.Match)
	}
	return marshalNoEscape(c.Expr)
}

// UnmarshalJSON reads a string (an expression) or an object (a match).
func (c *Condition) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '{' {
		m := &Match{}
		if err := strictDecode(data, m); err != nil {
			return strictError(data, reflect.TypeFor[Match](), err)
		}
		*c = Condition{Match: m}
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	*c = Condition{Expr: s}
	return nil
}

// Match is a group of rules ("all" must hold, or "any" may) or one rule.
type Match struct {
	All []Match `json:"all,omitempty"`
	Any []Match `json:"any,omitempty"`
	// Field is a path into payload, trigger, steps or vars (item and index
	// inside a for_each step's steps):
	// "payload.data.amount", "trigger.headers.x-kind", "payload.items[0].sku".
	Field string `json:"field,omitempty"`
	// Op is one of MatchOps.
	Op string `json:"op,omitempty"`
	// Value is a JSON value, or a string with {{ }} parts (a template).
	Value json.RawMessage `json:"value,omitempty"`
}

// MatchOps are the operators of a rule, with whether they take a value.
var MatchOps = []struct {
	Op, Label string
	Value     bool
}{
	{"eq", "is", true}, {"ne", "is not", true},
	{"gt", "is greater than", true}, {"gte", "is at least", true},
	{"lt", "is less than", true}, {"lte", "is at most", true},
	{"contains", "contains", true}, {"not_contains", "does not contain", true},
	{"starts_with", "starts with", true}, {"ends_with", "ends with", true},
	{"matches", "matches the pattern", true},
	{"in", "is one of", true}, {"not_in", "is none of", true},
	{"exists", "exists", false}, {"not_exists", "does not exist", false},
	{"is_empty", "is empty", false}, {"not_empty", "is not empty", false},
	{"is_true", "is true", false}, {"is_false", "is false", false},
	{"before", "is before", true}, {"after", "is after", true},
}

func matchOp(op string) (takesValue, ok bool) {
	for _, o := range MatchOps {
		if o.Op == op {
			return o.Value, true
		}
	}
	return false, false
}

// fieldRoots are what a rule's field may start with.
var fieldRoots = []string{"payload", "trigger", "steps", "vars", "item", "index"}

// CompiledCondition is a condition ready to run.
type CompiledCondition struct {
	program *vm.Program
	// rules are a match's rules, each compiled alone, to explain a false.
	rules []compiledRule
}

type compiledRule struct {
	text  string      // "payload.data.amount gt 10000"
	rule  *vm.Program // the rule alone
	field *vm.Program // its field's value
}

// Eval runs the condition.
func (c *CompiledCondition) Eval(env *Env) (bool, error) { return EvalBool(c.program, env) }

// Explain says why the condition is false: the first of a match's rules
// that does not hold, and the value it saw; an expression's source.
func (c *CompiledCondition) Explain(env *Env) string {
	for _, r := range c.rules {
		ok, err := EvalBool(r.rule, env)
		if err != nil || ok {
			continue
		}
		if r.field == nil {
			return r.text
		}
		v, err := Eval(r.field, env)
		if err != nil {
			return r.text
		}
		return r.text + ": was " + explainValue(v)
	}
	if len(c.rules) > 0 {
		return "none of the rules held"
	}
	return c.program.Source().String() + " was false"
}

// explainValue shows a value the way a rule's value is written.
func explainValue(v any) string {
	if v == nil {
		return "missing"
	}
	b, err := marshalNoEscape(v)
	if err != nil || len(b) > 200 {
		s := Stringify(v)
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		return s
	}
	return string(b)
}

// Condition compiles a condition at field.
func (b *build) Condition(field string, c Condition) (*CompiledCondition, error) {
	if c.Match == nil {
		p, err := b.BoolExpr(field, c.Expr)
		if err != nil {
			return nil, err
		}
		return &CompiledCondition{program: p}, nil
	}
	src, rules, err := b.matchSource(field, c.Match, true)
	if err != nil {
		return nil, err
	}
	p, err := CompileBool(src)
	if err != nil {
		return nil, b.Errorf(field, "%v", err) // a bug in matchSource, not the user's
	}
	b.programs = append(b.programs, p)
	return &CompiledCondition{program: p, rules: rules}, nil
}

// matchSource writes a match as an expression, and compiles each rule.
func (b *build) matchSource(field string, m *Match, top bool) (string, []compiledRule, error) {
	group, list := "", m.All
	switch {
	case len(m.All) > 0 && len(m.Any) > 0:
		return "", nil, b.Errorf(field, "give all or any, not both (nest a group in the other)")
	case len(m.All) > 0:
		group = " && "
	case len(m.Any) > 0:
		group, list = " || ", m.Any
	}
	if group != "" {
		if m.Field != "" || m.Op != "" || len(m.Value) > 0 {
			return "", nil, b.Errorf(field, "a group has all or any, not field, op or value")
		}
		var parts []string
		var rules []compiledRule
		for i := range list {
			at := fmt.Sprintf("%s.%s[%d]", field, map[string]string{" && ": "all", " || ": "any"}[group], i)
			src, rs, err := b.matchSource(at, &list[i], false)
			if err != nil {
				return "", nil, err
			}
			parts = append(parts, "("+src+")")
			if group == " && " || top {
				rules = append(rules, rs...)
			}
		}
		if group == " || " && !top {
			// An any inside an all fails as a whole: explain it as one.
			src := strings.Join(parts, group)
			p, f, err := b.ruleProgram(src, "")
			if err != nil {
				return "", nil, err
			}
			rules = []compiledRule{{text: "none of " + anyText(list), rule: p, field: f}}
		}
		return strings.Join(parts, group), rules, nil
	}
	if m.Field == "" {
		return "", nil, b.Errorf(field, "a rule needs a field (or a group needs all or any)")
	}
	takesValue, ok := matchOp(m.Op)
	if !ok {
		var ops []string
		for _, o := range MatchOps {
			ops = append(ops, o.Op)
		}
		if m.Op == "" {
			return "", nil, b.Errorf(field+".op", "is required (%s)", typeList(ops))
		}
		return "", nil, b.Errorf(field+".op", "unknown operator %q (%s)", m.Op, typeList(ops))
	}
	fieldSrc, err := fieldExpr(m.Field)
	if err != nil {
		return "", nil, b.Errorf(field+".field", "%v", err)
	}
	valueSrc := "nil"
	if takesValue {
		if len(m.Value) == 0 {
			return "", nil, b.Errorf(field+".value", "is required for %s", m.Op)
		}
		if valueSrc, err = b.valueExpr(field+".value", m.Value); err != nil {
			return "", nil, err
		}
		if m.Op == "matches" {
			var pattern string
			if json.Unmarshal(m.Value, &pattern) == nil && !strings.Contains(pattern, "{{") {
				if _, err := regexp.Compile(pattern); err != nil {
					return "", nil, b.Errorf(field+".value", "not a pattern: %v", err)
				}
			}
		}
		if (m.Op == "in" || m.Op == "not_in") && !bytes.HasPrefix(bytes.TrimSpace(m.Value), []byte("[")) {
			return "", nil, b.Errorf(field+".value", "%s needs a list of values, such as [\"a\", \"b\"]", m.Op)
		}
	} else if len(m.Value) > 0 {
		return "", nil, b.Errorf(field+".value", "%s takes no value", m.Op)
	}
	src := fmt.Sprintf("_rule(%s, %s, %s)", strconv.Quote(m.Op), fieldSrc, valueSrc)
	p, f, err := b.ruleProgram(src, fieldSrc)
	if err != nil {
		return "", nil, err
	}
	text := m.Field + " " + m.Op
	if takesValue {
		text += " " + string(bytes.TrimSpace(m.Value))
	}
	return src, []compiledRule{{text: text, rule: p, field: f}}, nil
}

// ruleProgram compiles a rule, and the value it explains a false with.
func (b *build) ruleProgram(src, fieldSrc string) (*vm.Program, *vm.Program, error) {
	p, err := CompileBool(src)
	if err != nil {
		return nil, nil, fmt.Errorf("compile rule %s: %w", src, err)
	}
	if fieldSrc == "" {
		return p, nil, nil // a group: it has no one value to show
	}
	f, err := CompileExpr(fieldSrc)
	if err != nil {
		return nil, nil, fmt.Errorf("compile field %s: %w", fieldSrc, err)
	}
	return p, f, nil
}

func anyText(list []Match) string {
	var out []string
	for _, m := range list {
		if m.Field != "" {
			out = append(out, m.Field+" "+m.Op)
		} else {
			out = append(out, "a group")
		}
	}
	return strings.Join(out, ", ")
}

// fieldExpr writes a field path as an expression that gives nil, not an
// error, where a part is missing: "payload.data.amount" is
// _path(payload, "data", "amount").
func fieldExpr(path string) (string, error) {
	parts, err := splitFieldPath(path)
	if err != nil {
		return "", err
	}
	root := parts[0]
	known := false
	for _, r := range fieldRoots {
		known = known || r == root
	}
	if !known {
		return "", fmt.Errorf("must start with %s, got %q", typeList(fieldRoots), root)
	}
	if len(parts) == 1 {
		return root, nil
	}
	args := []string{root}
	for _, p := range parts[1:] {
		if isIndex(p) {
			args = append(args, p) // an index
			continue
		}
		args = append(args, strconv.Quote(strings.TrimPrefix(p, "#")))
	}
	return "_path(" + strings.Join(args, ", ") + ")", nil
}

// splitFieldPath splits "payload.items[0].sku" into payload, items, 0,
// sku; an index is kept as digits, a key that is all digits as "#12".
func splitFieldPath(path string) ([]string, error) {
	if strings.TrimSpace(path) != path || path == "" {
		return nil, fmt.Errorf("not a field path: %q", path)
	}
	var out []string
	for _, seg := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(seg, "[")
		if key == "" && len(out) == 0 {
			return nil, fmt.Errorf("not a field path: %q", path)
		}
		if key != "" {
			if isIndex(key) {
				key = "#" + key // a key of digits, not an index
			}
			out = append(out, key)
		}
		for rest != "" {
			idx, tail, ok := strings.Cut(rest, "]")
			if !ok || !isIndex(idx) || (tail != "" && !strings.HasPrefix(tail, "[")) {
				return nil, fmt.Errorf("not a field path: %q (an index is a number in brackets, as in items[0])", path)
			}
			out = append(out, idx)
			rest = strings.TrimPrefix(tail, "[")
		}
	}
	return out, nil
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// valueExpr writes a rule's value as an expression: a JSON value as a
// literal, a string with {{ }} parts as its template (one {{ }} keeps its
// value's type).
func (b *build) valueExpr(field string, raw json.RawMessage) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", b.Errorf(field, "not a JSON value: %v", err)
	}
	if s, ok := v.(string); ok && strings.Contains(s, "{{") {
		t, err := b.Template(field, s)
		if err != nil {
			return "", err
		}
		return templateExpr(t), nil
	}
	return literalExpr(v), nil
}

// templateExpr writes a template as one expression.
func templateExpr(t *Template) string {
	if len(t.parts) == 1 && t.parts[0].program != nil {
		return "(" + t.parts[0].program.Source().String() + ")"
	}
	var parts []string
	for _, p := range t.parts {
		if p.program == nil {
			parts = append(parts, strconv.Quote(p.literal))
		} else {
			parts = append(parts, "_text("+p.program.Source().String()+")")
		}
	}
	return "(" + strings.Join(parts, " + ") + ")"
}

// literalExpr writes a JSON value as an expr literal.
func literalExpr(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return x.String()
		}
		f, _ := x.Float64()
		return strconv.FormatFloat(f, 'g', -1, 64)
	case string:
		return strconv.Quote(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = literalExpr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ": " + literalExpr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "nil"
}
