package kinds

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookflow/hookflow/workflows"
)

// def is a definition as JSON holds it, for tests to change one field at
// a time the way a person editing the file would.
type def = map[string]any

// validDefinition compiles, with one step of each kind.
func validDefinition() def {
	return def{
		"format": workflows.Format, "id": "orders", "name": "Orders", "enabled": true,
		"trigger": def{"type": "webhook"},
		"steps": []any{
			def{"id": "paid", "type": "filter", "expr": "payload.status == 'paid'"},
			def{"id": "shape", "type": "transform", "expr": "{id: payload.id}"},
			def{"id": "notify", "type": "webhook", "url": "https://example.com/hook"},
			def{"id": "answer", "type": "respond"},
			def{"id": "pause", "type": "delay", "for": "1m"},
		},
	}
}

func trig(w def) def        { return w["trigger"].(def) }
func step(w def, i int) def { return w["steps"].([]any)[i].(def) }
func rawJSON(s string) any  { return json.RawMessage(s) }
func decodeDef(t *testing.T, w def) (*workflows.Workflow, error) {
	t.Helper()
	data, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return workflows.Decode(data)
}

// compileDef decodes and compiles a definition, as saving it does.
func compileDef(t *testing.T, w def) (*workflows.Compiled, error) {
	t.Helper()
	wf, err := decodeDef(t, w)
	if err != nil {
		return nil, err
	}
	return workflows.Compile(wf)
}

