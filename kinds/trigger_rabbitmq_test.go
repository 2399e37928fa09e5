package kinds_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// rabbitURL is the local RabbitMQ the tests use.
const rabbitURL = "amqp://guest:guest@127.0.0.1:5672/"

// rabbitDef is a workflow taking a queue's messages, with the server's URL
// in vars.amqp; extra adds fields to the trigger.
func rabbitDef(id, queue, extra string) string {
	return `{"format": "hookflow/v1", "id": "` + id + `", "name": "Queue", "enabled": true,
		"trigger": {"type": "rabbitmq", "url": "{{ vars.amqp }}", "queue": "` + queue + `"` + extra + `},
		"steps": [{"id": "shape", "type": "transform", "expr": "{got: payload}"}]}`
}

// TestRabbitMQCompileErrors: a rabbitmq trigger with one mistake is
// refused at the field at fault, never repeating the password.
func TestRabbitMQCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, trigger, field, message string
	}{
		{"url missing", `"queue": "q"`, "trigger.url", "is required"},
		{"url scheme", `"url": "https://u:pw-hidden@rabbit.example.com", "queue": "q"`, "trigger.url", "amqp:// or amqps://"},
		{"url no host", `"url": "amqp://", "queue": "q"`, "trigger.url", "has no host"},
		{"url port", `"url": "amqp://u:pw-hidden@rabbit.example.com:99999", "queue": "q"`, "trigger.url", "not a port number"},
		{"url not a URL", `"url": "amqp://u:pw-hidden@rabbit example.com:5672", "queue": "q"`, "trigger.url", "not a URL"},
		{"url template", `"url": "{{ secrets. }}", "queue": "q"`, "trigger.url", ""},
		{"queue missing", `"url": "{{ secrets.amqp }}"`, "trigger.queue", "is required"},
		{"queue blank", `"url": "{{ secrets.amqp }}", "queue": "  "`, "trigger.queue", "is empty"},
		{"queue long", `"url": "{{ secrets.amqp }}", "queue": "` + strings.Repeat("q", 256) + `"`, "trigger.queue", "255 bytes"},
		{"prefetch", `"url": "{{ secrets.amqp }}", "queue": "q", "prefetch": -1`, "trigger.prefetch", "between 1 and 10000"},
		{"prefetch large", `"url": "{{ secrets.amqp }}", "queue": "q", "prefetch": 20000`, "trigger.prefetch", "between 1 and 10000"},
		{"exchange type alone", `"url": "{{ secrets.amqp }}", "queue": "q", "exchange_type": "topic"`, "trigger.exchange_type", "needs an exchange"},
		{"binding key alone", `"url": "{{ secrets.amqp }}", "queue": "q", "binding_key": "a.*"`, "trigger.binding_key", "needs an exchange"},
		{"exchange type", `"url": "{{ secrets.amqp }}", "queue": "q", "exchange": "x", "exchange_type": "headers"`, "trigger.exchange_type", "topic, direct or fanout"},
		{"unknown field", `"url": "{{ secrets.amqp }}", "queue": "q", "routing_key": "a"`, "trigger.routing_key", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := `{"format": "hookflow/v1", "id": "q", "name": "Q", "trigger": {"type": "rabbitmq", ` + tt.trigger + `},
				"steps": [{"id": "shape", "type": "transform", "expr": "payload"}]}`
			_, err := compile(def)
			var fe *workflows.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FieldError", err, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Message, tt.message) {
				t.Errorf("error at %q: %q; want at %q, containing %q", fe.Field, fe.Message, tt.field, tt.message)
			}
			if strings.Contains(err.Error(), "pw-hidden") {
				t.Errorf("error %q repeats the password", err)
			}
		})
	}
}

// compile decodes and compiles a definition, as saving it does.
func compile(def string) (*workflows.Compiled, error) {
	w, err := workflows.Decode([]byte(def))
	if err != nil {
		return nil, err
	}
	return workflows.Compile(w)
}

