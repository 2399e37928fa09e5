package kinds

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hookflow/hookflow/connectors"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// DefaultPublishTimeout bounds one attempt at publishing, connect to the
// broker's confirm.
const DefaultPublishTimeout = 30 * time.Second

func init() {
	workflows.RegisterStep(workflows.StepKind{
		Doc: workflows.Doc{
			Type:  "publish",
			Title: "Publish to a queue",
			Summary: "Sends the payload, or a body of your own, to NATS JetStream, RabbitMQ, MQTT or Redis, and waits until the broker has it; " +
				"retried with backoff until it does.",
			Fields: []workflows.Field{
				{Name: "to", Label: "Broker", Kind: workflows.ValueSelect, Required: true,
					Options: []workflows.Option{
						{Value: "nats", Label: "NATS JetStream"},
						{Value: "rabbitmq", Label: "RabbitMQ (AMQP 0.9.1)"},
						{Value: "mqtt", Label: "MQTT 5"},
						{Value: "redis", Label: "Redis"},
					},
					Help: "Which kind of broker the message goes to; it decides which of the fields below apply."},
				{Name: "url", Label: "Broker URL", Kind: workflows.ValueSecret, Required: true,
					Placeholder: "{{ secrets.broker }}",
					Help: "The broker's address with its user and password, usually kept in a secret: nats://user:password@nats.example.com:4222 (tls:// for TLS), " +
						"amqp://user:password@rabbit.example.com:5672/vhost (amqps://), mqtt://user:password@mqtt.example.com:1883 (mqtts://), " +
						"redis://:password@redis.example.com:6379/0 (rediss://). It is never recorded or logged; the broker must be reachable past the outbound guard (--egress-allow)."},
				{Name: "subject", Label: "Subject (NATS)", Kind: workflows.ValueTemplate, Placeholder: "orders.{{ payload.region }}",
					Help: "NATS only: the subject to publish on; a JetStream stream must take it. The stream's ack is waited for."},
				{Name: "exchange", Label: "Exchange (RabbitMQ)", Kind: workflows.ValueTemplate, Placeholder: "orders",
					Help: "RabbitMQ only: the exchange to publish to; empty for the default exchange, where the routing key is a queue's name."},
				{Name: "routing_key", Label: "Routing key (RabbitMQ)", Kind: workflows.ValueTemplate, Placeholder: "order.created",
					Help: "RabbitMQ only: the routing key. Messages are persistent, and the broker's confirm is waited for. A message no queue is bound for is dropped by the broker."},
				{Name: "topic", Label: "Topic (MQTT)", Kind: workflows.ValueTemplate, Placeholder: "shop/orders/{{ payload.id }}",
					Help: "MQTT only: the topic, without wildcards. Sent with QoS 1: the broker's PUBACK is waited for."},
				{Name: "retain", Label: "Retain (MQTT)", Kind: workflows.ValueBoolean, Default: false,
					Help: "MQTT only: the broker keeps the message as the topic's last, for subscribers that come later."},
				{Name: "stream", Label: "Stream (Redis)", Kind: workflows.ValueTemplate, Placeholder: "orders",
					Help: "Redis only: add an entry to this stream (XADD). An object's top-level fields become the entry's fields (text as it is, anything else as JSON); any other body is one field, body."},
				{Name: "channel", Label: "Channel (Redis)", Kind: workflows.ValueTemplate, Placeholder: "orders",
					Help: "Redis only, instead of a stream: publish to this channel (PUBLISH); only subscribers listening right then get it."},
				{Name: "body", Label: "Body", Kind: workflows.ValueMapping,
					Help: "What is sent: fields with text and fields of the data in them ({{ payload.id }}), sent as JSON, or an expression (advanced): text is sent as it is, anything else as JSON. Empty: the payload, as it is."},
				{Name: "timeout", Label: "Timeout", Kind: workflows.ValueDuration, Default: DefaultPublishTimeout.String(),
					Help: "How long one attempt may take, connecting included, before it counts as failed and is retried."},
				{Name: "retry", Label: "Retries", Kind: workflows.ValueObject,
					Help: "A message the broker did not confirm (network error, nack, timeout) is sent again, waiting longer each time; a refusal that stays (no such stream or exchange, not allowed) fails the step at once. " +
						"Every attempt carries the same webhook-id (a NATS header and Nats-Msg-Id, the AMQP message id and a header, an MQTT user property, a Redis stream field), so consumers can drop a repeat.",
					Fields: retryFields},
			},
			Example: []byte(`{"id": "enqueue", "type": "publish", "to": "rabbitmq", "url": "{{ secrets.rabbitmq }}", "exchange": "orders", "routing_key": "order.created", "body": {"id": "{{ payload.id }}", "total": "{{ payload.total }}"}}`),
		},
		New: func() workflows.StepSettings { return &Publish{} },
	})
}

