package workflows

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// docProblem is the first thing in a JSON document that the Go type it
// decodes into refuses: an unknown field or a value of the wrong JSON type.
// encoding/json reports only a field's name (unknown fields) or its path
// without array indexes (type errors); checkDocument finds the full path.
type docProblem struct {
	path    string // e.g. "steps[1].bogus"; "" for the document itself
	unknown bool   // an unknown field; otherwise a value of the wrong type
	hint    string // for an unknown field differing only in case: the known name
	want    reflect.Type
	got     string // the JSON kind found: "number", "string", "array", ...
	literal string // the number found where a whole number was wanted
	step    string // the id of the step it is in, if any
}

func (p *docProblem) field() string {
	if p.path == "" {
		return "definition"
	}
	return p.path
}

func (p *docProblem) fieldError() *FieldError {
	if p.unknown {
		msg := "unknown field"
		if p.hint != "" {
			msg = fmt.Sprintf("unknown field (did you mean %q?)", p.hint)
		}
		return &FieldError{Field: p.field(), Step: p.step, Message: msg}
	}
	if p.literal != "" {
		return &FieldError{Field: p.field(), Step: p.step, Message: fmt.Sprintf("must be %s, not %s", wantKind(p.want), p.literal)}
	}
	return &FieldError{Field: p.field(), Step: p.step, Message: fmt.Sprintf("must be %s, not %s", wantKind(p.want), p.got)}
}

// checkDocument walks data alongside the type t, in document order, and
// returns the first field t does not know or the first value of the wrong
// JSON type. Field names must match exactly: encoding/json would accept
// "ID" for "id", a definition must not. It returns nil where it finds no
// problem, and also where data is not well-formed JSON (the decoder's own
// error says more there).
func checkDocument(data []byte, t reflect.Type) *docProblem {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	w := &docWalker{dec: dec}
	p, err := w.value(t, "")
	if err != nil {
		return nil
	}
	return p
}

type docWalker struct {
	dec *json.Decoder
	// loose: the object's fields its type does not have are skipped, not
	// refused (a step of a type no kind has: Compile says so).
	loose bool
}

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	stepType       = reflect.TypeFor[Step]()
	triggerType    = reflect.TypeFor[Trigger]()
	anyType        = reflect.TypeFor[any]()
	conditionType  = reflect.TypeFor[Condition]()
	matchType      = reflect.TypeFor[Match]()
	mappingType    = reflect.TypeFor[Mapping]()
	bodyType       = reflect.TypeFor[Body]()
)

// value reads one JSON value that is to decode into t.
func (w *docWalker) value(t reflect.Type, path string) (*docProblem, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == conditionType {
		// An expression (a string) or a match object.
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return nil, err
		}
		switch {
		case len(raw) > 0 && raw[0] == '"', string(raw) == "null":
			return nil, nil
		case len(raw) > 0 && raw[0] == '{':
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			return (&docWalker{dec: dec}).value(matchType, path)
		}
		var v any
		_ = json.Unmarshal(raw, &v)
		return &docProblem{path: path, want: conditionType, got: jsonKind(v)}, nil
	}
	if t == mappingType {
		t = reflect.TypeFor[map[string]any]() // any JSON values, by key
	}
	if t == bodyType {
		// An expression (a string) or a mapping (an object).
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return nil, err
		}
		if len(raw) > 0 && (raw[0] == '"' || raw[0] == '{' || string(raw) == "null") {
			return nil, nil
		}
		var v any
		_ = json.Unmarshal(raw, &v)
		return &docProblem{path: path, want: bodyType, got: jsonKind(v)}, nil
	}
	if t == stepType || t == triggerType {
		// Its shape depends on its type: read it whole, then check it
		// against its kind's (nothing where the type has no kind:
		// Compile refuses it).
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return nil, err
		}
		shaped, loose := shapeOf(t, raw)
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		p, err := (&docWalker{dec: dec, loose: loose}).value(shaped, path)
		if p != nil && p.step == "" && t == stepType {
			var head struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(raw, &head)
			p.step = head.ID
		}
		return p, err
	}
	tok, err := w.dec.Token()
	if err != nil {
		return nil, err
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType || t.Kind() == reflect.Interface {
		return nil, w.skip(tok)
	}
	if tok == nil {
		return nil, nil // null leaves any field as it is
	}
	mismatch := func() (*docProblem, error) {
		return &docProblem{path: path, want: t, got: tokenKind(tok)}, nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return mismatch()
		}
		loose := w.loose
		w.loose = false // for this object only
		return w.object(path, func(key string) (reflect.Type, *docProblem) {
			ft, hint := structField(t, key)
			if ft == nil && loose {
				return anyType, nil
			}
			if ft == nil {
				return nil, &docProblem{path: join(path, key), unknown: true, hint: hint}
			}
			return ft, nil
		})
	case reflect.Map:
		if tok != json.Delim('{') {
			return mismatch()
		}
		return w.object(path, func(string) (reflect.Type, *docProblem) { return t.Elem(), nil })
	case reflect.Slice, reflect.Array:
		if tok != json.Delim('[') {
			return mismatch()
		}
		for i := 0; w.dec.More(); i++ {
			if p, err := w.value(t.Elem(), fmt.Sprintf("%s[%d]", path, i)); p != nil || err != nil {
				return p, err
			}
		}
		_, err := w.dec.Token() // ]
		return nil, err
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return mismatch()
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return mismatch()
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch()
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return &docProblem{path: path, want: t, got: "number", literal: string(n)}, nil
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return mismatch()
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return &docProblem{path: path, want: t, got: "number", literal: string(n)}, nil
		}
	default:
		return nil, w.skip(tok)
	}
	return nil, nil
}

// object reads the members of an object whose "{" has been read; elem
// gives the type of a member's value, or the problem with its key.
func (w *docWalker) object(path string, elem func(key string) (reflect.Type, *docProblem)) (*docProblem, error) {
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		t, p := elem(key)
		if p != nil {
			return p, nil
		}
		if p, err := w.value(t, join(path, key)); p != nil || err != nil {
			return p, err
		}
	}
	_, err := w.dec.Token() // }
	return nil, err
}

// skip reads the rest of a value whose first token is tok.
func (w *docWalker) skip(tok json.Token) error {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// structField returns the type of t's field whose JSON name is key, or nil
// and, where a field's name differs from key only in case, that name.
func structField(t reflect.Type, key string) (reflect.Type, string) {
	hint := ""
	for _, f := range jsonStructFields(t) {
		if f.name == key {
			return f.typ, ""
		}
		if strings.EqualFold(f.name, key) {
			hint = f.name
		}
	}
	return nil, hint
}

// jsonStructField is a struct field as encoding/json reads it.
type jsonStructField struct {
	name string
	typ  reflect.Type
}

// jsonStructFields lists the fields encoding/json reads into a struct, in
// order, an embedded struct's in its place.
func jsonStructFields(t reflect.Type) []jsonStructField {
	var out []jsonStructField
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			out = append(out, jsonStructFields(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonStructField{name, f.Type})
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case json.Delim:
		if tok == json.Delim('[') {
			return "array"
		}
		return "object"
	}
	return "null"
}

func wantKind(t reflect.Type) string {
	if t == conditionType {
		return "an expression (a string) or a match object"
	}
	if t == bodyType {
		return "an expression (a string) or an object of fields"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

// jsonKind names the JSON kind of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}
