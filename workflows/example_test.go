package workflows_test

import (
	"fmt"

	_ "github.com/hookflow/hookflow/kinds" // the kinds the definitions use
	"github.com/hookflow/hookflow/workflows"
)

func Example() {
	w, err := workflows.Decode([]byte(`{
  "format": "hookflow/v1",
  "id": "big-orders",
  "name": "Big orders to Slack",
  "trigger": {"type": "webhook", "methods": ["POST"]},
  "steps": [
    {"id": "big", "type": "filter", "expr": "payload.total >= 1000"},
    {"id": "post", "type": "webhook", "url": "https://hooks.slack.example/{{ secrets.slack }}",
     "body": "{text: 'Order ' + payload.id + ' for ' + string(payload.total)}"}
  ]
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := workflows.Compile(w)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(w.ID, "enabled:", w.Enabled, "reads the trigger:", c.UsesTrigger())
	for _, s := range c.Steps {
		fmt.Println(s.Index, s.ID, s.Type, "reads the payload:", s.ReadsPayload())
	}
	// Output:
	// big-orders enabled: true reads the trigger: false
	// 0 big filter reads the payload: true
	// 1 post webhook reads the payload: true
}

func ExampleFieldError() {
	w, err := workflows.Decode([]byte(`{
  "format": "hookflow/v1",
  "name": "Typo",
  "trigger": {"type": "manual"},
  "steps": [
    {"id": "shape", "type": "transform", "expr": "{id: payload.id,\n total: payload.amount /}"}
  ]
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = workflows.Compile(w)
	fmt.Println(err)
	if fe, ok := err.(*workflows.FieldError); ok {
		fmt.Println(fe.Field, fe.Step, fe.Line, fe.Column)
	}

	_, err = workflows.Decode([]byte(`{"steps": [{"id": "a"}, {"id": "b", "type": "filter", "colour": "red"}]}`))
	fmt.Println(err)
	// Output:
	// step "shape": steps[0].expr: unexpected token Bracket("}") (2:25)
	// steps[0].expr shape 2 25
	// step "b": steps[1].colour: unknown field
}

func ExampleTemplate_Render() {
	tpl, err := workflows.CompileTemplate("{{ vars.base }}/orders/{{ payload.id }}?qty={{ payload.qty }}&tags={{ payload.tags }}")
	if err != nil {
		fmt.Println(err)
		return
	}
	url, err := tpl.Render(&workflows.Env{
		Payload: map[string]any{"id": "A-7", "qty": 3.0, "tags": []any{"x", "y"}},
		Vars:    map[string]any{"base": "https://fulfil.example"},
	})
	fmt.Println(url, err)
	// Output: https://fulfil.example/orders/A-7?qty=3&tags=["x","y"] <nil>
}
