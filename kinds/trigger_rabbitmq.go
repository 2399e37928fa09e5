package kinds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/hookflow/hookflow/workflows"
)

// RabbitMQ trigger defaults and bounds.
const (
	// DefaultRabbitMQPrefetch is how many messages the broker hands the
	// trigger before the first is acknowledged, where prefetch is not set.
	DefaultRabbitMQPrefetch  = 20
	rabbitConsumeMaxPrefetch = 10000
	// rabbitConsumeDialTimeout bounds one connection attempt, TCP and AMQP
	// handshake included.
	rabbitConsumeDialTimeout = 30 * time.Second
)

// rabbitConsumeBackoff is the wait between connection attempts: from a fraction
// of a second, doubling up to half a minute.
var rabbitConsumeBackoff = RetryPolicy{Initial: 250 * time.Millisecond, Max: 30 * time.Second}

// rabbitConsumeExchangeTypes are the exchange types the trigger may declare.
var rabbitConsumeExchangeTypes = []workflows.Option{
	{Value: "topic", Label: "topic (routing keys matched with * and #)"},
	{Value: "direct", Label: "direct (routing key equals the binding key)"},
	{Value: "fanout", Label: "fanout (every message to every queue)"},
}

func init() {
	workflows.RegisterTrigger(workflows.TriggerKind{
		Doc: workflows.Doc{
			Type:  "rabbitmq",
			Title: "RabbitMQ queue",
			Summary: "Starts a run for every message of a RabbitMQ queue; a message is acknowledged to RabbitMQ only once its event is stored, " +
				"so a crash or an outage only delivers it again.",
			Fields: []workflows.Field{
				{Name: "url", Label: "Server", Kind: workflows.ValueSecret, Required: true,
					Placeholder: "{{ secrets.rabbitmq }}",
					Help: "The server as a URL, usually kept in a secret: amqp://user:password@rabbit.example.com:5672/vhost, or amqps:// for TLS " +
						"(write a / ? # @ or % in the password as %2F %3F %23 %40 %25). It is never logged or recorded. " +
						"The server must be reachable past the outbound guard (--egress-allow)."},
				{Name: "queue", Label: "Queue", Kind: workflows.ValueText, Required: true, Placeholder: "orders",
					Help: "The queue to take messages from. It is declared durable (created where it does not exist); an existing queue must be durable too."},
				{Name: "prefetch", Label: "Messages at once", Kind: workflows.ValueNumber, Default: DefaultRabbitMQPrefetch,
					Help: "How many messages the server hands over before the first is acknowledged (1 to 10000): more is faster, fewer spreads them across replicas."},
				{Name: "exchange", Label: "Exchange", Kind: workflows.ValueText, Placeholder: "shop",
					Help: "Optional: an exchange to bind the queue to, declared durable where it does not exist (amq.* exchanges are only bound to). Empty: the queue gets only what is sent to it by name."},
				{Name: "exchange_type", Label: "Exchange type", Kind: workflows.ValueSelect, Default: "topic", Options: rabbitConsumeExchangeTypes,
					Help: "The exchange's type, where it is declared; an existing exchange must have this type."},
				{Name: "binding_key", Label: "Binding key", Kind: workflows.ValueText, Placeholder: "orders.*",
					Help: "Which routing keys of the exchange reach the queue: for a topic exchange * matches one word and # any number (default #, everything); " +
						"for a direct exchange the key itself (default the queue's name); a fanout exchange sends everything."},
			},
			Example: []byte(`{"type": "rabbitmq", "url": "{{ secrets.rabbitmq }}", "queue": "orders", "exchange": "shop", "binding_key": "orders.*"}`),
		},
		New: func() workflows.TriggerSettings { return &RabbitMQSettings{} },
	})
}

// RabbitMQSettings are a rabbitmq trigger's fields.
type RabbitMQSettings struct {
	// URL is the server's, a template (usually "{{ secrets.rabbitmq }}"):
	// amqp://user:pass@host:5672/vhost or amqps://...
	URL string `json:"url,omitempty"`
	// Queue is the queue consumed, declared durable.
	Queue string `json:"queue,omitempty"`
	// Prefetch is the most messages unacknowledged at once (default 20).
	Prefetch int `json:"prefetch,omitempty"`
	// Exchange, where set, is declared (durable, of ExchangeType) and the
	// queue bound to it with BindingKey.
	Exchange     string `json:"exchange,omitempty"`
	ExchangeType string `json:"exchange_type,omitempty"`
	BindingKey   string `json:"binding_key,omitempty"`
}

