package workflows

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func compileMapping(t *testing.T, src string) (*CompiledMapping, error) {
	t.Helper()
	var m Mapping
	if err := json.Unmarshal([]byte(src), &m); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	b := &build{path: "steps[1]", step: "shape"}
	return b.Mapping("set", &m)
}

// TestMapping: a mapping builds an object field by field: templates as
// text, one {{ }} alone keeping its type, plain JSON values as they are,
// dotted keys as nested objects; with keep, the incoming fields too, which
// are not changed.
func TestMapping(t *testing.T) {
	t.Parallel()
	m, err := compileMapping(t, `{
  "text": "{{ payload.name }} paid {{ payload.amount }}",
  "amount": "{{ payload.amount }}",
  "vip": "{{ payload.vip }}",
  "items": "{{ payload.items }}",
  "customer.email": "{{ payload.email }}",
  "customer.address.city": "Berlin",
  "source": "shop",
  "count": 3,
  "flags": [true, null],
  "missing": "{{ payload.nothing }}"
}`)
	if err != nil {
		t.Fatal(err)
	}
	incoming := map[string]any{"name": "Ann", "amount": 120.5, "vip": true, "items": []any{"a"}, "email": "ann@example.com",
		"customer": map[string]any{"id": 7.0}}
	got, err := m.Eval(&Env{Payload: incoming}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"text": "Ann paid 120.5", "amount": 120.5, "vip": true, "items": []any{"a"},
		"customer": map[string]any{"email": "ann@example.com", "address": map[string]any{"city": "Berlin"}},
		"source":   "shop", "count": 3.0, "flags": []any{true, nil}, "missing": nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Eval =\n%#v\nwant\n%#v", got, want)
	}

	kept, err := m.Eval(&Env{Payload: incoming}, incoming)
	if err != nil {
		t.Fatal(err)
	}
	if kept["name"] != "Ann" || kept["customer"].(map[string]any)["id"] != 7.0 || kept["customer"].(map[string]any)["email"] != "ann@example.com" {
		t.Errorf("with keep: %#v", kept)
	}
	if _, changed := incoming["customer"].(map[string]any)["email"]; changed || len(incoming) != 6 {
		t.Errorf("keep changed the incoming payload: %#v", incoming)
	}
}

// TestMappingErrors: a wrong key or template is refused at save with its
// path; an evaluation error names its key.
func TestMappingErrors(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		`{"a": "{{ payload. }}"}`:        `steps[1].set.a: unexpected end`,
		`{"a": 1, "a.b": 2}`:             `steps[1].set.a.b: "a" is set twice, or both as a value and as an object`,
		`{"a.b": 1, "a": 2}`:             `steps[1].set.a: "a" is set twice`,
		`{"a..b": 1}`:                    `steps[1].set.a..b: a key may not be empty`,
		`{"x": "{{ payload.a }} {{ }}"}`: `steps[1].set.x: empty {{ }}`,
	} {
		_, err := compileMapping(t, src)
		var fe *FieldError
		if !errors.As(err, &fe) || !strings.Contains(fe.Field+": "+fe.Message, want) {
			t.Errorf("%s: %v, want %q", src, err, want)
		}
	}
	m, err := compileMapping(t, `{"ok": "1", "bad": "{{ payload.a.b.c() }}"}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Eval(&Env{Payload: map[string]any{}}, nil); err == nil || !strings.HasPrefix(err.Error(), "bad: ") {
		t.Errorf("Eval = %v, want an error naming the key", err)
	}
}

// TestMappingKeepsItsOrder: a mapping is written back in the order it came.
func TestMappingKeepsItsOrder(t *testing.T) {
	t.Parallel()
	src := `{"z":"1","a":"{{ payload.a }}","m.n":2}`
	var m Mapping
	if err := json.Unmarshal([]byte(src), &m); err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalJSON()
	if err != nil || string(b) != src {
		t.Errorf("round trip = %s, %v; want %s", b, err, src)
	}
	var body Body
	if err := json.Unmarshal([]byte(`"payload"`), &body); err != nil || body.Expr != "payload" {
		t.Errorf("a string body = %+v, %v", body, err)
	}
	if err := json.Unmarshal([]byte(src), &body); err != nil || body.Mapping == nil || len(body.Mapping.Fields) != 3 {
		t.Errorf("an object body = %+v, %v", body, err)
	}
}
