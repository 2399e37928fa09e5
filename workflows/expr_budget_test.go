package workflows

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr"
)

// allocated runs f and returns the bytes the process allocated meanwhile.
// Tests that call it do not run in parallel, so the figure is f's.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// hostileEnv holds what an outsider could send in a 1 MiB body.
func hostileEnv() *Env {
	items := make([]any, 10000)
	for i := range items {
		items[i] = map[string]any{"sku": fmt.Sprint("sku-", i)}
	}
	return &Env{Payload: map[string]any{
		"template": strings.Repeat("{name}", 60000),
		"name":     strings.Repeat("x", 500000),
		"items":    items,
		"big":      strings.Repeat("y", 1<<20),
	}}
}

// TestExpressionAttacks: expressions that would build gigabytes out of a
// small payload, run for minutes, or walk a value that holds itself many
// times over end with an error wrapping ErrLimit, having allocated no more
// than a small multiple of the memory limit (what the VM's stack and the
// garbage of the work done before the limit take).
func TestExpressionAttacks(t *testing.T) {
	env := hostileEnv()
	attacks := []string{
		// 30 GB from an 860 KB body, the transform that crashed the server.
		`{text: replace(payload.template, "{name}", payload.name)}`,
		// Through the editor's preview: 4 GB, then 400 MB without an error.
		`map(1..500, repeat("x", 8000000))`,
		`map(1..50, repeat("x", 8000000))`,
		`repeat(repeat("x", 999999), 999999)`,
		`reduce(1..40, #acc + #acc, "xxxxxxxxxx")`,
		`join(map(1..400000, payload.big))`,
		`toJSON(map(1..400000, payload.big))`,
		`len(map(1..100000000, #))`,
		`len(map(1..1000, len(map(1..1000, len(map(1..1000, #))))))`,
		`all(1..1000, all(1..1000, all(1..1000, # > 0)))`,
		`len(split(payload.big, ""))`,
		`map(1..100, upper(payload.big))`,
		`map(1..100, toBase64(payload.big))`,
		`map(1..100, urlEncode(payload.big))`,
		`map(1..100, fromJSON(toJSON(payload.items)))`,
		`map(1..100, concat(payload.items, payload.items))`,
		`reduce(1..40, concat(#acc, #acc), [1])`,
		// A list holding one list twice, forty levels down: small in
		// memory, a trillion elements to anything that walks it.
		`reduce(1..40, [#acc, #acc], 0)`,
		`reduce(1..40, [#acc, #acc], 0) == reduce(1..40, [#acc, #acc], 1)`,
		`[reduce(1..40, [#acc, #acc], 0)] in [[1], [reduce(1..40, [#acc, #acc], 1)]]`,
		`max(reduce(1..40, [#acc, #acc], 0))`,
		`median(reduce(1..40, [#acc, #acc], 0))`,
		`len(flatten(reduce(1..40, [#acc, #acc], 0)))`,
		`len(string(reduce(1..40, [#acc, #acc], 0)))`,
		`len(toJSON(reduce(1..40, [#acc, #acc], 0)))`,
		`{v: reduce(1..40, [#acc, #acc], 0)}`,
		// A pattern from the payload: the text times the pattern.
		`payload.big matches repeat("(a|b)*", 100)`,
		// Deeper than anything recorded can be read back.
		`reduce(1..20000, [#acc], 0)`,
	}
	// These build nothing that stays: they are stopped by time and
	// iterations, and only their garbage is allocated.
	slow := []string{
		// Quadratic over 10k items: 11 s before, and it kept running.
		`all(payload.items, {let s = #.sku; count(payload.items, .sku == s) == 1})`,
		`len(filter(1..999999, payload.big contains "zz"))`,
	}
	limit := uint64(CurrentLimits().MaxBytes)
	for _, src := range slow {
		p, err := CompileExpr(src)
		if err != nil {
			t.Fatalf("%s: compile: %v", src, err)
		}
		if v, err := Eval(p, env); !errors.Is(err, ErrLimit) {
			t.Errorf("%s = %v, %v; want an error wrapping ErrLimit", src, v, err)
		}
	}
	for _, src := range attacks {
		p, err := CompileExpr(src)
		if err != nil {
			t.Fatalf("%s: compile: %v", src, err)
		}
		var v any
		n := allocated(func() { v, err = Eval(p, env) })
		if !errors.Is(err, ErrLimit) {
			t.Errorf("%s = %.40s, %v; want an error wrapping ErrLimit", src, fmt.Sprint(v), err)
		}
		if n > 16*limit {
			t.Errorf("%s allocated %d MiB, want at most %d MiB", src, n>>20, 16*limit>>20)
		}
	}
}

