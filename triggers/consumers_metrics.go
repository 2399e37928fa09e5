package triggers

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookflow/hookflow/kinds"
)

var (
	consumerConnectedDesc = prometheus.NewDesc("hookflow_trigger_connected",
		"1 where the workflow's consumer trigger (broker, poll) is connected on this replica, 0 where it is connecting or retrying.",
		[]string{"workflow", "type"}, nil)
	consumerStateDesc = prometheus.NewDesc("hookflow_trigger_state",
		"1 for the state each consumer trigger is in on this replica (connecting, connected, retrying).",
		[]string{"workflow", "type", "state"}, nil)
)

// Describe implements prometheus.Collector: the consumers' states are
// metrics, read as they are scraped.
func (c *Consumers) Describe(ch chan<- *prometheus.Desc) {
	ch <- consumerConnectedDesc
	ch <- consumerStateDesc
}

// Collect implements prometheus.Collector.
func (c *Consumers) Collect(ch chan<- prometheus.Metric) {
	for id, st := range c.States() {
		connected := 0.0
		if st.State == kinds.ConsumerConnected {
			connected = 1
		}
		ch <- prometheus.MustNewConstMetric(consumerConnectedDesc, prometheus.GaugeValue, connected, id, st.Type)
		ch <- prometheus.MustNewConstMetric(consumerStateDesc, prometheus.GaugeValue, 1, id, st.Type, st.State)
	}
}
