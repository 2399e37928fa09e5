package workflows_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/workflows"
)

// designExample is the definition in DESIGN.md, section "Workflow format v1".
const designExample = `{
  "format": "hookflow/v1",
  "id": "paid-orders",
  "name": "Paid orders to fulfilment",
  "enabled": true,
  "trigger": {
    "type": "webhook",
    "methods": ["POST"],
    "auth": {"type": "github", "secret": "{{ secrets.github }}"},
    "idempotency_key": "trigger.headers['x-github-delivery']",
    "response": {"mode": "async"}
  },
  "steps": [
    {"id": "paid", "type": "filter", "expr": "payload.status == 'paid' && payload.amount > 100"},
    {"id": "shape", "type": "transform",
     "expr": "{order: payload.id, total: payload.amount / 100.0, skus: map(payload.items, .sku)}"},
    {"id": "notify", "type": "webhook", "method": "POST",
     "url": "{{ vars.fulfil }}/orders/{{ payload.order }}",
     "headers": {"X-Source": "hookflow"},
     "body": "payload",
     "sign": {"secret": "{{ secrets.fulfil }}"},
     "retry": {"max_attempts": 8, "initial": "1s", "max": "1h"}}
  ],
  "vars": {"fulfil": "https://fulfil.example"}
}`

// minimal is the smallest valid definition; tests splice fields into it.
const minimal = `{"format": "hookflow/v1", "name": "n", "trigger": {"type": "manual"}, "steps": [{"id": "a", "type": "transform", "expr": "payload"}]}`

func TestDecodeDesignExample(t *testing.T) {
	t.Parallel()
	w, err := workflows.Decode([]byte(designExample))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := &workflows.Workflow{
		Format:  workflows.Format,
		ID:      "paid-orders",
		Name:    "Paid orders to fulfilment",
		Enabled: true,
		Trigger: workflows.Trigger{Type: "webhook", Settings: &kinds.WebhookSettings{
			Methods:        []string{"POST"},
			Auth:           &workflows.Auth{Type: "github", Secret: "{{ secrets.github }}"},
			IdempotencyKey: "trigger.headers['x-github-delivery']",
			Response:       &kinds.Response{Mode: "async"},
		}},
		Steps: []workflows.Step{
			{ID: "paid", Type: "filter", Settings: &kinds.Filter{Expr: "payload.status == 'paid' && payload.amount > 100"}},
			{ID: "shape", Type: "transform", Settings: &kinds.Transform{Expr: "{order: payload.id, total: payload.amount / 100.0, skus: map(payload.items, .sku)}"}},
			{ID: "notify", Type: "webhook", Settings: &kinds.Webhook{
				Method:  "POST",
				URL:     "{{ vars.fulfil }}/orders/{{ payload.order }}",
				Headers: map[string]string{"X-Source": "hookflow"},
				Body:    workflows.Body{Expr: "payload"},
				Sign:    &kinds.Sign{Secret: "{{ secrets.fulfil }}"},
				Retry:   &kinds.Retry{MaxAttempts: 8, Initial: "1s", Max: "1h"},
			}},
		},
		Vars: map[string]any{"fulfil": "https://fulfil.example"},
	}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("Decode =\n%#v\nwant\n%#v", w, want)
	}
	c, err := workflows.Compile(w)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if len(c.Steps) != 3 || c.Steps[0].Program == nil || c.Steps[1].Program == nil || c.Steps[2].Program == nil {
		t.Errorf("Compile did not compile every step: %+v", c.Steps)
	}
	wt := c.Trigger.(*kinds.WebhookTrigger)
	if wt.Idempotency == nil || wt.AuthSecret == nil || c.Sync() {
		t.Errorf("Compile trigger: idempotency %v, auth secret %v, sync %v", wt.Idempotency, wt.AuthSecret, c.Sync())
	}
	if got := c.StepIndex("notify"); got != 2 {
		t.Errorf("StepIndex(notify) = %d, want 2", got)
	}
	if got := c.StepIndex("nope"); got != -1 {
		t.Errorf("StepIndex(nope) = %d, want -1", got)
	}
}