// RabbitMQTrigger is a rabbitmq trigger compiled: a Consumer of its queue.
type RabbitMQTrigger struct {
	*RabbitMQSettings
	url          *workflows.Template
	prefetch     int
	exchangeType string
	bindingKey   string
}

var _ Consumer = (*RabbitMQTrigger)(nil)

// Compile checks the settings, the URL where it is written out.
func (s *RabbitMQSettings) Compile(b *workflows.TriggerBuild) (any, error) {
	t := &RabbitMQTrigger{RabbitMQSettings: s, prefetch: DefaultRabbitMQPrefetch, exchangeType: "topic"}
	if s.URL == "" {
		return nil, b.Required("url")
	}
	var err error
	if t.url, err = b.Template("url", s.URL); err != nil {
		return nil, err
	}
	if t.url.IsLiteral() {
		if err := rabbitConsumeURL(s.URL); err != nil {
			return nil, b.Errorf("url", "%v", err)
		}
	}
	if s.Queue == "" {
		return nil, b.Required("queue")
	}
	if err := rabbitConsumeName(s.Queue); err != nil {
		return nil, b.Errorf("queue", "%v", err)
	}
	if s.Prefetch != 0 {
		if s.Prefetch < 1 || s.Prefetch > rabbitConsumeMaxPrefetch {
			return nil, b.Errorf("prefetch", "must be between 1 and %d", rabbitConsumeMaxPrefetch)
		}
		t.prefetch = s.Prefetch
	}
	if s.Exchange == "" {
		if s.ExchangeType != "" {
			return nil, b.Errorf("exchange_type", "needs an exchange: set exchange, or leave exchange_type out")
		}
		if s.BindingKey != "" {
			return nil, b.Errorf("binding_key", "needs an exchange: set exchange, or leave binding_key out")
		}
		return t, nil
	}
	if err := rabbitConsumeName(s.Exchange); err != nil {
		return nil, b.Errorf("exchange", "%v", err)
	}
	if s.ExchangeType != "" {
		if !rabbitConsumeType(s.ExchangeType) {
			return nil, b.Errorf("exchange_type", "must be topic, direct or fanout")
		}
		t.exchangeType = s.ExchangeType
	}
	if len(s.BindingKey) > 255 {
		return nil, b.Errorf("binding_key", "is longer than 255 bytes")
	}
	t.bindingKey = s.BindingKey
	if t.bindingKey == "" {
		switch t.exchangeType {
		case "topic":
			t.bindingKey = "#"
		case "direct":
			t.bindingKey = s.Queue
		}
	}
	return t, nil
}

func rabbitConsumeType(v string) bool {
	for _, o := range rabbitConsumeExchangeTypes {
		if o.Value == v {
			return true
		}
	}
	return false
}

// rabbitConsumeName checks a queue's or an exchange's name.
func rabbitConsumeName(name string) error {
	if len(name) > 255 {
		return errors.New("is longer than 255 bytes")
	}
	if strings.TrimSpace(name) == "" {
		return errors.New("is empty")
	}
	return nil
}

// rabbitConsumeURL checks a server URL; its errors never repeat the URL (it
// may hold a password).
func rabbitConsumeURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a URL such as amqp://user:password@rabbit.example.com:5672/vhost (write a / ? # @ or % in the password as %2F %3F %23 %40 %25)")
	}
	if u.Scheme != "amqp" && u.Scheme != "amqps" {
		return errors.New("must start with amqp:// or amqps://")
	}
	if u.Hostname() == "" {
		return errors.New("has no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return errors.New("has a port that is not a port number")
		}
	}
	if _, err := amqp.ParseURI(raw); err != nil {
		return errors.New("is not an AMQP URL such as amqp://user:password@rabbit.example.com:5672/vhost")
	}
	return nil
}

