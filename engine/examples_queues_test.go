package engine

import (
	"testing"

	"github.com/hookflow/hookflow/store"
)

func init() {
	exampleCases["queue-to-webhook"] = testQueueToWebhook
	exampleSecrets["nats"] = "nats://127.0.0.1:4222"
}

// testQueueToWebhook: a message taken from NATS is sent on to the API with
// its stream sequence and subject as headers; the broker's redelivery of
// it (the same idempotency key) starts nothing.
func testQueueToWebhook(t *testing.T, x *example) {
	msg := func() store.Event {
		return store.Event{Source: "nats", Headers: map[string]string{"nats-msg-id": "order-1001"},
			Body:           []byte(`{"order_id": 1001, "total": 59.9, "currency": "EUR"}`),
			Meta:           map[string]any{"subject": "orders.created", "stream": "ORDERS", "sequence": float64(42), "num_delivered": float64(1)},
			IdempotencyKey: "nats:ORDERS:42"}
	}
	first := x.deliver(t, msg(), false)
	if r := x.waitFinished(first.RunID); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	if again := x.deliver(t, msg(), false); !again.Duplicate || again.RunID != first.RunID {
		t.Fatalf("redelivery = %+v, want a duplicate of %s", again, first.RunID)
	}
	hits := x.recv.On("/orders_api/orders")
	if len(hits) != 1 {
		t.Fatalf("the API got %d requests, want 1", len(hits))
	}
	jsonEqual(t, "forwarded body", hits[0].Body, `{"order_id": 1001, "total": 59.9, "currency": "EUR"}`)
	if id, subj := hits[0].Header.Get("X-Message-Id"), hits[0].Header.Get("X-Subject"); id != "ORDERS-42" || subj != "orders.created" {
		t.Errorf("X-Message-Id %q, X-Subject %q; want ORDERS-42, orders.created", id, subj)
	}
}