// Publish sends a message to a broker and waits for it to confirm; a
// message it did not confirm is sent again with backoff while attempts
// remain.
type Publish struct {
	// To names the broker: nats, rabbitmq, mqtt or redis.
	To string `json:"to,omitempty"`
	// URL is the broker's URL with its credentials, a template (usually
	// "{{ secrets.NAME }}").
	URL string `json:"url,omitempty"`
	// Subject is a NATS subject, a template.
	Subject string `json:"subject,omitempty"`
	// Exchange and RoutingKey are where a RabbitMQ message goes, templates.
	Exchange   string `json:"exchange,omitempty"`
	RoutingKey string `json:"routing_key,omitempty"`
	// Topic is an MQTT topic, a template; Retain keeps the message as the
	// topic's last.
	Topic  string `json:"topic,omitempty"`
	Retain bool   `json:"retain,omitempty"`
	// Stream (XADD) or Channel (PUBLISH) is where a Redis message goes, a
	// template.
	Stream  string `json:"stream,omitempty"`
	Channel string `json:"channel,omitempty"`
	// Body is what is sent: a mapping, or an expression (default: the
	// payload).
	Body workflows.Body `json:"body,omitzero"`
	// Timeout of one attempt, e.g. "10s" (default 30s).
	Timeout string `json:"timeout,omitempty"`
	// Retry sets how unconfirmed attempts are retried.
	Retry *Retry `json:"retry,omitempty"`
}

// publishTargets are the fields that say where a message goes, and the
// broker each belongs to.
var publishTargets = []struct{ field, to string }{
	{"subject", "nats"}, {"exchange", "rabbitmq"}, {"routing_key", "rabbitmq"},
	{"topic", "mqtt"}, {"retain", "mqtt"}, {"stream", "redis"}, {"channel", "redis"},
}

// Compile checks the broker, its URL where it is written out and the
// fields that apply to it, and compiles the templates and the body.
func (p *Publish) Compile(b *workflows.StepBuild) (any, error) {
	s := &publishStep{to: p.To, retain: p.Retain, timeout: DefaultPublishTimeout,
		retry: RetryPolicy{MaxAttempts: DefaultMaxAttempts, Initial: DefaultInitial, Max: DefaultMaxBackoff}}
	brokers := connectors.Brokers()
	if p.To == "" {
		return nil, b.Errorf("to", "is required (%s)", strings.Join(brokers, ", "))
	}
	if connectors.Schemes(p.To) == nil {
		return nil, b.Errorf("to", "unknown broker %q (%s)", p.To, strings.Join(brokers, ", "))
	}
	var err error
	if p.URL == "" {
		return nil, b.Required("url")
	}
	if s.url, err = b.Template("url", p.URL); err != nil {
		return nil, err
	}
	if s.url.IsLiteral() {
		if err := connectors.CheckURL(p.To, p.URL); err != nil {
			return nil, b.Errorf("url", "%v", err)
		}
	}
	set := map[string]string{"subject": p.Subject, "exchange": p.Exchange, "routing_key": p.RoutingKey,
		"topic": p.Topic, "stream": p.Stream, "channel": p.Channel}
	if p.Retain {
		set["retain"] = "true"
	}
	for _, t := range publishTargets {
		if set[t.field] != "" && t.to != p.To {
			return nil, b.Errorf(t.field, "does not apply to %s (it is for %s)", p.To, t.to)
		}
	}
	target := func(field string, dst **workflows.Template) error {
		if set[field] == "" {
			return nil
		}
		t, err := b.Template(field, set[field])
		*dst = t
		return err
	}
	for _, f := range []struct {
		field string
		dst   **workflows.Template
	}{{"subject", &s.subject}, {"exchange", &s.exchange}, {"routing_key", &s.routingKey},
		{"topic", &s.topic}, {"stream", &s.stream}, {"channel", &s.channel}} {
		if err := target(f.field, f.dst); err != nil {
			return nil, err
		}
	}
	switch p.To {
	case "nats":
		if s.subject == nil {
			return nil, b.Errorf("subject", "is required for nats: the subject to publish on")
		}
	case "rabbitmq":
		if s.routingKey == nil && s.exchange == nil {
			return nil, b.Errorf("routing_key", "is required for rabbitmq: an exchange and a routing key, or a queue's name as the routing key")
		}
	case "mqtt":
		if s.topic == nil {
			return nil, b.Errorf("topic", "is required for mqtt: the topic to publish to")
		}
		if s.topic.IsLiteral() && strings.ContainsAny(p.Topic, "+#") {
			return nil, b.Errorf("topic", "may not have the wildcards + or #: a message goes to one topic")
		}
	case "redis":
		if (s.stream == nil) == (s.channel == nil) {
			return nil, b.Errorf("stream", "give a stream (XADD) or a channel (PUBLISH), not both or neither")
		}
	}
	if p.Timeout != "" {
		if s.timeout, err = b.Duration("timeout", p.Timeout); err != nil {
			return nil, err
		}
	}
	if s.retry, err = compileRetry(b, p.Retry, s.retry); err != nil {
		return nil, err
	}
	if s.body, err = compileBody(b, p.Body); err != nil {
		return nil, err
	}
	if s.body == nil {
		b.UsesPayload()
	}
	return s, nil
}

