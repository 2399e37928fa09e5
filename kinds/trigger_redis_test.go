package kinds_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/hookflow/hookflow/kinds"
	"github.com/hookflow/hookflow/workflows"
)

// redisURL is the local Redis server the tests use.
const redisURL = "redis://127.0.0.1:6379/0"

// redisClient connects the test's own client, closed when the test ends;
// without a server, the test is skipped (failed under CI).
func redisClient(t testing.TB, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Redis at %s: %v", url, err)
		}
		t.Skipf("no Redis server at %s: %v", url, err)
	}
	return c
}

// redisAdd adds n entries numbered from first, returning their ids.
func redisAdd(t testing.TB, c *redis.Client, stream string, first, n int) []string {
	t.Helper()
	var ids []string
	for i := first; i < first+n; i++ {
		id, err := c.XAdd(context.Background(), &redis.XAddArgs{Stream: stream,
			Values: []any{"body", `{"n": ` + strconv.Itoa(i) + `}`, "X-Order", "o-" + strconv.Itoa(i)}}).Result()
		if err != nil {
			t.Fatalf("XADD %d: %v", i, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// redisStream is a unique stream key, deleted when the test ends.
func redisStream(t testing.TB, c *redis.Client) string {
	t.Helper()
	s := uniqueName("hf-test-")
	t.Cleanup(func() { c.Del(context.Background(), s) })
	return s
}

func redisWorkflow(id, trigger string) string {
	return `{"format": "hookflow/v1", "id": "` + id + `", "name": "redis", "trigger": ` + trigger + `,
		"steps": [{"id": "seen", "type": "transform", "expr": "{n: payload.n, sku: payload.sku, id: trigger.meta.id, claimed: trigger.meta.claimed, order: trigger.headers['x-order'], source: trigger.source}"}]}`
}

// TestRedisCompile: settings with a mistake are refused at the field.
func TestRedisCompile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		trigger, field, message string
	}{
		{`{"type": "redis", "stream": "s"}`, "trigger.url", "is required"},
		{`{"type": "redis", "url": "http://127.0.0.1", "stream": "s"}`, "trigger.url", "redis:// or rediss://"},
		{`{"type": "redis", "url": "redis://127.0.0.1:6379"}`, "trigger.stream", "is required"},
		{`{"type": "redis", "url": "redis://127.0.0.1:6379", "stream": "s", "start": "middle"}`, "trigger.start", "new or all"},
		{`{"type": "redis", "url": "redis://127.0.0.1:6379", "stream": "s", "claim_after": "later"}`, "trigger.claim_after", ""},
	}
	for _, tt := range tests {
		w, err := workflows.Decode([]byte(redisWorkflow("r", tt.trigger)))
		if err == nil {
			_, err = workflows.Compile(w)
		}
		if err == nil || !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), tt.message) {
			t.Errorf("%s: error %v, want %s: %s", tt.trigger, err, tt.field, tt.message)
		}
	}
	k, _ := workflows.LookupTrigger("redis")
	if err := workflows.CheckDoc(k.Doc, &kinds.RedisSettings{}); err != nil {
		t.Error(err)
	}
}

// TestRedisTrigger: entries added by Redis's own client each start one
// run, with the body field as the payload and the other fields as
// headers, or the entry as an object; another group, which reads every
// entry again, starts nothing new; disabled, the consumer stops and the
// entries wait in the stream until it is enabled again.
func TestRedisTrigger(t *testing.T) {
	t.Parallel()
	c := redisClient(t, redisURL)
	stream := redisStream(t, c)
	ids := redisAdd(t, c, stream, 0, 5)
	whole, err := c.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: []any{"sku", "A-1", "qty", "2"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, whole)

	r := newConsumerRig(t, nil, map[string]any{"redis": redisURL})
	id := "redis-trigger"
	r.save(t, redisWorkflow(id, `{"type": "redis", "url": "{{ secrets.redis }}", "stream": "`+stream+`", "start": "all"}`))
	r.waitState(t, id, kinds.ConsumerConnected)
	events := r.waitRuns(t, id, 6)
	for i, eid := range ids {
		key := "redis:" + stream + ":" + eid
		ev, ok := events[key]
		if !ok {
			t.Fatalf("no run for %s (runs: %v)", key, keys(events))
		}
		if ev.Source != "redis" || ev.Meta["id"] != eid || ev.Meta["stream"] != stream || ev.Meta["claimed"] != false {
			t.Errorf("event %s: source %s, meta %v", key, ev.Source, ev.Meta)
		}
		if i < 5 && ev.Headers["x-order"] != "o-"+strconv.Itoa(i) {
			t.Errorf("event %s: headers %v", key, ev.Headers)
		}
	}
	if out := stepOutput(t, r, id, "redis:"+stream+":"+ids[2]); out["n"] != float64(2) || out["order"] != "o-2" || out["id"] != ids[2] {
		t.Errorf("the run of entry 2 saw %v", out)
	}
	if out := stepOutput(t, r, id, "redis:"+stream+":"+whole); out["sku"] != "A-1" {
		t.Errorf("the run of the entry without a body saw %v", out)
	}

	// Another group reads every entry again: each a duplicate.
	other := uniqueName("other-")
	r.save(t, redisWorkflow(id, `{"type": "redis", "url": "{{ secrets.redis }}", "stream": "`+stream+`", "start": "all", "group": "`+other+`"}`))
	waitFor(t, "the second group to acknowledge every entry", func() bool {
		groups, err := c.XInfoGroups(context.Background(), stream).Result()
		if err != nil {
			return false
		}
		for _, g := range groups {
			if g.Name == other {
				return g.LastDeliveredID == whole && g.Pending == 0
			}
		}
		return false
	})
	r.waitRuns(t, id, 6)

	// Disabled: stopped; the entries added meanwhile wait.
	r.setEnabled(t, id, false)
	r.waitGone(t, id)
	redisAdd(t, c, stream, 100, 3)
	if n := len(r.runs(t, id)); n != 6 {
		t.Fatalf("a disabled workflow has %d runs, want 6", n)
	}
	r.setEnabled(t, id, true)
	r.waitState(t, id, kinds.ConsumerConnected)
	r.waitRuns(t, id, 9)
}

