package engine

import "github.com/prometheus/client_golang/prometheus"

// destinationMetrics are the instruments of paused destinations, labelled
// by destination (scheme://host:port: no path, no credentials).
type destinationMetrics struct {
	paused *prometheus.GaugeVec
	pauses *prometheus.CounterVec
}

func newDestinationMetrics(reg prometheus.Registerer) *destinationMetrics {
	m := &destinationMetrics{
		paused: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hookflow_destination_paused", Help: "1 while calls to a destination are paused after failing too often in a row, else 0.",
		}, []string{"destination"}),
		pauses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookflow_destination_pauses_total", Help: "Times a destination was paused (after failures in a row, or a failed probe), by this server.",
		}, []string{"destination"}),
	}
	reg.MustRegister(m.paused, m.pauses)
	return m
}

func (m *Metrics) observePause(key string) {
	if m != nil && m.dests != nil {
		m.dests.pauses.WithLabelValues(key).Inc()
	}
}

func (m *Metrics) setPaused(key string, paused bool) {
	if m == nil || m.dests == nil {
		return
	}
	v := 0.0
	if paused {
		v = 1
	}
	m.dests.paused.WithLabelValues(key).Set(v)
}
