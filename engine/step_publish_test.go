package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"

	"github.com/hookflow/hookflow/actions"
	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
)

// The local brokers the tests publish to.
const (
	natsURL   = "nats://127.0.0.1:4222"
	amqpURL   = "amqp://guest:guest@127.0.0.1:5672/"
	mqttURL   = "mqtt://127.0.0.1:1883"
	redisURL  = "redis://127.0.0.1:6379/0"
	mysqlURL  = "mysql://root@127.0.0.1:3306/test"
	brokerEnv = "CI"
)

// needServer skips the test where nothing listens on addr, unless CI is
// set: CI starts the servers and must run the tests.
func needServer(t testing.TB, addr, what string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		_ = conn.Close()
		return
	}
	if os.Getenv(brokerEnv) != "" {
		t.Fatalf("%s is not running on %s: %v", what, addr, err)
	}
	t.Skipf("%s is not running on %s (%v): skipped", what, addr, err)
}

// unique is a name no other test uses.
func unique(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// connSetup is an engine whose sender reaches 127.0.0.1 and whose secrets
// are the given ones.
func connSetup(t testing.TB, secrets map[string]any) *bundle {
	t.Helper()
	return setup(t, withConfig(func(c *Config) {
		c.Secrets = func(context.Context) (map[string]any, error) { return secrets, nil }
	}))
}

// flakyProxy forwards connections on 127.0.0.1 to target, after closing
// the first drop of them at once (a broker that is down, then up); it
// counts the connections it took.
type flakyProxy struct {
	addr  string
	taken atomic.Int32
}

func newFlakyProxy(t *testing.T, target string, drop int32) *flakyProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range open {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.taken.Add(1) <= drop {
				_ = c.Close()
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			mu.Lock()
			open = append(open, c, up)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
	return p
}

// via is a broker URL with its host and port replaced by the proxy's.
func (p *flakyProxy) via(url, hostPort string) string {
	return strings.Replace(url, hostPort, p.addr, 1)
}

// publishWorkflow is a workflow of one publish step with the given
// fields, retried quickly.
func publishWorkflow(id, fields string) string {
	return fmt.Sprintf(`{
  "format": "hookflow/v1", "id": %q, "name": "Publish",
  "trigger": {"type": "webhook"},
  "steps": [{"id": "send", "type": "publish", "url": "{{ secrets.broker }}", %s,
    "retry": {"max_attempts": 3, "initial": "10ms", "max": "20ms"}}]
}`, id, fields)
}

const publishEvent = `{"id": "A-17", "total": 42.5, "note": "x'); drop table t; --", "lines": [{"sku": "S1"}]}`

// publishRetried runs a workflow whose broker drops the first connection:
// the step is retried and succeeds on its second attempt, both attempts
// with the same message id, which it returns with the output.
func publishRetried(t *testing.T, b *bundle, def string) (string, map[string]any) {
	t.Helper()
	run := b.accept(b.save(def), publishEvent)
	if r := b.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q), want succeeded", r.Status, r.Error)
	}
	rs := b.resultsOf(run, "send")
	if len(rs) != 2 || rs[0].Status != store.StepRetrying || rs[0].Error == "" || rs[1].Status != store.StepSucceeded {
		t.Fatalf("attempts = %+v, want one retried after the dropped connection, then one that succeeded", rs)
	}
	want := kinds.WebhookID(run, "send")
	for _, r := range rs {
		var in map[string]any
		if err := json.Unmarshal(r.Input, &in); err != nil {
			t.Fatal(err)
		}
		if in["message_id"] != want {
			t.Errorf("attempt %d recorded message id %v, want %q on every attempt", r.Attempt, in["message_id"], want)
		}
		if strings.Contains(string(r.Input)+string(r.Output)+r.Error, "guest:guest") {
			t.Errorf("attempt %d records the URL's credentials: %s %s %q", r.Attempt, r.Input, r.Output, r.Error)
		}
	}
	var out map[string]any
	if err := json.Unmarshal(rs[1].Output, &out); err != nil {
		t.Fatal(err)
	}
	if out["sent"] != true || out["message_id"] != want {
		t.Errorf("output = %s, want sent with the message id", rs[1].Output)
	}
	return want, out
}

