package kinds_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/workflows"
)

// natsURL is the local NATS server with JetStream the tests use.
const natsURL = "nats://127.0.0.1:4222"

// natsClient connects the test's own client to url, closed when the test
// ends; without a server there, the test is skipped (failed under CI).
func natsClient(t testing.TB, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("NATS at %s: %v", url, err)
		}
		t.Skipf("no NATS server at %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// natsStream creates a stream on subject, deleted when the test ends.
func natsStream(t testing.TB, js jetstream.JetStream, name, subject string) {
	t.Helper()
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: name, Subjects: []string{subject}}); err != nil {
		t.Fatalf("create stream %s: %v", name, err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
}

// natsPublish publishes n messages numbered from first, each acknowledged
// by the server. A publish without an answer (the server restarting) is
// made again; the server keeps one of each message id.
func natsPublish(t testing.TB, js jetstream.JetStream, subject string, first, n int) {
	t.Helper()
	for i := first; i < first+n; i++ {
		msg := &nats.Msg{Subject: subject, Data: []byte(`{"n": ` + strconv.Itoa(i) + `}`),
			Header: nats.Header{"X-Order": []string{"o-" + strconv.Itoa(i)}, "Nats-Msg-Id": []string{subject + "-" + strconv.Itoa(i)}}}
		var err error
		for range 20 {
			if _, err = js.PublishMsg(context.Background(), msg); err == nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
}

// natsWorkflow is a workflow consuming stream with a step that shows what
// a run sees of its message.
func natsWorkflow(id, trigger string) string {
	return `{"format": "hookflow/v1", "id": "` + id + `", "name": "nats", "trigger": ` + trigger + `,
		"steps": [{"id": "seen", "type": "transform", "expr": "{n: type(payload) == 'string' ? nil : payload.n, text: type(payload) == 'string' ? payload : '', subject: trigger.meta.subject, seq: trigger.meta.sequence, delivered: trigger.meta.num_delivered, order: trigger.headers['x-order'], source: trigger.source}"}]}`
}

// TestNATSCompile: settings with a mistake are refused at the field.
func TestNATSCompile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		trigger, field, message string
	}{
		{`{"type": "nats", "stream": "S"}`, "trigger.url", "is required"},
		{`{"type": "nats", "url": "http://127.0.0.1:4222", "stream": "S"}`, "trigger.url", "nats:// or tls://"},
		{`{"type": "nats", "url": "nats://127.0.0.1:4222"}`, "trigger.stream", "is required"},
		{`{"type": "nats", "url": "nats://127.0.0.1:4222", "stream": "A.B"}`, "trigger.stream", "no dots"},
		{`{"type": "nats", "url": "nats://127.0.0.1:4222", "stream": "S", "create_stream": true}`, "trigger.subject", "is required to create the stream"},
		{`{"type": "nats", "url": "nats://127.0.0.1:4222", "stream": "S", "durable": "a.b"}`, "trigger.durable", "no dots"},
		{`{"type": "nats", "url": "nats://127.0.0.1:4222", "stream": "S", "ack_wait": "soon"}`, "trigger.ack_wait", ""},
		{`{"type": "nats", "url": "{{ secrets. }}", "stream": "S"}`, "trigger.url", ""},
	}
	for _, tt := range tests {
		w, err := workflows.Decode([]byte(natsWorkflow("n", tt.trigger)))
		if err == nil {
			_, err = workflows.Compile(w)
		}
		if err == nil || !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), tt.message) {
			t.Errorf("%s: error %v, want %s: %s", tt.trigger, err, tt.field, tt.message)
		}
	}
	w, err := workflows.Decode([]byte(natsWorkflow("n", `{"type": "nats", "url": "{{ secrets.nats }}", "stream": "S", "subject": "s.>", "create_stream": true, "ack_wait": "1m", "nak_delay": "2s"}`)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := workflows.Compile(w)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if _, ok := c.Trigger.(kinds.Consumer); !ok {
		t.Fatalf("compiled trigger %T is not a consumer", c.Trigger)
	}
	k, _ := workflows.LookupTrigger("nats")
	if err := workflows.CheckDoc(k.Doc, &kinds.NATSSettings{}); err != nil {
		t.Error(err)
	}
}

// TestNATSTrigger: messages published by NATS's own client each start one
// run that sees the message's subject, sequence and headers; a second
// durable consumer, which is sent every message again, starts nothing
// new; disabled, the workflow's consumer stops and the messages wait in
// the stream until it is enabled again.
func TestNATSTrigger(t *testing.T) {
	t.Parallel()
	js := natsClient(t, natsURL)
	stream, subject := uniqueName("HF_"), uniqueName("hf.")
	natsStream(t, js, stream, subject+".>")
	natsPublish(t, js, subject+".paid", 0, 5)
	if _, err := js.PublishMsg(context.Background(), &nats.Msg{Subject: subject + ".text", Data: []byte("plain words")}); err != nil {
		t.Fatal(err)
	}

	r := newConsumerRig(t, nil, map[string]any{"nats": natsURL})
	id := "nats-" + strings.ToLower(stream[3:])
	r.save(t, natsWorkflow(id, `{"type": "nats", "url": "{{ secrets.nats }}", "stream": "`+stream+`", "subject": "`+subject+`.>"}`))
	r.waitState(t, id, kinds.ConsumerConnected)
	events := r.waitRuns(t, id, 6)
	for seq := 1; seq <= 6; seq++ {
		key := fmt.Sprintf("nats:%s:%d", stream, seq)
		ev, ok := events[key]
		if !ok {
			t.Fatalf("no run for %s (runs: %v)", key, keys(events))
		}
		if ev.Source != "nats" || ev.Meta["stream"] != stream || ev.Meta["sequence"] != float64(seq) || ev.Meta["num_delivered"] != float64(1) {
			t.Errorf("event %s = source %s, meta %v", key, ev.Source, ev.Meta)
		}
		if seq <= 5 && (ev.Headers["x-order"] != "o-"+strconv.Itoa(seq-1) || ev.Meta["subject"] != subject+".paid") {
			t.Errorf("event %s: headers %v, meta %v", key, ev.Headers, ev.Meta)
		}
	}
	out := stepOutput(t, r, id, fmt.Sprintf("nats:%s:1", stream))
	if out["n"] != float64(0) || out["subject"] != subject+".paid" || out["seq"] != float64(1) || out["order"] != "o-0" || out["source"] != "nats" {
		t.Errorf("the run of message 1 saw %v", out)
	}
	if out := stepOutput(t, r, id, fmt.Sprintf("nats:%s:6", stream)); out["text"] != "plain words" {
		t.Errorf("the run of the text message saw %v", out)
	}

	// Another durable consumer gets every message again: each is a
	// duplicate of one accepted, and starts nothing.
	other := uniqueName("other_")
	r.save(t, natsWorkflow(id, `{"type": "nats", "url": "{{ secrets.nats }}", "stream": "`+stream+`", "subject": "`+subject+`.>", "durable": "`+other+`"}`))
	waitFor(t, "the second consumer to acknowledge every message", func() bool {
		c, err := js.Consumer(context.Background(), stream, other)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.AckFloor.Stream == 6
	})
	r.waitRuns(t, id, 6)

	// Disabled: stopped; the messages published meanwhile wait.
	r.setEnabled(t, id, false)
	r.waitGone(t, id)
	natsPublish(t, js, subject+".paid", 100, 3)
	if n := len(r.runs(t, id)); n != 6 {
		t.Fatalf("a disabled workflow has %d runs, want 6", n)
	}
	r.setEnabled(t, id, true)
	r.waitState(t, id, kinds.ConsumerConnected)
	r.waitRuns(t, id, 9)
}

// TestNATSStreamMissing: a missing stream is an error on the workflow's
// consumer, unless the trigger may create it.
func TestNATSStreamMissing(t *testing.T) {
	t.Parallel()
	js := natsClient(t, natsURL)
	stream, subject := uniqueName("HF_"), uniqueName("hf.")
	r := newConsumerRig(t, nil, nil)
	id := "nats-missing"
	r.save(t, natsWorkflow(id, `{"type": "nats", "url": "`+natsURL+`", "stream": "`+stream+`", "subject": "`+subject+`"}`))
	st := r.waitState(t, id, kinds.ConsumerRetrying)
	if !strings.Contains(st.Error, `stream "`+stream+`" not found`) || !strings.Contains(st.Error, "create_stream") {
		t.Fatalf("state error = %q, want the stream not found", st.Error)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), stream) })
	r.save(t, natsWorkflow(id, `{"type": "nats", "url": "`+natsURL+`", "stream": "`+stream+`", "subject": "`+subject+`", "create_stream": true}`))
	r.waitState(t, id, kinds.ConsumerConnected)
	natsPublish(t, js, subject, 0, 2)
	r.waitRuns(t, id, 2)
}

