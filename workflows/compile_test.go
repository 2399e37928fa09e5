package workflows

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// validWorkflow returns a definition that compiles, with one step of each
// type, for tests to break one field at a time.
func validWorkflow() *Workflow {
	return &Workflow{
		Format:  Format,
		ID:      "orders",
		Name:    "Orders",
		Enabled: true,
		Trigger: Trigger{Type: TriggerWebhook},
		Steps: []Step{
			{ID: "paid", Type: StepFilter, Expr: "payload.status == 'paid'"},
			{ID: "shape", Type: StepTransform, Expr: "{id: payload.id}"},
			{ID: "notify", Type: StepWebhook, URL: "https://example.com/hook"},
			{ID: "answer", Type: StepRespond},
			{ID: "pause", Type: StepDelay, For: "1m"},
		},
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(w *Workflow)
		field   string
		step    string
		message string // a part of the message
		line    int
		column  int
	}{
		// The workflow.
		{name: "format missing", mutate: func(w *Workflow) { w.Format = "" }, field: "format", message: `must be "hookflow/v1"`},
		{name: "format other", mutate: func(w *Workflow) { w.Format = "hookflow/v2" }, field: "format", message: `got "hookflow/v2"`},
		{name: "id upper case", mutate: func(w *Workflow) { w.ID = "Orders" }, field: "id", message: "must match"},
		{name: "id leading dash", mutate: func(w *Workflow) { w.ID = "-orders" }, field: "id", message: "must match"},
		{name: "id too long", mutate: func(w *Workflow) { w.ID = strings.Repeat("a", 65) }, field: "id", message: "must match"},
		{name: "name missing", mutate: func(w *Workflow) { w.Name = "" }, field: "name", message: "is required"},
		{name: "name blank", mutate: func(w *Workflow) { w.Name = "  \t" }, field: "name", message: "is required"},
		{name: "on_failure not an id", mutate: func(w *Workflow) { w.OnFailure = "Alert Ops" }, field: "on_failure", message: "must be a workflow id"},
		{name: "concurrency negative", mutate: func(w *Workflow) { w.Concurrency = -1 }, field: "concurrency", message: "must not be negative"},

		// Trigger type.
		{name: "trigger type missing", mutate: func(w *Workflow) { w.Trigger.Type = "" }, field: "trigger.type", message: "is required"},
		{name: "trigger type unknown", mutate: func(w *Workflow) { w.Trigger.Type = "email" }, field: "trigger.type", message: `unknown trigger type "email"`},

		// Webhook triggers.
		{name: "webhook with schedule", mutate: func(w *Workflow) { w.Trigger.Schedule = "@hourly" }, field: "trigger.schedule", message: "belongs to cron triggers"},
		{name: "webhook with timezone", mutate: func(w *Workflow) { w.Trigger.Timezone = "UTC" }, field: "trigger.timezone", message: "belongs to cron triggers"},
		{name: "webhook bad method", mutate: func(w *Workflow) { w.Trigger.Methods = []string{"POST", "post"} }, field: "trigger.methods[1]", message: `unknown HTTP method "post"`},
		{name: "auth type unknown", mutate: func(w *Workflow) { w.Trigger.Auth = &Auth{Type: "jwt", Secret: "s"} }, field: "trigger.auth.type", message: `unknown auth type "jwt"`},
		{name: "auth type missing", mutate: func(w *Workflow) { w.Trigger.Auth = &Auth{Secret: "s"} }, field: "trigger.auth.type", message: "unknown auth type"},
		{name: "auth secret missing", mutate: func(w *Workflow) { w.Trigger.Auth = &Auth{Type: "github"} }, field: "trigger.auth.secret", message: "is required for github auth"},
		{name: "basic auth username", mutate: func(w *Workflow) { w.Trigger.Auth = &Auth{Type: "basic", Secret: "pw"} }, field: "trigger.auth.username", message: "is required for basic auth"},
		{name: "hmac auth header", mutate: func(w *Workflow) { w.Trigger.Auth = &Auth{Type: "hmac", Secret: "s"} }, field: "trigger.auth.header", message: "is required for hmac auth"},
		{name: "hmac algorithm", mutate: func(w *Workflow) {
			w.Trigger.Auth = &Auth{Type: "hmac", Secret: "s", Header: "X-Sig", Algorithm: "md5"}
		}, field: "trigger.auth.algorithm", message: "must be sha256, sha1 or sha512"},
		{name: "hmac encoding", mutate: func(w *Workflow) {
			w.Trigger.Auth = &Auth{Type: "hmac", Secret: "s", Header: "X-Sig", Encoding: "base32"}
		}, field: "trigger.auth.encoding", message: "must be hex or base64"},
		{name: "auth secret template", mutate: func(w *Workflow) {
			w.Trigger.Auth = &Auth{Type: "token", Secret: "{{ secrets. }}", Header: "X-Token"}
		}, field: "trigger.auth.secret", message: "unexpected end of expression", line: 1, column: 12},
		{name: "idempotency key expression", mutate: func(w *Workflow) {
			w.Trigger.IdempotencyKey = "trigger.headers['x-id'"
		}, field: "trigger.idempotency_key", message: "unexpected", line: 1, column: 22},
		{name: "response mode", mutate: func(w *Workflow) { w.Trigger.Response = &Response{Mode: "later"} }, field: "trigger.response.mode", message: "must be async or sync"},
		{name: "response timeout", mutate: func(w *Workflow) {
			w.Trigger.Response = &Response{Mode: "sync", Timeout: "10"}
		}, field: "trigger.response.timeout", message: "not a duration"},
		{name: "response timeout negative", mutate: func(w *Workflow) {
			w.Trigger.Response = &Response{Mode: "sync", Timeout: "-1s"}
		}, field: "trigger.response.timeout", message: "must be positive"},
		{name: "allow_ips", mutate: func(w *Workflow) {
			w.Trigger.AllowIPs = []string{"10.0.0.0/8", "10.0.0.300"}
		}, field: "trigger.allow_ips[1]", message: "not an IP address or CIDR"},
		{name: "rate_limit per_second", mutate: func(w *Workflow) { w.Trigger.RateLimit = &RateLimit{Burst: 5} }, field: "trigger.rate_limit.per_second", message: "must be positive"},
		{name: "rate_limit burst", mutate: func(w *Workflow) {
			w.Trigger.RateLimit = &RateLimit{PerSecond: 1, Burst: -1}
		}, field: "trigger.rate_limit.burst", message: "must not be negative"},
		{name: "schema not an object", mutate: func(w *Workflow) { w.Trigger.Schema = json.RawMessage(`"object"`) }, field: "trigger.schema", message: "must be a JSON Schema"},

		// Cron triggers.
		{name: "cron schedule required", mutate: func(w *Workflow) { w.Trigger = Trigger{Type: TriggerCron} }, field: "trigger.schedule", message: "is required for cron triggers"},
		{name: "cron timezone unknown", mutate: func(w *Workflow) {
			w.Trigger = Trigger{Type: TriggerCron, Schedule: "@daily", Timezone: "Mars/Olympus"}
		}, field: "trigger.timezone", message: `unknown time zone "Mars/Olympus"`},
		{name: "cron with methods", mutate: func(w *Workflow) {
			w.Trigger = Trigger{Type: TriggerCron, Schedule: "@daily", Methods: []string{"POST"}}
		}, field: "trigger.methods", message: "cron triggers take only schedule and timezone"},
		{name: "cron with auth", mutate: func(w *Workflow) {
			w.Trigger = Trigger{Type: TriggerCron, Schedule: "@daily", Auth: &Auth{Type: "none"}}
		}, field: "trigger.auth", message: "cron triggers take only schedule and timezone"},
		{name: "cron with schema", mutate: func(w *Workflow) {
			w.Trigger = Trigger{Type: TriggerCron, Schedule: "@daily", Schema: json.RawMessage(`{}`)}
		}, field: "trigger.schema", message: "cron triggers take only schedule and timezone"},

		// Manual triggers.
		{name: "manual with methods", mutate: func(w *Workflow) {
			w.Trigger = Trigger{Type: TriggerManual, Methods: []string{"GET"}}
		}, field: "trigger.methods", message: "manual triggers take no settings"},
		{name: "manual with schedule", mutate: func(w *Workflow) {
			w.Trigger = Trigger{Type: TriggerManual, Schedule: "@daily"}
		}, field: "trigger.schedule", message: "manual triggers take no settings"},
		{name: "manual with rate limit", mutate: func(w *Workflow) {
			w.Trigger = Trigger{Type: TriggerManual, RateLimit: &RateLimit{PerSecond: 1}}
		}, field: "trigger.rate_limit", message: "manual triggers take no settings"},

		// Steps in general.
		{name: "steps required", mutate: func(w *Workflow) { w.Steps = nil }, field: "steps", message: "at least one step is required"},
		{name: "step id missing", mutate: func(w *Workflow) { w.Steps[1].ID = "" }, field: "steps[1].id", message: "must be a name"},
		{name: "step id with dash", mutate: func(w *Workflow) { w.Steps[1].ID = "re-shape" }, field: "steps[1].id", step: "re-shape", message: "must be a name"},
		{name: "step id starting with a digit", mutate: func(w *Workflow) { w.Steps[1].ID = "1st" }, field: "steps[1].id", step: "1st", message: "must be a name"},
		{name: "duplicate step ids", mutate: func(w *Workflow) { w.Steps[3].ID = "shape" }, field: "steps[3].id", step: "shape", message: "duplicate step id"},
		{name: "step type missing", mutate: func(w *Workflow) { w.Steps[1].Type = "" }, field: "steps[1].type", step: "shape", message: "is required"},
		{name: "step type unknown", mutate: func(w *Workflow) { w.Steps[1].Type = "script" }, field: "steps[1].type", step: "shape", message: `unknown step type "script"`},
		{name: "url on a filter", mutate: func(w *Workflow) { w.Steps[0].URL = "https://x" }, field: "steps[0].url", step: "paid", message: "does not belong to a filter step"},
		{name: "expr on a webhook", mutate: func(w *Workflow) { w.Steps[2].Expr = "true" }, field: "steps[2].expr", step: "notify", message: "does not belong to a webhook step"},
		{name: "retry on a respond", mutate: func(w *Workflow) { w.Steps[3].Retry = &Retry{} }, field: "steps[3].retry", step: "answer", message: "does not belong to a respond step"},
		{name: "headers on a delay", mutate: func(w *Workflow) { w.Steps[4].Headers = map[string]string{"A": "b"} }, field: "steps[4].headers", step: "pause", message: "does not belong to a delay step"},
		// expr places "unexpected end" errors on the last character of the
		// expression; a template's on the last character before "}}".
		{name: "when syntax", mutate: func(w *Workflow) { w.Steps[2].When = "payload.x >" }, field: "steps[2].when", step: "notify", message: "unexpected", line: 1, column: 11},
		{name: "when not boolean", mutate: func(w *Workflow) { w.Steps[2].When = "'yes'" }, field: "steps[2].when", step: "notify", message: "expected bool, but got string"},

		// Filter and transform.
		{name: "filter expr required", mutate: func(w *Workflow) { w.Steps[0].Expr = "" }, field: "steps[0].expr", step: "paid", message: "is required"},
		{name: "transform expr required", mutate: func(w *Workflow) { w.Steps[1].Expr = "" }, field: "steps[1].expr", step: "shape", message: "is required"},
		{name: "filter expr a number", mutate: func(w *Workflow) { w.Steps[0].Expr = "1 + 1" }, field: "steps[0].expr", step: "paid", message: "expected bool, but got int"},
		{name: "filter expr arithmetic on the payload", mutate: func(w *Workflow) { w.Steps[0].Expr = "payload.x + 1" }, field: "steps[0].expr", step: "paid", message: `expected bool, but "+" never gives one`, line: 1, column: 11},
		{name: "filter expr a branch not boolean", mutate: func(w *Workflow) {
			w.Steps[0].Expr = "payload.ok ? true : payload.n * 2"
		}, field: "steps[0].expr", step: "paid", message: `"*" never gives one`, line: 1, column: 31},
		{name: "filter expr on two lines", mutate: func(w *Workflow) { w.Steps[0].Expr = "payload.x ==\n  )" }, field: "steps[0].expr", step: "paid", message: "unexpected token", line: 2, column: 3},
		{name: "transform unknown name", mutate: func(w *Workflow) { w.Steps[1].Expr = "{id: paylod.id}" }, field: "steps[1].expr", step: "shape", message: "unknown name paylod", line: 1, column: 6},
		{name: "transform unknown function", mutate: func(w *Workflow) { w.Steps[1].Expr = "sprintf('%d', 1)" }, field: "steps[1].expr", step: "shape", message: "unknown name sprintf", line: 1, column: 1},

		// Webhook steps.
		{name: "webhook bad method", mutate: func(w *Workflow) { w.Steps[2].Method = "FETCH" }, field: "steps[2].method", step: "notify", message: `unknown HTTP method "FETCH"`},
		{name: "webhook url required", mutate: func(w *Workflow) { w.Steps[2].URL = "" }, field: "steps[2].url", step: "notify", message: "is required"},
		{name: "webhook url scheme", mutate: func(w *Workflow) { w.Steps[2].URL = "ftp://example.com" }, field: "steps[2].url", step: "notify", message: "must start with http:// or https://"},
		{name: "webhook url no scheme", mutate: func(w *Workflow) { w.Steps[2].URL = "example.com/{{ payload.id }}" }, field: "steps[2].url", step: "notify", message: "must start with http:// or https://"},
		{name: "webhook url template", mutate: func(w *Workflow) { w.Steps[2].URL = "https://x/{{ payload. }}" }, field: "steps[2].url", step: "notify", message: "unexpected end of expression", line: 1, column: 22},
		{name: "webhook url unclosed", mutate: func(w *Workflow) { w.Steps[2].URL = "https://x/{{ payload.id" }, field: "steps[2].url", step: "notify", message: "unclosed {{", line: 1, column: 11},
		{name: "webhook url empty expression", mutate: func(w *Workflow) { w.Steps[2].URL = "https://x/{{ }}" }, field: "steps[2].url", step: "notify", message: "empty {{ }}", line: 1, column: 11},
		{name: "webhook timeout", mutate: func(w *Workflow) { w.Steps[2].Timeout = "ten seconds" }, field: "steps[2].timeout", step: "notify", message: "not a duration"},
		{name: "webhook timeout zero", mutate: func(w *Workflow) { w.Steps[2].Timeout = "0s" }, field: "steps[2].timeout", step: "notify", message: "must be positive"},
		{name: "sign secret required", mutate: func(w *Workflow) { w.Steps[2].Sign = &Sign{} }, field: "steps[2].sign.secret", step: "notify", message: "is required"},
		{name: "sign secret template", mutate: func(w *Workflow) { w.Steps[2].Sign = &Sign{Secret: "{{ secrets.a b }}"} }, field: "steps[2].sign.secret", step: "notify", message: "unexpected token", line: 1, column: 14},
		{name: "retry max_attempts", mutate: func(w *Workflow) { w.Steps[2].Retry = &Retry{MaxAttempts: 101} }, field: "steps[2].retry.max_attempts", step: "notify", message: "must be between 1 and 100"},
		{name: "retry max_attempts negative", mutate: func(w *Workflow) { w.Steps[2].Retry = &Retry{MaxAttempts: -1} }, field: "steps[2].retry.max_attempts", step: "notify", message: "must be between 1 and 100"},
		{name: "retry initial", mutate: func(w *Workflow) { w.Steps[2].Retry = &Retry{Initial: "soon"} }, field: "steps[2].retry.initial", step: "notify", message: "not a duration"},
		{name: "retry max", mutate: func(w *Workflow) { w.Steps[2].Retry = &Retry{Max: "-1h"} }, field: "steps[2].retry.max", step: "notify", message: "must be positive"},
		{name: "retry max below initial", mutate: func(w *Workflow) {
			w.Steps[2].Retry = &Retry{Initial: "10s", Max: "1s"}
		}, field: "steps[2].retry.max", step: "notify", message: "must not be less than retry.initial"},
		{name: "retry max below the default initial", mutate: func(w *Workflow) { w.Steps[2].Retry = &Retry{Max: "1s"} }, field: "steps[2].retry.max", step: "notify", message: "must not be less than retry.initial"},
		{name: "body expression", mutate: func(w *Workflow) { w.Steps[2].Body = "{a: payload.a,\n b: }" }, field: "steps[2].body", step: "notify", message: "unexpected token", line: 2, column: 5},
		{name: "header template", mutate: func(w *Workflow) {
			w.Steps[2].Headers = map[string]string{"A-Fine": "ok", "X-Name": "Bearer {{ secrets.token + }}"}
		}, field: "steps[2].headers.X-Name", step: "notify", message: "unexpected", line: 1, column: 26},
		{name: "header name", mutate: func(w *Workflow) { w.Steps[2].Headers = map[string]string{"X Name": "v"} }, field: "steps[2].headers", step: "notify", message: `invalid header name "X Name"`},
		{name: "header name empty", mutate: func(w *Workflow) { w.Steps[2].Headers = map[string]string{"": "v"} }, field: "steps[2].headers", step: "notify", message: `invalid header name ""`},

		// Respond steps.
		{name: "respond status low", mutate: func(w *Workflow) { w.Steps[3].Status = 99 }, field: "steps[3].status", step: "answer", message: "between 100 and 599"},
		{name: "respond status high", mutate: func(w *Workflow) { w.Steps[3].Status = 600 }, field: "steps[3].status", step: "answer", message: "between 100 and 599"},
		{name: "respond body", mutate: func(w *Workflow) { w.Steps[3].Body = "payload.(" }, field: "steps[3].body", step: "answer", message: "", line: 1, column: 9},
		{name: "respond header template", mutate: func(w *Workflow) {
			w.Steps[3].Headers = map[string]string{"Content-Type": "{{"}
		}, field: "steps[3].headers.Content-Type", step: "answer", message: "unclosed {{", line: 1, column: 1},

		// Delay steps.
		{name: "delay needs for or until", mutate: func(w *Workflow) { w.Steps[4].For = "" }, field: "steps[4].for", step: "pause", message: "needs for or until"},
		{name: "delay for and until", mutate: func(w *Workflow) { w.Steps[4].Until = "now()" }, field: "steps[4].until", step: "pause", message: "either for or until, not both"},
		{name: "delay for", mutate: func(w *Workflow) { w.Steps[4].For = "1 day" }, field: "steps[4].for", step: "pause", message: "not a duration"},
		{name: "delay for negative", mutate: func(w *Workflow) { w.Steps[4].For = "-5m" }, field: "steps[4].for", step: "pause", message: "must be positive"},
		{name: "delay until expression", mutate: func(w *Workflow) {
			w.Steps[4].For, w.Steps[4].Until = "", "date(payload.at"
		}, field: "steps[4].until", step: "pause", message: "unexpected", line: 1, column: 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := validWorkflow()
			tt.mutate(w)
			_, err := Compile(w)
			if err == nil {
				t.Fatal("Compile succeeded, want an error")
			}
			var fe *FieldError
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
			if err := Validate(w); err == nil || err.Error() != fe.Error() {
				t.Errorf("Validate = %v, want the same error as Compile", err)
			}
		})
	}
}

func TestCompileValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(w *Workflow)
	}{
		{"as is", func(*Workflow) {}},
		{"no id", func(w *Workflow) { w.ID = "" }},
		{"longest id", func(w *Workflow) { w.ID = "a" + strings.Repeat("-", 63) }},
		{"every auth type", func(w *Workflow) {
			w.Trigger.Auth = &Auth{Type: "standard", Secret: "whsec_abc"}
		}},
		{"auth none without secret", func(w *Workflow) { w.Trigger.Auth = &Auth{Type: "none"} }},
		{"token auth in a query parameter", func(w *Workflow) {
			w.Trigger.Auth = &Auth{Type: "token", Secret: "{{ secrets.t }}", Query: "token"}
		}},
		{"a plain IP in allow_ips", func(w *Workflow) { w.Trigger.AllowIPs = []string{"192.0.2.1", "::1", "2001:db8::/32"} }},
		{"boolean schema", func(w *Workflow) { w.Trigger.Schema = json.RawMessage(`true`) }},
		{"cron", func(w *Workflow) {
			w.Trigger = Trigger{Type: TriggerCron, Schedule: "*/5 * * * *", Timezone: "America/New_York"}
		}},
		{"manual", func(w *Workflow) { w.Trigger = Trigger{Type: TriggerManual} }},
		{"url from a template", func(w *Workflow) { w.Steps[2].URL = "{{ vars.base }}/x" }},
		{"filter with a ternary", func(w *Workflow) { w.Steps[0].Expr = "payload.a ? payload.b > 1 : false" }},
		{"filter on an untyped value", func(w *Workflow) { w.Steps[0].Expr = "payload.ok" }},
		{"delay until", func(w *Workflow) { w.Steps[4].For, w.Steps[4].Until = "", "date(payload.at)" }},
		{"header names with token characters", func(w *Workflow) {
			w.Steps[2].Headers = map[string]string{"X-A_b.c~d!": "v", "Authorization": "Bearer {{ secrets.t }}"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := validWorkflow()
			tt.mutate(w)
			if _, err := Compile(w); err != nil {
				t.Fatalf("Compile: %v", err)
			}
		})
	}
}

