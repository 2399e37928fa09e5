package workflows

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
)

// Decode reads one definition. Unknown fields are refused (names match
// exactly, case included), and an absent "enabled" means true. Decode does
// not validate: call Compile or Validate. Its errors are *FieldError whose
// Field is the path of the field at fault, e.g. "steps[1].bogus", or
// "definition" for the document as a whole.
func Decode(data []byte) (*Workflow, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &FieldError{Field: "definition", Message: "is empty"}
	}
	w := &Workflow{Enabled: true}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	err := dec.Decode(w)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return nil, &FieldError{Field: "definition", Message: "unexpected data after the workflow object"}
		}
	}
	return w, strictError(trimmed, reflect.TypeFor[Workflow](), err)
}

// strictError checks a document that json.Decoder has decoded into t with
// err (nil or not) and returns the error, as a *FieldError with the full
// path, or nil where the document is fine.
func strictError(data []byte, t reflect.Type, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return decodeError(data, err)
	}
	if p := checkDocument(data, t); p != nil {
		return p.fieldError() // with its whole path, where a step's own error has its path in the step
	}
	if _, ok := err.(*FieldError); ok {
		return err
	}
	if err != nil {
		return decodeError(data, err)
	}
	if data[0] != '{' { // null: every other non-object fails to decode
		return &FieldError{Field: "definition", Message: "must be an object, not null"}
	}
	return nil
}

// DecodeBundle reads either one definition or a bundle: a JSON array of
// definitions, or an object {"format": "hookflow/v1", "workflows": [...]}
// as EncodeBundle writes it. An error in the second definition of a bundle
// names its field as "workflows[1].steps[0].expr".
func DecodeBundle(data []byte) ([]*Workflow, error) {
	trimmed := bytes.TrimSpace(data)
	var raws []json.RawMessage
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, decodeError(trimmed, err)
		}
	case len(trimmed) > 0 && trimmed[0] == '{':
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &probe); err != nil {
			return nil, decodeError(trimmed, err)
		}
		if _, ok := probe["workflows"]; !ok {
			w, err := Decode(trimmed)
			if err != nil {
				return nil, err
			}
			return []*Workflow{w}, nil
		}
		var b bundle
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		err := dec.Decode(&b)
		if err := strictError(trimmed, reflect.TypeFor[bundle](), err); err != nil {
			return nil, err
		}
		if b.Format != "" && b.Format != Format {
			return nil, fieldf("format", "", "must be %q, got %q", Format, b.Format)
		}
		raws = b.Workflows
	default:
		_, err := Decode(trimmed)
		return nil, err
	}
	out := make([]*Workflow, 0, len(raws))
	for i, raw := range raws {
		w, err := Decode(raw)
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				if fe.Field == "definition" {
					fe.Field = fmt.Sprintf("workflows[%d]", i)
				} else {
					fe.Field = fmt.Sprintf("workflows[%d].%s", i, fe.Field)
				}
				return nil, fe
			}
			return nil, fmt.Errorf("workflows[%d]: %w", i, err)
		}
		out = append(out, w)
	}
	return out, nil
}

// bundle is the object form of several definitions.
type bundle struct {
	Format    string            `json:"format"`
	Workflows []json.RawMessage `json:"workflows"`
}

// Encode writes a definition as indented JSON (two spaces, fields in the
// order of the struct, "<", ">" and "&" as they are) with a final newline:
// the form export produces and import reads back unchanged.
func Encode(w *Workflow) ([]byte, error) {
	b, err := encodeJSON(w)
	if err != nil {
		return nil, fmt.Errorf("encode workflow: %w", err)
	}
	return b, nil
}

// EncodeBundle writes several definitions as {"format": ..., "workflows": [...]}.
func EncodeBundle(ws []*Workflow) ([]byte, error) {
	if ws == nil {
		ws = []*Workflow{}
	}
	b, err := encodeJSON(struct {
		Format    string      `json:"format"`
		Workflows []*Workflow `json:"workflows"`
	}{Format, ws})
	if err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	return b, nil
}

// encodeJSON indents with two spaces, ends with a newline, and leaves the
// characters of expressions such as "&&" and ">" unescaped.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeError turns encoding/json's errors into FieldErrors; data is the
// document, to place a syntax error at its line and column.
func decodeError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(string(data[:min(max(int(syn.Offset)-1, 0), len(data))]))
		return &FieldError{Field: "definition", Message: fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, syn.Error())}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &FieldError{Field: "definition", Message: "truncated JSON: unexpected end of input"}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "definition"
		}
		return &FieldError{Field: field, Message: fmt.Sprintf("must be %s, not %s", wantKind(typ.Type), typ.Value)}
	}
	return &FieldError{Field: "definition", Message: err.Error()}
}
