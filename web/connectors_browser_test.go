package web_test

// The publish step, every field of every broker, and the sql step
// round-trip through the editor too (TestEditorBrowserRoundTrip).
func init() {
	roundTripDefs = append(roundTripDefs, `{
  "format": "hookflow/v1", "id": "rt-connectors", "name": "Round trip: publish and sql",
  "trigger": {"type": "webhook"},
  "steps": [
    {"id": "to_nats", "type": "publish", "to": "nats", "url": "{{ secrets.nats }}", "subject": "orders.{{ payload.region }}",
     "body": {"id": "{{ payload.id }}"}, "timeout": "10s", "retry": {"max_attempts": 3, "initial": "1s", "max": "1m"}},
    {"id": "to_rabbit", "type": "publish", "to": "rabbitmq", "url": "{{ secrets.rabbitmq }}", "exchange": "orders",
     "routing_key": "order.{{ payload.kind }}", "body": "'order ' + payload.id"},
    {"id": "to_mqtt", "type": "publish", "to": "mqtt", "url": "mqtt://broker.example.com:1883", "topic": "shop/{{ payload.id }}", "retain": true},
    {"id": "to_stream", "type": "publish", "to": "redis", "url": "{{ secrets.redis }}", "stream": "orders"},
    {"id": "to_channel", "type": "publish", "to": "redis", "url": "{{ secrets.redis }}", "channel": "events"},
    {"id": "save", "type": "sql", "db": "{{ secrets.db }}", "query": "insert into orders(id, total) values ($1, $2) returning id",
     "args": ["payload.id", "payload.total"], "max_rows": 10, "timeout": "5s", "retry": {"max_attempts": 2}}
  ]
}`)
}