func TestCompileDefaults(t *testing.T) {
	t.Parallel()
	w := validWorkflow()
	w.Trigger.Response = &Response{Mode: "sync"}
	w.Steps[2].Headers = map[string]string{"X-B": "2", "X-A": "{{ payload.id }}"}
	c, err := Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Sync() || c.SyncTimeout != DefaultSyncTimeout {
		t.Errorf("Sync, SyncTimeout = %v, %v; want true, %v", c.Sync(), c.SyncTimeout, DefaultSyncTimeout)
	}
	hook := c.Steps[2]
	if hook.Timeout != DefaultTimeout {
		t.Errorf("Timeout = %v, want %v", hook.Timeout, DefaultTimeout)
	}
	if want := (RetryPolicy{DefaultMaxAttempts, DefaultInitial, DefaultMaxBackoff}); hook.Retry != want {
		t.Errorf("Retry = %+v, want %+v", hook.Retry, want)
	}
	if hook.Body != nil {
		t.Errorf("Body = %v, want nil (the payload)", hook.Body)
	}
	if len(hook.Headers) != 2 || hook.Headers[0].Name != "X-A" || hook.Headers[1].Name != "X-B" {
		t.Errorf("Headers not sorted by name: %+v", hook.Headers)
	}
	if hook.Index != 2 || hook.Step != &w.Steps[2] {
		t.Errorf("Index, Step = %d, %p; want 2, %p", hook.Index, hook.Step, &w.Steps[2])
	}
	if d := c.Steps[4].Delay; d != time.Minute {
		t.Errorf("Delay = %v, want 1m", d)
	}

	w.Trigger.Response.Timeout = "3s"
	w.Steps[2].Timeout = "2s"
	w.Steps[2].Retry = &Retry{MaxAttempts: 3, Initial: "100ms"}
	c, err = Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	if c.SyncTimeout != 3*time.Second || c.Steps[2].Timeout != 2*time.Second {
		t.Errorf("SyncTimeout, Timeout = %v, %v; want 3s, 2s", c.SyncTimeout, c.Steps[2].Timeout)
	}
	if want := (RetryPolicy{3, 100 * time.Millisecond, DefaultMaxBackoff}); c.Steps[2].Retry != want {
		t.Errorf("Retry = %+v, want %+v", c.Steps[2].Retry, want)
	}
}

func TestCompileNil(t *testing.T) {
	t.Parallel()
	if _, err := Compile(nil); err == nil {
		t.Error("Compile(nil) succeeded")
	}
}

func TestFieldErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *FieldError
		want string
	}{
		{&FieldError{Field: "name", Message: "is required"}, "name: is required"},
		{&FieldError{Field: "steps[0].expr", Step: "paid", Message: "unexpected token", Line: 2, Column: 3}, `step "paid": steps[0].expr: unexpected token (2:3)`},
		{&FieldError{Message: "unclosed {{", Line: 1, Column: 4}, "unclosed {{ (1:4)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// fieldPath is DESIGN's style for FieldError.Field: dotted names with
// [index] after lists, e.g. steps[2].expr or steps[0].headers.X-Name.
var fieldPath = regexp.MustCompile(`^[a-z_]+(\[\d+\])?(\.[A-Za-z0-9_!#$%&'*+.^` + "`" + `|~-]+(\[\d+\])?)*$`)