type publishStep struct {
	to                                                string
	url, subject, exchange, routingKey, topic, stream *workflows.Template
	channel                                           *workflows.Template
	retain                                            bool
	body                                              *body // nil: the payload
	timeout                                           time.Duration
	retry                                             RetryPolicy
}

var (
	_ Step     = (*publishStep)(nil)
	_ Outbound = (*publishStep)(nil)
)

// Timeout is how long one attempt may take.
func (s *publishStep) Timeout() time.Duration { return s.timeout }

func (s *publishStep) Run(ctx context.Context, rt Runtime) Outcome {
	m, record, err := s.message(rt)
	if err != nil {
		return Outcome{Status: store.StepFailed, Input: record, Err: err}
	}
	if test, send := rt.Test(); test && !send {
		return Outcome{Status: store.StepSucceeded, Input: record, Output: map[string]any{"sent": false, "message_id": m.ID}}
	}
	attempt, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := connectors.Publish(attempt, dialer(rt), s.to, m)
	if err != nil {
		return connectorFailure(ctx, rt, s.retry, record, err)
	}
	out["sent"] = true
	out["message_id"] = m.ID
	return Outcome{Status: store.StepSucceeded, Input: record, Output: out}
}

// message renders the step's message, and the record of it (the URL
// without its credentials).
func (s *publishStep) message(rt Runtime) (connectors.Message, map[string]any, error) {
	env := rt.Env()
	m := connectors.Message{Retain: s.retain, ID: WebhookID(rt.RunID(), rt.Path())}
	record := map[string]any{"to": s.to, "message_id": m.ID}
	url, err := s.url.Render(env)
	if err != nil {
		return m, record, fmt.Errorf("url: %w", err)
	}
	if err := connectors.CheckURL(s.to, url); err != nil {
		return m, record, fmt.Errorf("url: %s", rt.Redact(err.Error()))
	}
	m.URL = url
	record["url"] = rt.Redact(connectors.Shown(url))
	for _, f := range []struct {
		field string
		t     *workflows.Template
		dst   *string
	}{{"subject", s.subject, &m.Subject}, {"exchange", s.exchange, &m.Exchange}, {"routing_key", s.routingKey, &m.RoutingKey},
		{"topic", s.topic, &m.Topic}, {"stream", s.stream, &m.Stream}, {"channel", s.channel, &m.Channel}} {
		if f.t == nil {
			continue
		}
		v, err := f.t.Render(env)
		if err != nil {
			return m, record, fmt.Errorf("%s: %w", f.field, err)
		}
		if v == "" {
			return m, record, fmt.Errorf("%s: is empty for this run", f.field)
		}
		*f.dst = v
		record[f.field] = rt.Redact(v)
	}
	if s.retain {
		record["retain"] = true
	}
	var value any
	if raw := rt.PayloadJSON(); s.body == nil && raw != nil && s.stream == nil {
		m.Body = raw
	} else {
		if s.body == nil {
			value = rt.Payload()
		} else if value, err = s.body.eval(env); err != nil {
			return m, record, fmt.Errorf("body%w", err)
		}
		if text, ok := value.(string); ok {
			m.Body = []byte(text)
		} else if m.Body, err = json.Marshal(value); err != nil {
			return m, record, fmt.Errorf("body is not JSON: %w", err)
		}
	}
	m.ContentType = "application/json"
	if _, ok := value.(string); ok {
		m.ContentType = "text/plain; charset=utf-8"
		record["body"] = rt.Redact(string(m.Body))
	} else {
		record["body"] = json.RawMessage(m.Body)
	}
	if m.Stream != "" {
		m.Fields = streamFields(value, m.Body)
	}
	return m, record, nil
}

// streamFields are a Redis stream entry's fields for a body: an object's
// top-level fields (text as it is, anything else as JSON), in the order
// of their names; any other body is one field, body.
func streamFields(value any, raw []byte) []string {
	obj, ok := value.(map[string]any)
	if !ok {
		return []string{"body", string(raw)}
	}
	names := make([]string, 0, len(obj))
	for k := range obj {
		if k != connectors.IDHeader {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	fields := make([]string, 0, 2*len(names))
	for _, k := range names {
		v, ok := obj[k].(string)
		if !ok {
			b, _ := json.Marshal(obj[k])
			v = string(b)
		}
		fields = append(fields, k, v)
	}
	if len(fields) == 0 {
		return []string{"body", string(raw)}
	}
	return fields
}
