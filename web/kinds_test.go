package web_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"testing"

	"github.com/hookflow/hookflow/web"
	"github.com/hookflow/hookflow/workflows"
)

// TestKindsRoute: GET /api/v1/kinds answers every registered kind with its
// fields, and the methods, listed once; the OpenAPI document describes the
// same kinds. A kind added in Go is in both without another list.
func TestKindsRoute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got := b.apiOK(http.MethodGet, "/api/v1/kinds", nil, http.StatusOK)
	types := func(list any) []string {
		var out []string
		for _, k := range list.([]any) {
			out = append(out, k.(map[string]any)["type"].(string))
		}
		return out
	}
	var steps, triggers, auths []string
	for _, k := range workflows.StepKinds() {
		steps = append(steps, k.Doc.Type)
	}
	for _, k := range workflows.TriggerKinds() {
		triggers = append(triggers, k.Doc.Type)
	}
	for _, k := range workflows.AuthKinds() {
		auths = append(auths, k.Doc.Type)
	}
	if !reflect.DeepEqual(types(got["steps"]), steps) || !reflect.DeepEqual(types(got["triggers"]), triggers) || !reflect.DeepEqual(types(got["auth"]), auths) {
		t.Errorf("kinds = %v / %v / %v; registered %v / %v / %v", types(got["steps"]), types(got["triggers"]), types(got["auth"]), steps, triggers, auths)
	}
	var webhook map[string]any
	for _, k := range got["steps"].([]any) {
		if k.(map[string]any)["type"] == "webhook" {
			webhook = k.(map[string]any)
		}
	}
	if webhook == nil || webhook["title"] == "" || len(webhook["fields"].([]any)) == 0 {
		t.Errorf("webhook step = %v", webhook)
	}
	common := got["common"].(map[string]any)
	if m := common["methods"].([]any); len(m) != len(workflows.Methods) {
		t.Errorf("methods = %v", m)
	}

	var doc struct {
		Components struct {
			Schemas map[string]struct {
				OneOf []struct {
					Properties map[string]struct {
						Enum []string `json:"enum"`
					} `json:"properties"`
				} `json:"oneOf"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(web.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	for schema, want := range map[string][]string{"Step": steps, "Trigger": triggers, "Auth": auths} {
		var in []string
		for _, k := range doc.Components.Schemas[schema].OneOf {
			in = append(in, k.Properties["type"].Enum...)
		}
		sort.Strings(in)
		if !reflect.DeepEqual(in, want) {
			t.Errorf("OpenAPI %s kinds = %v, want %v", schema, in, want)
		}
	}
}