// TestNATSReconnect: the NATS server (a process of the test's own) is
// killed while messages are being taken, and started again: the consumer
// reconnects, and every message the server acknowledged to its publisher
// has exactly one run.
func TestNATSReconnect(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startLocalServer(t, "nats-server", func(port int) []string {
		return []string{"-a", "127.0.0.1", "-p", strconv.Itoa(port), "-js", "-sd", dir}
	})
	url := "nats://" + srv.addr()
	js := natsClient(t, url)
	stream, subject := uniqueName("HF_"), uniqueName("hf.")
	if _, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: stream, Subjects: []string{subject}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	r := newConsumerRig(t, nil, map[string]any{"nats": url})
	id := "nats-reconnect"
	r.save(t, natsWorkflow(id, `{"type": "nats", "url": "{{ secrets.nats }}", "stream": "`+stream+`", "subject": "`+subject+`", "ack_wait": "2s"}`))
	r.waitState(t, id, kinds.ConsumerConnected)
	natsPublish(t, js, subject, 0, 200)
	waitFor(t, "the first runs", func() bool { return len(r.runs(t, id)) >= 20 })
	srv.restart()
	natsPublish(t, js, subject, 200, 50) // the test's client reconnects too
	r.waitState(t, id, kinds.ConsumerConnected)
	events := r.waitRuns(t, id, 250)
	for seq := 1; seq <= 250; seq++ {
		if _, ok := events[fmt.Sprintf("nats:%s:%d", stream, seq)]; !ok {
			t.Errorf("message %d has no run", seq)
		}
	}
}

