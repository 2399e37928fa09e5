package workflows

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// compileMatch compiles a match object given as JSON.
func compileMatch(t *testing.T, src string) (*CompiledCondition, error) {
	t.Helper()
	var c Condition
	if err := json.Unmarshal([]byte(src), &c); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	b := &build{path: "steps[0]", step: "s"}
	return b.Condition("when", c)
}

func matchEnv() *Env {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	return &Env{
		Payload: map[string]any{
			"type": "payment.succeeded", "amount": 12000.0, "amount_text": "12000", "zero": 0.0,
			"name": "Ann Lee", "empty": "", "blank": "  ", "none": nil, "vip": true, "flag": "false",
			"tags": []any{"a", "b"}, "nums": []any{1.0, 2.0}, "obj": map[string]any{"k": 1.0}, "no_items": []any{},
			"at": "2026-05-01T12:00:00Z", "day": "2026-05-02", "when": at, "unix": float64(at.Unix()),
			"items":  []any{map[string]any{"sku": "A-1"}, map[string]any{"sku": "B-2"}},
			"weird":  map[string]any{"x-kind": "order", "2024": "year"},
			"nested": map[string]any{"deep": map[string]any{"er": 7.0}},
		},
		Vars:  map[string]any{"min": 10000.0, "currency": "usd"},
		Steps: map[string]any{"shape": map[string]any{"total": 3.0}},
	}
}

// TestMatchOps: each operator on numbers, numeric strings, times,
// strings, lists, missing fields and nulls, as a person reads them.
func TestMatchOps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		field, op, value string
		want             bool
	}{
		{"payload.type", "eq", `"payment.succeeded"`, true},
		{"payload.type", "eq", `"payment"`, false},
		{"payload.type", "ne", `"payment"`, true},
		{"payload.amount", "eq", `12000`, true},
		{"payload.amount", "eq", `"12000"`, true},         // a numeric string against a number
		{"payload.amount_text", "eq", `12000`, true},      // and the reverse
		{"payload.amount_text", "eq", `"12000.0"`, false}, // two strings compare as strings
		{"payload.amount", "gt", `10000`, true},
		{"payload.amount", "gt", `12000`, false},
		{"payload.amount", "gte", `12000`, true},
		{"payload.amount_text", "gt", `9999`, true},
		{"payload.amount", "lt", `"12001"`, true},
		{"payload.amount", "lte", `11999`, false},
		{"payload.amount", "gt", `"{{ vars.min }}"`, true}, // a template keeps its type
		{"payload.zero", "lt", `1`, true},
		{"payload.name", "gt", `"Amy"`, true}, // strings in order
		{"payload.none", "gt", `1`, false},
		{"payload.missing", "lt", `1`, false},
		{"payload.name", "contains", `"Lee"`, true},
		{"payload.name", "not_contains", `"Lee"`, false},
		{"payload.tags", "contains", `"b"`, true},
		{"payload.nums", "contains", `"2"`, true},
		{"payload.obj", "contains", `"k"`, true},
		{"payload.missing", "contains", `"x"`, false},
		{"payload.missing", "not_contains", `"x"`, true},
		{"payload.name", "starts_with", `"Ann"`, true},
		{"payload.name", "ends_with", `"Ann"`, false},
		{"payload.type", "matches", `"^payment\\.(succeeded|failed)$"`, true},
		{"payload.type", "in", `["payment.failed", "payment.succeeded"]`, true},
		{"payload.amount", "in", `["12000", 1]`, true},
		{"payload.type", "not_in", `["payment.failed"]`, true},
		{"payload.type", "exists", ``, true},
		{"payload.none", "exists", ``, false},
		{"payload.missing", "not_exists", ``, true},
		{"payload.items[5].sku", "not_exists", ``, true},
		{"payload.empty", "is_empty", ``, true},
		{"payload.blank", "is_empty", ``, true},
		{"payload.none", "is_empty", ``, true},
		{"payload.no_items", "is_empty", ``, true},
		{"payload.tags", "not_empty", ``, true},
		{"payload.zero", "is_empty", ``, false},
		{"payload.vip", "is_true", ``, true},
		{"payload.flag", "is_false", ``, true},
		{"payload.missing", "is_false", ``, false},
		{"payload.at", "before", `"2026-05-02T00:00:00Z"`, true},
		{"payload.at", "after", `"2026-05-01"`, true},
		{"payload.when", "eq", `"2026-05-01T12:00:00Z"`, true},
		{"payload.when", "before", `"{{ payload.day }}"`, true},
		{"payload.unix", "after", `"2026-04-30"`, true},
		{"payload.day", "gt", `"2026-05-01T23:00:00Z"`, true}, // two times as strings
		{"payload.items[1].sku", "eq", `"B-2"`, true},
		{"payload.weird.x-kind", "eq", `"order"`, true},
		{"payload.weird.2024", "eq", `"year"`, true},
		{"payload.nested.deep.er", "eq", `7`, true},
		{"steps.shape.total", "eq", `3`, true},
		{"vars.currency", "eq", `"usd"`, true},
		{"payload.name", "eq", `"{{ upper('ann') }} Lee"`, false},
		{"payload.name", "eq", `"Ann {{ 'Lee' }}"`, true},
	}
	for _, tt := range tests {
		rule := `{"field": "` + tt.field + `", "op": "` + tt.op + `"`
		if tt.value != "" {
			rule += `, "value": ` + tt.value
		}
		rule += `}`
		c, err := compileMatch(t, rule)
		if err != nil {
			t.Errorf("%s: %v", rule, err)
			continue
		}
		got, err := c.Eval(matchEnv())
		if err != nil || got != tt.want {
			t.Errorf("%s = %v, %v; want %v", rule, got, err, tt.want)
		}
	}
}

