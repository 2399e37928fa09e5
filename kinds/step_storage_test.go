package kinds

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

// TestStorageCompileErrors: storage and dedupe steps with one mistake are
// refused at the field at fault.
func TestStorageCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		step    def
		field   string
		message string
	}{
		{"op missing", def{"id": "s", "type": "storage", "key": "k"}, "steps[5].op", "is required"},
		{"op unknown", def{"id": "s", "type": "storage", "op": "upsert", "key": "k"}, "steps[5].op", "get, set, incr, delete or append"},
		{"key missing", def{"id": "s", "type": "storage", "op": "get"}, "steps[5].key", "is required"},
		{"key template", def{"id": "s", "type": "storage", "op": "get", "key": "orders:{{ payload. }}"}, "steps[5].key", ""},
		{"set without value", def{"id": "s", "type": "storage", "op": "set", "key": "k"}, "steps[5].value", "is required for op set"},
		{"append without value", def{"id": "s", "type": "storage", "op": "append", "key": "k"}, "steps[5].value", "is required for op append"},
		{"value expression", def{"id": "s", "type": "storage", "op": "set", "key": "k", "value": "payload.("}, "steps[5].value", ""},
		{"value mapping", def{"id": "s", "type": "storage", "op": "set", "key": "k", "value": def{"a": "{{ payload. }}"}}, "steps[5].value.a", ""},
		{"value for get", def{"id": "s", "type": "storage", "op": "get", "key": "k", "value": "1"}, "steps[5].value", "does not apply to op get"},
		{"by for set", def{"id": "s", "type": "storage", "op": "set", "key": "k", "value": "1", "by": 2}, "steps[5].by", "does not apply to op set"},
		{"default for incr", def{"id": "s", "type": "storage", "op": "incr", "key": "k", "default": 0}, "steps[5].default", "does not apply to op incr"},
		{"ttl for delete", def{"id": "s", "type": "storage", "op": "delete", "key": "k", "ttl": "1h"}, "steps[5].ttl", "does not apply to op delete"},
		{"max_len for incr", def{"id": "s", "type": "storage", "op": "incr", "key": "k", "max_len": 3}, "steps[5].max_len", "does not apply to op incr"},
		{"max_len negative", def{"id": "s", "type": "storage", "op": "append", "key": "k", "value": "1", "max_len": -1}, "steps[5].max_len", "0 or more"},
		{"ttl not a duration", def{"id": "s", "type": "storage", "op": "incr", "key": "k", "ttl": "a month"}, "steps[5].ttl", "duration"},
		{"ttl zero", def{"id": "s", "type": "storage", "op": "incr", "key": "k", "ttl": "0s"}, "steps[5].ttl", "must be positive"},
		{"scope unknown", def{"id": "s", "type": "storage", "op": "get", "key": "k", "scope": "team"}, "steps[5].scope", "workflow or global"},
		{"by not a number", def{"id": "s", "type": "storage", "op": "incr", "key": "k", "by": "one"}, "steps[5].by", ""},
		{"dedupe key missing", def{"id": "d", "type": "dedupe"}, "steps[5].key", "is required"},
		{"dedupe window", def{"id": "d", "type": "dedupe", "key": "{{ payload.email }}", "window": "a day"}, "steps[5].window", "duration"},
		{"dedupe window negative", def{"id": "d", "type": "dedupe", "key": "k", "window": "-1h"}, "steps[5].window", "must be positive"},
		{"dedupe scope", def{"id": "d", "type": "dedupe", "key": "k", "scope": "all"}, "steps[5].scope", "workflow or global"},
		{"dedupe unknown field", def{"id": "d", "type": "dedupe", "key": "k", "ttl": "1h"}, "steps[5].ttl", ""},
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

// TestStorageCompileValid: the storage and dedupe steps' fields in the
// ways they may be given.
func TestStorageCompileValid(t *testing.T) {
	t.Parallel()
	for _, s := range []def{
		{"id": "s", "type": "storage", "op": "get", "key": "orders:{{ payload.customer.id }}", "default": 0},
		{"id": "s", "type": "storage", "op": "get", "key": "k", "default": def{"seen": []any{}}, "scope": "global"},
		{"id": "s", "type": "storage", "op": "set", "key": "k", "value": "payload.total", "ttl": "720h"},
		{"id": "s", "type": "storage", "op": "set", "key": "k", "value": def{"email": "{{ payload.email }}", "at": "{{ now() }}"}},
		{"id": "s", "type": "storage", "op": "incr", "key": "k"},
		{"id": "s", "type": "storage", "op": "incr", "key": "k", "by": -2.5, "ttl": "1h", "scope": "workflow"},
		{"id": "s", "type": "storage", "op": "delete", "key": "k"},
		{"id": "s", "type": "storage", "op": "append", "key": "k", "value": "payload.id", "max_len": 10},
		{"id": "d", "type": "dedupe", "key": "{{ lower(payload.email) }}"},
		{"id": "d", "type": "dedupe", "key": "{{ payload.id }}", "window": "15m", "scope": "global"},
	} {
		w := validDefinition()
		w["steps"] = append(w["steps"].([]any), s)
		if _, err := compileDef(t, w); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
}