// TestTemplateAttack: a template's parts share one budget, so many parts
// each within the limit cannot add up to more.
func TestTemplateAttack(t *testing.T) {
	tpl, err := CompileTemplate(strings.Repeat("{{ payload.big }}", 20))
	if err != nil {
		t.Fatal(err)
	}
	var s string
	n := allocated(func() { s, err = tpl.Render(hostileEnv()) })
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("Render = %d bytes, %v; want an error wrapping ErrLimit", len(s), err)
	}
	if limit := uint64(CurrentLimits().MaxBytes); n > 8*limit {
		t.Errorf("Render allocated %d MiB", n>>20)
	}
}

// limitedBudget is a budget with its own limits (SetLimits would change
// them for every test running at the same time).
func limitedBudget(ctx context.Context, l Limits) *Budget {
	b := NewBudget(ctx)
	b.limits = l
	b.deadline = time.Now().Add(l.Timeout)
	return b
}

// TestBudgetTimeout: an evaluation past its time ends with an error saying
// so, at the loop it was in, whatever the iteration limit.
func TestBudgetTimeout(t *testing.T) {
	t.Parallel()
	env := hostileEnv()
	env.Budget = limitedBudget(context.Background(), Limits{MaxBytes: 8 << 20, Timeout: 50 * time.Millisecond, MaxIterations: 1 << 62})
	p, err := CompileBool(`all(payload.items, {let s = #.sku; count(payload.items, .sku == s) == 1})`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = EvalBool(p, env)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "ran longer than 50ms") {
		t.Fatalf("err = %v, want the time limit", err)
	}
}