// TestNATSTwoReplicas: two engines on one PostgreSQL store share the
// durable consumer: each message has one run.
func TestNATSTwoReplicas(t *testing.T) {
	t.Parallel()
	pg := postgresStore(t)
	js := natsClient(t, natsURL)
	stream, subject := uniqueName("HF_"), uniqueName("hf.")
	natsStream(t, js, stream, subject)
	a, b := newConsumerRig(t, pg, nil), newConsumerRig(t, pg, nil)
	id := "nats-replicas"
	a.save(t, natsWorkflow(id, `{"type": "nats", "url": "`+natsURL+`", "stream": "`+stream+`", "subject": "`+subject+`"}`))
	b.c.Reload()
	a.waitState(t, id, kinds.ConsumerConnected)
	b.waitState(t, id, kinds.ConsumerConnected)
	natsPublish(t, js, subject, 0, 300)
	events := a.waitRuns(t, id, 300)
	if len(events) != 300 {
		t.Fatalf("%d distinct messages ran, want 300", len(events))
	}
}

// stepOutput is the output of the seen step of the run of the event with
// key.
func stepOutput(t *testing.T, r *consumerRig, id, key string) map[string]any {
	t.Helper()
	for _, run := range r.runs(t, id) {
		ev, err := r.s.EventGet(r.ctx, run.EventID)
		if err != nil {
			t.Fatal(err)
		}
		if ev.IdempotencyKey != key {
			continue
		}
		steps, err := r.s.StepResultList(r.ctx, run.ID)
		if err != nil || len(steps) == 0 {
			t.Fatalf("steps of %s: %d, %v", run.ID, len(steps), err)
		}
		var out map[string]any
		if err := json.Unmarshal(steps[len(steps)-1].Output, &out); err != nil {
			t.Fatalf("output of %s: %v", run.ID, err)
		}
		return out
	}
	t.Fatalf("no run of %s", key)
	return nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
