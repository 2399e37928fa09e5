package postgres

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkReplicas measures one and then two replicas on one PostgreSQL
// database: b.N events (fan-out: a transform and an outbound webhook to a
// receiver on 127.0.0.1) posted by 32 concurrent clients, alternately to
// each replica, each replica with the default 16 workers. accepted/s is
// events acknowledged (202, durable) per second of posting; delivered/s is
// events delivered per second from the first post to the last delivery.
// Run it with a fixed count, e.g.
//
//	HOOKFLOW_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test -run '^$' -bench BenchmarkReplicas -benchtime 4000x ./store/postgres/
func BenchmarkReplicas(b *testing.B) {
	const clients = 32
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			c := newClusterWorkers(b, n, 16)
			wf := c.save(fanout)
			b.ResetTimer()
			start := time.Now()
			acked := c.postAll(wf.HookKey, b.N, clients, c.replicas)
			accepted := time.Since(start)
			c.waitDelivered(wf.ID, acked)
			delivered := time.Since(start)
			b.StopTimer()
			if len(acked) != b.N {
				b.Errorf("%d of %d events acknowledged", len(acked), b.N)
			}
			b.ReportMetric(float64(len(acked))/accepted.Seconds(), "accepted/s")
			b.ReportMetric(float64(len(acked))/delivered.Seconds(), "delivered/s")
			b.ReportMetric(0, "ns/op") // the rates say it; per-event time would mislead
		})
	}
}