// TestMatchGroups: all and any nest; the whole match is one program.
func TestMatchGroups(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]bool{
		`{"all": [{"field": "payload.type", "op": "eq", "value": "payment.succeeded"},
		          {"any": [{"field": "payload.amount", "op": "gt", "value": 100000}, {"field": "payload.vip", "op": "is_true"}]}]}`: true,
		`{"all": [{"field": "payload.type", "op": "eq", "value": "payment.succeeded"},
		          {"any": [{"field": "payload.amount", "op": "gt", "value": 100000}, {"field": "payload.none", "op": "exists"}]}]}`: false,
		`{"any": [{"field": "payload.missing", "op": "exists"}, {"all": [{"field": "payload.vip", "op": "is_true"}]}]}`: true,
	} {
		c, err := compileMatch(t, src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got, err := c.Eval(matchEnv()); err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", src, got, err, want)
		}
	}
}

// TestMatchExplain: a false match says which rule failed and what value
// it saw.
func TestMatchExplain(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		`{"all": [{"field": "payload.type", "op": "eq", "value": "payment.succeeded"}, {"field": "payload.amount", "op": "gt", "value": 20000}]}`:                   `payload.amount gt 20000: was 12000`,
		`{"field": "payload.missing", "op": "eq", "value": "x"}`:                                                                                                    `payload.missing eq "x": was missing`,
		`{"all": [{"field": "payload.vip", "op": "is_true"}, {"any": [{"field": "payload.none", "op": "exists"}, {"field": "payload.empty", "op": "not_empty"}]}]}`: `none of payload.none exists, payload.empty not_empty`,
		`{"any": [{"field": "payload.name", "op": "eq", "value": "Bob"}, {"field": "payload.vip", "op": "is_false"}]}`:                                              `payload.name eq "Bob": was "Ann Lee"`,
	} {
		c, err := compileMatch(t, src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if ok, _ := c.Eval(matchEnv()); ok {
			t.Fatalf("%s held", src)
		}
		if got := c.Explain(matchEnv()); got != want {
			t.Errorf("Explain(%s) = %q, want %q", src, got, want)
		}
	}
}

// TestMatchErrors: a wrong rule is refused at save with its path.
func TestMatchErrors(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		`{"field": "payload.a", "op": "equals", "value": 1}`:                       `steps[0].when.op: unknown operator "equals"`,
		`{"field": "payload.a", "value": 1}`:                                       `steps[0].when.op: is required`,
		`{"op": "eq", "value": 1}`:                                                 `steps[0].when: a rule needs a field`,
		`{"field": "data.a", "op": "eq", "value": 1}`:                              `steps[0].when.field: must start with payload, trigger, steps, vars, item or index`,
		`{"field": "payload.a[x]", "op": "eq", "value": 1}`:                        `steps[0].when.field: not a field path`,
		`{"field": "payload.a", "op": "eq"}`:                                       `steps[0].when.value: is required for eq`,
		`{"field": "payload.a", "op": "exists", "value": 1}`:                       `steps[0].when.value: exists takes no value`,
		`{"field": "payload.a", "op": "in", "value": "a"}`:                         `steps[0].when.value: in needs a list`,
		`{"field": "payload.a", "op": "matches", "value": "("}`:                    `steps[0].when.value: not a pattern`,
		`{"all": [{"field": "payload.a", "op": "eq", "value": "{{ payload. }}"}]}`: `steps[0].when.all[0].value: unexpected end`,
		`{"all": [{"field": "payload.a", "op": "eq", "value": 1}], "any": []}`:     ``,
		`{"all": [{"field": "payload.a", "op": "eq", "value": 1}], "field": "x"}`:  `steps[0].when: a group has all or any, not field`,
		`{"any": [{"all": [{"field": "payload.a", "op": "nope", "value": 1}]}]}`:   `steps[0].when.any[0].all[0].op: unknown operator`,
	} {
		_, err := compileMatch(t, src)
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v", src, err)
			}
			continue
		}
		var fe *FieldError
		if !errors.As(err, &fe) || !strings.Contains(fe.Field+": "+fe.Message, want) {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
}

// TestConditionJSON: a condition is a string or a match object, and is
// written back as it came; anything else is refused with its path.
func TestConditionJSON(t *testing.T) {
	t.Parallel()
	for _, src := range []string{`"payload.a > 1"`, `{"all":[{"field":"payload.a","op":"gt","value":1}]}`} {
		var c Condition
		if err := json.Unmarshal([]byte(src), &c); err != nil {
			t.Fatal(err)
		}
		b, err := marshalNoEscape(c)
		if err != nil || string(b) != src {
			t.Errorf("%s round-tripped as %s, %v", src, b, err)
		}
	}
	var c Condition
	err := json.Unmarshal([]byte(`{"all": [{"field": "payload.a", "op": "eq", "valu": 1}]}`), &c)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "all[0].valu" {
		t.Errorf("a misspelled field: %v", err)
	}
}