// TestCompileErrors: a definition with one mistake is refused, naming the
// field by its path, the step, and where in an expression.
func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(w def)
		field   string
		step    string
		message string // a part of the message
		line    int
		column  int
	}{
		// The workflow.
		{name: "format missing", mutate: func(w def) { w["format"] = "" }, field: "format", message: `must be "hookflow/v1"`},
		{name: "format other", mutate: func(w def) { w["format"] = "hookflow/v2" }, field: "format", message: `got "hookflow/v2"`},
		{name: "id upper case", mutate: func(w def) { w["id"] = "Orders" }, field: "id", message: "must match"},
		{name: "id leading dash", mutate: func(w def) { w["id"] = "-orders" }, field: "id", message: "must match"},
		{name: "id too long", mutate: func(w def) { w["id"] = strings.Repeat("a", 65) }, field: "id", message: "must match"},
		{name: "name missing", mutate: func(w def) { w["name"] = "" }, field: "name", message: "is required"},
		{name: "name blank", mutate: func(w def) { w["name"] = "  \t" }, field: "name", message: "is required"},
		{name: "on_failure not an id", mutate: func(w def) { w["on_failure"] = "Alert Ops" }, field: "on_failure", message: "must be a workflow id"},
		{name: "concurrency negative", mutate: func(w def) { w["concurrency"] = -1 }, field: "concurrency", message: "must not be negative"},
		{name: "on_failure_mode unknown", mutate: func(w def) { w["on_failure_mode"] = "always" }, field: "on_failure_mode", message: `must be "issue" or "every"`},

		{name: "tag with spaces around", mutate: func(w def) { w["tags"] = []any{"billing", " ops"} }, field: "tags[1]", message: "a tag is 1 to 40 characters"},
		{name: "tag twice", mutate: func(w def) { w["tags"] = []any{"billing", "Billing"} }, field: "tags[1]", message: `tag "Billing" is there twice`},

		// Trigger type.
		{name: "trigger type missing", mutate: func(w def) { trig(w)["type"] = "" }, field: "trigger.type", message: "is required"},
		{name: "trigger type unknown", mutate: func(w def) { trig(w)["type"] = "email" }, field: "trigger.type", message: `unknown trigger type "email"`},

		// Webhook triggers.
		{name: "webhook with schedule", mutate: func(w def) { trig(w)["schedule"] = "@hourly" }, field: "trigger.schedule", message: "unknown field"},
		{name: "webhook with timezone", mutate: func(w def) { trig(w)["timezone"] = "UTC" }, field: "trigger.timezone", message: "unknown field"},
		{name: "webhook bad method", mutate: func(w def) { trig(w)["methods"] = []any{"POST", "post"} }, field: "trigger.methods[1]", message: `unknown HTTP method "post"`},
		{name: "auth type unknown", mutate: func(w def) { trig(w)["auth"] = map[string]any{"type": "jwt", "secret": "s"} }, field: "trigger.auth.type", message: `unknown auth type "jwt"`},
		{name: "auth type missing", mutate: func(w def) { trig(w)["auth"] = map[string]any{"secret": "s"} }, field: "trigger.auth.type", message: "is required"},
		{name: "auth secret missing", mutate: func(w def) { trig(w)["auth"] = map[string]any{"type": "github"} }, field: "trigger.auth.secret", message: "is required for github auth"},
		{name: "basic auth username", mutate: func(w def) { trig(w)["auth"] = map[string]any{"type": "basic", "secret": "pw"} }, field: "trigger.auth.username", message: "is required for basic auth"},
		{name: "hmac auth header", mutate: func(w def) { trig(w)["auth"] = map[string]any{"type": "hmac", "secret": "s"} }, field: "trigger.auth.header", message: "is required for hmac auth"},
		{name: "hmac algorithm", mutate: func(w def) {
			trig(w)["auth"] = map[string]any{"type": "hmac", "secret": "s", "header": "X-Sig", "algorithm": "md5"}
		}, field: "trigger.auth.algorithm", message: "must be sha256, sha1 or sha512"},
		{name: "hmac encoding", mutate: func(w def) {
			trig(w)["auth"] = map[string]any{"type": "hmac", "secret": "s", "header": "X-Sig", "encoding": "base32"}
		}, field: "trigger.auth.encoding", message: "must be hex or base64"},
		{name: "auth secret template", mutate: func(w def) {
			trig(w)["auth"] = map[string]any{"type": "token", "secret": "{{ secrets. }}", "header": "X-Token"}
		}, field: "trigger.auth.secret", message: "unexpected end of expression", line: 1, column: 12},
		{name: "idempotency key expression", mutate: func(w def) {
			trig(w)["idempotency_key"] = "trigger.headers['x-id'"
		}, field: "trigger.idempotency_key", message: "unexpected", line: 1, column: 22},
		{name: "response mode", mutate: func(w def) { trig(w)["response"] = map[string]any{"mode": "later"} }, field: "trigger.response.mode", message: "must be async or sync"},
		{name: "response timeout", mutate: func(w def) {
			trig(w)["response"] = map[string]any{"mode": "sync", "timeout": "10"}
		}, field: "trigger.response.timeout", message: "not a duration"},
		{name: "response timeout negative", mutate: func(w def) {
			trig(w)["response"] = map[string]any{"mode": "sync", "timeout": "-1s"}
		}, field: "trigger.response.timeout", message: "must be positive"},
		{name: "allow_ips", mutate: func(w def) {
			trig(w)["allow_ips"] = []any{"10.0.0.0/8", "10.0.0.300"}
		}, field: "trigger.allow_ips[1]", message: "not an IP address or CIDR"},
		{name: "rate_limit per_second", mutate: func(w def) { trig(w)["rate_limit"] = map[string]any{"burst": 5} }, field: "trigger.rate_limit.per_second", message: "must be positive"},
		{name: "rate_limit burst", mutate: func(w def) {
			trig(w)["rate_limit"] = map[string]any{"per_second": 1, "burst": -1}
		}, field: "trigger.rate_limit.burst", message: "must not be negative"},
		{name: "schema not an object", mutate: func(w def) { trig(w)["schema"] = rawJSON(`"object"`) }, field: "trigger.schema", message: "must be a JSON Schema"},

		// Cron triggers.
		{name: "cron schedule required", mutate: func(w def) { w["trigger"] = map[string]any{"type": "cron"} }, field: "trigger.schedule", message: "is required for cron triggers"},
		{name: "cron timezone unknown", mutate: func(w def) {
			w["trigger"] = map[string]any{"type": "cron", "schedule": "@daily", "timezone": "Mars/Olympus"}
		}, field: "trigger.timezone", message: `unknown time zone "Mars/Olympus"`},
		{name: "cron with methods", mutate: func(w def) {
			w["trigger"] = map[string]any{"type": "cron", "schedule": "@daily", "methods": []any{"POST"}}
		}, field: "trigger.methods", message: "unknown field"},
		{name: "cron with auth", mutate: func(w def) {
			w["trigger"] = map[string]any{"type": "cron", "schedule": "@daily", "auth": map[string]any{"type": "none"}}
		}, field: "trigger.auth", message: "unknown field"},
		{name: "cron with schema", mutate: func(w def) {
			w["trigger"] = map[string]any{"type": "cron", "schedule": "@daily", "schema": rawJSON(`{}`)}
		}, field: "trigger.schema", message: "unknown field"},

		// Manual triggers.
		{name: "manual with methods", mutate: func(w def) {
			w["trigger"] = map[string]any{"type": "manual", "methods": []any{"GET"}}
		}, field: "trigger.methods", message: "unknown field"},
		{name: "manual with schedule", mutate: func(w def) {
			w["trigger"] = map[string]any{"type": "manual", "schedule": "@daily"}
		}, field: "trigger.schedule", message: "unknown field"},
		{name: "manual with rate limit", mutate: func(w def) {
			w["trigger"] = map[string]any{"type": "manual", "rate_limit": map[string]any{"per_second": 1}}
		}, field: "trigger.rate_limit", message: "unknown field"},

		// Steps in general.
		{name: "step id missing", mutate: func(w def) { step(w, 1)["id"] = "" }, field: "steps[1].id", message: "must be a name"},
		{name: "step id with dash", mutate: func(w def) { step(w, 1)["id"] = "re-shape" }, field: "steps[1].id", step: "re-shape", message: "must be a name"},
		{name: "step id starting with a digit", mutate: func(w def) { step(w, 1)["id"] = "1st" }, field: "steps[1].id", step: "1st", message: "must be a name"},
		{name: "duplicate step ids", mutate: func(w def) { step(w, 3)["id"] = "shape" }, field: "steps[3].id", step: "shape", message: "duplicate step id"},
		{name: "step type missing", mutate: func(w def) { step(w, 1)["type"] = "" }, field: "steps[1].type", step: "shape", message: "is required"},
		{name: "step type unknown", mutate: func(w def) { step(w, 1)["type"] = "script" }, field: "steps[1].type", step: "shape", message: `unknown step type "script"`},
		{name: "url on a filter", mutate: func(w def) { step(w, 0)["url"] = "https://x" }, field: "steps[0].url", step: "paid", message: "unknown field"},
		{name: "expr on a webhook", mutate: func(w def) { step(w, 2)["expr"] = "true" }, field: "steps[2].expr", step: "notify", message: "unknown field"},
		{name: "retry on a respond", mutate: func(w def) { step(w, 3)["retry"] = map[string]any{} }, field: "steps[3].retry", step: "answer", message: "unknown field"},
		{name: "headers on a delay", mutate: func(w def) { step(w, 4)["headers"] = map[string]any{"A": "b"} }, field: "steps[4].headers", step: "pause", message: "unknown field"},
		// expr places "unexpected end" errors on the last character of the
		// expression; a template's on the last character before "}}".
		{name: "when syntax", mutate: func(w def) { step(w, 2)["when"] = "payload.x >" }, field: "steps[2].when", step: "notify", message: "unexpected", line: 1, column: 11},
		{name: "when not boolean", mutate: func(w def) { step(w, 2)["when"] = "'yes'" }, field: "steps[2].when", step: "notify", message: "expected bool, but got string"},

		// Filter and transform.
		{name: "filter match and expr", mutate: func(w def) {
			step(w, 0)["match"] = def{"field": "payload.status", "op": "eq", "value": "paid"}
		}, field: "steps[0].expr", step: "paid", message: "give match or expr, not both"},
		{name: "filter match operator", mutate: func(w def) {
			delete(step(w, 0), "expr")
			step(w, 0)["match"] = def{"all": []any{def{"field": "payload.status", "op": "equals", "value": "paid"}}}
		}, field: "steps[0].match.all[0].op", step: "paid", message: `unknown operator "equals"`},
		{name: "when match field", mutate: func(w def) { step(w, 2)["when"] = def{"field": "data.x", "op": "exists"} }, field: "steps[2].when.field", step: "notify", message: "must start with payload"},
		{name: "when neither string nor object", mutate: func(w def) { step(w, 2)["when"] = 5 }, field: "steps[2].when", step: "notify", message: "must be an expression (a string) or a match object"},
		{name: "when match unknown field", mutate: func(w def) {
			step(w, 2)["when"] = def{"all": []any{def{"field": "payload.a", "op": "exists", "colour": 1}}}
		}, field: "steps[2].when.all[0].colour", step: "notify", message: "unknown field"},
		{name: "filter condition required", mutate: func(w def) { step(w, 0)["expr"] = "" }, field: "steps[0].match", step: "paid", message: "is required"},
		{name: "transform set required", mutate: func(w def) { step(w, 1)["expr"] = "" }, field: "steps[1].set", step: "shape", message: "is required"},
		{name: "filter expr a number", mutate: func(w def) { step(w, 0)["expr"] = "1 + 1" }, field: "steps[0].expr", step: "paid", message: "expected bool, but got int"},
		{name: "filter expr arithmetic on the payload", mutate: func(w def) { step(w, 0)["expr"] = "payload.x + 1" }, field: "steps[0].expr", step: "paid", message: `expected bool, but "+" never gives one`, line: 1, column: 11},
		{name: "filter expr a branch not boolean", mutate: func(w def) {
			step(w, 0)["expr"] = "payload.ok ? true : payload.n * 2"
		}, field: "steps[0].expr", step: "paid", message: `"*" never gives one`, line: 1, column: 31},
		{name: "filter expr on two lines", mutate: func(w def) { step(w, 0)["expr"] = "payload.x ==\n  )" }, field: "steps[0].expr", step: "paid", message: "unexpected token", line: 2, column: 3},
		{name: "transform unknown name", mutate: func(w def) { step(w, 1)["expr"] = "{id: paylod.id}" }, field: "steps[1].expr", step: "shape", message: "unknown name paylod", line: 1, column: 6},
		{name: "transform unknown function", mutate: func(w def) { step(w, 1)["expr"] = "sprintf('%d', 1)" }, field: "steps[1].expr", step: "shape", message: "unknown name sprintf", line: 1, column: 1},

		// Webhook steps.
		{name: "webhook bad method", mutate: func(w def) { step(w, 2)["method"] = "FETCH" }, field: "steps[2].method", step: "notify", message: `unknown HTTP method "FETCH"`},
		{name: "webhook url required", mutate: func(w def) { step(w, 2)["url"] = "" }, field: "steps[2].url", step: "notify", message: "is required"},
		{name: "webhook url scheme", mutate: func(w def) { step(w, 2)["url"] = "ftp://example.com" }, field: "steps[2].url", step: "notify", message: "must start with http:// or https://"},
		{name: "webhook url no scheme", mutate: func(w def) { step(w, 2)["url"] = "example.com/{{ payload.id }}" }, field: "steps[2].url", step: "notify", message: "must start with http:// or https://"},
		{name: "webhook url template", mutate: func(w def) { step(w, 2)["url"] = "https://x/{{ payload. }}" }, field: "steps[2].url", step: "notify", message: "unexpected end of expression", line: 1, column: 22},
		{name: "webhook url unclosed", mutate: func(w def) { step(w, 2)["url"] = "https://x/{{ payload.id" }, field: "steps[2].url", step: "notify", message: "unclosed {{", line: 1, column: 11},
		{name: "webhook url empty expression", mutate: func(w def) { step(w, 2)["url"] = "https://x/{{ }}" }, field: "steps[2].url", step: "notify", message: "empty {{ }}", line: 1, column: 11},
		{name: "webhook timeout", mutate: func(w def) { step(w, 2)["timeout"] = "ten seconds" }, field: "steps[2].timeout", step: "notify", message: "not a duration"},
		{name: "webhook timeout zero", mutate: func(w def) { step(w, 2)["timeout"] = "0s" }, field: "steps[2].timeout", step: "notify", message: "must be positive"},
		{name: "sign secret required", mutate: func(w def) { step(w, 2)["sign"] = map[string]any{} }, field: "steps[2].sign.secret", step: "notify", message: "is required"},
		{name: "sign secret template", mutate: func(w def) { step(w, 2)["sign"] = map[string]any{"secret": "{{ secrets.a b}}"} }, field: "steps[2].sign.secret", step: "notify", message: "unexpected token", line: 1, column: 14},
		{name: "retry max_attempts", mutate: func(w def) { step(w, 2)["retry"] = map[string]any{"max_attempts": 101} }, field: "steps[2].retry.max_attempts", step: "notify", message: "must be between 1 and 100"},
		{name: "retry max_attempts negative", mutate: func(w def) { step(w, 2)["retry"] = map[string]any{"max_attempts": -1} }, field: "steps[2].retry.max_attempts", step: "notify", message: "must be between 1 and 100"},
		{name: "retry initial", mutate: func(w def) { step(w, 2)["retry"] = map[string]any{"initial": "soon"} }, field: "steps[2].retry.initial", step: "notify", message: "not a duration"},
		{name: "retry max", mutate: func(w def) { step(w, 2)["retry"] = map[string]any{"max": "-1h"} }, field: "steps[2].retry.max", step: "notify", message: "must be positive"},
		{name: "retry max below initial", mutate: func(w def) {
			step(w, 2)["retry"] = map[string]any{"initial": "10s", "max": "1s"}
		}, field: "steps[2].retry.max", step: "notify", message: "must not be less than retry.initial"},
		{name: "retry max below the default initial", mutate: func(w def) { step(w, 2)["retry"] = map[string]any{"max": "1s"} }, field: "steps[2].retry.max", step: "notify", message: "must not be less than retry.initial"},
		{name: "body expression", mutate: func(w def) { step(w, 2)["body"] = "{a: payload.a,\n b: }" }, field: "steps[2].body", step: "notify", message: "unexpected token", line: 2, column: 5},
		{name: "header template", mutate: func(w def) {
			step(w, 2)["headers"] = map[string]any{"A-Fine": "ok", "X-Name": "Bearer {{ secrets.token + }}"}
		}, field: "steps[2].headers.X-Name", step: "notify", message: "unexpected", line: 1, column: 26},
		{name: "header name", mutate: func(w def) { step(w, 2)["headers"] = map[string]any{"X Name": "v"} }, field: "steps[2].headers", step: "notify", message: `invalid header name "X Name"`},
		{name: "header name empty", mutate: func(w def) { step(w, 2)["headers"] = map[string]any{"": "v"} }, field: "steps[2].headers", step: "notify", message: `invalid header name ""`},

		// Respond steps.
		{name: "respond status low", mutate: func(w def) { step(w, 3)["status"] = 99 }, field: "steps[3].status", step: "answer", message: "between 100 and 599"},
		{name: "respond status high", mutate: func(w def) { step(w, 3)["status"] = 600 }, field: "steps[3].status", step: "answer", message: "between 100 and 599"},
		{name: "respond body", mutate: func(w def) { step(w, 3)["body"] = "payload.(" }, field: "steps[3].body", step: "answer", message: "", line: 1, column: 9},
		{name: "respond header template", mutate: func(w def) {
			step(w, 3)["headers"] = map[string]any{"Content-Type": "{{"}
		}, field: "steps[3].headers.Content-Type", step: "answer", message: "unclosed {{", line: 1, column: 1},

		// Delay steps.
		{name: "delay needs for or until", mutate: func(w def) { step(w, 4)["for"] = "" }, field: "steps[4].for", step: "pause", message: "needs for or until"},
		{name: "delay for and until", mutate: func(w def) { step(w, 4)["until"] = "now()" }, field: "steps[4].until", step: "pause", message: "either for or until, not both"},
		{name: "delay for", mutate: func(w def) { step(w, 4)["for"] = "1 day" }, field: "steps[4].for", step: "pause", message: "not a duration"},
		{name: "delay for negative", mutate: func(w def) { step(w, 4)["for"] = "-5m" }, field: "steps[4].for", step: "pause", message: "must be positive"},
		{name: "delay until expression", mutate: func(w def) {
			step(w, 4)["for"], step(w, 4)["until"] = "", "date(payload.at"
		}, field: "steps[4].until", step: "pause", message: "unexpected", line: 1, column: 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := validDefinition()
			tt.mutate(w)
			_, err := compileDef(t, w)
			if err == nil {
				t.Fatal("Compile succeeded, want an error")
			}
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FieldError", err, err)
			}
			if fe.Field != tt.field || fe.Step != tt.step {
				t.Errorf("Field, Step = %q, %q; want %q, %q (error: %v)", fe.Field, fe.Step, tt.field, tt.step, err)
			}
			if !strings.Contains(fe.Message, tt.message) {
				t.Errorf("Message = %q, want it to contain %q", fe.Message, tt.message)
			}
			if fe.Line != tt.line || fe.Column != tt.column {
				t.Errorf("at %d:%d, want %d:%d (error: %v)", fe.Line, fe.Column, tt.line, tt.column, err)
			}
			if !fieldPath.MatchString(fe.Field) {
				t.Errorf("Field %q is not a path in DESIGN's style", fe.Field)
			}
		})
	}
}

