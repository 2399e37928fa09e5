package workflows

import (
	"testing"
	"time"
)

// TestFormatterExamples: each formatter's documented example gives the
// documented result.
func TestFormatterExamples(t *testing.T) {
	t.Parallel()
	for _, f := range Formatters {
		p, err := CompileExpr(f.Example)
		if err != nil {
			t.Errorf("%s: %s: %v", f.Name, f.Example, err)
			continue
		}
		v, err := Eval(p, &Env{})
		if err != nil || Stringify(v) != f.Result {
			t.Errorf("%s: %s = %q, %v; want %q", f.Name, f.Example, Stringify(v), err, f.Result)
		}
	}
}

// TestFormatters: each formatter on the values a payload brings.
func TestFormatters(t *testing.T) {
	t.Parallel()
	env := &Env{Payload: map[string]any{
		"amount": 12000.0, "text": "120.5", "yen": 1500.0, "dinar": 1.5, "name": "  ann   LEE ", "none": nil,
		"lines": []any{map[string]any{"item": map[string]any{"price": 2.5}}, map[string]any{"item": map[string]any{"price": "4"}}, map[string]any{}},
		"at":    "2026-05-01T12:30:00Z", "obj": map[string]any{"a": 1.0, "b": 2.0},
	}}
	for src, want := range map[string]any{
		`formatMoney(payload.amount / 100, "usd")`:              "120.00 USD",
		`formatMoney(payload.text, "EUR")`:                      "120.50 EUR",
		`formatMoney(payload.yen, "jpy")`:                       "1500 JPY",
		`formatMoney(payload.dinar, "kwd")`:                     "1.500 KWD",
		`formatNumber(payload.amount, 0)`:                       "12000",
		`formatNumber(2.005, 1)`:                                "2.0",
		`formatDate(payload.at, "date")`:                        "2026-05-01",
		`formatDate(payload.at, "rfc3339", "America/New_York")`: "2026-05-01T08:30:00-04:00",
		`formatDate(payload.at, "Jan 2, 2006")`:                 "May 1, 2026",
		`formatDate(1777638600, "datetime")`:                    "2026-05-01 12:30",
		`default(payload.none, 0)`:                              0,
		`default(payload.name, "x")`:                            "  ann   LEE ",
		`default("", "x")`:                                      "x",
		`titleCase(payload.name)`:                               "Ann Lee",
		`slugify("  Hello, World -- 2026! ")`:                   "hello-world-2026",
		`truncate("héllo", 2)`:                                  "hé",
		`truncate("hi", 5)`:                                     "hi",
		`sumBy(payload.lines, "item.price")`:                    6.5,
		`count(payload.lines)`:                                  3,
		`count(payload.none)`:                                   0,
		`count(payload.lines, len(#) > 0)`:                      2, // with a condition, as expr's
		`len(omit(payload.obj, "a"))`:                           1,
		`pick(payload.obj, "b").b`:                              2.0,
		`formatDate(parseDate("2026-05-01"), "date")`:           "2026-05-01",
		`first(payload.lines).item.price`:                       2.5,
	} {
		p, err := CompileExpr(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got, err := Eval(p, env); err != nil || got != want {
			t.Errorf("%s = %#v, %v; want %#v", src, got, err, want)
		}
	}
	for _, src := range []string{`formatMoney("x", "usd")`, `formatNumber(1, -1)`, `formatDate("soon", "date")`, `parseDate("01/05", "2006-01-02")`, `truncate("x", -1)`} {
		p, err := CompileExpr(src)
		if err != nil {
			continue // refused at save: as good
		}
		if v, err := Eval(p, env); err == nil {
			t.Errorf("%s = %v, want an error", src, v)
		}
	}
}

func TestRelative(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-10 * time.Second: "just now", -time.Minute: "1 minute ago", -3 * time.Hour: "3 hours ago",
		49 * time.Hour: "in 2 days", 90 * time.Minute: "in 1 hour",
	} {
		if got := relative(now.Add(d), now); got != want {
			t.Errorf("relative(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestBuiltinExamples: each builtin's documented example gives the
// documented result, and no builtin is listed twice or as a formatter too.
func TestBuiltinExamples(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, f := range Formatters {
		names[f.Name] = true
	}
	for _, f := range Builtins {
		if names[f.Name] {
			t.Errorf("%s is listed twice", f.Name)
		}
		names[f.Name] = true
		p, err := CompileExpr(f.Example)
		if err != nil {
			t.Errorf("%s: %s: %v", f.Name, f.Example, err)
			continue
		}
		v, err := Eval(p, &Env{})
		if err != nil || Stringify(v) != f.Result {
			t.Errorf("%s: %s = %q, %v; want %q", f.Name, f.Example, Stringify(v), err, f.Result)
		}
	}
}