// TestRedisClaim: entries another consumer of the group read and never
// acknowledged (it died) are claimed once idle, and run.
func TestRedisClaim(t *testing.T) {
	t.Parallel()
	c := redisClient(t, redisURL)
	stream := redisStream(t, c)
	group := uniqueName("group-")
	ctx := context.Background()
	if err := c.XGroupCreateMkStream(ctx, stream, group, "0").Err(); err != nil {
		t.Fatal(err)
	}
	ids := redisAdd(t, c, stream, 0, 4)
	read, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "died", Streams: []string{stream, ">"}, Count: 10}).Result()
	if err != nil || len(read[0].Messages) != 4 {
		t.Fatalf("the dying consumer's read: %v, %v", read, err)
	}
	r := newConsumerRig(t, nil, nil)
	id := "redis-claim"
	r.save(t, redisWorkflow(id, `{"type": "redis", "url": "`+redisURL+`", "stream": "`+stream+`", "group": "`+group+`", "claim_after": "300ms"}`))
	events := r.waitRuns(t, id, 4)
	for _, eid := range ids {
		ev, ok := events["redis:"+stream+":"+eid]
		if !ok || ev.Meta["claimed"] != true {
			t.Errorf("entry %s: run %v, meta %v; want one run of the entry claimed", eid, ok, ev.Meta)
		}
	}
	waitFor(t, "the claimed entries to be acknowledged", func() bool {
		p, err := c.XPending(ctx, stream, group).Result()
		return err == nil && p.Count == 0
	})
}

// TestRedisReconnect: the Redis server (a process of the test's own,
// writing every change to its append-only file) is killed while entries
// are being taken, and started again: the consumer reconnects, and every
// entry has exactly one run.
func TestRedisReconnect(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startLocalServer(t, "redis-server", func(port int) []string {
		return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
			"--appendonly", "yes", "--appendfsync", "always"}
	})
	url := "redis://" + srv.addr() + "/0"
	c := redisClient(t, url)
	stream := uniqueName("hf-test-")
	r := newConsumerRig(t, nil, map[string]any{"redis": url})
	id := "redis-reconnect"
	r.save(t, redisWorkflow(id, `{"type": "redis", "url": "{{ secrets.redis }}", "stream": "`+stream+`", "start": "all", "claim_after": "1s"}`))
	r.waitState(t, id, kinds.ConsumerConnected)
	ids := redisAdd(t, c, stream, 0, 200)
	waitFor(t, "the first runs", func() bool { return len(r.runs(t, id)) >= 20 })
	srv.restart()
	ids = append(ids, redisAdd(t, c, stream, 200, 50)...)
	r.waitState(t, id, kinds.ConsumerConnected)
	events := r.waitRuns(t, id, 250)
	for i, eid := range ids {
		if _, ok := events["redis:"+stream+":"+eid]; !ok {
			t.Errorf("entry %d (%s) has no run", i, eid)
		}
	}
}

// TestRedisTwoReplicas: two engines on one PostgreSQL store read in one
// group: each entry has one run.
func TestRedisTwoReplicas(t *testing.T) {
	t.Parallel()
	pg := postgresStore(t)
	c := redisClient(t, redisURL)
	stream := redisStream(t, c)
	a, b := newConsumerRig(t, pg, nil), newConsumerRig(t, pg, nil)
	id := "redis-replicas"
	a.save(t, redisWorkflow(id, `{"type": "redis", "url": "`+redisURL+`", "stream": "`+stream+`"}`))
	b.c.Reload()
	a.waitState(t, id, kinds.ConsumerConnected)
	b.waitState(t, id, kinds.ConsumerConnected)
	redisAdd(t, c, stream, 0, 300)
	events := a.waitRuns(t, id, 300)
	if len(events) != 300 {
		t.Fatalf("%d distinct entries ran, want 300", len(events))
	}
}