// TestPublishNATS: the message reaches the JetStream stream with the
// webhook-id header (also its Nats-Msg-Id), the same id after a retry; the
// output is the stream's ack.
func TestPublishNATS(t *testing.T) {
	t.Parallel()
	needServer(t, "127.0.0.1:4222", "NATS")
	ctx := context.Background()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	name := unique("HF")
	subject := strings.ToLower(name) + ".orders"
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{strings.ToLower(name) + ".>"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })

	proxy := newFlakyProxy(t, "127.0.0.1:4222", 1)
	b := connSetup(t, map[string]any{"broker": proxy.via(natsURL, "127.0.0.1:4222")})
	id, out := publishRetried(t, b, publishWorkflow("nats-pub", `"to": "nats", "subject": "`+subject+`", "body": {"order": "{{ payload.id }}", "total": "{{ payload.total }}"}`))
	if out["stream"] != name || out["seq"] != 1.0 || out["duplicate"] != false {
		t.Errorf("output = %v, want the stream's ack of seq 1", out)
	}
	msg, err := stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != subject || string(msg.Data) != `{"order":"A-17","total":42.5}` {
		t.Errorf("message on %q: %s", msg.Subject, msg.Data)
	}
	if msg.Header.Get("webhook-id") != id || msg.Header.Get(jetstream.MsgIDHeader) != id || msg.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v, want webhook-id and Nats-Msg-Id %q", msg.Header, id)
	}
}

// TestPublishRabbitMQ: a persistent message reaches the queue bound to
// the exchange, with the webhook-id as its message id and a header; a
// text body is sent as it is.
func TestPublishRabbitMQ(t *testing.T) {
	t.Parallel()
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
	exchange, queue := unique("hf-ex-"), unique("hf-q-")
	if err := ch.ExchangeDeclare(exchange, "direct", false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare(queue, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = ch.QueueDelete(queue, false, false, false)
		_ = ch.ExchangeDelete(exchange, false, false)
	})
	if err := ch.QueueBind(queue, "order.created", exchange, false, nil); err != nil {
		t.Fatal(err)
	}

	proxy := newFlakyProxy(t, "127.0.0.1:5672", 1)
	b := connSetup(t, map[string]any{"broker": proxy.via(amqpURL, "127.0.0.1:5672")})
	id, out := publishRetried(t, b, publishWorkflow("amqp-pub", `"to": "rabbitmq", "exchange": "`+exchange+`", "routing_key": "order.created", "body": "'order ' + payload.id"`))
	if out["confirmed"] != true || out["exchange"] != exchange {
		t.Errorf("output = %v, want confirmed", out)
	}
	var d amqp.Delivery
	waitUntil(t, "the message in the queue", func() bool {
		var ok bool
		d, ok, err = ch.Get(queue, true)
		return ok || err != nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(d.Body) != "order A-17" || d.MessageId != id || d.Headers["webhook-id"] != id ||
		d.DeliveryMode != amqp.Persistent || !strings.HasPrefix(d.ContentType, "text/plain") {
		t.Errorf("delivery: body %q, message id %q, headers %v, mode %d, type %q; want the text, persistent, with id %q",
			d.Body, d.MessageId, d.Headers, d.DeliveryMode, d.ContentType, id)
	}
}

// TestPublishMQTT: a retained QoS 1 message reaches the topic, the
// webhook-id a user property; a subscriber that comes later gets it.
func TestPublishMQTT(t *testing.T) {
	t.Parallel()
	needServer(t, "127.0.0.1:1883", "Mosquitto")
	topic := unique("hookflow/test/")
	proxy := newFlakyProxy(t, "127.0.0.1:1883", 1)
	b := connSetup(t, map[string]any{"broker": proxy.via(mqttURL, "127.0.0.1:1883")})
	id, out := publishRetried(t, b, publishWorkflow("mqtt-pub", `"to": "mqtt", "topic": "`+topic+`", "retain": true`))
	if out["topic"] != topic || out["qos"] != 1.0 {
		t.Errorf("output = %v", out)
	}

	got := make(chan *paho.Publish, 1)
	conn, err := net.Dial("tcp", "127.0.0.1:1883")
	if err != nil {
		t.Fatal(err)
	}
	c := paho.NewClient(paho.ClientConfig{Conn: conn, OnPublishReceived: []func(paho.PublishReceived) (bool, error){
		func(r paho.PublishReceived) (bool, error) {
			select {
			case got <- r.Packet:
			default:
			}
			return true, nil
		}}})
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := c.Connect(ctx, &paho.Connect{ClientID: unique("hf-test-"), CleanStart: true, KeepAlive: 30}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Clear the retained message, then leave.
		_, _ = c.Publish(context.Background(), &paho.Publish{Topic: topic, QoS: 1, Retain: true})
		_ = c.Disconnect(&paho.Disconnect{})
	})
	if _, err := c.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: topic, QoS: 1}}}); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if string(p.Payload) != publishEvent || !p.Retain || p.Properties == nil || p.Properties.User.Get("webhook-id") != id ||
			p.Properties.ContentType != "application/json" {
			t.Errorf("message: %s retain %v properties %+v; want the payload, retained, with webhook-id %q", p.Payload, p.Retain, p.Properties, id)
		}
	case <-ctx.Done():
		t.Fatal("no retained message on the topic")
	}
}

