package engine

import (
	"fmt"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
)

func init() {
	exampleCases["webhook-to-queue"] = testWebhookToQueue
}

// testWebhookToQueue: a paid order is on the exchange, in the queue bound
// to it, persistent and carrying its webhook-id; a pending one is not.
func testWebhookToQueue(t *testing.T, x *example) {
	needServer(t, "127.0.0.1:5672", "RabbitMQ")
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	exchange := x.w.Vars["exchange"].(string)
	if err := ch.ExchangeDeclare(exchange, "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare(unique("hf-orders-"), false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(q.Name, "order.paid.*", exchange, false, nil); err != nil {
		t.Fatal(err)
	}

	order := `{"id": 820982911946154508, "name": "#1001", "email": "ann@example.com", "financial_status": "%s", "currency": "EUR",
	  "total_price": "59.90", "line_items": [{"sku": "MUG-1"}, {"sku": "TEE-M"}]}`
	paid := x.deliver(t, jsonEvent2(fmt.Sprintf(order, "paid"), map[string]string{"x-shopify-webhook-id": "b54557e4", "x-shopify-topic": "orders/paid"}), false)
	pending := x.deliver(t, jsonEvent2(fmt.Sprintf(order, "pending"), map[string]string{"x-shopify-webhook-id": "c1", "x-shopify-topic": "orders/create"}), false)
	if r := x.waitFinished(paid.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if r := x.waitFinished(pending.RunID); r.Status != store.StatusFiltered {
		t.Errorf("pending run = %s, want filtered", r.Status)
	}
	var d amqp.Delivery
	waitUntil(t, "the order in the queue", func() bool {
		var ok bool
		d, ok, err = ch.Get(q.Name, true)
		return ok || err != nil
	})
	if err != nil {
		t.Fatal(err)
	}
	id := kinds.WebhookID(paid.RunID, "enqueue")
	if d.RoutingKey != "order.paid.eur" || d.MessageId != id || d.DeliveryMode != amqp.Persistent {
		t.Errorf("delivery: routing key %q, message id %q, mode %d; want order.paid.eur, %q, persistent", d.RoutingKey, d.MessageId, d.DeliveryMode, id)
	}
	jsonEqual(t, "message", d.Body, `{"order": "#1001", "email": "ann@example.com", "total": "59.90", "currency": "EUR",
	  "skus": ["MUG-1", "TEE-M"], "shopify_webhook_id": "b54557e4"}`)
	if _, ok, _ := ch.Get(q.Name, true); ok {
		t.Error("a second message in the queue: the pending order was sent too")
	}
	if strings.Contains(string(x.resultsOf(paid.RunID, "enqueue")[0].Input), "guest:guest") {
		t.Error("the broker URL's credentials are recorded")
	}
}