func TestDecodeEnabled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"absent means true", minimal, true},
		{"true", strings.Replace(minimal, `"name"`, `"enabled": true, "name"`, 1), true},
		{"false stays false", strings.Replace(minimal, `"name"`, `"enabled": false, "name"`, 1), false},
		{"null leaves the default", strings.Replace(minimal, `"name"`, `"enabled": null, "name"`, 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := workflows.Decode([]byte(tt.in))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if w.Enabled != tt.want {
				t.Errorf("Enabled = %v, want %v", w.Enabled, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		field   string
		message string // a part of the message
	}{
		{"unknown top level", `{"format": "hookflow/v1", "bogus": 1}`, "bogus", "unknown field"},
		{"unknown in trigger", `{"trigger": {"type": "webhook", "colour": "red"}}`, "trigger.colour", "unknown field"},
		{"unknown in trigger.auth", `{"trigger": {"type": "webhook", "auth": {"type": "token", "colour": "red"}}}`, "trigger.auth.colour", "unknown field"},
		{"unknown in trigger.response", `{"trigger": {"type": "webhook", "response": {"mode": "sync", "wait": "1s"}}}`, "trigger.response.wait", "unknown field"},
		{"unknown in trigger.rate_limit", `{"trigger": {"type": "webhook", "rate_limit": {"per_second": 1, "per_minute": 1}}}`, "trigger.rate_limit.per_minute", "unknown field"},
		{"unknown in the second step", `{"steps": [{"id": "a"}, {"id": "b", "type": "filter", "bogus": true}]}`, "steps[1].bogus", "unknown field"},
		{"unknown in retry", `{"steps": [{"id": "a", "type": "webhook", "retry": {"max_attempts": 3, "backoff": "2x"}}]}`, "steps[0].retry.backoff", "unknown field"},
		{"unknown in sign", `{"steps": [{"id": "a", "type": "webhook", "sign": {"secret": "s", "algo": "x"}}]}`, "steps[0].sign.algo", "unknown field"},
		{"case differs", `{"format": "hookflow/v1", "ID": "x"}`, "ID", `did you mean "id"`},
		{"case differs in a step", `{"steps": [{"type": "filter", "Expr": "true"}]}`, "steps[0].Expr", `did you mean "expr"`},
		{"first unknown in document order", `{"steps": [{"id": "a", "type": "filter", "zzz": 1}], "aaa": 2}`, "steps[0].zzz", "unknown field"},

		{"string expected", `{"steps": [{"id": "a"}, {"id": "b", "type": "filter", "expr": 2}]}`, "steps[1].expr", "must be a string, not number"},
		{"number expected", `{"steps": [{"id": "a", "type": "webhook", "retry": {"max_attempts": "3"}}]}`, "steps[0].retry.max_attempts", "must be a whole number, not string"},
		{"whole number expected", `{"steps": [{"id": "a", "type": "respond", "status": 200.5}]}`, "steps[0].status", "must be a whole number, not 200.5"},
		{"boolean expected", `{"enabled": "yes"}`, "enabled", "must be a boolean, not string"},
		{"object expected", `{"trigger": []}`, "trigger", "must be an object, not array"},
		{"array expected", `{"steps": {"id": "a"}}`, "steps", "must be an array, not object"},
		{"array element", `{"trigger": {"type": "webhook", "methods": ["GET", 1]}}`, "trigger.methods[1]", "must be a string, not number"},
		{"header value", `{"steps": [{"id": "a", "type": "webhook", "headers": {"X-Count": 1}}]}`, "steps[0].headers.X-Count", "must be a string, not number"},
		{"float expected", `{"trigger": {"type": "webhook", "rate_limit": {"per_second": "fast"}}}`, "trigger.rate_limit.per_second", "must be a number, not string"},
		{"number out of range", `{"concurrency": 1e99}`, "concurrency", "must be a whole number, not 1e99"},

		{"not an object", `[]`, "definition", "must be an object, not array"},
		{"a string", `"workflow"`, "definition", "must be an object, not string"},
		{"null", `null`, "definition", "must be an object, not null"},
		{"empty", ``, "definition", "is empty"},
		{"blank", " \n\t ", "definition", "is empty"},
		{"malformed", "{\n  \"format\": \"hookflow/v1\",\n}", "definition", "malformed JSON at line 3, column 1"},
		{"truncated", `{"format": "hookflow/v1", "steps": [`, "definition", "truncated JSON"},
		{"trailing object", minimal + ` {}`, "definition", "unexpected data after the workflow object"},
		{"trailing garbage", minimal + `x`, "definition", "unexpected data after the workflow object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := workflows.Decode([]byte(tt.in))
			if err == nil {
				t.Fatalf("workflows.Decode(%s) = %+v, want an error", tt.in, w)
			}
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FieldError", err, err)
			}
			if fe.Field != tt.field {
				t.Errorf("Field = %q, want %q (error: %v)", fe.Field, tt.field, err)
			}
			if !strings.Contains(fe.Message, tt.message) {
				t.Errorf("Message = %q, want it to contain %q", fe.Message, tt.message)
			}
		})
	}
}

