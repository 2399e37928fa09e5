package workflows

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/expr-lang/expr/vm"
)

// A mapping builds an object field by field, the way a person fills in a
// form: each value is text with {{ }} parts (a template), or a plain JSON
// value. A value that is exactly one {{ }} keeps its type (a number stays
// a number); a dotted key ("customer.email") makes nested objects.
//
//	{"text": "{{ payload.name }} paid {{ formatMoney(payload.amount, payload.currency) }}",
//	 "order.id": "{{ payload.id }}", "order.total": "{{ payload.amount }}"}

// Mapping is an object of templates, in the order it was written.
type Mapping struct {
	Fields []MappingField
}

// MappingField is one key of a mapping and its value.
type MappingField struct {
	Key   string
	Value json.RawMessage
}

// MarshalJSON writes the mapping as an object, in its order.
func (m Mapping) MarshalJSON() ([]byte, error) {
	fields := make([]rawField, len(m.Fields))
	for i, f := range m.Fields {
		fields[i] = rawField{f.Key, f.Value}
	}
	return writeFields(fields)
}

// UnmarshalJSON reads an object, keeping its order.
func (m *Mapping) UnmarshalJSON(data []byte) error {
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return &json.UnmarshalTypeError{Value: "non-object", Type: mappingType}
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return err
	}
	var head struct{}
	raw, err := readRaw(data, &head)
	if err != nil {
		return err
	}
	m.Fields = make([]MappingField, len(raw))
	for i, f := range raw {
		m.Fields[i] = MappingField{Key: f.name, Value: f.value}
	}
	return nil
}

// Body is what a step sends or answers: an expression (a string), or a
// mapping (an object).
type Body struct {
	Expr    string
	Mapping *Mapping
}

// IsZero reports an empty body (none given).
func (b Body) IsZero() bool { return b.Expr == "" && b.Mapping == nil }

// MarshalJSON writes the expression as a string, the mapping as an object.
func (b Body) MarshalJSON() ([]byte, error) {
	if b.Mapping != nil {
		return b.Mapping.MarshalJSON()
	}
	return marshalNoEscape(b.Expr)
}

// UnmarshalJSON reads a string (an expression) or an object (a mapping).
func (b *Body) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		m := &Mapping{}
		if err := m.UnmarshalJSON(data); err != nil {
			return err
		}
		*b = Body{Mapping: m}
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	*b = Body{Expr: s}
	return nil
}

// CompiledMapping builds its object from the environment.
type CompiledMapping struct {
	fields []compiledMappingField
}

type compiledMappingField struct {
	path     []string    // the key, split at its dots
	literal  any         // a plain JSON value
	program  *vm.Program // a single {{ }}: its value, of its own type
	template *Template   // text with {{ }} parts
}

// Mapping compiles a mapping at field: every template, and the keys,
// which may not make one field both a value and an object.
func (b *build) Mapping(field string, m *Mapping) (*CompiledMapping, error) {
	out := &CompiledMapping{}
	kinds := map[string]string{} // a path so far -> "value" or "object"
	for _, f := range m.Fields {
		at := field + "." + f.Key
		path := strings.Split(f.Key, ".")
		for _, p := range path {
			if p == "" {
				return nil, b.Errorf(at, "a key may not be empty or have an empty part between dots")
			}
		}
		for i := range path {
			prefix := strings.Join(path[:i+1], ".")
			want := "object"
			if i == len(path)-1 {
				want = "value"
			}
			if got, ok := kinds[prefix]; ok && (got != want || want == "value") {
				return nil, b.Errorf(at, "%q is set twice, or both as a value and as an object", prefix)
			}
			kinds[prefix] = want
		}
		cf := compiledMappingField{path: path}
		var v any
		dec := json.NewDecoder(bytes.NewReader(f.Value))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, b.Errorf(at, "not a JSON value: %v", err)
		}
		s, isString := v.(string)
		switch {
		case isString && strings.Contains(s, "{{"):
			t, err := b.Template(at, s)
			if err != nil {
				return nil, err
			}
			if len(t.parts) == 1 && t.parts[0].program != nil {
				cf.program = t.parts[0].program
			} else {
				cf.template = t
			}
		default:
			var plain any
			if err := json.Unmarshal(f.Value, &plain); err != nil {
				return nil, b.Errorf(at, "not a JSON value: %v", err)
			}
			cf.literal = plain
		}
		out.fields = append(out.fields, cf)
	}
	return out, nil
}

// Eval builds the mapping's object; keep, when a map, is what it starts
// from (its fields kept unless the mapping sets them; it is not changed).
func (m *CompiledMapping) Eval(env *Env, keep map[string]any) (map[string]any, error) {
	if env.Budget == nil { // the fields share one budget
		e := *env
		e.Budget = NewBudget(nil)
		env = &e
	}
	out := make(map[string]any, len(keep)+len(m.fields))
	for k, v := range keep {
		out[k] = v
	}
	for _, f := range m.fields {
		var v any
		var err error
		switch {
		case f.program != nil:
			v, err = Eval(f.program, env)
		case f.template != nil:
			v, err = f.template.Render(env)
		default:
			v = f.literal
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", strings.Join(f.path, "."), err)
		}
		set(out, f.path, v)
	}
	if err := env.Budget.fits(out); err != nil {
		return nil, err
	}
	return out, nil
}

// set puts v at path in obj, making or copying the objects on the way so
// that a kept object is never changed.
func set(obj map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := obj[k].(map[string]any)
		copied := make(map[string]any, len(next)+1)
		if ok {
			for kk, vv := range next {
				copied[kk] = vv
			}
		}
		obj[k] = copied
		obj = copied
	}
	obj[path[len(path)-1]] = v
}