// TestPublishRedis: an object body becomes a stream entry's fields, the
// webhook-id one of them; a channel gets the body as it is.
func TestPublishRedis(t *testing.T) {
	t.Parallel()
	needServer(t, "127.0.0.1:6379", "Redis")
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	t.Cleanup(func() { _ = rc.Close() })
	stream := unique("hf:orders:")
	t.Cleanup(func() { rc.Del(context.Background(), stream) })

	proxy := newFlakyProxy(t, "127.0.0.1:6379", 1)
	b := connSetup(t, map[string]any{"broker": proxy.via(redisURL, "127.0.0.1:6379")})
	id, out := publishRetried(t, b, publishWorkflow("redis-pub", `"to": "redis", "stream": "`+stream+`", "body": {"id": "{{ payload.id }}", "total": "{{ payload.total }}", "lines": "{{ payload.lines }}"}`))
	entries, err := rc.XRange(ctx, stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || out["id"] != entries[0].ID || out["stream"] != stream {
		t.Fatalf("entries = %v, output %v: want one, its id in the output", entries, out)
	}
	want := map[string]any{"id": "A-17", "total": "42.5", "lines": `[{"sku":"S1"}]`, "webhook-id": id}
	if fmt.Sprint(entries[0].Values) != fmt.Sprint(want) {
		t.Errorf("fields = %v, want %v", entries[0].Values, want)
	}

	// A channel: a subscriber listening gets the payload.
	channel := unique("hf:events:")
	sub := rc.Subscribe(ctx, channel)
	t.Cleanup(func() { _ = sub.Close() })
	if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
		t.Fatal(err)
	}
	b2 := connSetup(t, map[string]any{"broker": redisURL})
	run := b2.accept(b2.save(publishWorkflow("redis-chan", `"to": "redis", "channel": "`+channel+`"`)), publishEvent)
	if r := b2.waitFinished(run); r.Status != store.StatusSucceeded {
		t.Fatalf("run = %s (%q)", r.Status, r.Error)
	}
	rctx, cancel := context.WithTimeout(ctx, waitFor)
	defer cancel()
	m, err := sub.ReceiveMessage(rctx)
	if err != nil || m.Payload != publishEvent {
		t.Errorf("channel message %v (%v), want the payload", m, err)
	}
	var pout map[string]any
	_ = json.Unmarshal(b2.resultsOf(run, "send")[0].Output, &pout)
	if pout["receivers"] != 1.0 {
		t.Errorf("output = %v, want 1 receiver", pout)
	}
}

// TestPublishBrokerDown: a broker that does not answer is tried again
// until the attempts are spent; one refused by the egress guard fails at
// once.
func TestPublishBrokerDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	_ = ln.Close()
	for _, tt := range []struct{ to, url, fields string }{
		{"nats", "nats://" + down, `"subject": "a.b"`},
		{"rabbitmq", "amqp://guest:guest@" + down + "/", `"routing_key": "q"`},
		{"mqtt", "mqtt://" + down, `"topic": "a/b"`},
		{"redis", "redis://" + down + "/0", `"stream": "s"`},
	} {
		t.Run(tt.to, func(t *testing.T) {
			t.Parallel()
			b := connSetup(t, map[string]any{"broker": tt.url})
			run := b.accept(b.save(publishWorkflow("down-"+tt.to, `"to": "`+tt.to+`", `+tt.fields)), publishEvent)
			r := b.waitFinished(run)
			if r.Status != store.StatusFailed || !strings.Contains(r.Error, "gave up after 3 attempts") {
				t.Errorf("run = %s (%q), want failed after 3 attempts", r.Status, r.Error)
			}
			if rs := b.resultsOf(run, "send"); len(rs) != 3 {
				t.Errorf("%d attempts, want 3", len(rs))
			}

			guarded := setup(t, withConfig(func(c *Config) {
				c.Sender = actions.NewSender(actions.Config{Egress: actions.DefaultEgress()})
				c.Secrets = func(context.Context) (map[string]any, error) { return map[string]any{"broker": tt.url}, nil }
			}))
			run = guarded.accept(guarded.save(publishWorkflow("guarded-"+tt.to, `"to": "`+tt.to+`", `+tt.fields)), publishEvent)
			r = guarded.waitFinished(run)
			if r.Status != store.StatusFailed || !strings.Contains(r.Error, "egress") && !strings.Contains(r.Error, "not allowed") {
				t.Errorf("guarded run = %s (%q), want failed by the egress guard", r.Status, r.Error)
			}
			if rs := guarded.resultsOf(run, "send"); len(rs) != 1 {
				t.Errorf("guarded: %d attempts, want 1 (not retried)", len(rs))
			}
		})
	}
}