// Consume takes the queue's messages until ctx ends, connecting again with
// backoff whenever the connection or its channel is lost.
func (t *RabbitMQTrigger) Consume(ctx context.Context, host ConsumerHost) error {
	log := host.Logger().With("trigger", "rabbitmq", "queue", t.Queue)
	for failures := 0; ; {
		host.State(ConsumerConnecting, nil)
		connected, err := t.session(ctx, host)
		if ctx.Err() != nil {
			host.State(ConsumerStopped, nil)
			return nil
		}
		if connected {
			failures = 0
		}
		failures++
		wait := Backoff(rabbitConsumeBackoff, failures, 0)
		log.Warn("rabbitmq: connection lost; connecting again", "err", err, "in", wait)
		host.State(ConsumerRetrying, err)
		select {
		case <-ctx.Done():
			host.State(ConsumerStopped, nil)
			return nil
		case <-time.After(wait):
		}
	}
}

// session connects, declares what the settings name, and consumes until
// the connection or the channel is lost or ctx ends; connected says it got
// as far as consuming.
func (t *RabbitMQTrigger) session(ctx context.Context, host ConsumerHost) (connected bool, err error) {
	raw, err := host.Render(t.url)
	if err != nil {
		return false, fmt.Errorf("url: %w", err)
	}
	if err := rabbitConsumeURL(raw); err != nil {
		return false, fmt.Errorf("url %w", err)
	}
	conn, err := amqp.DialConfig(raw, amqp.Config{
		Heartbeat: 10 * time.Second,
		Properties: amqp.Table{
			"connection_name": "hookflow " + host.WorkflowID(),
			"product":         "Hookflow",
		},
		Dial: func(network, addr string) (net.Conn, error) {
			dctx, cancel := context.WithTimeout(ctx, rabbitConsumeDialTimeout)
			defer cancel()
			c, err := host.Dial(dctx, network, addr)
			if err != nil {
				return nil, err
			}
			// The handshake that follows must end too.
			_ = c.SetDeadline(time.Now().Add(rabbitConsumeDialTimeout))
			return c, nil
		},
	})
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	connClosed := conn.NotifyClose(make(chan *amqp.Error, 1))
	ch, err := conn.Channel()
	if err != nil {
		return false, fmt.Errorf("open channel: %w", err)
	}
	chClosed := ch.NotifyClose(make(chan *amqp.Error, 1))
	if err := ch.Qos(t.prefetch, 0, false); err != nil {
		return false, fmt.Errorf("prefetch: %w", err)
	}
	if t.Exchange != "" && !strings.HasPrefix(t.Exchange, "amq.") {
		if err := ch.ExchangeDeclare(t.Exchange, t.exchangeType, true, false, false, false, nil); err != nil {
			return false, fmt.Errorf("declare exchange %q: %w", t.Exchange, err)
		}
	}
	if _, err := ch.QueueDeclare(t.Queue, true, false, false, false, nil); err != nil {
		return false, fmt.Errorf("declare queue %q: %w", t.Queue, err)
	}
	if t.Exchange != "" {
		if err := ch.QueueBind(t.Queue, t.bindingKey, t.Exchange, false, nil); err != nil {
			return false, fmt.Errorf("bind queue %q to exchange %q: %w", t.Queue, t.Exchange, err)
		}
	}
	tag := "hookflow-" + host.WorkflowID() + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	deliveries, err := ch.Consume(t.Queue, tag, false, false, false, false, nil)
	if err != nil {
		return false, fmt.Errorf("consume queue %q: %w", t.Queue, err)
	}
	host.State(ConsumerConnected, nil)
	host.Logger().Info("rabbitmq: consuming", "queue", t.Queue)

	// Each message is stored and acknowledged on its own goroutine: the
	// prefetch bounds how many there are. All are done before the
	// connection closes, so that none stored goes unacknowledged.
	var inflight sync.WaitGroup
	defer inflight.Wait()
	for {
		select {
		case <-ctx.Done():
			_ = ch.Cancel(tag, false)
			return true, nil
		case e := <-connClosed:
			return true, rabbitConsumeClosed("connection", e)
		case e := <-chClosed:
			return true, rabbitConsumeClosed("channel", e)
		case d, ok := <-deliveries:
			if !ok {
				select {
				case e := <-connClosed:
					return true, rabbitConsumeClosed("connection", e)
				case e := <-chClosed:
					return true, rabbitConsumeClosed("channel", e)
				case <-time.After(time.Second):
					return true, errors.New("the server ended the consumer")
				}
			}
			inflight.Add(1)
			go func() {
				defer inflight.Done()
				t.deliver(ctx, host, d)
			}()
		}
	}
}

