package kinds_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/eclipse/paho.golang/paho"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/store"
	"github.com/hookflow/hookflow/workflows"
)

// mosquittoAddr is the local Mosquitto the tests use.
const mosquittoAddr = "127.0.0.1:1883"

// mqttDef is a workflow taking a topic's messages, with the broker's URL in
// vars.mqtt; extra adds fields to the trigger.
func mqttDef(id, topic, extra string) string {
	return `{"format": "hookflow/v1", "id": "` + id + `", "name": "Topic", "enabled": true,
		"trigger": {"type": "mqtt", "url": "{{ vars.mqtt }}", "topic": "` + topic + `", "session_expiry": "10m"` + extra + `},
		"steps": [{"id": "shape", "type": "transform", "expr": "{got: payload}"}]}`
}

// TestMQTTCompileErrors: an mqtt trigger with one mistake is refused at the
// field at fault, never repeating the password.
func TestMQTTCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, trigger, field, message string
	}{
		{"url missing", `"topic": "a"`, "trigger.url", "is required"},
		{"url scheme", `"url": "http://u:pw-hidden@broker.example.com", "topic": "a"`, "trigger.url", "mqtt:// or mqtts://"},
		{"url no host", `"url": "mqtt://", "topic": "a"`, "trigger.url", "has no host"},
		{"url port", `"url": "mqtt://u:pw-hidden@broker.example.com:0", "topic": "a"`, "trigger.url", "not a port number"},
		{"url path", `"url": "mqtt://u:pw-hidden@broker.example.com/x", "topic": "a"`, "trigger.url", "only a scheme"},
		{"url not a URL", `"url": "mqtt://u:pw-hidden@broker example.com", "topic": "a"`, "trigger.url", "not a URL"},
		{"url template", `"url": "{{ secrets. }}", "topic": "a"`, "trigger.url", ""},
		{"topic missing", `"url": "{{ secrets.mqtt }}"`, "trigger.topic", "is required"},
		{"topic hash inside", `"url": "{{ secrets.mqtt }}", "topic": "a/#/b"`, "trigger.topic", "# before its last level"},
		{"topic wildcard in level", `"url": "{{ secrets.mqtt }}", "topic": "a/b+/c"`, "trigger.topic", "whole levels"},
		{"topic shared", `"url": "{{ secrets.mqtt }}", "topic": "$share/g/a"`, "trigger.topic", "$share/"},
		{"qos", `"url": "{{ secrets.mqtt }}", "topic": "a", "qos": 3`, "trigger.qos", "0, 1 or 2"},
		{"qos text", `"url": "{{ secrets.mqtt }}", "topic": "a", "qos": "once"`, "trigger.qos", ""},
		{"session expiry", `"url": "{{ secrets.mqtt }}", "topic": "a", "session_expiry": "a day"`, "trigger.session_expiry", "duration"},
		{"session expiry long", `"url": "{{ secrets.mqtt }}", "topic": "a", "session_expiry": "10000h"`, "trigger.session_expiry", "a year"},
		{"unknown field", `"url": "{{ secrets.mqtt }}", "topic": "a", "retain": true`, "trigger.retain", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := `{"format": "hookflow/v1", "id": "m", "name": "M", "trigger": {"type": "mqtt", ` + tt.trigger + `},
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
	for _, qos := range []string{`0`, `1`, `2`} {
		def := `{"format": "hookflow/v1", "id": "m", "name": "M", "trigger": {"type": "mqtt", "url": "mqtts://broker.example.com", "topic": "a/+/#", "qos": ` + qos + `},
			"steps": [{"id": "shape", "type": "transform", "expr": "payload"}]}`
		if _, err := compile(def); err != nil {
			t.Errorf("qos %s: %v", qos, err)
		}
	}
}

// publisher is an MQTT client of the tests' own, publishing at QoS 1 (each
// publish waits for the broker's PUBACK).
type publisher struct {
	t   testing.TB
	cli *paho.Client
}

func newPublisher(t testing.TB) *publisher {
	t.Helper()
	conn, err := net.Dial("tcp", mosquittoAddr)
	if err != nil {
		t.Fatalf("connect to the local Mosquitto: %v", err)
	}
	cli := paho.NewClient(paho.ClientConfig{Conn: conn, ClientID: "hf-test-pub-" + randomHex(4)})
	if _, err := cli.Connect(context.Background(), &paho.Connect{ClientID: cli.ClientID(), CleanStart: true, KeepAlive: 30}); err != nil {
		t.Fatalf("MQTT connect: %v", err)
	}
	t.Cleanup(func() { _ = cli.Disconnect(&paho.Disconnect{}) })
	return &publisher{t: t, cli: cli}
}

func (p *publisher) publish(topic string, body []byte, props ...string) {
	p.t.Helper()
	pp := &paho.PublishProperties{}
	for i := 0; i+1 < len(props); i += 2 {
		pp.User.Add(props[i], props[i+1])
	}
	if _, err := p.cli.Publish(context.Background(), &paho.Publish{Topic: topic, QoS: 1, Payload: body, Properties: pp}); err != nil {
		p.t.Fatalf("publish: %v", err)
	}
}

// TestMQTTConsume: messages published by an MQTT client to topics the
// trigger's wildcard matches are each stored once and run, with their
// properties and metadata; a repeated message-id starts nothing new; and
// every one was acknowledged: the broker sends none again to the same
// session after a restart.
func TestMQTTConsume(t *testing.T) {
	t.Parallel()
	pub := newPublisher(t)
	base := "hf-test/" + randomHex(4)
	n := sqliteNode(t)
	wf, c := n.save(t, mqttDef("mqtt-consume", base+"/+/temp", ""))
	h := newHost(t, n, wf, "mqtt", map[string]any{"mqtt": "mqtt://" + mosquittoAddr})
	stop := consume(t, c, h)
	waitUntil(t, "connected", func() bool { return h.stateCount(kinds.ConsumerConnected) > 0 })
	// The subscription is made just after the connection: publish until a
	// first message comes through.
	waitUntil(t, "the subscription", func() bool {
		pub.publish(base+"/probe/temp", []byte(`"probe"`), "message-id", "probe")
		return len(h.deliveries()) > 0
	})

	const count = 40
	for i := range count {
		pub.publish(fmt.Sprintf("%s/room%d/temp", base, i%3), jsonBody(i), "message-id", fmt.Sprint(i), "X-Unit", "celsius")
	}
	pub.publish(base+"/room0/temp", jsonBody(0), "message-id", "0") // a repeat
	pub.publish(base+"/room0/humidity", jsonBody(-1))               // not matched
	pub.publish(base+"/room1/temp", []byte("plain text"))

	waitUntil(t, "every message stored", func() bool { return len(n.events(t, wf.ID)) == count+2 })
	if err := stop(); err != nil {
		t.Fatalf("Consume: %v", err)
	}

	// The same replica again: the broker's session has nothing left to send.
	again := newHost(t, n, wf, "mqtt", map[string]any{"mqtt": "mqtt://" + mosquittoAddr})
	consume(t, c, again)
	waitUntil(t, "connected again", func() bool { return again.stateCount(kinds.ConsumerConnected) > 0 })
	pub.publish(base+"/last/temp", []byte(`"last"`))
	waitUntil(t, "the last message", func() bool { return n.events(t, wf.ID)[`"last"`] == 1 })
	for _, d := range again.deliveries() {
		if string(d.Body) != `"last"` {
			t.Errorf("%s delivered again after it was stored and acknowledged", d.Body)
		}
	}

	events := n.events(t, wf.ID)
	for i := range count {
		if events[string(jsonBody(i))] != 1 {
			t.Errorf("message %d stored %d times, want once", i, events[string(jsonBody(i))])
		}
	}
	if events["plain text"] != 1 || events[string(jsonBody(-1))] != 0 {
		t.Errorf("events %v: want the plain text message once, the unmatched one never", events)
	}
	for _, run := range n.runs(t, wf.ID) {
		if run.Status != store.StatusSucceeded {
			t.Errorf("run %s is %s, want succeeded", run.ID, run.Status)
		}
	}
	var first *kinds.Delivery
	for _, d := range h.deliveries() {
		if string(d.Body) == string(jsonBody(0)) {
			first = &d
			break
		}
	}
	if first == nil {
		t.Fatal("the first message was not delivered")
	}
	if first.IdempotencyKey != "0" || first.Headers["x-unit"] != "celsius" {
		t.Errorf("first delivery: key %q, headers %v", first.IdempotencyKey, first.Headers)
	}
	meta, _ := json.Marshal(first.Meta)
	for _, want := range []string{`"topic":"` + base + `/room0/temp"`, `"qos":1`, `"retain":false`, `"duplicate":false`,
		`"packet_id":`, `"headers":{`, `"X-Unit":"celsius"`} {
		if !strings.Contains(string(meta), want) {
			t.Errorf("meta %s lacks %s", meta, want)
		}
	}
}

// TestMQTTNotStoredStaysWithBroker: a message whose event cannot be stored
// is never acknowledged: once that consumer stops, the broker keeps it in
// the replica's session and sends it again to the next one, which stores
// it once.
func TestMQTTNotStoredStaysWithBroker(t *testing.T) {
	t.Parallel()
	pub := newPublisher(t)
	topic := "hf-test/" + randomHex(4) + "/orders"
	n := sqliteNode(t)
	wf, c := n.save(t, mqttDef("mqtt-fails", topic, `, "shared": false`))
	down := newHost(t, n, wf, "mqtt", map[string]any{"mqtt": "mqtt://" + mosquittoAddr})
	down.failAll.Store(true)
	stop := consume(t, c, down)
	waitUntil(t, "a message refused", func() bool {
		pub.publish(topic, jsonBody(7))
		return down.refusals() > 0
	})
	waitUntil(t, "the message tried again", func() bool { return down.refusals() >= 2 })
	if err := stop(); err != nil {
		t.Fatalf("Consume: %v", err)
	}
	if got := len(n.events(t, wf.ID)); got != 0 {
		t.Fatalf("%d events stored by a host that stores none", got)
	}

	up := newHost(t, n, wf, "mqtt", map[string]any{"mqtt": "mqtt://" + mosquittoAddr})
	consume(t, c, up)
	waitUntil(t, "the message stored", func() bool { return n.events(t, wf.ID)[string(jsonBody(7))] >= 1 })
	pub.publish(topic, []byte(`"after"`))
	waitUntil(t, "a message after it", func() bool { return n.events(t, wf.ID)[`"after"`] == 1 })
	if got := n.events(t, wf.ID)[string(jsonBody(7))]; got < 1 {
		t.Errorf("the refused message stored %d times", got)
	}
}

// TestMQTTReconnects: when the connection is lost the trigger says so,
// connects again and takes up its session: messages published while it
// was away are delivered, each stored once.
func TestMQTTReconnects(t *testing.T) {
	t.Parallel()
	pub := newPublisher(t)
	topic := "hf-test/" + randomHex(4) + "/events"
	p := newProxy(t, mosquittoAddr)
	n := sqliteNode(t)
	wf, c := n.save(t, mqttDef("mqtt-reconnect", topic, ""))
	h := newHost(t, n, wf, "mqtt", map[string]any{"mqtt": "mqtt://" + p.addr()})
	consume(t, c, h)
	waitUntil(t, "the subscription", func() bool {
		pub.publish(topic, []byte(`"probe"`), "message-id", "probe")
		return len(h.deliveries()) > 0
	})
	for i := range 10 {
		pub.publish(topic, jsonBody(i), "message-id", fmt.Sprint(i))
	}
	waitUntil(t, "the first messages stored", func() bool { return len(n.events(t, wf.ID)) == 11 })

	p.cut()
	waitUntil(t, "the loss reported", func() bool { return h.stateCount(kinds.ConsumerRetrying) > 0 })
	for i := 10; i < 20; i++ {
		pub.publish(topic, jsonBody(i), "message-id", fmt.Sprint(i))
	}
	waitUntil(t, "connected again", func() bool { return h.stateCount(kinds.ConsumerConnected) >= 2 })
	waitUntil(t, "every message stored", func() bool { return len(n.events(t, wf.ID)) == 21 })
	for body, times := range n.events(t, wf.ID) {
		if times != 1 {
			t.Errorf("%s stored %d times", body, times)
		}
	}
}

// TestMQTTTwoReplicasPostgres: two replicas on one PostgreSQL share one
// subscription; each message (without a message-id, so that nothing but
// the shared subscription keeps them apart) is stored and run exactly
// once.
func TestMQTTTwoReplicasPostgres(t *testing.T) {
	t.Parallel()
	dbURL := postgresSchema(t)
	pub := newPublisher(t)
	topic := "hf-test/" + randomHex(4) + "/jobs"
	a, b := postgresNode(t, dbURL), postgresNode(t, dbURL)
	wf, c := a.save(t, mqttDef("mqtt-replicas", topic, ""))
	ha := newHost(t, a, wf, "mqtt", map[string]any{"mqtt": "mqtt://" + mosquittoAddr})
	hb := newHost(t, b, wf, "mqtt", map[string]any{"mqtt": "mqtt://" + mosquittoAddr})
	ha.replica, hb.replica = "a", "b"
	consume(t, c, ha)
	consume(t, c, hb)
	// Both subscriptions are made once a message reaches each replica.
	probes := 0
	waitUntil(t, "both subscribed", func() bool {
		probes++
		pub.publish(topic, []byte(fmt.Sprintf(`"probe %d"`, probes)))
		return len(ha.deliveries()) > 0 && len(hb.deliveries()) > 0
	})
	const count = 300
	for i := range count {
		pub.publish(topic, jsonBody(i))
	}
	// Probes published before a subscription was made went nowhere.
	stored := func() int {
		events, n := a.events(t, wf.ID), 0
		for i := range count {
			n += events[string(jsonBody(i))]
		}
		return n
	}
	waitUntil(t, "every message stored", func() bool { return stored() >= count })
	events := a.events(t, wf.ID)
	for body, times := range events {
		if times != 1 {
			t.Errorf("%s stored %d times, want once", body, times)
		}
	}
	waitUntil(t, "every run finished", func() bool {
		done := 0
		for _, run := range a.runs(t, wf.ID) {
			if store.Finished(run.Status) {
				done++
			}
		}
		return done == len(events)
	})
	t.Logf("replica a took %d messages, replica b %d", len(ha.deliveries()), len(hb.deliveries()))
}
