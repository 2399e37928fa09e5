package engine

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's Prometheus instruments. Labels are workflow ids,
// step types and outcomes: never hook keys or URLs.
type Metrics struct {
	accepted      *prometheus.CounterVec
	acceptSeconds prometheus.Histogram
	acceptBatch   prometheus.Histogram
	runs          *prometheus.CounterVec
	stepSeconds   *prometheus.HistogramVec
	deliveries    *prometheus.CounterVec
	dests         *destinationMetrics // destinations_metrics.go
}

// NewMetrics registers the engine's instruments with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookflow_events_accepted_total", Help: "Events made durable, by workflow and whether they were duplicates.",
		}, []string{"workflow", "duplicate"}),
		acceptSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hookflow_accept_duration_seconds", Help: "Time from Accept to the durable commit of the event (ingest latency).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .02, .05, .1, .25, .5, 1},
		}),
		acceptBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hookflow_accept_batch_size", Help: "Events committed per group-commit transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
		}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookflow_runs_total", Help: "Runs that reached a status, by workflow and status.",
		}, []string{"workflow", "status"}),
		stepSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hookflow_step_duration_seconds", Help: "Step attempt durations, by step type and outcome.",
			Buckets: []float64{.0001, .0005, .001, .005, .01, .05, .1, .5, 1, 5, 30},
		}, []string{"type", "status"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookflow_delivery_attempts_total", Help: "Outbound webhook attempts, by outcome (delivered, retry, failed).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.accepted, m.acceptSeconds, m.acceptBatch, m.runs, m.stepSeconds, m.deliveries)
	m.dests = newDestinationMetrics(reg)
	return m
}

func (m *Metrics) observeAccept(workflow string, duplicate bool, since time.Time) {
	if m == nil {
		return
	}
	d := "false"
	if duplicate {
		d = "true"
	}
	m.accepted.WithLabelValues(workflow, d).Inc()
	m.acceptSeconds.Observe(time.Since(since).Seconds())
}

func (m *Metrics) observeBatch(n int) {
	if m != nil {
		m.acceptBatch.Observe(float64(n))
	}
}

func (m *Metrics) observeRun(workflow, status string) {
	if m != nil {
		m.runs.WithLabelValues(workflow, status).Inc()
	}
}

func (m *Metrics) observeStep(typ, status string, d time.Duration) {
	if m == nil {
		return
	}
	m.stepSeconds.WithLabelValues(typ, status).Observe(d.Seconds())
	if typ == "webhook" {
		outcome := "delivered"
		switch status {
		case "retrying":
			outcome = "retry"
		case "failed":
			outcome = "failed"
		case "skipped":
			return
		}
		m.deliveries.WithLabelValues(outcome).Inc()
	}
}
