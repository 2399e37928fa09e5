package workflows

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
)

// Doc describes a kind as data: the editor draws the kind's form from it
// (GET /api/v1/kinds), and the docs are written from it.
type Doc struct {
	// Type is the value of "type" that names the kind.
	Type string `json:"type"`
	// Title is what a person picks the kind by ("Send a webhook").
	Title string `json:"title"`
	// Summary is one sentence on what the kind does.
	Summary string `json:"summary"`
	// Fields are the kind's own fields, in the order of a definition.
	Fields []Field `json:"fields"`
	// Example is the kind used in a definition: a step, trigger or auth
	// object.
	Example json.RawMessage `json:"example,omitempty"`
}

// Field describes one field of a kind.
type Field struct {
	// Name is the field's JSON key.
	Name  string `json:"name"`
	Label string `json:"label"`
	// Help says what the field does, for a person who does not program.
	Help string `json:"help,omitempty"`
	// Kind is the kind of value (ValueText, ValueTemplate, ...), which
	// chooses the editor's widget.
	Kind     string `json:"kind"`
	Required bool   `json:"required,omitempty"`
	// Default is the value used where the field is left out.
	Default     any    `json:"default,omitempty"`
	Placeholder string `json:"placeholder,omitempty"`
	// Options are the values of a select.
	Options []Option `json:"options,omitempty"`
	// Fields are an object's own fields.
	Fields []Field `json:"fields,omitempty"`
	// Item is what each element of a list is.
	Item *Field `json:"item,omitempty"`
}

// Option is one value of a select.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// The kinds of value a field may hold.
const (
	ValueText       = "text"       // a string
	ValueTemplate   = "template"   // a string with {{ expr }} parts
	ValueExpression = "expression" // an expr expression
	ValueCondition  = "condition"  // an expression giving true or false
	ValueMapping    = "mapping"    // an object of templates
	ValueSecret     = "secret"     // a template, usually {{ secrets.NAME }}
	ValueDuration   = "duration"   // "30s", "15m", "2h"
	ValueNumber     = "number"
	ValueBoolean    = "boolean"
	ValueSelect     = "select"  // one of Options
	ValueList       = "list"    // an array of Item
	ValueObject     = "object"  // an object of Fields
	ValueHeaders    = "headers" // header name -> template
	ValueAuth       = "auth"    // a trigger auth: a type and that scheme's fields
	ValueJSON       = "json"    // any JSON (a JSON Schema)
	ValueSteps      = "steps"   // nested steps
)

// ValueSchedule is a cron expression, which the editor edits with a
// schedule picker (every N minutes, daily at, weekly on days at...).
const ValueSchedule = "schedule"

// ValueWorkflowRef is the id of another workflow, which the editor picks
// from the stored workflows (by name and id) or takes typed.
const ValueWorkflowRef = "workflow_ref"

// Methods are the HTTP methods a trigger takes and a step sends, listed
// once for validation, the editor and the docs.
var Methods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// MethodOptions are Methods as a select's options.
func MethodOptions() []Option {
	out := make([]Option, len(Methods))
	for i, m := range Methods {
		out[i] = Option{Value: m, Label: m}
	}
	return out
}

// ValidMethod reports whether m is one of Methods.
func ValidMethod(m string) bool {
	for _, x := range Methods {
		if m == x {
			return true
		}
	}
	return false
}

// CommonStepFields are the fields every step has, beside its kind's own.
var CommonStepFields = []Field{
	{Name: "id", Label: "Step id", Kind: ValueText, Required: true,
		Help: "A name for the step: letters, digits and _, starting with a letter. Later steps read its output as steps.ID."},
	{Name: "when", Label: "Run only when", Kind: ValueCondition,
		Help: "Leave empty to always run. Otherwise the step runs only where this is true, and shows as skipped elsewhere."},
}

// CheckDoc reports where a kind's Doc and the settings its fields decode
// into disagree: a field the doc lists that the settings do not have, or
// the reverse, in order. Each kind's test calls it, so that the editor's
// form and what a definition may hold are one list.
func CheckDoc(doc Doc, settings any) error {
	t := reflect.TypeOf(settings)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return checkFields(doc.Type, doc.Fields, t)
}

func checkFields(where string, fields []Field, t reflect.Type) error {
	var names []string
	if t != nil && t.Kind() == reflect.Struct {
		names = jsonFields(t)
	}
	var documented []string
	for _, f := range fields {
		documented = append(documented, f.Name)
	}
	if strings.Join(names, ",") != strings.Join(documented, ",") {
		return fmt.Errorf("%s: the doc lists fields %v, the settings hold %v", where, documented, names)
	}
	for _, f := range fields {
		if f.Label == "" || f.Kind == "" {
			return fmt.Errorf("%s.%s: a field needs a label and a kind", where, f.Name)
		}
		if f.Kind == ValueSelect && len(f.Options) == 0 {
			return fmt.Errorf("%s.%s: a select needs options", where, f.Name)
		}
		if f.Kind == ValueObject {
			ft, _ := structField(t, f.Name)
			for ft != nil && (ft.Kind() == reflect.Pointer) {
				ft = ft.Elem()
			}
			if err := checkFields(where+"."+f.Name, f.Fields, ft); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonFields lists a struct's JSON field names in order, those of embedded
// structs in their place.
func jsonFields(t reflect.Type) []string {
	var out []string
	for _, f := range jsonStructFields(t) {
		out = append(out, f.name)
	}
	return out
}
