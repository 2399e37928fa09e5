package kinds

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

// TestKindsDescribeWhatTheyTake: each kind's doc lists exactly the fields
// its settings decode (so the editor's form and what a definition may hold
// are one list), its example is a definition that compiles, and a step
// kind's program runs (implements Step).
func TestKindsDescribeWhatTheyTake(t *testing.T) {
	t.Parallel()
	steps := workflows.StepKinds()
	if len(steps) < 5 {
		t.Fatalf("%d step kinds registered", len(steps))
	}
	for _, k := range steps {
		if err := workflows.CheckDoc(k.Doc, k.New()); err != nil {
			t.Error(err)
		}
		w := validDefinition()
		var example def
		if err := json.Unmarshal(k.Doc.Example, &example); err != nil {
			t.Fatalf("%s: example: %v", k.Doc.Type, err)
		}
		if example["type"] != k.Doc.Type {
			t.Errorf("%s: the example is a %v step", k.Doc.Type, example["type"])
		}
		w["steps"] = []any{example}
		w["vars"] = def{"fulfil_url": "https://fulfil.example"}
		c, err := compileDef(t, w)
		if err != nil {
			t.Errorf("%s: example: %v", k.Doc.Type, err)
			continue
		}
		if _, ok := c.Steps[0].Program.(Step); !ok {
			t.Errorf("%s: compiles to a %T, which does not run", k.Doc.Type, c.Steps[0].Program)
		}
	}
	for _, k := range workflows.TriggerKinds() {
		if err := workflows.CheckDoc(k.Doc, k.New()); err != nil {
			t.Error(err)
		}
		w := validDefinition()
		var example def
		if err := json.Unmarshal(k.Doc.Example, &example); err != nil {
			t.Fatalf("%s: example: %v", k.Doc.Type, err)
		}
		w["trigger"] = example
		if _, err := compileDef(t, w); err != nil || example["type"] != k.Doc.Type {
			t.Errorf("%s: example %v: %v", k.Doc.Type, example, err)
		}
	}
	authFields := map[string]bool{}
	for _, f := range jsonFieldNames(reflect.TypeFor[workflows.Auth]()) {
		authFields[f] = true
	}
	for _, k := range workflows.AuthKinds() {
		for _, f := range k.Doc.Fields {
			if !authFields[f.Name] || f.Label == "" || f.Kind == "" {
				t.Errorf("auth %s: field %q is not an auth field with a label and a kind", k.Doc.Type, f.Name)
			}
		}
		w := validDefinition()
		var example def
		if err := json.Unmarshal(k.Doc.Example, &example); err != nil {
			t.Fatalf("auth %s: example: %v", k.Doc.Type, err)
		}
		trig(w)["auth"] = example
		if _, err := compileDef(t, w); err != nil || example["type"] != k.Doc.Type {
			t.Errorf("auth %s: example %v: %v", k.Doc.Type, example, err)
		}
		if _, verifies := authSchemes[k.Doc.Type]; !verifies && k.Doc.Type != "none" {
			t.Errorf("auth %s is described but nothing verifies it", k.Doc.Type)
		}
	}
	for typ := range authSchemes {
		if _, ok := workflows.LookupAuth(typ); !ok {
			t.Errorf("auth %s is verified but not described", typ)
		}
	}
}

// TestMethodsListedOnce: every place that takes an HTTP method offers
// workflows.Methods, and each of them compiles.
func TestMethodsListedOnce(t *testing.T) {
	t.Parallel()
	stepKind, _ := workflows.LookupStep("webhook")
	trigger, _ := workflows.LookupTrigger("webhook")
	var offered [][]workflows.Option
	for _, f := range stepKind.Doc.Fields {
		if f.Name == "method" {
			offered = append(offered, f.Options)
		}
	}
	for _, f := range trigger.Doc.Fields {
		if f.Name == "methods" {
			offered = append(offered, f.Item.Options)
		}
	}
	if len(offered) != 2 {
		t.Fatalf("found %d method fields, want the step's and the trigger's", len(offered))
	}
	for _, opts := range offered {
		if !reflect.DeepEqual(opts, workflows.MethodOptions()) {
			t.Errorf("options %v, want workflows.Methods", opts)
		}
	}
	for _, m := range workflows.Methods {
		w := validDefinition()
		trig(w)["methods"] = []any{m}
		step(w, 2)["method"] = m
		if _, err := compileDef(t, w); err != nil {
			t.Errorf("%s: %v", m, err)
		}
	}
	if strings.Join(workflows.Methods, ",") != "GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS" {
		t.Errorf("Methods = %v", workflows.Methods)
	}
}

func jsonFieldNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" && name != "type" {
			out = append(out, name)
		}
	}
	return out
}
