package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hookflow/hookflow/store"
)

// benchRuns runs the workflow once per iteration, each run started and
// waited for, and reports runs per second: a step's cost in a run, its
// pooled connection included.
func benchRuns(b *testing.B, bb *bundle, wf store.Workflow, body string) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		run := bb.accept(wf, fmt.Sprintf(body, i))
		if r := bb.waitFinished(run); r.Status != store.StatusSucceeded {
			b.Fatalf("run = %s (%q)", r.Status, r.Error)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "runs/s")
}

// BenchmarkPublish publishes one message per run to the local NATS
// JetStream, each waiting for the stream's ack.
func BenchmarkPublish(b *testing.B) {
	needServer(b, "127.0.0.1:4222", "NATS")
	nc, err := nats.Connect(natsURL)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	name := unique("HFBENCH")
	subject := strings.ToLower(name) + ".orders"
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{subject}}); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = js.DeleteStream(context.Background(), name) }()
	bb := connSetup(b, map[string]any{"broker": natsURL})
	wf := bb.save(publishWorkflow("bench-publish", `"to": "nats", "subject": "`+subject+`"`))
	benchRuns(b, bb, wf, `{"id": "A-%d", "total": 42.5}`)
}

// BenchmarkSQL inserts one row per run into the local MariaDB, a value
// bound as a parameter.
func BenchmarkSQL(b *testing.B) {
	needServer(b, "127.0.0.1:3306", "MariaDB")
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/test")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	table := unique("hf_bench_")
	if _, err := db.Exec("create table " + table + " (id varchar(64) primary key, total decimal(10,2))"); err != nil {
		b.Fatal(err)
	}
	defer func() { _, _ = db.Exec("drop table " + table) }()
	bb := connSetup(b, map[string]any{"db": mysqlURL})
	wf := bb.save(`{"format": "hookflow/v1", "id": "bench-sql", "name": "Bench SQL", "trigger": {"type": "webhook"},
  "steps": [{"id": "ins", "type": "sql", "db": "{{ secrets.db }}", "query": "insert into ` + table + `(id, total) values ($1, $2)",
    "args": ["payload.id", "payload.total"]}]}`)
	benchRuns(b, bb, wf, `{"id": "A-%d", "total": 42.5}`)
}
