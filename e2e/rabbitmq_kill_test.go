package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/hookflow/hookflow/internal/receivertest"
)

// localRabbitMQ is the RabbitMQ of the machine the tests run on.
const localRabbitMQ = "amqp://guest:guest@127.0.0.1:5672/"

// TestRabbitMQSurvivesKill: RabbitMQ holds 1,000 messages for a workflow's
// queue; the server taking them is killed with SIGKILL part-way. After a
// restart every message has exactly one run (a message delivered again
// after it was stored is refused by its message id), none is lost, and
// the queue is left empty.
func TestRabbitMQSurvivesKill(t *testing.T) {
	t.Parallel()
	const count = 1000
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	queue := "hf-e2e-kill-" + hex.EncodeToString(b)

	conn, err := amqp.Dial(localRabbitMQ)
	if err != nil {
		t.Fatalf("connect to the local RabbitMQ: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("channel: %v", err)
	}
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		t.Fatalf("declare queue: %v", err)
	}
	t.Cleanup(func() { _, _ = ch.QueueDelete(queue, false, false, false) })
	if err := ch.Confirm(false); err != nil {
		t.Fatalf("confirm mode: %v", err)
	}
	for i := range count {
		conf, err := ch.PublishWithDeferredConfirmWithContext(context.Background(), "", queue, false, false, amqp.Publishing{
			DeliveryMode: amqp.Persistent, ContentType: "application/json",
			MessageId: fmt.Sprintf("m-%d", i), Body: []byte(fmt.Sprintf(`{"n": %d}`, i)),
		})
		if err != nil {
			t.Fatalf("publish: %v", err)
		}
		if ok, err := conf.WaitContext(context.Background()); !ok || err != nil {
			t.Fatalf("publish %d not confirmed: %v", i, err)
		}
	}
	ready := func() int {
		c, err := conn.Channel()
		if err != nil {
			t.Fatalf("channel: %v", err)
		}
		defer c.Close()
		q, err := c.QueueDeclarePassive(queue, true, false, false, false, nil)
		if err != nil {
			t.Fatalf("queue: %v", err)
		}
		return q.Messages
	}

	recv := receivertest.New(t)
	srv := startServer(t, serverOptions{})
	if code := srv.do(http.MethodPut, "/api/v1/secrets/rabbitmq", []byte(`{"value": "`+localRabbitMQ+`"}`), nil); code/100 != 2 {
		t.Fatalf("PUT secret = %d", code)
	}
	srv.createWorkflow(fmt.Sprintf(`{
  "format": "hookflow/v1", "id": "from-rabbit", "name": "From RabbitMQ",
  "trigger": {"type": "rabbitmq", "url": "{{ secrets.rabbitmq }}", "queue": %q, "prefetch": 10},
  "steps": [
    {"id": "send", "type": "webhook", "url": "%s/n/{{ payload.n }}", "body": "payload"}
  ]
}`, queue, recv.URL))
	waitFor(t, 30*time.Second, "a part of the messages taken", func() (bool, string) {
		n := ready()
		return n <= count*8/10, fmt.Sprint(n, " messages ready")
	})
	srv.kill()
	left := ready()
	if left == 0 {
		t.Fatalf("every message was taken before the kill; the test needs some left")
	}

	again := startServer(t, serverOptions{DB: srv.opts.DB})
	again.waitRuns("from-rabbit", count, 120*time.Second)
	waitFor(t, 30*time.Second, "the queue empty", func() (bool, string) {
		n := ready()
		return n == 0, fmt.Sprint(n, " messages ready")
	})
	// Each message's run sent it once (or again with the same webhook-id,
	// where the kill came between the send and its record): one run each.
	runsOf := map[int]map[string]bool{}
	for _, h := range recv.Hits() {
		var body struct {
			N int `json:"n"`
		}
		if err := json.Unmarshal(h.Body, &body); err != nil {
			t.Fatalf("hit %s: %v", h.Body, err)
		}
		if runsOf[body.N] == nil {
			runsOf[body.N] = map[string]bool{}
		}
		runsOf[body.N][h.WebhookID()] = true
	}
	for i := range count {
		if len(runsOf[i]) != 1 {
			t.Errorf("message %d: %d runs, want exactly one", i, len(runsOf[i]))
		}
	}
	for _, r := range again.runs("from-rabbit") {
		if r.Status != "succeeded" {
			t.Errorf("run %s is %s: %s", r.ID, r.Status, r.Error)
		}
	}
	t.Logf("killed with %d of %d messages still in the queue", left, count)
}