// TestCompileValid: definitions that use the kinds' fields in every
// allowed way compile.
func TestCompileValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(w def)
	}{
		{"as is", func(def) {}},
		{"no id", func(w def) { delete(w, "id") }},
		{"longest id", func(w def) { w["id"] = "a" + strings.Repeat("-", 63) }},
		{"standard auth", func(w def) { trig(w)["auth"] = def{"type": "standard", "secret": "whsec_abc"} }},
		{"auth none without secret", func(w def) { trig(w)["auth"] = def{"type": "none"} }},
		{"token auth in a query parameter", func(w def) {
			trig(w)["auth"] = def{"type": "token", "secret": "{{ secrets.t }}", "query": "token"}
		}},
		{"every method", func(w def) { trig(w)["methods"] = []any{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} }},
		{"a plain IP in allow_ips", func(w def) { trig(w)["allow_ips"] = []any{"192.0.2.1", "::1", "2001:db8::/32"} }},
		{"boolean schema", func(w def) { trig(w)["schema"] = rawJSON(`true`) }},
		{"cron", func(w def) {
			w["trigger"] = def{"type": "cron", "schedule": "*/5 * * * *", "timezone": "America/New_York"}
		}},
		{"manual", func(w def) { w["trigger"] = def{"type": "manual"} }},
		{"url from a template", func(w def) { step(w, 2)["url"] = "{{ vars.base }}/x" }},
		{"filter with a ternary", func(w def) { step(w, 0)["expr"] = "payload.a ? payload.b > 1 : false" }},
		{"filter on an untyped value", func(w def) { step(w, 0)["expr"] = "payload.ok" }},
		{"delay until", func(w def) { delete(step(w, 4), "for"); step(w, 4)["until"] = "date(payload.at)" }},
		{"header names with token characters", func(w def) {
			step(w, 2)["headers"] = def{"X-A_b.c~d!": "v", "Authorization": "Bearer {{ secrets.t }}"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := validDefinition()
			tt.mutate(w)
			if _, err := compileDef(t, w); err != nil {
				t.Fatalf("Compile: %v", err)
			}
		})
	}
}

