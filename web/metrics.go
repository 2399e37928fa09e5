package web

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpMetrics counts requests by route pattern (/hooks/:key, never the
// key itself) and trigger outcomes by workflow.
type httpMetrics struct {
	requests *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
	triggers *prometheus.CounterVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookflow_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hookflow_http_request_duration_seconds", Help: "HTTP request durations by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route"}),
		triggers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookflow_trigger_requests_total", Help: "Trigger requests by workflow and outcome (accepted, duplicate, unauthorized, forbidden, rate_limited, too_large, schema_mismatch).",
		}, []string{"workflow", "outcome"}),
	}
	reg.MustRegister(m.requests, m.seconds, m.triggers)
	return m
}

// middleware observes every request under its route pattern.
func (m *httpMetrics) middleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
	m.seconds.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

func (m *httpMetrics) trigger(workflow, outcome string) {
	m.triggers.WithLabelValues(workflow, outcome).Inc()
}

// NewRegistry returns a Prometheus registry with the Go runtime and process
// collectors, for the engine's and the server's metrics.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

func metricsHandler(reg *prometheus.Registry) gin.HandlerFunc {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}
