package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestExprValue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		body map[string]any
		want any
	}{
		{map[string]any{"expr": "payload.a + 1", "payload": map[string]any{"a": 2}}, 3},
		{map[string]any{"expr": "{total: sum(map(payload.items, .n)), who: vars.who}",
			"payload": map[string]any{"items": []any{map[string]any{"n": 1}, map[string]any{"n": 4}}},
			"vars":    map[string]any{"who": "ops"}}, map[string]any{"total": 5, "who": "ops"}},
		{map[string]any{"expr": "trigger.headers['x-a'] == 'b'", "trigger": map[string]any{"headers": map[string]any{"x-a": "b"}}}, true},
		{map[string]any{"expr": "steps.shape.order", "steps": map[string]any{"shape": map[string]any{"order": "o-1"}}}, "o-1"},
		{map[string]any{"expr": "'a < b && c'"}, "a < b && c"},
	} {
		r := b.api(http.MethodPost, "/api/v1/expr", tc.body)
		if r.status != http.StatusOK {
			t.Errorf("%v = %d %s", tc.body["expr"], r.status, r.body)
			continue
		}
		jsonEqual(t, r.body, map[string]any{"value": tc.want})
	}
}

func TestExprError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tc := range []struct {
		expr      string
		line, col float64
	}{
		{"payload.a +", 1, 11},
		{"payload.a\n  + )", 2, 5}, // at the ")"
		{"{a: 1,, b: 2}", 1, 7},    // at the second ","
	} {
		r := b.api(http.MethodPost, "/api/v1/expr", map[string]any{"expr": tc.expr, "payload": map[string]any{}})
		e := wantError(t, r, http.StatusBadRequest, "expr_error")
		if e["line"] != tc.line {
			t.Errorf("%q: line = %v, want %v (%v)", tc.expr, e["line"], tc.line, e)
		}
		if e["column"] != tc.col {
			t.Errorf("%q: column = %v, want %v (%v)", tc.expr, e["column"], tc.col, e)
		}
	}
	// A runtime error is a 400 too.
	wantError(t, b.api(http.MethodPost, "/api/v1/expr", map[string]any{"expr": "payload.a / payload.b", "payload": map[string]any{"a": 1, "b": "x"}}),
		http.StatusBadRequest, "expr_error")
	wantError(t, b.api(http.MethodPost, "/api/v1/expr", `{"expr": `), http.StatusBadRequest, "bad_json")
}

// TestExprHints: the preview says how to mend the mistakes people make
// most, and warns of {{ }} in an expression.
func TestExprHints(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for src, want := range map[string]string{
		`payload.type = 'paid'`:             "to compare, use ==",
		`payload.type == payment.succeeded`: "text must be in quotes: 'payment.succeeded'",
	} {
		r := b.api(http.MethodPost, "/api/v1/expr", map[string]any{"expr": src, "payload": map[string]any{}})
		e, _ := r.json(t)["error"].(map[string]any)
		if r.status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(e["hint"]), want) {
			t.Errorf("%s = %d %v, want a hint %q", src, r.status, e, want)
		}
	}
	got := b.apiOK(http.MethodPost, "/api/v1/expr", map[string]any{"expr": `"{{ payload.x }}"`, "payload": map[string]any{}}, http.StatusOK)
	if !strings.Contains(fmt.Sprint(got["warning"]), "{{ }} is for text fields") {
		t.Errorf("answer = %v, want a warning", got)
	}
}
