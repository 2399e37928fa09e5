package web_test

import (
	"fmt"
	"net/http"
	"testing"
)

// dashboardAnswer is GET /api/v1/dashboard decoded.
type dashboardAnswer struct {
	Range       string  `json:"range"`
	StepSeconds int64   `json:"step_seconds"`
	Times       []int64 `json:"times"`
	Runs        struct {
		Succeeded, Failed, Filtered, Cancelled []int64
	} `json:"runs"`
	Deliveries struct {
		Delivered, Failed, Retried []int64
	} `json:"deliveries"`
	LatencyMS struct {
		P50 []*float64 `json:"p50"`
		P95 []*float64 `json:"p95"`
	} `json:"latency_ms"`
	Backlog struct {
		Runs       []int64 `json:"runs"`
		OldestDueS []int64 `json:"oldest_due_s"`
	} `json:"backlog"`
	Totals struct {
		Runs, Succeeded, Failed, Filtered, Delivered int64
		DeliveryFailed                               int64    `json:"delivery_failed"`
		P50MS                                        *float64 `json:"p50_ms"`
		P95MS                                        *float64 `json:"p95_ms"`
	} `json:"totals"`
}

func (b *bundle) dashboard(query string) dashboardAnswer {
	b.t.Helper()
	r := b.api(http.MethodGet, "/api/v1/dashboard"+query, nil)
	if r.status != http.StatusOK {
		b.t.Fatalf("GET /api/v1/dashboard%s = %d\n%s", query, r.status, r.body)
	}
	var d dashboardAnswer
	r.decode(b.t, &d)
	return d
}

// TestDashboardAPI: the series cover every bucket of the range; after a
// flush they hold the runs, deliveries and latencies of a workflow, which
// its own view shows too; bad ranges and unknown workflows are refused.
func TestDashboardAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := b.create(fmt.Sprintf(`{"format": "hookflow/v1", "id": "orders", "name": "Orders", "trigger": {"type": "webhook"},
		"steps": [{"id": "keep", "type": "filter", "expr": "payload.n < 3"},
		          {"id": "send", "type": "webhook", "url": %q}]}`, b.recv.URL+"/orders"))
	for i := range 5 {
		b.waitRun(b.trigger(w.TriggerURL, map[string]any{"n": i}))
	}
	if err := b.engine.FlushRollups(t.Context()); err != nil {
		t.Fatalf("FlushRollups: %v", err)
	}
	for _, c := range []struct {
		query   string
		buckets int
		step    int64
	}{{"", 60, 60}, {"?range=day", 288, 300}, {"?range=week&workflow=orders", 168, 3600}} {
		d := b.dashboard(c.query)
		if len(d.Times) != c.buckets || d.StepSeconds != c.step {
			t.Fatalf("%s: %d buckets of %ds, want %d of %ds", c.query, len(d.Times), d.StepSeconds, c.buckets, c.step)
		}
		for name, s := range map[string]int{"succeeded": len(d.Runs.Succeeded), "delivered": len(d.Deliveries.Delivered),
			"p95": len(d.LatencyMS.P95), "backlog": len(d.Backlog.Runs)} {
			if s != c.buckets {
				t.Errorf("%s: series %s has %d values, want %d", c.query, name, s, c.buckets)
			}
		}
		if d.Times[1]-d.Times[0] != c.step {
			t.Errorf("%s: times %d, %d not a step apart", c.query, d.Times[0], d.Times[1])
		}
		var succeeded, filtered int64
		for i := range d.Times {
			succeeded += d.Runs.Succeeded[i]
			filtered += d.Runs.Filtered[i]
		}
		tt := d.Totals
		if succeeded != 3 || filtered != 2 || tt.Runs != 5 || tt.Succeeded != 3 || tt.Filtered != 2 || tt.Delivered != 3 {
			t.Errorf("%s: series %d succeeded, %d filtered; totals %+v; want 3, 2 and 5 runs, 3 delivered", c.query, succeeded, filtered, tt)
		}
		if tt.P50MS == nil || tt.P95MS == nil || *tt.P50MS <= 0 || *tt.P95MS < *tt.P50MS {
			t.Errorf("%s: latency p50 %v, p95 %v; want 0 < p50 <= p95", c.query, tt.P50MS, tt.P95MS)
		}
	}
	b.create(`{"format": "hookflow/v1", "id": "quiet", "name": "Quiet", "trigger": {"type": "webhook"}, "steps": []}`)
	if d := b.dashboard("?workflow=quiet"); d.Totals.Runs != 0 || d.Totals.P50MS != nil {
		t.Errorf("another workflow's view: %+v, want no runs, no latency", d.Totals)
	}
	wantError(t, b.api(http.MethodGet, "/api/v1/dashboard?range=year", nil), http.StatusBadRequest, "bad_request")
	wantError(t, b.api(http.MethodGet, "/api/v1/dashboard?workflow=nope", nil), http.StatusNotFound, "not_found")
}
