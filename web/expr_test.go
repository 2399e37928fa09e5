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

// TestExprFieldHints: a field the sample lacks is named, with the field
// it has nearest by edit distance; fields it has are not.
func TestExprFieldHints(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sample := map[string]any{"id": "A-1", "amount": 1250}
	got := b.apiOK(http.MethodPost, "/api/v1/expr", map[string]any{"expr": "payload.amout", "payload": sample}, http.StatusOK)
	if fmt.Sprint(got["hints"]) != "[field amout is not in the sample; did you mean amount?]" || got["value"] != nil {
		t.Errorf("answer = %v, want value null and the hint about amout", got)
	}
	// Where the missing field makes the expression fail, the error says why.
	r := b.api(http.MethodPost, "/api/v1/expr", map[string]any{"expr": "payload.amout > 100", "payload": sample})
	e, _ := r.json(t)["error"].(map[string]any)
	if r.status != http.StatusBadRequest || e["hint"] != "field amout is not in the sample; did you mean amount?" {
		t.Errorf("payload.amout > 100 = %d %v, want a 400 with the hint about amout", r.status, e)
	}
	got = b.apiOK(http.MethodPost, "/api/v1/expr", map[string]any{"expr": "steps.shape.totl",
		"payload": sample, "steps": map[string]any{"shape": map[string]any{"total": 1}}}, http.StatusOK)
	if fmt.Sprint(got["hints"]) != "[field steps.shape.totl is not in steps.shape; did you mean steps.shape.total?]" {
		t.Errorf("answer = %v, want the hint about steps.shape.totl", got)
	}
	got = b.apiOK(http.MethodPost, "/api/v1/expr", map[string]any{"expr": "payload.amount > 100", "payload": sample}, http.StatusOK)
	if _, ok := got["hints"]; ok {
		t.Errorf("answer = %v, want no hints", got)
	}
}
