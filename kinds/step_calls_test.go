package kinds

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

// TestCallsCompileErrors: wait and workflow steps with one mistake are
// refused at the field at fault.
func TestCallsCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		step    def
		field   string
		message string
	}{
		{"wait timeout not a duration", def{"id": "w", "type": "wait", "timeout": "two days"}, "steps[5].timeout", "duration"},
		{"wait on_timeout unknown", def{"id": "w", "type": "wait", "timeout": "1h", "on_timeout": "retry"}, "steps[5].on_timeout", "fail or continue"},
		{"wait continue without timeout", def{"id": "w", "type": "wait", "on_timeout": "continue"}, "steps[5].on_timeout", "goes with a timeout"},
		{"wait unknown field", def{"id": "w", "type": "wait", "for": "1h"}, "steps[5].for", ""},
		{"workflow missing", def{"id": "c", "type": "workflow"}, "steps[5].workflow", "is required"},
		{"workflow not an id", def{"id": "c", "type": "workflow", "workflow": "Lookup Customer"}, "steps[5].workflow", "must be a workflow id"},
		{"timeout without wait", def{"id": "c", "type": "workflow", "workflow": "x", "timeout": "5m"}, "steps[5].timeout", "goes with wait"},
		{"timeout not a duration", def{"id": "c", "type": "workflow", "workflow": "x", "wait": true, "timeout": "soon"}, "steps[5].timeout", "duration"},
		{"payload expression", def{"id": "c", "type": "workflow", "workflow": "x", "payload": "payload.("}, "steps[5].payload", ""},
		{"payload mapping", def{"id": "c", "type": "workflow", "workflow": "x", "payload": def{"a": "{{ payload. }}"}}, "steps[5].payload.a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := validDefinition()
			w["steps"] = append(w["steps"].([]any), tt.step)
			_, err := compileDef(t, w)
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FieldError", err, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.message) {
				t.Errorf("error at %q: %q; want at %q, containing %q", fe.Field, fe.Message, tt.field, tt.message)
			}
		})
	}
}

// TestCallsCompileValid: the wait and workflow steps' fields in the ways
// they may be given.
func TestCallsCompileValid(t *testing.T) {
	t.Parallel()
	for _, s := range []def{
		{"id": "w", "type": "wait"},
		{"id": "w", "type": "wait", "timeout": "48h", "on_timeout": "continue"},
		{"id": "c", "type": "workflow", "workflow": "lookup"},
		{"id": "c", "type": "workflow", "workflow": "lookup", "payload": "{email: payload.email}", "wait": true, "timeout": "5m"},
		{"id": "c", "type": "workflow", "workflow": "lookup", "payload": def{"email": "{{ payload.email }}"}, "wait": true},
	} {
		w := validDefinition()
		w["steps"] = append(w["steps"].([]any), s)
		if _, err := compileDef(t, w); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
	// resumeURL is known to expressions and templates.
	w := validDefinition()
	step(w, 2)["url"] = `https://example.com/ask?back={{ resumeURL("w") }}`
	step(w, 1)["expr"] = `{link: resumeURL("w")}`
	if _, err := compileDef(t, w); err != nil {
		t.Errorf("resumeURL: %v", err)
	}
}
