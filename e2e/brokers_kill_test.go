package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
)

// brokerMessages is how many messages the broker holds when the server
// is killed.
const brokerMessages = 1000

// brokerWorkflow is a workflow taking trigger's messages; its step shows
// the message's key.
func brokerWorkflow(id, trigger string) string {
	return `{"format": "hookflow/v1", "id": "` + id + `", "name": "from a broker", "trigger": ` + trigger + `,
		"steps": [{"id": "seen", "type": "transform", "expr": "{n: payload.n}"}]}`
}

// killWhileConsuming starts the server on a workflow consuming a broker
// that holds brokerMessages messages, kills it with SIGKILL once some have
// run, starts it again, and checks that every message (by its number,
// read from its run's step) has exactly one run. publish, where the broker
// keeps messages only for a subscription that exists, sends them once the
// workflow is made; it returns how many other runs it started (probes,
// numbered below zero).
func killWhileConsuming(t *testing.T, id, trigger string, publish func(srv *server) int) {
	t.Helper()
	srv := startServer(t, serverOptions{})
	srv.createWorkflow(brokerWorkflow(id, trigger))
	probes := 0
	if publish != nil {
		probes = publish(srv)
	}
	before := 0
	waitFor(t, 60*time.Second, "the first runs", func() (bool, string) {
		before = len(srv.runs(id))
		return before >= 50, fmt.Sprint(before, " runs")
	})
	srv.kill()
	t.Logf("killed with at least %d of %d messages run", before, brokerMessages)

	again := startServer(t, serverOptions{DB: srv.opts.DB})
	runs := again.waitRuns(id, brokerMessages+probes, 120*time.Second)
	seen := map[int]string{}
	for _, r := range runs {
		if r.Status != "succeeded" {
			t.Errorf("run %s: %s (%s)", r.ID, r.Status, r.Error)
		}
		var detail struct {
			Steps []stepView `json:"steps"`
		}
		if code := again.do(http.MethodGet, "/api/v1/runs/"+r.ID, nil, &detail); code != http.StatusOK {
			t.Fatalf("GET run %s = %d", r.ID, code)
		}
		var out struct {
			N *int `json:"n"`
		}
		if len(detail.Steps) == 0 || json.Unmarshal(detail.Steps[len(detail.Steps)-1].Output, &out) != nil || out.N == nil {
			t.Fatalf("run %s: steps %+v", r.ID, detail.Steps)
		}
		if first, dup := seen[*out.N]; dup {
			t.Errorf("message %d has two runs: %s and %s", *out.N, first, r.ID)
		}
		seen[*out.N] = r.ID
	}
	for i := -probes; i < brokerMessages; i++ {
		if _, ok := seen[i]; !ok {
			t.Errorf("message %d has no run", i)
		}
	}
}

// TestNATSKill: kill -9 of the server while NATS holds 1,000 messages for
// its workflow: after a restart every message has exactly one run.
func TestNATSKill(t *testing.T) {
	t.Parallel()
	nc, err := nats.Connect("nats://127.0.0.1:4222")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("NATS: %v", err)
		}
		t.Skipf("no NATS server on 127.0.0.1:4222: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stream, subject := "HF_E2E_"+randomHex(), "hf.e2e."+randomHex()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{subject}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), stream) })
	futures := make([]jetstream.PubAckFuture, 0, brokerMessages)
	for i := range brokerMessages {
		f, err := js.PublishAsync(subject, []byte(`{"n": `+strconv.Itoa(i)+`}`))
		if err != nil {
			t.Fatal(err)
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			t.Fatalf("publish %d: %v", i, err)
		case <-time.After(30 * time.Second):
			t.Fatalf("publish %d: no ack", i)
		}
	}
	killWhileConsuming(t, "from-nats", `{"type": "nats", "url": "nats://127.0.0.1:4222", "stream": "`+stream+`", "subject": "`+subject+`"}`, nil)
}

// TestRedisKill: kill -9 of the server while a Redis stream holds 1,000
// entries for its workflow: after a restart (whose consumer has another
// name: the entries the killed one read are claimed once idle) every
// entry has exactly one run.
func TestRedisKill(t *testing.T) {
	t.Parallel()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Redis: %v", err)
		}
		t.Skipf("no Redis on 127.0.0.1:6379: %v", err)
	}
	stream := "hf-e2e-" + randomHex()
	t.Cleanup(func() { c.Del(context.Background(), stream) })
	pipe := c.Pipeline()
	for i := range brokerMessages {
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"body", `{"n": ` + strconv.Itoa(i) + `}`}})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	killWhileConsuming(t, "from-redis", `{"type": "redis", "url": "redis://127.0.0.1:6379/0", "stream": "`+stream+`", "start": "all", "claim_after": "2s"}`, nil)
}

func randomHex() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
