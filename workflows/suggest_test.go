package workflows

import (
	"reflect"
	"testing"
)

func TestNearest(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		candidates []string
		want       string
	}{
		{"amout", []string{"id", "amount", "currency"}, "amount"},
		{"ammount", []string{"amount", "account"}, "amount"},
		{"stauts", []string{"status", "state"}, "status"}, // a swap is one edit
		{"Amount", []string{"amount"}, "amount"},          // case aside
		{"custmer", []string{"customer", "currency"}, "customer"},
		{"id", []string{"ip", "amount"}, "ip"},
		{"xyz", []string{"amount", "status"}, ""},            // nothing near
		{"total", []string{"totally_different"}, ""},         // too far
		{"amount", []string{"amount", "amounts"}, "amounts"}, // the name itself is no suggestion
		{"zz", nil, ""},
	} {
		if got := Nearest(c.name, c.candidates); got != c.want {
			t.Errorf("Nearest(%q, %q) = %q, want %q", c.name, c.candidates, got, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"amout", "amount", 1},
		{"kitten", "sitting", 3}, {"ab", "ba", 1}, {"héllo", "hello", 1},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestFieldHints(t *testing.T) {
	t.Parallel()
	env := map[string]any{
		"payload": map[string]any{
			"id": "A-1", "amount": 1250,
			"customer": map[string]any{"name": "Ann", "email": "ann@example.com"},
			"items":    []any{map[string]any{"sku": "S-1"}},
		},
		"steps": map[string]any{"shape": map[string]any{"total": 12.5}},
		"vars":  map[string]any{"fulfil": "https://fulfil.example"},
	}
	for _, c := range []struct {
		expr string
		want []string
	}{
		{"payload.amout > 100", []string{"field amout is not in the sample; did you mean amount?"}},
		{"payload.custmer.name", []string{"field custmer is not in the sample; did you mean customer?"}},
		{"payload.customer.nmae + payload['customer'].emial", []string{
			"field customer.nmae is not in the sample; did you mean customer.name?",
			"field customer.emial is not in the sample; did you mean customer.email?"}},
		{"payload.items[0].skuu", []string{"field items[0].skuu is not in the sample; did you mean items[0].sku?"}},
		{"payload?.zzz", []string{"field zzz is not in the sample"}},
		{"steps.shape.totl", []string{"field steps.shape.totl is not in steps.shape; did you mean steps.shape.total?"}},
		{"vars.fulfl", []string{"field vars.fulfl is not in vars; did you mean vars.fulfil?"}},
		{"payload.amount > 100 && payload.customer.name != ''", nil},
		{"steps.notify.status", nil},       // a step the sample did not run
		{"payload.amount.cents", nil},      // into a number: expr's own error
		{"payload.items[5].sku", nil},      // past the list's end: not checked
		{"map(payload.items, .sku)", nil},  // a path from the loop's element
		{"trigger.headers['x-nope']", nil}, // the trigger is not checked
		{"payload.amout + payload.amout", []string{"field amout is not in the sample; did you mean amount?"}},
	} {
		p, err := CompileExpr(c.expr)
		if err != nil {
			t.Fatalf("CompileExpr(%q): %v", c.expr, err)
		}
		if got := FieldHints(p, env); !reflect.DeepEqual(got, c.want) {
			t.Errorf("FieldHints(%q) =\n%q\nwant\n%q", c.expr, got, c.want)
		}
	}
}