// TestCompileDefaults: what a definition leaves out takes the documented
// defaults, and what it gives is what the kinds run with.
func TestCompileDefaults(t *testing.T) {
	t.Parallel()
	w := validDefinition()
	trig(w)["response"] = def{"mode": "sync"}
	step(w, 2)["headers"] = def{"X-B": "2", "X-A": "{{ payload.id }}"}
	c, err := compileDef(t, w)
	if err != nil {
		t.Fatal(err)
	}
	wt := c.Trigger.(*WebhookTrigger)
	if !c.Sync() || wt.SyncTimeout != DefaultSyncTimeout {
		t.Errorf("Sync, SyncTimeout = %v, %v; want true, %v", c.Sync(), wt.SyncTimeout, DefaultSyncTimeout)
	}
	hook := c.Steps[2].Program.(*webhookStep)
	if hook.timeout != DefaultTimeout || hook.method != "POST" {
		t.Errorf("timeout, method = %v, %q; want %v, POST", hook.timeout, hook.method, DefaultTimeout)
	}
	if want := (RetryPolicy{DefaultMaxAttempts, DefaultInitial, DefaultMaxBackoff}); hook.retry != want {
		t.Errorf("retry = %+v, want %+v", hook.retry, want)
	}
	if hook.body != nil {
		t.Errorf("body = %v, want nil (the payload)", hook.body)
	}
	if len(hook.headers) != 2 || hook.headers[0].Name != "X-A" || hook.headers[1].Name != "X-B" {
		t.Errorf("headers not sorted by name: %+v", hook.headers)
	}
	if c.Steps[2].Index != 2 {
		t.Errorf("Index = %d, want 2", c.Steps[2].Index)
	}
	if d := c.Steps[4].Program.(*delayStep).wait; d != time.Minute {
		t.Errorf("wait = %v, want 1m", d)
	}
	if s := c.Steps[3].Program.(*respondStep).status; s != 200 {
		t.Errorf("respond status = %d, want 200", s)
	}

	trig(w)["response"] = def{"mode": "sync", "timeout": "3s"}
	step(w, 2)["timeout"] = "2s"
	step(w, 2)["retry"] = def{"max_attempts": 3, "initial": "100ms"}
	if c, err = compileDef(t, w); err != nil {
		t.Fatal(err)
	}
	hook = c.Steps[2].Program.(*webhookStep)
	if wt := c.Trigger.(*WebhookTrigger); wt.SyncTimeout != 3*time.Second || hook.timeout != 2*time.Second {
		t.Errorf("SyncTimeout, timeout = %v, %v; want 3s, 2s", wt.SyncTimeout, hook.timeout)
	}
	if want := (RetryPolicy{3, 100 * time.Millisecond, DefaultMaxBackoff}); hook.retry != want {
		t.Errorf("retry = %+v, want %+v", hook.retry, want)
	}
}

// fieldPath is DESIGN's style for FieldError.Field: dotted names with
// [index] after lists, e.g. steps[2].expr or steps[0].headers.X-Name.
var fieldPath = regexp.MustCompile(`^[a-z_]+(\[\d+\])?(\.[A-Za-z0-9_!#$%&'*+.^` + "`" + `|~-]+(\[\d+\])?)*$`)
