package web

import (
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hookflow/hookflow/store"
)

// dashboardRange is one of the dashboard's time ranges: so many buckets of
// a step, the last one holding now.
type dashboardRange struct {
	step    time.Duration
	buckets int
}

// dashboardRanges are the ranges GET /api/v1/dashboard answers: the last
// hour by minute, day by 5 minutes, week by hour.
var dashboardRanges = map[string]dashboardRange{
	"hour": {time.Minute, 60},
	"day":  {5 * time.Minute, 288},
	"week": {time.Hour, 168},
}

// dashboardView is the dashboard's time series, in uPlot's column format:
// Times (unix seconds, each bucket's start) and one array per series, of
// the same length. A latency with no run in its bucket is null.
type dashboardView struct {
	Range       string   `json:"range"`
	Workflow    string   `json:"workflow,omitempty"`
	StepSeconds int64    `json:"step_seconds"`
	Times       []int64  `json:"times"`
	Runs        runsView `json:"runs"`
	Deliveries  struct {
		Delivered []int64 `json:"delivered"`
		Failed    []int64 `json:"failed"`
		Retried   []int64 `json:"retried"`
	} `json:"deliveries"`
	LatencyMS struct {
		P50 []*float64 `json:"p50"`
		P95 []*float64 `json:"p95"`
	} `json:"latency_ms"`
	Backlog struct {
		Runs       []int64 `json:"runs"`
		OldestDueS []int64 `json:"oldest_due_s"`
	} `json:"backlog"`
	Totals dashboardTotals `json:"totals"`
}

type runsView struct {
	Succeeded []int64 `json:"succeeded"`
	Failed    []int64 `json:"failed"`
	Filtered  []int64 `json:"filtered"`
	Cancelled []int64 `json:"cancelled"`
}

// dashboardTotals sum the range: its runs and deliveries, the latency
// percentiles of all its runs, its largest backlog and oldest due run.
type dashboardTotals struct {
	Runs            int64    `json:"runs"`
	Succeeded       int64    `json:"succeeded"`
	Failed          int64    `json:"failed"`
	Filtered        int64    `json:"filtered"`
	Cancelled       int64    `json:"cancelled"`
	Delivered       int64    `json:"delivered"`
	DeliveryFailed  int64    `json:"delivery_failed"`
	DeliveryRetried int64    `json:"delivery_retried"`
	P50MS           *float64 `json:"p50_ms"`
	P95MS           *float64 `json:"p95_ms"`
	PeakBacklog     int64    `json:"peak_backlog"`
	OldestDueS      int64    `json:"oldest_due_s"`
}

// dashboard answers GET /api/v1/dashboard?range=hour|day|week[&workflow=ID]
// from the store's rollups.
func (s *Server) dashboard(c *gin.Context) {
	name := c.DefaultQuery("range", "hour")
	rg, ok := dashboardRanges[name]
	if !ok {
		abortJSON(c, http.StatusBadRequest, gin.H{"error": apiError{Code: "bad_request", Field: "range",
			Message: "range must be hour, day or week"}})
		return
	}
	ctx := c.Request.Context()
	wf := c.Query("workflow")
	if wf != "" {
		if _, err := s.store.WorkflowGet(ctx, wf); err != nil {
			s.fail(c, err)
			return
		}
	}
	from := s.now().UTC().Truncate(rg.step).Add(-time.Duration(rg.buckets-1) * rg.step)
	rows, err := s.store.RollupQuery(ctx, store.RollupQueryParams{WorkflowID: wf, From: from, Step: rg.step, Buckets: rg.buckets})
	if err != nil {
		s.fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, dashboardSeries(name, wf, from, rg, rows))
}

// dashboardSeries lays rows (sparse, in time order) out on every bucket of
// the range.
func dashboardSeries(name, wf string, from time.Time, rg dashboardRange, rows []store.RollupBucket) *dashboardView {
	n := rg.buckets
	v := &dashboardView{Range: name, Workflow: wf, StepSeconds: int64(rg.step / time.Second), Times: make([]int64, n)}
	v.Runs = runsView{make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)}
	v.Deliveries.Delivered, v.Deliveries.Failed, v.Deliveries.Retried = make([]int64, n), make([]int64, n), make([]int64, n)
	v.LatencyMS.P50, v.LatencyMS.P95 = make([]*float64, n), make([]*float64, n)
	v.Backlog.Runs, v.Backlog.OldestDueS = make([]int64, n), make([]int64, n)
	for i := range n {
		v.Times[i] = from.Add(time.Duration(i) * rg.step).Unix()
	}
	var all store.Rollup
	for i := range rows {
		r := &rows[i]
		k := int(r.Minute.Sub(from) / rg.step)
		if k < 0 || k >= n {
			continue
		}
		v.Runs.Succeeded[k], v.Runs.Failed[k], v.Runs.Filtered[k], v.Runs.Cancelled[k] = r.Succeeded, r.Failed, r.Filtered, r.Cancelled
		v.Deliveries.Delivered[k], v.Deliveries.Failed[k], v.Deliveries.Retried[k] = r.Delivered, r.DeliveryFailed, r.DeliveryRetried
		v.LatencyMS.P50[k], v.LatencyMS.P95[k] = quantileMS(&r.Latency, 0.5), quantileMS(&r.Latency, 0.95)
		v.Backlog.Runs[k], v.Backlog.OldestDueS[k] = r.Backlog, int64(r.OldestDue/time.Second)
		all.Add(r)
	}
	v.Totals = dashboardTotals{
		Runs: all.Runs(), Succeeded: all.Succeeded, Failed: all.Failed, Filtered: all.Filtered, Cancelled: all.Cancelled,
		Delivered: all.Delivered, DeliveryFailed: all.DeliveryFailed, DeliveryRetried: all.DeliveryRetried,
		P50MS: quantileMS(&all.Latency, 0.5), P95MS: quantileMS(&all.Latency, 0.95),
		PeakBacklog: all.Backlog, OldestDueS: int64(all.OldestDue / time.Second),
	}
	return v
}

// quantileMS is h's quantile q in milliseconds, to a microsecond; nil
// where h is empty.
func quantileMS(h *store.Histogram, q float64) *float64 {
	if h.Count() == 0 {
		return nil
	}
	ms := math.Round(float64(h.Quantile(q))/float64(time.Microsecond)) / 1000
	return &ms
}