// rabbit is a connection of the tests' own to the local RabbitMQ, to
// publish and look at queues; names are made unique per test and deleted
// when it ends.
type rabbit struct {
	t    testing.TB
	conn *amqp.Connection
	ch   *amqp.Channel
}

func newRabbit(t testing.TB) *rabbit {
	t.Helper()
	conn, err := amqp.Dial(rabbitURL)
	if err != nil {
		t.Fatalf("connect to the local RabbitMQ: %v", err)
	}
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("channel: %v", err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatalf("confirm mode: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &rabbit{t: t, conn: conn, ch: ch}
}

// name is a queue or exchange name of this test, deleted when it ends.
func (r *rabbit) name(kind string) string {
	n := "hf-test-" + kind + "-" + randomHex(4)
	r.t.Cleanup(func() {
		conn, err := amqp.Dial(rabbitURL)
		if err != nil {
			return
		}
		defer conn.Close()
		ch, err := conn.Channel()
		if err != nil {
			return
		}
		if kind == "exchange" {
			_ = ch.ExchangeDelete(n, false, false)
		} else {
			_, _ = ch.QueueDelete(n, false, false, false)
		}
	})
	return n
}

// publish sends a persistent message and waits for the server's confirm.
func (r *rabbit) publish(exchange, key string, msg amqp.Publishing) {
	r.t.Helper()
	msg.DeliveryMode = amqp.Persistent
	conf, err := r.ch.PublishWithDeferredConfirmWithContext(context.Background(), exchange, key, false, false, msg)
	if err != nil {
		r.t.Fatalf("publish: %v", err)
	}
	if ok, err := conf.WaitContext(context.Background()); !ok || err != nil {
		r.t.Fatalf("publish not confirmed: %v", err)
	}
}

// messages is how many messages the queue holds ready (unacknowledged
// ones of a live consumer not counted).
func (r *rabbit) messages(queue string) int {
	r.t.Helper()
	ch, err := r.conn.Channel()
	if err != nil {
		r.t.Fatalf("channel: %v", err)
	}
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		r.t.Fatalf("queue %s: %v", queue, err)
	}
	return q.Messages
}

func jsonBody(n int) []byte { return []byte(fmt.Sprintf(`{"n": %d}`, n)) }

// TestRabbitMQConsume: messages published by RabbitMQ's own client to an
// exchange the trigger declares and binds are each stored once and run,
// with their headers and metadata; a message id repeated starts nothing
// new; and every message is acknowledged (the queue is left empty).
func TestRabbitMQConsume(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	queue, exchange := r.name("queue"), r.name("exchange")
	n := sqliteNode(t)
	wf, c := n.save(t, rabbitDef("rabbit-consume", queue, `, "exchange": "`+exchange+`", "binding_key": "orders.*", "prefetch": 5`))
	h := newHost(t, n, wf, "rabbitmq", map[string]any{"amqp": rabbitURL})
	stop := consume(t, c, h)
	waitUntil(t, "connected", func() bool { return h.stateCount(kinds.ConsumerConnected) > 0 })

	const count = 40
	for i := range count {
		r.publish(exchange, "orders.created", amqp.Publishing{ContentType: "application/json", Body: jsonBody(i),
			MessageId: fmt.Sprintf("m-%d", i), Headers: amqp.Table{"X-Shop": "north", "Attempt": int32(i)}})
	}
	r.publish(exchange, "orders.created", amqp.Publishing{Body: jsonBody(0), MessageId: "m-0"}) // a repeat
	r.publish(exchange, "invoices.created", amqp.Publishing{Body: jsonBody(-1)})                // not bound
	r.publish("", queue, amqp.Publishing{Body: []byte("plain text"), CorrelationId: "c-1"})     // by the queue's name

	waitUntil(t, "every message stored", func() bool { return len(n.events(t, wf.ID)) == count+1 })
	waitUntil(t, "every message acknowledged", func() bool { return r.messages(queue) == 0 })
	if err := stop(); err != nil {
		t.Fatalf("Consume: %v", err)
	}
	if got := r.messages(queue); got != 0 {
		t.Errorf("%d messages left in the queue after the consumer stopped, want 0 (all acknowledged)", got)
	}
	events := n.events(t, wf.ID)
	for i := range count {
		if events[string(jsonBody(i))] != 1 {
			t.Errorf("message %d stored %d times, want once", i, events[string(jsonBody(i))])
		}
	}
	if events["plain text"] != 1 || events[string(jsonBody(-1))] != 0 {
		t.Errorf("events %v: want the plain text message once, the unbound one never", events)
	}
	runs := n.runs(t, wf.ID)
	if len(runs) != count+1 {
		t.Errorf("%d runs, want %d", len(runs), count+1)
	}
	for _, run := range runs {
		if run.Status != store.StatusSucceeded {
			t.Errorf("run %s is %s, want succeeded", run.ID, run.Status)
		}
	}
	var first, plain *kinds.Delivery
	for _, d := range h.deliveries() {
		switch {
		case string(d.Body) == string(jsonBody(0)) && first == nil:
			first = &d
		case string(d.Body) == "plain text":
			plain = &d
		}
	}
	if first == nil || plain == nil {
		t.Fatalf("deliveries %v lack the first or the plain message", h.deliveries())
	}
	if first.IdempotencyKey != "m-0" || first.Headers["x-shop"] != "north" || first.Headers["attempt"] != "0" ||
		first.Headers["content-type"] != "application/json" {
		t.Errorf("first delivery: key %q, headers %v", first.IdempotencyKey, first.Headers)
	}
	meta, _ := json.Marshal(first.Meta)
	for _, want := range []string{`"exchange":"` + exchange + `"`, `"routing_key":"orders.created"`, `"message_id":"m-0"`,
		`"redelivered":false`, `"headers":{`, `"X-Shop":"north"`, `"delivery_tag":`} {
		if !strings.Contains(string(meta), want) {
			t.Errorf("meta %s lacks %s", meta, want)
		}
	}
	if plain.IdempotencyKey != "" || plain.Meta["correlation_id"] != "c-1" || plain.Meta["routing_key"] != queue {
		t.Errorf("plain delivery: key %q, meta %v", plain.IdempotencyKey, plain.Meta)
	}
}

// TestRabbitMQNotStoredStaysQueued: a message whose event cannot be
// stored is never acknowledged: RabbitMQ delivers it again, and keeps it
// when the consumer stops; a consumer that can store it then takes it once.
func TestRabbitMQNotStoredStaysQueued(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	queue := r.name("queue")
	n := sqliteNode(t)
	wf, c := n.save(t, rabbitDef("rabbit-fails", queue, ""))
	down := newHost(t, n, wf, "rabbitmq", map[string]any{"amqp": rabbitURL})
	down.failAll.Store(true)
	stop := consume(t, c, down)
	waitUntil(t, "connected", func() bool { return down.stateCount(kinds.ConsumerConnected) > 0 })
	r.publish("", queue, amqp.Publishing{Body: jsonBody(7), MessageId: "only"})
	waitUntil(t, "the message delivered again after a failed store", func() bool { return down.refusals() >= 2 })
	if err := stop(); err != nil {
		t.Fatalf("Consume: %v", err)
	}
	if got := len(n.events(t, wf.ID)); got != 0 {
		t.Fatalf("%d events stored by a host that stores none", got)
	}
	waitUntil(t, "the message back in the queue", func() bool { return r.messages(queue) == 1 })

	up := newHost(t, n, wf, "rabbitmq", map[string]any{"amqp": rabbitURL})
	consume(t, c, up)
	waitUntil(t, "the message stored", func() bool { return n.events(t, wf.ID)[string(jsonBody(7))] == 1 })
	waitUntil(t, "the queue empty", func() bool { return r.messages(queue) == 0 })
	if d := up.deliveries(); len(d) != 1 || d[0].Meta["redelivered"] != true {
		t.Errorf("deliveries %v, want one, redelivered", d)
	}
}

// TestRabbitMQReconnects: when the connection is lost the trigger says so,
// connects again, and goes on taking messages: each is stored once.
func TestRabbitMQReconnects(t *testing.T) {
	t.Parallel()
	r := newRabbit(t)
	queue := r.name("queue")
	p := newProxy(t, "127.0.0.1:5672")
	n := sqliteNode(t)
	wf, c := n.save(t, rabbitDef("rabbit-reconnect", queue, ""))
	h := newHost(t, n, wf, "rabbitmq", map[string]any{"amqp": "amqp://guest:guest@" + p.addr() + "/"})
	consume(t, c, h)
	waitUntil(t, "connected", func() bool { return h.stateCount(kinds.ConsumerConnected) == 1 })
	for i := range 10 {
		r.publish("", queue, amqp.Publishing{Body: jsonBody(i), MessageId: fmt.Sprint(i)})
	}
	waitUntil(t, "the first messages stored", func() bool { return len(n.events(t, wf.ID)) == 10 })

	p.cut()
	waitUntil(t, "the loss reported", func() bool { return h.stateCount(kinds.ConsumerRetrying) > 0 })
	waitUntil(t, "connected again", func() bool { return h.stateCount(kinds.ConsumerConnected) >= 2 })
	for i := 10; i < 20; i++ {
		r.publish("", queue, amqp.Publishing{Body: jsonBody(i), MessageId: fmt.Sprint(i)})
	}
	waitUntil(t, "every message stored", func() bool { return len(n.events(t, wf.ID)) == 20 })
	waitUntil(t, "the queue empty", func() bool { return r.messages(queue) == 0 })
	for body, times := range n.events(t, wf.ID) {
		if times != 1 {
			t.Errorf("%s stored %d times", body, times)
		}
	}
}

// TestRabbitMQTwoReplicasPostgres: two replicas on one PostgreSQL consume
// one queue; each message (without a message id, so that nothing but the
// queue keeps them apart) is stored and run exactly once.
func TestRabbitMQTwoReplicasPostgres(t *testing.T) {
	t.Parallel()
	dbURL := postgresSchema(t)
	r := newRabbit(t)
	queue := r.name("queue")
	a, b := postgresNode(t, dbURL), postgresNode(t, dbURL)
	wf, c := a.save(t, rabbitDef("rabbit-replicas", queue, `, "prefetch": 10`))
	ha := newHost(t, a, wf, "rabbitmq", map[string]any{"amqp": rabbitURL})
	hb := newHost(t, b, wf, "rabbitmq", map[string]any{"amqp": rabbitURL})
	consume(t, c, ha)
	consume(t, c, hb)
	waitUntil(t, "both connected", func() bool {
		return ha.stateCount(kinds.ConsumerConnected) > 0 && hb.stateCount(kinds.ConsumerConnected) > 0
	})
	const count = 300
	for i := range count {
		r.publish("", queue, amqp.Publishing{Body: jsonBody(i)})
	}
	waitUntil(t, "every message stored", func() bool { return len(a.events(t, wf.ID)) == count })
	waitUntil(t, "the queue empty", func() bool { return r.messages(queue) == 0 })
	events := a.events(t, wf.ID)
	for i := range count {
		if events[string(jsonBody(i))] != 1 {
			t.Errorf("message %d stored %d times, want once", i, events[string(jsonBody(i))])
		}
	}
	waitUntil(t, "every run finished", func() bool {
		done := 0
		for _, run := range a.runs(t, wf.ID) {
			if store.Finished(run.Status) {
				done++
			}
		}
		return done == count
	})
	t.Logf("replica a took %d messages, replica b %d", len(ha.deliveries()), len(hb.deliveries()))
}
