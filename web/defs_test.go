package web_test

import "fmt"

// relayDef is a workflow that keeps paid orders, reshapes them and posts
// them to the receiver at /orders/{id}.
func relayDef(id, recvURL string) string {
	return fmt.Sprintf(`{
  "format": "hookflow/v1",
  "id": %q,
  "name": "Relay %s",
  "trigger": {"type": "webhook", "methods": ["POST"]},
  "steps": [
    {"id": "paid", "type": "filter", "expr": "payload.status == 'paid'"},
    {"id": "shape", "type": "transform", "expr": "{order: payload.id, total: payload.amount / 100.0}"},
    {"id": "notify", "type": "webhook", "url": "%s/orders/{{ payload.order }}"}
  ]
}`, id, id, recvURL)
}

// dropDef is a workflow that keeps no event: each run ends filtered as its
// event is accepted.
func dropDef(id string) string {
	return fmt.Sprintf(`{
  "format": "hookflow/v1",
  "id": %q,
  "name": "Drop %s",
  "trigger": {"type": "webhook", "methods": ["POST"]},
  "steps": [{"id": "none", "type": "filter", "expr": "false"}]
}`, id, id)
}

// passDef is a workflow that posts its payload, as received, to the
// receiver at /in; its trigger takes any method.
func passDef(id, recvURL string) string {
	return fmt.Sprintf(`{
  "format": "hookflow/v1",
  "id": %q,
  "name": "Pass %s",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "forward", "type": "webhook", "url": "%s/in"}
  ]
}`, id, id, recvURL)
}
