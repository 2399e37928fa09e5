package workflows

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// testEnv is an environment with a value in every part.
func testEnv() *Env {
	return &Env{
		Payload: map[string]any{"id": 7.0, "status": "paid", "items": []any{
			map[string]any{"sku": "A", "price": 2.5},
			map[string]any{"sku": "B", "price": 4.0},
		}},
		Trigger: map[string]any{
			"method":  "POST",
			"headers": map[string]any{"x-a": "one", "content-type": "application/json"},
			"query":   map[string]any{"page": "2"},
			"body":    `{"id":7}`,
		},
		Steps:   map[string]any{"shape": map[string]any{"order": 42.0}},
		Vars:    map[string]any{"x": "vx"},
		Secrets: map[string]any{"s": "hunter2"},
		Run:     map[string]any{"id": "run_1", "workflow": "orders", "attempt": 1},
	}
}

func eval(t *testing.T, src string, env *Env) any {
	t.Helper()
	p, err := CompileExpr(src)
	if err != nil {
		t.Fatalf("CompileExpr(%q): %v", src, err)
	}
	v, err := Eval(p, env)
	if err != nil {
		t.Fatalf("Eval(%q): %v", src, err)
	}
	return v
}

func TestEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want any
	}{
		{"payload.status", "paid"},
		{"payload.id", 7.0},
		{"payload.items[1].sku", "B"},
		{"trigger.method", "POST"},
		{"trigger.headers['x-a']", "one"},
		{"trigger.query.page", "2"},
		{"trigger.body", `{"id":7}`},
		{"steps.shape.order", 42.0},
		{"steps.missing?.order", nil},
		{"vars.x", "vx"},
		{"secrets.s", "hunter2"},
		{"run.id", "run_1"},
		{"run.workflow + '/' + string(run.attempt)", "orders/1"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			if got := eval(t, tt.src, testEnv()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.src, got, tt.want)
			}
		})
	}
}

func TestEvalNilEnv(t *testing.T) {
	t.Parallel()
	p, err := CompileExpr("payload")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := Eval(p, nil); err != nil || v != nil {
		t.Errorf("Eval(nil env) = %v, %v; want nil, nil", v, err)
	}
	// A panic inside expr comes back as an error.
	if _, err := Eval(nil, testEnv()); err == nil {
		t.Error("Eval(nil program) succeeded")
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want any
	}{
		{`sha256("abc")`, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{`sha256("")`, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		// RFC 4231, test case 2.
		{`hmacSHA256("Jefe", "what do ya want for nothing?")`, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{`urlEncode("a b&c=d/é")`, "a+b%26c%3Dd%2F%C3%A9"},
		{`formatTime(date("2026-01-02T03:04:05Z"), "15:04", "Europe/Berlin")`, "04:04"},
		{`formatTime(date("2026-07-02T03:04:05Z"), "15:04 MST", "Europe/Berlin")`, "05:04 CEST"},
		{`formatTime(date("2026-01-02T03:04:05Z"), "2006-01-02")`, "2026-01-02"},
		// expr's own builtins are still there.
		{`map(payload.items, .sku)`, []any{"A", "B"}},
		{`len(filter(payload.items, .price > 3))`, 1},
		{`sum(map(payload.items, .price))`, 6.5},
		{`toJSON({a: 1})`, "{\n  \"a\": 1\n}"},
		{`fromJSON(trigger.body).id`, 7.0},
		{`toBase64("hi")`, "aGk="},
		{`now().Year() >= 2025`, true},
		{`upper(payload.status)`, "PAID"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			if got := eval(t, tt.src, testEnv()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.src, got, tt.want)
			}
		})
	}
}

func TestUUID(t *testing.T) {
	t.Parallel()
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a := eval(t, "uuid()", testEnv()).(string)
	b := eval(t, "uuid()", testEnv()).(string)
	for _, u := range []string{a, b} {
		if !v4.MatchString(u) {
			t.Errorf("uuid() = %q, not a version 4 UUID", u)
		}
	}
	if a == b {
		t.Errorf("two calls of uuid() gave %q", a)
	}
}

func TestHelperErrors(t *testing.T) {
	t.Parallel()
	env := &Env{Payload: map[string]any{"n": 1.5, "s": "x"}}
	tests := []struct {
		src     string
		message string
	}{
		{`sha256(payload.n)`, "sha256: argument 1 must be a string, got a number"},
		{`hmacSHA256("k", payload.missing)`, "hmacSHA256: argument 2 must be a string, got null"},
		{`urlEncode(payload.n)`, "urlEncode: argument 1 must be a string, got a number"},
		{`formatTime(payload.s, "15:04")`, "formatTime: first argument must be a time, got string"},
		{`formatTime(now(), "15:04", payload.n)`, "formatTime: argument 3 must be a string, got a number"},
		{`formatTime(now(), "15:04", "Mars/Olympus")`, `formatTime: unknown time zone "Mars/Olympus"`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := CompileExpr(tt.src)
			if err != nil {
				t.Fatalf("CompileExpr: %v", err)
			}
			_, err = Eval(p, env)
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Eval = %v, want an error containing %q", err, tt.message)
			}
		})
	}
	for _, src := range []string{`sha256(1)`, `sha256()`, `hmacSHA256("k")`, `formatTime(now())`, `uuid(1)`} {
		if _, err := CompileExpr(src); err == nil {
			t.Errorf("CompileExpr(%s) succeeded, want an argument error", src)
		}
	}
}