func TestDecodeBundle(t *testing.T) {
	t.Parallel()
	second := strings.Replace(minimal, `"n"`, `"second"`, 1)
	tests := []struct {
		name  string
		in    string
		names []string
	}{
		{"one object", minimal, []string{"n"}},
		{"an array", `[` + minimal + `, ` + second + `]`, []string{"n", "second"}},
		{"an empty array", `[]`, []string{}},
		{"a bundle", `{"format": "hookflow/v1", "workflows": [` + minimal + `, ` + second + `]}`, []string{"n", "second"}},
		{"a bundle without format", `{"workflows": [` + second + `]}`, []string{"second"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws, err := workflows.DecodeBundle([]byte(tt.in))
			if err != nil {
				t.Fatalf("DecodeBundle: %v", err)
			}
			names := []string{}
			for _, w := range ws {
				names = append(names, w.Name)
				if !w.Enabled {
					t.Errorf("workflow %q: Enabled = false, want the default true", w.Name)
				}
			}
			if !reflect.DeepEqual(names, tt.names) {
				t.Errorf("names = %q, want %q", names, tt.names)
			}
		})
	}
}

func TestDecodeBundleErrors(t *testing.T) {
	t.Parallel()
	bad := `{"format": "hookflow/v1", "name": "b", "steps": [{"id": "a", "type": "filter", "expr": "true", "colour": 1}]}`
	tests := []struct {
		name    string
		in      string
		field   string
		message string
	}{
		{"second in an array", `[` + minimal + `, ` + bad + `]`, "workflows[1].steps[0].colour", "unknown field"},
		{"second in a bundle", `{"format": "hookflow/v1", "workflows": [` + minimal + `, ` + bad + `]}`, "workflows[1].steps[0].colour", "unknown field"},
		{"type error in a bundle", `{"workflows": [{"steps": [{"id": "a"}, {"id": 7}]}]}`, "workflows[0].steps[1].id", "must be a string, not number"},
		{"not an object in an array", `[` + minimal + `, 3]`, "workflows[1]", "must be an object, not number"},
		{"single definition", bad, "steps[0].colour", "unknown field"},
		{"unknown field of the bundle", `{"format": "hookflow/v1", "workflows": [], "version": 2}`, "version", "unknown field"},
		{"workflows not an array", `{"workflows": {}}`, "workflows", "must be an array, not object"},
		{"wrong bundle format", `{"format": "hookflow/v2", "workflows": []}`, "format", `must be "hookflow/v1"`},
		{"malformed", `[{"format": }]`, "definition", "malformed JSON"},
		{"empty", ``, "definition", "is empty"},
		{"scalar", `42`, "definition", "must be an object, not number"},
		{"trailing data", `[] []`, "definition", "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws, err := workflows.DecodeBundle([]byte(tt.in))
			if err == nil {
				t.Fatalf("DecodeBundle = %d workflows, want an error", len(ws))
			}
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FieldError", err, err)
			}
			if fe.Field != tt.field {
				t.Errorf("Field = %q, want %q (error: %v)", fe.Field, tt.field, err)
			}
			if !strings.Contains(fe.Message, tt.message) {
				t.Errorf("Message = %q, want it to contain %q", fe.Message, tt.message)
			}
		})
	}
}

func TestEncodeKeepsExpressionsReadable(t *testing.T) {
	t.Parallel()
	w, err := workflows.Decode([]byte(designExample))
	if err != nil {
		t.Fatal(err)
	}
	b, err := workflows.Encode(w)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"expr": "payload.status == 'paid' && payload.amount > 100"`) {
		t.Errorf("Encode escaped the expression:\n%s", b)
	}
	if !strings.HasSuffix(string(b), "}\n") || strings.HasSuffix(string(b), "\n\n") {
		t.Errorf("Encode must end with exactly one newline: %q", b[len(b)-5:])
	}
}
