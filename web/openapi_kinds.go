package web

import (
	"encoding/json"
	"fmt"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/workflows"
)

// The OpenAPI document's schemas of a step, a trigger and a trigger auth
// are made from the kinds the server has (their docs), when the document
// is first served: one list of kinds, for validation, the editor and the
// API's description alike. openapi.json holds the rest.

// withKinds returns doc with components.schemas Step, Trigger and Auth
// drawn from the registered kinds.
func withKinds(doc []byte) ([]byte, error) {
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	components, _ := d["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	if schemas == nil {
		return nil, fmt.Errorf("openapi.json has no components.schemas")
	}
	common := append([]workflows.Field(nil), workflows.CommonStepFields...)
	var steps, triggers, auths []any
	for _, k := range workflows.StepKinds() {
		steps = append(steps, kindSchema(k.Doc, common))
	}
	for _, k := range workflows.TriggerKinds() {
		triggers = append(triggers, kindSchema(k.Doc, nil))
	}
	for _, k := range workflows.AuthKinds() {
		auths = append(auths, kindSchema(k.Doc, nil))
	}
	schemas["Step"] = oneOf("A step: its type names its kind, whose fields sit beside id, type and when.", steps)
	schemas["Trigger"] = oneOf("What starts a run: its type names its kind.", triggers)
	schemas["Auth"] = oneOf("How a webhook trigger checks its caller.", auths)
	return json.MarshalIndent(d, "", "  ")
}

func oneOf(description string, kinds []any) map[string]any {
	return map[string]any{
		"description":   description,
		"oneOf":         kinds,
		"discriminator": map[string]any{"propertyName": "type"},
	}
}

// kindSchema is one kind's object: type, the common fields, its own.
func kindSchema(doc workflows.Doc, common []workflows.Field) map[string]any {
	s := objectSchema(append(common, doc.Fields...))
	s["title"] = doc.Title
	s["description"] = doc.Summary
	props := s["properties"].(map[string]any)
	props["type"] = map[string]any{"type": "string", "enum": []string{doc.Type}}
	s["required"] = append([]string{"type"}, s["required"].([]string)...)
	return s
}

func objectSchema(fields []workflows.Field) map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, f := range fields {
		props[f.Name] = fieldSchema(f)
		if f.Required {
			required = append(required, f.Name)
		}
	}
	return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
}

// fieldSchema is the JSON Schema of a field's value.
func fieldSchema(f workflows.Field) map[string]any {
	var s map[string]any
	switch f.Kind {
	case workflows.ValueNumber:
		s = map[string]any{"type": "number"}
	case workflows.ValueBoolean:
		s = map[string]any{"type": "boolean"}
	case workflows.ValueSelect:
		values := make([]string, len(f.Options))
		for i, o := range f.Options {
			values[i] = o.Value
		}
		s = map[string]any{"type": "string", "enum": values}
	case workflows.ValueList:
		item := map[string]any{}
		if f.Item != nil {
			item = fieldSchema(*f.Item)
		}
		s = map[string]any{"type": "array", "items": item}
	case workflows.ValueObject:
		s = objectSchema(f.Fields)
	case workflows.ValueHeaders, workflows.ValueMapping:
		s = map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}
	case workflows.ValueAuth:
		return map[string]any{"$ref": "#/components/schemas/Auth"}
	case workflows.ValueJSON:
		s = map[string]any{}
	case kinds.ValueAppWith:
		s = map[string]any{"type": "object"}
	case workflows.ValueSteps:
		s = map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Step"}}
	default:
		s = map[string]any{"type": "string"}
	}
	if f.Help != "" {
		s["description"] = f.Help
	}
	return s
}
