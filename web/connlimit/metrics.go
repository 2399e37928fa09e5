package connlimit

import "github.com/prometheus/client_golang/prometheus"

// metrics count what the limits did.
type metrics struct {
	refused    *prometheus.CounterVec
	evicted    prometheus.Counter
	slowBodies prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, open func() int) metrics {
	m := metrics{
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookflow_connections_refused_total",
			Help: "Client connections closed at accept: per_address (the address holds its cap) or full (every slot is answering a request).",
		}, []string{"reason"}),
		evicted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hookflow_connections_evicted_total",
			Help: "Idle or slow client connections closed to make room for a new one at the connection cap.",
		}),
		slowBodies: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hookflow_slow_bodies_total",
			Help: "Request bodies cut off for arriving slower than the minimum body rate.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.refused, m.evicted, m.slowBodies, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hookflow_connections_open",
			Help: "Client connections open.",
		}, func() float64 { return float64(open()) }))
	}
	return m
}