// TestBudgetCancelled: an evaluation ends when its context does (the
// caller is gone), rather than run to its end.
func TestBudgetCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env := hostileEnv()
	env.Budget = limitedBudget(ctx, Limits{MaxBytes: 8 << 20, Timeout: time.Hour, MaxIterations: 1 << 62})
	p, err := CompileBool(`all(payload.items, {let s = #.sku; count(payload.items, .sku == s) == 1})`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = EvalBool(p, env); !errors.Is(err, context.Canceled) || !errors.Is(err, ErrLimit) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestBudgetIterations: loop iterations are counted across nested loops,
// and past the limit the evaluation ends.
func TestBudgetIterations(t *testing.T) {
	t.Parallel()
	l := Limits{MaxBytes: 8 << 20, Timeout: time.Hour, MaxIterations: 10000}
	for src, ok := range map[string]bool{
		`count(1..99, all(1..100, # > 0)) == 99`:   true, // 99 + 9,900
		`count(1..100, all(1..100, # > 0)) == 100`: false,
		`len(map(1..10001, #)) > 0`:                false,
		`reduce(1..10000, #acc + #, 0) > 0`:        true,
		`sum(1..5000, #) + sum(1..5001, #) > 0`:    false,
	} {
		p, err := CompileBool(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		_, err = EvalBool(p, &Env{Budget: limitedBudget(context.Background(), l)})
		if ok && err != nil {
			t.Errorf("%s: %v", src, err)
		}
		if !ok && (!errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "more than 10000 loop iterations")) {
			t.Errorf("%s: err = %v, want the iteration limit", src, err)
		}
	}
}

// TestBudgetShared: evaluations sharing a budget (one step's) share its
// memory; Reset makes it whole again.
func TestBudgetShared(t *testing.T) {
	t.Parallel()
	env := &Env{Budget: limitedBudget(context.Background(), Limits{MaxBytes: 1 << 20, Timeout: time.Hour, MaxIterations: 1000})}
	p, err := CompileExpr(`len(repeat("x", 600000))`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Eval(p, env); err != nil {
		t.Fatalf("first: %v", err)
	}
	if _, err := Eval(p, env); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "more than 1 MiB") {
		t.Fatalf("second: err = %v, want the memory limit", err)
	}
	env.Budget.Reset(context.Background())
	env.Budget.limits.MaxBytes = 1 << 20
	if _, err := Eval(p, env); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

// TestBoundedBuiltinsAgree: under a budget, the builtins give what expr's
// own give for ordinary arguments.
func TestBoundedBuiltinsAgree(t *testing.T) {
	t.Parallel()
	payload := map[string]any{
		"s": "Hello, World", "csv": "a,b,,c", "list": []any{3.0, 1.0, 2.0, 1.0},
		"m": map[string]any{"a": 1.0, "b": "x"}, "nested": []any{[]any{1.0, []any{2.0}}, 3.0},
		"words": []any{"x", "y"}, "pairs": []any{[]any{"k", 1.0}, []any{"l", 2.0}},
	}
	exprs := []string{
		`repeat("ab", 3)`, `replace(payload.s, "o", "0")`, `replace(payload.s, "", "-")`,
		`join(payload.words, "+")`, `join(payload.words)`, `join(split(payload.csv, ","), "|")`,
		`split(payload.csv, ",")`, `split(payload.csv, ",", 2)`, `splitAfter(payload.csv, ",")`,
		`split(payload.s, "")`, `upper(payload.s)`, `lower(payload.s)`,
		`toBase64(payload.s)`, `fromBase64(toBase64(payload.s))`, `fromJSON("{\"a\": [1, 2]}")`,
		`string(payload.list)`, `string(42)`, `concat(payload.list, payload.words)`,
		`flatten(payload.nested)`, `uniq(payload.list)`, `reverse(payload.list)`, `sort(payload.list)`,
		`sort(keys(payload.m))`, `len(values(payload.m))`, `len(toPairs(payload.m))`, `fromPairs(payload.pairs)`,
		`take(payload.list, 2)`, `max(payload.list)`, `min(payload.list)`, `mean(payload.list)`,
		`median(payload.list)`, `max(1, 5, 3)`, `toJSON(payload.m)`, `payload.s + "!"`,
		`payload.list == [3.0, 1.0, 2.0, 1.0]`, `payload.list != payload.words`, `[1.0] in [[1.0], [2.0]]`,
		`payload.m in [payload.m]`, `"a" in payload.m`, `payload.words not in [payload.list]`,
		`payload.s | lower() | replace("l", "L")`,
		`payload.s matches ("W" + "or")`, `payload.s matches payload.csv`,
	}
	plain := []expr.Option{expr.Env(map[string]any{"payload": payload})}
	for _, src := range exprs {
		p, err := CompileExpr(src)
		if err != nil {
			t.Errorf("%s: compile: %v", src, err)
			continue
		}
		got, err := Eval(p, &Env{Payload: payload})
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		want, err := expr.Eval(src, map[string]any{"payload": payload})
		_ = plain
		if err != nil {
			t.Fatalf("%s with expr's builtins: %v", src, err)
		}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Errorf("%s = %#v, expr's own gives %#v", src, got, want)
		}
	}
}

// TestBoundedTypeChecks: the bounded builtins are still checked when the
// workflow is saved, as expr's own are.
func TestBoundedTypeChecks(t *testing.T) {
	t.Parallel()
	for _, src := range []string{`upper(1)`, `repeat("x")`, `replace("a", "b")`, `split(1, ",")`, `keys(1)`, `concat(1)`} {
		if _, err := CompileExpr(src); err == nil {
			t.Errorf("%s compiled, want a type error", src)
		}
	}
}

// TestStringBuildingLimits: ordinary uses of the bounded builtins and
// operators still work.
func TestStringBuildingLimits(t *testing.T) {
	t.Parallel()
	env := &Env{Payload: map[string]any{
		"big": strings.Repeat("x", 1<<20), "s": "q", "n": 2.0,
		"items": []any{map[string]any{"sku": "A"}, map[string]any{"sku": "B"}},
	}}
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
		`len(payload.big + payload.big)`:        2 << 20,
		`len(filter(1..1000, # % 7 == 0))`:      142,
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
