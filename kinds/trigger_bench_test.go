package kinds_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// benchConsume measures a trigger taking b.N messages already waiting in
// its broker: each message accepted as a durable event of a workflow with
// one transform, on SQLite, and acknowledged. It reports messages per
// second from the consumer's start to the last accept.
func benchConsume(b *testing.B, n *node, def, source string, vars map[string]any) {
	b.Helper()
	wf, c := n.save(b, def)
	h := newHost(b, n, wf, source, vars)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	consume(b, c, h)
	deadline := time.Now().Add(consumeWait + time.Duration(b.N)*time.Millisecond)
	for len(h.deliveries()) < b.N {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d messages accepted", len(h.deliveries()), b.N)
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkNATSTrigger consumes a JetStream stream through a durable pull
// consumer, each message acknowledged after its event is stored.
func BenchmarkNATSTrigger(b *testing.B) {
	js := natsClient(b, natsURL)
	stream, subject := uniqueName("HFB_"), uniqueName("hfb.")
	natsStream(b, js, stream, subject+".>")
	natsPublish(b, js, subject+".paid", 0, b.N)
	benchConsume(b, sqliteNode(b), natsWorkflow("nats-bench-"+strings.ToLower(stream[4:]),
		`{"type": "nats", "url": "`+natsURL+`", "stream": "`+stream+`", "subject": "`+subject+`.>"}`), "nats", nil)
}

// BenchmarkRedisTrigger consumes a Redis stream through a consumer group,
// each entry acknowledged (XACK) after its event is stored.
func BenchmarkRedisTrigger(b *testing.B) {
	c := redisClient(b, redisURL)
	stream := redisStream(b, c)
	redisAdd(b, c, stream, 0, b.N)
	benchConsume(b, sqliteNode(b), redisWorkflow("redis-bench",
		`{"type": "redis", "url": "`+redisURL+`", "stream": "`+stream+`", "start": "all"}`), "redis", nil)
}

// BenchmarkRabbitMQTrigger consumes a durable queue, prefetch 50, each
// message acknowledged after its event is stored.
func BenchmarkRabbitMQTrigger(b *testing.B) {
	r := newRabbit(b)
	queue := r.name("queue")
	ch, err := r.conn.Channel()
	if err != nil {
		b.Fatal(err)
	}
	defer ch.Close()
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		b.Fatalf("declare the queue: %v", err)
	}
	for i := range b.N {
		r.publish("", queue, amqp.Publishing{ContentType: "application/json", Body: jsonBody(i), MessageId: fmt.Sprintf("m-%d", i)})
	}
	benchConsume(b, sqliteNode(b), rabbitDef("rabbit-bench", queue, `, "prefetch": 50`), "rabbitmq", map[string]any{"amqp": rabbitURL})
}
