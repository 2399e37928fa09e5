package workflows

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schema is a compiled JSON Schema a payload is checked against.
type Schema struct{ s *jsonschema.Schema }

// CompileSchema compiles a JSON Schema (a trigger's). Nothing is ever
// fetched: a $ref outside the document is an error.
func CompileSchema(raw []byte) (*Schema, error) {
	s, err := compileSchema(raw)
	if err != nil {
		return nil, err
	}
	return &Schema{s}, nil
}

func compileSchema(raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(jsonschema.SchemeURLLoader{})
	c.AssertFormat()
	if err := c.AddResource("trigger-schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("trigger-schema.json")
}

// SchemaError says where a payload fails the trigger's schema.
type SchemaError struct {
	// Path is a JSON pointer to the failing value ("" is the whole payload).
	Path    string
	Message string
}

func (e *SchemaError) Error() string {
	if e.Path == "" {
		return "payload: " + e.Message
	}
	return "payload" + e.Path + ": " + e.Message
}

// Check validates a payload (as decoded from JSON) against the schema: nil
// where it matches, a *SchemaError saying where it does not.
func (sc *Schema) Check(payload any) error {
	err := sc.s.Validate(payload)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &SchemaError{Message: err.Error()}
	}
	// The deepest failing location is the most useful one to show.
	out := ve.BasicOutput()
	best := SchemaError{Path: out.InstanceLocation, Message: "does not match the schema"}
	units := append([]jsonschema.OutputUnit(nil), out.Errors...)
	sort.SliceStable(units, func(i, j int) bool {
		return strings.Count(units[i].InstanceLocation, "/") > strings.Count(units[j].InstanceLocation, "/")
	})
	for _, u := range units {
		if u.Error != nil {
			best = SchemaError{Path: u.InstanceLocation, Message: u.Error.String()}
			break
		}
	}
	return &best
}