// rabbitConsumeClosed says why the connection or the channel closed.
func rabbitConsumeClosed(what string, e *amqp.Error) error {
	if e == nil {
		return fmt.Errorf("%s closed", what)
	}
	return fmt.Errorf("%s closed: %w", what, e)
}

// deliver stores one message and acknowledges it once stored; where it
// cannot be stored, it is handed back to the queue (after a wait, so that
// a store that is down is not asked again at once).
func (t *RabbitMQTrigger) deliver(ctx context.Context, host ConsumerHost, d amqp.Delivery) {
	err := host.Accept(ctx, rabbitDelivery(host, d))
	if err == nil {
		if err := d.Ack(false); err != nil {
			host.Logger().Warn("rabbitmq: acknowledge a stored message", "err", err, "delivery_tag", d.DeliveryTag)
		}
		return
	}
	if ctx.Err() != nil {
		return // the channel closes: the server queues it again
	}
	host.Logger().Error("rabbitmq: message not stored; handed back to the queue", "err", err, "delivery_tag", d.DeliveryTag)
	select {
	case <-ctx.Done():
		return
	case <-time.After(Backoff(rabbitConsumeBackoff, 3, 0)):
	}
	if err := d.Nack(false, true); err != nil {
		host.Logger().Warn("rabbitmq: hand back a message", "err", err, "delivery_tag", d.DeliveryTag)
	}
}

// rabbitDelivery makes a message into an event: its headers (and content
// type) as trigger.headers, what the server says of it as trigger.meta, and
// its message id, where it has one, as the idempotency key.
func rabbitDelivery(host ConsumerHost, d amqp.Delivery) Delivery {
	headers := make(map[string]string, len(d.Headers)+1)
	for k, v := range d.Headers {
		headers[strings.ToLower(k)] = rabbitConsumeText(v)
	}
	if d.ContentType != "" {
		headers["content-type"] = d.ContentType
	}
	meta := map[string]any{
		"exchange":     d.Exchange,
		"routing_key":  d.RoutingKey,
		"delivery_tag": d.DeliveryTag,
		"redelivered":  d.Redelivered,
		"message_id":   d.MessageId,
		"headers":      rabbitConsumeValue(d.Headers),
	}
	for k, v := range map[string]string{"content_type": d.ContentType, "correlation_id": d.CorrelationId,
		"type": d.Type, "app_id": d.AppId, "reply_to": d.ReplyTo} {
		if v != "" {
			meta[k] = v
		}
	}
	if !d.Timestamp.IsZero() {
		meta["timestamp"] = d.Timestamp.UTC().Format(time.RFC3339)
	}
	return Delivery{Body: d.Body, Headers: headers, Meta: meta, IdempotencyKey: d.MessageId, ReceivedAt: host.Now()}
}

// rabbitConsumeValue makes a header table's value JSON-friendly.
func rabbitConsumeValue(v any) any {
	switch v := v.(type) {
	case amqp.Table:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = rabbitConsumeValue(x)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = rabbitConsumeValue(x)
		}
		return out
	case []byte:
		return string(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case amqp.Decimal:
		f, _ := strconv.ParseFloat(strconv.FormatInt(int64(v.Value), 10)+"e-"+strconv.Itoa(int(v.Scale)), 64)
		return f
	}
	return v
}

// rabbitConsumeText is a header's value as the text of trigger.headers.
func rabbitConsumeText(v any) string {
	switch v := rabbitConsumeValue(v).(type) {
	case string:
		return v
	case nil:
		return ""
	case map[string]any, []any:
		b, _ := json.Marshal(v)
		return string(b)
	default:
		return fmt.Sprint(v)
	}
}
