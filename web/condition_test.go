package web_test

import (
	"net/http"
	"testing"
)

// TestConditionCheck: POST /api/v1/condition says what each rule of a
// condition gives against a sample and the earlier steps' outputs.
func TestConditionCheck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	payload := map[string]any{"type": "payment.succeeded", "data": map[string]any{"amount": 5000, "currency": "usd"}, "vip": true}
	r := b.api(http.MethodPost, "/api/v1/condition", map[string]any{
		"when": map[string]any{"all": []any{
			map[string]any{"field": "payload.type", "op": "eq", "value": "payment.succeeded"},
			map[string]any{"any": []any{
				map[string]any{"field": "payload.data.amount", "op": "gt", "value": 10000},
				map[string]any{"field": "payload.vip", "op": "is_true"},
			}},
			map[string]any{"field": "steps.shape.total", "op": "gte", "value": "{{ vars.min }}"},
		}},
		"payload": payload,
		"steps":   map[string]any{"shape": map[string]any{"total": 3}},
		"vars":    map[string]any{"min": 4},
	})
	if r.status != http.StatusOK {
		t.Fatalf("condition = %d %s", r.status, r.body)
	}
	jsonEqual(t, r.body, map[string]any{"ok": false, "rules": []any{
		map[string]any{"path": "", "ok": false, "seen": nil, "group": true},
		map[string]any{"path": "all[0]", "ok": true, "seen": "payment.succeeded"},
		map[string]any{"path": "all[1]", "ok": true, "seen": nil, "group": true},
		map[string]any{"path": "all[1].any[0]", "ok": false, "seen": 5000},
		map[string]any{"path": "all[1].any[1]", "ok": true, "seen": true},
		map[string]any{"path": "all[2]", "ok": false, "seen": 3},
	}})

	// An expression holds or not, with no rules to show.
	r = b.api(http.MethodPost, "/api/v1/condition", map[string]any{"when": "payload.vip", "payload": payload})
	if r.status != http.StatusOK {
		t.Fatalf("expression = %d %s", r.status, r.body)
	}
	jsonEqual(t, r.body, map[string]any{"ok": true, "rules": []any{}})

	// A bad rule is refused at its place.
	r = b.api(http.MethodPost, "/api/v1/condition", map[string]any{"when": map[string]any{"any": []any{
		map[string]any{"field": "payload.vip", "op": "is_true"},
		map[string]any{"field": "payload.data.amount", "op": "gt"}}}, "payload": payload})
	e := wantError(t, r, http.StatusBadRequest, "condition_error")
	if e["field"] != "when.any[1].value" {
		t.Errorf("error field = %v, want when.any[1].value", e["field"])
	}
	wantError(t, b.api(http.MethodPost, "/api/v1/condition", map[string]any{"payload": payload}), http.StatusBadRequest, "condition_error")
	wantError(t, b.api(http.MethodPost, "/api/v1/condition", map[string]any{"when": map[string]any{"field": "payload.a", "op": "eq", "value": 1, "extra": 2}}), http.StatusBadRequest, "condition_error")
}
