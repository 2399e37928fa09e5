package kinds

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookflow/hookflow/workflows"
)

// TestPublishCompileErrors: publish steps with one mistake are refused at
// the field at fault, in words that say what to do.
func TestPublishCompileErrors(t *testing.T) {
	t.Parallel()
	const url = "{{ secrets.broker }}"
	tests := []struct {
		name    string
		step    def
		field   string
		message string
	}{
		{"to missing", def{"id": "p", "type": "publish", "url": url}, "steps[5].to", "is required (mqtt, nats, rabbitmq, redis)"},
		{"to unknown", def{"id": "p", "type": "publish", "to": "kafka", "url": url}, "steps[5].to", `unknown broker "kafka"`},
		{"url missing", def{"id": "p", "type": "publish", "to": "nats", "subject": "a"}, "steps[5].url", "is required"},
		{"url scheme", def{"id": "p", "type": "publish", "to": "nats", "url": "amqp://h:5672", "subject": "a"}, "steps[5].url", "must start with nats://, tls://"},
		{"url template", def{"id": "p", "type": "publish", "to": "nats", "url": "{{ secrets. }}", "subject": "a"}, "steps[5].url", ""},
		{"nats without subject", def{"id": "p", "type": "publish", "to": "nats", "url": url}, "steps[5].subject", "is required for nats"},
		{"nats with topic", def{"id": "p", "type": "publish", "to": "nats", "url": url, "subject": "a", "topic": "t"}, "steps[5].topic", "does not apply to nats (it is for mqtt)"},
		{"rabbitmq without key", def{"id": "p", "type": "publish", "to": "rabbitmq", "url": url}, "steps[5].routing_key", "is required for rabbitmq"},
		{"rabbitmq with stream", def{"id": "p", "type": "publish", "to": "rabbitmq", "url": url, "routing_key": "q", "stream": "s"}, "steps[5].stream", "does not apply to rabbitmq"},
		{"mqtt without topic", def{"id": "p", "type": "publish", "to": "mqtt", "url": url}, "steps[5].topic", "is required for mqtt"},
		{"mqtt wildcard", def{"id": "p", "type": "publish", "to": "mqtt", "url": url, "topic": "shop/+/orders"}, "steps[5].topic", "wildcards"},
		{"retain for redis", def{"id": "p", "type": "publish", "to": "redis", "url": url, "stream": "s", "retain": true}, "steps[5].retain", "does not apply to redis"},
		{"redis neither", def{"id": "p", "type": "publish", "to": "redis", "url": url}, "steps[5].stream", "a stream (XADD) or a channel (PUBLISH)"},
		{"redis both", def{"id": "p", "type": "publish", "to": "redis", "url": url, "stream": "s", "channel": "c"}, "steps[5].stream", "not both"},
		{"subject template", def{"id": "p", "type": "publish", "to": "nats", "url": url, "subject": "orders.{{ payload. }}"}, "steps[5].subject", ""},
		{"body expression", def{"id": "p", "type": "publish", "to": "nats", "url": url, "subject": "a", "body": "payload.("}, "steps[5].body", ""},
		{"body mapping", def{"id": "p", "type": "publish", "to": "nats", "url": url, "subject": "a", "body": def{"x": "{{ payload. }}"}}, "steps[5].body.x", ""},
		{"timeout", def{"id": "p", "type": "publish", "to": "nats", "url": url, "subject": "a", "timeout": "soon"}, "steps[5].timeout", "duration"},
		{"retry attempts", def{"id": "p", "type": "publish", "to": "nats", "url": url, "subject": "a", "retry": def{"max_attempts": 500}}, "steps[5].retry.max_attempts", "between 1 and 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := validDefinition()
			w["steps"] = append(w["steps"].([]any), tt.step)
			_, err := compileDef(t, w)
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FieldError", err, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.message) {
				t.Errorf("error at %q: %q; want at %q, containing %q", fe.Field, fe.Message, tt.field, tt.message)
			}
		})
	}
}

// TestPublishCompileValid: each broker's fields in the ways they may be
// given.
func TestPublishCompileValid(t *testing.T) {
	t.Parallel()
	for _, s := range []def{
		{"id": "p", "type": "publish", "to": "nats", "url": "nats://127.0.0.1:4222", "subject": "orders.{{ payload.region }}"},
		{"id": "p", "type": "publish", "to": "nats", "url": "{{ secrets.nats }}", "subject": "orders", "body": def{"id": "{{ payload.id }}"}},
		{"id": "p", "type": "publish", "to": "rabbitmq", "url": "amqp://guest:guest@127.0.0.1:5672/", "exchange": "orders", "routing_key": "order.{{ payload.kind }}"},
		{"id": "p", "type": "publish", "to": "rabbitmq", "url": "{{ secrets.amqp }}", "routing_key": "orders-queue", "retry": def{"max_attempts": 3}},
		{"id": "p", "type": "publish", "to": "mqtt", "url": "mqtts://u:p@broker:8883", "topic": "shop/{{ payload.id }}", "retain": true},
		{"id": "p", "type": "publish", "to": "redis", "url": "redis://127.0.0.1:6379/0", "stream": "orders", "body": "payload.lines"},
		{"id": "p", "type": "publish", "to": "redis", "url": "{{ secrets.redis }}", "channel": "orders", "timeout": "5s"},
	} {
		w := validDefinition()
		w["steps"] = append(w["steps"].([]any), s)
		if _, err := compileDef(t, w); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
}
