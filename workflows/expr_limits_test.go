package workflows

import (
	"strings"
	"testing"
)

// TestStringBuildingLimits: expressions that would build huge strings from a
// small source (or an outsider's payload) fail with an error instead of
// exhausting memory, while ordinary uses of the same builtins still work.
func TestStringBuildingLimits(t *testing.T) {
	t.Parallel()
	env := &Env{Payload: map[string]any{
		"big": strings.Repeat("x", 1<<20), "s": "q", "n": 2.0,
		"items": []any{map[string]any{"sku": "A"}, map[string]any{"sku": "B"}},
	}}
	hostile := []string{
		`repeat(repeat("x", 999999), 999999)`,
		`reduce(1..40, #acc + #acc, "xxxxxxxxxx")`,
		`join(map(1..400000, payload.big))`,
		`toJSON(map(1..400000, payload.big))`,
		`len(map(1..100000000, #))`,
		`len(map(1..1000, len(map(1..1000, len(map(1..1000, #))))))`,
		`all(1..1000, all(1..1000, all(1..1000, # > 0)))`,
	}
	for _, src := range hostile {
		p, err := CompileExpr(src)
		if err != nil {
			t.Fatalf("%s: compile: %v", src, err)
		}
		if v, err := Eval(p, env); err == nil {
			t.Errorf("%s gave a %T, want an error", src, v)
		}
	}
	fine := map[string]any{
		`repeat("ab", 3)`:                       "ababab",
		`join(map(payload.items, .sku), "-")`:   "A-B",
		`"a" + payload.s + "b"`:                 "aqb",
		`payload.n + 1`:                         3.0,
		`1 + 2`:                                 3,
		`toJSON({a: 1, b: ["x<y"]})`:            "{\n  \"a\": 1,\n  \"b\": [\n    \"x<y\"\n  ]\n}",
		`now() + duration("1h") > now()`:        true,
		`reduce(1..3, #acc + "x", "")`:          "xxx",
		`len(toJSON(map(1..3, payload.s))) > 0`: true,
	}
	for src, want := range fine {
		p, err := CompileExpr(src)
		if err != nil {
			t.Fatalf("%s: compile: %v", src, err)
		}
		got, err := Eval(p, env)
		if err != nil || got != want {
			t.Errorf("%s = %#v, %v; want %#v", src, got, err, want)
		}
	}
}