func TestEvalBool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src     string
		want    bool
		wantErr bool
	}{
		{"payload.status == 'paid'", true, false},
		{"payload.id > 10", false, false},
		{"payload.missing", false, false}, // expr casts nil to false
		{"payload.items", false, true},
		{"payload.status", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			p, err := CompileBool(tt.src)
			if err != nil {
				t.Fatalf("CompileBool: %v", err)
			}
			got, err := EvalBool(p, testEnv())
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("EvalBool = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestHostileExpressions checks the limits that keep one expression from
// taking the server down: the budget (and expr's own count of elements)
// at run time, maxNodes at compile time.
func TestHostileExpressions(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"map(1..100000000, #)",
		"len(1..100000000)",
		"filter(1..100000000, # > 1)",
		"reduce(1..payload.n, #acc + #, 0)", // over a constant range, expr's optimizer folds reduce away
		"map(1..1000, map(1..1000, map(1..1000, #)))",
		"map(1..100000, [#, #, #, #, #, #, #, #, #, #])",
	} {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			p, err := CompileExpr(src)
			if err != nil {
				t.Fatalf("CompileExpr: %v", err)
			}
			_, err = Eval(p, &Env{Payload: map[string]any{"n": 100000000}})
			if !errors.Is(err, ErrLimit) {
				t.Errorf("Eval = %v, want an error wrapping ErrLimit", err)
			}
		})
	}

	t.Run("too many nodes", func(t *testing.T) {
		t.Parallel()
		big := strings.TrimSuffix(strings.Repeat("1 + ", maxNodes), " + ")
		if _, err := CompileExpr(big + " + 1"); err == nil {
			t.Errorf("an expression of %d nodes compiled", 2*maxNodes)
		}
		small := strings.TrimSuffix(strings.Repeat("1 + ", maxNodes/4), " + ")
		if _, err := CompileExpr(small); err != nil {
			t.Errorf("an expression of %d nodes: %v", maxNodes/2, err)
		}
		if _, err := CompileTemplate("{{ " + big + " }}"); err == nil {
			t.Error("CompileTemplate accepted an expression over maxNodes")
		}
	})
}

func ExampleCompileExpr() {
	p, err := CompileExpr("{order: payload.id, total: payload.amount / 100.0}")
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := Eval(p, &Env{Payload: map[string]any{"id": "A-1", "amount": 2599}})
	fmt.Println(v, err)
	// Output: map[order:A-1 total:25.99] <nil>
}
