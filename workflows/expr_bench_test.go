package workflows

import (
	"encoding/json"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/hookflow/hookflow/bench"
)

// BenchmarkEval measures the bench workflow's filter and transform over the
// 1 KB order payload, as Hookflow runs them (within a budget) and as expr
// alone would: the difference is what bounding an evaluation costs.
func BenchmarkEval(b *testing.B) {
	var payload any
	if err := json.Unmarshal(bench.DefaultPayload, &payload); err != nil {
		b.Fatal(err)
	}
	exprs := map[string]string{
		"filter":    `payload.amount > 100 && payload.currency == 'USD'`,
		"transform": `{order: payload.id, total: payload.amount, email: payload.customer.email, skus: map(payload.items, .sku), qty: sum(map(payload.items, .qty))}`,
	}
	for _, name := range []string{"filter", "transform"} {
		src := exprs[name]
		guarded, err := CompileExpr(src)
		if err != nil {
			b.Fatal(err)
		}
		plain, err := expr.Compile(src, expr.Env(Env{}))
		if err != nil {
			b.Fatal(err)
		}
		for _, v := range []struct {
			name string
			run  func() (any, error)
		}{
			{"budget", func() (any, error) {
				budget.Reset(nil) // as each step does
				env := Env{Payload: payload, Budget: budget}
				return Eval(guarded, &env)
			}},
			{"expr", func() (any, error) { return vm.Run(plain, Env{Payload: payload}) }},
		} {
			b.Run(name+"/"+v.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := v.run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// budget is the one the benchmark's evaluations take in turn, as a run's
// steps do.
var budget = NewBudget(nil)
